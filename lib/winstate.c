/*
 * winstate.c - open windows, slices and sessions, and their aggregates
 * (see winstate.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winstate.h"

#define NONE ((size_t)-1)

struct session {
	struct window w;
	struct aggtab tab;
	struct open_window *last;	/* --retract: panes written for it and
					 * the sessions it merged, to retract */
	size_t nlast;
	uint64_t first;		/* sequence of its first record */
	size_t key;		/* index into heads */
	size_t next;		/* the key's next session, or the free list */
	size_t hpos;		/* place in the heap */
	int live;
};

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
	s->freesess = NONE;
	keytab_init(&s->sesskeys);
	buf_init(&s->key);
	buf_init(&s->scratch);
}

void
winstate_session_key(struct winstate *s, const int *slot, char *const *name,
    size_t n)
{
	s->sesskeyslot = slot;
	s->sesskeyname = name;
	s->nsesskey = n;
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
	for (i = 0; i < s->nsess; i++)
		if (s->sess[i].live) {
			aggtab_release(&s->sess[i].tab);
			release_windows(s->sess[i].last, s->sess[i].nlast);
		}
	free(s->sess);
	free(s->heads);
	free(s->heap);
	free(s->hit);
	keytab_release(&s->sesskeys);
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

/* Sessions: a binary heap of the live ones, soonest due first */

static evtime
due(const struct winstate *s, const struct session *x)
{
	if (x->w.end > EVTIME_MAX - s->lateness)
		return x->w.end;
	if (aggtab_count(&x->tab) > 0 && !s->triggered)
		return x->w.end;
	return x->w.end + s->lateness;	/* fired: kept for late records */
}

static int
before(const struct winstate *s, size_t a, size_t b)
{
	const struct session *x = &s->sess[a], *y = &s->sess[b];
	evtime dx = due(s, x), dy = due(s, y);

	if (dx != dy)
		return dx < dy;
	if (x->w.start != y->w.start)
		return x->w.start < y->w.start;
	return x->first < y->first;
}

static void
heap_set(struct winstate *s, size_t pos, size_t idx)
{
	s->heap[pos] = idx;
	s->sess[idx].hpos = pos;
}

static void
heap_fix(struct winstate *s, size_t pos)
{
	size_t idx = s->heap[pos];

	while (pos > 0 && before(s, idx, s->heap[(pos - 1) / 2])) {
		heap_set(s, pos, s->heap[(pos - 1) / 2]);
		pos = (pos - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * pos + 1;

		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && before(s, s->heap[c + 1], s->heap[c]))
			c++;
		if (!before(s, s->heap[c], idx))
			break;
		heap_set(s, pos, s->heap[c]);
		pos = c;
	}
	heap_set(s, pos, idx);
}

static void
heap_remove(struct winstate *s, size_t idx)
{
	size_t pos = s->sess[idx].hpos;

	if (--s->nheap == pos)
		return;
	heap_set(s, pos, s->heap[s->nheap]);
	heap_fix(s, pos);
}

static size_t
session_new(struct winstate *s, size_t key, const struct window *w,
    uint64_t seq)
{
	size_t idx = s->freesess;
	struct session *x;

	if (idx == NONE) {
		s->sess = xgrowarray(s->sess, &s->sesscap, s->nsess + 1,
		    sizeof *s->sess);
		idx = s->nsess++;
	} else
		s->freesess = s->sess[idx].next;
	x = &s->sess[idx];
	x->w = *w;
	x->first = seq;
	x->key = key;
	x->live = 1;
	x->last = NULL;
	x->nlast = 0;
	aggtab_init(&x->tab, s->spec, s->nspec, s->keyslot, s->keyname,
	    s->nkey);
	x->tab.max_groups = s->max_groups;
	x->next = s->heads[key];
	s->heads[key] = idx;
	s->heap = xgrowarray(s->heap, &s->heapcap, s->nheap + 1,
	    sizeof *s->heap);
	heap_set(s, s->nheap++, idx);
	heap_fix(s, s->nheap - 1);
	return idx;
}

static void
session_free(struct winstate *s, size_t idx)
{
	struct session *x = &s->sess[idx];
	size_t *p = &s->heads[x->key];

	while (*p != idx)
		p = &s->sess[*p].next;
	*p = x->next;
	if (s->heads[x->key] == NONE)
		s->idlekeys++;
	heap_remove(s, idx);
	aggtab_release(&x->tab);
	release_windows(x->last, x->nlast);
	x->last = NULL;
	x->nlast = 0;
	x->live = 0;
	x->next = s->freesess;
	s->freesess = idx;
}

/* The panes x was to retract go to into, which merged it. */
static void
take_last(struct session *into, struct session *x)
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

static int
cmp_first(const void *a, const void *b)
{
	const struct session *x = *(struct session *const *)a;
	const struct session *y = *(struct session *const *)b;

	return (x->first > y->first) - (x->first < y->first);
}

static int session_key(struct winstate *s, const struct record *rec,
    size_t *id, char *why, size_t whylen);

/*
 * The record's proto-window w merges with every session of its key that
 * it overlaps (windows that only touch, [1,11) and [11,21), stay apart),
 * into the one whose first record came first.
 */
static int
session_add(struct winstate *s, const struct record *rec, uint64_t seq,
    const struct window *w, char *why, size_t whylen)
{
	size_t id, nhit = 0, i, into, *hit;
	struct window u = *w;
	int rc;

	if (session_key(s, rec, &id, why, whylen) < 0)
		return AGG_REJECT;
	for (i = s->heads[id]; i != NONE; i = s->sess[i].next) {
		if (s->sess[i].w.start >= w->end || w->start >= s->sess[i].w.end)
			continue;
		s->hit = xgrowarray(s->hit, &s->hitcap, nhit + 1,
		    sizeof *s->hit);
		s->hit[nhit++] = i;
	}
	if (nhit == 0) {
		into = session_new(s, id, w, seq);
		if ((rc = aggtab_add(&s->sess[into].tab, rec, seq, why,
		    whylen)) != AGG_OK)
			session_free(s, into);
		else		/* not empty now: due at its end */
			heap_fix(s, s->sess[into].hpos);
		return rc;
	}
	hit = s->hit;
	into = hit[0];
	for (i = 1; i < nhit; i++)
		if (s->sess[hit[i]].first < s->sess[into].first)
			into = hit[i];
	if ((rc = aggtab_check(&s->sess[into].tab, rec, why, whylen)) != AGG_OK)
		return rc;
	/* older sessions first, so that first and last stay in order */
	{
		struct session **order = xcalloc(nhit, sizeof *order);

		for (i = 0; i < nhit; i++)
			order[i] = &s->sess[hit[i]];
		qsort(order, nhit, sizeof *order, cmp_first);
		for (i = 0; i < nhit; i++) {
			struct session *x = order[i];

			if (x->w.start < u.start)
				u.start = x->w.start;
			if (x->w.end > u.end)
				u.end = x->w.end;
			if (x != &s->sess[into] &&
			    aggtab_merge(&s->sess[into].tab, &x->tab) ==
			    AGG_FULL) {
				free(order);
				return AGG_FULL;
			}
		}
		for (i = 0; i < nhit; i++)
			hit[i] = (size_t)(order[i] - s->sess);
		free(order);
	}
	for (i = 0; i < nhit; i++)
		if (hit[i] != into) {
			take_last(&s->sess[into], &s->sess[hit[i]]);
			session_free(s, hit[i]);
		}
	s->sess[into].w = u;
	if ((rc = aggtab_add(&s->sess[into].tab, rec, seq, why, whylen)) !=
	    AGG_OK)
		return rc;
	heap_fix(s, s->sess[into].hpos);
	return AGG_OK;
}

static long
session_fire(struct winstate *s, evtime wm, winstate_emit_fn *emit,
    void *arg)
{
	long fired = 0;

	while (s->nheap > 0 && due(s, &s->sess[s->heap[0]]) <= wm) {
		size_t idx = s->heap[0];
		struct session *x = &s->sess[idx];

		if (aggtab_count(&x->tab) > 0) {
			emit(arg, &x->w, &x->tab);
			aggtab_clear(&x->tab);
			fired++;
		}
		if (expired(s, x->w.end, wm))
			session_free(s, idx);
		else
			heap_fix(s, x->hpos);
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
	size_t i, k;

	for (i = k = 0; i < s->n; i++) {
		if (expired(s, s->open[i].w.end, wm)) {
			aggtab_release(&s->open[i].tab);
			continue;
		}
		s->open[k++] = s->open[i];
	}
	s->n = k;
	while (s->triggered && s->nheap > 0 &&
	    expired(s, s->sess[s->heap[0]].w.end, wm))
		session_free(s, s->heap[0]);
}

static size_t
session_at(const struct winstate *s, const char *key, size_t len,
    const struct window *w)
{
	size_t id = keytab_find(&s->sesskeys, key, len, hash_bytes(key, len)),
	    i;

	if (id == (size_t)-1)
		return NONE;
	for (i = s->heads[id]; i != NONE; i = s->sess[i].next)
		if (s->sess[i].w.start == w->start && s->sess[i].w.end == w->end)
			break;
	return i;
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
	return &s->sess[i].tab;
}

struct open_window *
winstate_session_last(struct winstate *s, const char *key, size_t len,
    const struct window *w, size_t *n)
{
	size_t i = session_at(s, key, len, w);

	*n = i == NONE ? 0 : s->sess[i].nlast;
	return i == NONE ? NULL : s->sess[i].last;
}

static size_t session_for(struct winstate *s, const struct record *rec,
    const struct window *w, uint64_t first, char *why, size_t whylen);

void
winstate_each_last(struct winstate *s, void (*fn)(void *arg,
    const struct window *session, const struct window *w, struct aggtab *t),
    void *arg)
{
	size_t i, k;

	for (i = 0; i < s->nsess; i++)
		for (k = 0; s->sess[i].live && k < s->sess[i].nlast; k++)
			fn(arg, &s->sess[i].w, &s->sess[i].last[k].w,
			    &s->sess[i].last[k].tab);
}

struct aggtab *
winstate_session_last_table(struct winstate *s, const struct record *rec,
    const struct window *session, const struct window *w, uint64_t first,
    char *why, size_t whylen)
{
	size_t i = session_for(s, rec, session, first, why, whylen), k;
	struct session *x;

	if (i == NONE)
		return NULL;
	x = &s->sess[i];
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
	struct session *x;

	if (i == NONE)
		return;
	x = &s->sess[i];
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

/*
 * Forget the keys that have no session any more, once they are most of
 * the table: a stream that runs for weeks sees many keys come and go.
 * Ids change; nothing holds one across a record.
 */
static int
key_live(void *arg, size_t id)
{
	return ((struct winstate *)arg)->heads[id] != NONE;
}

static void
key_moved(void *arg, size_t from, size_t to)
{
	struct winstate *s = arg;
	size_t i;

	s->heads[to] = s->heads[from];
	for (i = s->heads[to]; i != NONE; i = s->sess[i].next)
		s->sess[i].key = to;
}

static void
compact_keys(struct winstate *s)
{
	if (s->idlekeys < 4096 || 2 * s->idlekeys < s->sesskeys.n)
		return;
	keytab_filter(&s->sesskeys, key_live, key_moved, s);
	s->nheads = s->sesskeys.n;
	s->idlekeys = 0;
}

/* The session key of rec: its index into heads, added when new. */
static int
session_key(struct winstate *s, const struct record *rec, size_t *id,
    char *why, size_t whylen)
{
	const char *key;
	size_t keylen;
	int added;

	if (agg_key(rec, s->sesskeyslot, s->sesskeyname, s->nsesskey, &s->key,
	    &s->scratch, &key, &keylen, why, whylen) < 0)
		return -1;
	compact_keys(s);
	*id = keytab_intern(&s->sesskeys, key, keylen, hash_bytes(key, keylen),
	    &added);
	if (added) {
		s->heads = xgrowarray(s->heads, &s->headcap, *id + 1,
		    sizeof *s->heads);
		s->heads[*id] = NONE;
		s->nheads = *id + 1;
	} else if (s->heads[*id] == NONE && s->idlekeys > 0)
		s->idlekeys--;		/* one that comes back */
	return 0;
}

/* The session of rec's key with bounds w, opened when new: its index,
 * or NONE with why. */
static size_t
session_for(struct winstate *s, const struct record *rec,
    const struct window *w, uint64_t first, char *why, size_t whylen)
{
	size_t id, i;

	if (session_key(s, rec, &id, why, whylen) < 0)
		return NONE;
	for (i = s->heads[id]; i != NONE; i = s->sess[i].next)
		if (s->sess[i].w.start == w->start && s->sess[i].w.end == w->end)
			break;
	if (i == NONE)
		i = session_new(s, id, w, first);
	else if (first < s->sess[i].first) {
		s->sess[i].first = first;
		heap_fix(s, s->sess[i].hpos);
	}
	return i;
}

struct aggtab *
winstate_session_table(struct winstate *s, const struct record *rec,
    const struct window *w, uint64_t first, char *why, size_t whylen)
{
	size_t i = session_for(s, rec, w, first, why, whylen);

	return i == NONE ? NULL : &s->sess[i].tab;
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
	for (i = 0; i < s->nsess; i++)
		if (s->sess[i].live)
			fn(arg, WS_SESSION, &s->sess[i].w, &s->sess[i].tab);
}

long
winstate_fire(struct winstate *s, evtime wm, winstate_emit_fn *emit,
    void *arg)
{
	long fired = 0, rc;
	size_t k = 0;
	evtime end;

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
