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
static struct {				/* our own options */
	const char *trigger_text, *late_path;
	int64_t lateness;		/* -1: the stream's */
	int accumulate;			/* -1: as not set */
	int pane_info, retract;
	int empty_rules;		/* --on-time, --closing */
} opt = { DEFAULT_TRIGGER, NULL, -1, -1, 0, 0, EMPTY_DEFAULT };
static struct trigger *trig;
static struct {				/* the stream, from its strategy on */
	int have_strategy, ended, state_loaded;
	struct strategy st;
	struct stamper stamper;
	struct watermark wm;
	struct panes panes;
	struct window *assigned;	/* a record's windows */
	char **keynames;		/* sessions: their key's fields */
	int *keyslots;
	size_t nkey;
	uintmax_t fired[3];		/* panes, by enum pane_timing */
} stream;
static struct table table;		/* -o table */
static const char *left_out[4];		/* its stream's annotation */
static struct out lateout;
static struct buf line_out = BUF_INIT;
static struct buf keyjson = BUF_INIT, scratch = BUF_INIT;	/* a key */

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
	out_write(&flt.out, line_out.data, line_out.len);
}

/* --metrics: the windows whose panes are kept, and the panes fired. */
static void
trigger_metrics(void *arg, struct prom *p)
{
	(void)arg;
	if (!stream.have_strategy)
		return;
	metrics_open_windows(p, stream.panes.windows.nheap);
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
	if (opt.late_path) {
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

	if (!watermark_observe(&stream.wm, t))
		return;
	panes_watermark(&stream.panes, stream.wm.wm);
	if (flt.oflag == FMT_TABLE)
		return;
	p.t = stream.wm.wm;
	buf_reset(&line_out);
	punct_write(&line_out, &p);
	out_write(&flt.out, line_out.data, line_out.len);
}

/* A session's key as fire lines give it: the JSON array of its texts. */
static int
session_key(const struct record *rec, const char **key, size_t *len,
    char *why, size_t whylen)
{
	*key = NULL;
	*len = 0;
	if (stream.st.win.kind != WINDOW_SESSION)
		return 0;
	buf_reset(&scratch);
	if (agg_key_array(rec, stream.keyslots, stream.keynames, stream.nkey,
	    &keyjson, &scratch, why, whylen) < 0)
		return -1;
	*key = keyjson.data;
	*len = keyjson.len;
	return 0;
}

/* -o table: the record's own fields, then its window's bounds. */
static void
table_record(const struct record *rec, int fmt, const struct window *w)
{
	char start[TIME_RFC3339_MAX], end[TIME_RFC3339_MAX];
	struct addfield f[2] = {
		{ stream.st.start_field, start, 0, OV_STR },
		{ stream.st.end_field, end, 0, OV_STR }
	};

	f[0].vlen = strategy_format_time(&stream.st, w->start, start);
	f[1].vlen = strategy_format_time(&stream.st, w->end, end);
	table_line(&table, fmt, rec->line, rec->len, f, 2);
}

/* One record of its window: late, or through and counted in its pane. */
static int
record(void *arg, struct record *rec, const struct parser *ps)
{
	char why[256];
	const char *key;
	size_t n, i, keylen;
	evtime t;

	(void)arg;
	if (!stream.have_strategy)
		diag_fatal(1, "%s:%ju: not a windowed stream: no strategy line "
		    "first (run stream-window before)", rec->file, rec->lineno);
	if (!filter_pass(&flt, rec, &line_out))
		return 0;
	if (stamper_time(&stream.stamper, rec, &t, why, sizeof why) < 0 ||
	    (n = stamper_windows(&stream.stamper, rec, t, stream.assigned, why,
	    sizeof why)) == 0 ||
	    session_key(rec, &key, &keylen, why, sizeof why) < 0)
		return ledger_reject(&flt.ledger, rec->file, rec->lineno,
		    rec->line, rec->len, "%s", why);
	/* a sliding stream has a line per window: its own is the first */
	if (stream.st.win.kind == WINDOW_SLIDING)
		n = 1;
	for (i = 0; i < n; i++)
		if (panes_late(&stream.panes, &stream.assigned[i], key, keylen,
		    stream.wm.wm)) {
			late(rec);
			late_time(t);
			return 0;
		}
	if (flt.oflag == FMT_TABLE)
		table_record(rec, ps->fmt, &stream.assigned[0]);
	else {
		out_write(&flt.out, rec->line, rec->len);
		out_putc(&flt.out, '\n');
	}
	metrics_delay(&flt.metrics, t);
	flt.ledger.kept++;
	flt.ledger.written++;
	for (i = 0; i < n; i++)
		panes_record(&stream.panes, &stream.assigned[i], key, keylen,
		    stream.wm.wm);
	if (watermark_observe(&stream.wm, t))
		panes_watermark(&stream.panes, stream.wm.wm);
	return 0;
}

/*
 * --state: the strategy (ours, with the trigger in it), the watermark,
 * and every window's panes and trigger state; checked against this run's
 * strategy when its line comes.
 */
static void
restore_state(void)
{
	struct buf want = BUF_INIT;
	size_t pos = 0, kl, rl;
	const char *kw, *rest;
	long long a, b;
	int have_wm = 0;

	strategy_write(&want, &stream.st);
	while (state_next(&flt.state, &pos, &kw, &kl, &rest, &rl)) {
		if (kl == 8 && memcmp(kw, "strategy", 8) == 0 &&
		    (rl + 1 != want.len || memcmp(rest, want.data, rl) != 0))
			diag_fatal(1, "state '%s': written for another stream "
			    "or trigger; give another --state file",
			    flt.state_path);
		if (kl == 9 && memcmp(kw, "watermark", 9) == 0 &&
		    sscanf(rest, "%lld %lld", &a, &b) == 2) {
			stream.wm.max_seen = a;
			stream.wm.wm = b;
			have_wm = 1;
		}
		if (kl == 4 && memcmp(kw, "pane", 4) == 0 &&
		    panes_restore(&stream.panes, rest, rl) < 0)
			diag_fatal(1, "state '%s': a bad pane line",
			    flt.state_path);
	}
	if (!have_wm)
		diag_fatal(1, "state '%s': no watermark", flt.state_path);
	buf_release(&want);
}

static void
save_state(void)
{
	struct buf *b = &flt.state.body;

	buf_reset(b);
	if (stream.have_strategy) {
		buf_addstr(b, "strategy ");
		strategy_write(b, &stream.st);
		buf_addf(b, "watermark %lld %lld\n",
		    (long long)stream.wm.max_seen, (long long)stream.wm.wm);
		panes_save(&stream.panes, b);
	}
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

	if (stream.have_strategy)
		return;
	if (strategy_parse(&stream.st, line, len, err, sizeof err) < 0)
		diag_fatal(1, "%s:%ju: %s", file, lineno, err);
	if (stream.st.trigger)
		diag_fatal(1, "%s:%ju: the stream has been through "
		    "stream-trigger already", file, lineno);
	if (stream.st.win.kind == WINDOW_SESSION) {
		if (stream.st.key == NULL)
			diag_fatal(1, "%s:%ju: session windows without a key: "
			    "stream-trigger merges sessions per key "
			    "(stream-window --key)", file, lineno);
		if (fieldset_add_list((struct fieldset *)inp.fs, stream.st.key,
		    &stream.keynames, &stream.keyslots, &stream.nkey) < 0)
			diag_fatal(1, "%s:%ju: bad session key '%s'", file,
			    lineno, stream.st.key);
		trigger_set_merging(trig, 1);
	}
	if (opt.lateness >= 0)
		stream.st.allowed_lateness = opt.lateness;
	if (opt.accumulate >= 0)
		stream.st.accumulate = opt.accumulate;
	if (opt.retract)
		stream.st.accumulate = stream.st.retract = 1;
	stream.st.pane_info = opt.pane_info;
	stream.st.empty_rules = opt.empty_rules;
	stream.st.trigger = xstrdup(opt.trigger_text);
	stamper_init(&stream.stamper, &stream.st, 1, (struct fieldset *)inp.fs);
	panes_init(&stream.panes, trig, stream.st.accumulate,
	    stream.st.allowed_lateness);
	stream.panes.fire = write_fire;
	stream.panes.empty_rules = opt.empty_rules;
	watermark_init(&stream.wm, stream.st.max_delay);
	stream.assigned = xcalloc(window_count(&stream.st.win),
	    sizeof *stream.assigned);
	if (flt.oflag == FMT_TABLE)
		leave_out_annotation();
	else {
		buf_reset(&line_out);
		strategy_write(&line_out, &stream.st);
		out_write(&flt.out, line_out.data, line_out.len);
	}
	stream.have_strategy = 1;
	if (stream.state_loaded)
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
	if (p.kind == PUNCT_WATERMARK && stream.have_strategy) {
		if (p.at_end) {
			watermark_end(&stream.wm);
			stream.ended = 1;
		} else
			watermark_raise(&stream.wm, p.t);
		panes_watermark(&stream.panes, stream.wm.wm); /* panes first */
	}
	if (flt.oflag == FMT_TABLE)
		return;
	out_write(&flt.out, line, len);
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
	out_write(&flt.out, rec->line, rec->len);
	out_putc(&flt.out, '\n');
}

/* The end of the run: the end of input ends the stream, unless --state
 * keeps it for the next run. */
static void
finish_stream(void)
{
	struct punct p = { .kind = PUNCT_WATERMARK, .at_end = 1 };

	if (!flt.state_path && stream.have_strategy && !stream.ended) {
		watermark_end(&stream.wm);
		panes_watermark(&stream.panes, stream.wm.wm);
		if (flt.oflag != FMT_TABLE) {
			buf_reset(&line_out);
			punct_write(&line_out, &p);
			out_write(&flt.out, line_out.data, line_out.len);
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
			opt.late_path = optarg;
			break;
		case OPT_PANE_INFO:
			opt.pane_info = 1;
			break;
		case OPT_ON_TIME:
		case OPT_CLOSING:
			if (trigger_empty_set(&opt.empty_rules, ch ==
			    OPT_ON_TIME ? EMPTY_ON_TIME : EMPTY_CLOSING,
			    optarg) < 0) {
				diag_warn("--%s '%s': not always or "
				    "if-non-empty", ch == OPT_ON_TIME ?
				    "on-time" : "closing", optarg);
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
	int i;

	diag_init(argv[0]);
	sig_init();
	filter_init(&flt, "stream-trigger", "passed");
	strategy_init(&stream.st);
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
	stream.state_loaded = filter_start(&flt, &fields);
	flt.metrics.families = trigger_metrics;
	if (opt.late_path && out_open(&lateout, opt.late_path, 0) < 0)
		diag_fatal(1, "cannot open '%s': %s", opt.late_path,
		    strerror(errno));
	if (flt.oflag == FMT_TABLE)
		table_init(&table, &flt.out);
	filter_input(&flt, &inp, &fields);
	inp.wait = on_wait;
	inp.control = control_line;
	inp.record = record;
	inp.header = header;
	if (argc == 0)
		input_read(&inp, "-");
	for (i = 0; i < argc; i++)
		if (input_read(&inp, argv[i]) < 0)
			break;
	input_done(&inp);
	finish_stream();
	if (!opt.late_path)
		ledger_warn_dropped(&flt.ledger);
	if (opt.late_path && out_release(&lateout) < 0) {
		diag_warn("'%s': write error: %s", opt.late_path,
		    strerror(lateout.err));
		flt.ledger.status = 1;
	}
	return filter_finish(&flt);
}
