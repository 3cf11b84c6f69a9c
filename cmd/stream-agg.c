/*
 * stream-agg - per-key aggregates over a stream of records.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "aggrun.h"
#include "count.h"
#include "diag.h"
#include "filter.h"
#include "input.h"
#include "sig.h"
#include "timefmt.h"

#define VERSION "0.1.0"

enum {
	OPT_SORT = 256, OPT_EMIT_EVERY, OPT_PUNCT, OPT_MAX_GROUPS,
	OPT_LATE_OUTPUT, OPT_PARTIAL, OPT_MERGE, OPT_PART, OPT_TRIGGER,
	OPT_ACCUMULATE, OPT_DISCARD, OPT_PANE_INFO, OPT_RETRACT, OPT_EXACT,
	OPT_ON_TIME, OPT_CLOSING, OPT_CHART
};

static const struct option own_options[] = {
	{ "group-by", required_argument, NULL, 'g' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "chart", required_argument, NULL, OPT_CHART },
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
	{ "on-time", required_argument, NULL, OPT_ON_TIME },
	{ "closing", required_argument, NULL, OPT_CLOSING },
	{ "retract", no_argument, NULL, OPT_RETRACT },
	{ "partial", no_argument, NULL, OPT_PARTIAL },
	{ "punct", no_argument, NULL, OPT_PUNCT },
	{ "sort", no_argument, NULL, OPT_SORT },
	{ NULL, 0, NULL, 0 }
};

static struct filter flt;		/* common options, ledger, streams */
static struct aggrun run;		/* the engine: lib/aggrun */
static struct fieldset fields = FIELDSET_INIT;
static struct input inp;
static struct buf scratch = BUF_INIT;
static int exactflag;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: stream-agg [-i fmt] [-o fmt] [--chart name] [-g fields]\n"
	    "                  [-w expr] [--sort]\n"
	    "                  [-t field] [--time-format fmt] [--time-output fmt]\n"
	    "                  [--tumbling size | --sliding size --every period |\n"
	    "                   --session gap | --global] [--key fields]\n"
	    "                  [--offset off] [--tz zone]\n"
	    "                  [--max-delay d] [--max-jump d] [--idle d]\n"
	    "                  [--allowed-lateness d] [--late-output file]\n"
	    "                  [--trigger expr] [--accumulate | --discard |\n"
	    "                   --retract]\n"
	    "                  [--on-time always|if-non-empty]\n"
	    "                  [--closing always|if-non-empty] [--pane-info]\n"
	    "                  [--start-field name] [--end-field name]\n"
	    "                  [--emit-every duration] [--max-groups n] [--exact]\n"
	    "                  [--max-line-bytes n] [--progress]\n"
	    "                  [--metrics file [--metrics-every d]]\n"
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
	uint64_t v;

	if (count_parse(arg, 0, SIZE_MAX, &v) != COUNT_OK) {
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

static void __attribute__((noreturn))
usage_error(const char *err)
{
	diag_warn("%s", err);
	usage(2);
}

/* The read loop's callbacks (lib/input): each hands on to the run. */

static evtime
shown_watermark(void *arg)
{
	(void)arg;
	return aggrun_watermark(&run);
}

/* Input is about to block: show what we have, then wait for timers. */
static int
on_wait(void *arg)
{
	(void)arg;
	input_housekeeping(&inp);
	return aggrun_tick(&run, inp.last_line);
}

static void
control_line(void *arg, const struct punct *p, const char *file,
    uintmax_t lineno, const char *line, size_t len)
{
	(void)arg;
	aggrun_control(&run, p, file, lineno, line, len);
}

/* The input's format decides the output's, header or record. */
static void
header(void *arg, const struct record *rec, const struct parser *ps)
{
	(void)arg;
	(void)rec;
	aggrun_read(&run, ps->fmt);
}

/* One record: -1 to stop reading (--on-error fail). */
static int
record(void *arg, struct record *rec, const struct parser *ps)
{
	(void)arg;
	aggrun_read(&run, ps->fmt);
	if (!filter_pass(&flt, rec, &scratch))
		return 0;
	if (inp.in_run)
		return aggrun_run_record(&run, rec, inp.run_serial,
		    inp.run_lo, inp.run_hi);
	return aggrun_record(&run, rec);
}

/* Leading operands that parse as aggregations are aggregations; the
 * rest are files. */
static size_t
parse_aggs(int argc, char **argv)
{
	char err[256];
	size_t j;
	int i;

	for (i = 0; i < argc; i++) {
		struct aggspec a;

		if (aggspec_parse(argv[i], &a, err, sizeof err) < 0) {
			/* a file, unless it names a known aggregation */
			if (strchr(argv[i], ':') && access(argv[i], F_OK) != 0)
				usage_error(err);
			break;
		}
		if (a.field)
			a.slot = fieldset_add(&fields, a.field, strlen(a.field));
		run.spec = xrealloc(run.spec, (run.nspec + 1) * sizeof *run.spec);
		run.spec[run.nspec++] = a;
	}
	if (run.nspec == 0) {	/* like uniq -c: count is the default */
		run.spec = xcalloc(1, sizeof *run.spec);
		aggspec_parse("count", &run.spec[0], err, sizeof err);
		run.nspec = 1;
	}
	for (j = 0; j < run.nspec; j++)
		run.spec[j].exact = exactflag;
	return (size_t)i;
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
		if ((rc = filter_option(&flt, &run.st, ch, optarg, err,
		    sizeof err)) < 0)
			usage_error(err);
		if (rc > 0)
			continue;
		switch (ch) {
		case 'g':
			parse_fields("-g", optarg, &run.keyname, &run.keyslot,
			    &run.nkey);
			break;
		case 'V':
			printf("stream-agg %s\n", VERSION);
			exit(0);
		case OPT_SORT:
			run.sort = 1;
			break;
		case OPT_EXACT:
			exactflag = 1;
			break;
		case OPT_CHART:
			run.chart_field = optarg;
			break;
		case OPT_EMIT_EVERY:
			if (duration_parse(optarg, &run.emit_every) < 0 ||
			    run.emit_every == 0) {
				diag_warn("--emit-every '%s': not a duration",
				    optarg);
				usage(2);
			}
			break;
		case OPT_MAX_GROUPS:
			run.max_groups = parse_count("--max-groups", optarg);
			break;
		case OPT_LATE_OUTPUT:
			run.late_path = optarg;
			break;
		case OPT_PUNCT:
			run.punct = 1;
			break;
		case OPT_PARTIAL:
			run.partial = 1;
			break;
		case OPT_MERGE:
			run.merge = 1;
			break;
		case OPT_TRIGGER:
			run.trigger_text = optarg;
			break;
		case OPT_ACCUMULATE:
		case OPT_DISCARD:
			run.accumulate = ch == OPT_ACCUMULATE;
			run.retract = 0;
			break;
		case OPT_RETRACT:
			run.accumulate = run.retract = 1;
			break;
		case OPT_PANE_INFO:
			run.pane_info = 1;
			break;
		case OPT_ON_TIME:
		case OPT_CLOSING:
			if (trigger_empty_option(&run.st.empty_rules, ch ==
			    OPT_ON_TIME, optarg, err, sizeof err) < 0)
				usage_error(err);
			run.empty_given = 1;
			break;
		case OPT_PART:
			run.part = parse_count("--part", optarg);
			if (run.part > AGGRUN_PART_MAX) {
				diag_warn("--part '%s': more than %ju", optarg,
				    (uintmax_t)AGGRUN_PART_MAX);
				usage(2);
			}
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
	int status;

	input_done(&inp);
	aggrun_finish(&run);
	if (flt.state_path) {
		aggrun_save(&run, &flt.state.body);
		filter_commit(&flt);
	}
	status = filter_finish(&flt);
	aggrun_release(&run);
	fieldset_release(&fields);
	buf_release(&scratch);
	return status;
}

int
main(int argc, char **argv)
{
	char err[256];
	size_t used;
	int i;

	diag_init(argv[0]);
	sig_init();
	filter_init(&flt, "stream-agg", "aggregated");
	aggrun_init(&run);
	i = parse_options(argc, argv);
	argc -= i;
	argv += i;
	input_init(&inp, flt.progress);	/* quiet counts from here */
	used = parse_aggs(argc, argv);
	argc -= (int)used;
	argv += used;
	if (aggrun_setup(&run, &fields, flt.where_expr != NULL,
	    flt.state_path, err, sizeof err) < 0)
		usage_error(err);
	if (run.merge)
		flt.iflag = FMT_JSON;	/* partial records */
	if (flt.state_path && run.merge)
		diag_fatal(2, "--state and --merge do not mix");
	if (filter_start(&flt, &fields))
		aggrun_check_state(&run, &flt.state);
	out_behind(&flt.out);	/* results to a file: written beside us */
	run.metrics = &flt.metrics;
	flt.metrics.families = aggrun_metrics;
	flt.metrics.arg = &run;
	if (aggrun_start(&run, &flt.out, flt.oflag, &flt.ledger,
	    flt.state_path ? &flt.state : NULL, err, sizeof err) < 0)
		usage_error(err);

	filter_input(&flt, &inp, &fields);
	inp.after_tab = run.merge;
	inp.note_time = run.st.idle != 0;
	inp.wait = on_wait;
	inp.control = control_line;
	inp.header = header;
	inp.record = record;
	inp.runs = 1;
	inp.watermark = shown_watermark;
	if (argc == 0)
		input_read(&inp, "-");
	for (i = 0; i < argc; i++)
		if (input_read(&inp, argv[i]) < 0)
			break;
	return finish();
}
