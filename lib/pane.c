/*
 * pane.c - the panes of windows under a trigger (see pane.h).
 *
 * Every window is a slot of lib/session, found by its bounds (a hash of
 * ids) or, for sessions, through its key's list; the heap there orders
 * them by what is due next: the end, for the firing the watermark makes,
 * then the expiry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clock.h"
#include "pane.h"

#define NOKEY SESSION_NONE

/* A window: its bounds and place (struct session), then its panes. */
struct pane_window {
	struct session s;		/* key: its key's id, or NOKEY */
	struct trigger_node_state *ts;	/* kept in the slot for the next */
	struct trigger_pane pane;
	uint64_t since, total;		/* records since the last pane, ever */
	int end_seen;			/* the watermark passed its end */
	int finished;			/* no pane follows; records are late */
};

static struct pane_window *
pw(const struct panes *ps, size_t id)
{
	return (struct pane_window *)(void *)sessions_at(&ps->windows, id);
}

/* The heap: soonest due first; then by end, start and key. */

static evtime
due(void *arg, const struct session *x)
{
	const struct panes *ps = arg;
	const struct pane_window *p = (const void *)x;

	return p->end_seen ? trigger_expiry(&x->w, ps->lateness) : x->w.end;
}

static int
before(void *arg, const struct session *a, const struct session *b)
{
	(void)arg;
	if (a->w.end != b->w.end)
		return a->w.end < b->w.end;
	if (a->w.start != b->w.start)
		return a->w.start < b->w.start;
	return a->first < b->first;	/* as stream-agg's sessions go */
}

void
panes_init(struct panes *ps, const struct trigger *t, int accumulate,
    int64_t lateness)
{
	memset(ps, 0, sizeof *ps);
	ps->trig = t;
	ps->accumulate = accumulate;
	ps->lateness = lateness;
	ps->uses_clock = trigger_uses_clock(t);
	ps->waits_for_end = trigger_waits_for_end(t);
	ps->empty_rules = EMPTY_DEFAULT;
	sessions_init(&ps->windows, sizeof(struct pane_window), due, before,
	    ps);
	sessions_in_order(&ps->windows);	/* as a stream's windows end */
}

void
panes_release(struct panes *ps)
{
	size_t i;

	for (i = 0; i < ps->windows.n; i++)
		free(pw(ps, i)->ts);
	sessions_release(&ps->windows);
	free(ps->slots);
	free(ps->tmp);
	free(ps->src);
	free(ps->psrc);
	ps->slots = NULL;
	ps->tmp = NULL;
	ps->src = NULL;
	ps->psrc = NULL;
	ps->mask = ps->nslots = 0;
	ps->last = 0;
}

/* Windows without a key, by their bounds: open addressing, of ids + 1. */

static size_t
bounds_hash(const struct window *w)
{
	uint64_t h = (uint64_t)w->start * 0x9e3779b97f4a7c15ull ^
	    (uint64_t)w->end * 0xc2b2ae3d27d4eb4full;

	return (size_t)(h ^ h >> 29);
}

static const struct window *
slot_bounds(const struct panes *ps, size_t i)
{
	return &pw(ps, ps->slots[i] - 1)->s.w;
}

static size_t
bounds_find(const struct panes *ps, const struct window *w)
{
	size_t i = bounds_hash(w) & ps->mask;

	for (; ps->slots[i]; i = (i + 1) & ps->mask)
		if (slot_bounds(ps, i)->start == w->start &&
		    slot_bounds(ps, i)->end == w->end)
			break;
	return i;
}

static void
bounds_grow(struct panes *ps)
{
	size_t *old = ps->slots;
	size_t n = ps->mask + 1, i;

	ps->mask = ps->mask ? 2 * ps->mask + 1 : 15;
	ps->slots = xcalloc(ps->mask + 1, sizeof *ps->slots);
	for (i = 0; old && i < n; i++)
		if (old[i])
			ps->slots[bounds_find(ps, &pw(ps, old[i] - 1)->s.w)] =
			    old[i];
	free(old);
}

/* Empty slot i, moving back what linear probing put after it. */
static void
bounds_delete(struct panes *ps, size_t i)
{
	size_t j = i, home;

	ps->slots[i] = 0;
	for (;;) {
		j = (j + 1) & ps->mask;
		if (ps->slots[j] == 0)
			return;
		home = bounds_hash(slot_bounds(ps, j)) & ps->mask;
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			ps->slots[i] = ps->slots[j];
			ps->slots[j] = 0;
			i = j;
		}
	}
}

/* A new window, in the heap and found by its bounds or key. */
static struct pane_window *
window_new(struct panes *ps, const struct window *w, size_t key)
{
	size_t nodes = trigger_state_size(ps->trig), id;
	struct pane_window *p;
	int fresh;

	id = sessions_new(&ps->windows, key, w, ps->records, &fresh);
	p = pw(ps, id);
	if (fresh)
		p->ts = xcalloc(nodes, sizeof *p->ts);
	else
		memset(p->ts, 0, nodes * sizeof *p->ts);
	trigger_state_init(ps->trig, p->ts);
	trigger_pane_init(&p->pane);
	p->since = p->total = 0;
	p->end_seen = p->finished = 0;
	sessions_fix(&ps->windows, id);
	if (key == NOKEY) {
		if (2 * (ps->nslots + 1) > ps->mask + 1)
			bounds_grow(ps);
		ps->slots[bounds_find(ps, w)] = id + 1;
		ps->nslots++;
		ps->last = id + 1;	/* its records come next */
	}
	return p;
}

static size_t
id_of(const struct panes *ps, const struct pane_window *p)
{
	return (size_t)((const char *)p - ps->windows.v) / ps->windows.size;
}

static void
window_free(struct panes *ps, struct pane_window *p)
{
	if (p->s.key == NOKEY) {
		bounds_delete(ps, bounds_find(ps, &p->s.w));
		ps->nslots--;
		if (ps->last == id_of(ps, p) + 1)
			ps->last = 0;
	}
	sessions_free(&ps->windows, id_of(ps, p));
}

/* The window of bounds w without a key, or NULL.  Records come in runs
 * of the same window: the one found last is looked at first. */
static struct pane_window *
find(struct panes *ps, const struct window *w)
{
	struct pane_window *p;
	size_t i;

	if (ps->last) {
		p = pw(ps, ps->last - 1);
		if (p->s.w.start == w->start && p->s.w.end == w->end)
			return p;
	}
	if (ps->mask == 0)
		return NULL;
	if ((i = ps->slots[bounds_find(ps, w)]) == 0)
		return NULL;
	ps->last = i;
	return pw(ps, i - 1);
}

/* The key of session p, for a fire line. */
static void
key_of(const struct panes *ps, const struct pane_window *p, struct punct *f)
{
	if (p->s.key != NOKEY) {
		f->key = ps->windows.keys.keys[p->s.key].p;
		f->keylen = ps->windows.keys.keys[p->s.key].n;
	}
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
pane_out(struct panes *ps, struct pane_window *p, evtime wm, int final)
{
	struct punct f = { .kind = PUNCT_FIRE, .start = p->s.w.start,
	    .end = p->s.w.end, .timing = TIMING_EARLY };
	struct trigger_pane_info info;

	if (!trigger_pane_fire(&p->pane, &p->s.w, wm, p->since == 0, final,
	    ps->empty_rules, &info))
		return;
	f.pane = info.index;
	f.timing = info.timing;
	f.final = info.final;
	key_of(ps, p, &f);
	p->since = 0;
	ps->fire(ps->arg, &f);
}

/* The end of input makes every pane final: the window expires next. */
static void
fire(struct panes *ps, struct pane_window *p, const struct trigger_now *now)
{
	p->finished = trigger_on_fire(ps->trig, p->ts, now) ||
	    now->wm == EVTIME_MAX;
	pane_out(ps, p, now->wm, p->finished);
}

static void
check(struct panes *ps, struct pane_window *p, evtime wm)
{
	struct trigger_now now;

	/* the common case, a record to a window the watermark has not
	 * passed, under the default trigger: nothing to ask */
	if (ps->waits_for_end && wm < p->s.w.end)
		return;
	now = now_for(ps, &p->s.w, wm);
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
	size_t i;

	if (trigger_expired(w, ps->lateness, wm))
		return 1;
	if (key == NULL)
		return (p = find(ps, w)) != NULL && p->finished;
	i = sessions_head(&ps->windows, sessions_find_key(&ps->windows, key,
	    keylen));
	for (; i != NOKEY; i = p->s.next) {
		p = pw(ps, i);
		if (overlaps(&p->s.w, w) && p->finished)
			return 1;
	}
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
	size_t nodes = trigger_state_size(ps->trig), n, i;
	const size_t *hit;
	struct pane_window *into;
	struct trigger_pane merged;
	struct window u;
	struct trigger_now now;

	if ((n = sessions_overlapping(&ps->windows, id, w, &u)) == 0)
		return window_new(ps, w, id);
	hit = ps->windows.hit;
	into = pw(ps, hit[0]);
	if (ps->ncap < n + 1) {
		ps->ncap = 2 * (n + 1);
		ps->src = xrealloc(ps->src, ps->ncap * sizeof *ps->src);
		ps->psrc = xrealloc(ps->psrc, ps->ncap * sizeof *ps->psrc);
	}
	if (ps->tmp == NULL) {
		ps->tmp = xcalloc(2 * nodes, sizeof *ps->tmp);
		trigger_state_init(ps->trig, ps->tmp + nodes);	/* fresh */
	}
	for (i = 0; i < n; i++) {
		struct pane_window *p = pw(ps, hit[i]);

		ps->src[i] = p->ts;
		ps->psrc[i] = &p->pane;
		if (p != into) {
			into->since += p->since;
			into->total += p->total;
		}
	}
	ps->src[n] = ps->tmp + nodes;
	now = now_for(ps, &u, wm);
	trigger_on_merge(ps->trig, ps->tmp, ps->src, n + 1, &now);
	memcpy(into->ts, ps->tmp, nodes * sizeof *ps->tmp);
	if (u.start != into->s.w.start || u.end != into->s.w.end) {
		trigger_pane_merge(&merged, ps->psrc, n);
		into->pane = merged;
		into->end_seen = 0;
	}
	sessions_merge(&ps->windows, hit[0], hit, n, &u);
	return into;
}

/* A record of p at watermark wm: counted, and shown to the trigger. */
static void
count_records(struct panes *ps, struct pane_window *p, evtime wm,
    uint64_t n)
{
	struct trigger_now now = now_for(ps, &p->s.w, wm);

	ps->records += n;
	p->since += n;
	p->total += n;
	trigger_pane_element(&p->pane, &p->s.w, wm);
	trigger_on_elements(ps->trig, p->ts, &now, (int64_t)n);
}

void
panes_record(struct panes *ps, const struct window *w, const char *key,
    size_t keylen, evtime wm)
{
	struct pane_window *p;

	if (key != NULL)
		p = session_of(ps, w, sessions_key(&ps->windows, key, keylen),
		    wm);
	else if ((p = find(ps, w)) == NULL)
		p = window_new(ps, w, NOKEY);
	count_records(ps, p, wm, 1);
	check(ps, p, wm);
	/* a merged session may have passed the watermark already */
	if (!p->end_seen && p->s.w.end <= wm) {
		p->end_seen = 1;
		sessions_fix(&ps->windows, id_of(ps, p));
	}
}

int
panes_last_open(struct panes *ps, const struct window *w, evtime *limit)
{
	struct pane_window *p;
	evtime when;

	if (!ps->waits_for_end || ps->uses_clock || ps->last == 0)
		return 0;
	p = pw(ps, ps->last - 1);
	if (p->s.w.start != w->start || p->s.w.end != w->end ||
	    p->finished || p->end_seen)
		return 0;
	/* till the watermark reaches its end or another window's due,
	 * check and panes_watermark would find nothing */
	*limit = p->s.w.end;
	if (sessions_top(&ps->windows, &when) != NOKEY && when < *limit)
		*limit = when;
	return 1;
}

void
panes_count_last(struct panes *ps, evtime wm, uint64_t n)
{
	if (n > 0)
		count_records(ps, pw(ps, ps->last - 1), wm, n);
}

void
panes_watermark(struct panes *ps, evtime wm)
{
	struct pane_window *p;
	size_t id;
	evtime when;

	while ((id = sessions_top(&ps->windows, &when)) != NOKEY &&
	    when <= wm) {
		p = pw(ps, id);
		if (!p->end_seen) {
			p->end_seen = 1;
			check(ps, p, wm);
			sessions_fix(&ps->windows, id);
			continue;
		}
		sessions_prefetch_free(&ps->windows, id);
		if (!p->finished && (ps->empty_rules & EMPTY_CLOSING))
			pane_out(ps, p, wm, 1);		/* its closing pane */
		if (ps->expire) {
			struct punct x = { .kind = PUNCT_FIRE,
			    .start = p->s.w.start, .end = p->s.w.end };

			key_of(ps, p, &x);
			ps->expire(ps->arg, &x);
		}
		window_free(ps, p);
	}
}

int
panes_timers(struct panes *ps, evtime wm)
{
	int64_t now, next = 0, d;
	size_t at = 0, id;

	if (!ps->uses_clock || sessions_count(&ps->windows) == 0)
		return -1;
	now = proc_now();
	while ((id = sessions_next(&ps->windows, &at)) != NOKEY) {
		struct pane_window *p = pw(ps, id);

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

static const struct panes *sorting;	/* qsort has no context argument */

static int
by_due(const void *a, const void *b)
{
	const struct session *x = &pw(sorting, *(const size_t *)a)->s;
	const struct session *y = &pw(sorting, *(const size_t *)b)->s;
	evtime dx = due((void *)sorting, x), dy = due((void *)sorting, y);

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return before(NULL, x, y) ? -1 : before(NULL, y, x);
}

/* Saving: the windows soonest due first, the order they go in, so that
 * a state restored and saved again is the same text. */
void
panes_save(const struct panes *ps, struct buf *b)
{
	size_t at = 0, i, n = 0, k, nodes = trigger_state_size(ps->trig);
	size_t *order = xcalloc(sessions_count(&ps->windows) + 1,
	    sizeof *order);

	while ((order[n] = sessions_next(&ps->windows, &at)) != NOKEY)
		n++;
	sorting = ps;
	qsort(order, n, sizeof *order, by_due);
	for (i = 0; i < n; i++) {
		const struct pane_window *p = pw(ps, order[i]);

		buf_addf(b, "pane %lld %lld %ld %llu %llu %d %d %d %d %llu",
		    (long long)p->s.w.start, (long long)p->s.w.end,
		    p->pane.next,
		    (unsigned long long)p->since, (unsigned long long)p->total,
		    p->end_seen, p->pane.nonearly, p->finished, p->pane.held,
		    (unsigned long long)p->s.first);
		for (k = 0; k < nodes; k++)
			buf_addf(b, " %lld:%lld:%d:%d:%zu",
			    (long long)p->ts[k].count,
			    (long long)p->ts[k].deadline, p->ts[k].done,
			    p->ts[k].ontime, p->ts[k].current);
		if (p->s.key != NOKEY) {
			const struct keytab_key *key = &ps->windows.keys.keys[
			    p->s.key];

			buf_addstr(b, " key=");
			if (ps->key_text)
				ps->key_text(ps->arg, key->p, key->n, b);
			else
				buf_add(b, key->p, key->n);
		}
		buf_addc(b, '\n');
	}
	free(order);
}

int
panes_restore(struct panes *ps, const char *line, size_t len)
{
	char *text = xmemdup(line, len), *q, *key;
	struct pane_window *p;
	struct window w, u;
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
		struct buf raw = BUF_INIT;

		*key = '\0';
		key += 5;
		if (ps->key_bytes && ps->key_bytes(ps->arg, key, strlen(key),
		    &raw) < 0) {
			buf_release(&raw);
			goto out;
		}
		id = ps->key_bytes ? sessions_key(&ps->windows, raw.data,
		    raw.len) : sessions_key(&ps->windows, key, strlen(key));
		buf_release(&raw);
	}
	if (id == NOKEY && find(ps, &w) != NULL)
		goto out;		/* a window twice */
	if (sessions_overlapping(&ps->windows, id, &w, &u) > 0)
		goto out;	/* sessions of a key never overlap */
	p = window_new(ps, &w, id);
	p->s.first = first;
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
	sessions_fix(&ps->windows, id_of(ps, p));
	rc = *q == '\0' ? 0 : -1;
out:
	free(text);
	return rc;
}
