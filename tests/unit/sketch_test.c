/*
 * sketch_test.c - the sketches against exact answers: the quantiles'
 * relative error, HyperLogLog's standard error, Space-Saving's bound; the
 * same state however the values were split and merged; the text forms.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hash.h"
#include "hll.h"
#include "qsketch.h"
#include "sketch.h"
#include "topk.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
uniform(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* R's type 7 on sorted x[0..n). */
static double
exact_quantile(const double *x, size_t n, double q)
{
	double r = q * (double)(n - 1), f;
	size_t k = (size_t)r;

	f = r - (double)k;
	if (k + 1 >= n)
		return x[n - 1];
	return x[k] + f * (x[k + 1] - x[k]);
}

static const double qs[] = { 0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9,
    0.99, 0.999, 1 };

/* The worst relative error over qs of a sketch of x[0..n). */
static double
worst_error(double *x, size_t n, int exact)
{
	struct qsketch *s = qsketch_new(exact);
	double worst = 0, e, want, got;
	size_t i;

	for (i = 0; i < n; i++)
		qsketch_add(s, x[i]);
	qsort(x, n, sizeof *x, cmp_double);
	for (i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		want = exact_quantile(x, n, qs[i]);
		got = qsketch_quantile(s, qs[i]);
		e = want == 0 ? fabs(got) : fabs(got - want) / fabs(want);
		if (e > worst)
			worst = e;
	}
	qsketch_free(s);
	return worst;
}

static void
test_quantile_error(void)
{
	size_t n = 200000, i;
	double *x = malloc(n * sizeof *x);

	/* latencies: log-normal, 0.1 ms to seconds */
	for (i = 0; i < n; i++)
		x[i] = exp(3 + 1.5 * sqrt(-2 * log(uniform() + 1e-300)) *
		    cos(6.283185307179586 * uniform()));
	CHECK(worst_error(x, n, 0) <= 0.01);
	CHECK(worst_error(x, n, 1) == 0);
	/* uniform integers, and values of both signs with zeros */
	for (i = 0; i < n; i++)
		x[i] = (double)(next() % 100000);
	CHECK(worst_error(x, n, 0) <= 0.01);
	for (i = 0; i < n; i++)
		x[i] = i % 10 == 0 ? 0 : (uniform() - 0.3) * 1000;
	CHECK(worst_error(x, 1001, 0) <= 0.01);
	free(x);
}

static void
test_quantile_small(void)
{
	struct qsketch *s = qsketch_new(0);

	CHECK(isnan(qsketch_quantile(s, 0.5)));
	qsketch_add(s, 7);
	CHECK(qsketch_quantile(s, 0.5) == 7);	/* min and max are exact */
	CHECK(qsketch_quantile(s, 0.99) == 7);
	qsketch_add(s, 1);
	qsketch_add(s, 3);
	qsketch_add(s, 5);
	/* type 7: the median of 1 3 5 7 is 4, interpolated */
	CHECK(fabs(qsketch_quantile(s, 0.5) - 4) <= 0.04);
	CHECK(qsketch_quantile(s, 0) == 1);
	CHECK(qsketch_quantile(s, 1) == 7);
	qsketch_free(s);
	s = qsketch_new(1);
	qsketch_add(s, 4);
	qsketch_add(s, 1);
	qsketch_add(s, 3);
	qsketch_add(s, 2);
	CHECK(qsketch_quantile(s, 0.5) == 2.5);
	CHECK(qsketch_quantile(s, 0.25) == 1.75);
	qsketch_free(s);
}

/* A quantile sketch's bounded size, and what folding keeps. */
static void
test_quantile_memory(void)
{
	struct qsketch *s = qsketch_new(0);
	size_t i;

	for (i = 0; i < 100000; i++)	/* 0.01 ms to 100 s */
		qsketch_add(s, 0.01 * pow(10, 7 * uniform()));
	CHECK(qsketch_bytes(s) < 4096);
	qsketch_free(s);
	s = qsketch_new(0);
	for (i = 0; i < 100000; i++)	/* 1e-12 to 1e12: past the bins */
		qsketch_add(s, pow(10, 24 * uniform() - 12));
	CHECK(qsketch_bytes(s) < 4096);
	/* the upper quantiles keep the bound: p99 of 10^U(-12,12) */
	CHECK(fabs(qsketch_quantile(s, 0.99) / pow(10, 24 * 0.99 - 12) - 1) <
	    0.05);
	qsketch_free(s);
}

static char *
qtext(struct qsketch *s)
{
	struct buf b = BUF_INIT;

	qsketch_write(s, &b);
	return buf_detach(&b, NULL);
}

/* Split into parts merged in two orders: the same text as one pass. */
static void
check_qmerge(const double *x, size_t n, int exact)
{
	struct qsketch *one = qsketch_new(exact), *part[4], *a, *b;
	char *t1, *t2, *t3;
	size_t i;

	for (i = 0; i < 4; i++)
		part[i] = qsketch_new(exact);
	for (i = 0; i < n; i++) {
		qsketch_add(one, x[i]);
		qsketch_add(part[next() % 4], x[i]);
	}
	a = qsketch_new(exact);
	b = qsketch_new(exact);
	for (i = 0; i < 4; i++) {
		CHECK(qsketch_merge(a, part[i]) == 0);
		CHECK(qsketch_merge(b, part[3 - i]) == 0);
	}
	t1 = qtext(one);
	t2 = qtext(a);
	t3 = qtext(b);
	CHECK_STR(t2, t1);
	CHECK_STR(t3, t1);
	CHECK(qsketch_quantile(a, 0.99) == qsketch_quantile(one, 0.99));
	free(t1);
	free(t2);
	free(t3);
	for (i = 0; i < 4; i++)
		qsketch_free(part[i]);
	qsketch_free(one);
	qsketch_free(a);
	qsketch_free(b);
}

static void
test_quantile_merge(void)
{
	size_t n = 50000, i;
	double *x = malloc(n * sizeof *x);
	struct qsketch *e = qsketch_new(1), *d = qsketch_new(0);

	for (i = 0; i < n; i++)
		x[i] = (uniform() - 0.1) * pow(10, 6 * uniform());
	check_qmerge(x, n, 0);
	check_qmerge(x, 1000, 1);
	for (i = 0; i < n; i++)	/* folding in parts and in one */
		x[i] = pow(10, 30 * uniform() - 15);
	check_qmerge(x, n, 0);
	CHECK(qsketch_merge(e, d) == -1);
	qsketch_free(e);
	qsketch_free(d);
	free(x);
}

static void
test_quantile_text(void)
{
	static const char *const bad[] = {
		"", "{}", "{\"n\":1}", "{\"n\":2,\"min\":1,\"max\":2,\"zero\":0,"
		"\"pos\":[0,1],\"neg\":[]}",		/* counts say 1 */
		"{\"n\":1,\"min\":1,\"max\":1,\"zero\":0,\"pos\":[0,1]}",
		"{\"n\":1,\"min\":1,\"max\":1,\"zero\":0,\"pos\":[0,1],"
		"\"neg\":[]}x",
		"{\"n\":1,\"min\":2,\"max\":1,\"zero\":1,\"pos\":[],\"neg\":[]}",
		"{\"n\":1,\"min\":1,\"max\":1,\"zero\":0,\"pos\":[99999,1],"
		"\"neg\":[]}",
		"{\"n\":1,\"min\":1e999,\"max\":1,\"zero\":1,\"pos\":[],"
		"\"neg\":[]}",
		"{\"n\":1,\"min\":1,\"max\":1,\"values\":[1,2]}",
	};
	struct qsketch *s = qsketch_new(0), *r;
	char *t, *u;
	size_t i;

	t = qtext(s);
	CHECK_STR(t, "{\"n\":0,\"zero\":0,\"pos\":[],\"neg\":[]}");
	free(t);
	qsketch_add(s, 1);
	qsketch_add(s, 1.5);
	qsketch_add(s, 0);
	qsketch_add(s, -2);
	t = qtext(s);
	CHECK_STR(t, "{\"n\":4,\"min\":-2,\"max\":1.5,\"zero\":1,"
	    "\"pos\":[0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1],"
	    "\"neg\":[35,1]}");
	r = qsketch_read(t, strlen(t));
	CHECK(r != NULL);
	u = r ? qtext(r) : NULL;
	CHECK_STR(u, t);
	free(t);
	free(u);
	qsketch_free(r);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = qsketch_read(bad[i], strlen(bad[i]));
		if (r)
			fprintf(stderr, "read: %s\n", bad[i]);
		CHECK(r == NULL);
		qsketch_free(r);
	}
	/* counts past 32 bits */
	t = "{\"n\":4294967295,\"min\":1,\"max\":1,\"zero\":0,"
	    "\"pos\":[0,4294967295],\"neg\":[]}";
	r = qsketch_read(t, strlen(t));
	CHECK(r != NULL && qsketch_merge(s, r) == 0 && qsketch_merge(s, r) == 0);
	CHECK(qsketch_count(s) == 4 + 2 * 4294967295ull);
	u = qtext(s);
	CHECK(strstr(u, "\"pos\":[0,8589934591,") != NULL);
	free(u);
	qsketch_free(r);
	qsketch_free(s);
}

static uint64_t
hash_of(uint64_t i)
{
	char s[32];

	return hash_bytes(s, (size_t)snprintf(s, sizeof s, "u%llu",
	    (unsigned long long)i));
}

static void
test_hll_error(void)
{
	static const uint64_t sizes[] = { 1000, 10000, 100000, 1000000 };
	double e, sq = 0;
	size_t i, k, trials = 40;
	uint64_t j, base = 0;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct hll *h = hll_new(0);

		for (j = 0; j < sizes[i]; j++)
			hll_add(h, hash_of(j));
		e = (double)hll_estimate(h) / (double)sizes[i] - 1;
		CHECK(fabs(e) < 0.05);		/* three standard errors */
		CHECK(hll_bytes(h) <= 4096 + 64);
		hll_free(h);
	}
	/* the standard error, over many sets: 1.6%, under the 2% promised */
	for (k = 0; k < trials; k++) {
		struct hll *h = hll_new(0);

		for (j = 0; j < 20000; j++)
			hll_add(h, hash_of(base + j));
		base += 20000;
		e = (double)hll_estimate(h) / 20000 - 1;
		sq += e * e;
		hll_free(h);
	}
	CHECK(sqrt(sq / (double)trials) < 0.02);
}

static char *
htext(const struct hll *h)
{
	struct buf b = BUF_INIT;

	hll_write(h, &b);
	return buf_detach(&b, NULL);
}

static void
test_hll_small(void)
{
	struct hll *h = hll_new(0), *r;
	char *t, *u;
	uint64_t j;

	CHECK(hll_estimate(h) == 0);
	for (j = 0; j < 256; j++) {
		hll_add(h, hash_of(j));
		hll_add(h, hash_of(j));
	}
	CHECK(hll_estimate(h) == 256);	/* exact, up to 256 */
	CHECK(hll_bytes(h) < 4096);
	t = htext(h);
	CHECK(strncmp(t, "{\"sparse\":\"", 11) == 0 &&
	    strlen(t) == 11 + 16 * 256 + 2);
	r = hll_read(t, strlen(t));
	u = r ? htext(r) : NULL;
	CHECK_STR(u, t);
	free(t);
	free(u);
	hll_free(r);
	hll_add(h, hash_of(256));	/* one more: registers */
	CHECK(llabs((long long)hll_estimate(h) - 257) < 10);
	t = htext(h);
	CHECK(strncmp(t, "{\"registers\":\"", 14) == 0 &&
	    strlen(t) == 14 + 4096 + 2);
	r = hll_read(t, strlen(t));
	u = r ? htext(r) : NULL;
	CHECK_STR(u, t);
	CHECK(r && hll_estimate(r) == hll_estimate(h));
	free(t);
	free(u);
	hll_free(r);
	hll_free(h);
	CHECK(hll_read("{\"registers\":\"AB\"}", 18) == NULL);
	CHECK(hll_read("{\"sparse\":\"0123\"}", 17) == NULL);
	CHECK(hll_read("{\"sparse\":\"000000000000000g\"}", 29) == NULL);
	CHECK(hll_read("{\"dense\":\"\"}", 12) == NULL);
	h = hll_read("{\"exact\":\"\"}", 12);
	CHECK(h && hll_estimate(h) == 0);
	hll_free(h);
}

static void
check_hmerge(uint64_t n, int exact)
{
	struct hll *one = hll_new(exact), *part[3], *a = hll_new(exact),
	    *b = hll_new(exact);
	char *t1, *t2, *t3;
	uint64_t j;
	int i;

	for (i = 0; i < 3; i++)
		part[i] = hll_new(exact);
	for (j = 0; j < n; j++) {
		hll_add(one, hash_of(j % (n / 2 + 1)));
		hll_add(part[next() % 3], hash_of(j % (n / 2 + 1)));
	}
	for (i = 0; i < 3; i++) {
		CHECK(hll_merge(a, part[i]) == 0);
		CHECK(hll_merge(b, part[2 - i]) == 0);
	}
	t1 = htext(one);
	t2 = htext(a);
	t3 = htext(b);
	CHECK_STR(t2, t1);
	CHECK_STR(t3, t1);
	if (exact)
		CHECK(hll_estimate(a) == n / 2 + 1);
	free(t1);
	free(t2);
	free(t3);
	for (i = 0; i < 3; i++)
		hll_free(part[i]);
	hll_free(one);
	hll_free(a);
	hll_free(b);
}

static void
test_hll_merge(void)
{
	struct hll *e = hll_new(1), *d = hll_new(0);

	check_hmerge(300, 0);	/* sparse parts, dense sum */
	check_hmerge(100, 0);
	check_hmerge(100000, 0);
	check_hmerge(5000, 1);
	CHECK(hll_merge(e, d) == -1);
	hll_free(e);
	hll_free(d);
}

/* Zipf-like values: value v with weight 1/(v+1). */
static uint64_t
zipf(void)
{
	double u = uniform();

	return (uint64_t)(exp(u * log(100001.0)) - 1);
}

static void
add_value(struct topk *t, uint64_t v)
{
	char s[32];
	size_t n = (size_t)snprintf(s, sizeof s, "v%llu", (unsigned long long)v);

	topk_add(t, s, n, hash_bytes(s, n), 4);
}

static void
test_topk_bound(void)
{
	size_t n = 200000, cap = 256, i, m;
	uint64_t *truth = calloc(100001, sizeof *truth), v, t;
	struct topk *tk = topk_new(cap), *part[2], *merged = topk_new(cap);
	const struct topk_item *it;
	int ok = 1, okm = 1;

	part[0] = topk_new(cap);
	part[1] = topk_new(cap);
	for (i = 0; i < n; i++) {
		v = zipf();
		truth[v]++;
		add_value(tk, v);
		add_value(part[i % 2], v);
	}
	CHECK(topk_merge(merged, part[0]) == 0);
	CHECK(topk_merge(merged, part[1]) == 0);
	CHECK(topk_total(merged) == n);
	it = topk_items(tk, &m);
	CHECK(m == cap);
	for (i = 0; i < m; i++) {
		t = truth[strtoull(it[i].v + 1, NULL, 10)];
		if (it[i].count < t || it[i].count - t > it[i].err ||
		    it[i].err > n / cap)
			ok = 0;
	}
	/* the heaviest are found, in order */
	CHECK(strcmp(it[0].v, "v0") == 0 && strcmp(it[1].v, "v1") == 0 &&
	    strcmp(it[2].v, "v2") == 0);
	it = topk_items(merged, &m);
	for (i = 0; i < m; i++) {
		t = truth[strtoull(it[i].v + 1, NULL, 10)];
		if (it[i].count < t || it[i].count - t > it[i].err ||
		    it[i].err > n / cap)
			okm = 0;
	}
	CHECK(ok);
	CHECK(okm);
	CHECK(strcmp(it[0].v, "v0") == 0);
	topk_free(tk);
	topk_free(part[0]);
	topk_free(part[1]);
	topk_free(merged);
	free(truth);
}

static void
test_topk_exact(void)
{
	struct topk *one = topk_new(64), *a = topk_new(64), *b = topk_new(64),
	    *e = topk_new(0), *r;
	const struct topk_item *x, *y;
	size_t i, n, m;
	uint64_t v;

	for (i = 0; i < 5000; i++) {	/* 50 values: within the counters */
		v = next() % 50;
		add_value(one, v);
		add_value(i < 1234 ? a : b, v);
		add_value(e, v);
	}
	CHECK(topk_merge(a, b) == 0);
	x = topk_items(one, &n);
	y = topk_items(a, &m);
	CHECK(n == 50 && m == 50);
	for (i = 0; i < n && i < m; i++)
		CHECK(x[i].count == y[i].count && x[i].err == 0 &&
		    y[i].err == 0 && strcmp(x[i].v, y[i].v) == 0);
	y = topk_items(e, &m);
	CHECK(m == 50 && y[0].count == x[0].count);
	CHECK(topk_merge(e, one) == -1);
	/* rebuilt from its items */
	r = topk_new(64);
	for (i = 0; i < n; i++)
		topk_restore_item(r, x[i].v, x[i].len, x[i].hash, x[i].tag,
		    x[i].count, x[i].err);
	CHECK(topk_restore_end(r, 5000) == 0);
	y = topk_items(r, &m);
	CHECK(m == 50 && strcmp(y[0].v, x[0].v) == 0 && y[49].count ==
	    x[49].count);
	topk_free(r);
	r = topk_new(64);
	topk_restore_item(r, "a", 1, hash_bytes("a", 1), 4, 3, 0);
	topk_restore_item(r, "a", 1, hash_bytes("a", 1), 4, 3, 0);
	CHECK(topk_restore_end(r, 6) == -1);	/* a value twice */
	topk_free(r);
	r = topk_new(64);
	topk_restore_item(r, "a", 1, hash_bytes("a", 1), 4, 3, 0);
	CHECK(topk_restore_end(r, 2) == -1);	/* more than the total */
	topk_free(r);
	topk_free(one);
	topk_free(a);
	topk_free(b);
	topk_free(e);
}

/* The text forms' cursor: keys, numbers, strings, and where it fails. */
static void
test_scan(void)
{
	static const struct {
		const char *text;
		int ok;
		uint64_t u;
		int64_t i;
		double d;
		const char *str;
	} cases[] = {
		{ "{\"u\":18446744073709551615,\"i\":-42,\"d\":0.1,\"s\":\"ab\"}",
		    1, UINT64_MAX, -42, 0.1, "ab" },
		{ " { \"u\" : 0 , \"i\" : 7 , \"d\" : -2.5e3 , \"s\" : \"\" } ",
		    1, 0, 7, -2500, "" },
		{ "{\"u\":1,\"i\":1,\"d\":1,\"s\":\"x\"} tail", 0, 1, 1, 1,
		    "x" },
		{ "{\"v\":1}", 0, 0, 0, 0, NULL },
		{ "{\"u\":-1}", 0, 0, 0, 0, NULL },
		{ "", 0, 0, 0, 0, NULL },
	};
	size_t i, n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sketch_scan sc = { cases[i].text,
		    cases[i].text + strlen(cases[i].text), 0 };
		uint64_t u = 0;
		int64_t v = 0;
		double d = 0;
		const char *str = NULL;

		if (sketch_expect(&sc, '{') && sketch_key(&sc, "u")) {
			u = sketch_get_u64(&sc);
			if (sketch_expect(&sc, ',') && sketch_key(&sc, "i"))
				v = sketch_get_i64(&sc);
			if (sketch_expect(&sc, ',') && sketch_key(&sc, "d"))
				d = sketch_get_double(&sc);
			if (sketch_expect(&sc, ',') && sketch_key(&sc, "s"))
				str = sketch_get_string(&sc, &n);
			sketch_expect(&sc, '}');
		} else
			sc.bad = 1;
		CHECK_INT(sketch_scan_end(&sc), cases[i].ok);
		if (!cases[i].ok)
			continue;
		CHECK(u == cases[i].u);
		CHECK_INT(v, cases[i].i);
		CHECK(d == cases[i].d);
		CHECK_MEM(str, n, cases[i].str);
	}
}

static void
test_put(void)
{
	static const double ds[] = { 0.1, 1.0 / 3, 1e300, -0.0, 5e-324, 2.5 };
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof ds / sizeof ds[0]; i++) {
		buf_reset(&b);
		sketch_put_double(&b, ds[i]);
		CHECK(strtod(b.data, NULL) == ds[i]);
		CHECK(b.len <= 24);
	}
	buf_reset(&b);
	sketch_put_u64(&b, UINT64_MAX);
	CHECK_MEM(b.data, b.len, "18446744073709551615");
	buf_reset(&b);
	sketch_put_u64(&b, 0);
	CHECK_MEM(b.data, b.len, "0");
	buf_release(&b);
}

int
main(void)
{
	test_scan();
	test_put();
	test_quantile_error();
	test_quantile_small();
	test_quantile_memory();
	test_quantile_merge();
	test_quantile_text();
	test_hll_error();
	test_hll_small();
	test_hll_merge();
	test_topk_bound();
	test_topk_exact();
	return check_done("sketch");
}
