/*
 * table.h - records as aligned columns for people to read: -o table.
 *
 * A struct table takes records field by field (table_begin, table_field,
 * table_end) and holds them until the tool reaches a flush point
 * (table_flush: input waits, or it ends), or until it holds TABLE_HOLD
 * records or TABLE_HOLD_BYTES bytes of cells; then it writes them to its
 * out, a header line of the names first.  Each column is as wide as the
 * widest of its name and the cells seen so far, counted in characters
 * (UTF-8 code points); the last column is not padded.  Widths never
 * shrink.  The header is written again, after a blank line, when the
 * names change (a record with other fields: a new block, as Miller's
 * --opprint does) or when a column must grow past the width its header
 * was written with.  An empty cell is "-"; control characters are
 * written as \t, \n, \r or \xHH, so a cell is always one line.
 *
 * A struct table owns its held records and its widths; the out is its
 * owner's, and outlives it.
 */
#ifndef TABLE_H
#define TABLE_H

#include <stddef.h>

#include "buf.h"
#include "out.h"
#include "record.h"

/* What a table holds before it writes: records, and bytes of cells. */
#define TABLE_HOLD 1000
#define TABLE_HOLD_BYTES (1024 * 1024)

struct table {
	struct out *out;
	struct buf names;	/* this block's names, NUL-separated */
	size_t ncol;
	size_t *width;		/* each column's width so far */
	size_t *shown;		/* the widths its header was written with */
	size_t widthcap;
	int header_shown;	/* this block's header is out */
	int wrote;		/* anything written yet */
	struct buf held;	/* held records' cells, NUL-separated */
	size_t nheld;
	struct buf rownames, rowcells;	/* the record being taken */
	size_t rowcols;
	struct recw_sink sink;	/* a recw's records, as table_begin ... */
	struct buf header;	/* table_header's names, NUL-separated */
	size_t nheader;
	struct buf keys, scratch;	/* decoding room for table_line */
	struct val *cells;	/* CSV and TSV cells, for table_line */
	size_t cellcap;
	const char *const *left_out;	/* table_leave_out's names */
	size_t nleft_out;
};

void table_init(struct table *t, struct out *out);
/* Free what it holds, writing nothing: table_flush first. */
void table_release(struct table *t);
void table_begin(struct table *t);
/* A field of the record begun: its name and its value as text. */
void table_field(struct table *t, const char *name, size_t nlen,
    const char *val, size_t vlen);
/* The record is whole: held, or written when the hold is full. */
void table_end(struct table *t);
/* Write what is held (a flush point); the out is not flushed. */
void table_flush(struct table *t);

/*
 * A record a tool passes through, as a table's record: the fields of
 * line[0..len) in format fmt (JSON's top-level members, logfmt's pairs,
 * a web server log's parts; CSV and TSV cells named by the last
 * table_header, else by column number; text's words named 1, 2, ...),
 * their escapes decoded, then the fields add[0..nadd).
 */
void table_line(struct table *t, int fmt, const char *line, size_t len,
    const struct addfield *add, size_t nadd);
/*
 * The fields table_line leaves out of the records it takes: a windowed
 * stream's annotation (_t, the window's fields), which a tool shows its
 * own way or not at all.  In text, a word NAME=value for one of them
 * goes too.  names[0..n) are the caller's, and outlive the table.
 */
void table_leave_out(struct table *t, const char *const *names, size_t n);
/* A CSV or TSV header line: the names of the cells of what follows. */
void table_header(struct table *t, int fmt, const char *line, size_t len);

/* The width of s[0..n) on a terminal, in characters (UTF-8 code
 * points; bytes that are not UTF-8 count one each). */
size_t text_width(const char *s, size_t n);

#endif
