/*
 * stream-trigger - decide when each window of a windowed stream fires:
 * records pass through, and "fire" control lines say which pane of which
 * window to emit, as Apache Beam's triggers do.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "annot.h"
#include "trigstream.h"
#include "diag.h"
#include "filter.h"
#include "input.h"
#include "pane.h"
#include "punct.h"
#include "sig.h"
#include "strategy.h"
#include "table.h"
#include "time.h"
#include "timefmt.h"
#include "trigger.h"
#include "watermark.h"
#include "window.h"

#define VERSION "0.1.0"
#define DEFAULT_TRIGGER "repeat(watermark)"

enum {
	OPT_LATENESS = 256, OPT_ACCUMULATE, OPT_DISCARD, OPT_LATE_OUTPUT,
	OPT_PANE_INFO, OPT_RETRACT, OPT_ON_TIME, OPT_CLOSING
};

static const struct option own_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "accumulate", no_argument, NULL, OPT_ACCUMULATE },
	{ "allowed-lateness", required_argument, NULL, OPT_LATENESS },
	{ "closing", required_argument, NULL, OPT_CLOSING },
	{ "discard", no_argument, NULL, OPT_DISCARD },
	{ "late-output", required_argument, NULL, OPT_LATE_OUTPUT },
	{ "on-time", required_argument, NULL, OPT_ON_TIME },
	{ "pane-info", no_argument, NULL, OPT_PANE_INFO },
	{ "retract", no_argument, NULL, OPT_RETRACT },
	{ NULL, 0, NULL, 0 }
};

static struct filter flt;
static struct input inp;
static struct trigstream_options opt = { DEFAULT_TRIGGER, -1, -1, 0, 0,
    EMPTY_DEFAULT };
static const char *late_path;		/* --late-output */
static struct trigger *trig;
static struct trigstream stream;	/* from its strategy line on */
static int state_loaded;
static struct table table;		/* -o table */
static const char *left_out[4];		/* its stream's annotation */
static struct out lateout;
static struct buf line_out = BUF_INIT;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: stream-trigger [--allowed-lateness d] [--accumulate |\n"
	    "                      --discard | --retract] [--late-output file]\n"
	    "                      [--on-time always|if-non-empty]\n"
	    "                      [--closing always|if-non-empty] [--pane-info]\n"
	    "                      [-i fmt] [-o table] [-w expr] [-O file]\n"
	    "                      [--on-error warn|skip|fail] [--rejects file]\n"
	    "                      [--max-line-bytes n] [--progress] [--stats]\n"
	    "                      [--metrics file [--metrics-every d]]\n"
	    "                      [--state file]\n"
	    "                      [trigger [file ...]]\n");
	if (status == 0)
		fputs("\n"
		    "examples, from stream-trigger(1):\n"
		    "  Requests per status each minute, with an early count every 500\n"
		    "  requests:\n"
		    "    stream-window -t time --tumbling 1m access.log | stream-trigger 'watermark(early=repeat(count(500)))' | stream-agg -g status count | head -n 2\n"
		    "\n"
		    "  A pane for every thousand requests of an hour, and none at its\n"
		    "  end:\n"
		    "    stream-window -t time --tumbling 1h access.log | stream-trigger 'repeat(count(1000))' | stream-agg count\n", stdout);
	exit(status);
}

/* A line of our own: after the records passed before it. */
static void
write_line(const char *line, size_t len)
{
	input_pass_flush(&inp);
	out_write(&flt.out, line, len);
}

/* A pane fired: its fire line, after what made it fire. */
static void
write_fire(void *arg, const struct punct *p)
{
	(void)arg;
	stream.fired[p->timing]++;
	if (flt.oflag == FMT_TABLE)
		return;		/* for people: records only */
	buf_reset(&line_out);
	punct_write(&line_out, p);
	write_line(line_out.data, line_out.len);
}

/* --metrics: the windows whose panes are kept, and the panes fired. */
static void
trigger_metrics(void *arg, struct prom *p)
{
	(void)arg;
	if (!stream.started)
		return;
	metrics_open_windows(p, sessions_count(&stream.panes.windows));
	metrics_panes(p, stream.fired);
}

static int
on_wait(void *arg)
{
	int ms;

	(void)arg;
	input_housekeeping(&inp);
	ms = panes_timers(&stream.panes, stream.wm.wm);
	if (flt.oflag == FMT_TABLE)
		table_flush(&table);
	out_flush(&flt.out);
	return ms;
}

static void
late(const struct record *rec)
{
	flt.ledger.late++;
	if (late_path) {
		out_write(&lateout, rec->line, rec->len);
		out_putc(&lateout, '\n');
	} else
		flt.ledger.status = 1;
}

/*
 * A record dropped as late still moves the watermark (a record for a
 * closed session can be the newest yet), and the tools downstream never
 * see it: a watermark line tells them, after the panes it fires.
 */
static void
late_time(evtime t)
{
	struct punct p = { .kind = PUNCT_WATERMARK };

	if (!trigstream_late_time(&stream, t) || flt.oflag == FMT_TABLE)
		return;
	p.t = stream.wm.wm;
	buf_reset(&line_out);
	punct_write(&line_out, &p);
	write_line(line_out.data, line_out.len);
}

/* -o table: the record's own fields, then its window's bounds. */
static void
table_record(const struct record *rec, int fmt, const struct window *w)
{
	char start[TIME_RFC3339_MAX], end[TIME_RFC3339_MAX];
	struct addfield f[2];

	annot_bounds(&stream.st, w, start, end, f);
	table_line(&table, fmt, rec->line, rec->len, f, 2);
}

/* One record of its window: late, or through and counted in its pane. */
static int
record(void *arg, struct record *rec, const struct parser *ps)
{
	char why[256];
	evtime t;

	(void)arg;
	if (!stream.started)
		diag_fatal(1, "%s:%ju: not a windowed stream: no strategy line "
		    "first (run stream-window before)", rec->file, rec->lineno);
	if (!filter_pass(&flt, rec, &line_out))
		return 0;
	switch (trigstream_check(&stream, rec, &t, why, sizeof why)) {
	case TRIGSTREAM_REJECT:
		return ledger_reject(&flt.ledger, rec->file, rec->lineno,
		    rec->line, rec->len, "%s", why);
	case TRIGSTREAM_LATE:
		late(rec);
		late_time(t);
		return 0;
	}
	if (flt.oflag == FMT_TABLE)
		table_record(rec, ps->fmt, &stream.assigned[0]);
	else
		input_pass(&inp, rec);
	metrics_delay(&flt.metrics, t);
	flt.ledger.kept++;
	flt.ledger.written++;
	trigstream_take(&stream, t);
	return 0;
}

/* Records the trigger took by their times alone: kept and written, as
 * input_pass's run writes them. */
static int
taken(uint64_t n)
{
	flt.ledger.kept += n;
	flt.ledger.written += n;
	return 1;
}

/* A record by its _t alone, when that is all it takes (trigstream_fast):
 * no -w to ask, and nothing else to write (see main, take_strategy). */
static int
fast_record(void *arg, const struct val *tail)
{
	(void)arg;
	return trigstream_fast(&stream, tail) && taken(1);
}

/* A run line's records, by their times alone (trigstream_fast_run). */
static int
fast_run(void *arg, uint64_t n, evtime lo, evtime hi)
{
	(void)arg;
	return trigstream_fast_run(&stream, n, lo, hi) && taken(n);
}

/* --state: the stream as the last run left it, checked against this
 * run's strategy when its line comes. */
static void
restore_state(void)
{
	size_t pos = 0, kl, rl;
	const char *kw, *rest;
	char err[256];
	int have_wm = 0;

	while (state_next(&flt.state, &pos, &kw, &kl, &rest, &rl))
		if (trigstream_restore_line(&stream, kw, kl, rest, rl,
		    &have_wm, err, sizeof err) < 0)
			diag_fatal(1, "state '%s': %s", flt.state_path, err);
	if (!have_wm)
		diag_fatal(1, "state '%s': no watermark", flt.state_path);
}

static void
save_state(void)
{
	buf_reset(&flt.state.body);
	trigstream_save(&stream, &flt.state.body);
	filter_commit(&flt);
}

/* -o table: a record's window is shown formatted, whatever the
 * stream's annotation of it; _w is a sliding line's window start. */
static void
leave_out_annotation(void)
{
	left_out[0] = STRATEGY_TIME_FIELD;
	left_out[1] = STRATEGY_WINDOW_FIELD;
	left_out[2] = stream.st.start_field;
	left_out[3] = stream.st.end_field;
	table_leave_out(&table, left_out, 4);
}

/* The stream's strategy, with our trigger in it, goes first. */
static void
take_strategy(const char *file, uintmax_t lineno, const char *line,
    size_t len)
{
	char err[256];

	if (stream.started)
		return;
	if (trigstream_start(&stream, line, len, &opt, trig,
	    (struct fieldset *)inp.fs, write_fire, NULL, err, sizeof err) < 0)
		diag_fatal(1, "%s:%ju: %s", file, lineno, err);
	if (flt.oflag == FMT_TABLE)
		leave_out_annotation();
	else {
		buf_reset(&line_out);
		strategy_write(&line_out, &stream.st);
		write_line(line_out.data, line_out.len);
	}
	if (!trigstream_can_fast(&stream)) {	/* no line need try it */
		inp.fast = NULL;
		inp.fast_run = NULL;
	}
	if (state_loaded)
		restore_state();
}

static void
control_line(void *arg, const struct punct *pp, const char *file,
    uintmax_t lineno, const char *line, size_t len)
{
	struct punct p = *pp;

	(void)arg;
	if (p.kind == PUNCT_STRATEGY) {
		take_strategy(file, lineno, line, len);
		return;
	}
	if (p.kind == PUNCT_WATERMARK && stream.started)	/* panes first */
		trigstream_watermark(&stream, p.t, p.at_end);
	if (flt.oflag == FMT_TABLE)
		return;
	write_line(line, len);
	out_putc(&flt.out, '\n');
}

/* A CSV or TSV header: passed on before the records it names (-o
 * table names its cells by it). */
static void
header(void *arg, const struct record *rec, const struct parser *ps)
{
	(void)arg;
	if (flt.oflag == FMT_TABLE) {
		table_header(&table, ps->fmt, rec->line, rec->len);
		return;
	}
	write_line(rec->line, rec->len);
	out_putc(&flt.out, '\n');
}

/* The end of the run: the end of input ends the stream, unless --state
 * keeps it for the next run. */
static void
finish_stream(void)
{
	struct punct p = { .kind = PUNCT_WATERMARK, .at_end = 1 };

	if (!flt.state_path && stream.started && !stream.ended) {
		trigstream_end(&stream);
		if (flt.oflag != FMT_TABLE) {
			buf_reset(&line_out);
			punct_write(&line_out, &p);
			write_line(line_out.data, line_out.len);
		}
	}
	if (flt.oflag == FMT_TABLE) {
		table_flush(&table);
		table_release(&table);
	}
	if (flt.state_path)
		save_state();
}

static int
parse_options(int argc, char **argv)
{
	struct option *longopts = filter_merge_options(own_options, NULL);
	char err[256];
	int ch, rc;

	while ((ch = getopt_long(argc, argv, FILTER_SHORT "hV", longopts,
	    NULL)) != -1) {
		if ((rc = filter_option(&flt, NULL, ch, optarg, err,
		    sizeof err)) < 0) {
			diag_warn("%s", err);
			usage(2);
		}
		if (rc > 0)
			continue;
		switch (ch) {
		case OPT_LATENESS:
			if (duration_parse(optarg, &opt.lateness) < 0) {
				diag_warn("--allowed-lateness '%s': not a "
				    "duration", optarg);
				usage(2);
			}
			break;
		case OPT_ACCUMULATE:
		case OPT_DISCARD:
			opt.accumulate = ch == OPT_ACCUMULATE;
			opt.retract = 0;
			break;
		case OPT_RETRACT:
			opt.retract = 1;
			break;
		case OPT_LATE_OUTPUT:
			late_path = optarg;
			break;
		case OPT_PANE_INFO:
			opt.pane_info = 1;
			break;
		case OPT_ON_TIME:
		case OPT_CLOSING:
			if (trigger_empty_option(&opt.empty_rules, ch ==
			    OPT_ON_TIME, optarg, err, sizeof err) < 0) {
				diag_warn("%s", err);
				usage(2);
			}
			break;
		case 'V':
			printf("stream-trigger %s\n", VERSION);
			exit(0);
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	free(longopts);
	return optind;
}

int
main(int argc, char **argv)
{
	static struct fieldset fields = FIELDSET_INIT;
	char err[256];
	int i, status;

	diag_init(argv[0]);
	sig_init();
	filter_init(&flt, "stream-trigger", "passed");
	trigstream_init(&stream);
	i = parse_options(argc, argv);
	argc -= i;
	argv += i;
	if (argc > 0) {
		opt.trigger_text = argv[0];
		argc--;
		argv++;
	}
	if ((trig = trigger_parse(opt.trigger_text, err, sizeof err)) == NULL) {
		diag_warn("trigger '%s': %s", opt.trigger_text, err);
		usage(2);
	}
	buf_reset(&line_out);
	trigger_format(&line_out, trig);
	opt.trigger_text = xstrdup(line_out.data);
	input_init(&inp, flt.progress);
	state_loaded = filter_start(&flt, &fields);
	flt.metrics.families = trigger_metrics;
	if (late_path && out_open(&lateout, late_path, 0) < 0)
		diag_fatal(1, "cannot open '%s': %s", late_path,
		    strerror(errno));
	if (flt.oflag == FMT_TABLE)
		table_init(&table, &flt.out);
	filter_input(&flt, &inp, &fields);
	inp.wait = on_wait;
	inp.control = control_line;
	inp.record = record;
	inp.header = header;
	if (flt.oflag != FMT_TABLE) {
		inp.pass = &flt.out;
		inp.fast = flt.where == NULL ? fast_record : NULL;
		inp.fast_run = flt.where == NULL ? fast_run : NULL;
	}
	if (argc == 0)
		input_read(&inp, "-");
	for (i = 0; i < argc; i++)
		if (input_read(&inp, argv[i]) < 0)
			break;
	input_done(&inp);
	finish_stream();
	if (!late_path)
		ledger_warn_dropped(&flt.ledger);
	if (late_path && out_release(&lateout) < 0) {
		diag_warn("'%s': write error: %s", late_path,
		    strerror(lateout.err));
		flt.ledger.status = 1;
	}
	status = filter_finish(&flt);
	trigstream_release(&stream);
	return status;
}
