/*
 * pane.h - the panes of windows under a trigger, by Beam's rules: each
 * window's trigger state; when it fires (after a record of it, once when
 * the watermark passes its end, when processing time reaches a timer);
 * each pane's index, timing and finality; which records are late; and
 * when a window's state goes (the watermark past its end plus the
 * allowed lateness), without a pane.
 *
 * What a pane is belongs to the caller: stream-trigger writes a fire
 * line, stream-agg its aggregates.  A struct panes owns its windows'
 * states, not the trigger.
 */
#ifndef PANE_H
#define PANE_H

#include <stddef.h>
#include <stdint.h>

#include "punct.h"
#include "time.h"
#include "trigger.h"
#include "window.h"

struct pane_window;

struct panes {
	const struct trigger *trig;
	int accumulate;			/* a pane holds the window so far */
	int64_t lateness;
	int uses_clock;
	struct pane_window *w;		/* by end, then start */
	size_t n, cap;
	/* a pane fires: p->kind is PUNCT_FIRE, with its window and facts */
	void (*fire)(void *arg, const struct punct *p);
	/* window w expired: its state is gone */
	void (*expire)(void *arg, const struct window *w);
	void *arg;
};

void panes_init(struct panes *ps, const struct trigger *t, int accumulate,
    int64_t lateness);
void panes_release(struct panes *ps);
/* 1 when a record for w is late at watermark wm: w expired, or its
 * trigger is done. */
int panes_late(struct panes *ps, const struct window *w, evtime wm);
/* A record came to w (not late): count it and see if w fires. */
void panes_record(struct panes *ps, const struct window *w, evtime wm);
/* The watermark is now wm: the windows whose end it passed, in end
 * order, once each; then the expired ones go. */
void panes_watermark(struct panes *ps, evtime wm);
/* Processing time: fire what is due; milliseconds until the next timer,
 * or -1 for none. */
int panes_timers(struct panes *ps, evtime wm);

/*
 * --state: each window's pane bookkeeping and trigger state as "pane"
 * lines appended to b; panes_restore reads one such line back (the REST
 * after the keyword): 0, or -1 when it is not one.
 */
void panes_save(const struct panes *ps, struct buf *b);
int panes_restore(struct panes *ps, const char *line, size_t len);

#endif
