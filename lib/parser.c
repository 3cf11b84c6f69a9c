/*
 * parser.c - input formats and the dispatch from a format to its finder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "json.h"
#include "logfmt.h"
#include "parser.h"
#include "text.h"

static const char *const fmt_names[] = {
	"auto", "json", "logfmt", "csv", "tsv", "text", "combined", "common"
};

int
fmt_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof fmt_names / sizeof fmt_names[0]; i++)
		if (strcmp(name, fmt_names[i]) == 0)
			return (int)i;
	if (strcmp(name, "jsonl") == 0 || strcmp(name, "ndjson") == 0)
		return FMT_JSON;
	return -1;
}

const char *
fmt_name(int fmt)
{
	if (fmt < 0 || fmt >= (int)(sizeof fmt_names / sizeof fmt_names[0]))
		return "?";
	return fmt_names[fmt];
}

static const char *const out_only_names[] = { "table", "chart" };
#define NFMT (sizeof fmt_names / sizeof fmt_names[0])
#define NOUT_ONLY (sizeof out_only_names / sizeof out_only_names[0])
_Static_assert(NFMT == FMT_TABLE, "the output-only formats follow the others");

int
ofmt_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < NOUT_ONLY; i++)
		if (strcmp(name, out_only_names[i]) == 0)
			return FMT_TABLE + (int)i;
	return fmt_from_name(name);
}

const char *
ofmt_name(int fmt)
{
	if (fmt >= FMT_TABLE && fmt < FMT_TABLE + (int)NOUT_ONLY)
		return out_only_names[fmt - FMT_TABLE];
	return fmt_name(fmt);
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

int
fmt_detect(const char *line, size_t len)
{
	static const struct fieldset none = FIELDSET_INIT;
	const char *err;
	size_t i = 0;

	while (i < len && is_blank(line[i]))
		i++;
	if (i < len && line[i] == '{')
		return FMT_JSON;
	if (clf_parse(line, len, 1, &none, NULL, &err) == PARSE_OK)
		return FMT_COMBINED;
	if (clf_parse(line, len, 0, &none, NULL, &err) == PARSE_OK)
		return FMT_COMMON;
	/* logfmt when the first word is key=...: a key of at least one byte */
	for (; i < len && !is_blank(line[i]) && line[i] != '"'; i++)
		if (line[i] == '=')
			return i > 0 && !is_blank(line[i - 1]) ? FMT_LOGFMT : FMT_TEXT;
	return FMT_TEXT;
}


/* Every field */

struct each_member {
	struct buf *keys;
	void (*fn)(void *arg, const char *name, size_t nlen,
	    const struct val *v);
	void *arg;
};

/* A JSON member as a field: its key decoded, a string's value to be. */
static void
each_member(void *arg, const char *key, size_t klen, int kesc,
    const char *val, size_t vlen)
{
	struct each_member *m = arg;
	struct val k = { key, klen, VAL_STR, ESC_JSON };
	struct val v = { val, vlen, VAL_STR, ESC_NONE };
	const char *name = key;

	if (kesc) {
		buf_reset(m->keys);
		if ((name = val_text(&k, m->keys, &klen)) == NULL)
			name = key;	/* as written */
	}
	if (vlen >= 2 && *val == '"')
		v = (struct val){ val + 1, vlen - 2, VAL_STR, ESC_JSON };
	m->fn(m->arg, name, klen, &v);
}

int
parser_each(int fmt, const char *line, size_t len, struct buf *keys,
    void (*fn)(void *arg, const char *name, size_t nlen,
    const struct val *v), void *arg)
{
	struct each_member m = { keys, fn, arg };

	switch (fmt) {
	case FMT_JSON:
		return json_each(line, len, each_member, &m);
	case FMT_LOGFMT:
		return logfmt_each(line, len, fn, arg);
	case FMT_COMBINED:
	case FMT_COMMON:
		return clf_each(line, len, fmt == FMT_COMBINED, fn, arg);
	}
	return 0;
}

/* The parser dispatch */

void
parser_init(struct parser *ps, int fmt, const struct fieldset *fs)
{
	memset(ps, 0, sizeof *ps);
	ps->fmt = fmt;
	ps->fs = fs;
	buf_init(&ps->scratch);
}

void
parser_reset(struct parser *ps)
{
	ps->have_header = 0;
}

void
parser_release(struct parser *ps)
{
	free(ps->col);
	free(ps->cells);
	buf_release(&ps->scratch);
	ps->col = NULL;
	ps->cells = NULL;
}

static int
csv_header(struct parser *ps, struct record *rec, const char **err)
{
	const struct fieldset *fs = ps->fs;
	int tsv = ps->fmt == FMT_TSV;
	struct val *hdr;
	long n, i;
	size_t s;

	n = csv_split(rec->line, rec->len, tsv, NULL, 0, err);
	if (n < 0)
		return (int)n == PARSE_MORE ? PARSE_MORE : PARSE_ERROR;
	hdr = xcalloc((size_t)n, sizeof *hdr);
	csv_split(rec->line, rec->len, tsv, hdr, (size_t)n, err);
	free(ps->col);
	ps->col = xcalloc(fs->n ? fs->n : 1, sizeof *ps->col);
	ps->ncol = (size_t)n;
	ps->ncells = 0;
	for (s = 0; s < fs->n; s++) {
		ps->col[s] = -1;
		for (i = 0; i < n && ps->col[s] < 0; i++) {
			size_t tn;
			const char *t;

			buf_reset(&ps->scratch);
			t = val_text(&hdr[i], &ps->scratch, &tn);
			if (t && tn == fs->f[s].len &&
			    memcmp(t, fs->f[s].name, tn) == 0)
				ps->col[s] = (int)i;
		}
		if (ps->col[s] < 0 && fs->f[s].index > 0 && fs->f[s].index <= n)
			ps->col[s] = (int)fs->f[s].index - 1;
		if (ps->col[s] >= 0 && (size_t)ps->col[s] + 1 > ps->ncells)
			ps->ncells = (size_t)ps->col[s] + 1;
	}
	free(hdr);
	free(ps->cells);
	ps->cells = xcalloc(ps->ncells ? ps->ncells : 1, sizeof *ps->cells);
	ps->have_header = 1;
	return PARSE_HEADER;
}

static int
csv_row(struct parser *ps, struct record *rec, const char **err)
{
	long n;
	size_t s;

	n = csv_split(rec->line, rec->len, ps->fmt == FMT_TSV, ps->cells,
	    ps->ncells, err);
	if (n < 0)
		return (int)n;
	if ((size_t)n != ps->ncol) {
		snprintf(ps->errbuf, sizeof ps->errbuf,
		    "expected %zu fields, found %ld", ps->ncol, n);
		*err = ps->errbuf;
		return PARSE_ERROR;
	}
	for (s = 0; s < ps->fs->n; s++) {
		if (ps->col[s] >= 0)
			rec->v[s] = ps->cells[ps->col[s]];
		else
			rec->v[s] = (struct val){ "", 0, VAL_MISSING, ESC_NONE };
	}
	return PARSE_OK;
}

int
parser_parse(struct parser *ps, struct record *rec, const char **err)
{
	if (ps->fmt == FMT_AUTO)
		ps->fmt = fmt_detect(rec->line, rec->len);
	if (rec->len == 0 && ps->fmt != FMT_TEXT) {
		*err = "empty line";
		return PARSE_ERROR;
	}
	switch (ps->fmt) {
	case FMT_JSON:
		return json_parse_with(rec->line, rec->len, ps->fs, rec->v, err,
		    &ps->scratch);
	case FMT_LOGFMT:
		return logfmt_parse(rec->line, rec->len, ps->fs, rec->v, err);
	case FMT_TEXT:
		return text_parse(rec->line, rec->len, ps->fs, rec->v, err);
	case FMT_COMBINED:
	case FMT_COMMON:
		return clf_parse(rec->line, rec->len, ps->fmt == FMT_COMBINED,
		    ps->fs, rec->v, err);
	case FMT_CSV:
	case FMT_TSV:
		if (!ps->have_header)
			return csv_header(ps, rec, err);
		return csv_row(ps, rec, err);
	}
	*err = "unknown format";
	return PARSE_ERROR;
}
