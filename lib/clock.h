/*
 * clock.h - the clocks: the wall clock as event time, processing time for
 * triggers (both of which a test may fix or move), and monotonic time
 * for timers, a type of its own so that it cannot be mixed with event
 * time by accident.  Owns nothing.
 */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

#include "time.h"

/*
 * The wall clock as event time.  When the environment variable
 * STREAMKIT_NOW holds an RFC 3339 time or epoch seconds, that fixed time is
 * returned instead, so that tests are deterministic.
 */
evtime wall_now(void);

/*
 * Processing time, for triggers such as after(D): the wall clock, or,
 * when the environment variable STREAMKIT_CLOCK names a file, the time
 * written in it (RFC 3339 or epoch seconds), read again at each call, so
 * that a test moves the clock by writing the file.  proc_clock_injected
 * says which, so that a tool polls often enough to see the file change.
 */
evtime proc_now(void);
int proc_clock_injected(void);

struct monotime {
	int64_t us;
};
struct monotime mono_now(void);

#endif
