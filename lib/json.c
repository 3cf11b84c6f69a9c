/*
 * json.c - find wanted fields in a JSON Lines record in one pass
 * (see json.h).
 */
#include <stdint.h>
#include <string.h>

#include "json.h"

struct scan {
	const char *b, *e;		/* the line */
	const struct fieldset *fs;
	struct val *v;
	size_t missing;			/* wanted fields not found yet */
	const char *err;
	struct buf *keys;		/* room to decode an escaped key */
};

static inline const char *
skip_ws(const char *p, const char *e)
{
	if (p < e && (unsigned char)*p > ' ')
		return p;	/* JSON Lines rarely has blanks */
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

#if defined(__SSE2__)
#include <emmintrin.h>
#define SIMD16 1
#elif defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR 1
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* A high bit in each byte of w that is zero (exact for the lowest one). */
static inline uint64_t
zero_bytes(uint64_t w)
{
	return (w - ONES) & ~w & HIGHS;
}
#endif

/*
 * p is just past an opening quote; returns the closing quote or NULL,
 * and sets *esc when the string holds a backslash.  Sixteen (SSE2) or
 * eight (SWAR) bytes at a time where the machine allows: this loop is
 * most of the time spent on a line.  The masks say which byte matched,
 * so it is never loaded again.
 */
static inline const char *
string_end(const char *p, const char *e, int *esc)
{
#if defined(SIMD16)
	const __m128i quotes = _mm_set1_epi8('"'), bslashes = _mm_set1_epi8('\\');

	/* 32 bytes a step: most strings in a log end within one */
	while (e - p >= 32) {
		__m128i lo = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
		uint32_t quote = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(lo, quotes)) |
		    (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(hi, quotes)) << 16;
		uint32_t bslash = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(lo, bslashes)) |
		    (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(hi, bslashes)) << 16;

		if ((quote | bslash) == 0) {
			p += 32;
			continue;
		}
		if (quote && (bslash == 0 || (quote & -quote) < (bslash & -bslash)))
			return p + __builtin_ctz(quote);
		*esc = 1;
		p += __builtin_ctz(bslash) + 2;
		if (p > e)
			return NULL;
	}
#elif defined(SWAR)
	while (e - p >= 8) {
		uint64_t w, quote, bslash;

		memcpy(&w, p, 8);
		quote = zero_bytes(w ^ (ONES * '"'));
		bslash = zero_bytes(w ^ (ONES * '\\'));
		if ((quote | bslash) == 0) {
			p += 8;
			continue;
		}
		/* only the lowest bit of each mask is exact: compare those */
		if (quote && (bslash == 0 || (quote & -quote) < (bslash & -bslash)))
			return p + (__builtin_ctzll(quote) >> 3);
		*esc = 1;
		p += (__builtin_ctzll(bslash) >> 3) + 2;
		if (p > e)
			return NULL;
	}
#endif
	for (; p < e; p++) {
		if (*p == '"')
			return p;
		if (*p == '\\') {
			*esc = 1;
			if (++p == e)
				return NULL;
		}
	}
	return NULL;
}

static int
is_numchar(int c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' ||
	    c == 'e' || c == 'E';
}

/* The end of the run of number characters that starts at p. */
static inline const char *
number_end(const char *p, const char *e)
{
#if defined(SIMD16)
	/* numbers are short: one mask instead of a loop that mispredicts */
	if (e - p >= 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i digit = _mm_and_si128(
		    _mm_cmpgt_epi8(w, _mm_set1_epi8('0' - 1)),
		    _mm_cmplt_epi8(w, _mm_set1_epi8('9' + 1)));
		__m128i other = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('.')),
		    _mm_cmpeq_epi8(w, _mm_set1_epi8('-'))),
		    _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('+')),
		    _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('e')),
		    _mm_cmpeq_epi8(w, _mm_set1_epi8('E')))));
		unsigned stop = ~(unsigned)_mm_movemask_epi8(
		    _mm_or_si128(digit, other)) & 0xffff;

		if (stop)
			return p + __builtin_ctz(stop);
		p += 16;
	}
#endif
	while (p < e && is_numchar(*p))
		p++;
	return p;
}

/* The first of " { } [ ] at or after p, or e. */
static inline const char *
next_special(const char *p, const char *e)
{
#if defined(SIMD16)
	while (e - p >= 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* { and } are [ and ] plus 0x20: fold case-like with an or */
		__m128i f = _mm_or_si128(w, _mm_set1_epi8(0x20));
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('"')),
		    _mm_or_si128(_mm_cmpeq_epi8(f, _mm_set1_epi8('{')),
		    _mm_cmpeq_epi8(f, _mm_set1_epi8('}'))));
		unsigned bits = (unsigned)_mm_movemask_epi8(m);

		if (bits)
			return p + __builtin_ctz(bits);
		p += 16;
	}
#endif
	while (p < e && *p != '"' && *p != '{' && *p != '}' && *p != '[' &&
	    *p != ']')
		p++;
	return p;
}

/*
 * Skip to the end of the container whose opening bracket is at p.  No
 * recursion, so that deep
 * nesting costs a bit per level and never the C stack.  Strings are
 * skipped whole and brackets must pair; nothing else is checked.
 */
static const char *
skip_nested(const char *p, const char *e, const char **err)
{
	unsigned char stack[JSON_MAX_DEPTH / 8];
	size_t depth = 0;
	int esc;
	for (; (p = next_special(p, e)) < e; p++) {
		switch (*p) {
		case '"':
			p = string_end(p + 1, e, &esc);
			if (p == NULL) {
				*err = "unterminated string";
				return NULL;
			}
			break;
		case '{':
		case '[':
			if (depth == JSON_MAX_DEPTH) {
				*err = "nesting too deep";
				return NULL;
			}
			if (*p == '{')
				stack[depth / 8] |= (unsigned char)(1u << (depth % 8));
			else
				stack[depth / 8] &= (unsigned char)~(1u << (depth % 8));
			depth++;
			break;
		case '}':
		case ']':
			if (depth == 0 ||
			    ((stack[(depth - 1) / 8] >> ((depth - 1) % 8) & 1) !=
			    (*p == '}'))) {
				*err = "mismatched bracket";
				return NULL;
			}
			if (--depth == 0)
				return p + 1;
			break;
		}
	}
	*err = "truncated value";
	return NULL;
}

/* One byte of the rest of an object: strings and bracket depth.  Returns
 * 1 when the object's closing brace was this byte. */
static inline int
rest_byte(int c, int *instr, int *escaped, size_t *depth)
{
	if (*instr) {
		if (*escaped)
			*escaped = 0;
		else if (c == '\\')
			*escaped = 1;
		else if (c == '"')
			*instr = 0;
	} else if (c == '"')
		*instr = 1;
	else if (c == '{' || c == '[')
		++*depth;
	else if ((c == '}' || c == ']') && --*depth == 0)
		return 1;
	return 0;
}

#if defined(SIMD16)
/*
 * The brackets outside strings of a stretch of the rest, a bit each in
 * order (the opening ones also in opens): the index of the one that
 * closes the object, or -1 with *depth moved past them all.  The blocks
 * and words of every width share it.
 */
static inline int
bracket_close(uint64_t brackets, uint64_t opens, size_t *depth)
{
	for (; brackets; brackets &= brackets - 1) {
		uint64_t bit = brackets & -brackets;

		if (opens & bit)
			++*depth;
		else if (--*depth == 0)
			return __builtin_ctzll(bit);
	}
	return -1;
}

/*
 * One block of the rest of an object: the 16 bytes at q, of which the
 * first skip were done already.  The bytes inside strings are the prefix
 * XOR of the quote bits, and only brackets outside them are looked at.
 * Returns the end of the object, or NULL to go on; sets *bslash, with
 * nothing done, when the block holds a backslash.
 */
static inline const char *
rest_block(const char *q, unsigned skip, int *instr, size_t *depth,
    int *bslash)
{
	__m128i w = _mm_loadu_si128((const __m128i *)(const void *)q);
	__m128i f = _mm_or_si128(w, _mm_set1_epi8(0x20));
	unsigned quote = (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(w, _mm_set1_epi8('"'))) >> skip;
	unsigned opens = (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(f, _mm_set1_epi8('{'))) >> skip;
	unsigned closes = (unsigned)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(f, _mm_set1_epi8('}'))) >> skip;
	unsigned inside, n = 16 - skip;
	int k;

	if ((unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w,
	    _mm_set1_epi8('\\'))) >> skip) {
		*bslash = 1;
		return NULL;
	}
	inside = quote ^ quote << 1;
	inside ^= inside << 2;
	inside ^= inside << 4;
	inside ^= inside << 8;
	if (*instr)
		inside = ~inside;
	inside &= 0xffffu >> skip;
	if ((k = bracket_close((opens | closes) & ~inside, opens, depth)) >= 0)
		return q + skip + k + 1;
	*instr = inside >> (n - 1) & 1;
	return NULL;
}
#endif

#if defined(SIMD16)
/*
 * Sixty-four bytes of the rest of an object at once, as rest_block does
 * sixteen: the quotes, backslashes and brackets of the four blocks in
 * one mask each, the bytes inside strings their quotes' prefix XOR.  A
 * line's rest is mostly strings and numbers: a word without a bracket
 * outside strings costs a few masks.  Returns the end of the object, or
 * NULL to go on; sets *bslash, with nothing done, when the word holds a
 * backslash.
 */
/* The bytes of the 16 at q equal to c, as bits. */
static inline uint64_t
mask16(const char *q, char c)
{
	__m128i w = _mm_loadu_si128((const __m128i *)(const void *)q);

	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8(c)));
}

/* The same for c or c - 0x20 ('{' or '[', '}' or ']'). */
static inline uint64_t
mask16_fold(const char *q, char c)
{
	__m128i w = _mm_loadu_si128((const __m128i *)(const void *)q);

	return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(w,
	    _mm_set1_epi8(0x20)), _mm_set1_epi8(c)));
}

/* The bytes of the 64 at q equal to c (fold: or c - 0x20), as bits:
 * written out, since a loop here was not unrolled. */
#define MASK64(f, q, c) ((f)((q), (c)) | (f)((q) + 16, (c)) << 16 | \
	(f)((q) + 32, (c)) << 32 | (f)((q) + 48, (c)) << 48)

static inline const char *
rest_word(const char *q, int *instr, size_t *depth, int *bslash)
{
	uint64_t quote, opens, closes, inside;
	int k;

	if (MASK64(mask16, q, '\\')) {
		*bslash = 1;
		return NULL;
	}
	quote = MASK64(mask16, q, '"');
	opens = MASK64(mask16_fold, q, '{');
	closes = MASK64(mask16_fold, q, '}');
	inside = quote ^ quote << 1;
	inside ^= inside << 2;
	inside ^= inside << 4;
	inside ^= inside << 8;
	inside ^= inside << 16;
	inside ^= inside << 32;
	if (*instr)
		inside = ~inside;
	if ((k = bracket_close((opens | closes) & ~inside, opens, depth)) >= 0)
		return q + k + 1;
	*instr = (int)(inside >> 63);
	return NULL;
}
#endif

#if defined(SIMD16) && (defined(__x86_64__) || defined(__i386__)) && \
    defined(__GNUC__)
static int narrow_only;		/* json_narrow's; read where WIDE is */
#endif

/* A rest that ran out before its closing brace, inside a string or not. */
static const char *
rest_end(int instr, const char **err)
{
	*err = instr ? "unterminated string" : "truncated object";
	return NULL;
}

static const char *rest_from(const char *, const char *, const char *,
    size_t, int, const char **);

#if defined(SIMD16) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define REST_WIDE 1
/*
 * rest_of_object's words on a processor with AVX-512BW (asked at each
 * call, as key_find asks for AVX2): each class of byte one compare into
 * a mask, 64 bytes at once, the last few by a masked load that reads
 * nothing past e, and the bytes inside strings one carry-less multiply
 * of the quotes' mask: a quarter of the SSE2 words' instructions, and
 * stream-window 8-12% faster on the bench file (the one process, whose
 * rests are shorter, no different).
 * A word with a backslash, and the rest after it, go to rest_from's SSE2
 * blocks and bytes, in the strings and brackets reached so far.
 */
__attribute__((target("avx512bw,pclmul"))) static const char *
rest_wide(const char *line, const char *p, const char *e, const char **err)
{
	const __m512i bslash = _mm512_set1_epi8('\\');
	const __m512i quotes = _mm512_set1_epi8('"');
	const __m512i opening = _mm512_set1_epi8('{');
	const __m512i closing = _mm512_set1_epi8('}');
	const __m512i case20 = _mm512_set1_epi8(0x20);
	const __m128i ones = _mm_set1_epi8((char)0xff);
	uint64_t carry = 0;
	size_t depth = 1;

	for (; p < e; p += 64) {
		size_t left = (size_t)(e - p);
		__mmask64 valid = left >= 64 ? ~UINT64_C(0) :
		    (UINT64_C(1) << left) - 1;
		__m512i w = _mm512_maskz_loadu_epi8(valid, p);
		__m512i f = _mm512_or_si512(w, case20);
		uint64_t quote, inside, brackets, opens;
		int k;

		if (_mm512_mask_cmpeq_epi8_mask(valid, w, bslash))
			return rest_from(line, p, e, depth, (int)(carry & 1),
			    err);
		quote = _mm512_mask_cmpeq_epi8_mask(valid, w, quotes);
		opens = _mm512_mask_cmpeq_epi8_mask(valid, f, opening);
		brackets = opens |
		    _mm512_mask_cmpeq_epi8_mask(valid, f, closing);
		/* the bytes after an odd number of quotes: a carry-less
		 * multiply by all ones */
		inside = (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(
		    _mm_cvtsi64_si128((long long)quote), ones, 0)) ^ carry;
		if ((k = bracket_close(brackets & ~inside, opens, &depth)) >= 0)
			return p + k + 1;
		carry = (uint64_t)((int64_t)inside >> 63);
	}
	return rest_end((int)(carry & 1), err);
}
#endif

/*
 * rest_of_object from p, inside depth brackets and (instr) a string: in
 * SSE2 words and blocks, and bytes after a backslash.  line is where the
 * line starts, so that the last block may reach back over done bytes.
 */
static const char *
rest_from(const char *line, const char *p, const char *e, size_t depth,
    int instr, const char **err)
{
	int escaped = 0;

#if defined(SIMD16)
	const char *end;
	int bslash = 0;

	for (; e - p >= 64; p += 64)
		if ((end = rest_word(p, &instr, &depth, &bslash)) != NULL)
			return end;
		else if (bslash)
			break;
	bslash = 0;		/* the blocks find it again */
	for (; e - p >= 16; p += 16)
		if ((end = rest_block(p, 0, &instr, &depth, &bslash)) != NULL)
			return end;
		else if (bslash)
			break;
	if (!bslash && p < e && e - line >= 16) {
		end = rest_block(e - 16, (unsigned)(16 - (e - p)), &instr,
		    &depth, &bslash);
		if (end)
			return end;
		if (!bslash)
			p = e;
	}
#else
	(void)line;		/* the blocks' reach back */
#endif
	for (; p < e; p++)
		if (rest_byte((unsigned char)*p, &instr, &escaped, &depth))
			return p + 1;
	return rest_end(instr, err);
}

/*
 * The rest of an object once every wanted field is read: its strings must
 * end and its brackets balance, up to the closing brace.  Asked here, once
 * a line, which width takes it: in rest_from, the test would cost the SSE2
 * loops their registers.
 */
static const char *
rest_of_object(const char *line, const char *p, const char *e,
    const char **err)
{
#if defined(REST_WIDE)
	if (!narrow_only && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("pclmul"))
		return rest_wide(line, p, e, err);
#endif
	return rest_from(line, p, e, 1, 0, err);
}

/* Skip the value that starts at p (no blanks before it); *esc is set
 * for a string that holds a backslash. */
static inline const char *
skip_value(const char *p, const char *e, int *esc, const char **err)
{
	const char *q;

	if (p == e) {
		*err = "expected a value";
		return NULL;
	}
	switch (*p) {
	case '"':
		q = string_end(p + 1, e, esc);
		if (q == NULL) {
			*err = "unterminated string";
			return NULL;
		}
		return q + 1;
	case '{':
	case '[':
		return skip_nested(p, e, err);
	case 't':
		if (e - p >= 4 && memcmp(p, "true", 4) == 0)
			return p + 4;
		break;
	case 'f':
		if (e - p >= 5 && memcmp(p, "false", 5) == 0)
			return p + 5;
		break;
	case 'n':
		if (e - p >= 4 && memcmp(p, "null", 4) == 0)
			return p + 4;
		break;
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9'))
			return number_end(p, e);
	}
	*err = "bad value";
	return NULL;
}

const char *
json_skip_value(const char *p, const char *e, const char **err)
{
	int esc;

	return skip_value(skip_ws(p, e), e, &esc, err);
}

/* 1 when [p, e) is a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
json_number(const char *p, const char *e)
{
	if (p < e && *p == '-')
		p++;
	if (p == e || *p < '0' || *p > '9')
		return 0;
	if (*p++ == '0' && p < e && *p >= '0' && *p <= '9')
		return 0;
	while (p < e && *p >= '0' && *p <= '9')
		p++;
	if (p < e && *p == '.') {
		if (++p == e || *p < '0' || *p > '9')
			return 0;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		if (++p < e && (*p == '+' || *p == '-'))
			p++;
		if (p == e || *p < '0' || *p > '9')
			return 0;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	return p == e;
}

/* Read the value at p into *v, returning the end of it. */
static const char *
read_value(const char *p, const char *e, struct val *v, const char **err)
{
	int esc = 0;
	const char *q = skip_value(p, e, &esc, err);

	if (q == NULL)
		return NULL;
	switch (*p) {
	case '"':
		v->p = p + 1;
		v->n = (size_t)(q - p - 2);
		v->type = VAL_STR;
		v->esc = esc ? ESC_JSON : ESC_NONE;
		return q;
	case 't':
	case 'f':
		v->type = VAL_BOOL;
		break;
	case 'n':
		v->type = VAL_NULL;
		break;
	case '{':
	case '[':
		v->type = VAL_STR;	/* a nested value, as its JSON text */
		break;
	default:
		if (!json_number(p, q)) {
			*err = "bad number";
			return NULL;
		}
		v->type = VAL_NUM;
	}
	v->p = p;
	v->n = (size_t)(q - p);
	v->esc = ESC_NONE;
	return q;
}

/*
 * Match a key against the wanted fields whose first plen bytes (the path
 * so far, "a.b.") are pfx.  Returns the slot of an exact match or -1, and
 * sets *descend when some field continues below this key.
 */
static int
match_key(const struct scan *s, const char *pfx, size_t plen,
    const char *key, size_t klen, int *descend)
{
	const struct fieldset *fs = s->fs;
	int exact = -1;
	size_t i;

	*descend = 0;
	for (i = 0; i < fs->n; i++) {
		const struct field *f = &fs->f[i];
		const char *rest = f->name + plen;

		/* cheap tests first: this runs for every key of every line */
		if (f->len < plen + klen || (klen && rest[0] != key[0]) ||
		    (f->len > plen + klen && rest[klen] != '.') ||
		    memcmp(rest, key, klen) != 0 ||
		    (plen && memcmp(f->name, pfx, plen) != 0))
			continue;
		if (f->len == plen + klen)
			exact = (int)i;
		else
			*descend = 1;
	}
	return exact;
}

static const char *scan_object(struct scan *, const char *, const char *,
    size_t, int);

/* Descend into the object at p for the fields below key. */
static const char *
descend_into(struct scan *s, const char *p, const char *pfx, size_t plen,
    const char *key, size_t klen, int slot, int depth)
{
	const char *name = NULL, *q = p;
	size_t i;

	/* the path so far lives in the name of any field below it */
	for (i = 0; i < s->fs->n && name == NULL; i++)
		if (s->fs->f[i].len > plen + klen &&
		    memcmp(s->fs->f[i].name + plen, key, klen) == 0 &&
		    (!plen || memcmp(s->fs->f[i].name, pfx, plen) == 0))
			name = s->fs->f[i].name;
	p = scan_object(s, p, name, plen + klen + 1, depth + 1);
	if (p && slot >= 0 && s->v[slot].type == VAL_MISSING) {
		s->v[slot] = (struct val){ q, (size_t)(p - q), VAL_STR, ESC_NONE };
		s->missing--;
	}
	return p;
}

/* One "key": value member; p is at the key's opening quote.  The fast
 * paths assume JSON Lines as programs write it: no blanks. */
static inline const char *
scan_member(struct scan *s, const char *p, const char *pfx, size_t plen,
    int depth)
{
	const char *e = s->e, *key = p + 1, *q;
	size_t klen;
	int slot = -1, descend = 0, esc = 0;

	if ((q = string_end(key, e, &esc)) == NULL) {
		s->err = "unterminated string";
		return NULL;
	}
	klen = (size_t)(q - key);
	if (esc) {
		struct val kv = { key, klen, VAL_STR, ESC_JSON };

		buf_reset(s->keys);
		if ((key = val_text(&kv, s->keys, &klen)) == NULL) {
			s->err = "bad escape in key";
			return NULL;
		}
	}
	if (plen || s->fs->lenmask >> (klen < 63 ? klen : 63) & 1)
		slot = match_key(s, pfx, plen, key, klen, &descend);
	p = q + 1;
	if (p == e || *p != ':') {
		p = skip_ws(p, e);
		if (p == e || *p != ':') {
			s->err = "expected ':'";
			return NULL;
		}
	}
	p = skip_ws(p + 1, e);
	if (descend && p < e && *p == '{')
		return descend_into(s, p, pfx, plen, key, klen, slot, depth);
	if (slot >= 0 && s->v[slot].type == VAL_MISSING) {
		s->missing--;
		return read_value(p, e, &s->v[slot], &s->err);
	}
	return skip_value(p, e, &esc, &s->err);
}

/* p is at '{'; returns just past the matching '}'. */
static const char *
scan_object(struct scan *s, const char *p, const char *pfx, size_t plen,
    int depth)
{
	const char *e = s->e;

	if (depth >= JSON_MAX_DEPTH) {
		s->err = "nesting too deep";
		return NULL;
	}
	p = skip_ws(p + 1, e);
	if (p < e && *p == '}')
		return p + 1;
	for (;;) {
		/* all found: the rest of the line need only hold together */
		if (s->missing == 0 && depth == 0)
			return s->fs->trusted ? e : rest_of_object(s->b, p, e,
			    &s->err);
		if (p == e || *p != '"') {
			s->err = p == e ? "truncated object" : "expected a key";
			return NULL;
		}
		if ((p = scan_member(s, p, pfx, plen, depth)) == NULL)
			return NULL;
		p = skip_ws(p, e);
		if (p == e) {
			s->err = "truncated object";
			return NULL;
		}
		if (*p == '}')
			return p + 1;
		if (*p != ',') {
			s->err = "expected ',' or '}'";
			return NULL;
		}
		p = skip_ws(p + 1, e);
	}
}

#if defined(SIMD16)
/*
 * The quick walk: the same members, read in the same order with the
 * same checks, but a string's end is the next bit of a mask of the
 * line's quotes, made 64 bytes at a time, rather than the end of a
 * search that starts where the last one ended.  That search is a chain
 * of a load, a compare and a bit scan, twice a member; bits are
 * popped in a cycle.  A line with a backslash, a blank between tokens
 * or a path to descend is not for it: it says so (0) and the walk
 * starts over, so what the two accept and find is the same.
 */
struct quotes {
	const char *b, *e;
	size_t off;			/* where the current word starts */
	uint64_t bits;			/* its quotes not yet popped */
};

/*
 * The quotes of the 64 bytes at off (fewer at the end of the line), in
 * bits; *bslash is set when they hold a backslash.  By value, so that
 * the caller's mask stays in a register.
 */
static uint64_t
quotes_word(const char *b, const char *e, size_t off, int *bslash)
{
	const char *p = b + off;
	size_t n = (size_t)(e - p), shift = 0, i;
	uint64_t quote = 0, bs = 0;
	char pad[64];

	if (n < 64) {
		if (e - b >= 64) {
			/* reach back over done bytes rather than copy */
			shift = 64 - n;
			p = e - 64;
		} else {
			memset(pad, 0, sizeof(pad));
			memcpy(pad, p, n);
			p = pad;
		}
	}
	for (i = 0; i < 64; i += 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + i));

		quote |= (uint64_t)(unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(w, _mm_set1_epi8('"'))) << i;
		bs |= (uint64_t)(unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(w, _mm_set1_epi8('\\'))) << i;
	}
	*bslash = bs >> shift != 0;
	return quote >> shift;
}

/* The quotes of the word at q->off; 0 when it holds a backslash. */
static inline int
quotes_load(struct quotes *q)
{
	int bslash;

	q->bits = quotes_word(q->b, q->e, q->off, &bslash);
	return !bslash;
}

/* The next quote, or NULL at the end of the line or at a backslash. */
static inline const char *
quotes_next(struct quotes *q)
{
	const char *p;

	while (q->bits == 0) {
		q->off += 64;
		if (q->off >= (size_t)(q->e - q->b) || !quotes_load(q))
			return NULL;
	}
	p = q->b + q->off + (size_t)__builtin_ctzll(q->bits);
	q->bits &= q->bits - 1;
	return p;
}

/* Forget the quotes before p (the inside of a nested value). */
static int
quotes_seek(struct quotes *q, const char *p)
{
	size_t at = (size_t)(p - q->b), off = at & ~(size_t)63;

	if (off != q->off) {
		q->off = off;
		if (off >= (size_t)(q->e - q->b))
			return q->bits = 0, 1;
		if (!quotes_load(q))
			return 0;
	}
	q->bits &= ~UINT64_C(0) << (at - off);
	return 1;
}

/*
 * The members of the object at s->b, as scan_object reads them at the
 * top.  Returns 0 to leave the line to scan_object, else 1 with *end
 * what scan_object would have returned (NULL with s->err for an error).
 */
static int
quick_object(struct scan *s, const char **end)
{
	struct quotes q = { s->b, s->e, 0, 0 };
	const char *e = s->e, *p = s->b + 1, *ko, *kc, *v, *vc;
	int slot, descend, esc;

	if (p < e && *p == '}')
		return *end = p + 1, 1;
	if (!quotes_load(&q))
		return 0;
	for (;;) {
		if (s->missing == 0)
			return *end = s->fs->trusted ? e :
			    rest_of_object(s->b, p, e, &s->err), 1;
		if ((ko = quotes_next(&q)) != p || (kc = quotes_next(&q)) == NULL ||
		    e - kc < 3 || kc[1] != ':')
			return 0;
		slot = -1;
		descend = 0;
		if (s->fs->lenmask >> ((size_t)(kc - ko - 1) < 63 ?
		    (size_t)(kc - ko - 1) : 63) & 1)
			slot = match_key(s, NULL, 0, ko + 1,
			    (size_t)(kc - ko - 1), &descend);
		if (slot >= 0 && s->v[slot].type != VAL_MISSING)
			slot = -1;
		v = kc + 2;
		if (*v == '"') {
			if (quotes_next(&q) != v || (vc = quotes_next(&q)) == NULL)
				return 0;
			if (slot >= 0)
				s->v[slot] = (struct val){ v + 1,
				    (size_t)(vc - v - 1), VAL_STR, ESC_NONE };
			p = vc + 1;
		} else if (*v == '{' || *v == '[') {
			if (descend || (p = skip_nested(v, e, &s->err)) == NULL ||
			    !quotes_seek(&q, p))
				return 0;
			if (slot >= 0)
				s->v[slot] = (struct val){ v, (size_t)(p - v),
				    VAL_STR, ESC_NONE };
		} else if ((p = slot >= 0 ? read_value(v, e, &s->v[slot],
		    &s->err) : skip_value(v, e, &esc, &s->err)) == NULL)
			return 0;
		if (slot >= 0)
			s->missing--;
		if (p == e)
			return 0;
		if (*p == '}')
			return p + 1 == e ? (*end = p + 1, 1) : 0;
		if (*p++ != ',')
			return 0;
	}
}
#else
static int
quick_object(struct scan *s, const char **end)
{
	(void)s;
	(void)end;
	return 0;		/* no masks without SSE2: the walk reads it all */
}
#endif

/* The name's bytes after the first, which the masks (or name_at)
 * matched: a few bytes, fewer than a call to memcmp costs. */
static inline int
same_name(const char *p, const char *name, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (p[i] != name[i])
			return 0;
	return 1;
}

/* The whole name (n > 0) at p, compared as same_name does. */
static inline int
name_at(const char *p, const char *name, size_t n)
{
	return p[0] == name[0] && same_name(p, name, n);
}

#if defined(SIMD16)
/* Each bit set after an odd number of set bits up to and with it: the
 * bytes of a block (16 or 32) inside strings, from the block's quotes. */
static inline uint32_t
inside_quotes(uint32_t q)
{
	q ^= q << 1;
	q ^= q << 2;
	q ^= q << 4;
	q ^= q << 8;
	return q ^ q << 16;
}

static inline __m128i
load16(const char *p)
{
	return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/*
 * A step's candidates (the quotes that may open "NAME":, a bit each) in
 * order: the first that is the key, unless a byte before it is odd (a
 * backslash, or a blank or bracket outside a string); NULL with *stop
 * set when an odd byte ends the search, or clear for the next step.
 */
static inline const char *
step_key(const char *p, uint32_t cand, uint32_t odd, const char *name,
    size_t n, int *stop)
{
	for (; cand; cand &= cand - 1) {
		unsigned k = (unsigned)__builtin_ctz(cand);

		if (odd & ((UINT32_C(1) << k) - 1))
			break;
		if (same_name(p + k + 1, name, n))
			return p + k + n + 3;
	}
	*stop = odd != 0;
	return NULL;
}

/*
 * The last bytes, fewer than a step takes, one at a time from where the
 * steps left off, in their string state: "NAME": there, or NULL, with
 * *absent set when the line ends there in its closing brace and nothing
 * in it could have hidden the key (no backslash, and no blank or bracket
 * outside a string): the line has no such member.
 */
static const char *
key_in_tail(const char *p, const char *e, const char *name, size_t n,
    int instr, int *absent)
{
	for (; p < e; p++) {
		if (*p == '\\')
			return NULL;
		if (instr) {
			instr = *p != '"';
			continue;
		}
		if (*p == '"') {
			if ((size_t)(e - p) > n + 3 && p[n + 1] == '"' &&
			    p[n + 2] == ':' && name_at(p + 1, name, n))
				return p + n + 3;
			instr = 1;
		} else if ((unsigned char)*p <= ' ' || (*p | 0x20) == '{' ||
		    (*p | 0x20) == '}') {
			*absent = *p == '}' && p + 1 == e;
			return NULL;
		}
	}
	return NULL;
}

/*
 * 16 bytes a step, every load within the line, then key_in_tail for the
 * last n + 18 or fewer.  The first "NAME": is a top-level key when the
 * bytes before it hold no backslash (then a line's quotes alternate, and
 * mark its strings), and no blank or bracket outside a string (then
 * nothing nests, and no key before it is NAME written otherwise).  carry
 * is all ones when p is inside a string.
 */
static const char *
key_at_narrow(const char *p, const char *e, const char *name, size_t n,
    unsigned carry, int *absent)
{
	const __m128i blank = _mm_set1_epi8(' '), bracket = _mm_set1_epi8('{');
	const __m128i brace = _mm_set1_epi8('}'), case20 = _mm_set1_epi8(0x20);
	const __m128i quotes = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i colon = _mm_set1_epi8(':'), first = _mm_set1_epi8(name[0]);
	const char *v;
	int stop;

	for (; (size_t)(e - p) >= n + 18; p += 16) {
		__m128i w = load16(p), folded = _mm_or_si128(w, case20);
		__m128i quote = _mm_cmpeq_epi8(w, quotes);
		unsigned q = (unsigned)_mm_movemask_epi8(quote), inside, odd, cand;

		inside = (inside_quotes(q) & 0xffff) ^ carry;
		/* blanks (and control bytes), {, [, } and ] outside strings,
		 * and backslashes anywhere */
		odd = ((unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(
		    _mm_cmpeq_epi8(_mm_max_epu8(w, blank), blank),
		    _mm_cmpeq_epi8(folded, bracket)),
		    _mm_cmpeq_epi8(folded, brace))) & ~inside) |
		    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, bslash));
		cand = inside & (unsigned)_mm_movemask_epi8(_mm_and_si128(
		    _mm_and_si128(quote, _mm_cmpeq_epi8(load16(p + 1), first)),
		    _mm_and_si128(_mm_cmpeq_epi8(load16(p + n + 1), quotes),
		    _mm_cmpeq_epi8(load16(p + n + 2), colon))));
		if ((v = step_key(p, cand, odd, name, n, &stop)) != NULL || stop)
			return v;
		if (__builtin_popcount(q) & 1)
			carry ^= 0xffff;
	}
	return key_in_tail(p, e, name, n, carry != 0, absent);
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define WIDE 1


/*
 * The same, 32 bytes a step, on a processor with AVX2 (asked at each
 * call: __builtin_cpu_supports reads what libgcc learnt at start): half
 * the steps, for the one search of a line behind another tool.
 */
__attribute__((target("avx2"))) static const char *
key_at_wide(const char *p, const char *e, const char *name, size_t n,
    int *absent)
{
	const __m256i blank = _mm256_set1_epi8(' ');
	const __m256i bracket = _mm256_set1_epi8('{');
	const __m256i brace = _mm256_set1_epi8('}');
	const __m256i case20 = _mm256_set1_epi8(0x20);
	const __m256i quotes = _mm256_set1_epi8('"');
	const __m256i bslash = _mm256_set1_epi8('\\');
	const __m256i colon = _mm256_set1_epi8(':');
	const __m256i first = _mm256_set1_epi8(name[0]);
	uint32_t carry = 0;
	const char *v;
	int stop;

	for (; (size_t)(e - p) >= n + 34; p += 32) {
#define LOAD32(a) _mm256_loadu_si256((const __m256i *)(const void *)(a))
		__m256i w = LOAD32(p), folded = _mm256_or_si256(w, case20);
		__m256i quote = _mm256_cmpeq_epi8(w, quotes);
		uint32_t q = (uint32_t)_mm256_movemask_epi8(quote);
		uint32_t inside = inside_quotes(q) ^ carry, odd, cand;
		odd = ((uint32_t)_mm256_movemask_epi8(_mm256_or_si256(
		    _mm256_or_si256(_mm256_cmpeq_epi8(_mm256_max_epu8(w, blank),
		    blank), _mm256_cmpeq_epi8(folded, bracket)),
		    _mm256_cmpeq_epi8(folded, brace))) & ~inside) |
		    (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(w, bslash));
		cand = inside & (uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
		    _mm256_and_si256(quote,
		    _mm256_cmpeq_epi8(LOAD32(p + 1), first)),
		    _mm256_and_si256(_mm256_cmpeq_epi8(LOAD32(p + n + 1), quotes),
		    _mm256_cmpeq_epi8(LOAD32(p + n + 2), colon))));
#undef LOAD32
		if ((v = step_key(p, cand, odd, name, n, &stop)) != NULL || stop)
			return v;
		if (__builtin_popcount(q) & 1)
			carry = ~carry;
	}
	return key_at_narrow(p, e, name, n, carry & 0xffff, absent);
}
#endif

/* json_key_at, and in *absent whether a NULL means the line has no
 * such member (1) or that it cannot tell (0). */
static const char *
key_find(const char *line, size_t len, const struct field *f, int *absent)
{
	*absent = 0;
	if (!f->bare || len == 0 || *line != '{')
		return NULL;	/* a path, or a name JSON would escape */
#if defined(WIDE)
	if (!narrow_only && __builtin_cpu_supports("avx2"))
		return key_at_wide(line + 1, line + len, f->name, f->len,
		    absent);
#endif
	return key_at_narrow(line + 1, line + len, f->name, f->len, 0, absent);
}

#else
static const char *
key_find(const char *line, size_t len, const struct field *f, int *absent)
{
	(void)line;
	(void)len;
	(void)f;
	*absent = 0;
	return NULL;		/* no masks without SSE2: the walk finds it */
}
#endif

const char *
json_key_at(const char *line, size_t len, const struct field *f)
{
	int absent;

	return key_find(line, len, f, &absent);
}

void
json_narrow(int on)
{
#if defined(WIDE)
	narrow_only = on;
#else
	(void)on;
#endif
}

/*
 * The tail field, an integer that ends the line: ,"NAME":-123} with the
 * name's bytes as they are.  Found, it is read from there, and the scan
 * stops at the other fields (it still checks the whole line holds
 * together); else the scan looks for it as for any field.
 */
int
json_tail(const char *line, size_t len, const struct field *f,
    struct val *v)
{
	const char *e = line + len, *q = e - 1, *num, *digits, *key;

	if (len < f->len + 6 || *q != '}')
		return 0;
	while (q - line >= 8 && digits8(q - 8))
		q -= 8;
	while (q > line && q[-1] >= '0' && q[-1] <= '9')
		q--;
	digits = q;
	if (q > line && q[-1] == '-')
		q--;
	num = q;
	/* digits, after a '-' or not: a JSON number unless it is none, or
	 * has a leading zero */
	if (digits == e - 1 || (*digits == '0' && e - 1 - digits > 1) ||
	    (size_t)(num - line) < f->len + 4 || num[-1] != ':' ||
	    num[-2] != '"')
		return 0;
	key = num - 2 - f->len;
	if (key[-1] != '"' || (key[-2] != ',' && key[-2] != '{') ||
	    !name_at(key, f->name, f->len))
		return 0;
	*v = (struct val){ num, (size_t)(e - 1 - num), VAL_NUM, ESC_NONE };
	return 1;
}

/* Every wanted field missing, but the tail field if the line ends in it. */
static void
scan_start(struct scan *s)
{
	const struct fieldset *fs = s->fs;
	size_t i;

	for (i = 0; i < fs->n; i++)
		s->v[i] = (struct val){ "", 0, VAL_MISSING, ESC_NONE };
	s->missing = fs->n;
	s->err = NULL;
	if (fs->tail > 0 && json_tail(s->b, (size_t)(s->e - s->b),
	    &fs->f[fs->tail - 1], &s->v[fs->tail - 1]))
		s->missing--;
}

/*
 * Every missing field of a trusted line by json_key_at, the walk's
 * member by member read of what comes before them skipped, and a field
 * the line lacks left missing when the search saw all of it: 0 when one
 * cannot be told so, with s as scan_start left it, for the walk.
 */
static int
trusted_keys(struct scan *s)
{
	const struct fieldset *fs = s->fs;
	size_t len = (size_t)(s->e - s->b), i;
	const char *v, *err;
	int absent;

	for (i = 0; i < fs->n; i++) {
		if (s->v[i].type != VAL_MISSING)
			continue;
		if ((v = key_find(s->b, len, &fs->f[i], &absent)) == NULL &&
		    absent)
			continue;
		if (v == NULL ||
		    read_value(v, s->e, &s->v[i], &err) == NULL) {
			scan_start(s);
			return 0;
		}
		s->missing--;
	}
	return 1;
}

#if defined(SIMD16)
/*
 * The object's first member, when its key is the one wanted field's name
 * as it stands and its value a string of fewer than 32 bytes without a
 * backslash: read from the key's bytes and one mask of the string's, no
 * quote mask of the line made first (a log's time is most often its
 * first member, and the one field stream-window wants).  Returns the
 * end of the value, its slot set, or NULL with nothing changed.
 */
static const char *
first_member(struct scan *s)
{
	const struct field *f = &s->fs->f[0];
	const char *k = s->b + 2, *v, *e = s->e;
	const __m128i quotes = _mm_set1_epi8('"');
	const __m128i bslashes = _mm_set1_epi8('\\');
	__m128i lo, hi;
	unsigned quote, bslash, at;

	if (e - s->b < 2 || s->b[1] != '"' || !f->bare ||
	    (size_t)(e - k) < f->len + 3 + 32 || k[f->len] != '"' ||
	    k[f->len + 1] != ':' || k[f->len + 2] != '"' ||
	    !name_at(k, f->name, f->len))
		return NULL;
	v = k + f->len + 3;		/* the string's first byte */
	lo = _mm_loadu_si128((const __m128i *)(const void *)v);
	hi = _mm_loadu_si128((const __m128i *)(const void *)(v + 16));
	quote = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(lo, quotes)) |
	    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(hi, quotes)) << 16;
	bslash = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(lo, bslashes)) |
	    (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(hi, bslashes)) << 16;
	if (quote == 0)
		return NULL;
	at = (unsigned)__builtin_ctz(quote);
	if (bslash & ((1u << at) - 1))
		return NULL;
	s->v[0] = (struct val){ v, at, VAL_STR, ESC_NONE };
	return v + at + 1;
}
#else
static const char *
first_member(struct scan *s)
{
	(void)s;
	return NULL;		/* no masks without SSE2: the walk reads it */
}
#endif

/* The line's verdict once the walk ends at p: past the object, with
 * nothing after it but blanks, or NULL with s->err. */
static int
object_end(const struct scan *s, const char *p, const char **err)
{
	if (p == NULL) {
		*err = s->err;
		return PARSE_ERROR;
	}
	if (skip_ws(p, s->e) != s->e) {
		*err = "trailing characters after object";
		return PARSE_ERROR;
	}
	return PARSE_OK;
}

/* Lines whose wanted member parse_first found, in this thread (for the
 * tests: json_first_lines). */
static _Thread_local unsigned long first_lines;

unsigned long
json_first_lines(void)
{
	return first_lines;
}

/*
 * A line of which one field is wanted (not a tail, not of a trusted
 * stream), found as its first member: the rest need only hold together,
 * as quick_object has it once all are found.  PARSE_OK or PARSE_ERROR,
 * or PARSE_MORE to leave the line to the walk (which starts its slots
 * over).  Out of line, and asked before the walk begins: inlined, it
 * cost the walk its registers.
 */
static __attribute__((noinline)) int
parse_first(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err)
{
	struct scan s = { line, line + len, fs, v, fs->n, NULL, NULL };
	const char *p;

	if (len == 0 || *line != '{' || (p = first_member(&s)) == NULL ||
	    p == s.e)
		return PARSE_MORE;
	if (*p == ',') {
		first_lines++;
		return object_end(&s, rest_of_object(line, p + 1, s.e,
		    &s.err), err);
	}
	if (*p == '}') {
		first_lines++;
		return object_end(&s, p + 1, err);
	}
	return PARSE_MORE;	/* the walk says what is wrong */
}

static int
parse(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err, int quick, struct buf *keys)
{
	struct scan s = { line, line + len, fs, v, fs->n, NULL, keys };
	const char *p;
	int rc;

	if (quick && fs->n == 1 && fs->tail == 0 && !fs->trusted &&
	    (rc = parse_first(line, len, fs, v, err)) != PARSE_MORE)
		return rc;
	scan_start(&s);
	p = skip_ws(line, s.e);
	if (p == s.e || *p != '{') {
		*err = "expected '{'";
		return PARSE_ERROR;
	}
	if (s.missing == 0 && fs->trusted)
		return PARSE_OK;	/* the tail was all it wanted */
	if (fs->trusted && quick && p == line && trusted_keys(&s))
		return PARSE_OK;
	if (!quick || p != line || !quick_object(&s, &p)) {
		scan_start(&s);		/* it may have found some */
		p = scan_object(&s, p, NULL, 0, 0);
	}
	return object_end(&s, p, err);
}

/* The escaped keys of json_parse's callers, all on the first thread. */
static struct buf first_keys = BUF_INIT;

int
json_parse_with(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err, struct buf *scratch)
{
	return parse(line, len, fs, v, err, 1, scratch);
}

int
json_parse(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err)
{
	return json_parse_with(line, len, fs, v, err, &first_keys);
}

int
json_parse_walk(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err)
{
	return parse(line, len, fs, v, err, 0, &first_keys);
}

int
json_each(const char *line, size_t len,
    void (*fn)(void *arg, const char *key, size_t klen, int kesc,
    const char *val, size_t vlen), void *arg)
{
	const char *e = line + len, *p = skip_ws(line, e), *k, *kend, *q, *err;
	int esc;

	if (p == e || *p != '{')
		return -1;
	p = skip_ws(p + 1, e);
	if (p < e && *p == '}')
		return 0;
	for (;;) {
		if (p == e || *p != '"')
			return -1;
		k = p + 1;
		esc = 0;
		if ((kend = string_end(k, e, &esc)) == NULL)
			return -1;
		p = skip_ws(kend + 1, e);
		if (p == e || *p != ':')
			return -1;
		p = skip_ws(p + 1, e);
		if ((err = NULL, q = json_skip_value(p, e, &err)) == NULL)
			return -1;
		fn(arg, k, (size_t)(kend - k), esc, p, (size_t)(q - p));
		p = skip_ws(q, e);
		if (p < e && *p == '}')
			return 0;
		if (p == e || *p != ',')
			return -1;
		p = skip_ws(p + 1, e);
	}
}
