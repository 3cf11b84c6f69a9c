/*
 * trigstream.h - one stream through stream-trigger: its strategy, from
 * its strategy line, amended with the trigger and its options; each
 * record's windows and session key, and whether it is late; the
 * watermark; the panes (lib/pane), which fire through the caller's
 * callback; and --state's text of all that.
 *
 * A struct trigstream owns its strategy, stamper, panes and buffers; the
 * trigger, the fieldset and the options are the caller's and outlive it.
 * What a pane or a late record writes is the caller's (cmd/stream-trigger).
 */
#ifndef TRIGSTREAM_H
#define TRIGSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pane.h"
#include "record.h"
#include "strategy.h"
#include "trigger.h"
#include "watermark.h"

/* stream-trigger's options, amending the stream's strategy. */
struct trigstream_options {
	const char *trigger_text;
	int64_t lateness;		/* -1: the stream's */
	int accumulate;			/* -1: the stream's */
	int pane_info, retract;
	int empty_rules;		/* --on-time, --closing */
};

struct trigstream {
	int started, ended;
	struct strategy st;
	struct stamper stamper;
	struct watermark wm;
	struct panes panes;
	struct window *assigned;	/* a record's windows */
	size_t nassigned;		/* those it counts in */
	const char *key;		/* its session key, JSON, or NULL */
	size_t keylen;
	char **keynames;		/* sessions: their key's fields */
	int *keyslots;
	size_t nkey;
	uintmax_t fired[3];		/* panes, by enum pane_timing */
	/* records trigstream_fast took that panes_count_last has yet to
	 * count (every other call counts them first): of assigned[0], the
	 * watermark below fast_limit */
	uint64_t fast_n;
	evtime fast_limit;
	struct buf keyjson, scratch;
};

void trigstream_init(struct trigstream *s);
void trigstream_release(struct trigstream *s);
/*
 * The stream's strategy line: parse it, amend it with o and trigger t,
 * add the fields records are read by to fs, and set up the panes, which
 * fire through fire(arg, p).  0, or -1 with a message in err.
 */
int trigstream_start(struct trigstream *s, const char *line, size_t len,
    const struct trigstream_options *o, struct trigger *t,
    struct fieldset *fs, void (*fire)(void *, const struct punct *),
    void *arg, char *err, size_t errlen);

/* A record's verdict (trigstream_check). */
enum { TRIGSTREAM_PASS, TRIGSTREAM_LATE, TRIGSTREAM_REJECT };

/*
 * Read rec's event time *t, windows and key; TRIGSTREAM_PASS, LATE (a
 * window of it expired, or its trigger is done), or REJECT with why.
 * A record that passes is then written and given to trigstream_take.
 */
int trigstream_check(struct trigstream *s, const struct record *rec,
    evtime *t, char *why, size_t whylen);
/* The record checked last, passed on: count it in its panes; the
 * watermark moves to t (panes may fire). */
void trigstream_take(struct trigstream *s, evtime t);
/*
 * A record given by its time field alone (the stream's one field),
 * checked and taken at once when its time falls in the tumbling window
 * of the record checked last and neither it nor the watermark it moves
 * asks anything of the trigger: 1, taken (nothing fires); 0 when the
 * record goes through trigstream_check and _take.
 */
int trigstream_fast(struct trigstream *s, const struct val *tail);
/* The same for n records whose times are all in [lo, hi] (a run line's),
 * in any order: 1 when they are all taken, 0 when each goes its way. */
int trigstream_fast_run(struct trigstream *s, uint64_t n, evtime lo,
    evtime hi);
/* Whether trigstream_fast can take any record of this stream: a caller
 * that would ask it of every record asks this once, at the start. */
int trigstream_can_fast(const struct trigstream *s);
/* A late record's time still moves the watermark: 1 when it did (the
 * tools behind never see the record: tell them). */
int trigstream_late_time(struct trigstream *s, evtime t);
/* A watermark line: its time, or the end of input (at_end). */
void trigstream_watermark(struct trigstream *s, evtime t, int at_end);
/* The end of input ends the stream: every window fires and expires. */
void trigstream_end(struct trigstream *s);

/*
 * --state: the strategy, the watermark and every window's panes, as
 * keyword lines appended to b; trigstream_restore_line takes one back
 * (kw its keyword): 0, or -1 with a message in err.
 */
void trigstream_save(struct trigstream *s, struct buf *b);
int trigstream_restore_line(struct trigstream *s, const char *kw,
    size_t kwlen, const char *rest, size_t len, int *have_wm, char *err,
    size_t errlen);

#endif
