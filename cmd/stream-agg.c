/*
 * stream-agg - per-key aggregates over a stream of records.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "diag.h"
#include "ledger.h"
#include "out.h"
#include "pred.h"
#include "punct.h"
#include "reader.h"
#include "record.h"
#include "time.h"

#define VERSION "0.1.0"

enum {
	OPT_SORT = 256, OPT_EMIT_EVERY, OPT_ON_ERROR, OPT_REJECTS, OPT_STATS,
	OPT_PUNCT, OPT_MAX_GROUPS
};

static const struct option longopts[] = {
	{ "group-by", required_argument, NULL, 'g' },
	{ "help", no_argument, NULL, 'h' },
	{ "input-format", required_argument, NULL, 'i' },
	{ "output-format", required_argument, NULL, 'o' },
	{ "version", no_argument, NULL, 'V' },
	{ "where", required_argument, NULL, 'w' },
	{ "emit-every", required_argument, NULL, OPT_EMIT_EVERY },
	{ "max-groups", required_argument, NULL, OPT_MAX_GROUPS },
	{ "on-error", required_argument, NULL, OPT_ON_ERROR },
	{ "punct", no_argument, NULL, OPT_PUNCT },
	{ "rejects", required_argument, NULL, OPT_REJECTS },
	{ "sort", no_argument, NULL, OPT_SORT },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ NULL, 0, NULL, 0 }
};

static int iflag = FMT_AUTO, oflag = -1, sortflag, statsflag, punctflag;
static int64_t emit_every;		/* microseconds, 0: off */
static struct monotime next_emit;
static struct fieldset fields = FIELDSET_INIT;
static struct aggtab tab;
static struct pred *where;
static struct ledger ledger;
static struct out out, rejects;
static struct recw writer;
static int outfmt = -1;			/* decided by the first record */
static struct buf scratch = BUF_INIT;

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: stream-agg [-i fmt] [-o fmt] [-g fields] [-w expr] [--sort]\n"
	    "                  [--emit-every duration] [--max-groups n]\n"
	    "                  [--on-error warn|skip|fail] [--rejects file]\n"
	    "                  [--stats] [--punct] [aggregation ...] [file ...]\n");
	exit(status);
}

static int
parse_format(const char *opt, const char *arg)
{
	int f = fmt_from_name(arg);

	if (f < 0) {
		diag_warn("%s '%s': unknown format", opt, arg);
		usage(2);
	}
	return f;
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

/* Split "a,b,c" into group-by fields. */
static void
parse_group_by(const char *arg, char ***names, int **slots, size_t *n)
{
	const char *p = arg, *comma;

	do {
		size_t len;

		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0) {
			diag_warn("-g '%s': empty field name", arg);
			usage(2);
		}
		*names = xrealloc(*names, (*n + 1) * sizeof **names);
		*slots = xrealloc(*slots, (*n + 1) * sizeof **slots);
		(*names)[*n] = xmemdup(p, len);
		(*slots)[*n] = fieldset_add(&fields, p, len);
		(*n)++;
		p = comma + 1;
	} while (comma);
}

static void
emit(void)
{
	if (outfmt < 0)
		return;		/* no record yet: nothing to say */
	if (writer.o == NULL)
		recw_init(&writer, &out, oflag >= 0 ? oflag : outfmt);
	aggtab_emit(&tab, &writer, sortflag);
	ledger.written += aggtab_count(&tab);
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
		out_flush(&out);
	}
	next_emit.us = now.us + emit_every;
	return (int)((emit_every + 999) / 1000);
}

/* Input is about to block: show what we have, then wait for timers. */
static int
on_wait(void *arg)
{
	(void)arg;
	out_flush(&out);
	return emit_due();
}

static void
control_line(const char *file, uintmax_t lineno, const char *line, size_t len)
{
	struct punct p;
	const char *err;
	char ex[DIAG_EXCERPT_SIZE];

	ledger.control++;
	if (punct_parse(line, len, &p, &err) < 0) {
		diag_at(file, lineno, "bad control line: %s: %s", err,
		    diag_excerpt(ex, line, len));
		ledger.status = 1;
		return;
	}
	if (punctflag) {
		out_write(&out, line, len);
		out_putc(&out, '\n');
	}
}

/* One record: -1 to stop reading (--on-error fail). */
static int
record(struct parser *ps, struct reader *r, struct record *rec)
{
	char why[256];
	const char *err;
	const char *line = rec->line;
	size_t len = rec->len;
	int rc;

	ledger.read++;
	while ((rc = parser_parse(ps, rec, &err)) == PARSE_MORE) {
		int got = reader_more(r, &line, &len);

		rec->line = line;
		rec->len = len;
		if (got <= 0) {
			err = "unterminated quoted field";
			rc = PARSE_ERROR;
			break;
		}
	}
	if (outfmt < 0 && rc != PARSE_ERROR)
		outfmt = ps->fmt;
	if (rc == PARSE_HEADER) {
		ledger.read--;	/* a header is not a record */
		return 0;
	}
	if (rc == PARSE_ERROR)
		return ledger_reject(&ledger, rec->file, rec->lineno, rec->line,
		    rec->len, "%s", err);
	buf_reset(&scratch);
	if (where && !pred_eval(where, rec, &scratch)) {
		ledger.filtered++;
		return 0;
	}
	switch (aggtab_add(&tab, rec, why, sizeof why)) {
	case AGG_REJECT:
		return ledger_reject(&ledger, rec->file, rec->lineno, rec->line,
		    rec->len, "%s", why);
	case AGG_FULL:
		diag_at(rec->file, rec->lineno, "more than %zu groups: "
		    "raise --max-groups", tab.max_groups);
		exit(1);
	}
	ledger.kept++;
	return 0;
}

/* Read one input; -1 to stop reading altogether. */
static int
aggregate_file(const char *path)
{
	struct reader r;
	struct parser ps;
	struct record rec;
	struct val *vals;
	const char *line;
	size_t len;
	int got, stop = 0;
	unsigned tick = 0;

	if (reader_open(&r, path) < 0) {
		diag_warn("cannot open '%s': %s", path, strerror(errno));
		ledger.status = 1;
		return 0;
	}
	r.wait = on_wait;
	vals = xcalloc(fields.n ? fields.n : 1, sizeof *vals);
	parser_init(&ps, iflag, &fields);
	rec.v = vals;
	rec.file = r.name;
	while (!stop && (got = reader_next(&r, &line, &len)) > 0) {
		if (punct_is(line, len)) {
			control_line(r.name, r.lineno, line, len);
			continue;
		}
		rec.line = line;
		rec.len = len;
		rec.lineno = r.lineno;
		stop = record(&ps, &r, &rec) < 0;
		if (emit_every && (++tick & 1023) == 0)
			emit_due();
	}
	if (!stop && got < 0) {
		diag_warn("%s: read error: %s", r.name, strerror(errno));
		ledger.status = 1;
	}
	parser_release(&ps);
	free(vals);
	reader_close(&r);
	return stop ? -1 : 0;
}

/* Leading operands that parse as aggregations are aggregations; the
 * rest are files. */
static size_t
parse_aggs(int argc, char **argv, struct aggspec **specs, size_t *nspec)
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
		*specs = xrealloc(*specs, (*nspec + 1) * sizeof **specs);
		(*specs)[(*nspec)++] = a;
	}
	return (size_t)i;
}

static const char *where_expr, *rejects_path;
static char **keynames;
static int *keyslots;
static size_t nkey, max_groups;

/* Options into the file-static flags; returns optind. */
static int
parse_options(int argc, char **argv)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "g:hi:o:Vw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'g':
			parse_group_by(optarg, &keynames, &keyslots, &nkey);
			break;
		case 'i':
			iflag = parse_format("-i", optarg);
			break;
		case 'o':
			oflag = parse_format("-o", optarg);
			if (oflag == FMT_AUTO)
				oflag = -1;
			break;
		case 'w':
			where_expr = optarg;
			break;
		case 'V':
			printf("stream-agg %s\n", VERSION);
			exit(0);
		case OPT_SORT:
			sortflag = 1;
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
		case OPT_ON_ERROR:
			if ((ledger.on_error = on_error_from_name(optarg)) < 0) {
				diag_warn("--on-error '%s': not warn, skip or "
				    "fail", optarg);
				usage(2);
			}
			break;
		case OPT_REJECTS:
			rejects_path = optarg;
			break;
		case OPT_STATS:
			statsflag = 1;
			break;
		case OPT_PUNCT:
			punctflag = 1;
			break;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	return optind;
}

/* Write the results, check every output, and give the exit status. */
static int
finish(void)
{
	emit();
	if (out_release(&out) < 0) {
		if (out.err == EPIPE)
			return 1;
		diag_warn("write error: %s", strerror(out.err));
		ledger.status = 1;
	}
	if (rejects_path && out_release(&rejects) < 0) {
		diag_warn("'%s': write error: %s", rejects_path,
		    strerror(rejects.err));
		ledger.status = 1;
	}
	if (statsflag)
		ledger_print(&ledger);
	return ledger.status;
}

int
main(int argc, char **argv)
{
	struct aggspec *specs = NULL;
	char perr[256];
	size_t nspec = 0, used;
	int i;

	diag_init(argv[0]);
	signal(SIGPIPE, SIG_DFL);
	ledger_init(&ledger, "aggregated");
	i = parse_options(argc, argv);
	argc -= i;
	argv += i;
	used = parse_aggs(argc, argv, &specs, &nspec);
	argc -= (int)used;
	argv += used;
	if (nspec == 0) {	/* like uniq -c: count is the default */
		specs = xcalloc(1, sizeof *specs);
		aggspec_parse("count", &specs[0], perr, sizeof perr);
		nspec = 1;
	}
	if (where_expr &&
	    (where = pred_compile(where_expr, &fields, perr, sizeof perr)) ==
	    NULL) {
		diag_warn("--where: %s", perr);
		usage(2);
	}
	aggtab_init(&tab, specs, nspec, keyslots, keynames, nkey);
	tab.max_groups = max_groups;
	out_init(&out, STDOUT_FILENO, "<stdout>");
	if (rejects_path) {
		if (out_open(&rejects, rejects_path, 0) < 0)
			diag_fatal(1, "cannot open '%s': %s", rejects_path,
			    strerror(errno));
		ledger.rejects = &rejects;
	}
	if (emit_every)
		next_emit.us = mono_now().us + emit_every;

	if (argc == 0)
		aggregate_file("-");
	for (i = 0; i < argc; i++)
		if (aggregate_file(argv[i]) < 0)
			break;
	return finish();
}
