/*
 * fsum.h - exact sums of doubles, as Python's math.fsum gives them.
 *
 * A struct fsum holds a sum of doubles and 64-bit integers without any
 * rounding: a fixed-point number whose unit is 2^-1074, the smallest
 * double, kept in 32-bit limbs (in int64_t, so carries wait) over the
 * range of bits the values have used.  The sum does not depend on the
 * order of the additions or of merges, so partial sums computed apart
 * and merged give the same double, bit for bit, as one pass;
 * fsum_value rounds once, to nearest, ties to even.
 *
 * A struct fsum owns its limbs; fsum_release frees them.  FSUM_INIT is
 * an empty sum that has allocated nothing.
 */
#ifndef FSUM_H
#define FSUM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct fsum {
	int64_t *limb;		/* limb[i] weighs 2^(32 * (lo + i) - 1074) */
	int lo, n, cap;
	unsigned pending;	/* additions since the carries were settled */
};

#define FSUM_INIT { NULL, 0, 0, 0, 0 }

void fsum_release(struct fsum *s);
/* Add a finite double (infinities and NaN are the caller's to refuse). */
void fsum_add(struct fsum *s, double x);
void fsum_add_int(struct fsum *s, int64_t i);
/* Add src to dst; src is unchanged. */
void fsum_merge(struct fsum *dst, const struct fsum *src);
/* The sum, correctly rounded; +-HUGE_VAL when it overflows a double. */
double fsum_value(const struct fsum *s);
/* 1 when the sum is zero. */
int fsum_is_zero(const struct fsum *s);

/*
 * The exact state as text, "LO:HEX" (LO the first limb's place, HEX its
 * limbs as 8 hex digits each, most significant first, in two's
 * complement), the same text for the same sum however it was reached;
 * "0" for zero.  fsum_parse reads it back: 0, or -1 for text that is not
 * such a state.
 */
void fsum_write(struct buf *b, const struct fsum *s);
int fsum_parse(struct fsum *s, const char *p, size_t n);

#endif
