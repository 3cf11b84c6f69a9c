/*
 * pane.c - the panes of windows under a trigger (see pane.h).
 *
 * Each window is its own allocation, found by its bounds (a hash) or, for
 * sessions, through its key's list; a heap orders them by what is due
 * next: the end, for the firing the watermark makes, then the expiry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "pane.h"

#define NOKEY ((size_t)-1)

struct pane_window {
	struct window w;
	size_t key;			/* the session key's id, or NOKEY */
	struct pane_window *next;	/* the key's next session */
	size_t at;			/* its place in the heap */
	uint64_t first;			/* its first record's place */
	struct trigger_node_state *ts;
	struct trigger_pane pane;
	uint64_t since, total;		/* records since the last pane, ever */
	int end_seen;			/* the watermark passed its end */
	int finished;			/* no pane follows; records are late */
};

void
panes_init(struct panes *ps, const struct trigger *t, int accumulate,
    int64_t lateness)
{
	memset(ps, 0, sizeof *ps);
	ps->trig = t;
	ps->accumulate = accumulate;
	ps->lateness = lateness;
	ps->uses_clock = trigger_uses_clock(t);
	keytab_init(&ps->keys);
}

void
panes_release(struct panes *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++) {
		free(ps->heap[i]->ts);
		free(ps->heap[i]);
	}
	free(ps->heap);
	free(ps->slots);
	free(ps->heads);
	free(ps->tmp);
	free(ps->src);
	free(ps->psrc);
	keytab_release(&ps->keys);
	ps->heap = NULL;
	ps->slots = NULL;
	ps->heads = NULL;
	ps->tmp = NULL;
	ps->src = NULL;
	ps->psrc = NULL;
	ps->n = ps->cap = ps->mask = ps->nslots = 0;
}

/* The heap: soonest due first; then by end, start and key. */

static evtime
due(const struct panes *ps, const struct pane_window *p)
{
	return p->end_seen ? trigger_expiry(&p->w, ps->lateness) : p->w.end;
}

static int
before(const struct panes *ps, const struct pane_window *a,
    const struct pane_window *b)
{
	evtime da = due(ps, a), db = due(ps, b);

	if (da != db)
		return da < db;
	if (a->w.end != b->w.end)
		return a->w.end < b->w.end;
	if (a->w.start != b->w.start)
		return a->w.start < b->w.start;
	return a->first < b->first;	/* as stream-agg's sessions go */
}

static void
heap_set(struct panes *ps, size_t at, struct pane_window *p)
{
	ps->heap[at] = p;
	p->at = at;
}

static void
heap_fix(struct panes *ps, size_t at)
{
	struct pane_window *p = ps->heap[at];
	size_t c;

	while (at > 0 && before(ps, p, ps->heap[(at - 1) / 2])) {
		heap_set(ps, at, ps->heap[(at - 1) / 2]);
		at = (at - 1) / 2;
	}
	while ((c = 2 * at + 1) < ps->n) {
		if (c + 1 < ps->n && before(ps, ps->heap[c + 1], ps->heap[c]))
			c++;
		if (!before(ps, ps->heap[c], p))
			break;
		heap_set(ps, at, ps->heap[c]);
		at = c;
	}
	heap_set(ps, at, p);
}

/* Windows without a key, by their bounds: open addressing. */

static size_t
bounds_hash(const struct window *w)
{
	uint64_t h = (uint64_t)w->start * 0x9e3779b97f4a7c15ull ^
	    (uint64_t)w->end * 0xc2b2ae3d27d4eb4full;

	return (size_t)(h ^ h >> 29);
}

static size_t
bounds_find(const struct panes *ps, const struct window *w)
{
	size_t i = bounds_hash(w) & ps->mask;

	for (; ps->slots[i]; i = (i + 1) & ps->mask)
		if (ps->slots[i]->w.start == w->start &&
		    ps->slots[i]->w.end == w->end)
			break;
	return i;
}

static void
bounds_grow(struct panes *ps)
{
	struct pane_window **old = ps->slots;
	size_t n = ps->mask + 1, i;

	ps->mask = ps->mask ? 2 * ps->mask + 1 : 15;
	ps->slots = xcalloc(ps->mask + 1, sizeof *ps->slots);
	for (i = 0; old && i < n; i++)
		if (old[i])
			ps->slots[bounds_find(ps, &old[i]->w)] = old[i];
	free(old);
}

/* Empty slot i, moving back what linear probing put after it. */
static void
bounds_delete(struct panes *ps, size_t i)
{
	size_t j = i, home;

	ps->slots[i] = NULL;
	for (;;) {
		j = (j + 1) & ps->mask;
		if (ps->slots[j] == NULL)
			return;
		home = bounds_hash(&ps->slots[j]->w) & ps->mask;
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			ps->slots[i] = ps->slots[j];
			ps->slots[j] = NULL;
			i = j;
		}
	}
}

/* A new window, in the heap and found by its bounds or key. */
static struct pane_window *
window_new(struct panes *ps, const struct window *w, size_t key)
{
	struct pane_window *p = xcalloc(1, sizeof *p);

	p->w = *w;
	p->key = key;
	p->first = ps->records;
	p->ts = xcalloc(trigger_state_size(ps->trig), sizeof *p->ts);
	trigger_state_init(ps->trig, p->ts);
	trigger_pane_init(&p->pane);
	ps->heap = xgrowarray(ps->heap, &ps->cap, ps->n + 1, sizeof *ps->heap);
	heap_set(ps, ps->n++, p);
	heap_fix(ps, ps->n - 1);
	if (key == NOKEY) {
		if (2 * (ps->nslots + 1) > ps->mask + 1)
			bounds_grow(ps);
		ps->slots[bounds_find(ps, w)] = p;
		ps->nslots++;
	} else {
		p->next = ps->heads[key];
		ps->heads[key] = p;
	}
	return p;
}

static void
window_free(struct panes *ps, struct pane_window *p)
{
	struct pane_window **q;
	size_t at = p->at;

	if (--ps->n > at) {
		heap_set(ps, at, ps->heap[ps->n]);
		heap_fix(ps, at);
	}
	if (p->key == NOKEY) {
		bounds_delete(ps, bounds_find(ps, &p->w));
		ps->nslots--;
	} else {
		for (q = &ps->heads[p->key]; *q != p; q = &(*q)->next)
			;
		*q = p->next;
		if (ps->heads[p->key] == NULL)
			ps->idlekeys++;
	}
	free(p->ts);
	free(p);
}

static struct pane_window *
find(const struct panes *ps, const struct window *w)
{
	struct pane_window *p;

	if (ps->mask == 0)
		return NULL;
	p = ps->slots[bounds_find(ps, w)];
	return p;
}

/*
 * Forget the session keys that have no window any more, once they are
 * most of the table, as lib/winstate does; ids change, so this runs only
 * where none is held (before a record is counted).
 */
static int
key_live(void *arg, size_t id)
{
	return ((struct panes *)arg)->heads[id] != NULL;
}

static void
key_moved(void *arg, size_t from, size_t to)
{
	struct panes *ps = arg;
	struct pane_window *p;

	ps->heads[to] = ps->heads[from];
	for (p = ps->heads[to]; p; p = p->next)
		p->key = to;
}

static void
compact_keys(struct panes *ps)
{
	if (ps->idlekeys < 4096 || 2 * ps->idlekeys < ps->keys.n)
		return;
	keytab_filter(&ps->keys, key_live, key_moved, ps);
	ps->idlekeys = 0;
}

/* The id of a session key, added when new. */
static size_t
key_id(struct panes *ps, const char *key, size_t len)
{
	int added;
	size_t id = keytab_intern(&ps->keys, key, len, hash_bytes(key, len),
	    &added);

	if (added) {
		ps->heads = xgrowarray(ps->heads, &ps->headcap, id + 1,
		    sizeof *ps->heads);
		ps->heads[id] = NULL;
	} else if (ps->heads[id] == NULL && ps->idlekeys > 0)
		ps->idlekeys--;		/* one that comes back */
	return id;
}

static struct trigger_now
now_for(const struct panes *ps, const struct window *w, evtime wm)
{
	struct trigger_now now = { w->end, wm, 0 };

	if (ps->uses_clock)
		now.proc = proc_now();
	return now;
}

/*
 * The trigger fired: a pane, unless trigger_pane_fire says it is not to
 * be written (empty and not on time), and the trigger's state goes on.
 */
static void
fire(struct panes *ps, struct pane_window *p, const struct trigger_now *now)
{
	struct punct f = { PUNCT_FIRE, 0, 0, p->w.start, p->w.end, 0,
	    TIMING_EARLY, 0, NULL, 0 };
	struct trigger_pane_info info;
	int empty = p->since == 0;

	p->finished = trigger_on_fire(ps->trig, p->ts, now);
	if (!trigger_pane_fire(&p->pane, &p->w, now->wm, empty, p->finished ||
	    now->wm == EVTIME_MAX, &info))
		return;
	f.pane = info.index;
	f.timing = info.timing;
	f.final = info.final;
	if (p->key != NOKEY) {
		f.key = ps->keys.keys[p->key].p;
		f.keylen = ps->keys.keys[p->key].n;
	}
	p->since = 0;
	ps->fire(ps->arg, &f);
}

static void
check(struct panes *ps, struct pane_window *p, evtime wm)
{
	struct trigger_now now = now_for(ps, &p->w, wm);

	if (!p->finished && trigger_should_fire(ps->trig, p->ts, &now))
		fire(ps, p, &now);
}

static int
overlaps(const struct window *a, const struct window *b)
{
	return a->start < b->end && b->start < a->end;
}

int
panes_late(struct panes *ps, const struct window *w, const char *key,
    size_t keylen, evtime wm)
{
	struct pane_window *p;
	size_t id;

	if (trigger_expired(w, ps->lateness, wm))
		return 1;
	if (key == NULL)
		return (p = find(ps, w)) != NULL && p->finished;
	id = keytab_find(&ps->keys, key, keylen, hash_bytes(key, keylen));
	if (id == (size_t)-1)
		return 0;
	for (p = ps->heads[id]; p; p = p->next)
		if (overlaps(&p->w, w) && p->finished)
			return 1;
	return 0;
}

/*
 * Beam's onMerge: the record's proto-window w and the sessions of its key
 * that it overlaps become one window, kept in the first of them, whose
 * trigger state merges theirs and the proto-window's fresh one.  Panes
 * count from 0 again when the bounds are new; a proto-window inside a
 * session leaves its panes as they are.
 */
static struct pane_window *
session_of(struct panes *ps, const struct window *w, size_t id, evtime wm)
{
	size_t nodes = trigger_state_size(ps->trig), n = 0;
	struct pane_window *p, *into = NULL, *next;
	struct trigger_pane merged;
	struct window u = *w;
	struct trigger_now now;

	for (p = ps->heads[id]; p; p = p->next)
		if (overlaps(&p->w, w)) {
			if (into == NULL)
				into = p;
			u.start = p->w.start < u.start ? p->w.start : u.start;
			u.end = p->w.end > u.end ? p->w.end : u.end;
			n++;
		}
	if (into == NULL)
		return window_new(ps, w, id);
	if (ps->ncap < n + 1) {
		ps->ncap = 2 * (n + 1);
		ps->src = xrealloc(ps->src, ps->ncap * sizeof *ps->src);
		ps->psrc = xrealloc(ps->psrc, ps->ncap * sizeof *ps->psrc);
	}
	if (ps->tmp == NULL) {
		ps->tmp = xcalloc(2 * nodes, sizeof *ps->tmp);
		trigger_state_init(ps->trig, ps->tmp + nodes);	/* fresh */
	}
	n = 0;
	for (p = ps->heads[id]; p; p = p->next)
		if (overlaps(&p->w, w)) {
			ps->src[n] = p->ts;
			ps->psrc[n++] = &p->pane;
			if (p != into) {
				into->since += p->since;
				into->total += p->total;
				if (p->first < into->first)
					into->first = p->first;
			}
		}
	ps->src[n] = ps->tmp + nodes;
	now = now_for(ps, &u, wm);
	trigger_on_merge(ps->trig, ps->tmp, ps->src, n + 1, &now);
	memcpy(into->ts, ps->tmp, nodes * sizeof *ps->tmp);
	if (u.start != into->w.start || u.end != into->w.end) {
		trigger_pane_merge(&merged, ps->psrc, n);
		into->pane = merged;
		into->end_seen = 0;
	}
	for (p = ps->heads[id]; p; p = next) {
		next = p->next;
		if (p != into && overlaps(&p->w, w))
			window_free(ps, p);
	}
	into->w = u;
	heap_fix(ps, into->at);
	return into;
}

void
panes_record(struct panes *ps, const struct window *w, const char *key,
    size_t keylen, evtime wm)
{
	struct pane_window *p;
	struct trigger_now now;

	if (key != NULL) {
		compact_keys(ps);
		p = session_of(ps, w, key_id(ps, key, keylen), wm);
	}
	else if ((p = find(ps, w)) == NULL)
		p = window_new(ps, w, NOKEY);
	now = now_for(ps, &p->w, wm);
	ps->records++;
	p->since++;
	p->total++;
	trigger_pane_element(&p->pane, &p->w, wm);
	trigger_on_element(ps->trig, p->ts, &now);
	check(ps, p, wm);
	/* a merged session may have passed the watermark already */
	if (!p->end_seen && p->w.end <= wm) {
		p->end_seen = 1;
		heap_fix(ps, p->at);
	}
}

void
panes_watermark(struct panes *ps, evtime wm)
{
	struct pane_window *p;

	while (ps->n > 0 && due(ps, p = ps->heap[0]) <= wm) {
		if (!p->end_seen) {
			p->end_seen = 1;
			check(ps, p, wm);
			heap_fix(ps, 0);
			continue;
		}
		if (ps->expire) {
			struct punct x = { PUNCT_FIRE, 0, 0, p->w.start,
			    p->w.end, 0, 0, 0, NULL, 0 };

			if (p->key != NOKEY) {
				x.key = ps->keys.keys[p->key].p;
				x.keylen = ps->keys.keys[p->key].n;
			}
			ps->expire(ps->arg, &x);
		}
		window_free(ps, p);
	}
}

int
panes_timers(struct panes *ps, evtime wm)
{
	int64_t now, next = 0, d;
	size_t i;

	if (!ps->uses_clock || ps->n == 0)
		return -1;
	now = proc_now();
	for (i = 0; i < ps->n; i++) {
		struct pane_window *p = ps->heap[i];

		if ((d = trigger_deadline(ps->trig, p->ts)) == 0)
			continue;
		if (now >= d) {
			check(ps, p, wm);
			d = trigger_deadline(ps->trig, p->ts);
		}
		if (d != 0 && (next == 0 || d < next))
			next = d;
	}
	if (next == 0)
		return -1;
	if (proc_clock_injected())	/* a test moves it: look often */
		return 10;
	return (int)((next - now + 999) / 1000);
}

/* Saving: the windows in heap order, which restoring rebuilds anyway. */
void
panes_save(const struct panes *ps, struct buf *b)
{
	size_t i, k, nodes = trigger_state_size(ps->trig);

	for (i = 0; i < ps->n; i++) {
		const struct pane_window *p = ps->heap[i];

		buf_addf(b, "pane %lld %lld %ld %llu %llu %d %d %d %d %llu",
		    (long long)p->w.start, (long long)p->w.end, p->pane.next,
		    (unsigned long long)p->since, (unsigned long long)p->total,
		    p->end_seen, p->pane.nonearly, p->finished, p->pane.held,
		    (unsigned long long)p->first);
		for (k = 0; k < nodes; k++)
			buf_addf(b, " %lld:%lld:%d:%d:%zu",
			    (long long)p->ts[k].count,
			    (long long)p->ts[k].deadline, p->ts[k].done,
			    p->ts[k].ontime, p->ts[k].current);
		if (p->key != NOKEY) {
			buf_addstr(b, " key=");
			buf_add(b, ps->keys.keys[p->key].p,
			    ps->keys.keys[p->key].n);
		}
		buf_addc(b, '\n');
	}
}

int
panes_restore(struct panes *ps, const char *line, size_t len)
{
	char *text = xmemdup(line, len), *q, *key;
	struct pane_window *p;
	struct window w;
	long long a, b, cnt, dl;
	unsigned long long since, total, first;
	size_t k, nodes = trigger_state_size(ps->trig), cur, id = NOKEY;
	long pane;
	int end_seen, nonearly, finished, held, done, on, used, rc = -1;

	if (sscanf(text, "%lld %lld %ld %llu %llu %d %d %d %d %llu%n", &a, &b,
	    &pane, &since, &total, &end_seen, &nonearly, &finished, &held,
	    &first, &used) != 10 || b <= a || pane < 0)
		goto out;
	w.start = a;
	w.end = b;
	if ((key = strstr(text + used, " key=")) != NULL) {
		*key = '\0';
		key += 5;
		id = key_id(ps, key, strlen(key));
	}
	if (id == NOKEY && find(ps, &w) != NULL)
		goto out;		/* a window twice */
	for (p = id == NOKEY ? NULL : ps->heads[id]; p; p = p->next)
		if (overlaps(&p->w, &w))
			goto out;	/* sessions of a key never overlap */
	p = window_new(ps, &w, id);
	p->first = first;
	if (first >= ps->records)
		ps->records = first + 1;
	p->pane.next = pane;
	p->pane.nonearly = nonearly != 0;
	p->pane.held = held != 0;
	p->since = since;
	p->total = total;
	p->end_seen = end_seen != 0;
	p->finished = finished != 0;
	q = text + used;
	for (k = 0; k < nodes; k++) {
		if (sscanf(q, " %lld:%lld:%d:%d:%zu%n", &cnt, &dl, &done, &on,
		    &cur, &used) != 5)
			goto out;
		p->ts[k].count = cnt;
		p->ts[k].deadline = dl;
		p->ts[k].done = done != 0;
		p->ts[k].ontime = on != 0;
		p->ts[k].current = cur;
		q += used;
	}
	heap_fix(ps, p->at);
	rc = *q == '\0' ? 0 : -1;
out:
	free(text);
	return rc;
}
