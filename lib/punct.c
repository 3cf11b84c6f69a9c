/*
 * punct.c - the control-line codec (see punct.h).
 */
#include <string.h>

#include "json.h"
#include "punct.h"
#include "record.h"

enum {
	F_KIND, F_T, F_END, F_START, F_PANE, F_TIMING, F_FINAL, F_KEY,
	F_RECORDS, F_BYTES, F_MIN_T, F_MAX_T, F_LONGEST, F_PIPE, F_N
};

static const char *const names[F_N] = {
	"_punct", "t", "end", "start", "pane", "timing", "final", "key",
	"records", "bytes", "min_t", "max_t", "longest", "pipe"
};
static const char *const kinds[] = {
	"", "strategy", "watermark", "fire", "run"
};

int
punct_is(const char *line, size_t len)
{
	return len >= PUNCT_PREFIX_LEN &&
	    memcmp(line, PUNCT_PREFIX, PUNCT_PREFIX_LEN) == 0;
}

static int
is(const struct val *v, const char *s)
{
	return v->type == VAL_STR && v->n == strlen(s) &&
	    memcmp(v->p, s, v->n) == 0;
}

static int
get_int(const struct val *v, int64_t *out)
{
	int isint;

	return v->type == VAL_NUM && val_num(v, NULL, &isint, out) == 0 &&
	    isint ? 0 : -1;
}

static int
parse_fire(struct punct *p, const struct val *v, const char **err)
{
	int64_t pane;
	size_t i;

	if (get_int(&v[F_START], &p->start) < 0 ||
	    get_int(&v[F_END], &p->end) < 0) {
		*err = "fire needs integer start and end";
		return -1;
	}
	if (v[F_PANE].type != VAL_MISSING) {
		if (get_int(&v[F_PANE], &pane) < 0 || pane < 0) {
			*err = "bad pane";
			return -1;
		}
		p->pane = (long)pane;
	}
	p->timing = TIMING_ON_TIME;
	if (v[F_TIMING].type != VAL_MISSING) {
		for (i = 0; i < 3 && !is(&v[F_TIMING], pane_timing_name((int)i));
		    i++)
			;
		if (i == 3) {
			*err = "bad timing";
			return -1;
		}
		p->timing = (int)i;
	}
	p->final = v[F_FINAL].type == VAL_BOOL && v[F_FINAL].p[0] == 't';
	if (v[F_KEY].type != VAL_MISSING) {
		if (v[F_KEY].type != VAL_STR || v[F_KEY].esc != ESC_NONE ||
		    v[F_KEY].p[0] != '[') {
			*err = "a fire line's key must be an array";
			return -1;
		}
		p->key = v[F_KEY].p;
		p->keylen = v[F_KEY].n;
	}
	return 0;
}

static int
get_count(const struct val *v, uint64_t *out)
{
	int64_t n;

	if (get_int(v, &n) < 0 || n < 0)
		return -1;
	*out = (uint64_t)n;
	return 0;
}

static int
parse_run(struct punct *p, const struct val *v, const char **err)
{
	if (get_count(&v[F_RECORDS], &p->records) < 0 ||
	    get_count(&v[F_BYTES], &p->bytes) < 0 ||
	    get_count(&v[F_LONGEST], &p->longest) < 0 ||
	    get_int(&v[F_MIN_T], &p->min_t) < 0 ||
	    get_int(&v[F_MAX_T], &p->max_t) < 0 ||
	    v[F_PIPE].type != VAL_STR || v[F_PIPE].esc != ESC_NONE) {
		*err = "run needs counts records, bytes and longest, "
		    "integer min_t and max_t, and a pipe";
		return -1;
	}
	if (p->min_t > p->max_t || p->records > p->bytes ||
	    (p->records == 0) != (p->bytes == 0)) {
		*err = "a run's counts or times do not agree";
		return -1;
	}
	p->pipe = v[F_PIPE].p;
	p->pipelen = v[F_PIPE].n;
	return 0;
}

/* A JSON integer at *q (no leading zeros): 0 and past it, or -1. */
static int
fast_int(const char **q, const char *e, int64_t *v)
{
	const char *p = *q, *d = p + (p < e && *p == '-'), *end;

	if (p == e || *p == '+' || (end = int_scan(p, e, v)) == NULL ||
	    (*d == '0' && end - d > 1))
		return -1;
	*q = end;
	return 0;
}

static int
fast_lit(const char **q, const char *e, const char *lit, size_t n)
{
	if ((size_t)(e - *q) < n || memcmp(*q, lit, n) != 0)
		return -1;
	*q += n;
	return 0;
}

#define FAST_LIT(q, e, lit) fast_lit((q), (e), (lit), sizeof(lit) - 1)

/* An array of plain ASCII strings, ["a","b"], all of [q, e). */
static int
fast_key(const char *q, const char *e)
{
	if (q >= e || *q++ != '[' || e[-1] != ']')
		return -1;
	if (q == --e)
		return 0;
	for (;;) {
		if (q >= e || *q++ != '"')
			return -1;
		while (q < e && *q != '"' && *q != '\\' && *q >= 0x20 &&
		    *q < 0x7f)
			q++;
		if (q >= e || *q++ != '"')
			return -1;
		if (q == e)
			return 0;
		if (*q++ != ',')
			return -1;
	}
}

/*
 * A fire line as punct_write writes it, one a session's pane, read
 * without the JSON parser (which took a quarter of stream-agg's time
 * behind stream-trigger over many keys).  -1 for any other line, which
 * the parser then reads.
 */
static int
fast_fire(const char *line, size_t len, struct punct *p)
{
	const char *q = line, *e = line + len;
	int64_t pane;
	size_t i, n = 0;

	if (FAST_LIT(&q, e, PUNCT_PREFIX "\"fire\",\"start\":") < 0 ||
	    fast_int(&q, e, &p->start) < 0 ||
	    FAST_LIT(&q, e, ",\"end\":") < 0 ||
	    fast_int(&q, e, &p->end) < 0 ||
	    FAST_LIT(&q, e, ",\"pane\":") < 0 ||
	    fast_int(&q, e, &pane) < 0 || pane < 0 ||
	    FAST_LIT(&q, e, ",\"timing\":\"") < 0)
		return -1;
	for (i = 0; i < 3; i++) {
		const char *name = pane_timing_name((int)i);

		n = strlen(name);
		if ((size_t)(e - q) > n && memcmp(q, name, n) == 0 &&
		    q[n] == '"')
			break;
	}
	if (i == 3)
		return -1;
	q += n + 1;
	if (FAST_LIT(&q, e, ",\"final\":true") == 0)
		p->final = 1;
	else if (FAST_LIT(&q, e, ",\"final\":false") < 0)
		return -1;
	if (q + 1 == e && *q == '}')
		p->key = NULL;
	else if (FAST_LIT(&q, e, ",\"key\":") < 0 || e[-1] != '}' ||
	    fast_key(q, e - 1) < 0)
		return -1;
	else {
		p->key = q;
		p->keylen = (size_t)(e - 1 - q);
	}
	p->kind = PUNCT_FIRE;
	p->pane = (long)pane;
	p->timing = (int)i;
	return 0;
}

int
punct_parse(const char *line, size_t len, struct punct *p, const char **err)
{
	static struct fieldset fs = FIELDSET_INIT;
	struct val v[F_N];
	size_t i;

	memset(p, 0, sizeof *p);
	if (fast_fire(line, len, p) == 0)
		return 0;
	memset(p, 0, sizeof *p);
	if (fs.n == 0)
		for (i = 0; i < F_N; i++)
			fieldset_add(&fs, names[i], strlen(names[i]));
	memset(p, 0, sizeof *p);
	if (!punct_is(line, len)) {
		*err = "not a control line";
		return -1;
	}
	if (json_parse(line, len, &fs, v, err) != PARSE_OK)
		return -1;
	if (v[F_KIND].type != VAL_STR) {
		*err = "_punct must be a string";
		return -1;
	}
	for (i = 1; i < sizeof kinds / sizeof kinds[0]; i++)
		if (is(&v[F_KIND], kinds[i]))
			p->kind = (int)i;
	if (p->kind == PUNCT_WATERMARK) {
		p->at_end = v[F_END].type == VAL_BOOL && v[F_END].p[0] == 't';
		if (!p->at_end && get_int(&v[F_T], &p->t) < 0) {
			*err = "watermark needs an integer t or end:true";
			return -1;
		}
	} else if (p->kind == PUNCT_FIRE)
		return parse_fire(p, v, err);
	else if (p->kind == PUNCT_RUN)
		return parse_run(p, v, err);
	return 0;
}

/* A string literal's bytes, its length known where it is written. */
#define ADD_LIT(b, lit) buf_add((b), (lit), sizeof(lit) - 1)

static void
add_int(struct buf *b, int64_t v)
{
	char s[INT_FORMAT_MAX];

	buf_add(b, s, int_format(v, s));
}

/* Padded to PUNCT_RUN_LEN before its brace; a pipe's name is short. */
static void
write_run(struct buf *b, const struct punct *p)
{
	size_t from = b->len - PUNCT_PREFIX_LEN, n;

	ADD_LIT(b, "\"run\",\"records\":");
	add_int(b, (int64_t)p->records);
	ADD_LIT(b, ",\"bytes\":");
	add_int(b, (int64_t)p->bytes);
	ADD_LIT(b, ",\"min_t\":");
	add_int(b, p->min_t);
	ADD_LIT(b, ",\"max_t\":");
	add_int(b, p->max_t);
	ADD_LIT(b, ",\"longest\":");
	add_int(b, (int64_t)p->longest);
	ADD_LIT(b, ",\"pipe\":\"");
	buf_add(b, p->pipe, p->pipelen);
	ADD_LIT(b, "\"");
	if ((n = b->len - from) < PUNCT_RUN_LEN - 2) {
		n = PUNCT_RUN_LEN - 2 - n;
		buf_grow(b, n);
		memset(b->data + b->len, ' ', n);
		b->len += n;
	}
	ADD_LIT(b, "}\n");
}

void
punct_write(struct buf *b, const struct punct *p)
{
	ADD_LIT(b, PUNCT_PREFIX);
	switch (p->kind) {
	case PUNCT_WATERMARK:
		if (p->at_end)
			ADD_LIT(b, "\"watermark\",\"end\":true}\n");
		else {
			ADD_LIT(b, "\"watermark\",\"t\":");
			add_int(b, p->t);
			ADD_LIT(b, "}\n");
		}
		break;
	case PUNCT_FIRE:
		/* a fire line per session pane: no printf, which was a fifth
		 * of stream-trigger's time on many keys */
		ADD_LIT(b, "\"fire\",\"start\":");
		add_int(b, p->start);
		ADD_LIT(b, ",\"end\":");
		add_int(b, p->end);
		ADD_LIT(b, ",\"pane\":");
		add_int(b, p->pane);
		ADD_LIT(b, ",\"timing\":\"");
		buf_addstr(b, pane_timing_name(p->timing));
		if (p->final)
			ADD_LIT(b, "\",\"final\":true");
		else
			ADD_LIT(b, "\",\"final\":false");
		if (p->key) {
			ADD_LIT(b, ",\"key\":");
			buf_add(b, p->key, p->keylen);
		}
		ADD_LIT(b, "}\n");
		break;
	case PUNCT_RUN:
		write_run(b, p);
		break;
	default:
		buf_addf(b, "\"%s\"}\n", p->kind == PUNCT_STRATEGY ?
		    "strategy" : "unknown");
	}
}
