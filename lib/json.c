/*
 * json.c - find wanted fields in a JSON Lines record in one pass
 * (see json.h).
 */
#include <stdint.h>
#include <string.h>

#include "json.h"

struct scan {
	const char *e;			/* end of the line */
	const struct fieldset *fs;
	struct val *v;
	const char *err;
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

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
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

/* p is just past an opening quote; returns the closing quote or NULL,
 * and sets *esc when the string holds a backslash.  Eight bytes at a
 * time where the machine allows: this loop is most of the time spent on
 * a line.  The masks say which byte matched, so it is never reloaded. */
static inline const char *
string_end(const char *p, const char *e, int *esc)
{
#ifdef SWAR
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

/* Skip a nested object or array without recursion, so that deep nesting
 * costs a bit per level and never the C stack. */
static const char *
skip_container(const char *p, const char *e, const char **err)
{
	unsigned char stack[JSON_MAX_DEPTH / 8];
	size_t depth = 0;
	int esc;

	for (; p < e; p++) {
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
		return skip_container(p, e, err);
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
		if (*p == '-' || (*p >= '0' && *p <= '9')) {
			for (q = p + 1; q < e && is_numchar(*q); q++)
				;
			return q;
		}
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
		if (num_parse(p, (size_t)(q - p), NULL, NULL, NULL) < 0) {
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
	if (p && slot >= 0)
		s->v[slot] = (struct val){ q, (size_t)(p - q), VAL_STR, ESC_NONE };
	return p;
}

/* One "key": value member; p is at the key's opening quote.  The fast
 * paths assume JSON Lines as programs write it: no blanks. */
static inline const char *
scan_member(struct scan *s, const char *p, const char *pfx, size_t plen,
    int depth)
{
	static struct buf keybuf = BUF_INIT;
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

		buf_reset(&keybuf);
		if ((key = val_text(&kv, &keybuf, &klen)) == NULL) {
			s->err = "bad escape in key";
			return NULL;
		}
	}
	if (s->fs->n)
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
	if (slot >= 0)
		return read_value(p, e, &s->v[slot], &s->err);
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
		if (p == e || *p != '"') {
			s->err = p == e ? "truncated object" : "expected a key";
			return NULL;
		}
		if ((p = scan_member(s, p, pfx, plen, depth)) == NULL)
			return NULL;
		if (p < e && *p == ',') {
			p = skip_ws(p + 1, e);
			continue;
		}
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

int
json_parse(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err)
{
	struct scan s = { line + len, fs, v, NULL };
	const char *p;
	size_t i;

	for (i = 0; i < fs->n; i++)
		v[i] = (struct val){ "", 0, VAL_MISSING, ESC_NONE };
	p = skip_ws(line, s.e);
	if (p == s.e || *p != '{') {
		*err = "expected '{'";
		return PARSE_ERROR;
	}
	p = scan_object(&s, p, NULL, 0, 0);
	if (p == NULL) {
		*err = s.err;
		return PARSE_ERROR;
	}
	if (skip_ws(p, s.e) != s.e) {
		*err = "trailing characters after object";
		return PARSE_ERROR;
	}
	return PARSE_OK;
}
