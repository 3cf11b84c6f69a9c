/*
 * sketch.c - quantiles, distinct counts and frequent values in bounded
 * memory (see sketch.h).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketch.h"

/* Reading the text forms back: a cursor over p[0..n). */
struct scan {
	const char *p, *e;
	int bad;
};

static void
skip_blanks(struct scan *s)
{
	while (s->p < s->e && (*s->p == ' ' || *s->p == '\t'))
		s->p++;
}

/* 1 when the next byte (after blanks) is c, taken. */
static int
accept(struct scan *s, char c)
{
	skip_blanks(s);
	if (s->p < s->e && *s->p == c) {
		s->p++;
		return 1;
	}
	return 0;
}

/* The same, and the text is bad when it is not there. */
static int
expect(struct scan *s, char c)
{
	if (accept(s, c))
		return 1;
	s->bad = 1;
	return 0;
}

/* A key "name": the next of the object's keys, 1 when it is that one. */
static int
key(struct scan *s, const char *name)
{
	size_t n = strlen(name);

	skip_blanks(s);
	if (s->e - s->p >= (ptrdiff_t)n + 3 && s->p[0] == '"' &&
	    memcmp(s->p + 1, name, n) == 0 && s->p[n + 1] == '"') {
		s->p += n + 2;
		return expect(s, ':');
	}
	return 0;
}

static uint64_t
get_u64(struct scan *s)
{
	uint64_t v = 0;
	const char *q;

	skip_blanks(s);
	for (q = s->p; q < s->e && *q >= '0' && *q <= '9'; q++) {
		if (v > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
			s->bad = 1;
		v = v * 10 + (uint64_t)(*q - '0');
	}
	if (q == s->p || q - s->p > 20)
		s->bad = 1;
	s->p = q;
	return v;
}

static int64_t
get_i64(struct scan *s)
{
	int neg = accept(s, '-');
	uint64_t v = get_u64(s);

	if (v > (uint64_t)INT64_MAX)
		s->bad = 1;
	return neg ? -(int64_t)v : (int64_t)v;
}

static double
get_double(struct scan *s)
{
	char tmp[64], *end;
	const char *q;
	size_t n;
	double d;

	skip_blanks(s);
	for (q = s->p; q < s->e && *q && strchr("0123456789+-.eE", *q); q++)
		;
	n = (size_t)(q - s->p);
	if (n == 0 || n >= sizeof tmp) {
		s->bad = 1;
		return 0;
	}
	memcpy(tmp, s->p, n);
	tmp[n] = '\0';
	d = strtod(tmp, &end);
	if (*end != '\0' || !isfinite(d))
		s->bad = 1;
	s->p = q;
	return d;
}

/* A string's bytes, without escapes (the forms here never need any). */
static const char *
get_plain_string(struct scan *s, size_t *n)
{
	const char *q, *start;

	if (!expect(s, '"'))
		return NULL;
	for (start = q = s->p; q < s->e && *q != '"' && *q != '\\'; q++)
		;
	if (q == s->e || *q != '"') {
		s->bad = 1;
		return NULL;
	}
	*n = (size_t)(q - start);
	s->p = q + 1;
	return start;
}

static int
scan_end(struct scan *s)
{
	skip_blanks(s);
	return !s->bad && s->p == s->e;
}

static void
put_u64(struct buf *b, uint64_t v)
{
	char s[24], *q = s + sizeof s;

	do
		*--q = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	buf_add(b, q, (size_t)(s + sizeof s - q));
}

static void
put_double(struct buf *b, double d)
{
	char s[40];
	int n;

	/* the shortest text that reads back as d */
	for (n = 15; n <= 17; n++) {
		snprintf(s, sizeof s, "%.*g", n, d);
		if (strtod(s, NULL) == d)
			break;
	}
	buf_addstr(b, s);
}

/* Quantiles: DDSketch */

/*
 * A store of bins [lo, hi] over an allocation [base, base + cap), every
 * bin outside [lo, hi] zero; counts are 32-bit until one would overflow.
 */
struct store {
	uint64_t total;
	int32_t base, lo, hi;
	uint32_t cap;
	int wide;
	void *bins;
};

struct qsketch {
	int exact;
	double min, max;
	uint64_t zero;
	struct store pos, neg;	/* by magnitude */
	double *values;		/* exact: every value */
	size_t nvalues, valcap;
	int sorted;
};

static double qgamma, qlngamma, qinv_lngamma;

static void
qsketch_setup(void)
{
	if (qgamma == 0) {
		qgamma = (1 + QSKETCH_ALPHA) / (1 - QSKETCH_ALPHA);
		qlngamma = log(qgamma);
		qinv_lngamma = 1 / qlngamma;
	}
}

static uint64_t
bin_get(const struct store *s, int32_t i)
{
	size_t k = (size_t)(i - s->base);

	return s->wide ? ((uint64_t *)s->bins)[k] : ((uint32_t *)s->bins)[k];
}

static void
store_widen(struct store *s)
{
	uint64_t *w = xcalloc(s->cap, sizeof *w);
	uint32_t *n = s->bins;
	uint32_t k;

	for (k = 0; k < s->cap; k++)
		w[k] = n[k];
	free(s->bins);
	s->bins = w;
	s->wide = 1;
}

static void
bin_add(struct store *s, int32_t i, uint64_t c)
{
	size_t k = (size_t)(i - s->base);

	if (!s->wide && ((uint32_t *)s->bins)[k] + c > UINT32_MAX)
		store_widen(s);
	if (s->wide)
		((uint64_t *)s->bins)[k] += c;
	else
		((uint32_t *)s->bins)[k] += (uint32_t)c;
}

/*
 * Make the store's range [nlo, nhi] (hi <= nhi, nhi - nlo < QSKETCH_BINS),
 * the bins below nlo folded into it.
 */
static void
store_cover(struct store *s, int32_t nlo, int32_t nhi)
{
	size_t es = s->wide ? 8 : 4;
	uint64_t fold = 0;
	int32_t i, from;
	uint32_t cap;
	char *nb;

	if (s->total == 0) {
		s->lo = s->hi = nlo;
		from = nlo;
	} else {
		for (i = s->lo; i < nlo && i <= s->hi; i++)
			fold += bin_get(s, i);
		from = s->lo > nlo ? s->lo : nlo;
	}
	if (s->bins != NULL && nlo >= s->base &&
	    nhi < s->base + (int32_t)s->cap) {
		if (fold) {	/* zero what was folded, then fold */
			memset(s->bins, 0, (size_t)(nlo - s->base) * es);
			bin_add(s, nlo, fold);
		}
		s->lo = nlo;
		s->hi = nhi;
		return;
	}
	cap = s->cap * 2;
	if (cap < (uint32_t)(nhi - nlo + 1))
		cap = (uint32_t)(nhi - nlo + 1);
	if (cap < 16)
		cap = 16;
	if (cap > QSKETCH_BINS)
		cap = QSKETCH_BINS;
	nb = xcalloc(cap, es);
	if (s->total > 0 && from <= s->hi)
		memcpy(nb + (size_t)(from - nlo) * es,
		    (char *)s->bins + (size_t)(from - s->base) * es,
		    (size_t)(s->hi - from + 1) * es);
	free(s->bins);
	s->bins = nb;
	s->cap = cap;
	/* growing down leaves the room below, growing up above */
	s->base = nlo < s->lo || s->total == 0 ? nhi - (int32_t)cap + 1 : nlo;
	if (s->base > nlo)
		s->base = nlo;
	if (s->base != nlo) {
		memmove(nb + (size_t)(nlo - s->base) * es, nb,
		    (size_t)(nhi - nlo + 1) * es);
		memset(nb, 0, (size_t)(nlo - s->base) * es);
	}
	s->lo = nlo;
	s->hi = nhi;
	if (fold)
		bin_add(s, nlo, fold);
}

/* Add c to bin i, folding as the bound on bins wants. */
static void
store_add(struct store *s, int32_t i, uint64_t c)
{
	int32_t lo = s->lo, hi = s->hi;

	if (s->total == 0)
		lo = hi = i;
	if (i < lo)
		lo = i;
	if (i > hi)
		hi = i;
	if (hi - lo >= QSKETCH_BINS)
		lo = hi - QSKETCH_BINS + 1;
	if (i < lo)
		i = lo;
	if (s->total == 0 || lo != s->lo || hi != s->hi || s->bins == NULL)
		store_cover(s, lo, hi);
	bin_add(s, i, c);
	s->total += c;
}

static void
store_merge(struct store *d, const struct store *s)
{
	int32_t i;

	if (s->total == 0)
		return;
	/* the highest first: the fold then takes the lowest at once */
	for (i = s->hi; i >= s->lo; i--) {
		uint64_t c = bin_get(s, i);

		if (c)
			store_add(d, i, c);
	}
}

static size_t
store_bytes(const struct store *s)
{
	return (size_t)s->cap * (s->wide ? 8 : 4);
}

struct qsketch *
qsketch_new(int exact)
{
	struct qsketch *s = xcalloc(1, sizeof *s);

	qsketch_setup();
	s->exact = exact;
	s->sorted = 1;
	return s;
}

void
qsketch_free(struct qsketch *s)
{
	if (s == NULL)
		return;
	free(s->pos.bins);
	free(s->neg.bins);
	free(s->values);
	free(s);
}

uint64_t
qsketch_count(const struct qsketch *s)
{
	return s->exact ? s->nvalues : s->pos.total + s->neg.total + s->zero;
}

static void
add_value(struct qsketch *s, double x)
{
	if (s->nvalues == s->valcap)
		s->values = xgrowarray(s->values, &s->valcap, s->nvalues + 1,
		    sizeof *s->values);
	s->values[s->nvalues++] = x;
	s->sorted = 0;
}

static int32_t
qindex(double m)
{
	return (int32_t)ceil(log(m) * qinv_lngamma);
}

void
qsketch_add(struct qsketch *s, double x)
{
	x += 0.0;	/* -0 is 0: which came first must not show */
	if (qsketch_count(s) == 0 || x < s->min)
		s->min = x;
	if (qsketch_count(s) == 0 || x > s->max)
		s->max = x;
	if (s->exact)
		add_value(s, x);
	else if (x >= DBL_MIN)
		store_add(&s->pos, qindex(x), 1);
	else if (x <= -DBL_MIN)
		store_add(&s->neg, qindex(-x), 1);
	else
		s->zero++;
}

int
qsketch_merge(struct qsketch *d, const struct qsketch *s)
{
	size_t i;

	if (d->exact != s->exact)
		return -1;
	if (qsketch_count(s) == 0)
		return 0;
	if (qsketch_count(d) == 0 || s->min < d->min)
		d->min = s->min;
	if (qsketch_count(d) == 0 || s->max > d->max)
		d->max = s->max;
	if (s->exact) {
		for (i = 0; i < s->nvalues; i++)
			add_value(d, s->values[i]);
		return 0;
	}
	store_merge(&d->pos, &s->pos);
	store_merge(&d->neg, &s->neg);
	d->zero += s->zero;
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
sort_values(struct qsketch *s)
{
	if (!s->sorted) {
		qsort(s->values, s->nvalues, sizeof *s->values, cmp_double);
		s->sorted = 1;
	}
}

/* The value of bin i: the estimate within alpha of all it holds. */
static double
bin_value(int32_t i)
{
	return 2 * exp((double)i * qlngamma) / (qgamma + 1);
}

/* The value of rank k (from 0) of n. */
static double
rank_value(struct qsketch *s, uint64_t k)
{
	uint64_t n = qsketch_count(s), seen = 0;
	double v = 0;
	int32_t i;

	if (k == 0)
		return s->min;
	if (k >= n - 1)
		return s->max;
	if (s->exact)
		return s->values[k];
	if (k < s->neg.total) {
		for (i = s->neg.hi; i >= s->neg.lo; i--)
			if ((seen += bin_get(&s->neg, i)) > k)
				break;
		v = -bin_value(i);
	} else if (k < s->neg.total + s->zero)
		v = 0;
	else {
		k -= s->neg.total + s->zero;
		for (i = s->pos.lo; i <= s->pos.hi; i++)
			if ((seen += bin_get(&s->pos, i)) > k)
				break;
		v = bin_value(i);
	}
	return v < s->min ? s->min : v > s->max ? s->max : v;
}

/* x to six significant digits: the digits the sketch knows, and a few
 * for the rounding of the bins' bounds. */
static double
round6(double x)
{
	char t[32];

	snprintf(t, sizeof t, "%.6g", x);
	return strtod(t, NULL);
}

double
qsketch_quantile(struct qsketch *s, double q)
{
	uint64_t n = qsketch_count(s), k;
	double r, f, lo, hi;

	if (n == 0)
		return NAN;
	if (s->exact)
		sort_values(s);
	r = q * (double)(n - 1);
	k = (uint64_t)r;
	if (k > n - 1)
		k = n - 1;
	f = r - (double)k;
	lo = rank_value(s, k);
	if (f > 0 && k + 1 < n) {
		hi = rank_value(s, k + 1);
		lo += f * (hi - lo);
	}
	return s->exact || lo == s->min || lo == s->max ? lo : round6(lo);
}

size_t
qsketch_bytes(const struct qsketch *s)
{
	return sizeof *s + store_bytes(&s->pos) + store_bytes(&s->neg) +
	    s->valcap * sizeof *s->values;
}

static void
store_write(const struct store *s, struct buf *b)
{
	int32_t lo = s->lo, hi = s->hi, i;

	buf_addc(b, '[');
	if (s->total > 0) {
		while (bin_get(s, lo) == 0)
			lo++;
		while (bin_get(s, hi) == 0)
			hi--;
		buf_addf(b, "%ld", (long)lo);
		for (i = lo; i <= hi; i++) {
			buf_addc(b, ',');
			put_u64(b, bin_get(s, i));
		}
	}
	buf_addc(b, ']');
}

void
qsketch_write(struct qsketch *s, struct buf *b)
{
	size_t i;

	buf_addstr(b, "{\"n\":");
	put_u64(b, qsketch_count(s));
	if (qsketch_count(s) > 0) {
		buf_addstr(b, ",\"min\":");
		put_double(b, s->min);
		buf_addstr(b, ",\"max\":");
		put_double(b, s->max);
	}
	if (s->exact) {
		sort_values(s);
		buf_addstr(b, ",\"values\":[");
		for (i = 0; i < s->nvalues; i++) {
			if (i > 0)
				buf_addc(b, ',');
			put_double(b, s->values[i]);
		}
		buf_addstr(b, "]}");
		return;
	}
	buf_addstr(b, ",\"zero\":");
	put_u64(b, s->zero);
	buf_addstr(b, ",\"pos\":");
	store_write(&s->pos, b);
	buf_addstr(b, ",\"neg\":");
	store_write(&s->neg, b);
	buf_addc(b, '}');
}

static void
store_read(struct scan *sc, struct store *s)
{
	int64_t i;
	uint64_t c;

	if (!expect(sc, '[') || accept(sc, ']'))
		return;
	i = get_i64(sc);
	while (!sc->bad && accept(sc, ',')) {
		c = get_u64(sc);
		if (i < -40000 || i > 40000)	/* past any double's bin */
			sc->bad = 1;
		else if (c > 0)
			store_add(s, (int32_t)i, c);
		i++;
	}
	expect(sc, ']');
}

struct qsketch *
qsketch_read(const char *p, size_t n)
{
	struct scan sc = { p, p + n, 0 };
	struct qsketch *s;
	uint64_t count;
	double min = 0, max = 0;
	int exact;

	if (!expect(&sc, '{') || !key(&sc, "n"))
		return NULL;
	count = get_u64(&sc);
	if (count > 0) {
		if (!expect(&sc, ',') || !key(&sc, "min"))
			return NULL;
		min = get_double(&sc);
		if (!expect(&sc, ',') || !key(&sc, "max"))
			return NULL;
		max = get_double(&sc);
	}
	if (!expect(&sc, ','))
		return NULL;
	exact = key(&sc, "values");
	s = qsketch_new(exact);
	if (exact) {
		if (expect(&sc, '[') && !accept(&sc, ']')) {
			do
				add_value(s, get_double(&sc) + 0.0);
			while (!sc.bad && accept(&sc, ','));
			expect(&sc, ']');
		}
	} else if (key(&sc, "zero")) {
		s->zero = get_u64(&sc);
		if (expect(&sc, ',') && key(&sc, "pos"))
			store_read(&sc, &s->pos);
		if (expect(&sc, ',') && key(&sc, "neg"))
			store_read(&sc, &s->neg);
	} else
		sc.bad = 1;
	expect(&sc, '}');
	s->min = min + 0.0;
	s->max = max + 0.0;
	if (!scan_end(&sc) || qsketch_count(s) != count || min > max) {
		qsketch_free(s);
		return NULL;
	}
	return s;
}

/* Distinct counts: HyperLogLog */

#define HLL_M (1u << HLL_P)
#define HLL_Q (64 - HLL_P)

struct hll {
	int exact;
	uint64_t *set;		/* sparse: sorted; exact: open addressing */
	size_t n, cap;		/* hashes, and room (exact: slots) */
	unsigned char *reg;	/* dense: HLL_M registers, else NULL */
};

struct hll *
hll_new(int exact)
{
	struct hll *h = xcalloc(1, sizeof *h);

	h->exact = exact;
	return h;
}

void
hll_free(struct hll *h)
{
	if (h == NULL)
		return;
	free(h->set);
	free(h->reg);
	free(h);
}

static void
reg_add(unsigned char *reg, uint64_t x)
{
	uint64_t w = x << HLL_P;
	unsigned rho = w ? (unsigned)__builtin_clzll(w) + 1 : HLL_Q + 1;
	size_t i = (size_t)(x >> HLL_Q);

	if (rho > reg[i])
		reg[i] = (unsigned char)rho;
}

static void
make_dense(struct hll *h)
{
	size_t i;

	h->reg = xcalloc(HLL_M, 1);
	for (i = 0; i < h->n; i++)
		reg_add(h->reg, h->set[i]);
	free(h->set);
	h->set = NULL;
	h->n = h->cap = 0;
}

/* The exact set: open addressing, 0 for an empty slot. */
static int
exact_add(struct hll *h, uint64_t x)
{
	size_t mask, i, k;
	uint64_t *old;

	if (x == 0)
		x = 1;
	if (2 * (h->n + 1) > h->cap) {
		old = h->set;
		k = h->cap;
		h->cap = h->cap ? h->cap * 2 : 16;
		h->set = xcalloc(h->cap, sizeof *h->set);
		h->n = 0;
		for (i = 0; i < k; i++)
			if (old[i])
				exact_add(h, old[i]);
		free(old);
	}
	mask = h->cap - 1;
	for (i = (size_t)(x ^ x >> 29) & mask; h->set[i]; i = (i + 1) & mask)
		if (h->set[i] == x)
			return 0;
	h->set[i] = x;
	h->n++;
	return 1;
}

static void
sparse_add(struct hll *h, uint64_t x)
{
	size_t lo = 0, hi = h->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (h->set[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->n && h->set[lo] == x)
		return;
	if (h->n == HLL_SPARSE) {
		make_dense(h);
		reg_add(h->reg, x);
		return;
	}
	if (h->n == h->cap)
		h->set = xgrowarray(h->set, &h->cap, h->n + 1, sizeof *h->set);
	memmove(h->set + lo + 1, h->set + lo, (h->n - lo) * sizeof *h->set);
	h->set[lo] = x;
	h->n++;
}

void
hll_add(struct hll *h, uint64_t x)
{
	if (h->reg)
		reg_add(h->reg, x);
	else if (h->exact)
		exact_add(h, x);
	else
		sparse_add(h, x);
}

int
hll_merge(struct hll *d, const struct hll *s)
{
	size_t i;

	if (d->exact != s->exact)
		return -1;
	if (s->reg) {
		if (d->reg == NULL)
			make_dense(d);
		for (i = 0; i < HLL_M; i++)
			if (s->reg[i] > d->reg[i])
				d->reg[i] = s->reg[i];
		return 0;
	}
	for (i = 0; i < (s->exact ? s->cap : s->n); i++)
		if (!s->exact || s->set[i])
			hll_add(d, s->set[i]);
	return 0;
}

/* Ertl, "New cardinality estimation algorithms for HyperLogLog
 * sketches" (2017), algorithm 6: no bias tables, no thresholds. */
static double
hll_sigma(double x)
{
	double y = 1, z = x, zp;

	if (x == 1)
		return INFINITY;
	do {
		x *= x;
		zp = z;
		z += x * y;
		y += y;
	} while (z != zp);
	return z;
}

static double
hll_tau(double x)
{
	double y = 1, z, zp;

	if (x == 0 || x == 1)
		return 0;
	z = 1 - x;
	do {
		x = sqrt(x);
		zp = z;
		y *= 0.5;
		z -= (1 - x) * (1 - x) * y;
	} while (z != zp);
	return z / 3;
}

uint64_t
hll_estimate(const struct hll *h)
{
	double m = HLL_M, z;
	uint32_t c[HLL_Q + 2] = { 0 };
	size_t i;
	int k;

	if (h->reg == NULL)
		return h->n;
	for (i = 0; i < HLL_M; i++)
		c[h->reg[i]]++;
	z = m * hll_tau(1 - c[HLL_Q + 1] / m);
	for (k = HLL_Q; k >= 1; k--)
		z = 0.5 * (z + c[k]);
	z += m * hll_sigma(c[0] / m);
	return (uint64_t)llround(m * m / (2 * log(2)) / z);
}

size_t
hll_bytes(const struct hll *h)
{
	return sizeof *h + h->cap * sizeof *h->set + (h->reg ? HLL_M : 0);
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void
hll_write(const struct hll *h, struct buf *b)
{
	uint64_t *all;
	size_t i, n = 0;

	if (h->reg) {
		buf_addstr(b, "{\"registers\":\"");
		buf_grow(b, HLL_M);
		for (i = 0; i < HLL_M; i++)
			b->data[b->len + i] = b64[h->reg[i]];
		b->len += HLL_M;
		buf_addstr(b, "\"}");
		return;
	}
	all = xcalloc(h->n ? h->n : 1, sizeof *all);
	for (i = 0; i < (h->exact ? h->cap : h->n); i++)
		if (!h->exact || h->set[i])
			all[n++] = h->set[i];
	qsort(all, n, sizeof *all, cmp_u64);
	buf_addstr(b, h->exact ? "{\"exact\":\"" : "{\"sparse\":\"");
	for (i = 0; i < n; i++)
		buf_addf(b, "%016llx", (unsigned long long)all[i]);
	buf_addstr(b, "\"}");
	free(all);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

struct hll *
hll_read(const char *p, size_t n)
{
	struct scan sc = { p, p + n, 0 };
	struct hll *h = NULL;
	const char *t = NULL;
	const char *q;
	size_t tn = 0, i, k;
	uint64_t x;
	int d, exact;

	if (!expect(&sc, '{'))
		return NULL;
	if (key(&sc, "registers")) {
		if ((t = get_plain_string(&sc, &tn)) == NULL || tn != HLL_M)
			return NULL;
		h = hll_new(0);
		h->reg = xmalloc(HLL_M);
		for (i = 0; i < HLL_M; i++) {
			q = memchr(b64, t[i], 64);
			if (q == NULL || q - b64 > HLL_Q + 1)
				sc.bad = 1;
			else
				h->reg[i] = (unsigned char)(q - b64);
		}
	} else if ((exact = key(&sc, "exact")) || key(&sc, "sparse")) {
		if ((t = get_plain_string(&sc, &tn)) == NULL || tn % 16 != 0 ||
		    (!exact && tn / 16 > HLL_SPARSE))
			return NULL;
		h = hll_new(exact);
		for (i = 0; i < tn; i += 16) {
			for (x = 0, k = 0; k < 16; k++) {
				if ((d = hexval(t[i + k])) < 0)
					sc.bad = 1;
				x = x << 4 | (uint64_t)(d & 15);
			}
			hll_add(h, x);
		}
	} else
		return NULL;
	expect(&sc, '}');
	if (!scan_end(&sc)) {
		hll_free(h);
		return NULL;
	}
	return h;
}

/* The most frequent values: Space-Saving */

struct topk {
	size_t cap;		/* counters, 0: no bound */
	struct topk_item *items;
	size_t n, room;
	uint32_t *heap, *at;	/* a min-heap of items by count; at[item] */
	uint32_t *slots;	/* by hash: item + 1, 0 empty */
	size_t mask;
	uint64_t total;
	struct topk_item *sorted;	/* topk_items' answer */
};

struct topk *
topk_new(size_t cap)
{
	struct topk *t = xcalloc(1, sizeof *t);

	t->cap = cap;
	return t;
}

static void
topk_reset(struct topk *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->items[i].v);
	free(t->items);
	free(t->heap);
	free(t->at);
	free(t->slots);
	free(t->sorted);
	t->items = t->sorted = NULL;
	t->heap = t->at = t->slots = NULL;
	t->n = t->room = t->mask = 0;
}

void
topk_free(struct topk *t)
{
	if (t == NULL)
		return;
	topk_reset(t);
	free(t);
}

uint64_t
topk_total(const struct topk *t)
{
	return t->total;
}

static void
index_put(struct topk *t, uint32_t item)
{
	size_t i = (size_t)t->items[item].hash & t->mask;

	while (t->slots[i])
		i = (i + 1) & t->mask;
	t->slots[i] = item + 1;
}

static void
index_grow(struct topk *t)
{
	size_t i;

	t->mask = t->mask ? t->mask * 2 + 1 : 15;
	free(t->slots);
	t->slots = xcalloc(t->mask + 1, sizeof *t->slots);
	for (i = 0; i < t->n; i++)
		index_put(t, (uint32_t)i);
}

/* The slot of v, or of the empty slot where it would go. */
static size_t
index_find(const struct topk *t, const char *v, size_t len, uint64_t hash)
{
	size_t i = (size_t)hash & t->mask;
	const struct topk_item *it;

	for (; t->slots[i]; i = (i + 1) & t->mask) {
		it = &t->items[t->slots[i] - 1];
		if (it->hash == hash && it->len == len &&
		    memcmp(it->v, v, len) == 0)
			break;
	}
	return i;
}

/* Empty slot i, moving back what linear probing put after it. */
static void
index_delete(struct topk *t, size_t i)
{
	size_t j = i, home;

	t->slots[i] = 0;
	for (;;) {
		j = (j + 1) & t->mask;
		if (t->slots[j] == 0)
			return;
		home = (size_t)t->items[t->slots[j] - 1].hash & t->mask;
		/* move j to i when its home is not in (i, j] */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			t->slots[i] = t->slots[j];
			t->slots[j] = 0;
			i = j;
		}
	}
}

static int
heap_less(const struct topk *t, uint32_t a, uint32_t b)
{
	return t->items[a].count < t->items[b].count;
}

static void
heap_swap(struct topk *t, size_t i, size_t j)
{
	uint32_t x = t->heap[i];

	t->heap[i] = t->heap[j];
	t->heap[j] = x;
	t->at[t->heap[i]] = (uint32_t)i;
	t->at[t->heap[j]] = (uint32_t)j;
}

static void
heap_down(struct topk *t, size_t i)
{
	size_t c;

	while ((c = 2 * i + 1) < t->n) {
		if (c + 1 < t->n && heap_less(t, t->heap[c + 1], t->heap[c]))
			c++;
		if (!heap_less(t, t->heap[c], t->heap[i]))
			return;
		heap_swap(t, i, c);
		i = c;
	}
}

static void
heap_up(struct topk *t, size_t i)
{
	while (i > 0 && heap_less(t, t->heap[i], t->heap[(i - 1) / 2])) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
set_value(struct topk_item *it, const char *v, size_t len, uint64_t hash,
    int tag)
{
	if (len + 1 > it->room) {	/* a counter changes hands: reuse */
		it->room = len + 1 > 16 ? len + 1 : 16;
		it->v = xrealloc(it->v, it->room);
	}
	memcpy(it->v, v, len);
	it->v[len] = '\0';
	it->len = len;
	it->hash = hash;
	it->tag = tag;
}

/* A new item at the end, counted, indexed and in the heap. */
static void
item_push(struct topk *t, const char *v, size_t len, uint64_t hash,
    int tag, uint64_t count, uint64_t err)
{
	struct topk_item *it;
	size_t r = t->room;

	if (2 * (t->n + 1) > t->mask + 1)
		index_grow(t);
	if (t->n == t->room) {
		t->items = xgrowarray(t->items, &t->room, t->n + 1,
		    sizeof *t->items);
		r = t->room;
		t->heap = xrealloc(t->heap, r * sizeof *t->heap);
		t->at = xrealloc(t->at, r * sizeof *t->at);
	}
	it = &t->items[t->n];
	memset(it, 0, sizeof *it);
	set_value(it, v, len, hash, tag);
	it->count = count;
	it->err = err;
	t->heap[t->n] = (uint32_t)t->n;
	t->at[t->n] = (uint32_t)t->n;
	t->n++;
	index_put(t, (uint32_t)(t->n - 1));
	heap_up(t, t->n - 1);
}

void
topk_add(struct topk *t, const char *v, size_t len, uint64_t hash, int tag)
{
	struct topk_item *it;
	uint32_t r;
	size_t i;

	t->total++;
	if (t->mask) {
		i = index_find(t, v, len, hash);
		if (t->slots[i]) {
			r = t->slots[i] - 1;
			t->items[r].count++;
			heap_down(t, t->at[r]);
			return;
		}
	}
	if (t->cap == 0 || t->n < t->cap) {
		item_push(t, v, len, hash, tag, 1, 0);
		return;
	}
	/* the least counted gives its counter to v, and its count as v's
	 * possible error */
	r = t->heap[0];
	it = &t->items[r];
	index_delete(t, index_find(t, it->v, it->len, it->hash));
	set_value(it, v, len, hash, tag);
	it->err = it->count;
	it->count++;
	index_put(t, r);
	heap_down(t, 0);
}

static int
cmp_items(const void *pa, const void *pb)
{
	const struct topk_item *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if ((c = memcmp(a->v, b->v, n)) != 0)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

const struct topk_item *
topk_items(struct topk *t, size_t *n)
{
	free(t->sorted);
	t->sorted = xcalloc(t->n ? t->n : 1, sizeof *t->sorted);
	if (t->n > 0)
		memcpy(t->sorted, t->items, t->n * sizeof *t->items);
	qsort(t->sorted, t->n, sizeof *t->sorted, cmp_items);
	*n = t->n;
	return t->sorted;
}

/* The least count when every counter is taken: what a value not
 * counted may have had. */
static uint64_t
floor_count(const struct topk *t)
{
	return t->cap && t->n == t->cap ? t->items[t->heap[0]].count : 0;
}

/*
 * Merging as in Agarwal et al., "Mergeable summaries" (2012): a value
 * counted on one side only gets the other side's floor as count and
 * error, and the cap largest stay.
 */
int
topk_merge(struct topk *d, const struct topk *s)
{
	uint64_t fd = floor_count(d), fs = floor_count(s), total;
	struct topk_item *all;
	size_t i, n = 0, k;

	if ((d->cap == 0) != (s->cap == 0))
		return -1;
	if (d->cap == 0) {	/* exact: add the counts */
		for (i = 0; i < s->n; i++) {
			const struct topk_item *it = &s->items[i];

			k = d->mask ? index_find(d, it->v, it->len, it->hash) : 0;
			if (d->mask && d->slots[k])
				d->items[d->slots[k] - 1].count += it->count;
			else
				item_push(d, it->v, it->len, it->hash, it->tag,
				    it->count, 0);
		}
		d->total += s->total;
		return 0;
	}
	all = xcalloc(d->n + s->n + 1, sizeof *all);
	for (i = 0; i < d->n; i++) {
		all[n] = d->items[i];
		all[n].count += fs;
		all[n++].err += fs;
	}
	for (i = 0; i < s->n; i++) {
		const struct topk_item *it = &s->items[i];

		k = d->mask ? index_find(d, it->v, it->len, it->hash) : 0;
		if (d->mask && d->slots[k]) {
			struct topk_item *m = &all[d->slots[k] - 1];

			m->count += it->count - fs;
			m->err += it->err - fs;
		} else {
			all[n] = *it;
			all[n].count += fd;
			all[n].err += fd;
			all[n++].v = xmemdup(it->v, it->len);
		}
	}
	qsort(all, n, sizeof *all, cmp_items);
	total = d->total + s->total;
	for (i = 0; i < d->n; i++)	/* the values now belong to all */
		d->items[i].v = NULL;
	for (i = 0; i < n; i++)
		all[i].room = 0;
	topk_reset(d);
	for (i = 0; i < n; i++) {
		if (i < d->cap)
			item_push(d, all[i].v, all[i].len, all[i].hash,
			    all[i].tag, all[i].count, all[i].err);
		free(all[i].v);
	}
	free(all);
	d->total = total;
	return 0;
}

void
topk_restore_item(struct topk *t, const char *v, size_t len, uint64_t hash,
    int tag, uint64_t count, uint64_t err)
{
	item_push(t, v, len, hash, tag, count, err);
}

int
topk_restore_end(struct topk *t, uint64_t total)
{
	uint64_t sum = 0;
	size_t i, k;

	t->total = total;
	if (t->cap && t->n > t->cap)
		return -1;
	for (i = 0; i < t->n; i++) {
		if (t->items[i].err > t->items[i].count)
			return -1;
		sum += t->items[i].count - t->items[i].err;
		k = index_find(t, t->items[i].v, t->items[i].len,
		    t->items[i].hash);
		if (t->slots[k] != i + 1)
			return -1;	/* a value twice */
	}
	return sum > total || (total > 0 && t->n == 0) ? -1 : 0;
}
