/*
 * runline.h - run lines (punct.h) put in front of the records they speak
 * for, and the name of a pipe as run lines give it.
 *
 * A struct runw follows the records a tool writes to a struct out on a
 * pipe.  Records that follow one another, of one window and whole in the
 * out's buffer, make a run; when anything else comes (another window, a
 * control line, the buffer going out) the run ends, and one of
 * RUNW_MIN_BYTES or more gets its run line, in front of it, by out_mark.
 * A reader behind the pipe that wants no more of those records than
 * their times then passes them on unread.
 *
 * A struct runw owns its line's text; the out stays its owner's, and
 * runw_init makes the runw the out's flushing callback.
 */
#ifndef RUNLINE_H
#define RUNLINE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "out.h"
#include "punct.h"
#include "time.h"

/* Shorter runs are read as any other lines: a run line and the moving
 * of its bytes cost a reader more than reading them. */
#define RUNW_MIN_BYTES (16 * 1024)
/* The out's pipe, with run lines: a run is no longer than a buffer (runs
 * of 128 kB cost the tool behind twice the time in moves and wakings). */
#define RUNW_PIPE (1024 * 1024)
/* The out's buffer: it and the run lines it can hold (one per
 * RUNW_MIN_BYTES) fit in the pipe, so that a buffer written to an empty
 * pipe is there whole, and the reader moves its runs in one splice each
 * without waking the writer for the last few bytes (a buffer of the
 * pipe's size cost the tool behind a third more time, and the one after
 * it a third more wake-ups). */
#define RUNW_BUFFER (RUNW_PIPE - RUNW_PIPE / RUNW_MIN_BYTES * PUNCT_RUN_LEN)
/* "D:I", the decimal device and inode numbers of a pipe, and a NUL. */
#define RUNLINE_PIPE_MAX 48

struct runw {
	struct out *o;
	char pipe[RUNLINE_PIPE_MAX];	/* o's pipe; "" when o is on none
					 * (no run lines, then) */
	size_t pipelen;
	size_t off;			/* the run's first byte in o->buf */
	uint64_t n, bytes, longest;	/* its records; bytes, "\n"s too */
	evtime min_t, max_t, win;	/* its times, and their window */
	struct buf line;
};

/* Follow the records written to o, when o writes to a pipe. */
void runw_init(struct runw *w, struct out *o);
void runw_release(struct runw *w);
/* Whether run lines are written at all (o is on a pipe). */
static inline int
runw_on(const struct runw *w)
{
	return w->pipelen > 0;
}
/*
 * A record, just written to o's buffer at o->buf[off..o->len), with
 * event time t in the window that starts at win; writes is o->writes as
 * it was before the record was written (when it moved, the record did
 * not stay whole in the buffer, and starts no run).
 */
void runw_record(struct runw *w, size_t off, uintmax_t writes, evtime t,
    evtime win);
/* What o gets next is no record of the run: the run ends before it. */
void runw_cut(struct runw *w);

/* fd's pipe as a run line names it, "D:I", in name[size]: the name's
 * length, or 0 when fd is not a pipe. */
size_t runline_pipe(int fd, char *name, size_t size);

#endif
