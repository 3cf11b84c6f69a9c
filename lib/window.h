/*
 * window.h - window assignment, as Apache Beam's window functions do it.
 *
 * A window is the half-open interval [start, end) of event time.
 * Tumbling windows are [k*size + offset, (k+1)*size + offset), with floor
 * arithmetic so that times before the epoch fall in the right one;
 * sliding windows start every period and last size, so a record is in
 * size/period of them; a session window is first the proto-window
 * [t, t + gap) of its record, which whoever holds the state merges with
 * the overlapping ones of its key; the global window holds all time.
 * With a time zone, day and week windows follow local midnight (weeks
 * start on Monday), so a day in which the clocks change lasts 23 or 25
 * hours.  A struct windowing owns its time zone.
 */
#ifndef WINDOW_H
#define WINDOW_H

#include <stddef.h>

#include "time.h"
#include "tz.h"

enum window_kind {
	WINDOW_NONE = 0, WINDOW_TUMBLING, WINDOW_SLIDING, WINDOW_SESSION,
	WINDOW_GLOBAL
};

struct windowing {
	int kind;		/* enum window_kind */
	int64_t size;		/* tumbling, sliding: microseconds */
	int64_t period;		/* sliding */
	int64_t offset;		/* tumbling, sliding */
	int64_t gap;		/* session */
	struct tz *tz;		/* NULL: UTC; else size is whole days or weeks */
};

struct window {
	evtime start, end;
};

#define WINDOW_GLOBAL_START EVTIME_MIN
#define WINDOW_GLOBAL_END EVTIME_MAX

/* The most windows window_assign gives for one time. */
size_t window_count(const struct windowing *w);
/*
 * The windows that hold t, oldest first, into out (room for
 * window_count(w)); returns how many.  Returns 0 when a window's bounds
 * would overflow event time.
 */
size_t window_assign(const struct windowing *w, evtime t, struct window *out);
/* window_assign for a stream whose records mostly fall in the window of
 * the record before: *last (zeroed at first) holds a tumbling stream's
 * last window, and a time inside it costs no arithmetic. */
size_t window_assign_last(const struct windowing *w, evtime t,
    struct window *out, struct window *last);
/* Check w (sizes positive, period dividing nothing odd, tz sizes whole
 * days); 0, or -1 with a static message in *err. */
int window_check(const struct windowing *w, const char **err);
const char *window_kind_name(int kind);

#endif
