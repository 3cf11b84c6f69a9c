/*
 * trigger.h - when a window fires: Apache Beam's triggers, as an
 * expression, and their state per window, record by record.
 *
 *   trigger := "watermark" [ "(" [ "early=" T ] [ "," ] [ "late=" T ] ")" ]
 *            | "count(" N ")" | "after(" DURATION ")"
 *            | "repeat(" T ")" | "any(" T { "," T } ")"
 *            | "all(" T { "," T } ")" | "each(" T { "," T } ")"
 *            | "until(" T "," T ")"
 *
 * watermark is AfterWatermark.pastEndOfWindow(), with early and late
 * firings that repeat; count(N) AfterPane.elementCountAtLeast; after(D)
 * AfterProcessingTime.pastFirstElementInPane().plusDelayOf(D); repeat
 * Repeatedly.forever; any AfterFirst; all AfterAll; each AfterEach.inOrder;
 * until(T, S) T.orFinally(S).  The default, "watermark" with late firings
 * for each late record, is repeat(watermark), Beam's DefaultTrigger.
 *
 * A struct trigger is the parsed tree; it owns its nodes.  A window's
 * state is an array of struct trigger_node_state, one per node, that the
 * caller keeps (trigger_state_size) and that owns nothing.
 */
#ifndef TRIGGER_H
#define TRIGGER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "time.h"

enum trigger_kind {
	TRIG_WATERMARK, TRIG_COUNT, TRIG_AFTER, TRIG_REPEAT, TRIG_ANY,
	TRIG_ALL, TRIG_EACH, TRIG_UNTIL
};

struct trigger {
	int kind;
	int64_t n;			/* count: N; after: microseconds */
	struct trigger **sub;		/* children; watermark: early, late */
	size_t nsub;
	size_t index;			/* this node's place in a state array */
	size_t nodes;			/* the root: nodes in the tree */
};

struct trigger_node_state {
	int64_t count;			/* elements since the last reset */
	int64_t deadline;		/* after: processing time, 0: unset */
	int done;			/* finished */
	int ontime;			/* watermark: the on-time pane fired */
	size_t current;			/* each: the child now running */
};

/* Parse expr; NULL with "at N: message" (N from 1) in err. */
struct trigger *trigger_parse(const char *expr, char *err, size_t errlen);
void trigger_free(struct trigger *t);
/* The canonical text, which trigger_parse reads back. */
void trigger_format(struct buf *b, const struct trigger *t);

/* The state array a window needs, and a fresh one. */
size_t trigger_state_size(const struct trigger *t);
void trigger_state_init(const struct trigger *t, struct trigger_node_state *s);

/*
 * What a firing sees: the window's end, the watermark and processing
 * time now.  end is exclusive: the watermark is past the end when it is
 * at or beyond it.
 */
struct trigger_now {
	evtime end, wm;
	int64_t proc;			/* processing time, microseconds */
};

/* An element came to the window. */
void trigger_on_element(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now);
/* 1 when the window should fire now. */
int trigger_should_fire(const struct trigger *t,
    const struct trigger_node_state *s, const struct trigger_now *now);
/* It fired: advance the state; 1 when the trigger is now finished (the
 * pane was final). */
int trigger_on_fire(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now);
/* The earliest processing time at which the window may fire, or 0. */
int64_t trigger_deadline(const struct trigger *t,
    const struct trigger_node_state *s);
/* 1 when some part of t runs on processing time (after). */
int trigger_uses_clock(const struct trigger *t);
/* 1 when the trigger has finished: no pane follows, and later records
 * for the window are dropped. */
int trigger_finished(const struct trigger *t,
    const struct trigger_node_state *s);

#endif
