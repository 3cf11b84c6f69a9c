/*
 * sketch.h - aggregates in bounded memory, each mergeable: quantiles
 * (DDSketch), distinct counts (HyperLogLog) and the most frequent values
 * (Space-Saving).
 *
 * Each sketch is a handle that owns all its memory; X_new makes one and
 * X_free frees it.  X_merge(dst, src) leaves src as it was.  The state of
 * a quantile or distinct sketch depends only on the values it was given,
 * never on their order or on how they were split and merged, so partial
 * runs merged give the same state, bit for bit, as one run.  A top-k
 * summary has that property while its values fit its counters (and with
 * exact counting); past that, merged summaries keep the same error bound
 * as one run, not the same counts.
 *
 * The text forms (X_write, X_read) are the partial state of stream-agg
 * --partial: one JSON value each, the same text for the same state.
 */
#ifndef SKETCH_H
#define SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * Quantiles.  A value is kept in the bin (gamma^(i-1), gamma^i] of its
 * magnitude, gamma = (1 + alpha) / (1 - alpha), and a bin stands for the
 * value within alpha of all it holds; the value at each rank, and so the
 * answer interpolated between two ranks of one sign, rounded to six
 * significant digits, is within 1% of the exact one (relative).  At
 * most QSKETCH_BINS bins per sign: when the magnitudes span more than
 * gamma^QSKETCH_BINS (2.1e8), the smallest fold into the lowest kept bin,
 * and only quantiles below that lose the bound.  With exact set, every
 * value is kept instead, and answers are not rounded.
 */
#define QSKETCH_ALPHA 0.00999
#define QSKETCH_BINS 960

struct qsketch;

struct qsketch *qsketch_new(int exact);
void qsketch_free(struct qsketch *s);
/* Add a finite x. */
void qsketch_add(struct qsketch *s, double x);
/* Fold src in: -1 when one is exact and the other not (dst unchanged). */
int qsketch_merge(struct qsketch *dst, const struct qsketch *src);
uint64_t qsketch_count(const struct qsketch *s);
/*
 * The q-quantile (0 <= q <= 1) as R's type 7 and NumPy's default have it:
 * the value at rank q(n-1) from 0, interpolated between the two nearest;
 * NAN when empty.
 */
double qsketch_quantile(struct qsketch *s, double q);
/* The bytes s holds, its header included. */
size_t qsketch_bytes(const struct qsketch *s);
void qsketch_write(struct qsketch *s, struct buf *b);
/* The sketch p[0..n) holds, or NULL when it is not qsketch_write's text. */
struct qsketch *qsketch_read(const char *p, size_t n);

/*
 * Distinct values, by a 64-bit hash of each: the exact set of hashes up
 * to HLL_SPARSE of them, then 2^HLL_P registers of one byte, read by
 * Ertl's improved estimator (standard error 1.04 / 2^(HLL_P/2), 1.6%).
 * With exact set, every hash is kept.
 */
#define HLL_P 12
#define HLL_SPARSE 256

struct hll;

struct hll *hll_new(int exact);
void hll_free(struct hll *h);
void hll_add(struct hll *h, uint64_t hash);
int hll_merge(struct hll *dst, const struct hll *src);
uint64_t hll_estimate(const struct hll *h);
size_t hll_bytes(const struct hll *h);
void hll_write(const struct hll *h, struct buf *b);
struct hll *hll_read(const char *p, size_t n);

/*
 * The most frequent values: Space-Saving over cap counters (0: as many as
 * there are values, exact).  A value's count is never below its true
 * count, and above it by at most its err, which is at most n / cap for
 * n values added.  The values are the caller's bytes, copied, with a tag
 * (a type) kept beside them.
 */
struct topk_item {
	char *v;
	size_t len, room;		/* room: v's allocation */
	uint64_t hash;
	uint64_t count, err;
	int tag;
};

struct topk;

struct topk *topk_new(size_t cap);
void topk_free(struct topk *t);
void topk_add(struct topk *t, const char *v, size_t len, uint64_t hash,
    int tag);
int topk_merge(struct topk *dst, const struct topk *src);
/* The values added, in all. */
uint64_t topk_total(const struct topk *t);
/* The items, most frequent first (ties by value), valid until the next
 * change of t; *n is how many. */
const struct topk_item *topk_items(struct topk *t, size_t *n);
/*
 * Rebuilding a summary from its text (the caller parses the values):
 * topk_restore_item for each item, then topk_restore_end with the total;
 * -1 when the items do not make a summary of t's capacity.
 */
void topk_restore_item(struct topk *t, const char *v, size_t len,
    uint64_t hash, int tag, uint64_t count, uint64_t err);
int topk_restore_end(struct topk *t, uint64_t total);

#endif
