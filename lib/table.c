/*
 * table.c - records as aligned columns (see table.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "parser.h"
#include "table.h"

static void
sink_begin(void *arg)
{
	table_begin(arg);
}

static void
sink_field(void *arg, const char *name, size_t nlen, const char *val,
    size_t vlen, int kind)
{
	(void)kind;
	table_field(arg, name, nlen, val, vlen);
}

static void
sink_end(void *arg)
{
	table_end(arg);
}

void
table_init(struct table *t, struct out *out)
{
	memset(t, 0, sizeof *t);
	t->out = out;
	t->sink = (struct recw_sink){ sink_begin, sink_field, sink_end, t };
	buf_init(&t->names);
	buf_init(&t->held);
	buf_init(&t->rownames);
	buf_init(&t->rowcells);
	buf_init(&t->header);
	buf_init(&t->keys);
	buf_init(&t->scratch);
}

void
table_release(struct table *t)
{
	buf_release(&t->names);
	buf_release(&t->held);
	buf_release(&t->rownames);
	buf_release(&t->rowcells);
	buf_release(&t->header);
	buf_release(&t->keys);
	buf_release(&t->scratch);
	free(t->cells);
	t->cells = NULL;
	free(t->width);
	free(t->shown);
	t->width = t->shown = NULL;
}

size_t
text_width(const char *s, size_t n)
{
	size_t w = 0, i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

/* s[0..n) as one cell, NUL-ended: "-" when empty, controls escaped. */
static void
add_cell(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (n == 0)
		buf_addc(b, '-');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != 0x7f)
			buf_addc(b, c);
		else if (c == '\t')
			buf_add(b, "\\t", 2);
		else if (c == '\n')
			buf_add(b, "\\n", 2);
		else if (c == '\r')
			buf_add(b, "\\r", 2);
		else {
			char x[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

			buf_add(b, x, 4);
		}
	}
	buf_addc(b, '\0');
}

void
table_begin(struct table *t)
{
	buf_reset(&t->rownames);
	buf_reset(&t->rowcells);
	t->rowcols = 0;
}

void
table_field(struct table *t, const char *name, size_t nlen, const char *val,
    size_t vlen)
{
	add_cell(&t->rownames, name, nlen);
	add_cell(&t->rowcells, val, vlen);
	t->rowcols++;
}

/* One line of cells[] (NUL-separated, ncol of them), padded to widths. */
static const char *
write_line(struct table *t, const char *cells)
{
	static const char blanks[] = "                                ";
	size_t i, n, pad;

	for (i = 0; i < t->ncol; i++) {
		n = strlen(cells);
		out_write(t->out, cells, n);
		if (i + 1 < t->ncol) {
			pad = t->width[i] - text_width(cells, n) + 1;
			for (; pad > sizeof blanks - 1; pad -= sizeof blanks - 1)
				out_write(t->out, blanks, sizeof blanks - 1);
			out_write(t->out, blanks, pad);
		}
		cells += n + 1;
	}
	out_putc(t->out, '\n');
	return cells;
}

static int
widths_grew(const struct table *t)
{
	size_t i;

	for (i = 0; i < t->ncol; i++)
		if (t->width[i] > t->shown[i])
			return 1;
	return 0;
}

void
table_flush(struct table *t)
{
	const char *p = t->held.data;
	size_t i;

	if (t->nheld == 0)
		return;
	if (!t->header_shown || widths_grew(t)) {
		if (t->wrote)
			out_putc(t->out, '\n');
		write_line(t, t->names.data);
		memcpy(t->shown, t->width, t->ncol * sizeof *t->width);
		t->header_shown = 1;
	}
	for (i = 0; i < t->nheld; i++)
		p = write_line(t, p);
	buf_reset(&t->held);
	t->nheld = 0;
	t->wrote = 1;
}

/* The record taken has other names than the block: a new block. */
static void
start_block(struct table *t)
{
	const char *p;
	size_t i;

	table_flush(t);
	buf_reset(&t->names);
	buf_add(&t->names, t->rownames.data, t->rownames.len);
	t->ncol = t->rowcols;
	if (t->ncol > t->widthcap) {
		t->width = xrealloc(t->width, t->ncol * sizeof *t->width);
		t->shown = xrealloc(t->shown, t->ncol * sizeof *t->shown);
		t->widthcap = t->ncol;
	}
	for (i = 0, p = t->names.data; i < t->ncol; i++, p += strlen(p) + 1)
		t->width[i] = text_width(p, strlen(p));
	memset(t->shown, 0, t->ncol * sizeof *t->shown);
	t->header_shown = 0;
}

void
table_end(struct table *t)
{
	const char *p;
	size_t i, w;

	if (t->rowcols == 0)
		return;		/* nothing to show */
	if (t->rowcols != t->ncol || t->rownames.len != t->names.len ||
	    memcmp(t->rownames.data, t->names.data, t->names.len) != 0)
		start_block(t);
	for (i = 0, p = t->rowcells.data; i < t->ncol; i++, p += strlen(p) + 1)
		if ((w = text_width(p, strlen(p))) > t->width[i])
			t->width[i] = w;
	buf_add(&t->held, t->rowcells.data, t->rowcells.len);
	if (++t->nheld >= TABLE_HOLD || t->held.len >= TABLE_HOLD_BYTES)
		table_flush(t);
}

/* Passed-through records */

void
table_leave_out(struct table *t, const char *const *names, size_t n)
{
	t->left_out = names;
	t->nleft_out = n;
}

static int
is_left_out(const struct table *t, const char *name, size_t nlen)
{
	size_t i;

	for (i = 0; i < t->nleft_out; i++)
		if (strlen(t->left_out[i]) == nlen &&
		    memcmp(t->left_out[i], name, nlen) == 0)
			return 1;
	return 0;
}

/* A text word NAME=value whose NAME is left out. */
static int
is_left_out_pair(const struct table *t, const char *w, size_t n)
{
	const char *eq = memchr(w, '=', n);

	return eq != NULL && is_left_out(t, w, (size_t)(eq - w));
}

/* A field with its escapes decoded (as written when they do not). */
static void
decoded_field(struct table *t, const char *name, size_t nlen,
    const struct val *v)
{
	const char *p;
	size_t n;

	if (is_left_out(t, name, nlen))
		return;
	buf_reset(&t->scratch);
	if ((p = val_text(v, &t->scratch, &n)) == NULL) {
		p = v->p;
		n = v->n;
	}
	table_field(t, name, nlen, p, n);
}

static void
each_field(void *arg, const char *name, size_t nlen, const struct val *v)
{
	decoded_field(arg, name, nlen, v);
}

/* The cells of a CSV or TSV line into t->cells; how many, or -1. */
static long
split_cells(struct table *t, int fmt, const char *line, size_t len)
{
	const char *err;
	long n = csv_split(line, len, fmt == FMT_TSV, t->cells, t->cellcap,
	    &err);

	if (n > (long)t->cellcap) {
		t->cells = xgrowarray(t->cells, &t->cellcap, (size_t)n,
		    sizeof *t->cells);
		n = csv_split(line, len, fmt == FMT_TSV, t->cells, t->cellcap,
		    &err);
	}
	return n;
}

void
table_header(struct table *t, int fmt, const char *line, size_t len)
{
	long i, n = split_cells(t, fmt, line, len);
	const char *p;
	size_t pn;

	buf_reset(&t->header);
	t->nheader = 0;
	for (i = 0; i < n; i++) {
		buf_reset(&t->scratch);
		if ((p = val_text(&t->cells[i], &t->scratch, &pn)) == NULL) {
			p = t->cells[i].p;
			pn = t->cells[i].n;
		}
		buf_add(&t->header, p, pn);
		buf_addc(&t->header, '\0');
		t->nheader++;
	}
}

static void
csv_fields(struct table *t, int fmt, const char *line, size_t len)
{
	const char *name = t->header.data;
	char num[24];
	long i, n = split_cells(t, fmt, line, len);

	for (i = 0; i < n; i++) {
		if ((size_t)i < t->nheader) {
			decoded_field(t, name, strlen(name), &t->cells[i]);
			name += strlen(name) + 1;
		} else
			decoded_field(t, num, (size_t)snprintf(num, sizeof num,
			    "%ld", i + 1), &t->cells[i]);
	}
}

static void
text_fields(struct table *t, const char *line, size_t len)
{
	char num[24];
	size_t i = 0, start, k = 0;

	for (;;) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		for (start = i; i < len && line[i] != ' ' && line[i] != '\t';
		    i++)
			;
		if (is_left_out_pair(t, line + start, i - start))
			continue;
		table_field(t, num, (size_t)snprintf(num, sizeof num, "%zu",
		    ++k), line + start, i - start);
	}
}

void
table_line(struct table *t, int fmt, const char *line, size_t len,
    const struct addfield *add, size_t nadd)
{
	size_t i;

	table_begin(t);
	if (fmt == FMT_CSV || fmt == FMT_TSV)
		csv_fields(t, fmt, line, len);
	else if (fmt == FMT_TEXT)
		text_fields(t, line, len);
	else
		(void)parser_each(fmt, line, len, &t->keys, each_field, t);
	for (i = 0; i < nadd; i++)
		table_field(t, add[i].name, strlen(add[i].name), add[i].val,
		    add[i].vlen);
	table_end(t);
}
