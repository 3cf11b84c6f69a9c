/*
 * watermark.h - the event-time watermark: "no record with event time
 * below W is expected any more".
 *
 * W is the largest event time seen minus max_delay (bounded
 * out-of-orderness), never moving back; before any record it is
 * EVTIME_MIN, and at end of input EVTIME_MAX.  A record more than max_jump
 * ahead of W (when max_jump is set) is an outlier: it does not move W, so
 * that one wild timestamp cannot make every later record late.  With idle
 * set, after that long without input W follows the wall clock, less
 * max_delay.  Owns nothing.
 */
#ifndef WATERMARK_H
#define WATERMARK_H

#include "time.h"

struct watermark {
	int64_t max_delay;	/* microseconds */
	int64_t max_jump;	/* 0: no outlier guard */
	int64_t idle;		/* 0: never follow the wall clock */
	evtime max_seen;	/* EVTIME_MIN before the first record */
	evtime wm;
};

void watermark_init(struct watermark *w, int64_t max_delay);
/* 1 when t is too far ahead of the watermark to be believed. */
int watermark_outlier(const struct watermark *w, evtime t);
/* Take a record's event time into account; 1 when the watermark moved. */
int watermark_observe(struct watermark *w, evtime t);
/* Raise the watermark to at least t (a watermark line); 1 when it moved. */
int watermark_raise(struct watermark *w, evtime t);
/* Input was silent for idle: follow the wall clock; 1 when it moved. */
int watermark_idle(struct watermark *w, evtime wall);
/* End of input. */
void watermark_end(struct watermark *w);
/* 1 when a window ending at end, with lateness allowed, has expired. */
int watermark_expired(const struct watermark *w, evtime end,
    int64_t lateness);

#endif
