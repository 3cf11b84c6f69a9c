/*
 * text.c - words of text, and web server log lines.
 */
#include <string.h>

#include "text.h"

static const struct val missing = { "", 0, VAL_MISSING, ESC_NONE };

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* The next word at or after p: sets *w and returns its end, or returns
 * NULL when only blanks are left. */
static const char *
next_word(const char *p, const char *e, const char **w)
{
	while (p < e && is_blank(*p))
		p++;
	if (p == e)
		return NULL;
	*w = p;
	while (p < e && !is_blank(*p))
		p++;
	return p;
}

/*
 * The next word of the form key=value in [*pp, e) (the value may be
 * "quoted", with backslash escapes): what stream-window appends to text
 * and log lines.  1 with its key and value, 0 at the end.  A quoted word
 * that is not a pair is skipped whole.
 */
static int
next_pair(const char **pp, const char *e, const char **key, size_t *klen,
    struct val *v)
{
	const char *p = *pp, *w, *eq, *q;
	int esc;

	for (;;) {
		while (p < e && is_blank(*p))
			p++;
		if (p >= e)
			return 0;
		w = p;
		eq = NULL;
		while (p < e && !is_blank(*p) && *p != '"') {
			if (*p == '=' && eq == NULL)
				eq = p;
			p++;
		}
		if (p < e && *p == '"') {	/* to the closing quote */
			for (q = p + 1, esc = 0; q < e && *q != '"'; )
				q += *q == '\\' ? (esc = 1, 2) : 1;
			if (q >= e)
				return 0;
			if (eq && eq > w && eq + 1 == p) {
				*v = (struct val){ p + 1, (size_t)(q - p - 1),
				    VAL_STR, esc ? ESC_LOGFMT : ESC_NONE };
				*pp = q + 1;
				break;
			}
			p = q + 1;
		} else if (eq && eq > w) {
			*v = (struct val){ eq + 1, (size_t)(p - eq - 1), VAL_STR,
			    ESC_NONE };
			*pp = p;
			break;
		}
	}
	*key = w;
	*klen = (size_t)(eq - w);
	return 1;
}

/* The pairs of [p, e) fill the wanted fields still missing that they
 * name: the first of a name wins. */
static void
pairs(const char *p, const char *e, const struct fieldset *fs,
    struct val *v)
{
	const char *key;
	size_t i, klen;
	struct val pv;

	while (next_pair(&p, e, &key, &klen, &pv))
		for (i = 0; i < fs->n; i++)
			if (v[i].type == VAL_MISSING && fs->f[i].len == klen &&
			    memcmp(fs->f[i].name, key, klen) == 0)
				v[i] = pv;
}

int
text_parse(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err)
{
	const char *p = line, *e = line + len, *w;
	long k, last = 0;
	size_t i;

	(void)err;		/* any line is text */
	for (i = 0; i < fs->n; i++) {
		v[i] = missing;
		if (fs->f[i].len == 1 && fs->f[i].name[0] == '0')
			v[i] = (struct val){ line, len, VAL_STR, ESC_NONE };
		if (fs->f[i].index > last)
			last = fs->f[i].index;
	}
	/* words past the highest wanted one are not even looked at */
	for (k = 1; k <= last && (p = next_word(p, e, &w)) != NULL; k++)
		for (i = 0; i < fs->n; i++)
			if (fs->f[i].index == k)
				v[i] = (struct val){ w, (size_t)(p - w),
				    VAL_STR, ESC_NONE };
	for (i = 0; i < fs->n; i++)
		if (fs->f[i].index == 0 && !(fs->f[i].len == 1 &&
		    fs->f[i].name[0] == '0')) {
			pairs(line, e, fs, v);
			break;
		}
	return PARSE_OK;
}

/* Common and combined log format */

enum {
	C_HOST, C_IDENT, C_USER, C_TIME, C_REQUEST, C_METHOD, C_PATH,
	C_PROTOCOL, C_STATUS, C_BYTES, C_REFERER, C_AGENT, C_NPART
};

#define NAME(s)	{ s, sizeof s - 1 }
static const struct {
	const char *s;
	size_t n;
} part_name[C_NPART] = {
	NAME("host"), NAME("ident"), NAME("user"), NAME("time"),
	NAME("request"), NAME("method"), NAME("path"), NAME("protocol"),
	NAME("status"), NAME("bytes"), NAME("referer"), NAME("agent")
};

struct clf {
	const char *p, *e;
	const char *err;
	struct val part[C_NPART];
};

static void
set(struct clf *c, int part, const char *p, size_t n, int esc)
{
	c->part[part] = (struct val){ p, n, VAL_STR, (unsigned char)esc };
}

/* The blanks before the next part: at least one, and something after. */
static int
sep(struct clf *c, const char *err)
{
	const char *p = c->p;

	while (p < c->e && is_blank(*p))
		p++;
	if (p == c->p || p == c->e) {
		c->err = err;
		return -1;
	}
	c->p = p;
	return 0;
}

/* A word; returns its length (0 at a blank or the end). */
static size_t
word(struct clf *c, int part)
{
	const char *w = c->p;

	while (c->p < c->e && !is_blank(*c->p))
		c->p++;
	set(c, part, w, (size_t)(c->p - w), ESC_NONE);
	return (size_t)(c->p - w);
}

/* "[time]": the brackets hold a blank, so this is no word. */
static int
bracket(struct clf *c)
{
	const char *q;

	if (sep(c, "expected '[' before time") < 0)
		return -1;
	if (*c->p != '[') {
		c->err = "expected '[' before time";
		return -1;
	}
	c->p++;
	if ((q = memchr(c->p, ']', (size_t)(c->e - c->p))) == NULL) {
		c->err = "unterminated time";
		return -1;
	}
	set(c, C_TIME, c->p, (size_t)(q - c->p), ESC_NONE);
	c->p = q + 1;
	return 0;
}

/*
 * A quoted part; a backslash escapes the next byte (Apache writes \").
 * msg[] are the errors for nothing left, no opening quote, no closing one.
 */
static int
quoted(struct clf *c, int part, const char *const msg[3])
{
	const char *p, *s;
	int esc = ESC_NONE;

	if (sep(c, msg[0]) < 0)
		return -1;
	if (*c->p != '"') {
		c->err = msg[1];
		return -1;
	}
	for (s = p = c->p + 1; p < c->e && *p != '"'; p++)
		if (*p == '\\') {
			esc = ESC_LOGFMT;
			if (p + 1 < c->e)
				p++;
		}
	if (p == c->e) {
		c->err = msg[2];
		return -1;
	}
	set(c, part, s, (size_t)(p - s), esc);
	c->p = p + 1;
	return 0;
}

/* method, path and protocol, when the request is exactly three words. */
static void
request_words(struct clf *c)
{
	const struct val *r = &c->part[C_REQUEST];
	const char *p = r->p, *e = r->p + r->n, *w[4], *end[4];
	size_t n;
	int k;

	for (k = 0; k < 4 && (p = next_word(p, e, &w[k])) != NULL; k++)
		end[k] = p;
	if (k != 3)
		return;
	for (k = 0; k < 3; k++) {
		n = (size_t)(end[k] - w[k]);
		set(c, C_METHOD + k, w[k], n, r->esc != ESC_NONE &&
		    memchr(w[k], '\\', n) != NULL ? ESC_LOGFMT : ESC_NONE);
	}
}

static int
status_bytes(struct clf *c)
{
	const char *p;
	size_t n, i;

	if (sep(c, "expected status") < 0)
		return -1;
	p = c->p;
	if (word(c, C_STATUS) != 3 || !is_digit(p[0]) || !is_digit(p[1]) ||
	    !is_digit(p[2])) {
		c->err = "bad status";
		return -1;
	}
	c->part[C_STATUS].type = VAL_NUM;
	if (sep(c, "expected bytes") < 0)
		return -1;
	p = c->p;
	n = word(c, C_BYTES);
	for (i = 0; i < n && is_digit(p[i]); i++)
		;
	if (n == 1 && p[0] == '-')
		c->part[C_BYTES].p = "0";	/* nothing was sent */
	else if (i < n) {
		c->err = "bad bytes";
		return -1;
	}
	c->part[C_BYTES].type = VAL_NUM;
	return 0;
}

static const char *const request_msg[3] = {
	"expected '\"' before request", "expected '\"' before request",
	"unterminated request"
};
static const char *const referer_msg[3] = {
	"expected referer and agent", "expected '\"' before referer",
	"unterminated referer"
};
static const char *const agent_msg[3] = {
	"expected agent", "expected '\"' before agent", "unterminated agent"
};

/* host, ident and user: words, the first at the start of the line. */
static int
words(struct clf *c)
{
	if (word(c, C_HOST) == 0) {
		c->err = "expected host";
		return -1;
	}
	if (sep(c, "expected ident") < 0)
		return -1;
	word(c, C_IDENT);
	if (sep(c, "expected user") < 0)
		return -1;
	word(c, C_USER);
	return 0;
}

/* All parts in order; -1 with c->err at the first that is wrong. */
static int
clf_scan(struct clf *c, int combined)
{
	if (words(c) < 0 || bracket(c) < 0 ||
	    quoted(c, C_REQUEST, request_msg) < 0 || status_bytes(c) < 0)
		return -1;
	request_words(c);
	if (!combined)
		return 0;	/* bytes ended at a blank or the end */
	if (quoted(c, C_REFERER, referer_msg) < 0 ||
	    quoted(c, C_AGENT, agent_msg) < 0)
		return -1;
	/* what follows (nginx adds fields) is not ours, but must be apart */
	if (c->p < c->e && !is_blank(*c->p)) {
		c->err = "expected a space after agent";
		return -1;
	}
	return 0;
}

/* The parts of line into c, the scan after them: 0, or -1 (c->err). */
static int
clf_read(struct clf *c, const char *line, size_t len, int combined)
{
	int k;

	c->p = line;
	c->e = line + len;
	for (k = 0; k < C_NPART; k++)
		c->part[k] = missing;
	return clf_scan(c, combined);
}

int
clf_parse(const char *line, size_t len, int combined,
    const struct fieldset *fs, struct val *v, const char **err)
{
	struct clf c;
	size_t i;
	int k, rc;

	rc = clf_read(&c, line, len, combined) < 0 ? PARSE_ERROR : PARSE_OK;
	if (rc == PARSE_ERROR)
		*err = c.err;
	/* on error every slot is missing: no part of a bad line is used */
	for (i = 0; i < fs->n; i++) {
		v[i] = missing;
		for (k = 0; rc == PARSE_OK && k < C_NPART; k++)
			if (fs->f[i].len == part_name[k].n &&
			    memcmp(fs->f[i].name, part_name[k].s, part_name[k].n)
			    == 0) {
				v[i] = c.part[k];
				break;
			}
	}
	if (rc == PARSE_OK)
		pairs(c.p, c.e, fs, v);
	return rc;
}

int
clf_each(const char *line, size_t len, int combined, void (*fn)(void *arg,
    const char *name, size_t nlen, const struct val *v), void *arg)
{
	struct clf c;
	struct val pv;
	const char *key;
	size_t klen;
	int k;

	if (clf_read(&c, line, len, combined) < 0)
		return -1;
	for (k = 0; k < C_NPART; k++)
		if (c.part[k].type != VAL_MISSING)
			fn(arg, part_name[k].s, part_name[k].n, &c.part[k]);
	/* then the pairs after the parts, but for a part's name */
	while (next_pair(&c.p, c.e, &key, &klen, &pv)) {
		for (k = 0; k < C_NPART; k++)
			if (c.part[k].type != VAL_MISSING &&
			    part_name[k].n == klen &&
			    memcmp(part_name[k].s, key, klen) == 0)
				break;
		if (k == C_NPART)
			fn(arg, key, klen, &pv);
	}
	return 0;
}
