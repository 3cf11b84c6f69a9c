/*
 * ahead.h - the lines of a regular file or of a bulk pipe, read in blocks
 * and parsed by two threads, handed back one at a time in input order.
 *
 * Parsing is most of a record's cost, and a regular file never blocks, so
 * a second thread can parse blocks ahead of the one that routes and
 * aggregates.  The second thread reads the blocks and parses the newest
 * unclaimed one; ahead_next parses, in the calling thread, a block the
 * second thread has not claimed.  So neither waits for the other while
 * there is a block to parse, and no line is parsed twice: the second
 * thread parses a whole block, or, of a block of very short lines, the
 * first capmarks, and the caller the rest.  A second thread that waits
 * for a free slot of a file is woken when AHEAD_WAKE_SLOTS are, and reads
 * that many blocks in a row.
 *
 * A pipe that keeps its reader busy (reader.h) is read the same way.
 * When it goes quiet, a block is handed on with the lines that came, and
 * ahead_next waits as reader_next would, calling the reader's wait.
 * While the caller has blocks to work on, the second thread reads a
 * pipe only when a whole block waits in it (ahead_read_now).  A pipe
 * read as fast as it fills is read a write at a time: its writer wakes
 * the reading thread onto the writer's own processor (a pipe's wake-ups
 * are synchronous), the two take turns there, and the caller, on the
 * other processor, waits for blocks.  Left to fill, the pipe is read a
 * block at a time, and a caller with no block to take while the second
 * thread is busy reads the next block itself, and parses it.  A pipe's
 * second thread runs at a lower priority (AHEAD_PIPE_NICE): on its
 * processor, the pipe's writer comes first.
 *
 * A struct ahead owns its blocks, its thread, that thread's parser and
 * copy of the fieldset, and (pipes) the socket pair the threads wake
 * each other through; the reader, its descriptor, the fieldset and
 * the caller's parser stay the caller's.  The caller may change its
 * fieldset (a control line may add fields), but then stops and starts
 * again: lines parsed ahead have only the fields of the copy.
 * Lines are as reader_next gives them (no "\n" or "\r\n"; a last line
 * without "\n" is a line unless a signal cut the input), and the reader's
 * lineno and offset follow the lines handed back.  A block's lines stay
 * where they are until the reader's moving is called (reader.h), before
 * the block goes back to the ring and at ahead_stop.
 */
#ifndef AHEAD_H
#define AHEAD_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "reader.h"
#include "parser.h"
#include "record.h"

#define AHEAD_BLOCKS 4
/* free slots for which a second thread waiting for one is woken */
#define AHEAD_WAKE_SLOTS 2
/* how much nicer a pipe's second thread is than the thread that starts
 * it (Linux; 19 at most) */
#define AHEAD_PIPE_NICE 5

/* ahead_line.kind */
enum { AHEAD_RECORD, AHEAD_CONTROL, AHEAD_TOOLONG };

/* One line as the second thread left it; offsets into its block. */
struct ahead_mark {
	uint32_t off, len;	/* the line to parse (after_tab applied) */
	uint32_t next;		/* just past its "\n" */
	int16_t kind, rc;
	uint32_t err;		/* offset of rc's message in the block's errs */
};

struct ahead_block {
	/* a line or more each: the second thread fills one while the
	 * caller reads another's fields at every record */
	_Alignas(CACHE_LINE) char *buf;
	size_t len;		/* whole lines (but at the end of input) */
	off_t offset;		/* of buf[0] in the file */
	int state;
	struct ahead_mark *marks;	/* the lines the second thread parsed */
	size_t nmarks;
	struct val *vals;	/* nv per mark */
	struct buf errs;
};

struct ahead_line {
	const char *line;	/* control lines: as read; records: as parsed */
	size_t len;
	int kind;
	int rc;			/* records: parser_parse's verdict */
	const char *err;	/* with PARSE_ERROR */
	struct val *v;		/* the fields, valid until the next call */
};

struct ahead {
	/* set up by ahead_start */
	struct reader *r;
	struct parser *ps;	/* the caller's, for the blocks it parses */
	struct val *v;		/* the caller's room for those fields */
	size_t nv;
	size_t max_line;
	int after_tab;
	size_t blocksize;
	size_t capmarks;	/* lines per block the second thread parses */

	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;	/* the second thread's: a free or read block */
	pthread_cond_t ready;	/* the caller's: a block read or parsed */
	struct ahead_block blocks[AHEAD_BLOCKS];
	uint64_t nread;		/* blocks read so far */
	uint64_t ntaken;	/* blocks the caller has started */
	int eof, err, cut, stop;
	int bail;		/* at eof: a line of a block or more is next */
	int ended;		/* at eof: the input ended */
	int pipe;		/* reads may block, and come once */
	int sv[2];		/* pipes: the caller's end of a socket pair,
				 * the second thread's */
	int reading;		/* a thread reads the next block: its
				 * slot, the carry and readoff are its */
	uint64_t nself;		/* blocks the caller read itself */
	uint64_t nwoken;	/* times the caller woke the second thread */
	uint64_t nslot_waits;	/* times the second thread began to wait
				 * for a free slot */
	size_t fill;		/* pipes: what a pipe is left to hold while
				 * the caller has blocks (ahead_read_now) */
	int quiet;		/* pipes: the last read found nothing more */
	int starved;		/* pipes: the second thread waits for input */
	uint64_t nstarved;	/* pipes: times it began to */
	uint64_t seen;		/* pipes: the last of those times the caller
				 * saw input come (so waits no more) */
	int polling;		/* pipes: the caller waits for a block */
	/* the second thread's own, read at every record: on lines apart
	 * from the shared state above and the caller's place below */
	_Alignas(CACHE_LINE) struct fieldset fs;	/* its copy */
	struct parser wps;	/* the second thread's */
	struct buf carry;	/* the reading thread's: a line begun */
	off_t readoff;		/* the reading thread's: the offset, as r's */
	off_t base;		/* where r's offset 0 is in the file */

	/* the caller's place, written at every record */
	_Alignas(CACHE_LINE) struct ahead_block *cur;
	size_t mark, pos;	/* the next mark, and byte past marks */
};

/*
 * What the read loop makes of a line before parsing it, in this order: a
 * line longer than max_line (0: no limit) is AHEAD_TOOLONG, a control
 * line AHEAD_CONTROL; else, with after_tab, a line "KEY<TAB>REST" that
 * does not start with '{' becomes REST, and it is an AHEAD_RECORD.
 */
int ahead_classify(const char **line, size_t *len, size_t max_line,
    int after_tab);
/*
 * Is a second thread worth it for the rest of r, on a machine with two
 * processors or more: a regular file with at least a few blocks left, or
 * a pipe that has proven a bulk source (reader_bulk).  A pipe that brings
 * another of the tools' stream (behind_tools) wants three: in a pipeline
 * the tools before keep the second busy, and the thread would only hand
 * each block to it and back.
 */
int ahead_worth(const struct reader *r, int behind_tools);
/*
 * Should the second thread read now, with queued blocks read that the
 * caller has not begun, and waiting bytes in a pipe (FIONREAD) after
 * the carry's?  A file: always; a pipe: when the caller has nothing
 * queued (it would wait, or read itself) or fill bytes are there (a
 * block, or half the pipe when it holds less).
 */
int ahead_read_now(int pipe, uint64_t queued, size_t waiting, size_t carry,
    size_t fill);
/*
 * Start at reader_offset(r), dropping what r has buffered (from a pipe,
 * taking it over): 0, or -1 when no thread could start (the caller reads
 * on alone).  ps is the caller's parser, its format known (never
 * FMT_AUTO, CSV or TSV); v has room for fs->n values.  blocksize 0 is
 * the default.
 */
int ahead_start(struct ahead *a, struct reader *r, struct parser *ps,
    struct val *v, size_t max_line, int after_tab, size_t blocksize);
/*
 * 1 and the next line; 0 at the end of input; -1 on a read error (errno);
 * AHEAD_SERIAL when a line longer than a block comes next: ahead_stop,
 * then the reader goes on from there.
 */
#define AHEAD_SERIAL (-3)
/* How far past that line the reader goes on alone before ahead_start is
 * worth trying again (the blocks it reads again are at most this). */
#define AHEAD_GAP ((off_t)AHEAD_BLOCKS * 256 * 1024)
int ahead_next(struct ahead *a, struct ahead_line *l);
/* Stop the thread, free the blocks, and leave r just past the last line
 * handed back, ready to read on: its buffer empty, or, from a pipe,
 * holding what was read and not handed back. */
void ahead_stop(struct ahead *a);

#endif
