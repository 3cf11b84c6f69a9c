/*
 * aggpane.c - stream-agg's output: tables, windows' panes, fire lines.
 */
#include <string.h>

#include "aggpane.h"
#include "time.h"

void
aggpane_init(struct aggpane *a)
{
	memset(a, 0, sizeof *a);
	a->oflag = a->fmt = -1;
	a->fired_upto = EVTIME_MIN;
	buf_init(&a->key);
	buf_init(&a->scratch);
}

void
aggpane_release(struct aggpane *a)
{
	if (a->writer.o)
		recw_release(&a->writer);
	buf_release(&a->key);
	buf_release(&a->scratch);
}

void
aggpane_table(struct aggpane *a, struct aggtab *t, const struct addfield *pre,
    size_t npre, int empty)
{
	if (a->partial)
		aggtab_partial(t, a->out, pre, npre, empty);
	else {
		if (a->writer.o == NULL) {
			recw_init(&a->writer, a->out,
			    a->oflag >= 0 ? a->oflag : a->fmt);
			recw_set_sink(&a->writer, a->sink);
		}
		aggtab_emit(t, &a->writer, a->sort, pre, npre, empty);
		if (a->table_done)
			a->table_done(a->sink->arg);
	}
	*a->written += aggtab_written(t, empty);
}

void
aggpane_window(struct aggpane *a, const struct window *w, struct aggtab *t,
    const struct punct *pane, int retracting)
{
	const struct strategy *st = a->st;
	char start[TIME_RFC3339_MAX], end[TIME_RFC3339_MAX];
	char index[INT_FORMAT_MAX];
	int kind = st->time_output == TOUT_RFC3339 ||
	    st->time_output == TOUT_LOCAL ? OV_STR : OV_NUM;
	struct addfield pre[6] = {
		{ st->start_field, start, 0, kind },
		{ st->end_field, end, 0, kind },
		{ "pane", index, 0, OV_NUM },
		{ "timing", NULL, 0, OV_STR },
		{ "final", NULL, 0, OV_BOOL },
		{ "retract", "true", 4, OV_BOOL }
	};
	size_t npre = 2;
	int empty = pane && !retracting && trigger_pane_keeps_empty(
	    st->empty_rules, pane->timing, pane->final) ? AGG_EMPTY_WRITE :
	    AGG_EMPTY_SKIP;

	if (a->partial) {	/* exact bounds: microseconds */
		pre[0].vlen = int_format(w->start, start);
		pre[1].vlen = int_format(w->end, end);
		pre[0].kind = pre[1].kind = OV_NUM;
	} else if (st->time_output == TOUT_RFC3339) {
		pre[0].vlen = time_format_rfc3339_day(&a->day, w->start, start);
		pre[1].vlen = time_format_rfc3339_day(&a->day_end, w->end,
		    end);
	} else {
		pre[0].vlen = strategy_format_time(st, w->start, start);
		pre[1].vlen = strategy_format_time(st, w->end, end);
	}
	if (pane && st->pane_info && !retracting) {
		pre[2].vlen = int_format(pane->pane, index);
		pre[3].val = pane_timing_name(pane->timing);
		pre[3].vlen = strlen(pre[3].val);
		pre[4].val = pane->final ? "true" : "false";
		pre[4].vlen = strlen(pre[4].val);
		npre = 5;
	}
	if (retracting)
		pre[npre++] = pre[5];
	/* rate: per second of a window that has an end */
	t->span = w->start == WINDOW_GLOBAL_START || w->end ==
	    WINDOW_GLOBAL_END ? 0 : (double)(w->end - w->start) / 1e6;
	aggpane_table(a, t, pre, npre, empty);
}

void
aggpane_fired(void *arg, const struct window *w, struct aggtab *t)
{
	struct aggpane *a = arg;

	a->panes[w->end <= a->fired_upto ? TIMING_LATE : TIMING_ON_TIME]++;
	aggpane_window(a, w, t, NULL, 0);
}

int
aggpane_key_bytes(struct aggpane *a, const char *json, size_t len,
    const char **key, size_t *keylen)
{
	buf_reset(&a->scratch);
	return agg_key_from_json(json, len, a->ws->nsesskey, &a->key,
	    &a->scratch, key, keylen);
}

/* The session key of a fire line, as winstate keeps it; NULL when the
 * line has none, or none that this stream's key reads. */
static const char *
fire_key(struct aggpane *a, const struct punct *p, size_t *len)
{
	const char *k = NULL;

	if (p->key == NULL || a->st->win.kind != WINDOW_SESSION)
		return NULL;
	if (a->raw_keys) {
		*len = p->keylen;
		return p->key;
	}
	return aggpane_key_bytes(a, p->key, p->keylen, &k, len) < 0 ? NULL :
	    k;
}

/*
 * --retract for sessions: before the pane, the panes written for the
 * session and for those it merged since, each with its bounds then (the
 * Dataflow model's retractions of merged windows); the pane is the one
 * the next retracts.
 */
static void
session_pane(struct aggpane *a, const struct punct *p, const struct window *w,
    struct aggtab *t, const char *key, size_t keylen)
{
	struct open_window *last;
	size_t n, i;

	last = winstate_session_last(a->ws, key, keylen, w, &n);
	for (i = 0; i < n; i++)
		if (aggtab_count(&last[i].tab) > 0)
			aggpane_window(a, &last[i].w, &last[i].tab, NULL, 1);
	aggpane_window(a, w, t, p, 0);
	if (p->final)
		winstate_session_find(a->ws, key, keylen, w, 1);
	else
		winstate_session_set_last(a->ws, key, keylen, w, t);
}

void
aggpane_fire(struct aggpane *a, const struct punct *p)
{
	const struct strategy *st = a->st;
	struct window w = { p->start, p->end };
	struct aggtab *t, *prev;
	const char *key = NULL;
	size_t keylen = 0;

	if (st->win.kind == WINDOW_SESSION) {
		if ((key = fire_key(a, p, &keylen)) == NULL)
			return;
		t = winstate_session_find(a->ws, key, keylen, &w, 0);
	} else
		t = winstate_find(a->ws, &w);
	if (t == NULL)
		return;
	a->panes[p->timing]++;
	if (st->retract && key) {
		session_pane(a, p, &w, t, key, keylen);
		return;
	}
	if (st->retract && (prev = winstate_find(a->prevs, &w)) != NULL &&
	    aggtab_count(prev) > 0)
		aggpane_window(a, &w, prev, NULL, 1);
	aggpane_window(a, &w, t, p, 0);
	if (st->retract && !p->final) {	/* what the next pane retracts */
		prev = winstate_table(a->prevs, &w);
		aggtab_clear(prev);
		aggtab_merge(prev, t);
	}
	if (p->final && key)
		winstate_session_find(a->ws, key, keylen, &w, 1);
	else if (p->final) {
		winstate_remove(a->ws, &w);
		winstate_remove(a->prevs, &w);
	} else if (!st->accumulate)
		aggtab_empty(t);	/* its keys stay for an empty pane */
}

void
aggpane_expire(struct aggpane *a, const struct punct *p)
{
	struct window w = { p->start, p->end };
	const char *key;
	size_t keylen;

	if (a->st->win.kind == WINDOW_SESSION) {
		if ((key = fire_key(a, p, &keylen)) != NULL)
			winstate_session_find(a->ws, key, keylen, &w, 1);
		return;
	}
	winstate_remove(a->ws, &w);
	if (a->st->retract)
		winstate_remove(a->prevs, &w);
}
