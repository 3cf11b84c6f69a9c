/*
 * pipewait.h - how long the events written to a pipe waited before its
 * reader read them, with nothing but the pipe to go by.  Each event given
 * is stamped with the time and the offset of its end in all the bytes
 * given; whenever the writer looks, the bytes the reader has taken are
 * those written less those still in the pipe (FIONREAD), and each stamped
 * event that ends within them was read: it waited from its stamp till
 * then.  So a wait is known when the writer looks, not sooner:
 * pipewait_next says when to look again.
 *
 * The stamps are a ring of PIPEWAIT_RING: while it is full, the events
 * given are not stamped, so that memory never grows with the input; the
 * waits are then a sample (those of the events given when the reader had
 * caught up enough to make room).
 *
 * A struct pipewait owns its ring; the summary it adds waits to is the
 * caller's.
 */
#ifndef PIPEWAIT_H
#define PIPEWAIT_H

#include <stddef.h>
#include <stdint.h>

#include "summary.h"

#define PIPEWAIT_RING 4096

struct pipewait_stamp {
	uint64_t end;			/* the offset of the event's end */
	int64_t t;			/* when it was given, microseconds */
};

struct pipewait {
	struct pipewait_stamp *ring;	/* made at the first stamp */
	size_t head, n;			/* the oldest, and how many */
	uintmax_t unstamped;		/* events given while it was full */
};

void pipewait_init(struct pipewait *w);
void pipewait_release(struct pipewait *w);
/* An event that ends at byte end of all given (ends never go back),
 * given at t: 1 when stamped, 0 when the ring was full. */
int pipewait_stamp(struct pipewait *w, uint64_t end, int64_t t);
/*
 * The reader has taken the first consumed bytes, seen at now: each
 * stamped event that ends within them waited now less its stamp, in
 * seconds, added to s, and is forgotten.  How many there were.
 */
size_t pipewait_read(struct pipewait *w, uint64_t consumed, int64_t now,
    struct summary *s);
/* Forget every stamp: their events will not be read (lost). */
void pipewait_clear(struct pipewait *w);
/*
 * When to look next, written bytes of all given being in the pipe: in
 * ms, an eighth of the oldest stamped event's wait so far, from 1 ms to
 * a second (a wait is measured within 1/8 of itself, looking at most
 * about 30 times over); -1 when no stamped event is in the pipe.
 */
int pipewait_next(const struct pipewait *w, uint64_t written, int64_t now);

#endif
