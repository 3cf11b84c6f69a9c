/*
 * hll.c - distinct counts: HyperLogLog (see hll.h).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hll.h"
#include "sketch.h"

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
	struct sketch_scan sc = { p, p + n, 0 };
	struct hll *h = NULL;
	const char *t = NULL;
	const char *q;
	size_t tn = 0, i, k;
	uint64_t x;
	int d, exact;

	if (!sketch_expect(&sc, '{'))
		return NULL;
	if (sketch_key(&sc, "registers")) {
		if ((t = sketch_get_string(&sc, &tn)) == NULL || tn != HLL_M)
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
	} else if ((exact = sketch_key(&sc, "exact")) || sketch_key(&sc, "sparse")) {
		if ((t = sketch_get_string(&sc, &tn)) == NULL || tn % 16 != 0 ||
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
	sketch_expect(&sc, '}');
	if (!sketch_scan_end(&sc)) {
		hll_free(h);
		return NULL;
	}
	return h;
}
