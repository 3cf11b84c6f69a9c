/*
 * fsum.c - exact sums of doubles (see fsum.h).
 *
 * A double is m * 2^(p - 1074) with m < 2^53 and 0 <= p < 2046; the sum
 * is the integer sum of such m << p, kept in 32-bit limbs.  Limbs are
 * int64_t so that 2^30 additions can pass before carries are settled.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fsum.h"

#define LIMB_BITS 32
#define LIMB (INT64_C(1) << LIMB_BITS)
#define MAX_PENDING (1u << 30)

void
fsum_release(struct fsum *s)
{
	free(s->limb);
	*s = (struct fsum)FSUM_INIT;
}

/* Make room for limbs first..last (places, not indices). */
static void
cover(struct fsum *s, int first, int last)
{
	int lo, hi, n;
	int64_t *limb;

	if (s->n > 0 && first >= s->lo && last < s->lo + s->n)
		return;
	lo = s->n > 0 && s->lo < first ? s->lo : first;
	hi = s->n > 0 && s->lo + s->n - 1 > last ? s->lo + s->n - 1 : last;
	n = hi - lo + 1;
	if (n > s->cap || lo != s->lo || s->n == 0) {
		int cap = n > s->cap ? n + 2 : s->cap;

		limb = xcalloc((size_t)cap, sizeof *limb);
		if (s->n > 0)
			memcpy(limb + (s->lo - lo), s->limb,
			    (size_t)s->n * sizeof *limb);
		free(s->limb);
		s->limb = limb;
		s->cap = cap;
	}
	s->lo = lo;
	s->n = n;
}

/* Carry limb i's excess into limb i + 1 (which must exist). */
static void
carry(int64_t *limb, int i)
{
	int64_t rem = (int64_t)((uint64_t)limb[i] & (LIMB - 1));

	limb[i + 1] += (limb[i] - rem) / LIMB;
	limb[i] = rem;
}

/*
 * Settle the carries into the one form each sum has: limbs below the top
 * in [0, 2^32), the top signed and needed (two's complement, as short as
 * it goes), and no zero limbs at the bottom.
 */
static void
normalize(struct fsum *s)
{
	int i, k;

	s->pending = 0;
	if (s->n == 0)
		return;
	for (;;) {
		for (i = 0; i < s->n - 1; i++)
			carry(s->limb, i);
		if (s->limb[s->n - 1] >= -LIMB / 2 && s->limb[s->n - 1] < LIMB / 2)
			break;
		cover(s, s->lo, s->lo + s->n);	/* one more at the top */
	}
	/* drop tops that only repeat the sign of the limb below */
	while (s->n >= 2 &&
	    ((s->limb[s->n - 1] == 0 && s->limb[s->n - 2] < LIMB / 2) ||
	    (s->limb[s->n - 1] == -1 && s->limb[s->n - 2] >= LIMB / 2))) {
		s->limb[s->n - 2] -= s->limb[s->n - 1] == -1 ? LIMB : 0;
		s->n--;
	}
	if (s->n == 1 && s->limb[0] == 0)
		s->n = 0;
	for (k = 0; k < s->n - 1 && s->limb[k] == 0; k++)
		;
	if (k > 0) {
		memmove(s->limb, s->limb + k, (size_t)(s->n - k) * sizeof *s->limb);
		s->lo += k;
		s->n -= k;
	}
}

/* Add or subtract m (< 2^53) at bit p. */
static void
add_bits(struct fsum *s, int neg, uint64_t m, int p)
{
	int place = p / LIMB_BITS, sh = p % LIMB_BITS, i;
	uint64_t rest = sh ? m >> (LIMB_BITS - sh) : m >> LIMB_BITS;
	int64_t part[3];

	part[0] = (int64_t)((m << sh) & (LIMB - 1));
	part[1] = (int64_t)(rest & (LIMB - 1));
	part[2] = (int64_t)(rest >> LIMB_BITS);
	cover(s, place, place + 2);
	for (i = 0; i < 3; i++)
		s->limb[place - s->lo + i] += neg ? -part[i] : part[i];
	if (++s->pending >= MAX_PENDING)
		normalize(s);
}

void
fsum_add(struct fsum *s, double x)
{
	uint64_t bits, m;
	int e;

	if (x == 0)
		return;
	memcpy(&bits, &x, sizeof bits);
	e = (int)(bits >> 52 & 0x7ff);
	m = bits & ((UINT64_C(1) << 52) - 1);
	if (e == 0)		/* subnormal: m * 2^-1074 */
		add_bits(s, (int)(bits >> 63), m, 0);
	else
		add_bits(s, (int)(bits >> 63), m | UINT64_C(1) << 52, e - 1);
}

void
fsum_add_int(struct fsum *s, int64_t i)
{
	uint64_t m = i < 0 ? -(uint64_t)i : (uint64_t)i;

	if (i == 0)
		return;
	add_bits(s, i < 0, m & (LIMB - 1), 1074);
	add_bits(s, i < 0, m >> LIMB_BITS, 1074 + LIMB_BITS);
}

void
fsum_merge(struct fsum *dst, const struct fsum *src)
{
	int i;

	if (src->n == 0)
		return;
	cover(dst, src->lo, src->lo + src->n - 1);
	for (i = 0; i < src->n; i++)
		dst->limb[src->lo - dst->lo + i] += src->limb[i];
	dst->pending += src->pending + 1;
	if (dst->pending >= MAX_PENDING)
		normalize(dst);
}

/* A normalized copy of s, to read. */
static void
settled(const struct fsum *s, struct fsum *c)
{
	*c = (struct fsum)FSUM_INIT;
	if (s->n == 0)
		return;
	c->limb = xcalloc((size_t)s->n + 2, sizeof *c->limb);
	memcpy(c->limb, s->limb, (size_t)s->n * sizeof *c->limb);
	c->lo = s->lo;
	c->n = s->n;
	c->cap = s->n + 2;
	normalize(c);
}

int
fsum_is_zero(const struct fsum *s)
{
	struct fsum c;
	int zero;

	settled(s, &c);
	zero = c.n == 0;
	fsum_release(&c);
	return zero;
}

/* Bit k of the magnitude in limbs mag[0..n) (k from limb 0's bit 0). */
static int
bit(const uint32_t *mag, int n, int k)
{
	return k >= 0 && k / LIMB_BITS < n &&
	    (mag[k / LIMB_BITS] >> (k % LIMB_BITS) & 1);
}

double
fsum_value(const struct fsum *s)
{
	struct fsum c;
	uint32_t *mag;
	uint64_t kept = 0;
	int neg, i, top, r, k, sticky = 0, round;
	double v;

	settled(s, &c);
	if (c.n == 0) {
		fsum_release(&c);
		return 0;
	}
	mag = xcalloc((size_t)c.n, sizeof *mag);
	neg = c.limb[c.n - 1] < 0;
	for (i = 0; i < c.n; i++)	/* the magnitude, in two's complement */
		mag[i] = (uint32_t)(neg ? ~(uint64_t)c.limb[i] : (uint64_t)c.limb[i]);
	for (i = 0; neg && i < c.n && ++mag[i] == 0; i++)
		;
	for (top = c.n * LIMB_BITS - 1; top > 0 && !bit(mag, c.n, top); top--)
		;
	r = top - 52 + c.lo * LIMB_BITS < 0 ? -c.lo * LIMB_BITS : top - 52;
	for (k = top; k >= r; k--)
		kept = kept << 1 | (uint64_t)bit(mag, c.n, k);
	round = bit(mag, c.n, r - 1);
	for (k = r - 2; k >= 0 && !sticky; k--)
		sticky = bit(mag, c.n, k);
	if (round && (sticky || (kept & 1)))
		kept++;
	v = ldexp((double)kept, r + c.lo * LIMB_BITS - 1074);
	free(mag);
	fsum_release(&c);
	return neg ? -v : v;
}

void
fsum_write(struct buf *b, const struct fsum *s)
{
	static const char hex[] = "0123456789abcdef";
	struct fsum c;
	int i, k;

	settled(s, &c);
	if (c.n == 0) {
		buf_addc(b, '0');
		fsum_release(&c);
		return;
	}
	buf_addf(b, "%d:", c.lo);
	for (i = c.n - 1; i >= 0; i--)
		for (k = 28; k >= 0; k -= 4)
			buf_addc(b, hex[(uint64_t)c.limb[i] >> k & 15]);
	fsum_release(&c);
}

int
fsum_parse(struct fsum *s, const char *p, size_t n)
{
	const char *e = p + n, *colon = memchr(p, ':', n);
	int lo = 0, i, nl, digits = 0;

	*s = (struct fsum)FSUM_INIT;
	if (n == 1 && *p == '0')
		return 0;
	if (colon == NULL)
		return -1;
	for (; p < colon; p++, digits++) {
		if (*p < '0' || *p > '9' || lo > 100)
			return -1;
		lo = lo * 10 + (*p - '0');
	}
	p = colon + 1;
	/* a double's bits and 2^32 carries fit in 80 limbs from place 0 */
	if (digits == 0 || lo > 80 || e - p == 0 || (e - p) % 8 != 0 ||
	    (e - p) / 8 > 80 - lo)
		return -1;
	nl = (int)((e - p) / 8);
	s->limb = xcalloc((size_t)nl + 2, sizeof *s->limb);
	s->cap = nl + 2;
	s->n = nl;
	s->lo = lo;
	for (i = nl - 1; i >= 0; i--, p += 8) {
		uint64_t v = 0;
		int k;

		for (k = 0; k < 8; k++) {
			int c = p[k], d = c >= '0' && c <= '9' ? c - '0' :
			    c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

			if (d < 0) {
				fsum_release(s);
				return -1;
			}
			v = v << 4 | (uint64_t)d;
		}
		s->limb[i] = (int64_t)v;
	}
	if (s->limb[nl - 1] >= LIMB / 2)
		s->limb[nl - 1] -= LIMB;
	return 0;
}
