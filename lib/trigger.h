/*
 * trigger.h - when a window fires: Apache Beam's triggers, as an
 * expression, and their state machines per window, record by record.
 *
 *   trigger := "watermark" [ "(" part [ "," part ] ")" ]
 *            | "count(" N ")" | "after(" DURATION ")"
 *            | "repeat(" T ")" | "until(" T "," STOP ")"
 *            | "any(" T { "," T } ")" | "all(" T { "," T } ")"
 *            | "each(" T { "," T } ")"
 *   part    := "early=" T | "late=" T
 *
 * Blanks may go between tokens.  N is a whole number from 1; DURATION is
 * as duration_parse reads it (250ms, 30s, 1h30m), above zero.
 *
 * As Beam's triggers (runners-core's TriggerStateMachines):
 *   watermark           AfterWatermark.pastEndOfWindow()
 *   watermark(early=E, late=L)
 *                       .withEarlyFirings(E).withLateFirings(L)
 *                       (AfterWatermarkEarlyAndLate)
 *   count(N)            AfterPane.elementCountAtLeast(N)
 *   after(D)            AfterProcessingTime.pastFirstElementInPane()
 *                       .plusDelayOf(D)
 *   repeat(T)           Repeatedly.forever(T)
 *   any(...)            AfterFirst.of(...)
 *   all(...)            AfterAll.of(...)
 *   each(...)           AfterEach.inOrder(...)
 *   until(T, STOP)      T.orFinally(STOP)
 * The default trigger is TRIGGER_DEFAULT, repeat(watermark): Beam's
 * DefaultTrigger, which fires when the watermark passes the end of the
 * window and then once for each late record within the allowed lateness.
 *
 * Where Beam's SDK allows only "once" triggers (early and late firings,
 * the children of any and all, STOP) any trigger is accepted here, and
 * early=E and late=L fire as repeat(E) and repeat(L) would: E is started
 * afresh when it finishes.  For once triggers that is Beam's behaviour.
 *
 * A struct trigger is the parsed tree; it owns its nodes.  A window's
 * state is a flat array of struct trigger_node_state, one per node
 * (trigger_state_size), that the caller allocates and keeps; it owns
 * nothing, so it may be copied, saved and restored field by field.  No
 * function here allocates except trigger_parse, and none reads a clock:
 * processing time comes in with struct trigger_now.
 *
 * Evaluation points are the caller's, as in Beam's ReduceFnRunner: call
 * trigger_should_fire after each record of the window (trigger_on_element
 * first), when the watermark first reaches the window's end, and when
 * processing time reaches trigger_deadline; after each one that says yes,
 * write the pane and call trigger_on_fire.
 */
#ifndef TRIGGER_H
#define TRIGGER_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "time.h"
#include "window.h"

#define TRIGGER_DEFAULT "repeat(watermark)"

/* When a pane fires: before its window's end, at it, or after it. */
enum pane_timing { TIMING_EARLY = 0, TIMING_ON_TIME, TIMING_LATE };

enum trigger_kind {
	TRIG_WATERMARK, TRIG_COUNT, TRIG_AFTER, TRIG_REPEAT, TRIG_ANY,
	TRIG_ALL, TRIG_EACH, TRIG_UNTIL
};

struct trigger {
	int kind;			/* enum trigger_kind */
	int64_t n;			/* count: N; after: microseconds */
	struct trigger **sub;		/* children; watermark: early, late,
					 * either NULL */
	size_t nsub;
	size_t index;			/* this node's slot in a state array */
	size_t nodes;			/* the root: slots in a state array */
	int merging;			/* windows may merge: trigger_set_merging */
};

/*
 * One node's state in one window.  done is Beam's finished bit; the rest
 * is the node's own state, which Beam's clear() empties and its
 * resetTree() empties with the finished bits of the subtree.
 */
struct trigger_node_state {
	int64_t count;			/* records since the node was cleared;
					 * after: its deadline is set when > 0 */
	int64_t deadline;		/* after: processing time to fire at */
	int done;			/* finished */
	int ontime;			/* watermark: the on-time pane fired
					 * (its early part is finished) */
	size_t current;			/* each: the first unfinished child */
};

/*
 * What an evaluation sees: the window's end (exclusive), the input
 * watermark, and processing time in microseconds (the caller's clock,
 * which must not go back).  The watermark is past the end of [start, end)
 * when wm >= end, that is when it is after the window's last instant,
 * end - 1: Beam's maxTimestamp().isBefore(watermark).
 */
struct trigger_now {
	evtime end, wm;
	int64_t proc;
};

/* Parse expr; NULL with "at N: message" in err (N the 1-based byte). */
struct trigger *trigger_parse(const char *expr, char *err, size_t errlen);
void trigger_free(struct trigger *t);
/* Append the canonical text, which trigger_parse reads back as the same
 * trigger: no blanks, early before late, durations in their largest
 * exact unit (90s, 1500ms). */
void trigger_format(struct buf *b, const struct trigger *t);
/* The name of kind, an enum trigger_kind; "?" past them. */
const char *trigger_kind_name(int kind);
/* The name of timing, an enum pane_timing: "early", "on_time", "late". */
const char *pane_timing_name(int timing);
/* Say whether t runs over windows that may merge (sessions).  As in Beam,
 * watermark and each then keep all their children's state up to date, so
 * that trigger_on_merge can bring a finished child back. */
void trigger_set_merging(struct trigger *t, int merging);
/* 1 when some part of t runs on processing time (after). */
int trigger_uses_clock(const struct trigger *t);
/* 1 when t fires only once the watermark passes the window's end (plain
 * watermark, and repeat of it): before then, records need not ask it. */
int trigger_waits_for_end(const struct trigger *t);

/* The number of slots a window's state array needs. */
size_t trigger_state_size(const struct trigger *t);
/* Make s (trigger_state_size(t) slots) the state of a new window. */
void trigger_state_init(const struct trigger *t, struct trigger_node_state *s);

/* A record came to the window (Beam's onElement).  Call it only for a
 * window whose trigger is not finished: the record of a finished one is
 * dropped. */
void trigger_on_element(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now);
/* n records at once, with nothing asked of the trigger between them:
 * the state n calls of trigger_on_element with the same now leave. */
void trigger_on_elements(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now, int64_t n);
/*
 * Windows merged (Beam's onMerge): dst, trigger_state_size(t) slots and
 * not one of srcs, becomes the state of the merged window, whose end and
 * the watermark now gives, from the states of the n windows it covers.
 * Counts add up, after's deadline is the earliest, a watermark that fired
 * on time in every source stays so only when the merged window's end is
 * reached too (else it runs again, and when that end is already reached
 * it fires at once, late); the finished bits follow each Beam class.
 */
void trigger_on_merge(const struct trigger *t, struct trigger_node_state *dst,
    const struct trigger_node_state *const *srcs, size_t n,
    const struct trigger_now *now);
/* 1 when the window should fire now (Beam's shouldFire); 0 once the
 * trigger has finished. */
int trigger_should_fire(const struct trigger *t,
    const struct trigger_node_state *s, const struct trigger_now *now);
/* The window fired (Beam's onFire): advance the state; 1 when the trigger
 * is now finished, so that this pane is its last. */
int trigger_on_fire(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now);
/* 1 when the trigger has finished: no pane follows, and later records
 * for the window are dropped (Beam's closed window). */
int trigger_finished(const struct trigger *t,
    const struct trigger_node_state *s);
/*
 * The earliest processing-time deadline of an after() that can make the
 * window fire, or 0 for none.  Past deadlines stay until that part fires
 * (all() may wait on another child), so a caller that polls takes
 * trigger_next_deadline, the earliest one after proc, or 0.
 */
int64_t trigger_deadline(const struct trigger *t,
    const struct trigger_node_state *s);
int64_t trigger_next_deadline(const struct trigger *t,
    const struct trigger_node_state *s, int64_t proc);

/*
 * Allowed lateness.  A window [start, end) expires when the watermark is
 * past its last instant plus the lateness, end - 1 + lateness <
 * watermark (Beam's LateDataUtils: maxTimestamp + allowedLateness is
 * before the input watermark), that is when wm >= trigger_expiry(w,
 * lateness).  Then its records are dropped as late and its state goes.
 * The sum saturates at EVTIME_MAX, so that every window, the global one
 * included, expires at the end of input (the watermark at EVTIME_MAX).
 */
evtime trigger_expiry(const struct window *w, int64_t lateness);
int trigger_expired(const struct window *w, int64_t lateness, evtime wm);

/*
 * Panes, as Beam's PaneInfoTracker and ReduceFnRunner give them.  A
 * pane's index counts the panes written for the window, from 0; its
 * timing is
 *   late     when an on-time or late pane was written before, or the
 *            watermark is past the end and no record came to the window
 *            before it was (nothing held the output watermark back:
 *            Beam's isLateForOutput);
 *   early    when the watermark is before the end;
 *   on_time  else: the first pane once the watermark is past the end.
 * A firing whose pane is empty (no record since the last pane, in
 * either accumulation mode: Beam's NonEmptyPanes) is written only as the
 * stream's empty-pane rules say (below; by default only when it is on
 * time); one not written does not use up an index.  A merged window's
 * panes count from 0 again: trigger_pane_merge.
 */

/*
 * Which empty panes are written, a set of bits: Beam's OnTimeBehavior
 * (EMPTY_ON_TIME: FIRE_ALWAYS, its default; without it FIRE_IF_NON_EMPTY)
 * and ClosingBehavior (EMPTY_CLOSING: FIRE_ALWAYS; without it, Beam's
 * default, FIRE_IF_NON_EMPTY).  With EMPTY_CLOSING a final pane is
 * written even when empty, and a window that expires before its trigger
 * has finished gets one then: its closing pane.
 */
enum { EMPTY_ON_TIME = 1, EMPTY_CLOSING = 2, EMPTY_DEFAULT = EMPTY_ON_TIME };

struct trigger_pane {
	long next;			/* the index of the next pane written */
	int nonearly;			/* an on-time or late pane was written */
	int held;			/* a record came before the end */
};

struct trigger_pane_info {
	long index;
	int timing;			/* enum pane_timing */
	int final;
};

void trigger_pane_init(struct trigger_pane *p);
/* A record came to window w at watermark wm. */
void trigger_pane_element(struct trigger_pane *p, const struct window *w,
    evtime wm);
/* The panes of a window merged from n windows: index 0 again, held when a
 * source still held the watermark (had records, no on-time pane yet). */
void trigger_pane_merge(struct trigger_pane *dst,
    const struct trigger_pane *const *srcs, size_t n);
/*
 * w fired at watermark wm; empty: no record since the last pane; final:
 * no pane follows (trigger_on_fire said so, or w expires); rules: the
 * EMPTY_ bits.  Fills *info and returns 1 when the pane is to be written,
 * counting it, or returns 0 when it is not.
 */
int trigger_pane_fire(struct trigger_pane *p, const struct window *w,
    evtime wm, int empty, int final, int rules,
    struct trigger_pane_info *info);
/* 1 when a pane with these facts is written even when empty. */
int trigger_pane_keeps_empty(int rules, int timing, int final);
/* The names of the rules' two choices: "always", "if-non-empty"; -1 for
 * another. */
int trigger_empty_rule(const char *name);
const char *trigger_empty_rule_name(int always);
/* The option --on-time (on_time set) or --closing, given arg: its bit
 * of *rules set as arg says; 0, or -1 with a usage message in err. */
int trigger_empty_option(int *rules, int on_time, const char *arg,
    char *err, size_t errlen);

#endif
