/*
 * qsketch.h - quantiles in bounded memory (DDSketch), mergeable: a
 * handle that owns all its memory (qsketch_new, qsketch_free).  Its state
 * depends only on the values it was given, never on their order or on how
 * they were split and merged; its text form (qsketch_write, qsketch_read)
 * is a partial state of stream-agg --partial (see sketch.h).
 */
#ifndef QSKETCH_H
#define QSKETCH_H

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

#endif
