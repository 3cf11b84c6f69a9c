/*
 * filter_test.c - the tools' common options and the start and end of a
 * run: filter_option for each option and its bad arguments, the merged
 * option table, --where and the filtered count, --state and -O at the
 * start, and filter_finish's status and --stats line.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "testio.h"
#include "diag.h"
#include "filter.h"
#include "json.h"
#include "parser.h"
#include "strategy.h"

/* The long-only options' codes, as filter.c numbers them. */
static int
code_of(const char *name)
{
	size_t i;

	for (i = 0; filter_options[i].name; i++)
		if (strcmp(filter_options[i].name, name) == 0)
			return filter_options[i].val;
	for (i = 0; strategy_options[i].name; i++)
		if (strcmp(strategy_options[i].name, name) == 0)
			return strategy_options[i].val;
	abort();
}

/* What filter_option made of an option: the fields it sets, as text. */
static const char *
describe(const struct filter *f, const struct strategy *st)
{
	static char d[512];

	snprintf(d, sizeof d, "i=%s o=%s w=%s O=%s on-error=%d rejects=%s "
	    "stats=%d progress=%d max=%zu state=%s time=%s tumbling=%lld",
	    fmt_name(f->iflag), f->oflag < 0 ? "-" : fmt_name(f->oflag),
	    f->where_expr ? f->where_expr : "-",
	    f->output_path ? f->output_path : "-", f->ledger.on_error,
	    f->rejects_path ? f->rejects_path : "-", f->stats, f->progress,
	    f->max_line, f->state_path ? f->state_path : "-",
	    st && st->time_field ? st->time_field : "-",
	    st ? (long long)st->win.size : -1LL);
	return d;
}

static const struct option_case {
	int ch;			/* a short option, or 0: by name */
	const char *name;
	const char *arg;
	int with_strategy;
	int rc;
	const char *want;	/* describe(), or the error */
} option_cases[] = {
	{ 0, "stats", NULL, 0, 1, "i=auto o=- w=- O=- on-error=0 rejects=- "
	    "stats=1 progress=0 max=268435456 state=- time=- tumbling=-1" },
	{ 'i', NULL, "csv", 0, 1, "i=csv o=- w=- O=- on-error=0 rejects=- "
	    "stats=0 progress=0 max=268435456 state=- time=- tumbling=-1" },
	{ 'i', NULL, "json", 0, 1, "i=json o=- w=- O=- on-error=0 rejects=- "
	    "stats=0 progress=0 max=268435456 state=- time=- tumbling=-1" },
	{ 'i', NULL, "xml", 0, -1, "-i 'xml': unknown format" },
	{ 'o', NULL, "tsv", 0, 1, "i=auto o=tsv w=- O=- on-error=0 rejects=- "
	    "stats=0 progress=0 max=268435456 state=- time=- tumbling=-1" },
	/* -o auto: as the input */
	{ 'o', NULL, "auto", 0, 1, "i=auto o=- w=- O=- on-error=0 rejects=- "
	    "stats=0 progress=0 max=268435456 state=- time=- tumbling=-1" },
	{ 'o', NULL, "", 0, -1, "-o '': unknown format" },
	{ 'w', NULL, "status >= 500", 0, 1, "i=auto o=- w=status >= 500 O=- "
	    "on-error=0 rejects=- stats=0 progress=0 max=268435456 state=- "
	    "time=- tumbling=-1" },
	{ 'O', NULL, "out.txt", 0, 1, "i=auto o=- w=- O=out.txt on-error=0 "
	    "rejects=- stats=0 progress=0 max=268435456 state=- time=- "
	    "tumbling=-1" },
	{ 0, "on-error", "skip", 0, 1, "i=auto o=- w=- O=- on-error=1 "
	    "rejects=- stats=0 progress=0 max=268435456 state=- time=- "
	    "tumbling=-1" },
	{ 0, "on-error", "fail", 0, 1, "i=auto o=- w=- O=- on-error=2 "
	    "rejects=- stats=0 progress=0 max=268435456 state=- time=- "
	    "tumbling=-1" },
	{ 0, "on-error", "warn", 0, 1, "i=auto o=- w=- O=- on-error=0 "
	    "rejects=- stats=0 progress=0 max=268435456 state=- time=- "
	    "tumbling=-1" },
	{ 0, "on-error", "ignore", 0, -1,
	    "--on-error 'ignore': not warn, skip or fail" },
	{ 0, "rejects", "bad.txt", 0, 1, "i=auto o=- w=- O=- on-error=0 "
	    "rejects=bad.txt stats=0 progress=0 max=268435456 state=- time=- "
	    "tumbling=-1" },
	{ 0, "progress", NULL, 0, 1, "i=auto o=- w=- O=- on-error=0 rejects=- "
	    "stats=0 progress=1 max=268435456 state=- time=- tumbling=-1" },
	{ 0, "max-line-bytes", "4k", 0, 1, "i=auto o=- w=- O=- on-error=0 "
	    "rejects=- stats=0 progress=0 max=4096 state=- time=- tumbling=-1" },
	{ 0, "max-line-bytes", "100", 0, 1, "i=auto o=- w=- O=- on-error=0 "
	    "rejects=- stats=0 progress=0 max=100 state=- time=- tumbling=-1" },
	{ 0, "max-line-bytes", "2M", 0, 1, "i=auto o=- w=- O=- on-error=0 "
	    "rejects=- stats=0 progress=0 max=2097152 state=- time=- "
	    "tumbling=-1" },
	{ 0, "max-line-bytes", "lots", 0, -1,
	    "--max-line-bytes 'lots': not a size" },
	{ 0, "max-line-bytes", "", 0, -1, "--max-line-bytes '': not a size" },
	{ 0, "max-line-bytes", "-5", 0, -1,
	    "--max-line-bytes '-5': not a size" },
	{ 0, "state", "st", 0, 1, "i=auto o=- w=- O=- on-error=0 rejects=- "
	    "stats=0 progress=0 max=268435456 state=st time=- tumbling=-1" },
	/* -t and the window options go to the strategy, when there is one */
	{ 't', NULL, "ts", 1, 1, "i=auto o=- w=- O=- on-error=0 rejects=- "
	    "stats=0 progress=0 max=268435456 state=- time=ts tumbling=0" },
	{ 't', NULL, "ts", 0, 0, "i=auto o=- w=- O=- on-error=0 rejects=- "
	    "stats=0 progress=0 max=268435456 state=- time=- tumbling=-1" },
	{ 0, "tumbling", "10s", 1, 1, "i=auto o=- w=- O=- on-error=0 "
	    "rejects=- stats=0 progress=0 max=268435456 state=- time=- "
	    "tumbling=10000000" },
	{ 0, "tumbling", "ten", 1, -1, "--tumbling 'ten': not a duration" },
	{ 0, "tumbling", "10s", 0, 0, "i=auto o=- w=- O=- on-error=0 "
	    "rejects=- stats=0 progress=0 max=268435456 state=- time=- "
	    "tumbling=-1" },
	/* not the filter's: left to the tool */
	{ 'g', NULL, "x", 1, 0, "i=auto o=- w=- O=- on-error=0 rejects=- "
	    "stats=0 progress=0 max=268435456 state=- time=- tumbling=0" },
};

static void
test_options(void)
{
	size_t i;

	for (i = 0; i < sizeof option_cases / sizeof option_cases[0]; i++) {
		const struct option_case *c = &option_cases[i];
		struct filter f;
		struct strategy st;
		char err[256] = "";
		int rc, ch = c->ch ? c->ch : code_of(c->name);

		filter_init(&f, "stream-agg", "kept");	/* -o tsv is its */
		strategy_init(&st);
		rc = filter_option(&f, c->with_strategy ? &st : NULL, ch,
		    c->arg, err, sizeof err);
		if (rc != c->rc)
			fprintf(stderr, "option case %zu\n", i);
		CHECK_INT(rc, c->rc);
		CHECK_STR(rc < 0 ? err : describe(&f, c->with_strategy ? &st :
		    NULL), c->want);
		strategy_release(&st);
		f.stats = 0;	/* the ledger line is test_finish's */
		filter_finish(&f);
	}
}

/* -o: table everywhere, chart and the record formats in stream-agg. */
static const struct output_case {
	const char *tool, *arg;
	int rc, oflag;
	const char *err;
} output_cases[] = {
	{ "stream-agg", "table", 1, FMT_TABLE, "" },
	{ "stream-agg", "chart", 1, FMT_CHART, "" },
	{ "stream-window", "table", 1, FMT_TABLE, "" },
	{ "stream-window", "chart", -1, -1,
	    "-o chart: not a format stream-window writes" },
	{ "stream-trigger", "table", 1, FMT_TABLE, "" },
	{ "event-route", "table", 1, FMT_TABLE, "" },
	{ "stream-trigger", "chart", -1, -1,
	    "-o chart: not a format stream-trigger writes" },
	{ "event-route", "chart", -1, -1,
	    "-o chart: not a format event-route writes" },
	/* the others pass records on as they came: no format to choose */
	{ "event-route", "json", -1, -1, "-o json: not a format event-route "
	    "writes (it passes records on as they came; -o table shows them)" },
	{ "stream-window", "csv", -1, -1, "-o csv: not a format stream-window "
	    "writes (it passes records on as they came; -o table shows them)" },
	{ "stream-trigger", "logfmt", -1, -1, "-o logfmt: not a format "
	    "stream-trigger writes (it passes records on as they came; -o "
	    "table shows them)" },
	{ "stream-window", "auto", 1, -1, "" },
	{ "stream-agg", "csv", 1, FMT_CSV, "" },
	{ "stream-agg", "text", 1, FMT_TEXT, "" },
	{ "stream-agg", "combined", -1, -1, "-o combined: not a format "
	    "stream-agg writes (an input format: what is read from it is "
	    "written as logfmt)" },
	{ "stream-window", "common", -1, -1, "-o common: not a format "
	    "stream-window writes (an input format: what is read from it is "
	    "written as logfmt)" },
	{ "stream-agg", "json", 1, FMT_JSON, "" },
	{ "stream-agg", "graph", -1, -1, "-o 'graph': unknown format" },
};

static void
test_output_formats(void)
{
	size_t i;

	for (i = 0; i < sizeof output_cases / sizeof output_cases[0]; i++) {
		const struct output_case *c = &output_cases[i];
		struct filter f;
		char err[256] = "";

		filter_init(&f, c->tool, "kept");
		CHECK_INT(filter_option(&f, NULL, 'o', c->arg, err,
		    sizeof err), c->rc);
		CHECK_INT(f.oflag, c->oflag);
		CHECK_STR(err, c->err);
		filter_finish(&f);
	}
	/* input formats are not output-only ones */
	CHECK_INT(fmt_from_name("table"), -1);
	CHECK_INT(ofmt_from_name("table"), FMT_TABLE);
	CHECK_STR(fmt_name(FMT_TABLE), "?");
	CHECK_STR(ofmt_name(FMT_CHART), "chart");
	CHECK_STR(ofmt_name(FMT_CHART + 1), "?");
}

static void
test_merge(void)
{
	static const struct option own[] = {
		{ "group-by", required_argument, NULL, 'g' },
		{ NULL, 0, NULL, 0 }
	};
	struct option *all = filter_merge_options(own, strategy_options);
	size_t n = 0, nf = 0, ns = 0;

	while (filter_options[nf].name)
		nf++;
	while (strategy_options[ns].name)
		ns++;
	while (all[n].name)
		n++;
	CHECK_INT(n, 1 + nf + ns);
	CHECK_STR(all[0].name, "group-by");
	CHECK_STR(all[1].name, filter_options[0].name);
	CHECK_STR(all[1 + nf].name, "time");
	CHECK_STR(all[n - 1].name, strategy_options[ns - 1].name);
	CHECK(all[n].flag == NULL && all[n].val == 0);
	free(all);
	all = filter_merge_options(own, NULL);
	n = 0;
	while (all[n].name)
		n++;
	CHECK_INT(n, 1 + nf);
	free(all);
}

static const struct pass_case {
	const char *where;	/* NULL: no --where */
	const char *lines;	/* JSON records, one a line */
	const char *want;	/* '1' or '0' a record */
	int filtered;
} pass_cases[] = {
	{ NULL, "{\"status\":200}\n{\"status\":500}\n", "11", 0 },
	{ "status >= 500", "{\"status\":200}\n{\"status\":500}\n"
	    "{\"status\":503}\n{}\n", "0110", 2 },
	{ "host == \"a\" and status < 300",
	    "{\"host\":\"a\",\"status\":200}\n{\"host\":\"b\",\"status\":200}\n"
	    "{\"host\":\"a\",\"status\":404}\n", "100", 2 },
	{ "not has x", "{\"x\":1}\n{\"y\":1}\n", "01", 1 },
};

static void
test_pass(void)
{
	size_t i;

	for (i = 0; i < sizeof pass_cases / sizeof pass_cases[0]; i++) {
		const struct pass_case *c = &pass_cases[i];
		struct fieldset fs = FIELDSET_INIT;
		struct buf scratch = BUF_INIT, got = BUF_INIT;
		struct filter f;
		char err[128];
		const char *p = c->lines, *e, *why;
		struct val v[8];

		filter_init(&f, "tool", "kept");
		if (c->where)
			CHECK_INT(filter_option(&f, NULL, 'w', c->where, err,
			    sizeof err), 1);
		CHECK_INT(filter_start(&f, &fs), 0);
		for (; (e = strchr(p, '\n')) != NULL; p = e + 1) {
			struct record rec = { p, (size_t)(e - p), "t", 1, v };

			if (json_parse(p, (size_t)(e - p), &fs, v, &why) !=
			    PARSE_OK)
				abort();
			buf_addc(&got, filter_pass(&f, &rec, &scratch) ? '1' :
			    '0');
		}
		CHECK_MEM(got.data, got.len, c->want);
		CHECK_INT(f.ledger.filtered, c->filtered);
		CHECK_INT(filter_finish(&f), 0);
		buf_release(&scratch);
		buf_release(&got);
		fieldset_release(&fs);
	}
}

/* What fn wrote to stderr (static), fd 2 sent to a file meanwhile. */
static const char *
stderr_of(void (*fn)(void *), void *arg)
{
	capture();
	fn(arg);
	return captured();
}

struct finish_run {
	struct filter f;
	int status;
};

static void
finish(void *arg)
{
	struct finish_run *run = arg;

	run->status = filter_finish(&run->f);
}

static void
test_finish(void)
{
	struct finish_run run;
	char err[64];
	int fds[2];

	/* --stats: the ledger line on stderr */
	filter_init(&run.f, "tool", "kept");
	filter_option(&run.f, NULL, code_of("stats"), NULL, err, sizeof err);
	out_init(&run.f.out, open("/dev/null", O_WRONLY), "<stdout>");
	run.f.out.owns_fd = 1;
	run.f.ledger.read = 5;
	run.f.ledger.kept = 2;
	run.f.ledger.filtered = 1;
	run.f.ledger.rejected = 1;
	run.f.ledger.late = 1;
	run.f.ledger.written = 2;
	CHECK_STR(stderr_of(finish, &run), "filter_test: stats read=5 kept=2 "
	    "filtered=1 rejected=1 late=1 written=2\n");
	CHECK_INT(run.status, 0);

	/* a full disk: told, status 1 */
	filter_init(&run.f, "tool", "kept");
	out_init(&run.f.out, open("/dev/full", O_WRONLY), "<stdout>");
	run.f.out.owns_fd = 1;
	out_puts(&run.f.out, "x\n");
	CHECK_STR(stderr_of(finish, &run),
	    "filter_test: write error: No space left on device\n");
	CHECK_INT(run.status, 1);

	/* a reader gone away: status 1, nothing said */
	filter_init(&run.f, "tool", "kept");
	if (pipe(fds) < 0)
		abort();
	close(fds[0]);
	out_init(&run.f.out, fds[1], "<stdout>");
	run.f.out.owns_fd = 1;
	out_puts(&run.f.out, "x\n");
	CHECK_STR(stderr_of(finish, &run), "");
	CHECK_INT(run.status, 1);

	/* --rejects that cannot be written */
	filter_init(&run.f, "tool", "kept");
	out_init(&run.f.out, open("/dev/null", O_WRONLY), "<stdout>");
	run.f.out.owns_fd = 1;
	run.f.rejects_path = "/dev/full";
	out_init(&run.f.rejects, open("/dev/full", O_WRONLY), "/dev/full");
	run.f.rejects.owns_fd = 1;
	out_puts(&run.f.rejects, "bad\n");
	CHECK_STR(stderr_of(finish, &run),
	    "filter_test: '/dev/full': write error: No space left on device\n");
	CHECK_INT(run.status, 1);
}

/* A whole run's common part: --state, -O, --rejects, the commit. */
static void
test_start_state(const char *dir)
{
	char st[256], outp[256], rej[256], err[64], text[256];
	struct fieldset fs = FIELDSET_INIT;
	struct filter f;
	struct input in;
	int fd;
	ssize_t n;

	snprintf(st, sizeof st, "%s/st", dir);
	snprintf(outp, sizeof outp, "%s/out", dir);
	snprintf(rej, sizeof rej, "%s/rej", dir);

	/* a first run: no state yet, -O made */
	filter_init(&f, "tool", "kept");
	filter_option(&f, NULL, code_of("state"), st, err, sizeof err);
	filter_option(&f, NULL, 'O', outp, err, sizeof err);
	filter_option(&f, NULL, code_of("rejects"), rej, err, sizeof err);
	filter_option(&f, NULL, 'i', "json", err, sizeof err);
	filter_option(&f, NULL, code_of("max-line-bytes"), "1k", err,
	    sizeof err);
	CHECK_INT(filter_start(&f, &fs), 0);
	memset(&in, 0, sizeof in);
	filter_input(&f, &in, &fs);
	CHECK(in.fs == &fs);
	CHECK_INT(in.fmt, FMT_JSON);
	CHECK_INT(in.max_line, 1024);
	CHECK(in.ledger == &f.ledger);
	CHECK(in.state == &f.state);
	CHECK(f.ledger.rejects == &f.rejects);
	out_puts(&f.out, "one\n");
	buf_addstr(&f.state.body, "watermark 7\n");
	filter_commit(&f);
	out_puts(&f.out, "lost\n");	/* after the commit: a killed run's */
	out_flush(&f.out);
	CHECK_INT(filter_finish(&f), 0);
	fd = open(outp, O_RDONLY);
	n = read(fd, text, sizeof text - 1);
	close(fd);
	text[n < 0 ? 0 : n] = '\0';
	CHECK_STR(text, "one\nlost\n");

	/* the next: the state loaded, -O cut back to what it knew */
	filter_init(&f, "tool", "kept");
	filter_option(&f, NULL, code_of("state"), st, err, sizeof err);
	filter_option(&f, NULL, 'O', outp, err, sizeof err);
	CHECK_INT(filter_start(&f, &fs), 1);
	CHECK_MEM(f.state.body.data, f.state.body.len, "watermark 7\n");
	memset(&in, 0, sizeof in);
	filter_input(&f, &in, &fs);
	CHECK_INT(in.fmt, FMT_AUTO);
	CHECK_INT(in.max_line, READER_MAX_LINE_DEFAULT);
	out_puts(&f.out, "two\n");
	filter_commit(&f);
	CHECK_INT(filter_finish(&f), 0);
	fd = open(outp, O_RDONLY);
	n = read(fd, text, sizeof text - 1);
	close(fd);
	text[n < 0 ? 0 : n] = '\0';
	CHECK_STR(text, "one\ntwo\n");

	/* without --state, -O is written from its start */
	filter_init(&f, "tool", "kept");
	filter_option(&f, NULL, 'O', outp, err, sizeof err);
	CHECK_INT(filter_start(&f, &fs), 0);
	out_puts(&f.out, "three\n");
	CHECK_INT(filter_finish(&f), 0);
	fd = open(outp, O_RDONLY);
	n = read(fd, text, sizeof text - 1);
	close(fd);
	text[n < 0 ? 0 : n] = '\0';
	CHECK_STR(text, "three\n");

	fieldset_release(&fs);
	unlink(st);
	unlink(outp);
	unlink(rej);
}

/* filter_start's usage and runtime errors end the tool: the exit status
 * and message of a child that tries. */
static const struct start_case {
	const char *where;
	const char *state_text;	/* NULL: no --state */
	const char *output;	/* NULL: standard output */
	int status;
	const char *message;
} start_cases[] = {
	{ "status >=", NULL, NULL, 2, "filter_test: --where: " },
	{ NULL, "garbage\n", NULL, 1,
	    "filter_test: state 'DIR/st': not a streamkit state file\n" },
	{ NULL, "streamkit-state 1 other\nend\n", NULL, 1,
	    "filter_test: state 'DIR/st': written by streamkit-state 1 "
	    "other, not tool version 1\n" },
	{ NULL, NULL, "DIR/no/out", 1,
	    "filter_test: 'DIR/no/out': No such file or directory\n" },
};

static void
test_start_errors(const char *dir)
{
	size_t i;

	for (i = 0; i < sizeof start_cases / sizeof start_cases[0]; i++) {
		const struct start_case *c = &start_cases[i];
		char st[256], outp[256], want[512], text[512], err[64];
		FILE *tmp = tmpfile();
		int status;
		pid_t pid;
		size_t n;

		snprintf(st, sizeof st, "%s/st", dir);
		snprintf(outp, sizeof outp, "%s/no/out", dir);
		if (c->state_text) {
			int fd = open(st, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (write(fd, c->state_text, strlen(c->state_text)) < 0)
				abort();
			close(fd);
		}
		fflush(NULL);
		if ((pid = fork()) == 0) {
			struct fieldset fs = FIELDSET_INIT;
			struct filter f;

			dup2(fileno(tmp), 2);
			filter_init(&f, "tool", "kept");
			if (c->where)
				filter_option(&f, NULL, 'w', c->where, err,
				    sizeof err);
			if (c->state_text)
				filter_option(&f, NULL, code_of("state"), st,
				    err, sizeof err);
			if (c->output)
				filter_option(&f, NULL, 'O', outp, err,
				    sizeof err);
			filter_start(&f, &fs);
			_exit(99);
		}
		waitpid(pid, &status, 0);
		CHECK(WIFEXITED(status));
		CHECK_INT(WEXITSTATUS(status), c->status);
		rewind(tmp);
		n = fread(text, 1, sizeof text - 1, tmp);
		text[n] = '\0';
		fclose(tmp);
		/* DIR in the message stands for the directory */
		{
			const char *m = c->message, *d;
			size_t k = 0;

			while ((d = strstr(m, "DIR")) != NULL) {
				k += (size_t)snprintf(want + k, sizeof want - k,
				    "%.*s%s", (int)(d - m), m, dir);
				m = d + 3;
			}
			snprintf(want + k, sizeof want - k, "%s", m);
		}
		if (c->where)	/* the predicate's own message follows */
			CHECK(strncmp(text, want, strlen(want)) == 0);
		else
			CHECK_STR(text, want);
		unlink(st);
	}
}

int
main(void)
{
	char dir[] = "/tmp/filter_testXXXXXX";

	diag_init("filter_test");
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL)
		return 2;
	test_options();
	test_output_formats();
	test_merge();
	test_pass();
	test_finish();
	test_start_state(dir);
	test_start_errors(dir);
	if (rmdir(dir) < 0)
		CHECK(!"the temporary directory emptied");
	return check_done("filter_test");
}
