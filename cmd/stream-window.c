/*
 * stream-window - give each record its event time and windows, and carry
 * the watermark downstream.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "annot.h"
#include "clock.h"
#include "diag.h"
#include "filter.h"
#include "ledger.h"
#include "out.h"
#include "pred.h"
#include "punct.h"
#include "input.h"
#include "progress.h"
#include "reader.h"
#include "runline.h"
#include "sig.h"
#include "state.h"
#include "record.h"
#include "strategy.h"
#include "table.h"
#include "time.h"
#include "timefmt.h"
#include "watermark.h"
#include "window.h"

#define VERSION "0.1.0"
#define FAR_JUMP (INT64_C(24) * 3600 * US_PER_SEC)
/* what a record gains, its bounds too, at most (more is no error) */
#define ANNOT_ROOM 256

enum { OPT_DROP_LATE = 256, OPT_BOUNDS };

static const struct option own_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "bounds", no_argument, NULL, OPT_BOUNDS },
	{ "drop-late", no_argument, NULL, OPT_DROP_LATE },
	{ NULL, 0, NULL, 0 }
};

static struct strategy st;
static struct timefmt tfmt;
static struct table table;		/* -o table */
static struct annot annot;		/* what records get */
static struct watermark wm;
static struct fieldset fields = FIELDSET_INIT;
static struct filter flt;		/* common options, ledger, streams */
static struct window *wins;
static struct input inp;		/* the read loop, --progress */
static struct runw runs;		/* run lines, to a pipe */
static int droplate, timeslot = -1;
static struct buf scratch = BUF_INIT, line_out = BUF_INIT;
static int far_warnings;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: stream-window [-i fmt] [-o table] [-t field] [-w expr]\n"
	    "                     [--tumbling size [--offset off]]\n"
	    "                     [--sliding size --every period [--offset off]]\n"
	    "                     [--session gap [--key fields]] [--global]\n"
	    "                     [--tz zone] [--time-format fmt] [--time-output fmt]\n"
	    "                     [--max-delay d] [--max-jump d] [--idle d]\n"
	    "                     [--allowed-lateness d] [--drop-late] [--bounds]\n"
	    "                     [--start-field name] [--end-field name]\n"
	    "                     [--on-error warn|skip|fail] [--rejects file]\n"
	    "                     [--max-line-bytes n] [--progress] [--stats]\n"
	    "                     [--metrics file [--metrics-every d]]\n"
	    "                     [--state file] [-O file] [file ...]\n");
	if (status == 0)
		fputs("\n"
		    "examples, from stream-window(1):\n"
		    "  Hourly windows over an nginx log, each record with its event time:\n"
		    "    stream-window -t time --tumbling 1h access.log | head -n 2 | tail -n 1\n"
		    "\n"
		    "  Five-minute windows every minute: a line for each window of the record:\n"
		    "    printf '{\"ts\":\"2026-11-24T10:02:30Z\"}\\n' | stream-window -t ts --sliding 5m --every 1m --time-output epoch | grep -vc _punct\n", stdout);
	exit(status);
}

static int
parse_options(int argc, char **argv)
{
	struct option *longopts = filter_merge_options(own_options,
	    strategy_options);
	char err[256];
	int ch, rc;

	while ((ch = getopt_long(argc, argv, FILTER_SHORT "ht:V", longopts,
	    NULL)) != -1) {
		if ((rc = filter_option(&flt, &st, ch, optarg, err,
		    sizeof err)) < 0) {
			diag_warn("%s", err);
			usage(2);
		}
		if (rc > 0)
			continue;
		switch (ch) {
		case 'V':
			printf("stream-window %s\n", VERSION);
			exit(0);
		case OPT_DROP_LATE:
			droplate = 1;
			break;
		case OPT_BOUNDS:
			st.bounds = 1;
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

/* Everything the options imply, checked once. */
static void
set_up(void)
{
	char err[256];

	if (st.win.kind == WINDOW_NONE) {
		diag_warn("a window kind is needed: --tumbling, --sliding, "
		    "--session or --global");
		usage(2);
	}
	if (strategy_finish(&st, err, sizeof err) < 0) {
		diag_warn("%s", err);
		usage(2);
	}
	if (timefmt_init(&tfmt, st.time_format ? st.time_format : "auto",
	    wall_now()) < 0) {
		diag_warn("--time-format '%s': unknown format", st.time_format);
		usage(2);
	}
	if (st.time_field)
		timeslot = fieldset_add(&fields, st.time_field,
		    strlen(st.time_field));
	wins = xcalloc(window_count(&st.win), sizeof *wins);
	watermark_init(&wm, st.max_delay);
	wm.max_jump = st.max_jump;
	wm.idle = st.idle;
}

static void
write_watermark(void)
{
	struct punct p = { .kind = PUNCT_WATERMARK, .t = wm.wm,
	    .at_end = wm.wm == EVTIME_MAX };

	if (flt.oflag == FMT_TABLE)
		return;		/* for people: records only */
	buf_reset(&line_out);
	punct_write(&line_out, &p);
	out_write(&flt.out, line_out.data, line_out.len);
}

static evtime
shown_watermark(void *arg)
{
	(void)arg;
	return wm.wm;
}

/* Input is about to block: flush, and let an idle stream's watermark
 * follow the wall clock. */
static int
on_wait(void *arg)
{
	int64_t quiet = mono_now().us - inp.last_line.us;
	int ms, tell = -1;

	(void)arg;
	input_housekeeping(&inp);
	if (flt.oflag == FMT_TABLE)
		table_flush(&table);
	out_flush(&flt.out);
	if (flt.ledger.read > 0)
		tell = strategy_tell_delay(&st, quiet);
	if (wm.idle == 0)
		return tell;
	if (quiet < wm.idle)
		ms = (int)((wm.idle - quiet + 999) / 1000);
	else {
		if (watermark_idle(&wm, wall_now())) {
			write_watermark();
			out_flush(&flt.out);
		}
		ms = (int)((wm.idle + 999) / 1000);
	}
	return tell >= 0 && tell < ms ? tell : ms;
}

/* The event time of rec; -1 after rejecting it. */
static int
event_time(const struct record *rec, evtime *t, int *stop)
{
	const struct val *v;
	const char *text;
	size_t n;

	if (timeslot < 0) {
		*t = wall_now();
		return 0;
	}
	v = &rec->v[timeslot];
	if (v->type == VAL_MISSING) {
		*stop = ledger_reject(&flt.ledger, rec->file, rec->lineno, rec->line,
		    rec->len, "missing field '%s'", st.time_field) < 0;
		return -1;
	}
	text = val_text(v, &scratch, &n);
	if (text == NULL || time_parse(&tfmt, text, n, t) < 0) {
		*stop = ledger_reject(&flt.ledger, rec->file, rec->lineno, rec->line,
		    rec->len, "field '%s' is not a time", st.time_field) < 0;
		return -1;
	}
	return 0;
}

static void
warn_far(const struct record *rec, evtime before)
{
	char a[TIME_RFC3339_MAX], b[TIME_RFC3339_MAX];

	if (before == EVTIME_MIN || wm.wm - before < FAR_JUMP ||
	    far_warnings++ >= 10)
		return;
	time_format_rfc3339(before, a);
	time_format_rfc3339(wm.wm, b);
	diag_at(rec->file, rec->lineno, "watermark jumped from %s to %s; "
	    "--max-jump rejects such records", a, b);
}

/* -o table: the record's fields and its windows' bounds, a record
 * for each window. */
static void
table_windows(const struct record *rec, size_t nwin, int fmt)
{
	char start[TIME_RFC3339_MAX], end[TIME_RFC3339_MAX];
	struct addfield f[2];
	size_t i;

	for (i = 0; i < nwin; i++) {
		annot_bounds(&st, &wins[i], start, end, f);
		table_line(&table, fmt, rec->line, rec->len, f, 2);
	}
}

/* A CSV or TSV header: the annotation's names join it. */
static void
header(void *arg, const struct record *rec, const struct parser *ps)
{
	(void)arg;
	if (flt.oflag == FMT_TABLE)
		table_header(&table, ps->fmt, rec->line, rec->len);
	else
		annot_header(&annot, &flt.out, ps->fmt, rec->line, rec->len);
}

/* Whether the watermark, at wmnow, has passed a window's end or its end
 * and the lateness since it was last asked: where stream-trigger fires.
 * The next such time is kept: one compare a record. */
static int
passes_due(evtime wmnow)
{
	static evtime next = EVTIME_MIN;
	int64_t late = st.allowed_lateness;
	struct window w;

	if (wmnow < next)
		return 0;
	/* no window there: ask again when the watermark moves */
	next = wmnow < EVTIME_MAX ? wmnow + 1 : EVTIME_MAX;
	if (window_assign(&st.win, wmnow, &w) == 1)
		next = w.end;
	if (late > 0 && wmnow > EVTIME_MIN + late &&
	    window_assign(&st.win, wmnow - late, &w) == 1 &&
	    w.end <= EVTIME_MAX - late && w.end + late < next)
		next = w.end + late;
	return 1;
}

/* A record, annotated.  A JSON line of a tumbling window joins the run
 * that run lines tell of, and a record that moves the watermark where
 * stream-trigger fires starts one: the one before is passed whole. */
static void
write_record(const struct record *rec, int fmt, evtime t, size_t nwin)
{
	size_t off;
	uintmax_t writes;

	if (runw_on(&runs)) {
		if (passes_due(wm.wm))
			runw_cut(&runs);
		/* room first: a record that would not fit goes to a new
		 * buffer whole, and in a run */
		if (rec->len + ANNOT_ROOM <= OUT_ROOM_MAX)
			(void)out_room(&flt.out, rec->len + ANNOT_ROOM);
	}
	off = flt.out.len;
	writes = flt.out.writes;
	annot_write(&annot, &flt.out, fmt, rec, t, wins, nwin);
	if (fmt == FMT_JSON && nwin == 1)
		runw_record(&runs, off, writes, t, wins[0].start);
}

/* One record; -1 to stop reading. */
static int
window_record(void *arg, struct record *rec, const struct parser *ps)
{
	static struct window lastwin;	/* most records fall in it */
	size_t nwin, i, k;
	evtime t, before;
	int stop = 0;

	(void)arg;
	if (!filter_pass(&flt, rec, &scratch))
		return 0;
	if (event_time(rec, &t, &stop) < 0)
		return stop ? -1 : 0;
	if (watermark_outlier(&wm, t))
		return ledger_reject(&flt.ledger, rec->file, rec->lineno, rec->line,
		    rec->len, "event time more than --max-jump ahead of the "
		    "watermark");
	if ((nwin = window_assign_last(&st.win, t, wins, &lastwin)) == 0)
		return ledger_reject(&flt.ledger, rec->file, rec->lineno, rec->line,
		    rec->len, "event time out of range");
	if (droplate) {		/* keep the windows that have not expired */
		for (i = k = 0; i < nwin; i++)
			if (!watermark_expired(&wm, wins[i].end,
			    st.allowed_lateness))
				wins[k++] = wins[i];
		if ((nwin = k) == 0) {
			flt.ledger.late++;
			return 0;
		}
	}
	before = wm.wm;
	if (watermark_observe(&wm, t))
		warn_far(rec, before);
	if (flt.oflag == FMT_TABLE)
		table_windows(rec, nwin, ps->fmt);
	else
		write_record(rec, ps->fmt, t, nwin);
	metrics_delay(&flt.metrics, t);
	flt.ledger.kept++;
	flt.ledger.written += nwin;
	return 0;
}

static void
control_line(void *arg, const struct punct *pp, const char *file,
    uintmax_t lineno, const char *line, size_t len)
{
	struct punct p = *pp;

	(void)arg;
	(void)file;
	(void)lineno;
	/* our own end of input comes at ours; a watermark moves ours */
	if (p.kind == PUNCT_WATERMARK) {
		if (!p.at_end && watermark_raise(&wm, p.t))
			write_watermark();
		return;
	}
	if (flt.oflag == FMT_TABLE)
		return;
	out_write(&flt.out, line, len);
	out_putc(&flt.out, '\n');
}

/*
 * --state: the strategy it belongs to and the watermark, with the inputs'
 * places (the state module's); -O's length, after syncing the output.
 */
/* A loaded state: the same windows, and the watermark they reached. */
static void
restore_state(void)
{
	struct buf want = BUF_INIT;
	size_t pos = 0, kl, rl;
	const char *kw, *rest;
	long long a, b;
	int have_wm = 0;

	strategy_write(&want, &st);
	while (state_next(&flt.state, &pos, &kw, &kl, &rest, &rl)) {
		if (kl == 8 && memcmp(kw, "strategy", 8) == 0 &&
		    (rl + 1 != want.len || memcmp(rest, want.data, rl) != 0))
			diag_fatal(1, "state '%s': written for other windows; "
			    "give another --state file", flt.state_path);
		if (kl == 9 && memcmp(kw, "watermark", 9) == 0 &&
		    sscanf(rest, "%lld %lld", &a, &b) == 2) {
			wm.max_seen = a;
			wm.wm = b;
			have_wm = 1;
		}
	}
	if (!have_wm)
		diag_fatal(1, "state '%s': no watermark", flt.state_path);
	buf_release(&want);
}

static void
save_state(void)
{
	buf_reset(&flt.state.body);
	buf_addstr(&flt.state.body, "strategy ");
	strategy_write(&flt.state.body, &st);
	buf_addf(&flt.state.body, "watermark %lld %lld\n", (long long)wm.max_seen,
	    (long long)wm.wm);
	filter_commit(&flt);
}

static int
finish(void)
{
	int status;

	input_done(&inp);
	if (flt.state_path)		/* the stream goes on in the next run */
		save_state();
	else {
		watermark_end(&wm);
		write_watermark();
	}
	if (flt.oflag == FMT_TABLE) {
		table_flush(&table);
		table_release(&table);
	}
	annot_release(&annot);
	status = filter_finish(&flt);
	runw_release(&runs);
	return status;
}

int
main(int argc, char **argv)
{
	int i;

	diag_init(argv[0]);
	sig_init();
	filter_init(&flt, "stream-window", "windowed");
	strategy_init(&st);
	i = parse_options(argc, argv);
	argc -= i;
	argv += i;
	input_init(&inp, flt.progress);
	set_up();
	if (filter_start(&flt, &fields))
		restore_state();
	annot_init(&annot, &st);
	if (flt.oflag == FMT_TABLE)
		table_init(&table, &flt.out);
	else {
		/* what stream-trigger can pass on unread */
		if (st.win.kind == WINDOW_TUMBLING)
			runw_init(&runs, &flt.out);
		/* to a file, full buffers are written beside the records'
		 * thread; to a pipe, by it (see out.h) */
		out_behind(&flt.out);
		strategy_write(&line_out, &st);
		out_write(&flt.out, line_out.data, line_out.len);
	}
	inp.last_line = mono_now();	/* quiet counts from here */
	filter_input(&flt, &inp, &fields);
	inp.note_time = wm.idle != 0;
	inp.wait = on_wait;
	inp.control = control_line;
	inp.header = header;
	inp.record = window_record;
	inp.watermark = shown_watermark;
	if (argc == 0)
		input_read(&inp, "-");
	for (i = 0; i < argc; i++)
		if (input_read(&inp, argv[i]) < 0)
			break;
	return finish();
}
