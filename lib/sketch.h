/*
 * sketch.h - what the bounded-memory aggregates share: qsketch
 * (quantiles), hll (distinct counts) and topk (frequent values) are each
 * a handle that owns all its memory, X_new and X_free; X_merge(dst, src)
 * leaves src as it was.  Their text forms are the partial state of
 * stream-agg --partial: one JSON value each, the same text for the same
 * state.  This module reads and writes those forms' pieces: a cursor
 * over the text, its keys and numbers (exact: a double is written in the
 * fewest digits that read back the same).  Owns nothing.
 */
#ifndef SKETCH_H
#define SKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A cursor over p[0..e); bad is set by the first thing that is not
 * there, and stays. */
struct sketch_scan {
	const char *p, *e;
	int bad;
};

/* 1 when the next byte (after blanks) is c, taken. */
int sketch_accept(struct sketch_scan *s, char c);
/* The same, and the text is bad when it is not there. */
int sketch_expect(struct sketch_scan *s, char c);
/* A key "name": the next of the object's keys, 1 when it is that one. */
int sketch_key(struct sketch_scan *s, const char *name);
uint64_t sketch_get_u64(struct sketch_scan *s);
int64_t sketch_get_i64(struct sketch_scan *s);
double sketch_get_double(struct sketch_scan *s);
/* A string's bytes, without escapes (the forms here never need any). */
const char *sketch_get_string(struct sketch_scan *s, size_t *n);
/* 1 when the text ended well: nothing bad, nothing after. */
int sketch_scan_end(struct sketch_scan *s);
void sketch_put_u64(struct buf *b, uint64_t v);
void sketch_put_double(struct buf *b, double d);

#endif
