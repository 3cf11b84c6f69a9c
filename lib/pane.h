/*
 * pane.h - the panes of windows under a trigger, by Beam's rules: each
 * window's trigger state; when it fires (after a record of it, once when
 * the watermark passes its end, when processing time reaches a timer);
 * each pane's index, timing and finality (trigger.h's trigger_pane);
 * which records are late; and when a window's state goes (the watermark
 * past its end plus the allowed lateness), without a pane unless the
 * empty-pane rules ask for a closing one (EMPTY_CLOSING).
 *
 * Session windows are found by a key (any bytes the caller chooses, the
 * same for the same session key: stream-trigger gives the JSON array
 * of the key's texts, which its fire lines carry; stream-agg --trigger
 * the key's bytes as its windows keep them, with key_text and key_bytes
 * for --state) as well as by bounds: a record's proto-window merges
 * with the sessions of its key that it overlaps (Beam's onMerge).
 *
 * What a pane is belongs to the caller: stream-trigger writes a fire
 * line, stream-agg its aggregates.  A struct panes owns its windows'
 * states and keys, not the trigger.
 */
#ifndef PANE_H
#define PANE_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "punct.h"
#include "session.h"
#include "time.h"
#include "trigger.h"
#include "window.h"

struct pane_window;

struct panes {
	const struct trigger *trig;
	int accumulate;			/* a pane holds the window so far */
	int64_t lateness;
	int uses_clock;
	int waits_for_end;	/* the trigger fires only past a window's end */
	int empty_rules;		/* trigger.h's EMPTY_ bits; by default
					 * EMPTY_DEFAULT */
	struct sessions windows;	/* every window, keyed or not, and
					 * its heap (lib/session) */
	size_t *slots;			/* windows without a key, by bounds:
					 * their ids + 1, or 0 */
	size_t mask, nslots;
	size_t last;			/* the id + 1 of the window without a
					 * key found last, or 0 */
	struct trigger_node_state *tmp;	/* merging: the result, a fresh one */
	const struct trigger_node_state **src;
	const struct trigger_pane **psrc;
	size_t ncap;
	uint64_t records;		/* records so far, to order ties */
	/* a pane fires: p->kind is PUNCT_FIRE, with its window, key and
	 * facts (the key points into the panes) */
	void (*fire)(void *arg, const struct punct *p);
	/* a window expired, its bounds and key in p: its state is gone */
	void (*expire)(void *arg, const struct punct *p);
	void *arg;
	/* keys that are not one line of text (NULL: they are): for --state,
	 * key_text appends key's text, one line, to b; key_bytes reads it
	 * back into b, 0 or -1 */
	void (*key_text)(void *arg, const char *key, size_t len,
	    struct buf *b);
	int (*key_bytes)(void *arg, const char *text, size_t len,
	    struct buf *b);
};

void panes_init(struct panes *ps, const struct trigger *t, int accumulate,
    int64_t lateness);
void panes_release(struct panes *ps);
/* 1 when a record for w (key NULL, or a session's key) is late at
 * watermark wm: w expired, or the trigger of its window (any session it
 * overlaps) is done. */
int panes_late(struct panes *ps, const struct window *w, const char *key,
    size_t keylen, evtime wm);
/* A record came to w (not late): count it, merging sessions, and see if
 * its window fires. */
void panes_record(struct panes *ps, const struct window *w, const char *key,
    size_t keylen, evtime wm);
/*
 * Whether records of w, the window without a key found last, can be
 * counted by panes_count_last alone: the trigger waits for windows' ends,
 * and w is open.  Then a record whose watermark after it is below *limit
 * (w's end, or the next window's due when sooner) asks nothing of the
 * trigger or the windows, until panes_count_last or another call here.
 */
int panes_last_open(struct panes *ps, const struct window *w, evtime *limit);
/* n such records counted in that window, wm the watermark now (still
 * below the limit, so for each of them what it was): as n calls of
 * panes_record. */
void panes_count_last(struct panes *ps, evtime wm, uint64_t n);
/* The watermark is now wm: the windows whose end it passed, in end
 * order, once each; and the expired ones go. */
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
