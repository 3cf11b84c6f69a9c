/*
 * hll.h - distinct counts in bounded memory (HyperLogLog), mergeable: a
 * handle that owns all its memory (hll_new, hll_free).  Its state depends
 * only on the hashes it was given, never on their order or on how they
 * were split and merged; its text form (hll_write, hll_read) is a partial
 * state of stream-agg --partial (see sketch.h).
 */
#ifndef HLL_H
#define HLL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

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

#endif
