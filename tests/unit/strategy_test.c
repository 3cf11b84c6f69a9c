/*
 * strategy_test.c - the windowing strategy: each window option and its
 * bad arguments, strategy_finish's checks, the control line written and
 * read back for every window kind, the bad lines a reader refuses, the
 * time outputs, and the event time and windows of plain and annotated
 * records.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "strategy.h"

#define MAXOPT 8

/* The getopt code of a long option's name. */
static int
code_of(const char *name)
{
	size_t i;

	for (i = 0; strategy_options[i].name; i++)
		if (strcmp(strategy_options[i].name, name) == 0)
			return strategy_options[i].val;
	return -1;
}

/*
 * Take "name=arg" (or "name" alone) options and finish: 0 with s ready,
 * or -1 with the message in err.
 */
static int
configure(struct strategy *s, const char *const *opts, char *err,
    size_t errlen)
{
	size_t i;

	strategy_init(s);
	for (i = 0; i < MAXOPT && opts[i]; i++) {
		char name[64];
		const char *eq = strchr(opts[i], '=');
		size_t n = eq ? (size_t)(eq - opts[i]) : strlen(opts[i]);

		snprintf(name, sizeof name, "%.*s", (int)n, opts[i]);
		if (strcmp(name, "bounds") == 0) {	/* stream-window's */
			s->bounds = 1;
			continue;
		}
		if (strategy_option(s, code_of(name), eq ? eq + 1 : NULL, err,
		    errlen) < 0)
			return -1;
	}
	return strategy_finish(s, err, errlen);
}

#define LINE_HEAD "{\"_punct\":\"strategy\","
#define FIELDS(tz, time, fmt, key, start, end, tout, delay, late) \
	"\"tz\":" tz ",\"time\":" time ",\"time_format\":\"" fmt "\"," \
	"\"time_field\":\"_t\",\"key\":" key ",\"start_field\":\"" start \
	"\",\"end_field\":\"" end "\",\"time_output\":\"" tout "\"," \
	"\"max_delay\":" delay ",\"allowed_lateness\":" late
/* event time, and no --max-delay: STRATEGY_DEFAULT_DELAY, 5m */
#define DEFAULT_DELAY "300000000"
#define DEFAULTS FIELDS("null", "\"ts\"", "auto", "null", "window_start", \
	"window_end", "rfc3339", DEFAULT_DELAY, "0")
#define WATERMARK ",\"trigger\":\"watermark\",\"mode\":\"discard\"}\n"

static const struct option_case {
	const char *opts[MAXOPT];
	const char *want;	/* the control line, or the error */
} option_cases[] = {
	/* every window kind */
	{ { "time=ts", "tumbling=10s" }, LINE_HEAD "\"window\":\"tumbling\","
	    "\"size\":10000000,\"offset\":0," DEFAULTS WATERMARK },
	{ { "time=ts", "tumbling=1m", "offset=15s" }, LINE_HEAD
	    "\"window\":\"tumbling\",\"size\":60000000,\"offset\":15000000,"
	    DEFAULTS WATERMARK },
	{ { "time=ts", "sliding=30s", "every=10s" }, LINE_HEAD
	    "\"window\":\"sliding\",\"size\":30000000,\"every\":10000000,"
	    "\"offset\":0," DEFAULTS WATERMARK },
	{ { "time=ts", "session=5m", "key=user,host" }, LINE_HEAD
	    "\"window\":\"session\",\"gap\":300000000," FIELDS("null", "\"ts\"",
	    "auto", "\"user,host\"", "window_start", "window_end", "rfc3339",
	    DEFAULT_DELAY, "0") WATERMARK },
	{ { "time=ts", "global" }, LINE_HEAD "\"window\":\"global\","
	    DEFAULTS WATERMARK },
	/* the other options, each in its field */
	{ { "tumbling=1d", "tz=Europe/Paris", "time-output=local",
	    "time-format=epoch-ms", "time=at", "max-delay=2s",
	    "allowed-lateness=1h", "max-jump=1d" }, LINE_HEAD
	    "\"window\":\"tumbling\",\"size\":86400000000,\"offset\":0,"
	    FIELDS("\"Europe/Paris\"", "\"at\"", "epoch-ms", "null",
	    "window_start", "window_end", "local", "2000000", "3600000000")
	    WATERMARK },
	{ { "time=ts", "tumbling=10s", "start-field=ws", "end-field=we",
	    "time-output=epoch", "idle=30s" }, LINE_HEAD
	    "\"window\":\"tumbling\",\"size\":10000000,\"offset\":0,"
	    FIELDS("null", "\"ts\"", "auto", "null", "ws", "we", "epoch",
	    DEFAULT_DELAY, "0") WATERMARK },
	/* --max-delay 0 is given, not the default */
	{ { "time=ts", "tumbling=10s", "max-delay=0" }, LINE_HEAD
	    "\"window\":\"tumbling\",\"size\":10000000,\"offset\":0,"
	    FIELDS("null", "\"ts\"", "auto", "null", "window_start",
	    "window_end", "rfc3339", "0", "0") WATERMARK },
	/* processing time: in order, no delay */
	{ { "tumbling=10s", "time-output=epoch-us" }, LINE_HEAD
	    "\"window\":\"tumbling\",\"size\":10000000,\"offset\":0,"
	    FIELDS("null", "null", "auto", "null", "window_start", "window_end",
	    "epoch-us", "0", "0") WATERMARK },
	/* the last of an option given twice wins; one kind twice is fine */
	{ { "time=a", "time=ts", "tumbling=5s", "tumbling=10s" }, LINE_HEAD
	    "\"window\":\"tumbling\",\"size\":10000000,\"offset\":0," DEFAULTS
	    WATERMARK },
	/* bad arguments: the option and its text named */
	{ { "tumbling=10" }, "--tumbling '10': not a duration" },
	{ { "tumbling=" }, "--tumbling '': not a duration" },
	{ { "sliding=-5s" }, "--sliding '-5s': not a duration" },
	{ { "tumbling=1m", "offset=x" }, "--offset 'x': not a duration" },
	{ { "sliding=1m", "every=1q" }, "--every '1q': not a duration" },
	{ { "session=soon" }, "--session 'soon': not a duration" },
	{ { "max-delay=5" }, "--max-delay '5': not a duration" },
	{ { "max-jump=1 h" }, "--max-jump '1 h': not a duration" },
	{ { "idle=ms" }, "--idle 'ms': not a duration" },
	{ { "allowed-lateness=1.5x" },
	    "--allowed-lateness '1.5x': not a duration" },
	{ { "time-output=iso" }, "--time-output 'iso': not rfc3339, epoch, "
	    "epoch-ms, epoch-us or local" },
	{ { "tumbling=1m", "sliding=1m" }, "one window kind: --tumbling, "
	    "--sliding, --session or --global" },
	{ { "session=1m", "global" }, "one window kind: --tumbling, "
	    "--sliding, --session or --global" },
	/* what strategy_finish checks */
	{ { "sliding=1m" }, "--sliding needs --every" },
	{ { "tumbling=1m", "every=10s" }, "--every goes with --sliding" },
	{ { "sliding=1m", "every=2m" },
	    "--every must be positive and at most the size" },
	{ { "sliding=1m", "every=0" },
	    "--sliding needs --every" },
	{ { "tumbling=0" }, "window size must be positive" },
	{ { "session=0" }, "the session gap must be positive" },
	{ { "tumbling=1h", "tz=Europe/Paris" },
	    "with --tz, sizes are whole days or weeks" },
	{ { "tumbling=1d", "offset=1h", "tz=Europe/Paris" },
	    "with --tz, the offset is whole days" },
	{ { "tumbling=1d", "tz=Mars/Olympus" },
	    "--tz 'Mars/Olympus': no such time zone" },
	{ { "tumbling=1d", "tz=../etc" },
	    "--tz '../etc': not a time zone name" },
	{ { "tumbling=1m", "time-output=local" },
	    "--time-output local needs --tz" },
};

static void
test_options(void)
{
	size_t i;

	for (i = 0; i < sizeof option_cases / sizeof option_cases[0]; i++) {
		const struct option_case *c = &option_cases[i];
		struct strategy s;
		struct buf line = BUF_INIT;
		char err[256] = "";

		if (configure(&s, c->opts, err, sizeof err) < 0)
			buf_addstr(&line, err);
		else
			strategy_write(&line, &s);
		if (line.len != strlen(c->want) ||
		    memcmp(line.data, c->want, line.len) != 0)
			fprintf(stderr, "option case %zu\n", i);
		CHECK_MEM(line.data, line.len, c->want);
		buf_release(&line);
		strategy_release(&s);
	}
}

/* Written, read back, written again: the same line, for every window kind
 * and stream-trigger's modes. */
static void
test_round_trip(void)
{
	static const struct {
		const char *opts[MAXOPT];
		const char *trigger;
		int accumulate, retract, pane_info;
	} cases[] = {
		{ { "time=ts", "tumbling=10s", "offset=3s" }, NULL, 0, 0, 0 },
		{ { "sliding=1h", "every=15m", "time-output=epoch-ms" }, NULL,
		    0, 0, 0 },
		{ { "time=t", "session=30s", "key=k", "max-delay=1s" }, NULL, 0,
		    0, 0 },
		{ { "global", "allowed-lateness=1m" }, NULL, 0, 0, 0 },
		{ { "tumbling=1w", "tz=Europe/Paris", "time-output=local",
		    "time-format=%d/%m/%Y %H:%M" }, NULL, 0, 0, 0 },
		{ { "time=ts", "tumbling=1m", "start-field=a\"b",
		    "end-field=\\e" }, NULL, 0, 0, 0 },
		{ { "tumbling=1m" }, "count(10)", 0, 0, 0 },
		{ { "tumbling=1m" }, "after(5s)", 1, 0, 1 },
		{ { "session=1m", "key=u" }, "count(2)", 1, 1, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct strategy s, back;
		struct buf one = BUF_INIT, two = BUF_INIT;
		char err[256] = "";

		CHECK_INT(configure(&s, cases[i].opts, err, sizeof err), 0);
		if (cases[i].trigger)
			s.trigger = xstrdup(cases[i].trigger);
		s.accumulate = cases[i].accumulate;
		s.retract = cases[i].retract;
		s.pane_info = cases[i].pane_info;
		strategy_write(&one, &s);
		strategy_init(&back);
		CHECK_INT(strategy_parse(&back, one.data, one.len - 1, err,
		    sizeof err), 0);
		CHECK_STR(err, "");
		strategy_write(&two, &back);
		CHECK_MEM(two.data, two.len, one.data);
		CHECK_INT(back.win.kind, s.win.kind);
		CHECK_INT(back.win.size, s.win.size);
		CHECK_INT(back.win.period, s.win.period);
		CHECK_INT(back.win.offset, s.win.offset);
		CHECK_INT(back.win.gap, s.win.gap);
		CHECK_INT(back.accumulate, s.accumulate);
		CHECK_INT(back.retract, s.retract);
		CHECK_INT(back.pane_info, s.pane_info);
		CHECK(back.win.tz == NULL || back.win.tz == &back.tz);
		buf_release(&one);
		buf_release(&two);
		strategy_release(&s);
		strategy_release(&back);
	}
}

/* Without "fire_lines", trigger and mode are a stream-window's and are
 * not taken as stream-trigger's. */
static void
test_parse_modes(void)
{
	static const struct {
		const char *line;
		const char *trigger;
		int accumulate, retract, pane_info;
	} cases[] = {
		{ LINE_HEAD "\"window\":\"global\",\"trigger\":\"count(3)\","
		    "\"mode\":\"retract\"}", NULL, 0, 0, 0 },
		{ LINE_HEAD "\"window\":\"global\",\"trigger\":\"count(3)\","
		    "\"mode\":\"retract\",\"fire_lines\":true}", "count(3)", 1,
		    1, 0 },
		{ LINE_HEAD "\"window\":\"global\",\"trigger\":\"count(3)\","
		    "\"mode\":\"accumulate\",\"fire_lines\":true,"
		    "\"pane_info\":true}", "count(3)", 1, 0, 1 },
		{ LINE_HEAD "\"window\":\"global\",\"trigger\":\"count(3)\","
		    "\"fire_lines\":false,\"pane_info\":true}", NULL, 0, 0, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct strategy s;
		char err[256] = "";

		strategy_init(&s);
		CHECK_INT(strategy_parse(&s, cases[i].line,
		    strlen(cases[i].line), err, sizeof err), 0);
		CHECK_STR(s.trigger ? s.trigger : "(null)", cases[i].trigger ?
		    cases[i].trigger : "(null)");
		CHECK_INT(s.accumulate, cases[i].accumulate);
		CHECK_INT(s.retract, cases[i].retract);
		CHECK_INT(s.pane_info, cases[i].pane_info);
		/* the defaults stand for what the line leaves out */
		CHECK_STR(s.start_field, "window_start");
		CHECK_STR(s.end_field, "window_end");
		CHECK(s.time_field == NULL);
		strategy_release(&s);
	}
}

static const struct parse_case {
	const char *line;
	const char *err;
} parse_cases[] = {
	{ "{\"_punct\":\"strategy\"}", "bad strategy line: no window kind" },
	{ LINE_HEAD "\"window\":\"hopping\",\"size\":1}",
	    "bad strategy line: no window kind" },
	{ LINE_HEAD "\"window\":7}", "bad strategy line: no window kind" },
	{ LINE_HEAD "\"window\":\"tumbling\",\"size\":\"10s\"}",
	    "bad strategy line: a field of the wrong type" },
	{ LINE_HEAD "\"window\":\"tumbling\",\"size\":-10}",
	    "bad strategy line: a field of the wrong type" },
	{ LINE_HEAD "\"window\":\"tumbling\",\"size\":1.5}",
	    "bad strategy line: a field of the wrong type" },
	{ LINE_HEAD "\"window\":\"tumbling\",\"size\":10,\"time\":5}",
	    "bad strategy line: a field of the wrong type" },
	{ LINE_HEAD "\"window\":\"tumbling\",\"size\":10,"
	    "\"time_field\":\"ts\"}",
	    "bad strategy line: a field of the wrong type" },
	{ LINE_HEAD "\"window\":\"tumbling\",\"size\":10,"
	    "\"time_output\":\"iso\"}",
	    "bad strategy line: a field of the wrong type" },
	{ LINE_HEAD "\"window\":\"tumbling\",\"size\":10,"
	    "\"max_delay\":true}",
	    "bad strategy line: a field of the wrong type" },
	/* well-formed, but not a strategy a tool could have written */
	{ LINE_HEAD "\"window\":\"tumbling\"}",
	    "window size must be positive" },
	{ LINE_HEAD "\"window\":\"sliding\",\"size\":10}",
	    "--sliding needs --every" },
	{ LINE_HEAD "\"window\":\"session\",\"gap\":0}",
	    "the session gap must be positive" },
	{ LINE_HEAD "\"window\":\"tumbling\",\"size\":10,"
	    "\"tz\":\"Nowhere/Town\"}",
	    "--tz 'Nowhere/Town': no such time zone" },
};

static void
test_parse_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		struct strategy s;
		char err[256] = "";

		strategy_init(&s);
		CHECK_INT(strategy_parse(&s, parse_cases[i].line,
		    strlen(parse_cases[i].line), err, sizeof err), -1);
		CHECK_STR(err, parse_cases[i].err);
		strategy_release(&s);
	}
	/* not JSON at all: the parser's own reason follows */
	{
		struct strategy s;
		char err[256] = "";

		strategy_init(&s);
		CHECK_INT(strategy_parse(&s, "{\"window\":", 10, err,
		    sizeof err), -1);
		CHECK(strncmp(err, "bad strategy line: ", 19) == 0 &&
		    strlen(err) > 19);
		strategy_release(&s);
	}
}

static void
test_time_output(void)
{
	static const struct {
		const char *name;
		evtime t;
		const char *want;
	} cases[] = {
		{ "rfc3339", 1795514405123456, "2026-11-24T10:00:05.123Z" },
		{ "epoch", 1795514405123456, "1795514405" },
		{ "epoch-ms", 1795514405123456, "1795514405123" },
		{ "epoch-us", 1795514405123456, "1795514405123456" },
		{ "local", 1795514405123456, "2026-11-24T11:00:05.123+01:00" },
		{ "local", 1784887205000000, "2026-07-24T12:00:05.000+02:00" },
		/* before the epoch: floored, as window bounds are */
		{ "epoch", -1500000, "-2" },
		{ "epoch-ms", -1500, "-2" },
		{ "epoch-us", -1, "-1" },
		{ "rfc3339", -1000000, "1969-12-31T23:59:59.000Z" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *opts[] = { "tumbling=1d", "tz=Europe/Paris", NULL,
		    NULL };
		char opt[64], dst[TIME_RFC3339_MAX], err[256];
		struct strategy s;
		size_t n;

		snprintf(opt, sizeof opt, "time-output=%s", cases[i].name);
		opts[2] = opt;
		CHECK_INT(configure(&s, opts, err, sizeof err), 0);
		n = strategy_format_time(&s, cases[i].t, dst);
		CHECK_MEM(dst, n, cases[i].want);
		CHECK_STR(time_output_name(time_output_from_name(
		    cases[i].name)), cases[i].name);
		strategy_release(&s);
	}
	CHECK_INT(time_output_from_name("ISO"), -1);
	CHECK_INT(time_output_from_name(""), -1);
	CHECK_STR(time_output_name(-1), "?");
	CHECK_STR(time_output_name(TOUT_LOCAL + 1), "?");
}

/*
 * Records through a stamper: "t=T [S,E) ..." with the times in
 * microseconds, or "error: WHY".  An annotated case reads the records as
 * stream-window wrote them, with the strategy read back from its line.
 */
static const struct stamp_case {
	const char *opts[MAXOPT];
	int annotated;
	const char *record;
	const char *want;
} stamp_cases[] = {
	{ { "time=ts", "tumbling=10s" }, 0, "{\"ts\":\"1970-01-01T00:00:25Z\"}",
	    "t=25000000 [20000000,30000000)" },
	{ { "time=ts", "tumbling=10s", "offset=3s" }, 0, "{\"ts\":25}",
	    "t=25000000 [23000000,33000000)" },
	{ { "time=ts", "tumbling=10s" }, 0, "{\"ts\":-1}",
	    "t=-1000000 [-10000000,0)" },
	{ { "time=ts", "sliding=30s", "every=10s" }, 0, "{\"ts\":25}",
	    "t=25000000 [0,30000000) [10000000,40000000) "
	    "[20000000,50000000)" },
	{ { "time=ts", "session=10s" }, 0, "{\"ts\":25}",
	    "t=25000000 [25000000,35000000)" },
	{ { "time=ts", "global" }, 0, "{\"ts\":25}",
	    "t=25000000 [-9223372036854775808,9223372036854775807)" },
	{ { "time=ts", "time-format=epoch-ms", "tumbling=1s" }, 0,
	    "{\"ts\":2500}", "t=2500000 [2000000,3000000)" },
	{ { "time=ts", "time-format=%d/%m/%Y %H:%M", "tumbling=1h" }, 0,
	    "{\"ts\":\"24/11/2026 10:30\"}",
	    "t=1795516200000000 [1795514400000000,1795518000000000)" },
	{ { "time=ts", "tumbling=1d", "tz=Europe/Paris" }, 0,
	    "{\"ts\":\"2026-11-24T10:00:00Z\"}",
	    "t=1795514400000000 [1795474800000000,1795561200000000)" },
	/* processing time: STREAMKIT_NOW */
	{ { "tumbling=1m" }, 0, "{\"ts\":1}",
	    "t=1795514405000000 [1795514400000000,1795514460000000)" },
	{ { "time=ts", "tumbling=10s" }, 0, "{\"x\":1}",
	    "error: missing field 'ts'" },
	{ { "time=ts", "tumbling=10s" }, 0, "{\"ts\":\"noon\"}",
	    "error: field 'ts' is not a time" },
	{ { "time=ts", "tumbling=10s" }, 0, "{\"ts\":null}",
	    "error: field 'ts' is not a time" },
	{ { "time=ts", "time-format=epoch-us", "tumbling=10s" }, 0,
	    "{\"ts\":9223372036854775000}",
	    "t=9223372036854775000 error: event time out of range" },
	/* annotated: the time from _t, whatever "time" was */
	{ { "time=ts", "tumbling=10s" }, 1,
	    "{\"ts\":\"junk\",\"_t\":25000000}",
	    "t=25000000 [20000000,30000000)" },
	{ { "time=ts", "session=10s" }, 1, "{\"_t\":25000000}",
	    "t=25000000 [25000000,35000000)" },
	{ { "time=ts", "tumbling=10s" }, 1, "{\"ts\":25}",
	    "error: missing field '_t'" },
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":\"x\"}",
	    "error: field '_t' is not a time" },
	/* _t read as an integer at once, or else by the time parser */
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":-5}",
	    "t=-5 [-10000000,0)" },
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":9223372036854775807}",
	    "t=9223372036854775807 error: event time out of range" },
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":99999999999999999999}",
	    "error: field '_t' is not a time" },
	/* eight digits a step, and the ones left after them */
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":12345678}",
	    "t=12345678 [10000000,20000000)" },
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":-123456789}",
	    "t=-123456789 [-130000000,-120000000)" },
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":1795514405123456}",
	    "t=1795514405123456 [1795514400000000,1795514410000000)" },
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":90000000000000009}",
	    "t=90000000000000009 [90000000000000000,90000000010000000)" },
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":12345678.9}",
	    "t=12345678 [10000000,20000000)" },
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":12.9}",
	    "t=12 [0,10000000)" },
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":\"15\"}",
	    "t=15 [0,10000000)" },
	/* the last _t wins over one before it (stream-window writes it
	 * last) */
	{ { "time=ts", "tumbling=10s" }, 1, "{\"_t\":1,\"_t\":25000000}",
	    "t=25000000 [20000000,30000000)" },
	/* a sliding line is one of the record's windows: _w gives its start */
	{ { "time=ts", "sliding=30s", "every=10s" }, 1,
	    "{\"_w\":10000000,\"_t\":25000000}",
	    "t=25000000 [10000000,40000000)" },
	{ { "time=ts", "sliding=60s", "every=30s", "offset=15s" }, 1,
	    "{\"t\":10,\"_w\":-45000000,\"_t\":10000000}",
	    "t=10000000 [-45000000,15000000)" },
	{ { "time=ts", "sliding=30s", "every=10s" }, 1,
	    "{\"_t\":25000000}",
	    "t=25000000 error: missing field '_w'" },
	{ { "time=ts", "sliding=30s", "every=10s" }, 1,
	    "{\"_w\":\"soon\",\"_t\":25000000}",
	    "t=25000000 error: field '_w' is not a time" },
	/* with --bounds, as its bounds say */
	{ { "bounds", "time=ts", "sliding=30s", "every=10s" }, 1,
	    "{\"window_start\":\"1970-01-01T00:00:10.000Z\","
	    "\"window_end\":\"1970-01-01T00:00:40.000Z\",\"_t\":25000000}",
	    "t=25000000 [10000000,40000000)" },
	{ { "bounds", "time=ts", "sliding=60s", "every=30s", "time-output=epoch" }, 1,
	    "{\"t\":10,\"window_start\":-45,\"window_end\":15,\"_t\":10000000}",
	    "t=10000000 [-45000000,15000000)" },
	{ { "bounds", "time=ts", "sliding=60s", "every=30s", "time-output=epoch-ms",
	    "start-field=ws", "end-field=we" }, 1,
	    "{\"ws\":60000,\"we\":120000,\"_t\":61000000}",
	    "t=61000000 [60000000,120000000)" },
	{ { "bounds", "time=ts", "sliding=2d", "every=1d", "tz=Europe/Paris",
	    "time-output=local" }, 1,
	    "{\"window_start\":\"2026-11-24T00:00:00.000+01:00\","
	    "\"window_end\":\"2026-11-26T00:00:00.000+01:00\","
	    "\"_t\":1795514400000000}",
	    "t=1795514400000000 [1795474800000000,1795647600000000)" },
	{ { "bounds", "time=ts", "sliding=30s", "every=10s" }, 1,
	    "{\"window_end\":\"1970-01-01T00:00:40.000Z\",\"_t\":25000000}",
	    "t=25000000 error: missing field 'window_start'" },
	{ { "bounds", "time=ts", "sliding=30s", "every=10s" }, 1,
	    "{\"window_start\":\"1970-01-01T00:00:10.000Z\",\"_t\":25000000}",
	    "t=25000000 error: missing field 'window_end'" },
	{ { "bounds", "time=ts", "sliding=30s", "every=10s" }, 1,
	    "{\"window_start\":\"soon\",\"window_end\":\"later\","
	    "\"_t\":25000000}",
	    "t=25000000 error: field 'window_start' is not a time" },
	{ { "bounds", "time=ts", "sliding=30s", "every=10s", "time-output=epoch" }, 1,
	    "{\"window_start\":40,\"window_end\":10,\"_t\":25000000}",
	    "t=25000000 error: window ends before it starts" },
};

static void
stamp(const struct stamp_case *c, struct buf *got)
{
	struct strategy st, down;
	struct fieldset fs = FIELDSET_INIT;
	struct stamper sp;
	struct window w[8];
	struct val v[8];
	struct record rec = { c->record, strlen(c->record), "t", 1, v };
	struct buf line = BUF_INIT;
	const struct strategy *use = &st;
	char err[256] = "", why[128] = "";
	const char *perr;
	evtime t;
	size_t n, k;

	CHECK_INT(configure(&st, c->opts, err, sizeof err), 0);
	strategy_init(&down);
	if (c->annotated) {
		strategy_write(&line, &st);
		CHECK_INT(strategy_parse(&down, line.data, line.len - 1, err,
		    sizeof err), 0);
		use = &down;
	}
	stamper_init(&sp, use, c->annotated, &fs);
	if (json_parse(rec.line, rec.len, &fs, v, &perr) != PARSE_OK)
		abort();
	if (stamper_time(&sp, &rec, &t, why, sizeof why) < 0)
		buf_addf(got, "error: %s", why);
	else {
		buf_addf(got, "t=%lld", (long long)t);
		if ((n = stamper_windows(&sp, &rec, t, w, why, sizeof why)) == 0)
			buf_addf(got, " error: %s", why);
		for (k = 0; k < n; k++)
			buf_addf(got, " [%lld,%lld)", (long long)w[k].start,
			    (long long)w[k].end);
	}
	stamper_release(&sp);
	fieldset_release(&fs);
	buf_release(&line);
	strategy_release(&st);
	strategy_release(&down);
}

static void
test_stamper(void)
{
	size_t i;

	setenv("STREAMKIT_NOW", "2026-11-24T10:00:05Z", 1);
	for (i = 0; i < sizeof stamp_cases / sizeof stamp_cases[0]; i++) {
		struct buf got = BUF_INIT;

		stamp(&stamp_cases[i], &got);
		if (got.len != strlen(stamp_cases[i].want) ||
		    memcmp(got.data, stamp_cases[i].want, got.len) != 0)
			fprintf(stderr, "stamp case %zu\n", i);
		CHECK_MEM(got.data, got.len, stamp_cases[i].want);
		buf_release(&got);
	}
}

/* Records of one sliding window repeat its bounds' text: read once and
 * reused, and a new text read anew. */
static void
test_bound_reuse(void)
{
	static const char *const recs[] = {
		"{\"window_start\":0,\"window_end\":30,\"_t\":5000000}",
		"{\"window_start\":0,\"window_end\":30,\"_t\":6000000}",
		"{\"window_start\":10,\"window_end\":40,\"_t\":15000000}",
		"{\"window_start\":\"1\\u0030\",\"window_end\":40,\"_t\":15000000}",
		"{\"window_start\":0,\"window_end\":30,\"_t\":7000000}",
	};
	static const char *const want[] = {
		"[0,30000000)", "[0,30000000)", "[10000000,40000000)",
		"[10000000,40000000)", "[0,30000000)",
	};
	const char *opts[] = { "bounds", "time=ts", "sliding=30s", "every=10s",
	    "time-output=epoch", NULL };
	struct strategy st;
	struct fieldset fs = FIELDSET_INIT;
	struct stamper sp;
	char err[256], why[128];
	size_t i;

	CHECK_INT(configure(&st, opts, err, sizeof err), 0);
	stamper_init(&sp, &st, 1, &fs);
	for (i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		struct val v[8];
		struct record rec = { recs[i], strlen(recs[i]), "t", 1, v };
		struct window w[4];
		char text[64];
		const char *perr;
		evtime t;

		if (json_parse(rec.line, rec.len, &fs, v, &perr) != PARSE_OK)
			abort();
		CHECK_INT(stamper_time(&sp, &rec, &t, why, sizeof why), 0);
		CHECK_INT(stamper_windows(&sp, &rec, t, w, why, sizeof why), 1);
		snprintf(text, sizeof text, "[%lld,%lld)", (long long)w[0].start,
		    (long long)w[0].end);
		CHECK_STR(text, want[i]);
	}
	stamper_release(&sp);
	fieldset_release(&fs);
	strategy_release(&st);
}

/* A tumbling stream's window found last is taken again for the records
 * in it, and a record before or after it finds its own. */
static void
test_window_reuse(void)
{
	static const struct { evtime t; const char *want; } recs[] = {
		{ 0, "[0,60000000)" },
		{ 59999999, "[0,60000000)" },
		{ 60000000, "[60000000,120000000)" },
		{ 30000000, "[0,60000000)" },		/* late: back */
		{ 119999999, "[60000000,120000000)" },
		{ -1, "[-60000000,0)" },
		{ -60000000, "[-60000000,0)" },
		{ 0, "[0,60000000)" },
	};
	const char *opts[] = { "time=ts", "tumbling=1m", NULL };
	struct strategy st;
	struct fieldset fs = FIELDSET_INIT;
	struct stamper sp;
	char err[256], why[128], text[64];
	size_t i;

	CHECK_INT(configure(&st, opts, err, sizeof err), 0);
	stamper_init(&sp, &st, 1, &fs);
	for (i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		struct val v[4] = { { 0 } };
		struct record rec = { "{}", 2, "t", 1, v };
		struct window w[2];

		CHECK_INT(stamper_windows(&sp, &rec, recs[i].t, w, why,
		    sizeof why), 1);
		snprintf(text, sizeof text, "[%lld,%lld)", (long long)w[0].start,
		    (long long)w[0].end);
		CHECK_STR(text, recs[i].want);
	}
	stamper_release(&sp);
	fieldset_release(&fs);
	strategy_release(&st);
}

static void
test_merge(void)
{
	static const struct option own[] = {
		{ "group-by", required_argument, NULL, 'g' },
		{ "stats", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 }
	};
	struct option *all = strategy_merge_options(own);
	size_t n = 0, ns = 0;

	while (strategy_options[ns].name)
		ns++;
	while (all[n].name)
		n++;
	CHECK_INT(n, 2 + ns);
	CHECK_STR(all[1].name, "stats");
	CHECK_STR(all[2].name, "time");
	CHECK_INT(all[2].val, STRATEGY_OPT_BASE);
	CHECK_STR(all[n - 1].name, strategy_options[ns - 1].name);
	free(all);
}

int
main(void)
{
	test_options();
	test_round_trip();
	test_parse_modes();
	test_parse_errors();
	test_time_output();
	test_stamper();
	test_bound_reuse();
	test_window_reuse();
	test_merge();
	return check_done("strategy_test");
}
