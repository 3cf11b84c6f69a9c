/*
 * logfmt.c - logfmt's fields.
 */
#include <string.h>

#include "logfmt.h"

static const struct val missing = { "", 0, VAL_MISSING, ESC_NONE };
static const char true_text[] = "true";

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/*
 * p is just past the opening quote.  Stores the value and returns the
 * byte after the closing quote, or NULL with *err set.  A backslash
 * escapes the next byte, whatever it is.
 */
static const char *
quoted(const char *p, const char *e, struct val *v, const char **err)
{
	const char *s = p;
	int esc = ESC_NONE;

	while (p < e && *p != '"') {
		if (*p == '\\') {
			esc = ESC_LOGFMT;
			p += p + 1 < e ? 2 : 1;
		} else
			p++;
	}
	if (p == e) {
		*err = "unterminated quoted value";
		return NULL;
	}
	*v = (struct val){ s, (size_t)(p - s), VAL_STR, (unsigned char)esc };
	if (++p < e && !is_blank(*p)) {
		*err = "expected a space after quoted value";
		return NULL;
	}
	return p;
}

/* One pair at p (not blank, not the end); returns the byte after it, or
 * NULL with *err set. */
static const char *
pair(const char *p, const char *e, const char **key, size_t *kn,
    struct val *v, const char **err)
{
	const char *k = p;

	while (p < e && !is_blank(*p) && *p != '=' && *p != '"')
		p++;
	if (p < e && *p == '"') {
		*err = "unexpected quote in key";
		return NULL;
	}
	if (p == k) {
		*err = "missing key";
		return NULL;
	}
	*key = k;
	*kn = (size_t)(p - k);
	if (p == e || *p != '=') {
		*v = (struct val){ true_text, 4, VAL_BOOL, ESC_NONE };
		return p;
	}
	if (++p < e && *p == '"')
		return quoted(p + 1, e, v, err);
	/* unquoted: up to the next blank, backslashes and all, literally */
	for (k = p; p < e && !is_blank(*p); p++)
		;
	*v = (struct val){ k, (size_t)(p - k), VAL_STR, ESC_NONE };
	return p;
}

static void
store(const struct fieldset *fs, struct val *v, const char *key, size_t kn,
    const struct val *val)
{
	size_t i;

	/* fieldset names are unique: at most one slot matches */
	for (i = 0; i < fs->n; i++)
		if (fs->f[i].len == kn && memcmp(fs->f[i].name, key, kn) == 0) {
			v[i] = *val;
			return;
		}
}

/* The next pair of [*pp, e): 1 and it, 0 at the end, -1 with *err. */
static int
next_pair(const char **pp, const char *e, const char **key, size_t *kn,
    struct val *v, const char **err)
{
	const char *p = *pp;

	while (p < e && is_blank(*p))
		p++;
	if (p == e)
		return 0;
	if ((p = pair(p, e, key, kn, v, err)) == NULL)
		return -1;
	*pp = p;
	return 1;
}

int
logfmt_parse(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err)
{
	const char *p = line, *e = line + len, *key;
	struct val val;
	size_t i, kn;
	int rc;

	for (i = 0; i < fs->n; i++)
		v[i] = missing;
	while ((rc = next_pair(&p, e, &key, &kn, &val, err)) > 0)
		store(fs, v, key, kn, &val);
	if (rc == 0)
		return PARSE_OK;
	/* a rejected line yields no values, not some of them */
	for (i = 0; i < fs->n; i++)
		v[i] = missing;
	return PARSE_ERROR;
}

int
logfmt_each(const char *line, size_t len, void (*fn)(void *arg,
    const char *name, size_t nlen, const struct val *v), void *arg)
{
	const char *p = line, *e = line + len, *key, *err;
	struct val val;
	size_t kn;
	int rc;

	while ((rc = next_pair(&p, e, &key, &kn, &val, &err)) > 0)
		fn(arg, key, kn, &val);
	return rc;
}
