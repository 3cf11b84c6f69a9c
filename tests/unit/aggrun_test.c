/*
 * aggrun_test.c - the stream-agg run object, table-driven: options, input
 * lines (records and control lines), and the output and ledger they must
 * give; then --state across two runs against one run over the whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggpane.h"
#include "aggrun.h"
#include "aggsave.h"
#include "check.h"
#include "diag.h"
#include "parser.h"
#include "punct.h"

#define MAXOPT 8

struct run_case {
	const char *name;
	const char *opt[MAXOPT];	/* "--tumbling=10s", "-g=k", "sum:t" */
	const char *in;			/* lines */
	const char *out;		/* what it writes */
	uintmax_t kept, rejected, late;
};

static const char *const in1 =
    "{\"t\":1,\"k\":\"a\"}\n{\"t\":5,\"k\":\"b\"}\n{\"t\":12,\"k\":\"a\"}\n"
    "{\"t\":3,\"k\":\"a\"}\n{\"t\":25,\"k\":\"a\"}\n";

/* What stream-trigger writes first; its fire lines for [0,10) and
 * [10,20), and the end; a run line for the next N records, in [LO, HI]
 * (feed believes it: lib/input checks its pipe). */
#define TRIGGERED \
    "{\"_punct\":\"strategy\",\"window\":\"tumbling\",\"size\":10000000," \
    "\"offset\":0,\"tz\":null,\"time\":\"t\",\"time_format\":\"auto\"," \
    "\"time_field\":\"_t\",\"key\":null,\"start_field\":\"window_start\"," \
    "\"end_field\":\"window_end\",\"time_output\":\"epoch\",\"max_delay\":20000000," \
    "\"allowed_lateness\":0,\"trigger\":\"repeat(watermark)\",\"mode\":" \
    "\"discard\",\"fire_lines\":true,\"on_time\":\"always\",\"closing\":" \
    "\"if-non-empty\"}\n"
#define FIRES \
    "{\"_punct\":\"fire\",\"start\":0,\"end\":10000000,\"pane\":0," \
    "\"timing\":\"on_time\",\"final\":true}\n" \
    "{\"_punct\":\"fire\",\"start\":10000000,\"end\":20000000,\"pane\":0," \
    "\"timing\":\"on_time\",\"final\":true}\n" \
    "{\"_punct\":\"watermark\",\"end\":true}\n"
#define RUN(n, lo, hi) \
    "{\"_punct\":\"run\",\"records\":" n ",\"bytes\":100,\"min_t\":" lo \
    ",\"max_t\":" hi ",\"longest\":50,\"pipe\":\"1:1\"}\n"

static const struct run_case cases[] = {
	{ "groups, no windows", { "-g=k", "count", "sum:t" }, in1,
	    "{\"k\":\"a\",\"count\":4,\"t_sum\":41}\n"
	    "{\"k\":\"b\",\"count\":1,\"t_sum\":5}\n", 5, 0, 0 },
	{ "--sort", { "-g=k", "--sort", "max:t" },
	    "{\"t\":1,\"k\":\"b\"}\n{\"t\":2,\"k\":\"a\"}\n",
	    "{\"k\":\"a\",\"t_max\":2}\n{\"k\":\"b\",\"t_max\":1}\n", 2, 0, 0 },
	{ "count is the default, a bad record rejected", { "-g=k" },
	    "{\"k\":\"a\"}\nnot json\n{\"k\":\"a\"}\n",
	    "{\"k\":\"a\",\"count\":2}\n", 2, 1, 0 },
	{ "tumbling: a late record counted, not aggregated",
	    { "--time=t", "--tumbling=10s", "--max-delay=0", "--time-output=epoch",
	    "-g=k", "--late-output=/dev/null" },
	    in1,
	    "{\"window_start\":0,\"window_end\":10,\"k\":\"a\",\"count\":1}\n"
	    "{\"window_start\":0,\"window_end\":10,\"k\":\"b\",\"count\":1}\n"
	    "{\"window_start\":10,\"window_end\":20,\"k\":\"a\",\"count\":1}\n"
	    "{\"window_start\":20,\"window_end\":30,\"k\":\"a\",\"count\":1}\n",
	    4, 0, 1 },
	{ "tumbling with --max-delay: nothing late",
	    { "--time=t", "--tumbling=10s", "--max-delay=5s", "-g=k",
	    "sum:t" }, in1,
	    "{\"window_start\":\"1970-01-01T00:00:00.000Z\",\"window_end\":"
	    "\"1970-01-01T00:00:10.000Z\",\"k\":\"a\",\"t_sum\":4}\n"
	    "{\"window_start\":\"1970-01-01T00:00:00.000Z\",\"window_end\":"
	    "\"1970-01-01T00:00:10.000Z\",\"k\":\"b\",\"t_sum\":5}\n"
	    "{\"window_start\":\"1970-01-01T00:00:10.000Z\",\"window_end\":"
	    "\"1970-01-01T00:00:20.000Z\",\"k\":\"a\",\"t_sum\":12}\n"
	    "{\"window_start\":\"1970-01-01T00:00:20.000Z\",\"window_end\":"
	    "\"1970-01-01T00:00:30.000Z\",\"k\":\"a\",\"t_sum\":25}\n",
	    5, 0, 0 },
	{ "the default delay: four minutes out of order, nothing late",
	    { "--time=t", "--tumbling=1m", "--time-output=epoch", "-g=k" },
	    "{\"t\":0,\"k\":\"a\"}\n{\"t\":300,\"k\":\"a\"}\n"
	    "{\"t\":60,\"k\":\"b\"}\n{\"t\":600,\"k\":\"a\"}\n",
	    "{\"window_start\":0,\"window_end\":60,\"k\":\"a\",\"count\":1}\n"
	    "{\"window_start\":60,\"window_end\":120,\"k\":\"b\",\"count\":1}\n"
	    "{\"window_start\":300,\"window_end\":360,\"k\":\"a\",\"count\":1}\n"
	    "{\"window_start\":600,\"window_end\":660,\"k\":\"a\",\"count\":1}\n",
	    4, 0, 0 },
	{ "past the default delay, late",
	    { "--time=t", "--tumbling=1m", "--time-output=epoch", "-g=k",
	    "--late-output=/dev/null" },
	    "{\"t\":0,\"k\":\"a\"}\n{\"t\":400,\"k\":\"a\"}\n"
	    "{\"t\":30,\"k\":\"b\"}\n",
	    "{\"window_start\":0,\"window_end\":60,\"k\":\"a\",\"count\":1}\n"
	    "{\"window_start\":360,\"window_end\":420,\"k\":\"a\",\"count\":1}\n",
	    2, 0, 1 },
	{ "sessions merge per key",
	    { "--time=t", "--session=5s", "--max-delay=10s",
	    "--time-output=epoch", "-g=k" }, in1,
	    "{\"window_start\":1,\"window_end\":8,\"k\":\"a\",\"count\":2}\n"
	    "{\"window_start\":5,\"window_end\":10,\"k\":\"b\",\"count\":1}\n"
	    "{\"window_start\":12,\"window_end\":17,\"k\":\"a\",\"count\":1}\n"
	    "{\"window_start\":25,\"window_end\":30,\"k\":\"a\",\"count\":1}\n",
	    5, 0, 0 },
	{ "sliding windows from slices",
	    { "--time=t", "--sliding=10s", "--every=5s", "--max-delay=10s",
	    "--time-output=epoch" }, in1,
	    "{\"window_start\":-5,\"window_end\":5,\"count\":2}\n"
	    "{\"window_start\":0,\"window_end\":10,\"count\":3}\n"
	    "{\"window_start\":5,\"window_end\":15,\"count\":2}\n"
	    "{\"window_start\":10,\"window_end\":20,\"count\":1}\n"
	    "{\"window_start\":20,\"window_end\":30,\"count\":1}\n"
	    "{\"window_start\":25,\"window_end\":35,\"count\":1}\n",
	    5, 0, 0 },
	{ "in-process trigger: early panes, then on time",
	    { "--time=t", "--tumbling=10s", "--max-delay=10s",
	    "--trigger=watermark(early=count(2))", "--pane-info",
	    "--time-output=epoch" }, in1,
	    "{\"window_start\":0,\"window_end\":10,\"pane\":0,\"timing\":"
	    "\"early\",\"final\":false,\"count\":2}\n"
	    "{\"window_start\":0,\"window_end\":10,\"pane\":1,\"timing\":"
	    "\"on_time\",\"final\":true,\"count\":1}\n"
	    "{\"window_start\":10,\"window_end\":20,\"pane\":0,\"timing\":"
	    "\"on_time\",\"final\":true,\"count\":1}\n"
	    "{\"window_start\":20,\"window_end\":30,\"pane\":0,\"timing\":"
	    "\"on_time\",\"final\":true,\"count\":1}\n", 5, 0, 0 },
	{ "--partial writes state", { "-g=k", "--partial", "count",
	    "first:t" }, in1,
	    "[\"a\"]\t{\"k\":\"a\",\"_first\":1,\"count\":4,\"t_first\":"
	    "{\"seq\":1,\"v\":1}}\n"
	    "[\"b\"]\t{\"k\":\"b\",\"_first\":2,\"count\":1,\"t_first\":"
	    "{\"seq\":2,\"v\":5}}\n", 5, 0, 0 },
	{ "--merge folds partial states, windows in end order",
	    { "-g=k", "--merge", "count" },
	    "{\"k\":\"a\",\"_first\":3,\"count\":2}\n"
	    "{\"k\":\"b\",\"_first\":1,\"count\":1}\n"
	    "{\"window_start\":10000000,\"window_end\":20000000,\"k\":\"a\","
	    "\"_first\":1,\"count\":5}\n"
	    "{\"window_start\":0,\"window_end\":10000000,\"k\":\"a\","
	    "\"_first\":2,\"count\":7}\n"
	    "{\"window_start\":5,\"window_end\":5,\"k\":\"a\",\"count\":1}\n",
	    "{\"k\":\"b\",\"count\":1}\n{\"k\":\"a\",\"count\":2}\n"
	    "{\"window_start\":\"1970-01-01T00:00:00.000Z\",\"window_end\":"
	    "\"1970-01-01T00:00:10.000Z\",\"k\":\"a\",\"count\":7}\n"
	    "{\"window_start\":\"1970-01-01T00:00:10.000Z\",\"window_end\":"
	    "\"1970-01-01T00:00:20.000Z\",\"k\":\"a\",\"count\":5}\n",
	    4, 1, 0 },
	{ "behind stream-window: the strategy line windows the run",
	    { "-g=k" },
	    "{\"_punct\":\"strategy\",\"window\":\"tumbling\",\"size\":"
	    "10000000,\"offset\":0,\"tz\":null,\"time\":\"t\",\"time_format\":"
	    "\"auto\",\"time_field\":\"_t\",\"key\":null,\"start_field\":"
	    "\"window_start\",\"end_field\":\"window_end\",\"time_output\":"
	    "\"epoch\",\"max_delay\":0,\"allowed_lateness\":0,\"trigger\":"
	    "\"watermark\",\"mode\":\"discard\"}\n"
	    "{\"t\":1,\"k\":\"a\",\"_t\":1000000}\n"
	    "{\"t\":12,\"k\":\"a\",\"_t\":12000000}\n"
	    "{\"_punct\":\"watermark\",\"end\":true}\n",
	    "{\"window_start\":0,\"window_end\":10,\"k\":\"a\",\"count\":1}\n"
	    "{\"window_start\":10,\"window_end\":20,\"k\":\"a\",\"count\":1}\n",
	    2, 0, 0 },
	/* run lines, as lib/input follows them (feed): the records after
	 * one go to its window without a look at their times, which here
	 * say otherwise */
	{ "behind stream-trigger: a run line's records go to its window",
	    { "-g=k" },
	    TRIGGERED "{\"k\":\"a\",\"_t\":1000000}\n"
	    RUN("2", "2000000", "3000000")
	    "{\"k\":\"a\",\"_t\":15000000}\n{\"k\":\"b\",\"_t\":16000000}\n"
	    "{\"k\":\"a\",\"_t\":4000000}\n" FIRES,
	    "{\"window_start\":0,\"window_end\":10,\"k\":\"a\",\"count\":3}\n"
	    "{\"window_start\":0,\"window_end\":10,\"k\":\"b\",\"count\":1}\n",
	    4, 0, 0 },
	{ "a run line over two windows: its records read by their times",
	    { "-g=k" },
	    TRIGGERED "{\"k\":\"a\",\"_t\":1000000}\n"
	    RUN("2", "2000000", "15000000")
	    "{\"k\":\"a\",\"_t\":15000000}\n{\"k\":\"b\",\"_t\":16000000}\n"
	    FIRES,
	    "{\"window_start\":0,\"window_end\":10,\"k\":\"a\",\"count\":1}\n"
	    "{\"window_start\":10,\"window_end\":20,\"k\":\"a\",\"count\":1}\n"
	    "{\"window_start\":10,\"window_end\":20,\"k\":\"b\",\"count\":1}\n",
	    3, 0, 0 },
	{ "a control line ends a run; a record it rejects still counts",
	    { "-g=k", "sum:v" },
	    TRIGGERED RUN("4", "2000000", "3000000")
	    "{\"k\":\"a\",\"v\":1,\"_t\":15000000}\n"
	    "{\"k\":\"a\",\"v\":\"x\",\"_t\":15000000}\n"
	    "{\"k\":\"a\",\"v\":2,\"_t\":15000000}\n"
	    "{\"_punct\":\"fire\",\"start\":20000000,\"end\":30000000,"
	    "\"pane\":0,\"timing\":\"on_time\",\"final\":true}\n"
	    "{\"k\":\"b\",\"v\":4,\"_t\":16000000}\n" FIRES,
	    "{\"window_start\":0,\"window_end\":10,\"k\":\"a\",\"v_sum\":3}\n"
	    "{\"window_start\":10,\"window_end\":20,\"k\":\"b\",\"v_sum\":4}\n",
	    3, 1, 0 },
};

/* Options as the tool takes them, "--name=value" or "-g=fields"; the
 * rest are aggregations. */
static void
set_option(struct aggrun *r, struct fieldset *fs, const char *opt)
{
	const char *eq = strchr(opt, '=');
	char name[64], err[256];
	const struct option *o;
	struct aggspec a;

	if (opt[0] != '-') {
		CHECK_INT(aggspec_parse(opt, &a, err, sizeof err), 0);
		if (a.field)
			a.slot = fieldset_add(fs, a.field, strlen(a.field));
		r->spec = xrealloc(r->spec, (r->nspec + 1) * sizeof *r->spec);
		r->spec[r->nspec++] = a;
		return;
	}
	snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - opt - 2) :
	    (int)strlen(opt + 2), opt + 2);
	if (strcmp(opt, "-g") > 0 && strncmp(opt, "-g=", 3) == 0)
		fieldset_add_list(fs, eq + 1, &r->keyname, &r->keyslot,
		    &r->nkey);
	else if (strcmp(name, "sort") == 0)
		r->sort = 1;
	else if (strcmp(name, "partial") == 0)
		r->partial = 1;
	else if (strcmp(name, "merge") == 0)
		r->merge = 1;
	else if (strcmp(name, "pane-info") == 0)
		r->pane_info = 1;
	else if (strcmp(name, "accumulate") == 0)
		r->accumulate = 1;
	else if (strcmp(name, "trigger") == 0)
		r->trigger_text = eq + 1;
	else if (strcmp(name, "late-output") == 0)
		r->late_path = eq + 1;
	else {
		for (o = strategy_options; o->name; o++)
			if (strcmp(o->name, name) == 0)
				break;
		CHECK(o->name != NULL);
		if (o->name)
			CHECK_INT(strategy_option(&r->st, o->val, eq + 1, err,
			    sizeof err), 0);
	}
}

static void
feed(struct aggrun *r, struct parser *ps, struct ledger *l, const char *in)
{
	struct record rec = { NULL, 0, "test", 0, NULL };
	const char *err, *nl;
	struct punct p;
	uint64_t left = 0, serial = 0;
	evtime lo = 0, hi = 0;

	rec.v = xcalloc(ps->fs->n + 1, sizeof *rec.v);
	for (; *in; in = nl + 1) {
		nl = strchr(in, '\n');
		rec.line = in;
		rec.len = (size_t)(nl - in);
		rec.lineno++;
		if (punct_is(rec.line, rec.len)) {
			CHECK_INT(punct_parse(rec.line, rec.len, &p, &err), 0);
			left = 0;
			if (p.kind == PUNCT_RUN) {
				left = p.records;
				lo = p.min_t;
				hi = p.max_t;
				serial++;
			} else
				aggrun_control(r, &p, "test", rec.lineno,
				    rec.line, rec.len);
			continue;
		}
		l->read++;
		aggrun_read(r, FMT_JSON);
		if (parser_parse(ps, &rec, &err) != PARSE_OK)
			ledger_reject(l, "test", rec.lineno, rec.line,
			    rec.len, "%s", err);
		else if (left > 0)
			aggrun_run_record(r, &rec, serial, lo, hi);
		else
			aggrun_record(r, &rec);
		if (left > 0)
			left--;
	}
	free(rec.v);
}

static size_t
lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* What fd's file holds from its start. */
static char *
slurp(int fd)
{
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(&b, chunk, (size_t)n);
	return buf_detach(&b, NULL);
}

/* One run of c over in, with state s (or NULL); its output. */
static char *
run_one(const struct run_case *c, const char *in, struct state *s,
    struct buf *saved)
{
	struct fieldset fs = FIELDSET_INIT;
	struct aggrun r;
	struct ledger l;
	struct parser ps;
	struct out o;
	FILE *f = tmpfile();
	char err[256], *text;
	size_t i;

	aggrun_init(&r);
	ledger_init(&l, "aggregated");
	l.on_error = ON_ERROR_SKIP;
	for (i = 0; i < MAXOPT && c->opt[i]; i++)
		set_option(&r, &fs, c->opt[i]);
	if (r.nspec == 0)
		set_option(&r, &fs, "count");
	CHECK_INT(aggrun_setup(&r, &fs, 0, s ? "state" : NULL, err,
	    sizeof err), 0);
	if (s && s->body.len)
		aggrun_check_state(&r, s);
	out_init(&o, fileno(f), "out");
	if (aggrun_start(&r, &o, -1, &l, s, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", c->name, err);
		CHECK(0);
	}
	parser_init(&ps, FMT_JSON, &fs);
	feed(&r, &ps, &l, in);
	aggrun_finish(&r);
	if (saved)
		aggrun_save(&r, saved);
	if (s == NULL) {
		CHECK_INT(l.kept, c->kept);
		CHECK_INT(l.rejected, c->rejected);
		CHECK_INT(l.late, c->late);
		CHECK_INT(l.written, lines(c->out));
	}
	out_release(&o);
	text = slurp(fileno(f));
	fclose(f);
	parser_release(&ps);
	aggrun_release(&r);
	fieldset_release(&fs);
	return text;
}

static void
test_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = run_one(&cases[i], cases[i].in, NULL, NULL);

		if (strcmp(got, cases[i].out) != 0)
			fprintf(stderr, "case '%s': got\n%s", cases[i].name,
			    got);
		CHECK_STR(got, cases[i].out);
		free(got);
	}
}

/*
 * --state: runs over the input's parts, each going on from the state the
 * one before left, write what one run over the whole writes: windows as
 * the watermark closes them (the end of a run is not the stream's), and
 * without windows, the totals so far at each run's end.
 */
static const struct run_case state_cases[] = {
	{ "groups", { "-g=k", "count", "first:t", "last:t", "p50:t" }, in1,
	    NULL, 0, 0, 0 },
	{ "tumbling", { "--time=t", "--tumbling=10s", "--max-delay=5s",
	    "-g=k", "sum:t", "collect:t" }, in1, NULL, 0, 0, 0 },
	{ "sliding", { "--time=t", "--sliding=10s", "--every=5s",
	    "--max-delay=10s", "avg:t" }, in1, NULL, 0, 0, 0 },
	{ "sessions", { "--time=t", "--session=5s", "--max-delay=10s",
	    "-g=k", "count" }, in1, NULL, 0, 0, 0 },
	{ "in-process trigger", { "--time=t", "--tumbling=10s",
	    "--max-delay=10s", "--trigger=watermark(early=count(2))",
	    "--accumulate", "--pane-info" }, in1, NULL, 0, 0, 0 },
};

static void
test_state(void)
{
	const char *in = in1;
	size_t i, cut;

	for (i = 0; i < sizeof state_cases / sizeof state_cases[0]; i++)
		for (cut = 1; cut < 5; cut++) {
			const struct run_case *c = &state_cases[i];
			struct state one, two;
			char *whole, *first, *second, *part1, *nl;
			const char *p = in;
			size_t k;
			int windowed = strncmp(c->opt[0], "--time", 6) == 0;

			for (k = 0; k < cut; k++)
				p = strchr(p, '\n') + 1;
			part1 = xmemdup(in, (size_t)(p - in));
			state_init(&one);
			state_init(&two);
			whole = run_one(c, in, &one, NULL);
			first = run_one(c, part1, &two, &two.body);
			second = run_one(c, p, &two, NULL);
			if (windowed) {
				nl = xmalloc(strlen(first) + strlen(second) + 1);
				strcpy(nl, first);
				strcat(nl, second);
			} else
				nl = xstrdup(second);
			if (strcmp(nl, whole) != 0)
				fprintf(stderr, "state case '%s' cut %zu: got\n"
				    "%s, want\n%s", c->name, cut, nl, whole);
			CHECK_STR(nl, whole);
			CHECK(strlen(whole) > 0);
			free(nl);
			free(whole);
			free(first);
			free(second);
			free(part1);
			state_release(&one);
			state_release(&two);
		}
}

/* aggpane: a window's pane as results, with --pane-info's facts, as a
 * retraction, and as --partial state. */
static void
test_pane(void)
{
	static const struct {
		int partial, info, retracting;
		const char *want;
	} panes[] = {
		{ 0, 0, 0, "{\"window_start\":0,\"window_end\":10,"
		    "\"count\":1}\n" },
		{ 0, 1, 0, "{\"window_start\":0,\"window_end\":10,"
		    "\"pane\":2,\"timing\":\"late\",\"final\":true,"
		    "\"count\":1}\n" },
		{ 0, 1, 1, "{\"window_start\":0,\"window_end\":10,"
		    "\"retract\":true,\"count\":1}\n" },
		{ 1, 0, 0, "[\"0\",\"10000000\"]\t{\"window_start\":0,\"window_end\":10000000,"
		    "\"_first\":7,\"count\":1}\n" },
	};
	struct punct p = { .kind = PUNCT_FIRE, .pane = 2,
	    .timing = TIMING_LATE, .final = 1 };
	struct window w = { 0, 10 * US_PER_SEC };
	size_t i;

	for (i = 0; i < sizeof panes / sizeof panes[0]; i++) {
		struct record rec = { "{}", 2, "test", 1, NULL };
		struct aggspec spec;
		struct strategy st;
		struct aggpane a;
		struct aggtab t;
		struct out o;
		uintmax_t written = 0;
		char err[256], *got;
		FILE *f = tmpfile();

		strategy_init(&st);
		st.time_output = TOUT_EPOCH;
		st.pane_info = panes[i].info;
		aggspec_parse("count", &spec, err, sizeof err);
		aggtab_init(&t, &spec, 1, NULL, NULL, 0);
		CHECK_INT(aggtab_add(&t, &rec, 7, err, sizeof err), AGG_OK);
		out_init(&o, fileno(f), "out");
		aggpane_init(&a);
		a.out = &o;
		a.fmt = FMT_JSON;
		a.partial = panes[i].partial;
		a.st = &st;
		a.written = &written;
		aggpane_window(&a, &w, &t, &p, panes[i].retracting);
		CHECK_INT(written, 1);
		out_release(&o);
		got = slurp(fileno(f));
		CHECK_STR(got, panes[i].want);
		free(got);
		fclose(f);
		aggpane_release(&a);
		aggtab_release(&t);
		aggspec_release(&spec);
		strategy_release(&st);
	}
}

/* aggsave: the config line names the groups and aggregations; the
 * partial fields take slots of their own. */
static void
test_save_config(void)
{
	struct fieldset fs = FIELDSET_INIT;
	struct aggspec spec[2];
	struct partial_slots ps;
	struct aggsave sv;
	char *keys[2] = { "host", "status" };
	char err[256];

	memset(&sv, 0, sizeof sv);
	buf_init(&sv.config);
	aggspec_parse("count", &spec[0], err, sizeof err);
	aggspec_parse("p99:ms=slow", &spec[1], err, sizeof err);
	aggsave_config(&sv, keys, 2, spec, 2);
	CHECK_MEM(sv.config.data, sv.config.len,
	    "-g host,status count=count p99:ms=slow");
	aggsave_config(&sv, keys, 0, spec, 1);
	CHECK_MEM(sv.config.data, sv.config.len, "-g  count=count");
	partial_slots_add(&ps, &fs, spec, 2, "ws", "we", 0);
	CHECK(ps.first >= 0 && ps.start >= 0 && ps.end >= 0);
	CHECK(ps.first != ps.start && ps.start != ps.end);
	CHECK_INT(ps.sstart, -1);
	CHECK_INT(ps.send, -1);
	partial_slots_add(&ps, &fs, spec, 2, "ws", "we", 1);
	CHECK(ps.sstart >= 0 && ps.send >= 0 && ps.sstart != ps.send);
	buf_release(&sv.config);
	aggspec_release(&spec[0]);
	aggspec_release(&spec[1]);
	fieldset_release(&fs);
}

int
main(void)
{
	diag_init("aggrun_test");
	test_cases();
	test_state();
	test_pane();
	test_save_config();
	return check_done("aggrun_test");
}
