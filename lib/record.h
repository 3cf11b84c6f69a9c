/*
 * record.h - the record model: values, the set of wanted fields, and
 * records (lib/parser finds a record's fields by its format).
 *
 * A record is one line (or, for CSV, one logical row) as it was read: a
 * (line, len) slice of the reader's buffer, valid until the next read.
 * Tools say up front which fields they need (a struct fieldset); parsing a
 * record fills one struct val per wanted field, each a slice into the line.
 * Nothing is copied or decoded until a tool asks: val_text() decodes
 * escapes into a caller's scratch buffer only when the value has any.
 *
 * Ownership: a fieldset owns its names; records and values own nothing.
 */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

enum val_type {
	VAL_MISSING = 0,	/* the record has no such field */
	VAL_NULL,		/* JSON null; an empty CSV/TSV cell is a VAL_STR "" */
	VAL_BOOL,		/* p is "true" or "false" */
	VAL_NUM,		/* a JSON number literal, as written */
	VAL_STR
};

/* How the bytes of a VAL_STR are escaped; ESC_NONE means p is the text. */
enum val_esc {
	ESC_NONE = 0,
	ESC_JSON,		/* \" \\ \/ \b \f \n \r \t \uXXXX (with surrogates) */
	ESC_CSV,		/* "" stands for " */
	ESC_TSV,		/* \t \n \r \\ */
	ESC_LOGFMT		/* \" \\ \n \t inside a quoted value */
};

struct val {
	const char *p;		/* the bytes, without surrounding quotes */
	size_t n;
	unsigned char type;	/* enum val_type */
	unsigned char esc;	/* enum val_esc */
};

/*
 * The decoded text of v.  Returns v->p when there is nothing to decode,
 * else decodes into scratch (appending; the caller resets it per record)
 * and returns a pointer into it.  *n receives the length.  Returns NULL
 * when the escapes are malformed or decode to invalid UTF-8 (JSON), with
 * *n undefined.  VAL_MISSING yields "" with *n = 0.
 */
const char *val_text(const struct val *v, struct buf *scratch, size_t *n);

/*
 * The value as a number.  Numbers and strings that hold a decimal number
 * (optional sign, digits, fraction, exponent; surrounding blanks are not
 * allowed) convert; anything else, and a number out of double's range
 * (1e999), returns -1.  *isint is set when the text is an integer that fits
 * int64_t exactly, with the integer in *i (isint and i may be NULL).
 */
int val_num(const struct val *v, double *d, int *isint, int64_t *i);

/* Parse a decimal number in p[0..n); same rules and return as val_num. */
int num_parse(const char *p, size_t n, double *d, int *isint, int64_t *i);

/* Write d as the shortest text that reads back as the same double
 * ("2", "0.1", "1e+300"), NUL-terminated; returns its length. */
size_t num_format(double d, char *dst, size_t size);

/*
 * A decimal integer, [+-]digits, all of p[0..n), that fits int64_t: 0
 * and *v, or -1.  The integers streamkit writes (_t's sixteen digits, a
 * fire line's bounds) are read eight digits a step.
 */
int int_parse(const char *p, size_t n, int64_t *v);
/* The same of the longest such text from p (up to e): the end of it and
 * *v, or NULL when there is none or it does not fit. */
const char *int_scan(const char *p, const char *e, int64_t *v);

/*
 * 1 when the eight bytes at p are all decimal digits.  Each byte is
 * 0x30-0x39 when its high nibble is 3 and stays 3 with 6 added (no byte
 * carries into the next).
 */
static inline int
digits8(const char *p)
{
	const uint64_t high = UINT64_C(0xf0f0f0f0f0f0f0f0),
	    threes = UINT64_C(0x3030303030303030);
	uint64_t w;

	memcpy(&w, p, 8);
	return (w & high) == threes &&
	    ((w + UINT64_C(0x0606060606060606)) & high) == threes;
}

/* Write v in decimal, NUL-terminated, into dst (INT_FORMAT_MAX bytes);
 * returns its length.  The hot paths' "%lld" without printf. */
#define INT_FORMAT_MAX 21
size_t int_format(int64_t v, char *dst);
/* x < 10^8 as exactly eight digits, leading zeros and all, at dst (no
 * NUL): the last eight of a number whose first ones a caller keeps. */
void int_format8(uint32_t x, char *dst);

/* 1 when p[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
int utf8_valid(const char *p, size_t n);

/* The fields a tool reads from every record, one slot each. */
struct field {
	char *name;		/* as the user wrote it: "a.b.c", "3", "status" */
	size_t len;
	long index;		/* name as a positive column number, else 0 */
	/* no dot and no byte JSON escapes: the key's bytes are the name's,
	 * and json_key_at may look for them */
	int bare;
};

struct fieldset {
	struct field *f;
	size_t n, cap;
	/* bit k (k < 63; bit 63 for longer) is set when some name, or some
	 * dotted prefix of one ("a" of "a.b"), is k bytes long: a key of
	 * another length cannot match, whatever its bytes */
	uint64_t lenmask;
	/* the slot + 1 of a field that comes last when it is there (the
	 * _t stream-window appends): JSON looks for it at the end first,
	 * and there it wins over one before; 0 for none */
	int tail;
	/* the lines come from a streamkit tool upstream (stream-window
	 * checked them, and wrote the tail): a JSON line's wanted fields
	 * are found by their bytes where they tell (json_key_at), and
	 * nothing around them is checked again */
	int trusted;
};

#define FIELDSET_INIT { NULL, 0, 0, 0, 0, 0 }
/* The slot of name, adding it if new: one name, one slot. */
int fieldset_add(struct fieldset *fs, const char *name, size_t len);
/* Add each field of "a,b,c", appending its name (copied; the caller
 * frees) and slot to (*names, *slots, *n): 0, or -1 for an empty name. */
int fieldset_add_list(struct fieldset *fs, const char *list, char ***names,
    int **slots, size_t *n);
/* dst becomes a copy of src that owns its names, for another thread: on
 * cache lines of its own (xmalloc_lines). */
void fieldset_copy(struct fieldset *dst, const struct fieldset *src);
void fieldset_release(struct fieldset *fs);

struct record {
	const char *line;	/* the line as read, without \r\n */
	size_t len;
	const char *file;	/* for diagnostics: "<stdin>" or the path */
	uintmax_t lineno;	/* first line of the record, from 1 */
	struct val *v;		/* v[slot] for each slot of the fieldset */
};

/* What a field finder (lib/parser and the formats behind it) returns. */
enum {
	PARSE_OK = 0,
	PARSE_HEADER = 1,		/* the line was a header: no record */
	PARSE_MORE = -2,		/* CSV: a quoted cell runs past the line end */
	PARSE_ERROR = -1
};

#endif
