/*
 * aggrun.c - one stream-agg run: set-up, a record's way into its tables,
 * the watermark and the clock, and the end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggrun.h"
#include "clock.h"
#include "diag.h"

void
aggrun_init(struct aggrun *r)
{
	memset(r, 0, sizeof *r);
	strategy_init(&r->st);
	r->max_groups = AGGRUN_MAX_GROUPS;
	r->expired_at = EVTIME_MIN;
	r->merged = (struct windowing){ WINDOW_TUMBLING, 1, 0, 0, 0, NULL };
	aggpane_init(&r->pane);
	buf_init(&r->key);
	buf_init(&r->scratch);
	buf_init(&r->save.config);
}

static void
free_names(char **name, int *slot)
{
	free(name);
	free(slot);
}

void
aggrun_release(struct aggrun *r)
{
	size_t i;

	aggtab_release(&r->tab);
	if (r->ws.win)
		winstate_release(&r->ws);
	if (r->prevs.win)
		winstate_release(&r->prevs);
	if (r->trig) {
		panes_release(&r->panes);
		trigger_free(r->trig);
	}
	if (r->wins) {
		stamper_release(&r->stamper);
		free(r->wins);
	}
	aggpane_release(&r->pane);
	if (r->ofmt == FMT_TABLE)
		table_release(&r->table);
	else if (r->ofmt == FMT_CHART)
		chart_release(&r->chart);
	buf_release(&r->key);
	buf_release(&r->scratch);
	buf_release(&r->save.config);
	for (i = 0; i < r->nspec; i++)
		aggspec_release(&r->spec[i]);
	free(r->spec);
	for (i = 0; i < r->nkey; i++)
		free(r->keyname[i]);
	free_names(r->keyname, r->keyslot);
	for (i = 0; i < r->nsesskey; i++)
		free(r->sesskeyname[i]);
	free_names(r->sesskeyname, r->sesskeyslot);
	free_names(r->wkeyname, r->wkeyslot);
	strategy_release(&r->st);
}

/* A record's sequence number: its place in the input, after --part's. */
static uint64_t
seq(const struct aggrun *r)
{
	return (r->part << AGGRUN_PART_SHIFT) + r->seq_base + r->ledger->read;
}

/* Set-up */

int
aggrun_setup(struct aggrun *r, struct fieldset *fs, int where,
    const char *state_path, char *err, size_t errlen)
{
	r->fields = fs;
	r->save.fields = fs;
	r->save.path = state_path;
	if (r->merge) {
		if (r->st.win.kind != WINDOW_NONE || where || r->emit_every) {
			snprintf(err, errlen, "--merge takes the aggregations "
			    "and -g of the partial runs, not windows, --where "
			    "or --emit-every");
			return -1;
		}
		partial_slots_add(&r->save.slots, fs, r->spec, r->nspec,
		    r->st.start_field, r->st.end_field, 0);
	} else if (state_path)
		partial_slots_add(&r->save.slots, fs, r->spec, r->nspec,
		    r->st.start_field, r->st.end_field, 1);
	aggsave_config(&r->save, r->keyname, r->nkey, r->spec, r->nspec);
	return 0;
}

void
aggrun_check_state(struct aggrun *r, const struct state *s)
{
	r->seq_base = aggsave_check(&r->save, s);
}

static void
add_name(char ***name, int **slot, size_t *n, char *nm, int sl)
{
	*name = xrealloc(*name, (*n + 1) * sizeof **name);
	*slot = xrealloc(*slot, (*n + 1) * sizeof **slot);
	(*name)[*n] = nm;
	(*slot)[(*n)++] = sl;
}

/*
 * Sessions are per --key, else per group (as Beam's are per key of the
 * grouping).  Key fields that are not group fields lead each result.
 */
static int
session_keys(struct aggrun *r, char *err, size_t errlen)
{
	size_t i, k;

	if (r->st.key == NULL) {
		winstate_session_key(&r->ws, r->keyslot, r->keyname, r->nkey);
		return 0;
	}
	if (fieldset_add_list(r->fields, r->st.key, &r->sesskeyname,
	    &r->sesskeyslot, &r->nsesskey) < 0) {
		snprintf(err, errlen, "--key '%s': empty field name",
		    r->st.key);
		return -1;
	}
	for (i = 0; i < r->nsesskey; i++) {
		for (k = 0; k < r->nkey && r->sesskeyslot[i] != r->keyslot[k];
		    k++)
			;
		if (k == r->nkey)
			add_name(&r->wkeyname, &r->wkeyslot, &r->nwkey,
			    r->sesskeyname[i], r->sesskeyslot[i]);
	}
	for (k = 0; k < r->nkey; k++)
		add_name(&r->wkeyname, &r->wkeyslot, &r->nwkey, r->keyname[k],
		    r->keyslot[k]);
	r->ws.keyslot = r->wkeyslot;
	r->ws.keyname = r->wkeyname;
	r->ws.nkey = r->nwkey;
	winstate_session_key(&r->ws, r->sesskeyslot, r->sesskeyname,
	    r->nsesskey);
	return 0;
}

/* Windows are on: from options, or from the input's strategy line. */
static int
start_windows(struct aggrun *r, char *err, size_t errlen)
{
	struct strategy *st = &r->st;

	stamper_init(&r->stamper, st, r->annotated, r->fields);
	winstate_init(&r->ws, r->spec, r->nspec, r->keyslot, r->keyname,
	    r->nkey, &st->win, st->allowed_lateness);
	r->ws.max_groups = r->max_groups;
	if (st->trigger || r->trig) {
		r->ws.sliced = 0;	/* panes per window, as triggers say */
		r->ws.triggered = 1;
	}
	if (st->retract)
		winstate_init(&r->prevs, r->spec, r->nspec, r->ws.keyslot,
		    r->ws.keyname, r->ws.nkey, &r->merged,
		    st->allowed_lateness);
	if (st->win.kind == WINDOW_SESSION && session_keys(r, err, errlen) < 0)
		return -1;
	watermark_init(&r->wm, st->max_delay);
	r->wm.max_jump = st->max_jump;
	r->wins = xcalloc(window_count(&st->win), sizeof *r->wins);
	r->save.st = st;
	r->save.panes = r->trig ? &r->panes : NULL;
	if (r->saving)
		aggsave_restore(&r->save, r->state);
	return 0;
}

/* --state: a pane's raw key as the JSON array of its texts, and back. */
static void
key_text(void *arg, const char *key, size_t len, struct buf *b)
{
	const struct aggpane *a = arg;

	agg_key_to_json(key, len, a->ws->nsesskey, b);
}

static int
key_bytes(void *arg, const char *text, size_t len, struct buf *b)
{
	const char *k;
	size_t n;

	if (aggpane_key_bytes(arg, text, len, &k, &n) < 0)
		return -1;
	buf_add(b, k, n);
	return 0;
}

static void
pane_fired(void *arg, const struct punct *p)
{
	aggpane_fire(arg, p);
}

static void
pane_expired(void *arg, const struct punct *p)
{
	aggpane_expire(arg, p);
}

/* --trigger: stream-trigger's panes in-process (see lib/pane). */
static int
set_up_trigger(struct aggrun *r, char *err, size_t errlen)
{
	char why[256];

	if ((r->trig = trigger_parse(r->trigger_text, why, sizeof why)) ==
	    NULL) {
		snprintf(err, errlen, "--trigger '%s': %s", r->trigger_text,
		    why);
		return -1;
	}
	if (r->partial) {
		snprintf(err, errlen, "--trigger does not go with --partial: "
		    "merge partial runs, then trigger");
		return -1;
	}
	if (r->st.win.kind == WINDOW_SESSION)
		trigger_set_merging(r->trig, 1);
	r->st.accumulate = r->accumulate;
	r->st.retract = r->retract;
	r->st.pane_info = r->pane_info;
	panes_init(&r->panes, r->trig, r->accumulate, r->st.allowed_lateness);
	r->panes.empty_rules = r->st.empty_rules;
	r->panes.fire = pane_fired;
	r->panes.expire = pane_expired;
	r->panes.arg = &r->pane;
	r->panes.key_text = key_text;
	r->panes.key_bytes = key_bytes;
	r->pane.raw_keys = 1;
	return 0;
}

/* Windows from our options, checked; none unless a kind is given. */
static int
set_up_windows(struct aggrun *r, char *err, size_t errlen)
{
	const struct strategy *st = &r->st;

	if (st->win.kind == WINDOW_NONE) {
		if (st->time_field || st->tzname || st->delay_given ||
		    st->max_jump || st->idle || st->allowed_lateness ||
		    st->win.period || st->win.offset || r->late_path ||
		    r->trigger_text || r->pane_info || r->empty_given) {
			snprintf(err, errlen, "window options need a window: "
			    "--tumbling, --sliding or --global");
			return -1;
		}
		return 0;
	}
	if (strategy_finish(&r->st, err, errlen) < 0)
		return -1;
	if (r->emit_every) {
		snprintf(err, errlen, "--emit-every is for aggregates without "
		    "windows");
		return -1;
	}
	if (r->empty_given && r->trigger_text == NULL)
		r->trigger_text = TRIGGER_DEFAULT;	/* whose panes they are */
	if (r->trigger_text && set_up_trigger(r, err, errlen) < 0)
		return -1;
	return start_windows(r, err, errlen);
}

/* What -o chart charts: --chart's aggregate, else the first number. */
static const struct aggspec *
chart_spec(const struct aggrun *r, char *err, size_t errlen)
{
	static const char *const texts[] = { "first", "last", "collect",
	    "top" };
	const struct aggspec *a;
	size_t j, k;
	int text;

	for (j = 0; j < r->nspec; j++) {
		a = &r->spec[j];
		for (k = text = 0; k < 4; k++)
			text |= strncmp(a->opname, texts[k],
			    strlen(texts[k])) == 0;
		if (r->chart_field && strcmp(a->name, r->chart_field) != 0)
			continue;
		if (!text)
			return a;
		if (r->chart_field) {
			snprintf(err, errlen, "--chart '%s': %s gives text, "
			    "not a number to chart", a->name, a->opname);
			return NULL;
		}
	}
	if (r->chart_field)
		snprintf(err, errlen, "--chart '%s': not the name of an "
		    "aggregation here", r->chart_field);
	else
		snprintf(err, errlen, "-o chart: no aggregation gives a "
		    "number to chart (first, last, collect and top give "
		    "text)");
	return NULL;
}

static void
chart_done(void *arg)
{
	chart_window_end(arg);
}

/* -o table and -o chart: the results go to them. */
static int
set_up_output(struct aggrun *r, int oflag, char *err, size_t errlen)
{
	const struct aggspec *charted;
	const char **other;
	size_t j, n = 0;

	if (r->chart_field && oflag != FMT_CHART) {
		snprintf(err, errlen, "--chart goes with -o chart");
		return -1;
	}
	if (oflag != FMT_TABLE && oflag != FMT_CHART)
		return 0;
	if (r->partial) {
		snprintf(err, errlen, "-o %s and --partial do not mix: a "
		    "partial state is for --merge to read", ofmt_name(oflag));
		return -1;
	}
	r->ofmt = oflag;
	if (oflag == FMT_TABLE) {
		table_init(&r->table, r->out);
		r->pane.sink = &r->table.sink;
		return 0;
	}
	if (r->emit_every) {
		snprintf(err, errlen, "-o chart charts windows, not "
		    "--emit-every's running results");
		return -1;
	}
	if ((charted = chart_spec(r, err, errlen)) == NULL)
		return -1;
	other = xcalloc(r->nspec + 1, sizeof *other);
	for (j = 0; j < r->nspec; j++)
		if (&r->spec[j] != charted)
			other[n++] = r->spec[j].name;
	chart_init(&r->chart, r->out, charted->name, &r->st.start_field,
	    &r->st.end_field, other, n);
	free(other);
	r->pane.sink = &r->chart.sink;
	r->pane.table_done = chart_done;
	return 0;
}

/* Write what -o table holds and -o chart's window, then the output. */
static void
flush_out(struct aggrun *r)
{
	if (r->ofmt == FMT_TABLE)
		table_flush(&r->table);
	else if (r->ofmt == FMT_CHART)
		chart_window_end(&r->chart);
	out_flush(r->out);
}

int
aggrun_start(struct aggrun *r, struct out *out, int oflag,
    struct ledger *ledger, const struct state *s, char *err, size_t errlen)
{
	r->out = out;
	r->ledger = ledger;
	r->saving = s != NULL;
	r->state = s;
	r->save.tab = &r->tab;
	r->save.ws = &r->ws;
	r->save.prevs = &r->prevs;
	r->save.wm = &r->wm;
	aggtab_init(&r->tab, r->spec, r->nspec, r->keyslot, r->keyname,
	    r->nkey);
	r->tab.max_groups = r->max_groups;
	r->pane.out = out;
	r->pane.sort = r->sort;
	r->pane.partial = r->partial;
	r->pane.st = &r->st;
	r->pane.ws = &r->ws;
	r->pane.prevs = &r->prevs;
	r->pane.written = &ledger->written;
	if (r->chart_field && oflag < 0)
		oflag = FMT_CHART;
	if (set_up_output(r, oflag, err, errlen) < 0)
		return -1;
	r->pane.oflag = oflag;
	if (r->late_path && out_open(&r->lateout, r->late_path, 0) < 0)
		diag_fatal(1, "cannot open '%s': %s", r->late_path,
		    strerror(errno));
	if (r->emit_every)
		r->next_emit.us = mono_now().us + r->emit_every;
	if (set_up_windows(r, err, errlen) < 0)
		return -1;
	if (s && r->st.win.kind == WINDOW_NONE)
		aggsave_restore(&r->save, s);
	return 0;
}

/* Firing */

/*
 * Fire what the watermark has passed.  Results are written out when the
 * input has nothing more ready (aggrun_tick, called before the read
 * blocks), not here: a live stream sees each at once, and a file or a
 * busy pipe is not written a window at a time (a million sessions were
 * a million writes).
 */
static void
fire(struct aggrun *r)
{
	if (r->trig) {
		panes_watermark(&r->panes, r->wm.wm);
		return;
	}
	if (winstate_fire(&r->ws, r->wm.wm, aggpane_fired, &r->pane) ==
	    AGG_FULL)
		diag_fatal(1, "more than %zu groups in a window: raise "
		    "--max-groups", r->max_groups);
	r->pane.fired_upto = r->wm.wm;
}

static void
emit(struct aggrun *r)
{
	if (r->pane.fmt < 0)
		return;		/* no record yet: nothing to say */
	aggpane_table(&r->pane, &r->tab, NULL, 0, AGG_EMPTY_SKIP);
}

/* The running results of --emit-every, when anything changed. */
static int
emit_due(struct aggrun *r)
{
	struct monotime now;

	if (r->emit_every == 0)
		return -1;
	now = mono_now();
	if (now.us < r->next_emit.us)
		return (int)((r->next_emit.us - now.us + 999) / 1000);
	if (r->tab.changed) {
		emit(r);
		flush_out(r);
	}
	r->next_emit.us = now.us + r->emit_every;
	return (int)((r->emit_every + 999) / 1000);
}

int
aggrun_tick(struct aggrun *r, struct monotime last_line)
{
	int64_t quiet = mono_now().us - last_line.us, idle = r->st.idle;
	int ms, tell = -1;

	r->run.serial = 0;	/* --idle may fire: the run's table moves */

	if (r->st.win.kind != WINDOW_NONE && r->ledger->read > 0)
		tell = strategy_tell_delay(&r->st, quiet);
	if (r->trig && (ms = panes_timers(&r->panes, r->wm.wm)) >= 0) {
		flush_out(r);
		return ms;	/* before --idle's: a test clock moves it */
	}
	flush_out(r);
	if (r->st.win.kind == WINDOW_NONE)
		return emit_due(r);
	if (idle == 0)
		return tell;
	if (quiet < idle)
		ms = (int)((idle - quiet + 999) / 1000);
	else {
		if (watermark_idle(&r->wm, wall_now()))
			fire(r);
		ms = (int)((idle + 999) / 1000);
	}
	return tell >= 0 && tell < ms ? tell : ms;
}

evtime
aggrun_watermark(const struct aggrun *r)
{
	return r->st.win.kind != WINDOW_NONE ? r->wm.wm : EVTIME_MIN;
}

/* Control lines */

static void
input_strategy(struct aggrun *r, const char *file, uintmax_t lineno,
    const char *line, size_t len)
{
	char err[256];

	if (r->st.win.kind != WINDOW_NONE && !r->annotated)
		diag_fatal(2, "%s:%ju: the input is windowed already: drop "
		    "the window options", file, lineno);
	if (r->annotated)
		return;		/* a second strategy: the first holds */
	if (r->ledger->read > 0)
		diag_fatal(1, "%s:%ju: a strategy line after records", file,
		    lineno);
	if (strategy_parse(&r->st, line, len, err, sizeof err) < 0)
		diag_fatal(1, "%s:%ju: %s", file, lineno, err);
	r->annotated = 1;
	if (start_windows(r, err, sizeof err) < 0)
		diag_fatal(1, "%s:%ju: %s", file, lineno, err);
}

void
aggrun_control(struct aggrun *r, const struct punct *pp, const char *file,
    uintmax_t lineno, const char *line, size_t len)
{
	struct punct p = *pp;

	r->run.serial = 0;	/* what it fires, the run's table moves */
	if (r->punct) {
		out_write(r->out, line, len);
		out_putc(r->out, '\n');
	}
	if (p.kind == PUNCT_STRATEGY)
		input_strategy(r, file, lineno, line, len);
	else if (p.kind == PUNCT_FIRE && r->st.trigger)
		aggpane_fire(&r->pane, &p);
	else if (p.kind == PUNCT_WATERMARK && r->st.win.kind != WINDOW_NONE) {
		if (p.at_end)
			watermark_end(&r->wm);
		else
			watermark_raise(&r->wm, p.t);
		if (!r->st.trigger)
			fire(r);
	}
}

/* Records */

static int
late_record(struct aggrun *r, const struct record *rec)
{
	r->ledger->late++;
	if (r->late_path) {
		out_write(&r->lateout, rec->line, rec->len);
		out_putc(&r->lateout, '\n');
	} else
		r->ledger->status = 1;	/* nothing is lost silently */
	return 0;
}

static void __attribute__((noreturn))
too_many_groups(const struct aggrun *r, const struct record *rec)
{
	diag_at(rec->file, rec->lineno, "more than %zu groups: raise "
	    "--max-groups", r->max_groups);
	exit(1);
}

/* What became of a record: kept, late or rejected (why), in the ledger;
 * remembered for the other lines of a sliding stream's record. */
enum { FATE_KEPT, FATE_LATE, FATE_REJECTED };

static int
fate(struct aggrun *r, const struct record *rec, int f, const char *why)
{
	r->last.fate = f;
	/* only a rejection's reason is said again (sliding_line), and a
	 * record kept needs no copy of "" */
	if (f == FATE_REJECTED && why != r->last.why)
		snprintf(r->last.why, sizeof r->last.why, "%s", why);
	switch (f) {
	case FATE_KEPT:
		r->ledger->kept++;
		return 0;
	case FATE_LATE:
		return late_record(r, rec);
	}
	return ledger_reject(r->ledger, rec->file, rec->lineno, rec->line,
	    rec->len, "%s", why);
}

/*
 * A stream-window sliding stream holds each record once per window,
 * oldest first.  Slices take a record once: from the line of its oldest
 * window, whose windows follow from its time; its other lines share
 * that line's fate.  1 when rec is such another line.
 */
static int
sliding_line(struct aggrun *r, const struct record *rec, evtime t,
    const struct window *w, size_t n, int *rc)
{
	struct window line;
	char why[256];

	if (!r->annotated || r->st.win.kind != WINDOW_SLIDING || n < 2)
		return 0;
	if (stamper_windows(&r->stamper, rec, t, &line, why, sizeof why) == 0) {
		*rc = fate(r, rec, FATE_REJECTED, why);
		return 1;
	}
	if (line.start == w[0].start || t != r->last.t)
		return 0;
	*rc = fate(r, rec, r->last.fate, r->last.why);
	return 1;
}

/* Under a trigger, a record into window w: a session merges per key.
 * AGG_OK or AGG_REJECT with why; too many groups end the run. */
static int
add_to_window(struct aggrun *r, const struct record *rec, evtime t,
    const struct window *w, char *why, size_t whylen)
{
	int rc;

	if (r->st.win.kind != WINDOW_SESSION)
		rc = aggtab_add(winstate_table(&r->ws, w), rec, seq(r), why,
		    whylen);
	else if ((rc = winstate_add(&r->ws, rec, seq(r), t, w, 1, r->wm.wm,
	    why, whylen)) > 0)
		rc = AGG_OK;
	if (rc == AGG_FULL)
		too_many_groups(r, rec);
	return rc;
}

/* The windows the watermark expired: let go, once for each watermark. */
static void
expire(struct aggrun *r)
{
	if (r->wm.wm != r->expired_at) {	/* only a new watermark can */
		winstate_expire(&r->ws, r->wm.wm);
		if (r->st.retract)
			winstate_expire(&r->prevs, r->wm.wm);
		r->expired_at = r->wm.wm;
	}
}

/*
 * Behind stream-trigger: the record's line into its window (stream-trigger
 * dropped what was late); the windows the watermark expired before this
 * record are let go first, after the fire lines that followed it.
 */
static int
triggered_record(struct aggrun *r, struct record *rec)
{
	char why[256];
	evtime t;
	size_t n, i;

	winstate_prefetch(&r->ws, rec, seq(r));	/* a session's key */
	if (stamper_time(&r->stamper, rec, &t, why, sizeof why) < 0 ||
	    (n = stamper_windows(&r->stamper, rec, t, r->wins, why,
	    sizeof why)) == 0)
		return fate(r, rec, FATE_REJECTED, why);
	if (r->st.win.kind == WINDOW_SLIDING)
		n = 1;			/* a line per window: its own */
	expire(r);
	for (i = 0; i < n; i++)
		if (add_to_window(r, rec, t, &r->wins[i], why,
		    sizeof why) == AGG_REJECT)
			return fate(r, rec, FATE_REJECTED, why);
	watermark_observe(&r->wm, t);
	metrics_delay(r->metrics, t);
	return fate(r, rec, FATE_KEPT, "");
}

/* A session's key for the panes: its bytes as winstate keeps them (not
 * the JSON that stream-trigger's fire lines carry); NULL without
 * sessions. */
static int
session_key(struct aggrun *r, const struct record *rec, const char **key,
    size_t *len, char *why, size_t whylen)
{
	*key = NULL;
	*len = 0;
	if (r->st.win.kind != WINDOW_SESSION)
		return 0;
	buf_reset(&r->scratch);
	return agg_key(rec, r->ws.sesskeyslot, r->ws.sesskeyname,
	    r->ws.nsesskey, &r->key, &r->scratch, key, len, why, whylen);
}


/*
 * A run's records share the window of its first time when its last is
 * in it too (stream-window cuts a run where the window changes; a run
 * line is believed, not trusted), and they are on time: stream-trigger
 * takes a run whole only when none is late or fires.  So the window's
 * table is found once a run, and the watermark moved once: observing
 * the last time first is observing them all by the run's end, and the
 * windows it expires end before the run's.  Nothing else comes between
 * a run's records to move the table: stream-trigger passes a run whole
 * only when no window fires or expires inside it.
 */
static struct aggtab *
run_table(struct aggrun *r, evtime lo, evtime hi)
{
	struct window w[2];

	if (lo > hi || window_assign(&r->st.win, lo, &w[0]) != 1 ||
	    window_assign(&r->st.win, hi, &w[1]) != 1 ||
	    w[0].start != w[1].start)
		return NULL;
	watermark_observe(&r->wm, hi);
	expire(r);
	return winstate_table(&r->ws, &w[0]);
}

int
aggrun_run_record(struct aggrun *r, struct record *rec, uint64_t run,
    evtime lo, evtime hi)
{
	char why[256];

	/* --metrics and --stats want each record's delay; --state keeps
	 * the watermark of the records kept, which a run's max_t passes
	 * when --where drops its last. */
	if (!r->st.trigger || r->st.win.kind != WINDOW_TUMBLING ||
	    r->saving || (r->metrics && r->metrics->delay))
		return aggrun_record(r, rec);
	if (run != r->run.serial) {
		r->run.serial = run;
		r->run.tab = run_table(r, lo, hi);
	}
	if (r->run.tab == NULL)
		return aggrun_record(r, rec);
	switch (aggtab_add(r->run.tab, rec, seq(r), why, sizeof why)) {
	case AGG_REJECT:
		return fate(r, rec, FATE_REJECTED, why);
	case AGG_FULL:
		too_many_groups(r, rec);
	}
	return fate(r, rec, FATE_KEPT, "");
}

/* --trigger in-process: as stream-trigger and stream-agg behind it. */
static int
trigger_record(struct aggrun *r, struct record *rec)
{
	char why[256];
	const char *key;
	size_t n, i, taken = 0, keylen;
	evtime t;

	if (stamper_time(&r->stamper, rec, &t, why, sizeof why) < 0 ||
	    (n = stamper_windows(&r->stamper, rec, t, r->wins, why,
	    sizeof why)) == 0 ||
	    session_key(r, rec, &key, &keylen, why, sizeof why) < 0)
		return fate(r, rec, FATE_REJECTED, why);
	if (watermark_outlier(&r->wm, t))
		return fate(r, rec, FATE_REJECTED, "event time more than "
		    "--max-jump ahead of the watermark");
	for (i = 0; i < n; i++) {
		if (panes_late(&r->panes, &r->wins[i], key, keylen, r->wm.wm))
			continue;
		if (add_to_window(r, rec, t, &r->wins[i], why,
		    sizeof why) == AGG_REJECT)
			return fate(r, rec, FATE_REJECTED, why);
		taken++;
		panes_record(&r->panes, &r->wins[i], key, keylen, r->wm.wm);
	}
	if (watermark_observe(&r->wm, t))
		fire(r);
	if (taken)
		metrics_delay(r->metrics, t);
	return fate(r, rec, taken ? FATE_KEPT : FATE_LATE, "");
}

/* A record into its windows, then the watermark moves and fires. */
static int
window_record(struct aggrun *r, struct record *rec)
{
	char why[256] = "event time out of range";
	evtime t;
	size_t n;
	int rc;

	winstate_prefetch(&r->ws, rec, seq(r));
	if (stamper_time(&r->stamper, rec, &t, why, sizeof why) < 0)
		return fate(r, rec, FATE_REJECTED, why);
	/* a sliding stream's windows follow from _t: see sliding_line */
	n = r->annotated && r->st.win.kind == WINDOW_SLIDING ?
	    window_assign(&r->st.win, t, r->wins) :
	    stamper_windows(&r->stamper, rec, t, r->wins, why, sizeof why);
	if (n == 0)
		return fate(r, rec, FATE_REJECTED, why);
	if (sliding_line(r, rec, t, r->wins, n, &rc))
		return rc;
	r->last.t = t;
	if (!r->annotated && watermark_outlier(&r->wm, t))
		return fate(r, rec, FATE_REJECTED, "event time more than "
		    "--max-jump ahead of the watermark");
	switch (rc = winstate_add(&r->ws, rec, seq(r), t, r->wins, n,
	    r->wm.wm, why, sizeof why)) {
	case AGG_REJECT:
		return fate(r, rec, FATE_REJECTED, why);
	case AGG_FULL:
		too_many_groups(r, rec);
	case 0:
		return fate(r, rec, FATE_LATE, "");
	}
	fate(r, rec, FATE_KEPT, "");
	metrics_delay(r->metrics, t);
	/* behind the watermark, it may have opened a late pane: fire that
	 * now, as Beam's default trigger fires for each late record */
	if (watermark_observe(&r->wm, t) || t < r->wm.wm)
		fire(r);
	return 0;
}

/* The window bounds of a partial record, microseconds: 1 when it has
 * them, 0 when not, -1 when they are bad. */
static int
partial_bounds(const struct aggrun *r, const struct record *rec,
    struct window *w)
{
	const struct val *s = &rec->v[r->save.slots.start];
	const struct val *e = &rec->v[r->save.slots.end];
	int isint;

	if (s->type == VAL_MISSING && e->type == VAL_MISSING)
		return 0;
	if (num_parse(s->p, s->n, NULL, &isint, &w->start) < 0 || !isint ||
	    s->type != VAL_NUM)
		return -1;
	if (num_parse(e->p, e->n, NULL, &isint, &w->end) < 0 || !isint ||
	    e->type != VAL_NUM || w->end <= w->start)
		return -1;
	return 1;
}

/* --merge: a partial record into its group's (and window's) state. */
static int
merge_record(struct aggrun *r, const struct record *rec)
{
	struct aggtab *t = &r->tab;
	struct window w;
	char why[256];

	switch (partial_bounds(r, rec, &w)) {
	case -1:
		return fate(r, rec, FATE_REJECTED, "bad window bounds in a "
		    "partial record");
	case 1:
		if (r->ws.win == NULL) {
			winstate_init(&r->ws, r->spec, r->nspec, r->keyslot,
			    r->keyname, r->nkey, &r->merged, 0);
			r->ws.max_groups = r->max_groups;
		}
		t = winstate_table(&r->ws, &w);
	}
	switch (aggtab_merge_partial(t, rec, r->save.slots.first, -1, why,
	    sizeof why)) {
	case AGG_REJECT:
		return fate(r, rec, FATE_REJECTED, why);
	case AGG_FULL:
		too_many_groups(r, rec);
	}
	return fate(r, rec, FATE_KEPT, "");
}

/* -o chart draws windows: without any, say so before anything. */
static void
chart_needs_windows(const struct aggrun *r)
{
	if (r->ofmt == FMT_CHART && r->st.win.kind == WINDOW_NONE &&
	    !r->merge)
		diag_fatal(2, "-o chart charts windows: give --tumbling, "
		    "--sliding, --session or --global, or read what "
		    "stream-window writes");
}

void
aggrun_read(struct aggrun *r, int fmt)
{
	if (r->pane.fmt < 0) {
		r->pane.fmt = fmt;
		chart_needs_windows(r);
	}
	if (r->emit_every && (++r->tick & 1023) == 0)
		emit_due(r);
}

int
aggrun_record(struct aggrun *r, struct record *rec)
{
	char why[256];

	if (r->st.trigger)
		return triggered_record(r, rec);
	if (r->trig)
		return trigger_record(r, rec);
	if (r->st.win.kind != WINDOW_NONE)
		return window_record(r, rec);
	if (r->merge)
		return merge_record(r, rec);
	switch (aggtab_add(&r->tab, rec, seq(r), why, sizeof why)) {
	case AGG_REJECT:
		return ledger_reject(r->ledger, rec->file, rec->lineno,
		    rec->line, rec->len, "%s", why);
	case AGG_FULL:
		too_many_groups(r, rec);
	}
	r->ledger->kept++;
	return 0;
}

/* The end */

/* The end of -o table and -o chart: what is held, the sparklines. */
static void
finish_output(struct aggrun *r)
{
	if (r->ofmt == FMT_TABLE)
		table_flush(&r->table);
	else if (r->ofmt == FMT_CHART)
		chart_finish(&r->chart);
}

void
aggrun_finish(struct aggrun *r)
{
	struct ledger *l = r->ledger;

	chart_needs_windows(r);
	if (r->st.win.kind == WINDOW_NONE) {
		emit(r);
		if (r->merge && r->ws.win)	/* merged windows, end order */
			winstate_fire(&r->ws, EVTIME_MAX, aggpane_fired,
			    &r->pane);
		finish_output(r);
		return;
	}
	/* with --state the stream goes on in the next run */
	if (!r->saving)
		watermark_end(&r->wm);
	if (!r->st.trigger)	/* else the fire lines said it all */
		fire(r);
	finish_output(r);
	if (!r->late_path)
		ledger_warn_dropped(l);
	if (r->late_path && out_release(&r->lateout) < 0) {
		diag_warn("'%s': write error: %s", r->late_path,
		    strerror(r->lateout.err));
		l->status = 1;
	}
}

/* --metrics: what is open, and the panes written. */
struct open_count {
	size_t windows, groups;
};

static void
count_open(void *arg, int kind, const struct window *w, struct aggtab *t)
{
	struct open_count *c = arg;

	(void)kind;
	(void)w;
	c->windows++;
	c->groups += aggtab_count(t);
}

void
aggrun_metrics(void *arg, struct prom *p)
{
	struct aggrun *r = arg;
	struct open_count c = { 0, 0 };

	if (r->ws.win)
		winstate_each(&r->ws, count_open, &c);
	else
		c.groups = aggtab_count(&r->tab);
	prom_single(p, "streamkit_open_groups", "gauge", "Groups held, in "
	    "every open window, slice and session.", (double)c.groups);
	if (r->st.win.kind == WINDOW_NONE)
		return;
	metrics_open_windows(p, c.windows);
	metrics_panes(p, r->pane.panes);
}

void
aggrun_save(struct aggrun *r, struct buf *b)
{
	aggsave_write(&r->save, b, r->seq_base + r->ledger->read);
}
