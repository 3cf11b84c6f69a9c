/*
 * winstate.h - the open windows of a stream and the aggregates of each.
 *
 * A struct winstate takes records with their event time and windows, and
 * fires each window when the watermark reaches its end, in end order.
 * It keeps state in one of three ways, by the kind of window:
 *
 *  - tumbling and global windows: an aggtab per open window;
 *  - sliding windows: an aggtab per slice, the gcd of size and period,
 *    so a record updates one slice, and a firing window merges its
 *    slices: the cost of a record does not grow with size/period;
 *  - session windows: an aggtab per session, in lib/session's slots
 *    (per session key, the sessions open for it; a record's
 *    proto-window merges with every session it overlaps, and the
 *    sessions' aggtabs merge with it).  A session that goes leaves its
 *    aggtab cleared in its slot, for the next session there.
 *
 * A window that fired is gone; a record for it that comes within the
 * allowed lateness opens it again, and it fires again at once: a late
 * pane that holds the late records only.  A session that fired is kept,
 * empty, until it expires, so that late records still merge into it.
 *
 * The winstate owns all of it.  Memory is bounded by open windows (or
 * slices, or sessions, the most ever open at once) times groups, never
 * by records.
 */
#ifndef WINSTATE_H
#define WINSTATE_H

#include "agg.h"
#include "hash.h"
#include "session.h"
#include "window.h"

struct open_window {
	struct window w;
	struct aggtab tab;
};

struct winstate {
	const struct aggspec *spec;
	size_t nspec;
	const int *keyslot;
	char *const *keyname;
	size_t nkey, max_groups;
	const struct windowing *win;
	int64_t lateness;

	/* windows of their own: all of them, or late panes when sliced */
	struct open_window *open;	/* by end, then start */
	size_t n, cap;

	/* sliding windows by slices */
	int sliced;
	int64_t slice;			/* the slices' length */
	struct open_window *slices;	/* by start */
	size_t nslices, slicecap;
	evtime fired_end;		/* the last window fired from slices */

	/* sessions */
	const int *sesskeyslot;		/* the session key's fields */
	char *const *sesskeyname;
	size_t nsesskey;
	int same_key;			/* they are the group's, in order */
	struct sessions sessions;	/* by key and by due (lib/session) */
	int restored;			/* state came in: dues may be stale */
	int triggered;			/* panes decide: a session stays until
					 * it expires or is removed */
	struct buf key, scratch;
	/* the session key of record seq (winstate_prefetch's, or the last
	 * record's), its hash */
	int prefetched;
	uint64_t pre_seq, pre_hash;
	const char *pre_key;		/* in key, scratch or the record */
	size_t pre_keylen;
};

/*
 * Set up for windows of kind win (which must outlive s) and a lateness.
 * For session windows, the session key's fields are given by
 * winstate_session_key before the first record, and after the group's
 * (keyslot, keyname, nkey) are set as they will stay.
 */
void winstate_init(struct winstate *s, const struct aggspec *spec,
    size_t nspec, const int *keyslot, char *const *keyname, size_t nkey,
    const struct windowing *win, int64_t lateness);
void winstate_session_key(struct winstate *s, const int *slot,
    char *const *name, size_t n);
void winstate_release(struct winstate *s);

/*
 * Record rec (sequence number seq) is to come to winstate_add: its
 * session key is looked up in the cache now, while the caller reads its
 * time, so that winstate_add waits less for memory.  Optional.
 */
void winstate_prefetch(struct winstate *s, const struct record *rec,
    uint64_t seq);
/*
 * Add record rec (sequence number seq, event time t) to its windows
 * w[0..n) as the watermark wm stands: windows that expired do not take
 * it.  Returns how many windows took it (0: the record is late), or
 * AGG_REJECT with why, or AGG_FULL.
 */
int winstate_add(struct winstate *s, const struct record *rec, uint64_t seq,
    evtime t, const struct window *w, size_t n, evtime wm, char *why,
    size_t whylen);

/* The table of window w, opened when it is not open: for state that
 * comes whole (stream-agg --merge), not record by record, and for panes
 * that fire lines decide (then without slices: s->sliced = 0). */
struct aggtab *winstate_table(struct winstate *s, const struct window *w);
/* The table of window w, or NULL; and w forgotten. */
struct aggtab *winstate_find(struct winstate *s, const struct window *w);
void winstate_remove(struct winstate *s, const struct window *w);
/* Forget, without firing, the windows (and, when triggered, the
 * sessions) that expired at watermark wm. */
void winstate_expire(struct winstate *s, evtime wm);
/* The table of the session of key (as agg_key builds it) with bounds w,
 * or NULL; with remove, the session is forgotten (and NULL returned). */
struct aggtab *winstate_session_find(struct winstate *s, const char *key,
    size_t len, const struct window *w, int remove);
/*
 * --retract: the panes written for that session and the sessions it
 * merged since, each with the bounds it had, to retract before its next
 * pane (*n of them); winstate_session_set_last makes pane (copied) the
 * one to retract next.
 */
struct open_window *winstate_session_last(struct winstate *s,
    const char *key, size_t len, const struct window *w, size_t *n);
void winstate_session_set_last(struct winstate *s, const char *key,
    size_t len, const struct window *w, const struct aggtab *pane);
/* Saving them (--state): fn for each, with its session's bounds; and the
 * table of one, the session found by rec's key and its bounds. */
void winstate_each_last(struct winstate *s, void (*fn)(void *arg,
    const struct window *session, const struct window *w, struct aggtab *t),
    void *arg);
struct aggtab *winstate_session_last_table(struct winstate *s,
    const struct record *rec, const struct window *session,
    const struct window *w, uint64_t first, char *why, size_t whylen);

/*
 * Saving and restoring open state (--state): winstate_each calls fn for
 * every table held, with its kind and window (a slice's own bounds);
 * the restore calls give the table of a kind and window, opening it.
 * A session is found by the session key of rec and its exact bounds.
 */
enum { WS_WINDOW, WS_SLICE, WS_SESSION };
void winstate_each(struct winstate *s, void (*fn)(void *arg, int kind,
    const struct window *w, struct aggtab *t), void *arg);
struct aggtab *winstate_slice_table(struct winstate *s,
    const struct window *w);
/* NULL with why when rec has no session key. */
struct aggtab *winstate_session_table(struct winstate *s,
    const struct record *rec, const struct window *w, uint64_t first,
    char *why, size_t whylen);

/*
 * Fire, in end order, every window whose end is at or before wm: call
 * emit for it (with its aggregates, which emit may read but not keep),
 * then free what it no longer needs.  Windows without records do not
 * fire.  Returns how many fired, or AGG_FULL when merging slices or
 * sessions passed max_groups.
 */
typedef void winstate_emit_fn(void *arg, const struct window *w,
    struct aggtab *t);
long winstate_fire(struct winstate *s, evtime wm, winstate_emit_fn *emit,
    void *arg);

#endif
