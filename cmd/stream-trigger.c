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

#include "diag.h"
#include "filter.h"
#include "input.h"
#include "punct.h"
#include "sig.h"
#include "strategy.h"
#include "time.h"
#include "trigger.h"
#include "watermark.h"
#include "window.h"

#define VERSION "0.1.0"
#define DEFAULT_TRIGGER "repeat(watermark)"

enum {
	OPT_LATENESS = 256, OPT_ACCUMULATE, OPT_DISCARD, OPT_LATE_OUTPUT,
	OPT_PANE_INFO
};

static const struct option own_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "accumulate", no_argument, NULL, OPT_ACCUMULATE },
	{ "allowed-lateness", required_argument, NULL, OPT_LATENESS },
	{ "discard", no_argument, NULL, OPT_DISCARD },
	{ "late-output", required_argument, NULL, OPT_LATE_OUTPUT },
	{ "pane-info", no_argument, NULL, OPT_PANE_INFO },
	{ NULL, 0, NULL, 0 }
};

/* A window's trigger state and pane bookkeeping. */
struct pane_window {
	struct window w;
	struct trigger_node_state *ts;
	long pane;			/* the next pane's index */
	uint64_t since, total;		/* records since the last pane, ever */
	int end_seen;			/* the watermark passed its end */
	int ontime;			/* its on-time pane was emitted */
	int finished;			/* no pane follows; late data dropped */
};

static struct filter flt;
static struct input inp;
static struct strategy st;
static struct stamper stamper;
static struct watermark wm;
static struct trigger *trig;
static const char *trigger_text = DEFAULT_TRIGGER, *late_path;
static int64_t lateness = -1;		/* -1: the stream's */
static int accumulate = -1, pane_info;	/* -1: as not set */
static int have_strategy, ended;
static struct pane_window *wins;
static size_t nwins, wincap;
static struct window *assigned;
static struct out lateout;
static struct buf line_out = BUF_INIT;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: stream-trigger [--allowed-lateness d] [--accumulate |\n"
	    "                      --discard] [--late-output file] [--pane-info]\n"
	    "                      [-i fmt] [-w expr] [-O file]\n"
	    "                      [--on-error warn|skip|fail] [--rejects file]\n"
	    "                      [--max-line-bytes n] [--progress] [--stats]\n"
	    "                      [trigger [file ...]]\n");
	exit(status);
}

static int
cmp_window(const struct window *a, const struct window *b)
{
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return (a->start > b->start) - (a->start < b->start);
}

/* The state of window w, opened when absent. */
static struct pane_window *
window_of(const struct window *w)
{
	size_t lo = 0, hi = nwins;
	struct pane_window *p;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_window(&wins[mid].w, w);

		if (c == 0)
			return &wins[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	wins = xgrowarray(wins, &wincap, nwins + 1, sizeof *wins);
	p = &wins[lo];
	memmove(p + 1, p, (nwins - lo) * sizeof *p);
	nwins++;
	memset(p, 0, sizeof *p);
	p->w = *w;
	p->ts = xcalloc(trigger_state_size(trig), sizeof *p->ts);
	trigger_state_init(trig, p->ts);
	return p;
}

static int uses_clock;			/* the trigger has an after() */

static struct trigger_now
now_for(const struct pane_window *p)
{
	struct trigger_now now = { p->w.end, wm.wm, 0 };

	if (uses_clock)
		now.proc = proc_now();
	return now;
}

/*
 * The trigger fired: emit the pane, unless it is empty and not the
 * on-time one (Beam fires the on-time pane always, others when they hold
 * something), and take its state on.
 */
static void
fire(struct pane_window *p, const struct trigger_now *now)
{
	struct punct f = { PUNCT_FIRE, 0, 0, p->w.start, p->w.end, p->pane,
	    TIMING_EARLY, 0 };
	int empty = st.accumulate ? p->total == 0 : p->since == 0;

	if (wm.wm >= p->w.end)
		f.timing = p->ontime ? TIMING_LATE : TIMING_ON_TIME;
	p->finished = trigger_on_fire(trig, p->ts, now);
	f.final = p->finished || wm.wm == EVTIME_MAX;
	if (empty && f.timing != TIMING_ON_TIME)
		return;
	if (f.timing == TIMING_ON_TIME)
		p->ontime = 1;
	buf_reset(&line_out);
	punct_write(&line_out, &f);
	out_write(&flt.out, line_out.data, line_out.len);
	p->pane++;
	p->since = 0;
}

static void
check(struct pane_window *p)
{
	struct trigger_now now = now_for(p);

	if (!p->finished && trigger_should_fire(trig, p->ts, &now))
		fire(p, &now);
}

/* The watermark moved: each window whose end it passed is looked at
 * once (Beam's end-of-window timer), in end order; then the windows past
 * their lateness go, without a pane. */
static void
advance(void)
{
	size_t i, k;

	for (i = 0; i < nwins && wins[i].w.end <= wm.wm; i++)
		if (!wins[i].end_seen) {
			wins[i].end_seen = 1;
			check(&wins[i]);
		}
	for (i = k = 0; i < nwins; i++) {
		if (watermark_expired(&wm, wins[i].w.end, st.allowed_lateness)) {
			free(wins[i].ts);
			continue;
		}
		wins[k++] = wins[i];
	}
	nwins = k;
	out_flush(&flt.out);
}

/* Processing time: fire what is due; milliseconds to the next. */
static int
timers(void)
{
	int64_t now = proc_now(), next = 0, d;
	size_t i;

	for (i = 0; i < nwins; i++) {
		if ((d = trigger_deadline(trig, wins[i].ts)) == 0)
			continue;
		if (now >= d) {
			check(&wins[i]);
			d = trigger_deadline(trig, wins[i].ts);
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

static int
on_wait(void *arg)
{
	int ms;

	(void)arg;
	input_housekeeping(&inp);
	ms = timers();
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

/* One record of its window: late, or through and counted in its pane. */
static int
record(void *arg, struct record *rec, const struct parser *ps)
{
	char why[256];
	struct pane_window *p;
	evtime t;
	size_t n, i;

	(void)arg;
	(void)ps;
	if (!have_strategy)
		diag_fatal(1, "%s:%ju: not a windowed stream: no strategy line "
		    "first (run stream-window before)", rec->file, rec->lineno);
	if (!filter_pass(&flt, rec, &line_out))
		return 0;
	if (stamper_time(&stamper, rec, &t, why, sizeof why) < 0 ||
	    (n = stamper_windows(&stamper, rec, t, assigned, why,
	    sizeof why)) == 0)
		return ledger_reject(&flt.ledger, rec->file, rec->lineno,
		    rec->line, rec->len, "%s", why);
	/* a sliding stream has a line per window: its own is the first */
	if (st.win.kind == WINDOW_SLIDING)
		n = 1;
	for (i = 0; i < n; i++) {
		if (watermark_expired(&wm, assigned[i].end,
		    st.allowed_lateness)) {
			late(rec);
			return 0;
		}
		p = window_of(&assigned[i]);
		if (p->finished) {	/* its last pane is out */
			late(rec);
			return 0;
		}
	}
	out_write(&flt.out, rec->line, rec->len);
	out_putc(&flt.out, '\n');
	flt.ledger.kept++;
	flt.ledger.written++;
	for (i = 0; i < n; i++) {
		struct trigger_now now;

		p = window_of(&assigned[i]);
		now = now_for(p);
		p->since++;
		p->total++;
		trigger_on_element(trig, p->ts, &now);
		check(p);
	}
	if (watermark_observe(&wm, t))
		advance();
	return 0;
}

/* The stream's strategy, with our trigger in it, goes first. */
static void
take_strategy(const char *file, uintmax_t lineno, const char *line,
    size_t len)
{
	char err[256];

	if (have_strategy)
		return;
	if (strategy_parse(&st, line, len, err, sizeof err) < 0)
		diag_fatal(1, "%s:%ju: %s", file, lineno, err);
	if (st.trigger)
		diag_fatal(1, "%s:%ju: the stream has been through "
		    "stream-trigger already", file, lineno);
	if (st.win.kind == WINDOW_SESSION)
		diag_fatal(2, "session windows: stream-trigger cannot merge "
		    "them yet");
	if (lateness >= 0)
		st.allowed_lateness = lateness;
	if (accumulate >= 0)
		st.accumulate = accumulate;
	st.pane_info = pane_info;
	st.trigger = xstrdup(trigger_text);
	stamper_init(&stamper, &st, 1, (struct fieldset *)inp.fs);
	watermark_init(&wm, st.max_delay);
	assigned = xcalloc(window_count(&st.win), sizeof *assigned);
	buf_reset(&line_out);
	strategy_write(&line_out, &st);
	out_write(&flt.out, line_out.data, line_out.len);
	have_strategy = 1;
}

static void
control_line(void *arg, const char *file, uintmax_t lineno, const char *line,
    size_t len)
{
	struct punct p;
	const char *err;
	char ex[DIAG_EXCERPT_SIZE];

	(void)arg;
	flt.ledger.control++;
	if (punct_parse(line, len, &p, &err) < 0) {
		diag_at(file, lineno, "bad control line: %s: %s", err,
		    diag_excerpt(ex, line, len));
		flt.ledger.status = 1;
		return;
	}
	if (p.kind == PUNCT_STRATEGY) {
		take_strategy(file, lineno, line, len);
		return;
	}
	if (p.kind == PUNCT_WATERMARK && have_strategy) {
		if (p.at_end) {
			watermark_end(&wm);
			ended = 1;
		} else
			watermark_raise(&wm, p.t);
		advance();	/* the panes it fires go before it */
	}
	out_write(&flt.out, line, len);
	out_putc(&flt.out, '\n');
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
			if (duration_parse(optarg, &lateness) < 0) {
				diag_warn("--allowed-lateness '%s': not a "
				    "duration", optarg);
				usage(2);
			}
			break;
		case OPT_ACCUMULATE:
		case OPT_DISCARD:
			accumulate = ch == OPT_ACCUMULATE;
			break;
		case OPT_LATE_OUTPUT:
			late_path = optarg;
			break;
		case OPT_PANE_INFO:
			pane_info = 1;
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
	strategy_init(&st);
	i = parse_options(argc, argv);
	argc -= i;
	argv += i;
	if (argc > 0) {
		trigger_text = argv[0];
		argc--;
		argv++;
	}
	if ((trig = trigger_parse(trigger_text, err, sizeof err)) == NULL) {
		diag_warn("trigger '%s': %s", trigger_text, err);
		usage(2);
	}
	buf_reset(&line_out);
	trigger_format(&line_out, trig);
	trigger_text = xstrdup(line_out.data);
	uses_clock = trigger_uses_clock(trig);
	input_init(&inp, flt.progress);
	filter_start(&flt, &fields);
	if (late_path && out_open(&lateout, late_path, 0) < 0)
		diag_fatal(1, "cannot open '%s': %s", late_path,
		    strerror(errno));
	filter_input(&flt, &inp, &fields);
	inp.wait = on_wait;
	inp.control = control_line;
	inp.record = record;
	if (argc == 0)
		input_read(&inp, "-");
	for (i = 0; i < argc; i++)
		if (input_read(&inp, argv[i]) < 0)
			break;
	input_done(&inp);
	if (have_strategy && !ended) {	/* the end of input ends the stream */
		struct punct p = { PUNCT_WATERMARK, 0, 1, 0, 0, 0, 0, 0 };

		watermark_end(&wm);
		advance();
		buf_reset(&line_out);
		punct_write(&line_out, &p);
		out_write(&flt.out, line_out.data, line_out.len);
	}
	if (flt.ledger.late && !late_path)
		diag_warn("%ju late records dropped; --late-output keeps them",
		    flt.ledger.late);
	if (late_path && out_release(&lateout) < 0) {
		diag_warn("'%s': write error: %s", late_path,
		    strerror(lateout.err));
		flt.ledger.status = 1;
	}
	return filter_finish(&flt);
}
