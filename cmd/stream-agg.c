/*
 * stream-agg - per-key aggregates over a stream of records.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "diag.h"
#include "filter.h"
#include "ledger.h"
#include "out.h"
#include "pred.h"
#include "pane.h"
#include "punct.h"
#include "input.h"
#include "progress.h"
#include "reader.h"
#include "sig.h"
#include "state.h"
#include "record.h"
#include "strategy.h"
#include "time.h"
#include "trigger.h"
#include "watermark.h"
#include "winstate.h"

#define VERSION "0.1.0"

enum {
	OPT_SORT = 256, OPT_EMIT_EVERY, OPT_PUNCT, OPT_MAX_GROUPS,
	OPT_LATE_OUTPUT, OPT_PARTIAL, OPT_MERGE, OPT_PART, OPT_TRIGGER,
	OPT_ACCUMULATE, OPT_DISCARD, OPT_PANE_INFO, OPT_RETRACT, OPT_EXACT
};

static const struct option own_options[] = {
	{ "group-by", required_argument, NULL, 'g' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "emit-every", required_argument, NULL, OPT_EMIT_EVERY },
	{ "exact", no_argument, NULL, OPT_EXACT },
	{ "late-output", required_argument, NULL, OPT_LATE_OUTPUT },
	{ "max-groups", required_argument, NULL, OPT_MAX_GROUPS },
	{ "merge", no_argument, NULL, OPT_MERGE },
	{ "part", required_argument, NULL, OPT_PART },
	{ "trigger", required_argument, NULL, OPT_TRIGGER },
	{ "accumulate", no_argument, NULL, OPT_ACCUMULATE },
	{ "discard", no_argument, NULL, OPT_DISCARD },
	{ "pane-info", no_argument, NULL, OPT_PANE_INFO },
	{ "retract", no_argument, NULL, OPT_RETRACT },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ "punct", no_argument, NULL, OPT_PUNCT },
	{ "sort", no_argument, NULL, OPT_SORT },
	{ NULL, 0, NULL, 0 }
};

static struct filter flt;		/* common options, ledger, streams */
static int sortflag, punctflag, exactflag;
static int partialflag, mergeflag;
static uint64_t part_base;		/* --part N: N << PART_SHIFT */
#define PART_SHIFT 40			/* records per part: 2^40 */
#define PART_MAX ((UINT64_C(1) << (64 - PART_SHIFT)) - 1)
static int first_slot, mstart_slot, mend_slot;	/* --merge, --state */
static int sstart_slot, send_slot;	/* --state: a retraction's session */
static uint64_t seq_base;		/* records of the runs before */
static int64_t emit_every;		/* microseconds, 0: off */
static struct monotime next_emit;
static struct fieldset fields = FIELDSET_INIT;
static struct aggtab tab;
static struct recw writer;
static int outfmt = -1;			/* decided by the first record */
static struct buf scratch = BUF_INIT;

/* Windows: from our options (in-process) or the input's strategy line. */
static struct strategy st;
static int annotated;			/* the input carries its windows */
static struct stamper stamper;
static struct watermark wm;
static struct winstate ws;
static struct window *wins;
static struct out lateout;
static const char *late_path;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: stream-agg [-i fmt] [-o fmt] [-g fields] [-w expr] [--sort]\n"
	    "                  [-t field] [--time-format fmt] [--time-output fmt]\n"
	    "                  [--tumbling size | --sliding size --every period |\n"
	    "                   --session gap | --global] [--key fields]\n"
	    "                  [--offset off] [--tz zone]\n"
	    "                  [--max-delay d] [--max-jump d] [--idle d]\n"
	    "                  [--allowed-lateness d] [--late-output file]\n"
	    "                  [--trigger expr] [--accumulate | --discard |\n"
	    "                   --retract]\n"
	    "                  [--pane-info]\n"
	    "                  [--start-field name] [--end-field name]\n"
	    "                  [--emit-every duration] [--max-groups n] [--exact]\n"
	    "                  [--max-line-bytes n] [--progress]\n"
	    "                  [--state file] [-O file]\n"
	    "                  [--on-error warn|skip|fail] [--rejects file]\n"
	    "                  [--stats] [--punct] [--partial [--part n] | --merge]\n"
	    "                  [aggregation ...] [file ...]\n");
	if (status == 0)
		fputs("\n"
		    "examples, from stream-agg(1):\n"
		    "  Requests and bytes by status in an nginx log, sorted:\n"
		    "    stream-agg -g status --sort count sum:bytes access.log\n"
		    "\n"
		    "  Server errors by method, as CSV:\n"
		    "    stream-agg --where 'status >= 500' -g method -o csv count access.log\n"
		    "\n"
		    "  Requests per status in hourly windows of an nginx log:\n"
		    "    stream-agg -t time --tumbling 1h -g status --sort count access.log | head -n 3\n", stdout);
	exit(status);
}

static size_t
parse_count(const char *opt, const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (*arg == '-' || *arg == '\0' || *end != '\0' || errno != 0 ||
	    v > SIZE_MAX) {
		diag_warn("%s '%s': not a count", opt, arg);
		usage(2);
	}
	return (size_t)v;
}

/* Split "a,b,c" (the argument of opt) into fields. */
static void
parse_fields(const char *opt, const char *arg, char ***names, int **slots,
    size_t *n)
{
	if (fieldset_add_list(&fields, arg, names, slots, n) < 0) {
		diag_warn("%s '%s': empty field name", opt, arg);
		usage(2);
	}
}

/* A record's sequence number: its place in the input, after --part's. */
static uint64_t
seq(void)
{
	return part_base + seq_base + flt.ledger.read;
}

/* Write a table: results, or with --partial its state. */
static void
write_table(struct aggtab *t, const struct addfield *pre, size_t npre)
{
	if (partialflag)
		aggtab_partial(t, &flt.out, pre, npre);
	else {
		if (writer.o == NULL)
			recw_init(&writer, &flt.out, flt.oflag >= 0 ? flt.oflag : outfmt);
		aggtab_emit(t, &writer, sortflag, pre, npre);
	}
	flt.ledger.written += aggtab_count(t);
}

static void
emit(void)
{
	if (outfmt < 0)
		return;		/* no record yet: nothing to say */
	write_table(&tab, NULL, 0);
}

/* The pane a fire line asked for, for --pane-info's fields; with
 * --retract, the last pane of each window, and when one is being
 * retracted. */
static const struct punct *pane;
static struct winstate prevs;
static int retracting;
/* Windows kept whole, one table each (--merge, --retract's last panes). */
static struct windowing merged_windows = { WINDOW_TUMBLING, 1, 0, 0, 0, NULL };


/* Write the results of one window, its bounds first. */
static void
emit_window(void *arg, const struct window *w, struct aggtab *t)
{
	char start[TIME_RFC3339_MAX], end[TIME_RFC3339_MAX];
	char index[INT_FORMAT_MAX];
	int kind = st.time_output == TOUT_RFC3339 ||
	    st.time_output == TOUT_LOCAL ? OV_STR : OV_NUM;
	struct addfield pre[6] = {
		{ st.start_field, start, 0, kind },
		{ st.end_field, end, 0, kind },
		{ "pane", index, 0, OV_NUM },
		{ "timing", NULL, 0, OV_STR },
		{ "final", NULL, 0, OV_BOOL },
		{ "retract", "true", 4, OV_BOOL }
	};
	size_t npre = 2;

	(void)arg;
	if (partialflag) {	/* exact bounds: microseconds */
		pre[0].vlen = int_format(w->start, start);
		pre[1].vlen = int_format(w->end, end);
		pre[0].kind = pre[1].kind = OV_NUM;
	} else {
		pre[0].vlen = strategy_format_time(&st, w->start, start);
		pre[1].vlen = strategy_format_time(&st, w->end, end);
	}
	if (pane && st.pane_info && !retracting) {
		pre[2].vlen = int_format(pane->pane, index);
		pre[3].val = punct_timing_name(pane->timing);
		pre[3].vlen = strlen(pre[3].val);
		pre[4].val = pane->final ? "true" : "false";
		pre[4].vlen = strlen(pre[4].val);
		npre = 5;
	}
	if (retracting)		/* the pane before, to subtract */
		pre[npre++] = pre[5];
	/* rate: per second of a window that has an end */
	t->span = w->start == WINDOW_GLOBAL_START || w->end ==
	    WINDOW_GLOBAL_END ? 0 : (double)(w->end - w->start) / 1e6;
	write_table(t, pre, npre);
}

/*
 * Behind stream-trigger, panes come as fire lines: the pane of that
 * window, in the stream's mode (discarding clears the window, the final
 * pane frees it).  A window no record reached has no pane to write.
 */
/*
 * --retract for sessions: before the pane, the panes written for the
 * session and for those it merged since, each with its bounds then (the
 * Dataflow model's retractions of merged windows); the pane is the one
 * the next retracts.
 */
static void
session_pane(const struct punct *p, const struct window *w,
    struct aggtab *t, const char *key, size_t keylen)
{
	struct open_window *last;
	size_t n, i;

	last = winstate_session_last(&ws, key, keylen, w, &n);
	retracting = 1;
	for (i = 0; i < n; i++)
		if (aggtab_count(&last[i].tab) > 0)
			emit_window(NULL, &last[i].w, &last[i].tab);
	retracting = 0;
	pane = p;
	emit_window(NULL, w, t);
	pane = NULL;
	if (p->final)
		winstate_session_find(&ws, key, keylen, w, 1);
	else
		winstate_session_set_last(&ws, key, keylen, w, t);
	out_flush(&flt.out);
}

/* The session key of a fire line, as winstate keeps it; NULL when the
 * line has none, or none that this stream's key reads. */
static const char *
fire_key(const struct punct *p, size_t *len)
{
	static struct buf key = BUF_INIT, kscratch = BUF_INIT;
	const char *k = NULL;

	buf_reset(&kscratch);
	if (p->key == NULL || st.win.kind != WINDOW_SESSION ||
	    agg_key_from_json(p->key, p->keylen, ws.nsesskey, &key, &kscratch,
	    &k, len) < 0)
		return NULL;
	return k;
}

static void
fire_line(const struct punct *p)
{
	struct window w = { p->start, p->end };
	struct aggtab *t, *prev;
	const char *key = NULL;
	size_t keylen = 0;

	if (st.win.kind == WINDOW_SESSION) {
		if ((key = fire_key(p, &keylen)) == NULL)
			return;
		t = winstate_session_find(&ws, key, keylen, &w, 0);
	} else
		t = winstate_find(&ws, &w);
	if (t == NULL)
		return;
	if (st.retract && key) {
		session_pane(p, &w, t, key, keylen);
		return;
	}
	if (st.retract && (prev = winstate_find(&prevs, &w)) != NULL &&
	    aggtab_count(prev) > 0) {
		retracting = 1;
		emit_window(NULL, &w, prev);
		retracting = 0;
	}
	pane = p;
	emit_window(NULL, &w, t);
	pane = NULL;
	if (st.retract && !p->final) {	/* what the next pane retracts */
		prev = winstate_table(&prevs, &w);
		aggtab_clear(prev);
		aggtab_merge(prev, t);
	}
	if (p->final && key)
		winstate_session_find(&ws, key, keylen, &w, 1);
	else if (p->final) {
		winstate_remove(&ws, &w);
		winstate_remove(&prevs, &w);
	} else if (!st.accumulate)
		aggtab_clear(t);
	out_flush(&flt.out);
}

/* Enough for a busy key set; a runaway one stops with a clear error. */
#define MAX_GROUPS_DEFAULT 1000000
static size_t max_groups = MAX_GROUPS_DEFAULT;

/* --trigger in-process: the same panes stream-trigger would fire. */
static struct trigger *trig;
static struct panes panes;
static const char *trigger_text;
static int accumulate, pane_info, retract;

/* A pane fired: the window's results, then the mode's way with them. */
static void
pane_fired(void *arg, const struct punct *p)
{
	(void)arg;
	fire_line(p);
}

static void
pane_expired(void *arg, const struct punct *p)
{
	struct window w = { p->start, p->end };
	const char *key;
	size_t keylen;

	(void)arg;
	if (st.win.kind == WINDOW_SESSION) {
		if ((key = fire_key(p, &keylen)) != NULL)
			winstate_session_find(&ws, key, keylen, &w, 1);
		return;
	}
	winstate_remove(&ws, &w);
	if (st.retract)
		winstate_remove(&prevs, &w);
}

/* Fire what the watermark has passed; results leave at once. */
static void
fire(void)
{
	long n;

	if (trig) {
		panes_watermark(&panes, wm.wm);
		out_flush(&flt.out);
		return;
	}
	n = winstate_fire(&ws, wm.wm, emit_window, NULL);

	if (n == AGG_FULL)
		diag_fatal(1, "more than %zu groups in a window: raise "
		    "--max-groups", max_groups);
	if (n > 0)
		out_flush(&flt.out);
}

/* The running results of --emit-every, when anything changed. */
static int
emit_due(void)
{
	struct monotime now;

	if (emit_every == 0)
		return -1;
	now = mono_now();
	if (now.us < next_emit.us)
		return (int)((next_emit.us - now.us + 999) / 1000);
	if (tab.changed) {
		emit();
		out_flush(&flt.out);
	}
	next_emit.us = now.us + emit_every;
	return (int)((emit_every + 999) / 1000);
}

/* The read loop (lib/input), --progress and SIGUSR1 with it. */
static struct input inp;

static evtime
shown_watermark(void *arg)
{
	(void)arg;
	return st.win.kind != WINDOW_NONE ? wm.wm : EVTIME_MIN;
}

/* Input is about to block: show what we have, then wait for timers. */

static int
on_wait(void *arg)
{
	int64_t quiet;

	int ms;

	(void)arg;
	input_housekeeping(&inp);
	if (trig && (ms = panes_timers(&panes, wm.wm)) >= 0) {
		out_flush(&flt.out);
		return ms;	/* before --idle's: a test clock moves it */
	}
	out_flush(&flt.out);
	if (st.win.kind == WINDOW_NONE || st.idle == 0)
		return emit_due();
	quiet = mono_now().us - inp.last_line.us;
	if (quiet < st.idle)
		return (int)((st.idle - quiet + 999) / 1000);
	if (watermark_idle(&wm, wall_now()))
		fire();
	return (int)((st.idle + 999) / 1000);
}

static const struct aggspec *specs;
static size_t nspec, nkey;
static char **keynames;
static int *keyslots;

/* Sessions: their key, and the group key of their results. */
static char **sesskeynames, **wkeynames;
static int *sesskeyslots, *wkeyslots;
static size_t nsesskey, nwkey;

/*
 * Sessions are per --key, else per group (as Beam's are per key of the
 * grouping).  Key fields that are not group fields lead each result.
 */
static void
session_keys(void)
{
	size_t i, k;

	if (st.key == NULL) {
		winstate_session_key(&ws, keyslots, keynames, nkey);
		return;
	}
	parse_fields("--key", st.key, &sesskeynames, &sesskeyslots,
	    &nsesskey);
	winstate_session_key(&ws, sesskeyslots, sesskeynames, nsesskey);
	for (i = 0; i < nsesskey; i++) {
		for (k = 0; k < nkey && sesskeyslots[i] != keyslots[k]; k++)
			;
		if (k < nkey)
			continue;
		wkeynames = xrealloc(wkeynames, (nwkey + 1) * sizeof *wkeynames);
		wkeyslots = xrealloc(wkeyslots, (nwkey + 1) * sizeof *wkeyslots);
		wkeynames[nwkey] = sesskeynames[i];
		wkeyslots[nwkey++] = sesskeyslots[i];
	}
	for (k = 0; k < nkey; k++) {
		wkeynames = xrealloc(wkeynames, (nwkey + 1) * sizeof *wkeynames);
		wkeyslots = xrealloc(wkeyslots, (nwkey + 1) * sizeof *wkeyslots);
		wkeynames[nwkey] = keynames[k];
		wkeyslots[nwkey++] = keyslots[k];
	}
	ws.keyslot = wkeyslots;
	ws.keyname = wkeynames;
	ws.nkey = nwkey;
}

/*
 * --state: what a run leaves for the next.  The configuration, the
 * watermark, the record count, the output's length, and every open
 * table as partial state, each line under its kind; the inputs' places
 * are the state module's.
 */
static void restore_windows(void);

/* The aggregations and group fields a state belongs to. */
static void
config_text(struct buf *b)
{
	size_t i;

	buf_addstr(b, "-g ");
	for (i = 0; i < nkey; i++)
		buf_addf(b, "%s%s", i ? "," : "", keynames[i]);
	for (i = 0; i < nspec; i++)
		buf_addf(b, " %s%s%s=%s", aggspec_op_name(&specs[i]),
		    specs[i].field ? ":" : "", specs[i].field ?
		    specs[i].field : "", specs[i].name);
}

static void __attribute__((noreturn))
bad_state(const char *why)
{
	diag_fatal(1, "state '%s': %s", flt.state_path, why);
}

/* The line of keyword kw in the state, or NULL. */
static const char *
state_line(const char *kw, size_t *len)
{
	size_t pos = 0, kl;
	const char *k;
	const char *rest;

	while (state_next(&flt.state, &pos, &k, &kl, &rest, len))
		if (kl == strlen(kw) && memcmp(k, kw, kl) == 0)
			return rest;
	return NULL;
}

/* Check that the state is this configuration's; then the counters. */
static void
restore_config(void)
{
	struct buf want = BUF_INIT;
	const char *p;
	size_t n;
	unsigned long long v;

	config_text(&want);
	if ((p = state_line("config", &n)) == NULL || n != want.len ||
	    memcmp(p, want.data, n) != 0)
		bad_state("written for other aggregations or groups; give "
		    "another --state file");
	buf_release(&want);
	if ((p = state_line("seq", &n)) == NULL ||
	    sscanf(p, "%llu", &v) != 1)
		bad_state("no record count");
	seq_base = v;
}

/* The kinds of saved tables: winstate's, and --retract's last panes (of
 * sessions, with the session that will retract them). */
enum { LAST_PANE = WS_SESSION + 1, LAST_SESSION_PANE };
static const char *const kind_words[] = { "window", "slice", "session",
    "last", "slast" };

/* The window bounds of fields a and b of rec, microseconds. */
static void
bounds_of(const struct record *rec, int a, int b, struct window *w)
{
	const struct val *x = &rec->v[a], *y = &rec->v[b];
	int isint;

	if (num_parse(x->p, x->n, NULL, &isint, &w->start) < 0 || !isint ||
	    num_parse(y->p, y->n, NULL, &isint, &w->end) < 0 || !isint)
		bad_state("a window without bounds");
}

/* Fold one saved partial line into the table of its kind. */
static void
restore_line(int kind, const char *line, size_t len, struct record *rec)
{
	const char *err, *sep = memchr(line, '\t', len);
	struct aggtab *t = &tab;
	struct window w = { 0, 0 }, sw;
	char why[256];
	uint64_t first = 0;
	int64_t i;
	int isint;

	if (sep) {
		len -= (size_t)(sep + 1 - line);
		line = sep + 1;
	}
	rec->line = line;
	rec->len = len;
	if (json_parse(line, len, &fields, rec->v, &err) != PARSE_OK)
		bad_state(err);
	if (kind != -1) {
		bounds_of(rec, mstart_slot, mend_slot, &w);
		if (num_parse(rec->v[first_slot].p, rec->v[first_slot].n, NULL,
		    &isint, &i) == 0 && isint && i >= 0)
			first = (uint64_t)i;
	}
	switch (kind) {
	case WS_WINDOW:
		t = winstate_table(&ws, &w);
		break;
	case WS_SLICE:
		t = winstate_slice_table(&ws, &w);
		break;
	case WS_SESSION:
		if ((t = winstate_session_table(&ws, rec, &w, first, why,
		    sizeof why)) == NULL)
			bad_state(why);
		break;
	case LAST_PANE:
		t = winstate_table(&prevs, &w);
		break;
	case LAST_SESSION_PANE:
		bounds_of(rec, sstart_slot, send_slot, &sw);
		if ((t = winstate_session_last_table(&ws, rec, &sw, &w, first,
		    why, sizeof why)) == NULL)
			bad_state(why);
		break;
	}
	if (aggtab_merge_partial(t, rec, first_slot, why, sizeof why) != AGG_OK)
		bad_state(why);
}


/* The saved tables of kind (-1: no windows) back into memory. */
static void
restore_tables(int kind)
{
	struct record rec = { NULL, 0, flt.state_path, 0, NULL };
	const char *kw, *rest, *want = kind < 0 ? "group" : kind_words[kind];
	size_t pos = 0, kl, rl;

	rec.v = xcalloc(fields.n ? fields.n : 1, sizeof *rec.v);
	while (state_next(&flt.state, &pos, &kw, &kl, &rest, &rl))
		if (kl == strlen(want) && memcmp(kw, want, kl) == 0)
			restore_line(kind, rest, rl, &rec);
	free(rec.v);
}

/* --trigger in-process: each window's panes and trigger state. */
static void
restore_panes(void)
{
	const char *kw, *rest;
	size_t pos = 0, kl, rl;

	while (state_next(&flt.state, &pos, &kw, &kl, &rest, &rl))
		if (kl == 4 && memcmp(kw, "pane", 4) == 0 &&
		    panes_restore(&panes, rest, rl) < 0)
			bad_state("a bad pane line");
}

static void
restore_windows(void)
{
	struct buf want = BUF_INIT;
	const char *p;
	size_t n;
	long long a, b, f;

	if (flt.state.body.len == 0)
		return;		/* a first run */
	strategy_write(&want, &st);
	if ((p = state_line("strategy", &n)) == NULL ||
	    n + 1 != want.len || memcmp(p, want.data, n) != 0)
		bad_state("written for other windows; give another --state "
		    "file");
	buf_release(&want);
	if ((p = state_line("watermark", &n)) == NULL ||
	    sscanf(p, "%lld %lld %lld", &a, &b, &f) != 3)
		bad_state("no watermark");
	wm.max_seen = a;
	wm.wm = b;
	ws.fired_end = f;
	restore_tables(WS_WINDOW);
	restore_tables(WS_SLICE);
	restore_tables(WS_SESSION);
	if (st.retract) {
		restore_tables(LAST_PANE);
		restore_tables(LAST_SESSION_PANE);
	}
	if (trig)
		restore_panes();
}

static void
save_table(void *arg, int kind, const struct window *w, struct aggtab *t)
{
	char start[INT_FORMAT_MAX], end[INT_FORMAT_MAX], prefix[16];
	struct addfield pre[2] = {
		{ st.start_field, start, int_format(w->start, start), OV_NUM },
		{ st.end_field, end, int_format(w->end, end), OV_NUM }
	};

	snprintf(prefix, sizeof prefix, "%s ", kind_words[kind]);
	aggtab_partial_buf(t, arg, prefix, pre, 2);
}

/* --retract: the last pane of each window, for the next to retract. */
static void
save_last_pane(void *arg, int kind, const struct window *w, struct aggtab *t)
{
	(void)kind;
	save_table(arg, LAST_PANE, w, t);
}

/* And of sessions: each with the session that will retract it. */
static void
save_session_pane(void *arg, const struct window *sw, const struct window *w,
    struct aggtab *t)
{
	char start[INT_FORMAT_MAX], end[INT_FORMAT_MAX];
	char sstart[INT_FORMAT_MAX], send[INT_FORMAT_MAX];
	struct addfield pre[4] = {
		{ st.start_field, start, int_format(w->start, start), OV_NUM },
		{ st.end_field, end, int_format(w->end, end), OV_NUM },
		{ "_session_start", sstart, int_format(sw->start, sstart),
		    OV_NUM },
		{ "_session_end", send, int_format(sw->end, send), OV_NUM }
	};

	aggtab_partial_buf(t, arg, "slast ", pre, 4);
}

/* The state that goes with the output so far (state_commit). */
static void
save_state(void)
{
	struct buf *b = &flt.state.body;

	buf_reset(b);
	buf_addstr(b, "config ");
	config_text(b);
	buf_addf(b, "\nseq %ju\n", (uintmax_t)(seq_base + flt.ledger.read));
	if (st.win.kind != WINDOW_NONE) {
		buf_addstr(b, "strategy ");
		strategy_write(b, &st);
		buf_addf(b, "watermark %lld %lld %lld\n",
		    (long long)wm.max_seen, (long long)wm.wm,
		    (long long)ws.fired_end);
		winstate_each(&ws, save_table, b);
		if (st.retract) {
			winstate_each(&prevs, save_last_pane, b);
			winstate_each_last(&ws, save_session_pane, b);
		}
		if (trig)
			panes_save(&panes, b);
	} else
		aggtab_partial_buf(&tab, b, "group ", NULL, 0);
	filter_commit(&flt);
}

/* --state: the fields its partial lines hold. */
static void
state_fields(void)
{
	aggspec_partial_fields((struct aggspec *)specs, nspec, &fields);
	first_slot = fieldset_add(&fields, "_first", 6);
	mstart_slot = fieldset_add(&fields, st.start_field,
	    strlen(st.start_field));
	mend_slot = fieldset_add(&fields, st.end_field, strlen(st.end_field));
	sstart_slot = fieldset_add(&fields, "_session_start", 14);
	send_slot = fieldset_add(&fields, "_session_end", 12);
}

/* Windows are on: from options, or from the input's strategy line. */
static void
start_windows(void)
{
	stamper_init(&stamper, &st, annotated, &fields);
	winstate_init(&ws, specs, nspec, keyslots, keynames, nkey, &st.win,
	    st.allowed_lateness);
	ws.max_groups = max_groups;
	if (st.trigger || trig) {
		ws.sliced = 0;	/* panes per window, as the triggers say */
		ws.triggered = 1;
	}
	if (st.retract)
		winstate_init(&prevs, specs, nspec, ws.keyslot, ws.keyname,
		    ws.nkey, &merged_windows, st.allowed_lateness);
	if (st.win.kind == WINDOW_SESSION)
		session_keys();
	watermark_init(&wm, st.max_delay);
	wm.max_jump = st.max_jump;
	wins = xcalloc(window_count(&st.win), sizeof *wins);
	if (flt.state_path)
		restore_windows();
}

static void
input_strategy(const char *file, uintmax_t lineno, const char *line,
    size_t len)
{
	char err[256];

	if (st.win.kind != WINDOW_NONE && !annotated)
		diag_fatal(2, "%s:%ju: the input is windowed already: drop "
		    "the window options", file, lineno);
	if (annotated)
		return;		/* a second strategy: the first holds */
	if (flt.ledger.read > 0)
		diag_fatal(1, "%s:%ju: a strategy line after records", file,
		    lineno);
	if (strategy_parse(&st, line, len, err, sizeof err) < 0)
		diag_fatal(1, "%s:%ju: %s", file, lineno, err);
	annotated = 1;
	start_windows();
}

static void
control_line(void *arg, const struct punct *pp, const char *file,
    uintmax_t lineno, const char *line, size_t len)
{
	struct punct p = *pp;

	(void)arg;
	if (punctflag) {
		out_write(&flt.out, line, len);
		out_putc(&flt.out, '\n');
	}
	if (p.kind == PUNCT_STRATEGY)
		input_strategy(file, lineno, line, len);
	else if (p.kind == PUNCT_FIRE && st.trigger)
		fire_line(&p);
	else if (p.kind == PUNCT_WATERMARK && st.win.kind != WINDOW_NONE) {
		if (p.at_end)
			watermark_end(&wm);
		else
			watermark_raise(&wm, p.t);
		if (!st.trigger)
			fire();
	}
}

static int
late_record(const struct record *rec)
{
	flt.ledger.late++;
	if (late_path) {
		out_write(&lateout, rec->line, rec->len);
		out_putc(&lateout, '\n');
	} else
		flt.ledger.status = 1;	/* nothing is lost silently */
	return 0;
}

static void __attribute__((noreturn))
too_many_groups(const struct record *rec)
{
	diag_at(rec->file, rec->lineno, "more than %zu groups: raise "
	    "--max-groups", max_groups);
	exit(1);
}

/* What became of the last record of a sliding stream, for its other
 * lines (see sliding_line). */
enum { FATE_KEPT, FATE_LATE, FATE_REJECTED };
static struct {
	evtime t;
	int fate;
	char why[256];
} last;

static int
fate(const struct record *rec, int f, const char *why)
{
	last.fate = f;
	snprintf(last.why, sizeof last.why, "%s", why);
	switch (f) {
	case FATE_KEPT:
		flt.ledger.kept++;
		return 0;
	case FATE_LATE:
		return late_record(rec);
	}
	return ledger_reject(&flt.ledger, rec->file, rec->lineno, rec->line,
	    rec->len, "%s", why);
}

/*
 * A stream-window sliding stream holds each record once per window,
 * oldest first.  Slices take a record once: from the line of its oldest
 * window, whose windows follow from its time; its other lines share
 * that line's fate.  1 when rec is such another line.
 */
static int
sliding_line(const struct record *rec, evtime t, const struct window *w,
    size_t n, int *rc)
{
	struct window line;
	char why[256];

	if (!annotated || st.win.kind != WINDOW_SLIDING || n < 2)
		return 0;
	if (stamper_windows(&stamper, rec, t, &line, why, sizeof why) == 0) {
		*rc = fate(rec, FATE_REJECTED, why);
		return 1;
	}
	if (line.start == w[0].start || t != last.t)
		return 0;
	*rc = fate(rec, last.fate, last.why);
	return 1;
}

/* Under a trigger, a record into window w: a session merges per key. */
static int
add_to_window(const struct record *rec, evtime t, const struct window *w,
    char *why, size_t whylen)
{
	int rc;

	if (st.win.kind != WINDOW_SESSION)
		return aggtab_add(winstate_table(&ws, w), rec, seq(), why,
		    whylen);
	rc = winstate_add(&ws, rec, seq(), t, w, 1, wm.wm, why, whylen);
	return rc > 0 ? AGG_OK : rc;
}

/*
 * Behind stream-trigger: the record's line into its window (stream-trigger
 * dropped what was late); the windows the watermark expired before this
 * record are let go first, after the fire lines that followed it.
 */
static int
triggered_record(struct record *rec)
{
	char why[256];
	evtime t;
	size_t n, i;

	if (stamper_time(&stamper, rec, &t, why, sizeof why) < 0 ||
	    (n = stamper_windows(&stamper, rec, t, wins, why, sizeof why)) == 0)
		return fate(rec, FATE_REJECTED, why);
	if (st.win.kind == WINDOW_SLIDING)
		n = 1;			/* a line per window: its own */
	winstate_expire(&ws, wm.wm);
	if (st.retract)
		winstate_expire(&prevs, wm.wm);
	for (i = 0; i < n; i++)
		switch (add_to_window(rec, t, &wins[i], why, sizeof why)) {
		case AGG_REJECT:
			return fate(rec, FATE_REJECTED, why);
		case AGG_FULL:
			too_many_groups(rec);
		}
	watermark_observe(&wm, t);
	return fate(rec, FATE_KEPT, "");
}

/* A session's key as stream-trigger gives it: the JSON array of its
 * texts (see lib/pane). */
static int
session_key_json(const struct record *rec, const char **key, size_t *len,
    char *why, size_t whylen)
{
	static struct buf json = BUF_INIT;

	*key = NULL;
	*len = 0;
	if (st.win.kind != WINDOW_SESSION)
		return 0;
	buf_reset(&scratch);
	if (agg_key_array(rec, ws.sesskeyslot, ws.sesskeyname, ws.nsesskey,
	    &json, &scratch, why, whylen) < 0)
		return -1;
	*key = json.data;
	*len = json.len;
	return 0;
}

/* --trigger in-process: as stream-trigger and stream-agg behind it. */
static int
trigger_record(struct record *rec)
{
	char why[256];
	const char *key;
	size_t n, i, taken = 0, keylen;
	evtime t;

	if (stamper_time(&stamper, rec, &t, why, sizeof why) < 0 ||
	    (n = stamper_windows(&stamper, rec, t, wins, why, sizeof why)) == 0 ||
	    session_key_json(rec, &key, &keylen, why, sizeof why) < 0)
		return fate(rec, FATE_REJECTED, why);
	if (watermark_outlier(&wm, t))
		return fate(rec, FATE_REJECTED, "event time more than "
		    "--max-jump ahead of the watermark");
	for (i = 0; i < n; i++) {
		if (panes_late(&panes, &wins[i], key, keylen, wm.wm))
			continue;
		switch (add_to_window(rec, t, &wins[i], why, sizeof why)) {
		case AGG_REJECT:
			return fate(rec, FATE_REJECTED, why);
		case AGG_FULL:
			too_many_groups(rec);
		}
		taken++;
		panes_record(&panes, &wins[i], key, keylen, wm.wm);
	}
	if (watermark_observe(&wm, t))
		fire();
	return fate(rec, taken ? FATE_KEPT : FATE_LATE, "");
}

/* A record into its windows, then the watermark moves and fires. */
static int
window_record(struct record *rec)
{
	char why[256] = "event time out of range";
	evtime t;
	size_t n;
	int rc;

	if (stamper_time(&stamper, rec, &t, why, sizeof why) < 0)
		return fate(rec, FATE_REJECTED, why);
	/* a sliding stream's windows follow from _t: see sliding_line */
	n = annotated && st.win.kind == WINDOW_SLIDING ?
	    window_assign(&st.win, t, wins) :
	    stamper_windows(&stamper, rec, t, wins, why, sizeof why);
	if (n == 0)
		return fate(rec, FATE_REJECTED, why);
	if (sliding_line(rec, t, wins, n, &rc))
		return rc;
	last.t = t;
	if (!annotated && watermark_outlier(&wm, t))
		return fate(rec, FATE_REJECTED, "event time more than "
		    "--max-jump ahead of the watermark");
	switch (rc = winstate_add(&ws, rec, seq(), t, wins, n, wm.wm,
	    why, sizeof why)) {
	case AGG_REJECT:
		return fate(rec, FATE_REJECTED, why);
	case AGG_FULL:
		too_many_groups(rec);
	case 0:
		return fate(rec, FATE_LATE, "");
	}
	fate(rec, FATE_KEPT, "");
	/* behind the watermark, it may have opened a late pane: fire that
	 * now, as Beam's default trigger fires for each late record */
	if (watermark_observe(&wm, t) || t < wm.wm)
		fire();
	return 0;
}

/*
 * --merge: a partial record into its group's (and window's) state.  The
 * window bounds, when there are any, are microseconds.
 */

static int
merge_record(const struct record *rec)
{
	const struct val *s = &rec->v[mstart_slot], *e = &rec->v[mend_slot];
	struct aggtab *t = &tab;
	struct window w;
	char why[256];
	int64_t i;
	int isint;

	if (s->type != VAL_MISSING || e->type != VAL_MISSING) {
		if (num_parse(s->p, s->n, NULL, &isint, &i) < 0 || !isint ||
		    s->type != VAL_NUM)
			return fate(rec, FATE_REJECTED, "bad window bounds "
			    "in a partial record");
		w.start = i;
		if (num_parse(e->p, e->n, NULL, &isint, &i) < 0 || !isint ||
		    e->type != VAL_NUM || i <= w.start)
			return fate(rec, FATE_REJECTED, "bad window bounds "
			    "in a partial record");
		w.end = i;
		if (ws.win == NULL) {
			winstate_init(&ws, specs, nspec, keyslots, keynames,
			    nkey, &merged_windows, 0);
			ws.max_groups = max_groups;
		}
		t = winstate_table(&ws, &w);
	}
	switch (aggtab_merge_partial(t, rec, first_slot, why, sizeof why)) {
	case AGG_REJECT:
		return fate(rec, FATE_REJECTED, why);
	case AGG_FULL:
		too_many_groups(rec);
	}
	return fate(rec, FATE_KEPT, "");
}

/* The input's format decides the output's, header or record. */
static void
header(void *arg, const struct record *rec, const struct parser *ps)
{
	(void)arg;
	(void)rec;
	if (outfmt < 0)
		outfmt = ps->fmt;
}

/* One record: -1 to stop reading (--on-error fail). */
static int
record(void *arg, struct record *rec, const struct parser *ps)
{
	static unsigned tick;
	char why[256];

	header(arg, rec, ps);
	if (emit_every && (++tick & 1023) == 0)
		emit_due();
	if (!filter_pass(&flt, rec, &scratch))
		return 0;
	if (st.trigger)
		return triggered_record(rec);
	if (trig)
		return trigger_record(rec);
	if (st.win.kind != WINDOW_NONE)
		return window_record(rec);
	if (mergeflag)
		return merge_record(rec);
	switch (aggtab_add(&tab, rec, seq(), why, sizeof why)) {
	case AGG_REJECT:
		return ledger_reject(&flt.ledger, rec->file, rec->lineno, rec->line,
		    rec->len, "%s", why);
	case AGG_FULL:
		too_many_groups(rec);
	}
	flt.ledger.kept++;
	return 0;
}

/* Leading operands that parse as aggregations are aggregations; the
 * rest are files. */
static size_t
parse_aggs(int argc, char **argv, struct aggspec **list, size_t *n)
{
	char err[256];
	int i;

	for (i = 0; i < argc; i++) {
		struct aggspec a;

		if (aggspec_parse(argv[i], &a, err, sizeof err) < 0) {
			/* a file, unless it names a known aggregation */
			if (strchr(argv[i], ':') && access(argv[i], F_OK) != 0) {
				diag_warn("%s", err);
				usage(2);
			}
			break;
		}
		if (a.field)
			a.slot = fieldset_add(&fields, a.field, strlen(a.field));
		*list = xrealloc(*list, (*n + 1) * sizeof **list);
		(*list)[(*n)++] = a;
	}
	return (size_t)i;
}


/* --trigger: stream-trigger's panes in-process (see lib/pane). */
static void
set_up_trigger(void)
{
	char err[256];

	if ((trig = trigger_parse(trigger_text, err, sizeof err)) == NULL) {
		diag_warn("--trigger '%s': %s", trigger_text, err);
		usage(2);
	}
	if (partialflag) {
		diag_warn("--trigger does not go with --partial: merge "
		    "partial runs, then trigger");
		usage(2);
	}

	if (st.win.kind == WINDOW_SESSION)
		trigger_set_merging(trig, 1);
	st.accumulate = accumulate;
	st.retract = retract;
	st.pane_info = pane_info;
	panes_init(&panes, trig, accumulate, st.allowed_lateness);
	panes.fire = pane_fired;
	panes.expire = pane_expired;
}

/* Windows from our options, checked; none unless a kind is given. */
static void
set_up_windows(void)
{
	char err[256];

	if (st.win.kind == WINDOW_NONE) {
		if (st.time_field || st.tzname || st.max_delay || st.max_jump ||
		    st.idle || st.allowed_lateness || st.win.period ||
		    st.win.offset || late_path || trigger_text || pane_info) {
			diag_warn("window options need a window: --tumbling, "
			    "--sliding or --global");
			usage(2);
		}
		return;
	}
	if (strategy_finish(&st, err, sizeof err) < 0) {
		diag_warn("%s", err);
		usage(2);
	}
	if (emit_every) {
		diag_warn("--emit-every is for aggregates without windows");
		usage(2);
	}
	if (trigger_text)
		set_up_trigger();
	start_windows();
}

/* --merge reads partial records: JSON after the key, their states. */
static void
set_up_merge(void)
{
	if (st.win.kind != WINDOW_NONE || flt.where_expr || emit_every) {
		diag_warn("--merge takes the aggregations and -g of the "
		    "partial runs, not windows, --where or --emit-every");
		usage(2);
	}
	flt.iflag = FMT_JSON;
	aggspec_partial_fields((struct aggspec *)specs, nspec, &fields);
	first_slot = fieldset_add(&fields, "_first", 6);
	mstart_slot = fieldset_add(&fields, st.start_field,
	    strlen(st.start_field));
	mend_slot = fieldset_add(&fields, st.end_field, strlen(st.end_field));
}

/* Options into the file-static flags; returns optind. */
static int
parse_options(int argc, char **argv)
{
	struct option *longopts = filter_merge_options(own_options,
	    strategy_options);
	char err[256];
	int ch, rc;

	while ((ch = getopt_long(argc, argv, FILTER_SHORT "g:ht:V", longopts,
	    NULL)) != -1) {
		if ((rc = filter_option(&flt, &st, ch, optarg, err,
		    sizeof err)) < 0) {
			diag_warn("%s", err);
			usage(2);
		}
		if (rc > 0)
			continue;
		switch (ch) {
		case 'g':
			parse_fields("-g", optarg, &keynames, &keyslots, &nkey);
			break;
		case 'V':
			printf("stream-agg %s\n", VERSION);
			exit(0);
		case OPT_SORT:
			sortflag = 1;
			break;
		case OPT_EXACT:
			exactflag = 1;
			break;
		case OPT_EMIT_EVERY:
			if (duration_parse(optarg, &emit_every) < 0 ||
			    emit_every == 0) {
				diag_warn("--emit-every '%s': not a duration",
				    optarg);
				usage(2);
			}
			break;
		case OPT_MAX_GROUPS:
			max_groups = parse_count("--max-groups", optarg);
			break;
		case OPT_LATE_OUTPUT:
			late_path = optarg;
			break;
		case OPT_PUNCT:
			punctflag = 1;
			break;
		case OPT_PARTIAL:
			partialflag = 1;
			break;
		case OPT_MERGE:
			mergeflag = 1;
			break;
		case OPT_TRIGGER:
			trigger_text = optarg;
			break;
		case OPT_ACCUMULATE:
		case OPT_DISCARD:
			accumulate = ch == OPT_ACCUMULATE;
			retract = 0;
			break;
		case OPT_RETRACT:
			accumulate = retract = 1;
			break;
		case OPT_PANE_INFO:
			pane_info = 1;
			break;
		case OPT_PART:
			part_base = parse_count("--part", optarg);
			if (part_base > PART_MAX) {
				diag_warn("--part '%s': more than %ju", optarg,
				    (uintmax_t)PART_MAX);
				usage(2);
			}
			part_base <<= PART_SHIFT;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	free(longopts);
	return optind;
}

/* Write the results, check every output, and give the exit status. */
static int
finish(void)
{
	input_done(&inp);
	if (st.win.kind != WINDOW_NONE) {
		/* with --state the stream goes on in the next run */
		if (flt.state_path == NULL)
			watermark_end(&wm);
		if (!st.trigger)	/* else the fire lines said it all */
			fire();
		if (flt.ledger.late && !late_path)
			diag_warn("%ju late records dropped; --late-output "
			    "keeps them", flt.ledger.late);
		if (late_path && out_release(&lateout) < 0) {
			diag_warn("'%s': write error: %s", late_path,
			    strerror(lateout.err));
			flt.ledger.status = 1;
		}
	} else {
		emit();
		if (mergeflag && ws.win)	/* merged windows, in end order */
			winstate_fire(&ws, EVTIME_MAX, emit_window, NULL);
	}
	if (flt.state_path)
		save_state();
	return filter_finish(&flt);
}

int
main(int argc, char **argv)
{
	struct aggspec *list = NULL;
	char perr[256];
	size_t n = 0, used;
	int i;

	diag_init(argv[0]);
	sig_init();
	filter_init(&flt, "stream-agg", "aggregated");
	strategy_init(&st);
	i = parse_options(argc, argv);
	argc -= i;
	argv += i;
	input_init(&inp, flt.progress);	/* quiet counts from here */
	used = parse_aggs(argc, argv, &list, &n);
	argc -= (int)used;
	argv += used;
	if (n == 0) {	/* like uniq -c: count is the default */
		list = xcalloc(1, sizeof *list);
		aggspec_parse("count", &list[0], perr, sizeof perr);
		n = 1;
	}
	for (used = 0; used < n; used++)
		list[used].exact = exactflag;
	specs = list;
	nspec = n;
	if (mergeflag)
		set_up_merge();
	if (flt.state_path && mergeflag)
		diag_fatal(2, "--state and --merge do not mix");
	if (flt.state_path)
		state_fields();
	if (filter_start(&flt, &fields))
		restore_config();
	aggtab_init(&tab, specs, nspec, keyslots, keynames, nkey);
	tab.max_groups = max_groups;
	if (late_path && out_open(&lateout, late_path, 0) < 0)
		diag_fatal(1, "cannot open '%s': %s", late_path,
		    strerror(errno));
	if (emit_every)
		next_emit.us = mono_now().us + emit_every;
	set_up_windows();
	if (flt.state_path && st.win.kind == WINDOW_NONE && !annotated)
		restore_tables(-1);

	filter_input(&flt, &inp, &fields);
	inp.after_tab = mergeflag;
	inp.note_time = st.idle != 0;
	inp.wait = on_wait;
	inp.control = control_line;
	inp.header = header;
	inp.record = record;
	inp.watermark = shown_watermark;
	if (argc == 0)
		input_read(&inp, "-");
	for (i = 0; i < argc; i++)
		if (input_read(&inp, argv[i]) < 0)
			break;
	return finish();
}
