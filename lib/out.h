/*
 * out.h - buffered output, and writers for the records a tool creates.
 *
 * A struct out owns a large buffer in front of a file descriptor.  Writes
 * go to the buffer; out_flush writes it out.  The first write error is
 * kept (o->err holds its errno) and later writes are dropped, so a tool
 * checks once, at a flush or at exit, and reports "write error: ...".
 * The fd is not closed by out_release unless o->owns_fd.
 *
 * out_behind gives a struct out on a regular file a thread of its own
 * that writes each full buffer while the caller fills the next: the
 * kernel's copy into the page cache leaves the caller's core.  out_flush
 * still returns with everything written.  A pipe gets none: in a
 * pipeline of the tools on two cores, the hand-over of each buffer to a
 * thread (and its wake-ups) measured dearer than the caller's own write,
 * whose wait for room leaves the core to the reader that makes it (on a
 * host where a wake-up costs less it may not be: bench/README).  A
 * buffer with out_mark lines is written by the caller, in one writev.
 *
 * A struct recw writes records field by field in one output format, with
 * the quoting and escaping that format needs; CSV and TSV get a header
 * line before the first record and again whenever the field names change.
 */
#ifndef OUT_H
#define OUT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "parser.h"

struct out {
	int fd;
	const char *name;	/* for diagnostics */
	char *buf;
	size_t len, cap;
	int err;		/* errno of the first failed write, or 0 */
	int owns_fd;
	/* when set, called after each write of the buffer, ok 0 when it
	 * failed: a caller that counts what it put in knows what was lost */
	void (*flushed)(void *arg, int ok);
	void *flushed_arg;
	/* when set, called before the buffer is written (out_mark's
	 * caller closes what it has open there) */
	void (*flushing)(void *arg);
	void *flushing_arg;
	struct out_writer *writer;	/* out_behind's, or NULL */
	/* writes of the buffer or of a line past it, so far: a caller that
	 * sees the count move while it wrote knows its bytes did not stay
	 * together in the buffer */
	uintmax_t writes;
	/* out_mark's lines: their text, and each one's offset in buf and
	 * length */
	struct buf marks;
	struct out_mark *mark;
	size_t nmark, markcap;
	struct iovec *iov;		/* write_marked's pieces */
	size_t iovcap;
};

void out_init(struct out *o, int fd, const char *name);
/* Open path for writing (O_APPEND when append), -1 with errno on failure. */
int out_open(struct out *o, const char *path, int append);
void out_write(struct out *o, const void *p, size_t n);
void out_putc(struct out *o, int c);
/* Room for n bytes (n at most the buffer's size, OUT_ROOM_MAX) at the
 * buffer's end, for a caller that writes a line in place; out_wrote
 * then says how many it wrote. */
#define OUT_ROOM_MAX (128 * 1024)
char *out_room(struct out *o, size_t n);
static inline void
out_wrote(struct out *o, size_t n)
{
	o->len += n;
}
void out_puts(struct out *o, const char *s);
/*
 * A line that goes out in front of buf[at..], for a caller that knows
 * what to say of bytes only once it has written them (stream-window's
 * run lines).  It does not count in o->len; the buffer goes out with
 * its marks in one writev(2).  Marks come in order of at, at most
 * o->len; a full buffer with marks is written by the caller, thread
 * or none.
 */
void out_mark(struct out *o, size_t at, const char *line, size_t len);
/* A buffer of cap bytes (larger only); the pipe behind is
 * out_pipe_size's. */
void out_grow(struct out *o, size_t cap);
/* The pipe o writes to, if it does, holds size bytes (Linux; a refusal
 * is no matter). */
void out_pipe_size(struct out *o, size_t size);
/* Write out the buffer; -1 when this or an earlier write failed. */
int out_flush(struct out *o);
/* Flush, close if owned, free; returns -1 if any write failed. */
int out_release(struct out *o);
/* Full buffers written by a thread of o's own, when o's fd is a regular
 * file and o has no flushed callback (a file does not block a writer for
 * long, and nothing counts its writes); otherwise nothing changes.  The
 * thread takes no signals: --grace does not cut its writes short (those
 * to a local file never block for long), and a file grown past
 * RLIMIT_FSIZE is a write error, EFBIG, not a SIGXFSZ.  Call it after
 * out_grow: the thread's buffer is as large as o's. */
void out_behind(struct out *o);

/* Kinds of value a created record holds: they decide the quoting. */
enum {
	OV_STR = 0,		/* text, quoted as the format needs */
	OV_NUM,			/* a number, bare in JSON */
	OV_BOOL,		/* true/false, bare in JSON */
	OV_NULL,		/* null in JSON, empty elsewhere */
	OV_RAW			/* JSON text written as is (an array, say) */
};

/*
 * Where a recw hands its records instead of writing them (-o table and
 * -o chart): each record as begin, its fields, end.  The sink is its
 * owner's.
 */
struct recw_sink {
	void (*begin)(void *arg);
	void (*field)(void *arg, const char *name, size_t nlen,
	    const char *val, size_t vlen, int kind);
	void (*end)(void *arg);
	void *arg;
};

/* The first fields' names as JSON wrote them last: records created one
 * after another name the same fields, and quoting them again was a tenth
 * of writing results. */
#define RECW_QNAMES 16

struct recw {
	struct out *o;
	int fmt;		/* enum fmt, never FMT_AUTO */
	const struct recw_sink *sink;	/* FMT_TABLE, FMT_CHART: set it */
	struct buf names;	/* this record's names, NUL-separated (CSV,
				 * TSV) */
	struct buf header;	/* names of the last CSV/TSV header written */
	struct buf vals;	/* this record's formatted values (CSV/TSV) */
	size_t nfields;
	int wrote_header;
	struct buf qnames;	/* each: the name, then it quoted, ':' too */
	struct {
		size_t off, nlen, qlen;
		const char *named;	/* recw_field_named's name, or NULL */
	} qname[RECW_QNAMES];
	size_t nqname;
};

void recw_init(struct recw *w, struct out *o, int fmt);
/* For FMT_TABLE and FMT_CHART: records go to sink, not to the out. */
void recw_set_sink(struct recw *w, const struct recw_sink *sink);
void recw_release(struct recw *w);
void recw_begin(struct recw *w);
void recw_field(struct recw *w, const char *name, size_t nlen,
    const char *val, size_t vlen, int kind);
/* recw_field of a NUL-terminated name that stays as it is while w
 * lives (the names of a tool's results): the cache knows it by its
 * address, with no strlen or compare. */
void recw_field_named(struct recw *w, const char *name, const char *val,
    size_t vlen, int kind);
void recw_end(struct recw *w);

/* A field a tool adds to a record it passes through. */
struct addfield {
	const char *name;
	const char *val;
	size_t vlen;
	int kind;		/* OV_STR, OV_NUM ... */
};

/*
 * Write the record line[0..len) as it came, with fields f[0..n) added:
 * for JSON inside the closing brace, for CSV and TSV as more cells, and
 * for logfmt, text and access logs as key=value pairs at the end.
 * out_annotate_header does the same for a CSV or TSV header line.
 */
void out_annotate(struct out *o, int fmt, const char *line, size_t len,
    const struct addfield *f, size_t n);
/*
 * The two halves of out_annotate, for a tool that keeps the formatted
 * fields while they repeat: annotate_format appends f[0..n) to b as
 * fmt writes added fields, each with its leading separator (",\"name\":v"
 * in JSON); out_insert writes the line with add[0..addlen) added.
 */
void annotate_format(struct buf *b, int fmt, const struct addfield *f,
    size_t n);
void out_insert(struct out *o, int fmt, const char *line, size_t len,
    const char *add, size_t addlen);
/* out_insert of JSON's key and integer, key as ,"name": (the comma goes
 * in an empty object), for a caller that has the number, not its text. */
void out_insert_int(struct out *o, const char *line, size_t len,
    const char *key, size_t keylen, int64_t v);
/*
 * A key for out_insert_int that keeps, after its text, the first eight
 * digits of the last number given: a number of 16 digits (the epoch
 * microseconds of stream-window's _t) shares them with its neighbours
 * for 100 seconds, and only its last eight are formatted.
 */
#define OUT_INTKEY_MAX 64
struct out_intkey {
	char text[OUT_INTKEY_MAX + 8];	/* the key, then the digits */
	size_t keylen;
	int64_t hi;			/* the number / 10^8 they are of,
					 * or -1 */
};
/* keylen at most OUT_INTKEY_MAX */
void out_intkey_init(struct out_intkey *k, const char *key, size_t keylen);
void out_insert_intkey(struct out *o, const char *line, size_t len,
    struct out_intkey *k, int64_t v);
void out_annotate_header(struct out *o, int fmt, const char *line,
    size_t len, const struct addfield *f, size_t n);

/* Append s[0..n) to b as a JSON string, quotes included. */
void json_quote(struct buf *b, const char *s, size_t n);

#endif
