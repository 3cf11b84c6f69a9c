/*
 * reader.h - lines from a file descriptor, read in large blocks.
 *
 * A struct reader owns its buffer and, when it opened it, the descriptor.
 * reader_next returns each line as a slice of the buffer, without its
 * "\n" or "\r\n"; the slice stays valid until the next call.  Lines have
 * no length limit but memory, may hold NUL bytes, and a last line without
 * "\n" is still a line.  reader_more extends the current record by the
 * next line, for formats whose records span lines (CSV).
 *
 * When a read would block (a pipe or terminal with nothing ready), the
 * reader calls wait(arg) first: the tool flushes its output there and
 * fires timers, and returns how many milliseconds the reader may sleep
 * in poll(2) before calling it again (-1: until input comes).
 *
 * A pipe that has given READER_BULK bytes without the reader ever
 * finding it empty is a bulk source (a file or a fast program behind
 * it, not a live stream): the reader grows the pipe's buffer (Linux),
 * and ahead.c may take over its reads (reader_push gives back what it
 * read and did not hand on).
 */
#ifndef READER_H
#define READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct reader {
	int fd;
	const char *name;	/* "<stdin>" or the path, for diagnostics */
	char *buf;
	size_t cap;
	size_t start, end;	/* unread bytes are buf[start..end) */
	size_t scan;		/* buf[start..scan) is known to hold no "\n" */
	size_t rec;		/* start of the record being returned */
	uintmax_t lineno;	/* lines returned so far */
	off_t offset;		/* file offset of buf[0] */
	size_t max_line;	/* longer lines are skipped (0: no limit) */
	int skipping;		/* inside a line that is too long */
	int eof;
	int isreg;		/* a regular file: reads never block */
	int ispipe;		/* a pipe or socket: its bytes come once */
	uint64_t ready_bytes;	/* read since the input was last found
				 * empty (pipes) */
	int owns_fd;
	int hold_partial;	/* at end of input, keep back a last line
				 * without "\n": a writer may be finishing it */
	int cut;		/* a signal ended the input: a last line
				 * without "\n" was cut, not read */
	int (*wait)(void *arg);
	void *wait_arg;
	/* called (when set) before the bytes of the lines returned move or
	 * go: a caller that holds slices of them writes them out there */
	void (*moving)(void *arg);
	void *moving_arg;
	/* a pipe's write end, or -1: what is read from a pipe is first
	 * copied there by tee(2), page references and not bytes (Linux),
	 * up to offset teed; when it cannot be, tee is -1 from then on */
	int tee;
	off_t teed;
	size_t peek;		/* when not 0, the next read takes at most
				 * this many bytes (reader_splice's) */
	size_t read_max;	/* when not 0, no read takes more */
};

/* Open path ("-" is stdin); -1 with errno when it cannot be opened. */
int reader_open(struct reader *r, const char *path);
void reader_fdopen(struct reader *r, int fd, const char *name);
/*
 * 1 and the next line, 0 at end of input, -1 on a read error (errno), or
 * READER_TOOLONG when the next line was longer than max_line: it was
 * skipped, its bytes never held at once, and lineno counts it.
 */
#define READER_TOOLONG (-2)
#define READER_MAX_LINE_DEFAULT ((size_t)256 << 20)
int reader_next(struct reader *r, const char **line, size_t *len);
/* Extend the last line returned by the next one, "\n" between them kept:
 * 1 and the whole record, 0 when input ended first, -1 on error. */
int reader_more(struct reader *r, const char **line, size_t *len);
/* A byte count with an optional k, M or G suffix (powers of 1024), as
 * --max-line-bytes takes it: 0 and *n, or -1. */
int reader_size_parse(const char *s, size_t *n);
/* Bytes read from r's descriptor elsewhere, to be read next, after what
 * r holds unread; the caller sets eof and cut when the input ended. */
void reader_push(struct reader *r, const char *p, size_t n);
/*
 * Move the next n bytes of input to the descriptor out, unread, when r
 * holds none unread: splice(2) from a pipe (Linux), read and write where
 * the kernel cannot.  The next read takes at most peek bytes (0: as
 * usual).  The bytes moved, fewer when input ended first; -1 with errno
 * when writing failed, or on a stop signal once sig_give_up says so
 * (ETIME): a stop does not cut the bytes short by itself.
 */
ssize_t reader_splice(struct reader *r, int out, size_t n, size_t peek);
/* Has r proven a bulk source (a pipe READER_BULK bytes ahead of it)? */
#define READER_BULK ((uint64_t)1 << 20)
int reader_bulk(const struct reader *r);
/* The file offset just past the last line returned. */
off_t reader_offset(const struct reader *r);
void reader_close(struct reader *r);

#endif
