/*
 * pane.c - the panes of windows under a trigger (see pane.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pane.h"

struct pane_window {
	struct window w;
	struct trigger_node_state *ts;
	long pane;			/* the next pane's index */
	uint64_t since, total;		/* records since the last pane, ever */
	int end_seen;			/* the watermark passed its end */
	int ontime;			/* its on-time pane was written */
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
}

void
panes_release(struct panes *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		free(ps->w[i].ts);
	free(ps->w);
	ps->w = NULL;
	ps->n = ps->cap = 0;
}

static int
cmp_window(const struct window *a, const struct window *b)
{
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return (a->start > b->start) - (a->start < b->start);
}

/* The index of w, or where it goes (with *found 0). */
static size_t
place(const struct panes *ps, const struct window *w, int *found)
{
	size_t lo = 0, hi = ps->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_window(&ps->w[mid].w, w);

		if (c == 0) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct pane_window *
window_of(struct panes *ps, const struct window *w)
{
	int found;
	size_t i = place(ps, w, &found);
	struct pane_window *p;

	if (found)
		return &ps->w[i];
	ps->w = xgrowarray(ps->w, &ps->cap, ps->n + 1, sizeof *ps->w);
	p = &ps->w[i];
	memmove(p + 1, p, (ps->n - i) * sizeof *p);
	ps->n++;
	memset(p, 0, sizeof *p);
	p->w = *w;
	p->ts = xcalloc(trigger_state_size(ps->trig), sizeof *p->ts);
	trigger_state_init(ps->trig, p->ts);
	return p;
}

static int
expired(const struct panes *ps, evtime end, evtime wm)
{
	if (wm == EVTIME_MAX)
		return 1;
	return end <= EVTIME_MAX - ps->lateness && end + ps->lateness <= wm;
}

static struct trigger_now
now_for(const struct panes *ps, const struct pane_window *p, evtime wm)
{
	struct trigger_now now = { p->w.end, wm, 0 };

	if (ps->uses_clock)
		now.proc = proc_now();
	return now;
}

/*
 * The trigger fired: a pane, unless it is empty and not the on-time one
 * (Beam writes the on-time pane always, others when they hold
 * something), and the trigger's state goes on.
 */
static void
fire(struct panes *ps, struct pane_window *p, const struct trigger_now *now)
{
	struct punct f = { PUNCT_FIRE, 0, 0, p->w.start, p->w.end, p->pane,
	    TIMING_EARLY, 0 };
	int empty = ps->accumulate ? p->total == 0 : p->since == 0;

	if (now->wm >= p->w.end)
		f.timing = p->ontime ? TIMING_LATE : TIMING_ON_TIME;
	p->finished = trigger_on_fire(ps->trig, p->ts, now);
	f.final = p->finished || now->wm == EVTIME_MAX;
	if (empty && f.timing != TIMING_ON_TIME)
		return;
	if (f.timing == TIMING_ON_TIME)
		p->ontime = 1;
	p->pane++;
	p->since = 0;
	ps->fire(ps->arg, &f);
}

static void
check(struct panes *ps, struct pane_window *p, evtime wm)
{
	struct trigger_now now = now_for(ps, p, wm);

	if (!p->finished && trigger_should_fire(ps->trig, p->ts, &now))
		fire(ps, p, &now);
}

int
panes_late(struct panes *ps, const struct window *w, evtime wm)
{
	int found;
	size_t i;

	if (expired(ps, w->end, wm))
		return 1;
	i = place(ps, w, &found);
	return found && ps->w[i].finished;
}

void
panes_record(struct panes *ps, const struct window *w, evtime wm)
{
	struct pane_window *p = window_of(ps, w);
	struct trigger_now now = now_for(ps, p, wm);

	p->since++;
	p->total++;
	trigger_on_element(ps->trig, p->ts, &now);
	check(ps, p, wm);
}

void
panes_watermark(struct panes *ps, evtime wm)
{
	size_t i, k;

	for (i = 0; i < ps->n && ps->w[i].w.end <= wm; i++)
		if (!ps->w[i].end_seen) {
			ps->w[i].end_seen = 1;
			check(ps, &ps->w[i], wm);
		}
	for (i = k = 0; i < ps->n; i++) {
		if (expired(ps, ps->w[i].w.end, wm)) {
			if (ps->expire)
				ps->expire(ps->arg, &ps->w[i].w);
			free(ps->w[i].ts);
			continue;
		}
		ps->w[k++] = ps->w[i];
	}
	ps->n = k;
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
		if ((d = trigger_deadline(ps->trig, ps->w[i].ts)) == 0)
			continue;
		if (now >= d) {
			check(ps, &ps->w[i], wm);
			d = trigger_deadline(ps->trig, ps->w[i].ts);
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

void
panes_save(const struct panes *ps, struct buf *b)
{
	size_t i, k, nodes = trigger_state_size(ps->trig);

	for (i = 0; i < ps->n; i++) {
		const struct pane_window *p = &ps->w[i];

		buf_addf(b, "pane %lld %lld %ld %llu %llu %d %d %d",
		    (long long)p->w.start, (long long)p->w.end, p->pane,
		    (unsigned long long)p->since, (unsigned long long)p->total,
		    p->end_seen, p->ontime, p->finished);
		for (k = 0; k < nodes; k++)
			buf_addf(b, " %lld:%lld:%d:%d:%zu",
			    (long long)p->ts[k].count,
			    (long long)p->ts[k].deadline, p->ts[k].done,
			    p->ts[k].ontime, p->ts[k].current);
		buf_addc(b, '\n');
	}
}

int
panes_restore(struct panes *ps, const char *line, size_t len)
{
	char *text = xmemdup(line, len), *q;
	struct pane_window *p;
	struct window w;
	long long a, b, cnt, dl;
	unsigned long long since, total;
	size_t k, nodes = trigger_state_size(ps->trig), cur;
	long pane;
	int end_seen, ontime, finished, done, on, used, rc = -1;

	if (sscanf(text, "%lld %lld %ld %llu %llu %d %d %d%n", &a, &b, &pane,
	    &since, &total, &end_seen, &ontime, &finished, &used) != 8 ||
	    b <= a || pane < 0)
		goto out;
	w.start = a;
	w.end = b;
	p = window_of(ps, &w);
	p->pane = pane;
	p->since = since;
	p->total = total;
	p->end_seen = end_seen != 0;
	p->ontime = ontime != 0;
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
	rc = *q == '\0' ? 0 : -1;
out:
	free(text);
	return rc;
}
