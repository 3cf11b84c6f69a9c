/*
 * progress.h - --progress: bytes, records, rate and watermark on stderr,
 * a few times a second, on one line rewritten in place; nothing at all
 * when stderr is not a terminal.  Owns nothing.
 */
#ifndef PROGRESS_H
#define PROGRESS_H

#include <stdint.h>

#include "clock.h"
#include "time.h"

struct progress {
	int on;
	struct monotime start, next;
	int shown;		/* a line is on the terminal */
	unsigned calls;		/* the clock is read every 4 calls */
};

/* On when asked and stderr is a terminal. */
void progress_init(struct progress *p, int asked);
/* Show the counts if a quarter second passed since the last time; wm is
 * EVTIME_MIN when there is none to show.  Cheap to call often. */
void progress_tick(struct progress *p, uintmax_t bytes, uintmax_t records,
    evtime wm);
/* The last counts, and the end of the line. */
void progress_done(struct progress *p, uintmax_t bytes, uintmax_t records,
    evtime wm);

#endif
