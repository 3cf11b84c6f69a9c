/*
 * event-route - send each event to the destinations whose predicate it
 * matches: standard output, files named by its fields, long-lived
 * handlers, shards.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "count.h"
#include "diag.h"
#include "filter.h"
#include "input.h"
#include "punct.h"
#include "route.h"
#include "sig.h"
#include "strategy.h"
#include "table.h"
#include "timefmt.h"

#define VERSION "0.1.0"

enum {
	OPT_FIRST = 256, OPT_SHARD, OPT_MAX_OPEN, OPT_RETRY, OPT_DEAD_LETTER,
	OPT_KEEP_GOING, OPT_GRACE, OPT_DROP, OPT_RESTART, OPT_PUNCT,
	OPT_TIME_FORMAT
};

static const struct option own_options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "dead-letter", required_argument, NULL, OPT_DEAD_LETTER },
	{ "drop-when-full", no_argument, NULL, OPT_DROP },
	{ "first", no_argument, NULL, OPT_FIRST },
	{ "grace", required_argument, NULL, OPT_GRACE },
	{ "keep-going", no_argument, NULL, OPT_KEEP_GOING },
	{ "restart", no_argument, NULL, OPT_RESTART },
	{ "retry", required_argument, NULL, OPT_RETRY },
	{ "max-open", required_argument, NULL, OPT_MAX_OPEN },
	{ "punct", no_argument, NULL, OPT_PUNCT },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "time", required_argument, NULL, 't' },
	{ "time-format", required_argument, NULL, OPT_TIME_FORMAT },
	{ NULL, 0, NULL, 0 }
};

static struct filter flt;
static struct input inp;
static struct router router;
static struct fieldset fields = FIELDSET_INIT;
static const char **shard_specs;	/* --shard FIELDS:N, then its DEST */
static size_t nshards;
static struct {				/* our own options */
	int first, keepgoing, retries, drop, restart, punct;
	size_t max_open, max_procs;
	const char *dead_path;
	int64_t grace;
} opt = { 0, 0, 0, 0, 0, 0, 128, 1, NULL, 10 * US_PER_SEC };
static struct table table;		/* -o table: the standard output's */
static struct out deadout;
static struct {				/* -t: event time, for the delay */
	const char *field, *format;	/* of --metrics */
	int slot;
	struct timefmt tf;
} evtime_of = { NULL, "auto", -1, { 0, NULL, 0 } };

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: event-route [--first] [--shard fields:n dest] [--max-open n]\n"
	    "                   [-P n] [--retry n] [--dead-letter file]\n"
	    "                   [--keep-going] [--grace d] [--drop-when-full]\n"
	    "                   [--restart] [--punct]\n"
	    "                   [-t field] [--time-format fmt]\n"
	    "                   [-i fmt] [-o table] [-w expr] [-O file]\n"
	    "                   [--on-error warn|skip|fail] [--rejects file]\n"
	    "                   [--max-line-bytes n] [--progress] [--stats]\n"
	    "                   [--metrics file [--metrics-every d]]\n"
	    "                   rule ... [file ...]\n");
	if (status == 0)
		fputs("\n"
		    "examples, from event-route(1):\n"
		    "  Each client's requests in a file of its own:\n"
		    "    event-route 'has host -> >>by-host/{host}.log' access.log && ls by-host | head -n 3\n"
		    "\n"
		    "  Each server error to the system log by a command of its own,\n"
		    "  four at once, each tried up to three more times and then kept\n"
		    "  in a file:\n"
		    "    event-route -P 4 --retry 3 --dead-letter unsent.log 'status >= 500 -> !logger -t web -p user.err' access.log\n", stdout);
	exit(status);
}

/* Input would block: write out what is buffered, and keep the handlers
 * and commands going until input comes. */
static int
on_wait(void *arg)
{
	(void)arg;
	input_housekeeping(&inp);
	router_flush(&router);
	out_flush(&flt.out);
	while (!sig_stopped() && dests_busy(&router.dests)) {
		if (dests_poll(&router.dests, inp.cur->fd, -1) > 0)
			return 0;
		input_housekeeping(&inp);
	}
	return 1000;	/* a handler that ends while the input is quiet */
}

/* Control lines are not events: written out with --punct only. */
static void
control_line(void *arg, const struct punct *p, const char *file,
    uintmax_t lineno, const char *line, size_t len)
{
	(void)arg;
	(void)p;
	(void)file;
	(void)lineno;
	if (opt.punct) {
		out_write(&flt.out, line, len);
		out_putc(&flt.out, '\n');
	}
}

/* A CSV or TSV header: -o table names its cells by it. */
static void
header(void *arg, const struct record *rec, const struct parser *ps)
{
	(void)arg;
	table_header(&table, ps->fmt, rec->line, rec->len);
}

/* -o table: the standard output's events, as a table; files, handlers
 * and commands keep the events as they came, since programs read them. */
static void
set_up_table(void)
{
	static const char *const left_out[] = { STRATEGY_TIME_FIELD };

	table_init(&table, &flt.out);
	table_leave_out(&table, left_out, 1);
	router.table = &table;
	inp.header = header;
}

/* An event went to its destinations: its delay, when -t reads a time
 * in it (an event without one is routed, not measured). */
static void
handed_on(const struct record *rec)
{
	const char *text;
	size_t n;
	evtime t;

	buf_reset(&router.scratch);
	if ((text = val_text(&rec->v[evtime_of.slot], &router.scratch,
	    &n)) != NULL && time_parse(&evtime_of.tf, text, n, &t) == 0)
		metrics_delay(&flt.metrics, t);
}

static int
record(void *arg, struct record *rec, const struct parser *ps)
{
	(void)arg;
	if (!filter_pass(&flt, rec, &router.scratch))
		return 0;
	flt.ledger.kept++;
	router.dests.event_fmt = ps->fmt;	/* for commands' EVENT_ */
	router_route(&router, rec);
	if (evtime_of.slot >= 0 && metrics_on(&flt.metrics))
		handed_on(rec);
	return router_dead(&router) ? -1 : 0;	/* its reader went away */
}

static int
parse_options(int argc, char **argv)
{
	struct option *longopts = filter_merge_options(own_options, NULL);
	char err[256];
	uint64_t n;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, FILTER_SHORT "hP:t:V", longopts,
	    NULL)) != -1) {
		if ((rc = filter_option(&flt, NULL, ch, optarg, err,
		    sizeof err)) < 0) {
			diag_warn("%s", err);
			usage(2);
		}
		if (rc > 0)
			continue;
		switch (ch) {
		case OPT_FIRST:
			opt.first = 1;
			break;
		case OPT_SHARD:
			if (optind >= argc) {
				diag_warn("--shard '%s': and its destination?",
				    optarg);
				usage(2);
			}
			shard_specs = xrealloc(shard_specs,
			    (nshards + 1) * 2 * sizeof *shard_specs);
			shard_specs[2 * nshards] = optarg;
			shard_specs[2 * nshards + 1] = argv[optind++];
			nshards++;
			break;
		case OPT_MAX_OPEN:
		case 'P':
		case OPT_RETRY:
			if (count_parse(optarg, ch == OPT_RETRY ? 0 : 1, 100000,
			    &n) != COUNT_OK) {
				diag_warn("%s '%s': not a count", ch == 'P' ? "-P" :
				    ch == OPT_RETRY ? "--retry" : "--max-open",
				    optarg);
				usage(2);
			}
			if (ch == 'P')
				opt.max_procs = n;
			else if (ch == OPT_RETRY)
				opt.retries = (int)n;
			else
				opt.max_open = n;
			break;
		case OPT_DEAD_LETTER:
			opt.dead_path = optarg;
			break;
		case OPT_KEEP_GOING:
			opt.keepgoing = 1;
			break;
		case OPT_DROP:
			opt.drop = 1;
			break;
		case OPT_RESTART:
			opt.restart = 1;
			break;
		case OPT_PUNCT:
			opt.punct = 1;
			break;
		case OPT_GRACE:
			if (duration_parse(optarg, &opt.grace) < 0) {
				diag_warn("--grace '%s': not a duration", optarg);
				usage(2);
			}
			break;
		case 't':
			evtime_of.field = optarg;
			break;
		case OPT_TIME_FORMAT:
			evtime_of.format = optarg;
			break;
		case 'V':
			printf("event-route %s\n", VERSION);
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
	char err[256];
	int i, nrules = 0, nfiles = 0, status;
	size_t k;

	diag_init(argv[0]);
	sig_init();
	signal(SIGPIPE, SIG_IGN);	/* a handler that closes is reported */
	filter_init(&flt, "event-route", "routed");
	i = parse_options(argc, argv);
	argc -= i;
	argv += i;
	if (flt.oflag == FMT_TABLE && opt.punct) {
		diag_warn("-o table and --punct do not mix: a table is "
		    "records, for people to read");
		usage(2);
	}
	sig_set_grace(opt.grace);	/* a blocked stdout too, once stopped */
	router_init(&router, &flt.out);
	router.first = opt.first;
	router.dests.drop_when_full = opt.drop;
	router.dests.restart = opt.restart;
	router.dests.max_open = opt.max_open;
	router.dests.max_procs = opt.max_procs;
	router.dests.retries = opt.retries;
	if (opt.dead_path) {
		if (out_open(&deadout, opt.dead_path, 1) < 0)
			diag_fatal(1, "cannot open '%s': %s", opt.dead_path,
			    strerror(errno));
		router.dests.dead_letter = &deadout;
	}
	for (k = 0; k < nshards; k++)
		if (router_add_shard(&router, shard_specs[2 * k],
		    shard_specs[2 * k + 1], &fields, err, sizeof err) < 0) {
			diag_warn("%s", err);
			usage(2);
		}
	/* operands with "->" are rules, the others files */
	for (i = 0; i < argc; i++) {
		if (router_is_rule(argv[i])) {
			if (router_add(&router, argv[i], &fields, err,
			    sizeof err) < 0) {
				diag_warn("rule '%s': %s", argv[i], err);
				usage(2);
			}
			nrules++;
		} else if (access(argv[i], F_OK) < 0 && argv[i][0] != '-' &&
		    strpbrk(argv[i], " \t") != NULL) {
			/* no such file, and blanks: a rule gone wrong */
			diag_warn("'%s': neither a file nor a rule (a rule is "
			    "PREDICATE -> DESTINATION, '->' outside quotes)",
			    argv[i]);
			usage(2);
		} else
			argv[nfiles++] = argv[i];
	}
	if (nrules == 0 && nshards == 0) {
		diag_warn("no rule: give PREDICATE -> DESTINATION");
		usage(2);
	}
	if (evtime_of.field)
		evtime_of.slot = fieldset_add(&fields, evtime_of.field,
		    strlen(evtime_of.field));
	if (timefmt_init(&evtime_of.tf, evtime_of.format, wall_now()) < 0) {
		diag_warn("--time-format '%s': unknown format",
		    evtime_of.format);
		usage(2);
	}
	input_init(&inp, flt.progress);
	filter_start(&flt, &fields);
	if (flt.oflag == FMT_TABLE)
		set_up_table();
	router.measure = metrics_on(&flt.metrics);
	if (router_start(&router, err, sizeof err) < 0)
		diag_fatal(1, "%s", err);
	flt.metrics.families = router_metrics;
	flt.metrics.lines = router_lines;
	flt.metrics.arg = &router;
	filter_input(&flt, &inp, &fields);
	inp.wait = on_wait;
	inp.control = control_line;
	inp.record = record;
	if (nfiles == 0)
		input_read(&inp, "-");
	for (i = 0; i < nfiles; i++)
		if (input_read(&inp, argv[i]) < 0)
			break;
	input_done(&inp);
	status = router_finish(&router, opt.grace);
	if (flt.stats)
		router_print(&router, diag_prog);
	flt.ledger.written = router.dests.records[DEST_DELIVERED];
	if (metrics_final(&flt.metrics) < 0)	/* its families read the router */
		flt.ledger.status = 1;
	router_release(&router);
	if (flt.oflag == FMT_TABLE)
		table_release(&table);
	timefmt_release(&evtime_of.tf);
	if (opt.dead_path && out_release(&deadout) < 0) {
		diag_warn("'%s': write error: %s", opt.dead_path,
		    strerror(deadout.err));
		flt.ledger.status = 1;
	}
	if ((status && !opt.keepgoing) || router.dests.ioerr)
		flt.ledger.status = 1;
	return filter_finish(&flt);
}
