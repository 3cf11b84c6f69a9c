/*
 * record.c - values, field sets, formats and the parser dispatch
 * (see record.h).  The per-format finders live in json.c, csv.c,
 * logfmt.c and text.c; this file decodes what they find.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

int
fieldset_add(struct fieldset *fs, const char *name, size_t len)
{
	struct field *f;
	size_t i;
	long idx = 0;

	for (i = 0; i < fs->n; i++)
		if (fs->f[i].len == len && memcmp(fs->f[i].name, name, len) == 0)
			return (int)i;
	fs->f = xgrowarray(fs->f, &fs->cap, fs->n + 1, sizeof *fs->f);
	f = &fs->f[fs->n];
	f->name = xmemdup(name, len);
	f->len = len;
	/* "3" is column 3; "03", "0" and "3x" are names */
	for (i = 0; i < len && i < 9 && name[i] >= '0' && name[i] <= '9'; i++)
		idx = idx * 10 + (name[i] - '0');
	f->index = (i == len && len > 0 && name[0] != '0') ? idx : 0;
	f->bare = len > 0;
	for (i = 0; i < len; i++)
		if (name[i] == '.' || name[i] == '"' || name[i] == '\\' ||
		    (unsigned char)name[i] < ' ')
			f->bare = 0;
	for (i = 0; i <= len; i++)
		if (i == len || name[i] == '.')
			fs->lenmask |= UINT64_C(1) << (i < 63 ? i : 63);
	return (int)fs->n++;
}

int
fieldset_add_list(struct fieldset *fs, const char *list, char ***names,
    int **slots, size_t *n)
{
	const char *p = list, *comma;
	size_t len;

	do {
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0)
			return -1;
		*names = xrealloc(*names, (*n + 1) * sizeof **names);
		*slots = xrealloc(*slots, (*n + 1) * sizeof **slots);
		(*names)[*n] = xmemdup(p, len);
		(*slots)[*n] = fieldset_add(fs, p, len);
		(*n)++;
		p = comma + 1;
	} while (comma);
	return 0;
}

void
fieldset_copy(struct fieldset *dst, const struct fieldset *src)
{
	size_t i;

	/* the copy is another thread's, read at every key: on lines of
	 * its own, not beside what the copying thread allocates next */
	*dst = *src;
	dst->cap = src->n ? src->n : 1;
	dst->f = xmalloc_lines(dst->cap * sizeof *dst->f);
	for (i = 0; i < src->n; i++) {
		dst->f[i] = src->f[i];
		dst->f[i].name = xmalloc_lines(src->f[i].len + 1);
		memcpy(dst->f[i].name, src->f[i].name, src->f[i].len);
		dst->f[i].name[src->f[i].len] = '\0';
	}
}

void
fieldset_release(struct fieldset *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		free(fs->f[i].name);
	free(fs->f);
	fs->f = NULL;
	fs->n = fs->cap = 0;
	fs->lenmask = 0;
	fs->tail = 0;
	fs->trusted = 0;
}

/* Numbers */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* The decimal number syntax: [+-] digits [. digits] [eE [+-] digits],
 * with digits on at least one side of the point. */
static int
num_syntax(const char *p, size_t n, int *isint)
{
	size_t i = 0, ndig = 0;

	*isint = 1;
	if (i < n && (p[i] == '-' || p[i] == '+'))
		i++;
	for (; i < n && is_digit(p[i]); i++)
		ndig++;
	if (i < n && p[i] == '.') {
		*isint = 0;
		for (i++; i < n && is_digit(p[i]); i++)
			ndig++;
	}
	if (ndig == 0)
		return -1;
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		*isint = 0;
		i++;
		if (i < n && (p[i] == '-' || p[i] == '+'))
			i++;
		if (i == n || !is_digit(p[i]))
			return -1;
		while (i < n && is_digit(p[i]))
			i++;
	}
	return i == n ? 0 : -1;
}

/* The eight digits at p (digits8 holds) as a number: each step joins
 * neighbours, the first byte the most significant (little-endian loads;
 * elsewhere, a digit at a time). */
static uint64_t
digits8_value(const char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w;

	memcpy(&w, p, 8);
	w -= UINT64_C(0x3030303030303030);
	w = (w * 10 + (w >> 8)) & UINT64_C(0x00ff00ff00ff00ff);
	w = (w * 100 + (w >> 16)) & UINT64_C(0x0000ffff0000ffff);
	return (w * 10000 + (w >> 32)) & UINT64_C(0xffffffff);
#else
	uint64_t n = 0;
	int i;

	for (i = 0; i < 8; i++)
		n = n * 10 + (uint64_t)(p[i] - '0');
	return n;
#endif
}

const char *
int_scan(const char *p, const char *e, int64_t *out)
{
	const char *digits;
	int neg = 0;
	uint64_t v = 0, lim;

	if (p < e && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	digits = p;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	/* eight digits a step while they cannot wrap: below 10^11, eight
	 * more stay below 10^19 */
	for (; e - p >= 8 && v < UINT64_C(100000000000) && digits8(p); p += 8)
		v = v * 100000000 + digits8_value(p);
	for (; p < e && *p >= '0' && *p <= '9'; p++) {
		unsigned dgt = (unsigned)(*p - '0');

		if (v > (lim - dgt) / 10)
			return NULL;
		v = v * 10 + dgt;
	}
	if (p == digits || v > lim)
		return NULL;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return p;
}

int
int_parse(const char *p, size_t n, int64_t *out)
{
	int64_t v;

	if (int_scan(p, p + n, &v) != p + n)
		return -1;
	*out = v;
	return 0;
}

/*
 * A decimal with at most 15 digits and no exponent is exactly
 * mantissa / 10^k, and one IEEE division of two exact doubles is
 * correctly rounded: the same double strtod gives, without its cost.
 */
static int
short_decimal(const char *p, size_t n, double *d)
{
	static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7,
	    1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
	size_t i = 0, digits = 0, frac = 0;
	int neg = 0, point = 0;
	int64_t m = 0;

	if (p[0] == '-' || p[0] == '+')
		neg = p[i++] == '-';
	for (; i < n; i++) {
		if (p[i] == '.' && !point) {
			point = 1;
			continue;
		}
		if (!is_digit(p[i]) || ++digits > 15)
			return -1;
		m = m * 10 + (p[i] - '0');
		frac += point;
	}
	*d = (double)m / pow10[frac];
	if (neg)
		*d = -*d;
	return 0;
}

int
num_parse(const char *p, size_t n, double *d, int *isint, int64_t *i)
{
	char small[64], *tmp, *end;
	int integral;
	int64_t iv;
	double dv;

	if (num_syntax(p, n, &integral) < 0)
		return -1;
	if (integral && int_parse(p, n, &iv) == 0) {
		if (d)
			*d = (double)iv;
		if (isint)
			*isint = 1;
		if (i)
			*i = iv;
		return 0;
	}
	if (short_decimal(p, n, &dv) == 0) {
		if (d)
			*d = dv;
		if (isint)
			*isint = 0;
		return 0;
	}
	/* strtod wants a terminated string; we never call setlocale, so the
	 * decimal point is always '.' */
	tmp = n < sizeof small ? small : xmalloc(n + 1);
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	errno = 0;
	dv = strtod(tmp, &end);
	if (tmp != small)
		free(tmp);
	if (isinf(dv) || isnan(dv))
		return -1;
	if (d)
		*d = dv;
	if (isint)
		*isint = 0;
	return 0;
}

static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930"
    "31323334353637383940414243444546474849505152535455565758596061"
    "62636465666768697071727374757677787980818283848586878889909192"
    "939495969798999";

/* x < 10^8 as exactly eight digits ending at p; returns where they
 * start.  The four pairs do not wait on each other. */
static char *
eight_digits(char *p, uint32_t x)
{
	uint32_t hi = x / 10000, lo = x % 10000;

	memcpy(p - 2, digit_pairs + lo % 100 * 2, 2);
	memcpy(p - 4, digit_pairs + lo / 100 * 2, 2);
	memcpy(p - 6, digit_pairs + hi % 100 * 2, 2);
	memcpy(p - 8, digit_pairs + hi / 100 * 2, 2);
	return p - 8;
}

void
int_format8(uint32_t x, char *dst)
{
	eight_digits(dst + 8, x);
}

size_t
int_format(int64_t v, char *dst)
{
	char tmp[INT_FORMAT_MAX], *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	uint32_t x;
	size_t n;

	/* epoch microseconds have 16 digits: two eights, straight into
	 * dst */
	if (u >= UINT64_C(1000000000000000) && u < UINT64_C(10000000000000000)) {
		if (v < 0)
			*dst++ = '-';
		eight_digits(dst + 8, (uint32_t)(u / 100000000));
		eight_digits(dst + 16, (uint32_t)(u % 100000000));
		dst[16] = '\0';
		return 16 + (v < 0);
	}
	/* any other: eight at a time, in 32 bits, from the right */
	for (; u >= 100000000; u /= 100000000)
		p = eight_digits(p, (uint32_t)(u % 100000000));
	for (x = (uint32_t)u; x >= 100; x /= 100) {
		p -= 2;
		memcpy(p, digit_pairs + x % 100 * 2, 2);
	}
	if (x >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + x * 2, 2);
	} else
		*--p = (char)('0' + x);
	if (v < 0)
		*--p = '-';
	n = (size_t)(tmp + sizeof tmp - p);
	memcpy(dst, p, n);
	dst[n] = '\0';
	return n;
}

size_t
num_format(double d, char *dst, size_t size)
{
	int n, prec = 15;

	if (d == 0)
		d = 0;		/* no "-0" */
	if (fabs(d) < 1e15 && d == (double)(int64_t)d && size >= INT_FORMAT_MAX)
		return int_format((int64_t)d, dst);
	do
		n = snprintf(dst, size, "%.*g", prec, d);
	while (strtod(dst, NULL) != d && ++prec <= 17);
	return n < 0 ? 0 : (size_t)n;
}

int
val_num(const struct val *v, double *d, int *isint, int64_t *i)
{
	if (v->type != VAL_NUM && v->type != VAL_STR)
		return -1;
	if (v->type == VAL_STR && v->esc != ESC_NONE)
		return -1;	/* an escaped byte is never part of a number */
	return num_parse(v->p, v->n, d, isint, i);
}

/* Text */

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;

	while (p < e) {
		unsigned c = *p;
		size_t k;
		unsigned cp, min;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if ((size_t)(e - p) <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((p[j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		p += k + 1;
	}
	return 1;
}

static int
hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void
put_utf8(struct buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80)
		u[0] = (char)cp, n = 1;
	else if (cp < 0x800)
		u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)),
		n = 2;
	else if (cp < 0x10000)
		u[0] = (char)(0xe0 | cp >> 12),
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f)),
		u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	else
		u[0] = (char)(0xf0 | cp >> 18),
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f)),
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f)),
		u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	buf_add(b, u, n);
}

/* \uXXXX at p (p[0] == 'u'), with a following low surrogate when the
 * first is high; returns the bytes consumed after the backslash or -1. */
static int
json_unicode(const char *p, size_t left, struct buf *b)
{
	unsigned hi, lo;

	if (left < 5 || hex4(p + 1, &hi) < 0)
		return -1;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return -1;
	if (hi < 0xd800 || hi > 0xdbff) {
		put_utf8(b, hi);
		return 5;
	}
	if (left < 11 || p[5] != '\\' || p[6] != 'u' || hex4(p + 7, &lo) < 0 ||
	    lo < 0xdc00 || lo > 0xdfff)
		return -1;
	put_utf8(b, 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
	return 11;
}

/* The character a backslash escape stands for, or -1. */
static int
unescape_char(int esc, int c)
{
	switch (c) {
	case '\\':
		return '\\';
	case '"':
		return esc == ESC_TSV ? -1 : '"';
	case '/':
		return esc == ESC_JSON ? '/' : -1;
	case 'b':
		return esc == ESC_JSON ? '\b' : -1;
	case 'f':
		return esc == ESC_JSON ? '\f' : -1;
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	}
	return -1;
}

static int
decode_backslashes(const struct val *v, struct buf *b)
{
	const char *p = v->p, *e = v->p + v->n, *bs;

	while ((bs = memchr(p, '\\', (size_t)(e - p))) != NULL) {
		int c;

		buf_add(b, p, (size_t)(bs - p));
		if (bs + 1 == e)
			return v->esc == ESC_JSON ? -1 : (buf_addc(b, '\\'), 0);
		if (v->esc == ESC_JSON && bs[1] == 'u') {
			int used = json_unicode(bs + 1, (size_t)(e - bs - 1), b);

			if (used < 0)
				return -1;
			p = bs + 1 + used;
			continue;
		}
		c = unescape_char(v->esc, (unsigned char)bs[1]);
		if (c < 0) {
			if (v->esc == ESC_JSON)
				return -1;
			/* logfmt and TSV keep an unknown escape as written */
			buf_add(b, bs, 2);
		} else
			buf_addc(b, c);
		p = bs + 2;
	}
	buf_add(b, p, (size_t)(e - p));
	return 0;
}

static void
decode_csv(const struct val *v, struct buf *b)
{
	const char *p = v->p, *e = v->p + v->n, *q;

	while ((q = memchr(p, '"', (size_t)(e - p))) != NULL) {
		buf_add(b, p, (size_t)(q - p) + 1);
		p = q + 1;
		if (p < e && *p == '"')
			p++;
	}
	buf_add(b, p, (size_t)(e - p));
}

const char *
val_text(const struct val *v, struct buf *scratch, size_t *n)
{
	size_t start;

	if (v->type == VAL_MISSING) {
		*n = 0;
		return "";
	}
	if (v->esc == ESC_NONE) {
		*n = v->n;
		return v->p;
	}
	start = scratch->len;
	if (v->esc == ESC_CSV)
		decode_csv(v, scratch);
	else if (decode_backslashes(v, scratch) < 0) {
		scratch->len = start;
		scratch->data[start] = '\0';
		return NULL;
	}
	/* terminate, so that regexec and friends can use the text */
	buf_grow(scratch, 0);
	scratch->data[scratch->len] = '\0';
	*n = scratch->len - start;
	return scratch->data + start;
}
