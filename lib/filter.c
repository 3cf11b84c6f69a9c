/*
 * filter.c - the common options and streams of the tools (see filter.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "diag.h"
#include "filter.h"
#include "strategy.h"
#include "time.h"
#include "timefmt.h"
#include "trigger.h"

enum {
	OPT_ON_ERROR = FILTER_OPT_BASE, OPT_REJECTS, OPT_STATS, OPT_PROGRESS,
	OPT_MAX_LINE, OPT_STATE, OPT_METRICS, OPT_METRICS_EVERY,
	OPT_LIST_OPTIONS
};

const struct option filter_options[] = {
	{ "input-format", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'O' },
	{ "output-format", required_argument, NULL, 'o' },
	{ "where", required_argument, NULL, 'w' },
	{ "max-line-bytes", required_argument, NULL, OPT_MAX_LINE },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "metrics-every", required_argument, NULL, OPT_METRICS_EVERY },
	{ "on-error", required_argument, NULL, OPT_ON_ERROR },
	{ "progress", no_argument, NULL, OPT_PROGRESS },
	{ "rejects", required_argument, NULL, OPT_REJECTS },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "list-options", no_argument, NULL, OPT_LIST_OPTIONS },
	{ NULL, 0, NULL, 0 }
};

/* The table filter_merge_options built last: --list-options lists it. */
static const struct option *merged;

/*
 * What the completions offer for an option's argument, by the option's
 * name; "arg" for the rest.  The lists themselves are the parsers'.
 */
static const struct {
	const char *option, *values;
} option_values[] = {
	{ "input-format", "format" }, { "output-format", "output-format" },
	{ "on-error", "on-error" }, { "time-format", "time-format" },
	{ "time-output", "time-output" }, { "trigger", "trigger" },
	{ "time", "field" }, { "group-by", "fields" }, { "key", "fields" },
	{ "output", "file" }, { "rejects", "file" }, { "state", "file" },
	{ "late-output", "file" }, { "dead-letter", "file" },
	{ "metrics", "file" }
};

static const struct {
	const char *name;
	const char *(*name_of)(int);
} value_lists[] = {
	{ "format", fmt_name }, { "output-format", ofmt_name },
	{ "on-error", on_error_name },
	{ "time-format", timefmt_name }, { "time-output", time_output_name },
	{ "trigger", trigger_kind_name }, { "aggregation", agg_op_name }
};

void
filter_init(struct filter *f, const char *tool, const char *kept_name)
{
	memset(f, 0, sizeof *f);
	f->tool = tool;
	f->iflag = FMT_AUTO;
	f->oflag = -1;
	f->max_line = READER_MAX_LINE_DEFAULT;
	ledger_init(&f->ledger, kept_name);
	state_init(&f->state);
	metrics_init(&f->metrics, tool, &f->ledger);
}

static size_t
count_options(const struct option *o)
{
	size_t n = 0;

	while (o && o[n].name)
		n++;
	return n;
}

struct option *
filter_merge_options(const struct option *own, const struct option *extra)
{
	size_t a = count_options(own), b = count_options(filter_options);
	size_t c = count_options(extra);
	struct option *all = xcalloc(a + b + c + 1, sizeof *all);

	memcpy(all, own, a * sizeof *all);
	memcpy(all + a, filter_options, b * sizeof *all);
	if (c)
		memcpy(all + a + b, extra, c * sizeof *all);
	merged = all;
	return all;
}

static const char *
values_of(const struct option *o)
{
	size_t i;

	if (o->has_arg == no_argument)
		return "-";
	for (i = 0; i < sizeof option_values / sizeof option_values[0]; i++)
		if (strcmp(o->name, option_values[i].option) == 0)
			return option_values[i].values;
	return "arg";
}

/*
 * For the shell completions: "option --NAME -C VALUES" for each option
 * (-C "-" when it has no short name, VALUES "-" when it takes no
 * argument), then "value LIST NAME" for each name of each list.
 */
/*
 * Whether tool writes format fmt.  stream-agg writes the records it
 * makes, its results, in any but an access log's (chart: there are
 * windowed aggregates).
 * The others pass records on as they came, byte for byte, what they
 * add written in the record's own syntax: a format is not theirs to
 * choose, but -o table, a view of them for a terminal, and auto, the
 * input's.
 */
static int
tool_writes(const char *tool, int fmt)
{
	if (fmt == FMT_COMBINED || fmt == FMT_COMMON)
		return 0;	/* an access log is read, never written */
	if (tool && strcmp(tool, "stream-agg") == 0)
		return 1;
	return fmt == FMT_AUTO || fmt == FMT_TABLE;
}

/* Why tool_writes said no, for the diagnostic: "" when the name says it. */
static const char *
not_written_why(int fmt)
{
	if (fmt == FMT_COMBINED || fmt == FMT_COMMON)
		return " (an input format: what is read from it is written "
		    "as logfmt)";
	if (fmt == FMT_CHART)
		return "";
	return " (it passes records on as they came; -o table shows them)";
}

static void __attribute__((noreturn))
list_options(const char *tool)
{
	const struct option *o;
	size_t i;
	int j;

	for (o = merged; o && o->name; o++) {
		if (o->val < 128 && isalpha(o->val))
			printf("option --%s -%c %s\n", o->name, o->val,
			    values_of(o));
		else	/* filter_option takes -t as --time */
			printf("option --%s %s %s\n", o->name,
			    strcmp(o->name, "time") == 0 ? "-t" : "-",
			    values_of(o));
	}
	for (i = 0; i < sizeof value_lists / sizeof value_lists[0]; i++)
		for (j = 0; strcmp(value_lists[i].name_of(j), "?") != 0; j++)
			if (value_lists[i].name_of != ofmt_name ||
			    tool_writes(tool, j))
				printf("value %s %s\n", value_lists[i].name,
				    value_lists[i].name_of(j));
	exit(fflush(stdout) == 0 ? 0 : 1);
}

int
filter_option(struct filter *f, struct strategy *st, int ch,
    const char *arg, char *err, size_t errlen)
{
	int fmt;

	if (st && ch == 't')
		ch = strategy_options[0].val;	/* --time */
	if (st && ch >= STRATEGY_OPT_BASE && ch < FILTER_OPT_BASE)
		return strategy_option(st, ch, arg, err, errlen) < 0 ? -1 : 1;
	switch (ch) {
	case 'i':
	case 'o':
		if ((fmt = ch == 'i' ? fmt_from_name(arg) :
		    ofmt_from_name(arg)) < 0) {
			snprintf(err, errlen, "-%c '%s': unknown format", ch, arg);
			return -1;
		}
		if (ch == 'o' && !tool_writes(f->tool, fmt)) {
			snprintf(err, errlen, "-o %s: not a format %s writes%s",
			    arg, f->tool, not_written_why(fmt));
			return -1;
		}
		if (ch == 'i')
			f->iflag = fmt;
		else
			f->oflag = fmt == FMT_AUTO ? -1 : fmt;
		return 1;
	case 'w':
		f->where_expr = arg;
		return 1;
	case 'O':
		f->output_path = arg;
		return 1;
	case OPT_ON_ERROR:
		if ((f->ledger.on_error = on_error_from_name(arg)) < 0) {
			snprintf(err, errlen, "--on-error '%s': not warn, skip "
			    "or fail", arg);
			return -1;
		}
		return 1;
	case OPT_REJECTS:
		f->rejects_path = arg;
		return 1;
	case OPT_STATS:
		f->stats = f->metrics.stats = 1;
		return 1;
	case OPT_PROGRESS:
		f->progress = 1;
		return 1;
	case OPT_MAX_LINE:
		if (reader_size_parse(arg, &f->max_line) < 0) {
			snprintf(err, errlen, "--max-line-bytes '%s': not a size",
			    arg);
			return -1;
		}
		return 1;
	case OPT_STATE:
		f->state_path = arg;
		return 1;
	case OPT_METRICS:
		f->metrics.path = arg;
		return 1;
	case OPT_METRICS_EVERY:
		if (duration_parse(arg, &f->metrics.every) < 0 ||
		    f->metrics.every == 0) {
			snprintf(err, errlen, "--metrics-every '%s': not a "
			    "duration", arg);
			return -1;
		}
		return 1;
	case OPT_LIST_OPTIONS:
		list_options(f->tool);
	}
	return 0;
}

int
filter_start(struct filter *f, struct fieldset *fs)
{
	char err[256];
	int fd, loaded = 0, rc;

	if (f->where_expr && (f->where = pred_compile(f->where_expr, fs, err,
	    sizeof err)) == NULL) {
		diag_warn("--where: %s", err);
		exit(2);
	}
	if (f->state_path) {
		if ((rc = state_load(&f->state, f->state_path, f->tool, err,
		    sizeof err)) < 0)
			diag_fatal(1, "%s", err);
		loaded = rc == 0;
	}
	if (f->rejects_path) {
		if (out_open(&f->rejects, f->rejects_path, 0) < 0)
			diag_fatal(1, "cannot open '%s': %s", f->rejects_path,
			    strerror(errno));
		f->ledger.rejects = &f->rejects;
	}
	metrics_start(&f->metrics);
	if (f->output_path == NULL) {
		out_init(&f->out, STDOUT_FILENO, "<stdout>");
		return loaded;
	}
	if ((fd = state_output_open(f->state_path ? &f->state : NULL,
	    f->output_path, err, sizeof err)) < 0)
		diag_fatal(1, "%s", err);
	out_init(&f->out, fd, f->output_path);
	f->out.owns_fd = 1;
	return loaded;
}

int
filter_pass(struct filter *f, const struct record *rec, struct buf *scratch)
{
	if (f->where == NULL)
		return 1;
	buf_reset(scratch);
	if (pred_eval(f->where, rec, scratch))
		return 1;
	f->ledger.filtered++;
	return 0;
}

void
filter_input(struct filter *f, struct input *in, const struct fieldset *fs)
{
	in->fs = fs;
	in->fmt = f->iflag;
	in->max_line = f->max_line;
	in->ledger = &f->ledger;
	in->state = f->state_path ? &f->state : NULL;
	in->metrics = metrics_on(&f->metrics) ? &f->metrics : NULL;
}

void
filter_commit(struct filter *f)
{
	char err[256];

	if (state_commit(&f->state, f->state_path, f->tool, &f->out,
	    f->output_path != NULL, err, sizeof err) < 0)
		diag_fatal(1, "%s", err);
}

int
filter_finish(struct filter *f)
{
	if (out_release(&f->out) < 0) {
		/* a reader that went away is no error to tell of; the
		 * rejects and the ledger asked for are still written */
		if (f->out.err != EPIPE)
			diag_warn("write error: %s", f->out.err == ETIME ?
			    "still blocked when the grace was over" :
			    strerror(f->out.err));
		f->ledger.status = 1;
	}
	if (f->rejects_path && out_release(&f->rejects) < 0) {
		diag_warn("'%s': write error: %s", f->rejects_path,
		    strerror(f->rejects.err));
		f->ledger.status = 1;
	}
	if (metrics_final(&f->metrics) < 0)
		f->ledger.status = 1;
	if (f->stats) {		/* the ledger, then the lines for people */
		ledger_print(&f->ledger);
		fputs(f->metrics.report.data, stderr);
	}
	metrics_release(&f->metrics);
	pred_free(f->where);
	state_release(&f->state);
	return f->ledger.status;
}
