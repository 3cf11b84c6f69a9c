/*
 * parser.h - input formats, and the dispatch from a format to its field
 * finder: JSON (lib/json), logfmt, CSV and TSV (lib/csv), text and web
 * server logs (lib/text).  Each finder fills a record's values (see
 * lib/record) as slices of its line, building nothing.
 *
 * A parser owns its header map and scratch.
 */
#ifndef PARSER_H
#define PARSER_H

#include <stddef.h>

#include "buf.h"
#include "record.h"

enum fmt {
	FMT_AUTO = 0,
	FMT_JSON,
	FMT_LOGFMT,
	FMT_CSV,
	FMT_TSV,
	FMT_TEXT,
	FMT_COMBINED,
	FMT_COMMON,
	/* output only: for people to read (lib/table, lib/chart) */
	FMT_TABLE,
	FMT_CHART
};

/* -1 when name is not an input format. */
int fmt_from_name(const char *name);
/* The input format's name, "?" past them. */
const char *fmt_name(int fmt);
/* The same for -o, which also takes table and chart. */
int ofmt_from_name(const char *name);
const char *ofmt_name(int fmt);
/* Guess the format of a first record: '{' is json, a combined or common
 * log line is that, key=value pairs are logfmt, anything else is text. */
int fmt_detect(const char *line, size_t len);

/*
 * One input stream's field finder.  For CSV and TSV the first line of each
 * file is the header: parser_parse returns PARSE_HEADER for it and maps the
 * wanted names to columns (a header name first, else a column number).
 */
struct parser {
	int fmt;			/* never FMT_AUTO after the first record */
	const struct fieldset *fs;
	int *col;			/* csv/tsv: slot -> column (0-based) or -1 */
	size_t ncol;			/* csv/tsv: columns in the header */
	int have_header;
	struct val *cells;		/* csv/tsv: room for the wanted cells */
	size_t ncells;			/* csv/tsv: highest wanted column + 1 */
	struct buf scratch;		/* decoding room for header names and
					 * escaped JSON keys */
	char errbuf[96];		/* a message built for this record */
};


/*
 * Call fn with every field of a record of format fmt, in order, whether
 * or not a fieldset wants it: JSON's top-level members (keys decoded, a
 * string's value with its escapes flagged for val_text, anything else as
 * written), logfmt's pairs, a web server log's parts and pairs.  name
 * may point into keys, which holds it until the next call of fn.  0, or
 * -1 when the line does not read; CSV, TSV and text have no names of
 * their own, and give nothing.
 */
int parser_each(int fmt, const char *line, size_t len, struct buf *keys,
    void (*fn)(void *arg, const char *name, size_t nlen,
    const struct val *v), void *arg);

void parser_init(struct parser *ps, int fmt, const struct fieldset *fs);
/* Forget the header: the next line of a CSV/TSV input is a new header. */
void parser_reset(struct parser *ps);
void parser_release(struct parser *ps);
/*
 * Find the wanted fields of rec->line, filling rec->v[0..fs->n).
 * Returns PARSE_OK, PARSE_HEADER, PARSE_MORE (call again with the record
 * extended by its next line), or PARSE_ERROR with a short static message
 * in *err ("unterminated string", "expected ':'", ...).
 */
int parser_parse(struct parser *ps, struct record *rec, const char **err);

#endif
