/*
 * route_test.c - event-route's rules: what a rule's text means and the
 * errors that point into it, routing by predicates, --first and else,
 * file templates, shards and their stable hash, handlers and commands
 * behind rules, and the ledger per rule and of the events.
 *
 * Each case routes JSON events through a router in a temporary directory
 * made current, its standard output a temporary file, and compares the
 * output, the files, the --stats lines, the status and stderr.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "testio.h"
#include "diag.h"
#include "json.h"
#include "route.h"

#define GRACE (20 * INT64_C(1000000))	/* a bound, not a wait */
#define MAXR 6

/* The text of a descriptor, from its start (static). */
static const char *
text_of(int fd)
{
	static char text[8192];
	ssize_t n = pread(fd, text, sizeof text - 1, 0);

	text[n < 0 ? 0 : n] = '\0';
	return text;
}

static void
clean(void)
{
	if (system("rm -rf ./* 2>/dev/null") != 0)
		abort();
}

/* Add a rule, or "--shard SPEC DEST". */
static int
add(struct router *r, const char *rule, struct fieldset *fs, char *err,
    size_t errlen)
{
	char spec[128];
	const char *sp;

	if (strncmp(rule, "--shard ", 8) != 0)
		return router_add(r, rule, fs, err, errlen);
	sp = strchr(rule + 8, ' ');
	snprintf(spec, sizeof spec, "%.*s", (int)(sp - rule - 8), rule + 8);
	return router_add_shard(r, spec, sp + 1, fs, err, errlen);
}

#define STATS(n, text, m, d, f) "route_test: rule " #n " '" text \
	"': matched=" #m " delivered=" #d " failed=" #f \
	" dropped=0 dead-lettered=0\n"
#define TOTAL(routed, d, u, f) "route_test: routed=" #routed " delivered=" \
	#d " unmatched=" #u " dead-lettered=0 dropped=0 failed=" #f "\n"

static const char *const events4[] = {
	"{\"level\":\"error\",\"host\":\"a\",\"m\":1}",
	"{\"level\":\"info\",\"host\":\"b\",\"m\":2}",
	"{\"level\":\"warn\",\"host\":\"a\",\"m\":3}",
	"{\"host\":\"c\",\"m\":4}",
	NULL
};

static const struct route_case {
	const char *name;
	const char *rules[MAXR];
	int first;
	const char *const *events;
	const char *taken;	/* router_route's count for each event */
	const char *out;	/* standard output */
	const char *files[4];	/* "PATH=TEXT" */
	const char *stats;	/* router_print */
	int status;
	const char *err;
} route_cases[] = {
	{ "fan-out: every matching rule", { "level == \"error\" -> -",
	    "host == \"a\" -> >>a.jsonl" }, 0, events4, "2010",
	    "{\"level\":\"error\",\"host\":\"a\",\"m\":1}\n",
	    { "a.jsonl={\"level\":\"error\",\"host\":\"a\",\"m\":1}\n"
	    "{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n" },
	    STATS(1, "level == \"error\" -> -", 1, 1, 0)
	    STATS(2, "host == \"a\" -> >>a.jsonl", 2, 2, 0)
	    TOTAL(4, 2, 2, 0), 0, "" },
	{ "--first: the first matching rule only",
	    { "host == \"a\" -> >>a.jsonl", "level == \"error\" -> -" }, 1,
	    events4, "1010", "",
	    { "a.jsonl={\"level\":\"error\",\"host\":\"a\",\"m\":1}\n"
	    "{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n" },
	    STATS(1, "host == \"a\" -> >>a.jsonl", 2, 2, 0)
	    STATS(2, "level == \"error\" -> -", 0, 0, 0)
	    TOTAL(4, 2, 2, 0), 0, "" },
	{ "else: what no other rule took", { "level == \"error\" -> >>e",
	    "else -> -" }, 0, events4, "1111",
	    "{\"level\":\"info\",\"host\":\"b\",\"m\":2}\n"
	    "{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n"
	    "{\"host\":\"c\",\"m\":4}\n",
	    { "e={\"level\":\"error\",\"host\":\"a\",\"m\":1}\n" },
	    STATS(1, "level == \"error\" -> >>e", 1, 1, 0)
	    STATS(2, "else -> -", 3, 3, 0) TOTAL(4, 4, 0, 0), 0, "" },
	/* two else rules: both, or with --first the first */
	{ "two else rules", { "else -> >>x", "m > 3 -> -", "else -> >>y" }, 0,
	    events4, "2221", "{\"host\":\"c\",\"m\":4}\n",
	    { "x={\"level\":\"error\",\"host\":\"a\",\"m\":1}\n"
	    "{\"level\":\"info\",\"host\":\"b\",\"m\":2}\n"
	    "{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n",
	    "y={\"level\":\"error\",\"host\":\"a\",\"m\":1}\n"
	    "{\"level\":\"info\",\"host\":\"b\",\"m\":2}\n"
	    "{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n" },
	    STATS(1, "else -> >>x", 3, 3, 0) STATS(2, "m > 3 -> -", 1, 1, 0)
	    STATS(3, "else -> >>y", 3, 3, 0) TOTAL(4, 4, 0, 0), 0, "" },
	{ "two else rules, --first", { "else -> >>x", "m > 3 -> -",
	    "else -> >>y" }, 1, events4, "1111", "{\"host\":\"c\",\"m\":4}\n",
	    { "x={\"level\":\"error\",\"host\":\"a\",\"m\":1}\n"
	    "{\"level\":\"info\",\"host\":\"b\",\"m\":2}\n"
	    "{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n", "y=(none)" },
	    STATS(1, "else -> >>x", 3, 3, 0) STATS(2, "m > 3 -> -", 1, 1, 0)
	    STATS(3, "else -> >>y", 0, 0, 0) TOTAL(4, 4, 0, 0), 0, "" },
	/* a comparison with a field missing, or of the wrong type, is
	 * false, != too: unmatched */
	{ "unmatched", { "level != \"error\" -> >>x" }, 0, events4, "0110",
	    "", { "x={\"level\":\"info\",\"host\":\"b\",\"m\":2}\n"
	    "{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n" },
	    STATS(1, "level != \"error\" -> >>x", 2, 2, 0) TOTAL(4, 2, 2, 0),
	    0, "" },
	/* two rules to stdout: one event out, once, each rule counts it */
	{ "two rules to standard output", { "has m -> -", "m > 2 -> -" }, 0,
	    events4, "1122", "{\"level\":\"error\",\"host\":\"a\",\"m\":1}\n"
	    "{\"level\":\"info\",\"host\":\"b\",\"m\":2}\n"
	    "{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n"
	    "{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n"
	    "{\"host\":\"c\",\"m\":4}\n{\"host\":\"c\",\"m\":4}\n", { NULL },
	    STATS(1, "has m -> -", 4, 4, 0) STATS(2, "m > 2 -> -", 2, 2, 0)
	    TOTAL(4, 4, 0, 0), 0, "" },
	/* templates: a value's '/' and leading '.' are '_', a missing or
	 * empty one is "_", directories made */
	{ "file templates", { "has m -> >>out/{host}/{level}.log" }, 0,
	    (const char *const[]){ "{\"host\":\"a\",\"level\":\"x\",\"m\":1}",
	    "{\"host\":\"../../etc\",\"level\":\"y\",\"m\":2}",
	    "{\"level\":\"z\",\"m\":3}", "{\"host\":\"\",\"level\":\"z\","
	    "\"m\":4}", "{\"host\":\"a\",\"level\":\"x\",\"m\":5}", NULL },
	    "11111", "", { "out/a/x.log={\"host\":\"a\",\"level\":\"x\","
	    "\"m\":1}\n{\"host\":\"a\",\"level\":\"x\",\"m\":5}\n",
	    "out/_._.._etc/y.log={\"host\":\"../../etc\",\"level\":\"y\","
	    "\"m\":2}\n", "out/_/z.log={\"level\":\"z\",\"m\":3}\n"
	    "{\"host\":\"\",\"level\":\"z\",\"m\":4}\n" },
	    STATS(1, "has m -> >>out/{host}/{level}.log", 5, 5, 0)
	    TOTAL(5, 5, 0, 0), 0, "" },
	/* > empties the file once a run, >> keeps what was there */
	{ "> and >>", { "m < 3 -> > old1", "m < 3 -> >> old2" }, 0, events4,
	    "2200", "", { "old1={\"level\":\"error\",\"host\":\"a\",\"m\":1}\n"
	    "{\"level\":\"info\",\"host\":\"b\",\"m\":2}\n",
	    "old2=before\n{\"level\":\"error\",\"host\":\"a\",\"m\":1}\n"
	    "{\"level\":\"info\",\"host\":\"b\",\"m\":2}\n" },
	    STATS(1, "m < 3 -> > old1", 2, 2, 0)
	    STATS(2, "m < 3 -> >> old2", 2, 2, 0) TOTAL(4, 2, 2, 0), 0, "" },
	/* shards take every event; no key: shard 0; "-" needs no {} */
	{ "--shard to files", { "--shard host:7 >>s.{}" }, 0,
	    (const char *const[]){ "{\"host\":\"a\"}", "{\"host\":\"host1\"}",
	    "{\"host\":\"10.0.0.1\"}", "{\"host\":\"a\",\"n\":2}",
	    "{\"x\":1}", NULL }, "11111", "",
	    { "s.0={\"host\":\"a\"}\n{\"host\":\"a\",\"n\":2}\n{\"x\":1}\n",
	    "s.6={\"host\":\"host1\"}\n", "s.3={\"host\":\"10.0.0.1\"}\n",
	    "s.1=(none)" },
	    STATS(1, "host:7", 5, 5, 0) TOTAL(5, 5, 0, 0), 0, "" },
	{ "--shard to standard output, and a rule", { "--shard host:2 -",
	    "m == 4 -> >>four" }, 1, events4, "1111",
	    "{\"level\":\"error\",\"host\":\"a\",\"m\":1}\n"
	    "{\"level\":\"info\",\"host\":\"b\",\"m\":2}\n"
	    "{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n"
	    "{\"host\":\"c\",\"m\":4}\n", { "four=(none)" },
	    STATS(1, "host:2", 4, 4, 0) STATS(2, "m == 4 -> >>four", 0, 0, 0)
	    TOTAL(4, 4, 0, 0), 0, "" },
	/* handlers, one a shard, and commands, each shard's in order */
	{ "a handler and a file: the event counted once",
	    { "has m -> |cat >> h", "m > 2 -> >>f" }, 0, events4, "1122", "",
	    { "h={\"level\":\"error\",\"host\":\"a\",\"m\":1}\n"
	    "{\"level\":\"info\",\"host\":\"b\",\"m\":2}\n"
	    "{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n"
	    "{\"host\":\"c\",\"m\":4}\n",
	    "f={\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n"
	    "{\"host\":\"c\",\"m\":4}\n" },
	    STATS(1, "has m -> |cat >> h", 4, 4, 0)
	    STATS(2, "m > 2 -> >>f", 2, 2, 0) TOTAL(4, 4, 0, 0), 0, "" },
	{ "--shard into handlers", { "--shard host:2 |cat >> p.{}" }, 0,
	    events4, "1111", "", { "p.0={\"level\":\"error\",\"host\":\"a\","
	    "\"m\":1}\n{\"level\":\"warn\",\"host\":\"a\",\"m\":3}\n",
	    "p.1={\"level\":\"info\",\"host\":\"b\",\"m\":2}\n"
	    "{\"host\":\"c\",\"m\":4}\n" },
	    STATS(1, "host:2", 4, 4, 0) TOTAL(4, 4, 0, 0), 0, "" },
	{ "--shard into commands", { "--shard host:2 !echo \"$EVENT_m\" "
	    ">> c.{}" }, 0, events4, "1111", "", { "c.0=1\n3\n", "c.1=2\n4\n" },
	    STATS(1, "host:2", 4, 4, 0) TOTAL(4, 4, 0, 0), 0, "" },
	/* a failing command: failed for its rule; for the event, unless
	 * another destination took it */
	{ "a failing command", { "has m -> !exit 1", "m == 4 -> -" }, 0,
	    events4, "1112", "{\"host\":\"c\",\"m\":4}\n", { NULL },
	    STATS(1, "has m -> !exit 1", 4, 0, 4)
	    STATS(2, "m == 4 -> -", 1, 1, 0) TOTAL(4, 1, 0, 3), 1,
	    "route_test: command 'exit 1' failed (exit status 1): its event "
	    "is lost\n"
	    "route_test: command 'exit 1' failed (exit status 1): its event "
	    "is lost\n"
	    "route_test: command 'exit 1' failed (exit status 1): its event "
	    "is lost\n"
	    "route_test: command 'exit 1' failed (exit status 1): its event "
	    "is lost\n" },
	/* a handler that reads nothing: its events fail, and the router's
	 * count of them moves from delivered to failed */
	{ "a handler that reads nothing", { "m < 3 -> |true", "m == 2 -> -" },
	    0, events4, "1200", "{\"level\":\"info\",\"host\":\"b\",\"m\":2}\n",
	    { NULL }, STATS(1, "m < 3 -> |true", 2, 0, 2)
	    STATS(2, "m == 2 -> -", 1, 1, 0) TOTAL(4, 1, 2, 1), 1,
	    "route_test: handler 'true': 2 events not delivered\n" },
	/* a file that cannot be written: its events fail */
	{ "a file that cannot be written", { "m < 3 -> >>/dev/full",
	    "m == 2 -> >>two" }, 0, events4, "1200", "",
	    { "two={\"level\":\"info\",\"host\":\"b\",\"m\":2}\n" },
	    STATS(1, "m < 3 -> >>/dev/full", 2, 0, 2)
	    STATS(2, "m == 2 -> >>two", 1, 1, 0) TOTAL(4, 1, 2, 1), 0,
	    "route_test: '/dev/full': write error: No space left on device "
	    "(2 events lost)\n" },
};

static void
run_route_case(const struct route_case *c)
{
	struct fieldset fs = FIELDSET_INIT;
	struct router r;
	struct out o;
	struct buf taken = BUF_INIT;
	struct val *v;
	FILE *stdout_file = tmpfile();
	char err[256];
	const char *got, *perr;
	size_t i;
	int status;

	if (system("echo before > old1; echo before > old2") != 0)
		abort();
	out_init(&o, fileno(stdout_file), "<stdout>");
	router_init(&r, &o);
	r.first = c->first;
	for (i = 0; i < MAXR && c->rules[i]; i++)
		CHECK_INT(add(&r, c->rules[i], &fs, err, sizeof err), 0);
	capture();
	CHECK_INT(router_start(&r, err, sizeof err), 0);
	v = calloc(fs.n + 1, sizeof *v);
	for (i = 0; c->events[i]; i++) {
		struct record rec = { c->events[i], strlen(c->events[i]), "t",
		    i + 1, v };

		if (json_parse(rec.line, rec.len, &fs, v, &perr) != PARSE_OK)
			abort();
		buf_addf(&taken, "%zu", router_route(&r, &rec));
	}
	status = router_finish(&r, GRACE);
	router_print(&r, "route_test");
	got = captured();
	if (strcmp(got, c->err) == 0)
		got = "";
	else if (strncmp(got, c->err, strlen(c->err)) == 0)
		got += strlen(c->err);
	else {
		fprintf(stderr, "route case '%s'\n", c->name);
		CHECK_STR(got, c->err);
	}
	if (strcmp(got, c->stats) != 0)
		fprintf(stderr, "route case '%s'\n", c->name);
	CHECK_STR(got, c->stats);
	CHECK_INT(status, c->status);
	CHECK_MEM(taken.data, taken.len, c->taken);
	CHECK_STR(text_of(fileno(stdout_file)), c->out);
	for (i = 0; i < 4 && c->files[i]; i++) {
		const char *eq = strchr(c->files[i], '=');
		char path[128];

		snprintf(path, sizeof path, "%.*s", (int)(eq - c->files[i]),
		    c->files[i]);
		CHECK_STR(slurp(path), eq + 1);
	}
	router_release(&r);
	CHECK_INT(out_release(&o), 0);
	fclose(stdout_file);
	fieldset_release(&fs);
	buf_release(&taken);
	free(v);
	clean();
}

static void
test_route(void)
{
	size_t i;

	for (i = 0; i < sizeof route_cases / sizeof route_cases[0]; i++)
		run_route_case(&route_cases[i]);
}

static const struct rule_case {
	const char *rule;
	const char *err;	/* "" when it is good */
} rule_cases[] = {
	{ "level == \"error\" -> -", "" },
	{ "else -> >>rest", "" },
	{ "  else   ->   !  echo hi  ", "" },
	{ "msg == \"a->b\" -> |cat", "" },
	{ "msg == 'a->b' -> >x", "" },
	{ "has n -> >>{a}{b}/{c}", "" },
	{ "level == 1", "at 11: expected 'PREDICATE -> DESTINATION'" },
	{ "msg == \"a->b\"", "at 14: expected 'PREDICATE -> DESTINATION'" },
	{ " -> -", "at 1: expected a predicate or else before '->'" },
	{ "level == -> -", "at 9: expected a value after '=='" },
	{ "  level == -> -", "at 11: expected a value after '=='" },
	{ "has n ->", "at 9: expected a destination after '->'" },
	{ "has n ->   ", "at 9: expected a destination after '->'" },
	{ "level == \"a\" -> ?x", "at 17: expected a destination: -, >>FILE, "
	    ">FILE, |CMD or !CMD" },
	{ "has n -> --", "at 10: expected a destination: -, >>FILE, >FILE, "
	    "|CMD or !CMD" },
	{ "has n -> >>", "at 12: expected a file after '>>'" },
	{ "has n -> >>  ", "at 12: expected a file after '>>'" },
	{ "has x -> !", "at 11: expected a command after '!'" },
	{ "has x -> |", "at 11: expected a command after '|'" },
	/* the file after '>' was looked for from the rule's start, and its
	 * place was the arrow's '>' */
	{ "has n -> >", "at 11: expected a file after '>'" },
	{ "has n ->   >", "at 13: expected a file after '>'" },
};

static void
test_rules(void)
{
	size_t i;

	for (i = 0; i < sizeof rule_cases / sizeof rule_cases[0]; i++) {
		struct fieldset fs = FIELDSET_INIT;
		struct router r;
		struct out o;
		char err[256] = "";
		int rc;

		out_init(&o, -1, "<stdout>");
		router_init(&r, &o);
		rc = router_add(&r, rule_cases[i].rule, &fs, err, sizeof err);
		CHECK_INT(rc, *rule_cases[i].err ? -1 : 0);
		CHECK_STR(err, rule_cases[i].err);
		CHECK_INT(router_is_rule(rule_cases[i].rule),
		    strstr(rule_cases[i].err, "PREDICATE") == NULL);
		/* a rule is kept, its text for --stats, once it has "->" */
		CHECK_INT(r.nrules, router_is_rule(rule_cases[i].rule));
		if (r.nrules)
			CHECK_STR(r.rules[0].text, rule_cases[i].rule);
		router_release(&r);
		out_release(&o);
		fieldset_release(&fs);
	}
}

/* What a good rule is made of. */
static void
test_rule_parts(void)
{
	static const struct {
		const char *rule;
		const char *want;	/* kind, append, target, slots, pred */
	} cases[] = {
		{ "has n -> -", "kind=0 append=0 target=- slots=0 pred=1" },
		{ "else -> >> a.log ", "kind=1 append=1 target=a.log slots=0 "
		    "pred=0" },
		{ "has n -> >{host}/{n}-{}.log", "kind=1 append=0 "
		    "target={host}/{n}-{}.log slots=2 pred=1" },
		{ "has n -> | sort -u ", "kind=2 append=0 target=sort -u "
		    "slots=0 pred=1" },
		{ "has n -> !echo {x}", "kind=3 append=0 target=echo {x} "
		    "slots=0 pred=1" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fieldset fs = FIELDSET_INIT;
		struct router r;
		struct out o;
		char err[256], got[256];
		const struct rule *ru;

		out_init(&o, -1, "<stdout>");
		router_init(&r, &o);
		CHECK_INT(router_add(&r, cases[i].rule, &fs, err, sizeof err),
		    0);
		ru = &r.rules[0];
		snprintf(got, sizeof got, "kind=%d append=%d target=%s "
		    "slots=%zu pred=%d", ru->kind, ru->append,
		    ru->target ? ru->target : "-", ru->nslots,
		    ru->pred != NULL);
		CHECK_STR(got, cases[i].want);
		router_release(&r);
		out_release(&o);
		fieldset_release(&fs);
	}
}

static const struct shard_case {
	const char *spec, *dest;
	const char *err;
} shard_cases[] = {
	{ "host:4", ">>s.{}", "" },
	{ "host,port:65536", "|cat > {}", "" },
	{ "a:1", "-", "" },
	{ "a:b:2", "!echo {}", "" },
	{ "host", ">>s.{}",
	    "--shard 'host': expected FIELDS:N, N from 1 to 65536" },
	{ "host:0", ">>s.{}",
	    "--shard 'host:0': expected FIELDS:N, N from 1 to 65536" },
	{ "host:65537", ">>s.{}",
	    "--shard 'host:65537': expected FIELDS:N, N from 1 to 65536" },
	{ "host:x", ">>s.{}",
	    "--shard 'host:x': expected FIELDS:N, N from 1 to 65536" },
	{ ":3", ">>s.{}", "--shard ':3': expected FIELDS:N, N from 1 to 65536" },
	{ "a,,b:2", ">>s.{}", "--shard 'a,,b:2': an empty field" },
	{ ",a:2", ">>s.{}", "--shard ',a:2': an empty field" },
	{ "host:2", ">>s.log",
	    "--shard: '>>s.log' has no {} for the shard number" },
	{ "host:2", "s.{}", "at 1: expected a destination: -, >>FILE, "
	    ">FILE, |CMD or !CMD" },
	{ "host:2", "!{}", "" },
};

static void
test_shard_specs(void)
{
	size_t i;

	for (i = 0; i < sizeof shard_cases / sizeof shard_cases[0]; i++) {
		struct fieldset fs = FIELDSET_INIT;
		struct router r;
		struct out o;
		char err[256] = "";

		out_init(&o, -1, "<stdout>");
		router_init(&r, &o);
		CHECK_INT(router_add_shard(&r, shard_cases[i].spec,
		    shard_cases[i].dest, &fs, err, sizeof err),
		    *shard_cases[i].err ? -1 : 0);
		CHECK_STR(err, shard_cases[i].err);
		router_release(&r);
		out_release(&o);
		fieldset_release(&fs);
	}
}

/* The shard key and hash, as event-route(1) gives them: the values
 * computed by hand there. */
static void
test_shard_hash(void)
{
	static const struct {
		const char *fields;	/* comma-separated */
		const char *event;
		int rc;
		const char *key;	/* as bytes, \ooo for the lengths */
		size_t keylen;
		int s7, s1000;
	} cases[] = {
		{ "k", "{\"k\":\"a\"}", 0, "a", 1, 0, 572 },
		{ "k", "{\"k\":\"host1\"}", 0, "host1", 5, 6, 402 },
		{ "k", "{\"k\":\"10.0.0.1\"}", 0, "10.0.0.1", 8, 3, 8 },
		{ "k", "{\"k\":\"0123456789abcdef\"}", 0, "0123456789abcdef",
		    16, 4, 798 },
		{ "k", "{\"k\":\"\"}", 0, "", 0, 2, 926 },
		{ "k", "{\"k\":null}", 0, "", 0, 2, 926 },
		{ "k", "{\"k\":200}", 0, "200", 3, 6, 167 },
		{ "k", "{\"k\":\"200\"}", 0, "200", 3, 6, 167 },
		{ "k", "{\"k\":\"\\u0061\"}", 0, "a", 1, 0, 572 },
		{ "k", "{\"x\":1}", -1, "", 0, 0, 0 },
		{ "k", "{\"k\":\"\\ud800\"}", -1, "", 0, 0, 0 },
		{ "h,p", "{\"h\":\"web\",\"p\":42}", 0, "\003web\00242", 7, -1,
		    237 },
		{ "h,p", "{\"p\":42,\"h\":\"web\"}", 0, "\003web\00242", 7, -1,
		    237 },
		{ "h,p", "{\"h\":\"\",\"p\":null}", 0, "\000\000", 2, -1, -1 },
		{ "h,p", "{\"h\":\"web\"}", -1, "", 0, -1, -1 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fieldset fs = FIELDSET_INIT;
		struct buf key = BUF_INIT, scratch = BUF_INIT;
		struct val v[4];
		struct record rec = { cases[i].event, strlen(cases[i].event),
		    "t", 1, v };
		char **names = NULL;
		int *slots = NULL;
		size_t n = 0, len = 0, k;
		const char *p = NULL, *perr;

		fieldset_add_list(&fs, cases[i].fields, &names, &slots, &n);
		if (json_parse(rec.line, rec.len, &fs, v, &perr) != PARSE_OK)
			abort();
		CHECK_INT(route_key(&rec, slots, n, &key, &scratch, &p, &len),
		    cases[i].rc);
		if (cases[i].rc == 0) {
			CHECK_INT(len, cases[i].keylen);
			CHECK(memcmp(p, cases[i].key, len) == 0);
			if (cases[i].s7 >= 0)
				CHECK_INT(route_shard(p, len, 7), cases[i].s7);
			if (cases[i].s1000 >= 0)
				CHECK_INT(route_shard(p, len, 1000),
				    cases[i].s1000);
			CHECK_INT(route_shard(p, len, 1), 0);
		}
		for (k = 0; k < n; k++)
			free(names[k]);
		free(names);
		free(slots);
		buf_release(&key);
		buf_release(&scratch);
		fieldset_release(&fs);
	}
}

/* A length of 128 or more takes two bytes of the key. */
static void
test_long_key(void)
{
	struct fieldset fs = FIELDSET_INIT;
	struct buf key = BUF_INIT, scratch = BUF_INIT, line = BUF_INIT;
	struct val v[2];
	char long_text[201];
	int slots[2];
	const char *p, *perr;
	size_t len;

	memset(long_text, 'x', 200);
	long_text[200] = '\0';
	buf_addf(&line, "{\"a\":\"%s\",\"b\":\"y\"}", long_text);
	slots[0] = fieldset_add(&fs, "a", 1);
	slots[1] = fieldset_add(&fs, "b", 1);
	{
		struct record rec = { line.data, line.len, "t", 1, v };

		if (json_parse(line.data, line.len, &fs, v, &perr) != PARSE_OK)
			abort();
		CHECK_INT(route_key(&rec, slots, 2, &key, &scratch, &p, &len),
		    0);
	}
	CHECK_INT(len, 2 + 200 + 1 + 1);
	CHECK_INT((unsigned char)p[0], 0xc8);
	CHECK_INT((unsigned char)p[1], 0x01);
	CHECK(memcmp(p + 2, long_text, 200) == 0);
	CHECK_INT(p[202], 1);
	CHECK_INT(p[203], 'y');
	buf_release(&key);
	buf_release(&scratch);
	buf_release(&line);
	fieldset_release(&fs);
}

/* The standard output the only destination, gone: reading may stop. */
static void
test_dead(void)
{
	static const struct {
		const char *rules[2];
		int dead;
	} cases[] = {
		{ { "has m -> -", "else -> -" }, 1 },
		{ { "has m -> -", "else -> >>x" }, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fieldset fs = FIELDSET_INIT;
		struct router r;
		struct out o;
		struct val v[2];
		struct record rec = { "{\"m\":1}", 7, "t", 1, v };
		const char *perr;
		char err[256];
		int fds[2];

		if (pipe(fds) < 0)
			abort();
		close(fds[0]);
		out_init(&o, fds[1], "<stdout>");
		o.owns_fd = 1;
		router_init(&r, &o);
		CHECK_INT(router_add(&r, cases[i].rules[0], &fs, err,
		    sizeof err), 0);
		CHECK_INT(router_add(&r, cases[i].rules[1], &fs, err,
		    sizeof err), 0);
		CHECK_INT(router_start(&r, err, sizeof err), 0);
		if (json_parse(rec.line, rec.len, &fs, v, &perr) != PARSE_OK)
			abort();
		CHECK_INT(router_dead(&r), 0);
		CHECK_INT(router_route(&r, &rec), 1);
		router_flush(&r);
		out_flush(&o);
		CHECK_INT(router_dead(&r), cases[i].dead);
		CHECK_INT(router_finish(&r, GRACE), 0);
		/* the event is failed: its buffer was lost */
		CHECK_INT(r.rules[0].count.failed, 1);
		CHECK_INT(r.dests.records[DEST_FAILED], 1);
		router_release(&r);
		out_release(&o);
		fieldset_release(&fs);
		clean();
	}
}

int
main(void)
{
	char dir[] = "/tmp/route_testXXXXXX";

	diag_init("route_test");
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL || chdir(dir) < 0)
		return 2;
	test_route();
	test_rules();
	test_rule_parts();
	test_shard_specs();
	test_shard_hash();
	test_long_key();
	test_dead();
	if (chdir("/") < 0 || rmdir(dir) < 0)
		CHECK(!"the temporary directory emptied");
	return check_done("route_test");
}
