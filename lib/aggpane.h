/*
 * aggpane.h - how stream-agg writes what it holds: a table of groups as
 * results (or, with --partial, as mergeable state), a window's table
 * with its bounds and its pane's facts first, and what a fire line or a
 * pane of the in-process trigger does with its window: write the pane,
 * retract the one before (--retract), then clear, keep or free the
 * window by the stream's mode.
 *
 * A struct aggpane owns its record writer and its scratch keys; the
 * output, the strategy, the windows and the written count are its
 * owner's (lib/aggrun), given before the first call.
 */
#ifndef AGGPANE_H
#define AGGPANE_H

#include <stdint.h>

#include "agg.h"
#include "buf.h"
#include "out.h"
#include "punct.h"
#include "strategy.h"
#include "timefmt.h"
#include "winstate.h"

struct aggpane {
	struct out *out;
	int oflag;			/* -o, or -1: the input's format */
	int fmt;			/* the input's format, -1 until known */
	int sort, partial;		/* --sort, --partial */
	const struct strategy *st;	/* bounds' names and time output */
	struct winstate *ws;		/* the open windows */
	struct winstate *prevs;		/* --retract: each window's last pane */
	uintmax_t *written;		/* the ledger's count of records out */
	evtime fired_upto;		/* the watermark of the last firing:
					 * a window ending before it is late */
	uintmax_t panes[3];		/* written, by enum pane_timing */
	struct recw writer;		/* opened by the first result */
	/* -o table, -o chart: where results go, and what is told when a
	 * table is written (the owner's) */
	const struct recw_sink *sink;
	void (*table_done)(void *arg);
	struct buf key, scratch;	/* a fire line's session key */
	int raw_keys;			/* fires come from in-process panes,
					 * with keys as winstate keeps them,
					 * not fire lines' JSON */
	struct time_day day, day_end;	/* the last start's date and
					 * second, and the last end's */
};

void aggpane_init(struct aggpane *a);
void aggpane_release(struct aggpane *a);
/* A session key's JSON array of texts (a fire line's, --state's) as
 * winstate keeps the key, in a's room: 0, or -1 when it is not one. */
int aggpane_key_bytes(struct aggpane *a, const char *json, size_t len,
    const char **key, size_t *keylen);

/* Write table t: the fields of pre[0..npre) (bounds, say), then each
 * group (empty: agg.h's AGG_EMPTY_SKIP or AGG_EMPTY_WRITE for the groups
 * with nothing since the last pane); results, or with --partial their
 * state. */
void aggpane_table(struct aggpane *a, struct aggtab *t,
    const struct addfield *pre, size_t npre, int empty);
/*
 * Write the table of window w: its bounds first, then with --pane-info
 * the facts of pane (NULL: none), and "retract":true when retracting
 * (the pane written before, to subtract).  A group with nothing since
 * the last pane is written, empty, only when the stream's empty-pane
 * rules keep such a pane (trigger_pane_keeps_empty).  winstate_fire's callback has
 * this shape with arg the aggpane (aggpane_fired).
 */
void aggpane_window(struct aggpane *a, const struct window *w,
    struct aggtab *t, const struct punct *pane, int retracting);
void aggpane_fired(void *arg, const struct window *w, struct aggtab *t);
/*
 * A pane of window p->start..p->end (a session's: of key p->key) fired:
 * write it, after its retraction with --retract, then discard, keep or
 * free its table.  A window no record reached has nothing to write.
 */
void aggpane_fire(struct aggpane *a, const struct punct *p);
/* The window of p expired without a pane: forget its tables. */
void aggpane_expire(struct aggpane *a, const struct punct *p);

#endif
