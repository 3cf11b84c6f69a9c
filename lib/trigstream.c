/*
 * trigstream.c - one stream through stream-trigger (see trigstream.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "trigstream.h"

void
trigstream_init(struct trigstream *s)
{
	memset(s, 0, sizeof *s);
	strategy_init(&s->st);
	buf_init(&s->keyjson);
	buf_init(&s->scratch);
}

void
trigstream_release(struct trigstream *s)
{
	size_t i;

	for (i = 0; i < s->nkey; i++)
		free(s->keynames[i]);
	if (s->started) {
		stamper_release(&s->stamper);
		panes_release(&s->panes);
	}
	free(s->assigned);
	free(s->keynames);
	free(s->keyslots);
	strategy_release(&s->st);
	buf_release(&s->keyjson);
	buf_release(&s->scratch);
}

/* The stream's strategy, amended with our options. */
static void
amend(struct strategy *st, const struct trigstream_options *o)
{
	if (o->lateness >= 0)
		st->allowed_lateness = o->lateness;
	if (o->accumulate >= 0)
		st->accumulate = o->accumulate;
	if (o->retract)
		st->accumulate = st->retract = 1;
	st->pane_info = o->pane_info;
	st->empty_rules = o->empty_rules;
	st->trigger = xstrdup(o->trigger_text);
}

int
trigstream_start(struct trigstream *s, const char *line, size_t len,
    const struct trigstream_options *o, struct trigger *t,
    struct fieldset *fs, void (*fire)(void *, const struct punct *),
    void *arg, char *err, size_t errlen)
{
	if (strategy_parse(&s->st, line, len, err, errlen) < 0)
		return -1;
	if (s->st.trigger) {
		snprintf(err, errlen, "the stream has been through "
		    "stream-trigger already");
		return -1;
	}
	if (s->st.win.kind == WINDOW_SESSION) {
		if (s->st.key == NULL) {
			snprintf(err, errlen, "session windows without a key: "
			    "stream-trigger merges sessions per key "
			    "(stream-window --key)");
			return -1;
		}
		if (fieldset_add_list(fs, s->st.key, &s->keynames,
		    &s->keyslots, &s->nkey) < 0) {
			snprintf(err, errlen, "bad session key '%s'",
			    s->st.key);
			return -1;
		}
		trigger_set_merging(t, 1);
	}
	amend(&s->st, o);
	stamper_init(&s->stamper, &s->st, 1, fs);
	panes_init(&s->panes, t, s->st.accumulate, s->st.allowed_lateness);
	s->panes.fire = fire;
	s->panes.arg = arg;
	s->panes.empty_rules = o->empty_rules;
	watermark_init(&s->wm, s->st.max_delay);
	s->assigned = xcalloc(window_count(&s->st.win), sizeof *s->assigned);
	s->started = 1;
	return 0;
}

/* A session's key as fire lines give it: the JSON array of its texts. */
static int
session_key(struct trigstream *s, const struct record *rec, char *why,
    size_t whylen)
{
	s->key = NULL;
	s->keylen = 0;
	if (s->st.win.kind != WINDOW_SESSION)
		return 0;
	buf_reset(&s->scratch);
	if (agg_key_array(rec, s->keyslots, s->keynames, s->nkey, &s->keyjson,
	    &s->scratch, why, whylen) < 0)
		return -1;
	s->key = s->keyjson.data;
	s->keylen = s->keyjson.len;
	return 0;
}

/* What trigstream_fast took, counted before anything else is asked
 * (the watermark is still below fast_limit). */
static void
count_fast(struct trigstream *s)
{
	panes_count_last(&s->panes, s->wm.wm, s->fast_n);
	s->fast_n = 0;
}

int
trigstream_check(struct trigstream *s, const struct record *rec, evtime *t,
    char *why, size_t whylen)
{
	size_t n, i;

	count_fast(s);
	if (stamper_time(&s->stamper, rec, t, why, whylen) < 0 ||
	    (n = stamper_windows(&s->stamper, rec, *t, s->assigned, why,
	    whylen)) == 0 ||
	    session_key(s, rec, why, whylen) < 0)
		return TRIGSTREAM_REJECT;
	/* a sliding stream has a line per window: its own is the first */
	if (s->st.win.kind == WINDOW_SLIDING)
		n = 1;
	s->nassigned = n;
	for (i = 0; i < n; i++)
		if (panes_late(&s->panes, &s->assigned[i], s->key, s->keylen,
		    s->wm.wm))
			return TRIGSTREAM_LATE;
	return TRIGSTREAM_PASS;
}

void
trigstream_take(struct trigstream *s, evtime t)
{
	size_t i;

	count_fast(s);
	for (i = 0; i < s->nassigned; i++)
		panes_record(&s->panes, &s->assigned[i], s->key, s->keylen,
		    s->wm.wm);
	if (watermark_observe(&s->wm, t))
		panes_watermark(&s->panes, s->wm.wm);
}

int
trigstream_can_fast(const struct trigstream *s)
{
	return s->started && s->st.win.kind == WINDOW_TUMBLING &&
	    s->panes.waits_for_end && !s->panes.uses_clock &&
	    s->stamper.tslot == 0;
}

int
trigstream_fast_run(struct trigstream *s, uint64_t n, evtime lo, evtime hi)
{
	const struct window *w;
	struct watermark after;

	/* a run's first record: the stream, and a record checked before */
	if (s->fast_n == 0 && (!trigstream_can_fast(s) || s->nassigned != 1))
		return 0;
	w = &s->assigned[0];
	/* a tumbling window holding lo and hi holds what is between; the
	 * watermark moves by the greatest time, whatever the order */
	if (lo > hi || lo < w->start || hi >= w->end ||
	    (s->fast_n == 0 && !panes_last_open(&s->panes, w,
	    &s->fast_limit)))
		return 0;
	after = s->wm;
	watermark_observe(&after, hi);
	if (after.wm >= s->fast_limit)
		return 0;
	s->wm = after;
	s->fast_n += n;
	return 1;
}

int
trigstream_fast(struct trigstream *s, const struct val *tail)
{
	evtime t;

	return stamper_plain_time(tail, &t) &&
	    trigstream_fast_run(s, 1, t, t);
}

int
trigstream_late_time(struct trigstream *s, evtime t)
{
	count_fast(s);
	if (!watermark_observe(&s->wm, t))
		return 0;
	panes_watermark(&s->panes, s->wm.wm);
	return 1;
}

void
trigstream_watermark(struct trigstream *s, evtime t, int at_end)
{
	count_fast(s);
	if (at_end) {
		watermark_end(&s->wm);
		s->ended = 1;
	} else
		watermark_raise(&s->wm, t);
	panes_watermark(&s->panes, s->wm.wm);
}

void
trigstream_end(struct trigstream *s)
{
	if (s->started && !s->ended)
		trigstream_watermark(s, 0, 1);
}

void
trigstream_save(struct trigstream *s, struct buf *b)
{
	if (!s->started)
		return;
	count_fast(s);
	buf_addstr(b, "strategy ");
	strategy_write(b, &s->st);
	buf_addf(b, "watermark %lld %lld\n", (long long)s->wm.max_seen,
	    (long long)s->wm.wm);
	panes_save(&s->panes, b);
}

int
trigstream_restore_line(struct trigstream *s, const char *kw, size_t kwlen,
    const char *rest, size_t len, int *have_wm, char *err, size_t errlen)
{
	struct buf want = BUF_INIT;
	long long a, b;
	int rc = 0;

	if (kwlen == 8 && memcmp(kw, "strategy", 8) == 0) {
		strategy_write(&want, &s->st);
		if (len + 1 != want.len || memcmp(rest, want.data, len) != 0) {
			snprintf(err, errlen, "written for another stream or "
			    "trigger; give another --state file");
			rc = -1;
		}
	} else if (kwlen == 9 && memcmp(kw, "watermark", 9) == 0 &&
	    sscanf(rest, "%lld %lld", &a, &b) == 2) {
		s->wm.max_seen = a;
		s->wm.wm = b;
		*have_wm = 1;
	} else if (kwlen == 4 && memcmp(kw, "pane", 4) == 0 &&
	    panes_restore(&s->panes, rest, len) < 0) {
		snprintf(err, errlen, "a bad pane line");
		rc = -1;
	}
	buf_release(&want);
	return rc;
}
