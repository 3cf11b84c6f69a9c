/*
 * qsketch.c - quantiles in bounded memory: DDSketch (see qsketch.h).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qsketch.h"
#include "sketch.h"

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
			sketch_put_u64(b, bin_get(s, i));
		}
	}
	buf_addc(b, ']');
}

void
qsketch_write(struct qsketch *s, struct buf *b)
{
	size_t i;

	buf_addstr(b, "{\"n\":");
	sketch_put_u64(b, qsketch_count(s));
	if (qsketch_count(s) > 0) {
		buf_addstr(b, ",\"min\":");
		sketch_put_double(b, s->min);
		buf_addstr(b, ",\"max\":");
		sketch_put_double(b, s->max);
	}
	if (s->exact) {
		sort_values(s);
		buf_addstr(b, ",\"values\":[");
		for (i = 0; i < s->nvalues; i++) {
			if (i > 0)
				buf_addc(b, ',');
			sketch_put_double(b, s->values[i]);
		}
		buf_addstr(b, "]}");
		return;
	}
	buf_addstr(b, ",\"zero\":");
	sketch_put_u64(b, s->zero);
	buf_addstr(b, ",\"pos\":");
	store_write(&s->pos, b);
	buf_addstr(b, ",\"neg\":");
	store_write(&s->neg, b);
	buf_addc(b, '}');
}

static void
store_read(struct sketch_scan *sc, struct store *s)
{
	int64_t i;
	uint64_t c;

	if (!sketch_expect(sc, '[') || sketch_accept(sc, ']'))
		return;
	i = sketch_get_i64(sc);
	while (!sc->bad && sketch_accept(sc, ',')) {
		c = sketch_get_u64(sc);
		if (i < -40000 || i > 40000)	/* past any double's bin */
			sc->bad = 1;
		else if (c > 0)
			store_add(s, (int32_t)i, c);
		i++;
	}
	sketch_expect(sc, ']');
}

struct qsketch *
qsketch_read(const char *p, size_t n)
{
	struct sketch_scan sc = { p, p + n, 0 };
	struct qsketch *s;
	uint64_t count;
	double min = 0, max = 0;
	int exact;

	if (!sketch_expect(&sc, '{') || !sketch_key(&sc, "n"))
		return NULL;
	count = sketch_get_u64(&sc);
	if (count > 0) {
		if (!sketch_expect(&sc, ',') || !sketch_key(&sc, "min"))
			return NULL;
		min = sketch_get_double(&sc);
		if (!sketch_expect(&sc, ',') || !sketch_key(&sc, "max"))
			return NULL;
		max = sketch_get_double(&sc);
	}
	if (!sketch_expect(&sc, ','))
		return NULL;
	exact = sketch_key(&sc, "values");
	s = qsketch_new(exact);
	if (exact) {
		if (sketch_expect(&sc, '[') && !sketch_accept(&sc, ']')) {
			do
				add_value(s, sketch_get_double(&sc) + 0.0);
			while (!sc.bad && sketch_accept(&sc, ','));
			sketch_expect(&sc, ']');
		}
	} else if (sketch_key(&sc, "zero")) {
		s->zero = sketch_get_u64(&sc);
		if (sketch_expect(&sc, ',') && sketch_key(&sc, "pos"))
			store_read(&sc, &s->pos);
		if (sketch_expect(&sc, ',') && sketch_key(&sc, "neg"))
			store_read(&sc, &s->neg);
	} else
		sc.bad = 1;
	sketch_expect(&sc, '}');
	s->min = min + 0.0;
	s->max = max + 0.0;
	if (!sketch_scan_end(&sc) || qsketch_count(s) != count || min > max) {
		qsketch_free(s);
		return NULL;
	}
	return s;
}
