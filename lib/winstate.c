/*
 * winstate.c - open windows, slices and sessions, and their aggregates
 * (see winstate.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winstate.h"

#define NONE SESSION_NONE

/* A session: its bounds and place (struct session), then its state. */
struct ws_session {
	struct session s;
	struct aggtab tab;	/* cleared, not freed, when it goes: the
				 * slot's next session reuses it */
	struct open_window *last;	/* --retract: panes written for it and
					 * the sessions it merged, to retract */
	size_t nlast;
};

static struct ws_session *sess(const struct winstate *s, size_t id);
static evtime due(void *arg, const struct session *x);
static int before(void *arg, const struct session *x,
    const struct session *y);

static int
expired(const struct winstate *s, evtime end, evtime wm)
{
	if (wm == EVTIME_MAX)
		return 1;
	return end <= EVTIME_MAX - s->lateness && end + s->lateness <= wm;
}

static evtime
floor_div(evtime a, int64_t b)
{
	evtime q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
gcd(int64_t a, int64_t b)
{
	while (b != 0) {
		int64_t r = a % b;

		a = b;
		b = r;
	}
	return a;
}

void
winstate_init(struct winstate *s, const struct aggspec *spec, size_t nspec,
    const int *keyslot, char *const *keyname, size_t nkey,
    const struct windowing *win, int64_t lateness)
{
	memset(s, 0, sizeof *s);
	s->spec = spec;
	s->nspec = nspec;
	s->keyslot = keyslot;
	s->keyname = keyname;
	s->nkey = nkey;
	s->win = win;
	s->lateness = lateness;
	s->sliced = win->kind == WINDOW_SLIDING && win->tz == NULL;
	if (s->sliced)
		s->slice = gcd(win->size, win->period);
	s->fired_end = EVTIME_MIN;
	sessions_init(&s->sessions, sizeof(struct ws_session), due, before,
	    s);
	sessions_in_order(&s->sessions);	/* as a stream's end */
	buf_init(&s->key);
	buf_init(&s->scratch);
}

void
winstate_session_key(struct winstate *s, const int *slot, char *const *name,
    size_t n)
{
	size_t k;

	s->sesskeyslot = slot;
	s->sesskeyname = name;
	s->nsesskey = n;
	/* the session key's fields are the group key's, in order: agg_key
	 * builds the same bytes for both */
	s->same_key = n == s->nkey;
	for (k = 0; k < n && s->same_key; k++)
		s->same_key = slot[k] == s->keyslot[k];
}

static void
release_windows(struct open_window *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		aggtab_release(&w[i].tab);
	free(w);
}

void
winstate_release(struct winstate *s)
{
	size_t i;

	release_windows(s->open, s->n);
	release_windows(s->slices, s->nslices);
	for (i = 0; i < s->sessions.n; i++) {
		aggtab_release(&sess(s, i)->tab);
		release_windows(sess(s, i)->last, sess(s, i)->nlast);
	}
	sessions_release(&s->sessions);
	buf_release(&s->key);
	buf_release(&s->scratch);
	memset(s, 0, sizeof *s);
}

/* Windows of their own */

static int
cmp_window(const struct window *a, const struct window *b)
{
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return 0;
}

/* The table of window w in the sorted array *v, added when absent; by
 * start alone when by_start (slices). */
static struct aggtab *
table_of(struct winstate *s, struct open_window **v, size_t *n, size_t *cap,
    const struct window *w, int by_start)
{
	size_t lo = 0, hi = *n;
	struct open_window *o;

	/* most records fall in the newest window: try the back first */
	if (*n && cmp_window(&(*v)[*n - 1].w, w) == 0)
		return &(*v)[*n - 1].tab;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = by_start ? ((*v)[mid].w.start > w->start) -
		    ((*v)[mid].w.start < w->start) : cmp_window(&(*v)[mid].w, w);

		if (c == 0)
			return &(*v)[mid].tab;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*v = xgrowarray(*v, cap, *n + 1, sizeof **v);
	o = &(*v)[lo];
	memmove(o + 1, o, (*n - lo) * sizeof *o);
	(*n)++;
	o->w = *w;
	aggtab_init(&o->tab, s->spec, s->nspec, s->keyslot, s->keyname,
	    s->nkey);
	o->tab.max_groups = s->max_groups;
	return &o->tab;
}

/* Slices */

/* The slice that holds t. */
static struct aggtab *
slice_of(struct winstate *s, evtime t)
{
	struct window w;

	w.start = s->win->offset + floor_div(t - s->win->offset, s->slice) *
	    s->slice;
	w.end = w.start + s->slice;
	return table_of(s, &s->slices, &s->nslices, &s->slicecap, &w, 1);
}

/* The start of the oldest (k = 0) or newest (k = 1) window holding the
 * slice that starts at a. */
static evtime
window_of_slice(const struct winstate *s, evtime a, int newest)
{
	const struct windowing *w = s->win;

	if (newest)
		return w->offset + floor_div(a - w->offset, w->period) *
		    w->period;
	return w->offset - floor_div(w->offset - (a - w->size + 1),
	    w->period) * w->period;
}

/* The end of the next window to fire from slices; 0 when none is open. */
static int
next_slice_end(const struct winstate *s, evtime *end)
{
	evtime e;

	if (s->nslices == 0)
		return 0;
	e = window_of_slice(s, s->slices[0].w.start, 0) + s->win->size;
	if (s->fired_end != EVTIME_MIN && e <= s->fired_end)
		e = s->fired_end + s->win->period;
	*end = e;
	return 1;
}

/* Fire the window that ends at end from its slices, then drop the slices
 * no window to come holds. */
static long
fire_slices(struct winstate *s, evtime end, winstate_emit_fn *emit,
    void *arg)
{
	struct window w = { end - s->win->size, end };
	struct aggtab tab;
	size_t i, k;
	long fired = 0;

	aggtab_init(&tab, s->spec, s->nspec, s->keyslot, s->keyname, s->nkey);
	tab.max_groups = s->max_groups;
	for (i = 0; i < s->nslices && s->slices[i].w.start < end; i++)
		if (s->slices[i].w.start >= w.start &&
		    aggtab_merge(&tab, &s->slices[i].tab) == AGG_FULL) {
			aggtab_release(&tab);
			return AGG_FULL;
		}
	if (aggtab_count(&tab) > 0) {
		emit(arg, &w, &tab);
		fired = 1;
	}
	aggtab_release(&tab);
	s->fired_end = end;
	for (k = 0; k < s->nslices &&
	    window_of_slice(s, s->slices[k].w.start, 1) + s->win->size <= end;
	    k++)
		aggtab_release(&s->slices[k].tab);
	if (k > 0) {
		memmove(s->slices, s->slices + k,
		    (s->nslices - k) * sizeof *s->slices);
		s->nslices -= k;
	}
	return fired;
}

/* Sessions: lib/session keeps them by key and by due */

static struct ws_session *
sess(const struct winstate *s, size_t id)
{
	return (struct ws_session *)(void *)sessions_at(&s->sessions, id);
}

static evtime
due(void *arg, const struct session *sx)
{
	const struct winstate *s = arg;
	const struct ws_session *x = (const void *)sx;

	if (x->s.w.end > EVTIME_MAX - s->lateness)
		return x->s.w.end;
	if (aggtab_count(&x->tab) > 0 && !s->triggered)
		return x->s.w.end;
	return x->s.w.end + s->lateness;	/* fired: kept for late ones */
}

static int
before(void *arg, const struct session *x, const struct session *y)
{
	(void)arg;
	if (x->w.start != y->w.start)
		return x->w.start < y->w.start;
	return x->first < y->first;
}

/* State restored since the last record may have changed what is due. */
static void
settle(struct winstate *s)
{
	if (s->restored) {
		sessions_reheap(&s->sessions);
		s->restored = 0;
	}
}

/* Whether a session's group fields are all session key fields: then
 * each session holds one group. */
static int
groups_in_key(const struct winstate *s)
{
	size_t i, k;

	for (i = 0; i < s->nkey; i++) {
		for (k = 0; k < s->nsesskey && s->sesskeyslot[k] !=
		    s->keyslot[i]; k++)
			;
		if (k == s->nsesskey)
			return 0;
	}
	return 1;
}

static size_t
session_new(struct winstate *s, size_t key, const struct window *w,
    uint64_t seq)
{
	int fresh;
	size_t id = sessions_new(&s->sessions, key, w, seq, &fresh);
	struct ws_session *x = sess(s, id);

	if (fresh) {
		aggtab_init(&x->tab, s->spec, s->nspec, s->keyslot,
		    s->keyname, s->nkey);
		x->tab.one_group = groups_in_key(s);
	}
	x->tab.max_groups = s->max_groups;
	return id;	/* last in the heap, due when its caller says */
}

static void
session_free(struct winstate *s, size_t id)
{
	struct ws_session *x = sess(s, id);

	if (aggtab_count(&x->tab) > 0)	/* a fired one was cleared then */
		aggtab_clear(&x->tab);
	release_windows(x->last, x->nlast);
	x->last = NULL;
	x->nlast = 0;
	sessions_free(&s->sessions, id);
}

/* The panes x was to retract go to into, which merged it. */
static void
take_last(struct ws_session *into, struct ws_session *x)
{
	if (x->nlast == 0)
		return;
	into->last = xrealloc(into->last, (into->nlast + x->nlast) *
	    sizeof *into->last);
	memcpy(into->last + into->nlast, x->last, x->nlast * sizeof *x->last);
	into->nlast += x->nlast;
	free(x->last);
	x->last = NULL;
	x->nlast = 0;
}

static int session_key(struct winstate *s, const struct record *rec,
    uint64_t seq, size_t *id, char *why, size_t whylen);
static int session_take(struct winstate *s, size_t id,
    const struct record *rec, uint64_t seq, char *why, size_t whylen);

/*
 * Merge the sessions hit[0..n) into into (the one whose first record
 * came first), older sessions first so that first and last stay in
 * order; hit comes back in that order.
 */
static int
merge_tables(struct winstate *s, size_t into, size_t *hit, size_t n)
{
	size_t i, k;

	for (i = 1; i < n; i++)		/* by first: few, and mostly one */
		for (k = i; k > 0 && sess(s, hit[k])->s.first <
		    sess(s, hit[k - 1])->s.first; k--) {
			size_t t = hit[k];

			hit[k] = hit[k - 1];
			hit[k - 1] = t;
		}
	for (i = 0; i < n; i++)
		if (hit[i] != into && aggtab_merge(&sess(s, into)->tab,
		    &sess(s, hit[i])->tab) == AGG_FULL)
			return AGG_FULL;
	for (i = 0; i < n; i++)
		if (hit[i] != into) {
			take_last(sess(s, into), sess(s, hit[i]));
			aggtab_clear(&sess(s, hit[i])->tab);
		}
	return AGG_OK;
}

/*
 * The record's proto-window w merges with every session of its key that
 * it overlaps, into the one whose first record came first.
 */
static int
session_add(struct winstate *s, const struct record *rec, uint64_t seq,
    const struct window *w, char *why, size_t whylen)
{
	size_t id, n, i, into, *hit;
	struct window u;
	int rc;

	if (session_key(s, rec, seq, &id, why, whylen) < 0)
		return AGG_REJECT;
	n = sessions_overlapping(&s->sessions, id, w, &u);
	if (n == 0) {
		into = session_new(s, id, w, seq);
		if ((rc = session_take(s, into, rec, seq, why, whylen)) !=
		    AGG_OK)
			session_free(s, into);
		else		/* not empty now: due at its end */
			sessions_fix(&s->sessions, into);
		return rc;
	}
	hit = s->sessions.hit;
	into = hit[0];
	for (i = 1; i < n; i++)
		if (sess(s, hit[i])->s.first < sess(s, into)->s.first)
			into = hit[i];
	if ((rc = aggtab_check(&sess(s, into)->tab, rec, why, whylen)) !=
	    AGG_OK)
		return rc;
	if (merge_tables(s, into, hit, n) == AGG_FULL)
		return AGG_FULL;
	sessions_merge(&s->sessions, into, hit, n, &u);
	if ((rc = session_take(s, into, rec, seq, why, whylen)) != AGG_OK)
		return rc;
	sessions_fix(&s->sessions, into);
	return AGG_OK;
}

/*
 * A session fires long after its records came (a gap and more), and the
 * next few due are seldom in the cache.  Before each fire, ask the cache
 * for those a few fires ahead, in steps, each needing what the one
 * before brought: the slot; its table's arrays and its key's entries;
 * the key's bytes.
 */
static void
prefetch_due(const struct winstate *s)
{
	size_t id, off;

	if ((id = sessions_queued(&s->sessions, 6)) != NONE)
		for (off = 0; off < sizeof(struct ws_session); off += 64)
			mem_prefetch((const char *)sess(s, id) + off);
	if ((id = sessions_queued(&s->sessions, 4)) != NONE) {
		aggtab_prefetch(&sess(s, id)->tab);
		sessions_prefetch_key(&s->sessions, id);
	}
	if ((id = sessions_queued(&s->sessions, 2)) != NONE) {
		aggtab_prefetch_key(&sess(s, id)->tab);
		sessions_prefetch_free(&s->sessions, id);
	}
}

static long
session_fire(struct winstate *s, evtime wm, winstate_emit_fn *emit,
    void *arg)
{
	long fired = 0;
	size_t id;
	evtime when;

	settle(s);
	while ((id = sessions_top(&s->sessions, &when)) != NONE &&
	    when <= wm) {
		struct ws_session *x = sess(s, id);

		prefetch_due(s);
		sessions_prefetch_free(&s->sessions, id);
		if (aggtab_count(&x->tab) > 0) {
			emit(arg, &x->s.w, &x->tab);
			aggtab_clear(&x->tab);
			fired++;
		}
		if (expired(s, x->s.w.end, wm))
			session_free(s, id);
		else
			sessions_fix(&s->sessions, id);
	}
	return fired;
}

/* Records in, windows out */

int
winstate_add(struct winstate *s, const struct record *rec, uint64_t seq,
    evtime t, const struct window *w, size_t n, evtime wm, char *why,
    size_t whylen)
{
	int taken = 0, slice = 0, rc;
	size_t i;

	if (s->win->kind == WINDOW_SESSION) {
		if (n == 0 || expired(s, w[0].end, wm))
			return 0;
		settle(s);
		rc = session_add(s, rec, seq, &w[0], why, whylen);
		return rc == AGG_OK ? 1 : rc;
	}
	if (s->sliced && n > 0 && w[0].end > wm) {	/* none has fired */
		rc = aggtab_add(slice_of(s, t), rec, seq, why, whylen);
		return rc == AGG_OK ? (int)n : rc;
	}
	for (i = 0; i < n; i++) {
		if (expired(s, w[i].end, wm))
			continue;
		taken++;
		if (s->sliced && w[i].end > wm) {
			slice = 1;	/* not fired yet: its slices hold it */
			continue;
		}
		rc = aggtab_add(table_of(s, &s->open, &s->n, &s->cap, &w[i], 0),
		    rec, seq, why, whylen);
		if (rc != AGG_OK)
			return rc;
	}
	if (slice && (rc = aggtab_add(slice_of(s, t), rec, seq, why,
	    whylen)) != AGG_OK)
		return rc;
	return taken;
}

struct aggtab *
winstate_table(struct winstate *s, const struct window *w)
{
	return table_of(s, &s->open, &s->n, &s->cap, w, 0);
}

/* The index of window w in s->open, or -1. */
static long
find_open(const struct winstate *s, const struct window *w)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_window(&s->open[mid].w, w);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

struct aggtab *
winstate_find(struct winstate *s, const struct window *w)
{
	long i = find_open(s, w);

	return i < 0 ? NULL : &s->open[i].tab;
}

void
winstate_remove(struct winstate *s, const struct window *w)
{
	long i = find_open(s, w);

	if (i < 0)
		return;
	aggtab_release(&s->open[i].tab);
	memmove(&s->open[i], &s->open[i + 1],
	    (s->n - (size_t)i - 1) * sizeof *s->open);
	s->n--;
}

void
winstate_expire(struct winstate *s, evtime wm)
{
	size_t i, k, id;
	evtime when;

	for (i = k = 0; i < s->n; i++) {
		if (expired(s, s->open[i].w.end, wm)) {
			aggtab_release(&s->open[i].tab);
			continue;
		}
		s->open[k++] = s->open[i];
	}
	s->n = k;
	settle(s);
	while (s->triggered && (id = sessions_top(&s->sessions, &when)) !=
	    NONE && expired(s, sess(s, id)->s.w.end, wm))
		session_free(s, id);
}

static size_t
session_at(const struct winstate *s, const char *key, size_t len,
    const struct window *w)
{
	return sessions_exact(&s->sessions,
	    sessions_find_key(&s->sessions, key, len), w);
}

struct aggtab *
winstate_session_find(struct winstate *s, const char *key, size_t len,
    const struct window *w, int remove)
{
	size_t i = session_at(s, key, len, w);

	if (i == NONE)
		return NULL;
	if (remove) {
		session_free(s, i);
		return NULL;
	}
	return &sess(s, i)->tab;
}

struct open_window *
winstate_session_last(struct winstate *s, const char *key, size_t len,
    const struct window *w, size_t *n)
{
	size_t i = session_at(s, key, len, w);

	*n = i == NONE ? 0 : sess(s, i)->nlast;
	return i == NONE ? NULL : sess(s, i)->last;
}

static size_t session_for(struct winstate *s, const struct record *rec,
    const struct window *w, uint64_t first, char *why, size_t whylen);

void
winstate_each_last(struct winstate *s, void (*fn)(void *arg,
    const struct window *session, const struct window *w, struct aggtab *t),
    void *arg)
{
	size_t i, k;

	for (i = 0; i < s->sessions.n; i++) {
		struct ws_session *x = sess(s, i);

		for (k = 0; x->s.live && k < x->nlast; k++)
			fn(arg, &x->s.w, &x->last[k].w, &x->last[k].tab);
	}
}

struct aggtab *
winstate_session_last_table(struct winstate *s, const struct record *rec,
    const struct window *session, const struct window *w, uint64_t first,
    char *why, size_t whylen)
{
	size_t i = session_for(s, rec, session, first, why, whylen), k;
	struct ws_session *x;

	if (i == NONE)
		return NULL;
	x = sess(s, i);
	for (k = 0; k < x->nlast; k++)
		if (x->last[k].w.start == w->start && x->last[k].w.end == w->end)
			return &x->last[k].tab;
	x->last = xrealloc(x->last, (x->nlast + 1) * sizeof *x->last);
	x->last[x->nlast].w = *w;
	aggtab_init(&x->last[x->nlast].tab, s->spec, s->nspec, s->keyslot,
	    s->keyname, s->nkey);
	return &x->last[x->nlast++].tab;
}

void
winstate_session_set_last(struct winstate *s, const char *key, size_t len,
    const struct window *w, const struct aggtab *pane)
{
	size_t i = session_at(s, key, len, w);
	struct ws_session *x;

	if (i == NONE)
		return;
	x = sess(s, i);
	release_windows(x->last, x->nlast);
	x->last = xcalloc(1, sizeof *x->last);
	x->nlast = 1;
	x->last[0].w = *w;
	aggtab_init(&x->last[0].tab, s->spec, s->nspec, s->keyslot,
	    s->keyname, s->nkey);
	aggtab_merge(&x->last[0].tab, pane);
}

struct aggtab *
winstate_slice_table(struct winstate *s, const struct window *w)
{
	return table_of(s, &s->slices, &s->nslices, &s->slicecap, w, 1);
}

void
winstate_prefetch(struct winstate *s, const struct record *rec, uint64_t seq)
{
	const char *key;
	size_t keylen;
	char why[1];

	s->prefetched = 0;
	if (s->win->kind != WINDOW_SESSION || agg_key(rec, s->sesskeyslot,
	    s->sesskeyname, s->nsesskey, &s->key, &s->scratch, &key, &keylen,
	    why, sizeof why) < 0)
		return;
	s->pre_hash = sessions_prefetch(&s->sessions, key, keylen);
	s->pre_seq = seq;
	s->pre_key = key;
	s->pre_keylen = keylen;
	s->prefetched = 1;
}

/* The session key of rec (record seq; NONE: of no record): its id,
 * added when new. */
static int
session_key(struct winstate *s, const struct record *rec, uint64_t seq,
    size_t *id, char *why, size_t whylen)
{
	int hashed = s->prefetched && seq != NONE && s->pre_seq == seq;

	s->prefetched = 0;
	if (!hashed) {
		if (agg_key(rec, s->sesskeyslot, s->sesskeyname, s->nsesskey,
		    &s->key, &s->scratch, &s->pre_key, &s->pre_keylen, why,
		    whylen) < 0)
			return -1;
		s->pre_hash = hash_bytes(s->pre_key, s->pre_keylen);
	}
	*id = sessions_key_hashed(&s->sessions, s->pre_key, s->pre_keylen,
	    s->pre_hash);
	return 0;
}

/* Add rec to session id's table, giving it the session key built for
 * rec when that is the group key too. */
static int
session_take(struct winstate *s, size_t id, const struct record *rec,
    uint64_t seq, char *why, size_t whylen)
{
	struct aggtab *t = &sess(s, id)->tab;

	if (s->same_key)
		return aggtab_add_keyed(t, rec, seq, s->pre_key, s->pre_keylen,
		    s->pre_hash, why, whylen);
	return aggtab_add(t, rec, seq, why, whylen);
}

/* The session of rec's key with bounds w, opened when new: its index,
 * or NONE with why.  What is put in it may change when it is due. */
static size_t
session_for(struct winstate *s, const struct record *rec,
    const struct window *w, uint64_t first, char *why, size_t whylen)
{
	size_t id, i;

	if (session_key(s, rec, NONE, &id, why, whylen) < 0)
		return NONE;
	s->restored = 1;
	if ((i = sessions_exact(&s->sessions, id, w)) == NONE) {
		i = session_new(s, id, w, first);
		sessions_fix(&s->sessions, i);
	} else if (first < sess(s, i)->s.first) {
		sess(s, i)->s.first = first;
		sessions_fix(&s->sessions, i);
	}
	return i;
}

struct aggtab *
winstate_session_table(struct winstate *s, const struct record *rec,
    const struct window *w, uint64_t first, char *why, size_t whylen)
{
	size_t i = session_for(s, rec, w, first, why, whylen);

	return i == NONE ? NULL : &sess(s, i)->tab;
}

void
winstate_each(struct winstate *s, void (*fn)(void *arg, int kind,
    const struct window *w, struct aggtab *t), void *arg)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		fn(arg, WS_WINDOW, &s->open[i].w, &s->open[i].tab);
	for (i = 0; i < s->nslices; i++)
		fn(arg, WS_SLICE, &s->slices[i].w, &s->slices[i].tab);
	for (i = 0; i < s->sessions.n; i++)
		if (sess(s, i)->s.live)
			fn(arg, WS_SESSION, &sess(s, i)->s.w, &sess(s, i)->tab);
}

long
winstate_fire(struct winstate *s, evtime wm, winstate_emit_fn *emit,
    void *arg)
{
	long fired = 0, rc;
	size_t k = 0;
	evtime end = 0;		/* read only when from_slices; gcc -O1 cannot tell */

	if (s->win->kind == WINDOW_SESSION)
		return session_fire(s, wm, emit, arg);
	for (;;) {
		int from_slices = s->sliced && next_slice_end(s, &end) &&
		    end <= wm;

		if (k < s->n && s->open[k].w.end <= wm &&
		    (!from_slices || s->open[k].w.end <= end)) {
			emit(arg, &s->open[k].w, &s->open[k].tab);
			aggtab_release(&s->open[k].tab);
			k++;
			fired++;
		} else if (from_slices) {
			if ((rc = fire_slices(s, end, emit, arg)) < 0)
				return rc;
			fired += rc;
		} else
			break;
	}
	if (k > 0) {
		memmove(s->open, s->open + k, (s->n - k) * sizeof *s->open);
		s->n -= k;
	}
	return fired;
}
