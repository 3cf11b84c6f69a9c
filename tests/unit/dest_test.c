/*
 * dest_test.c - event-route's destinations: files (>, >>, directories
 * made, the limit of open files, write and open errors), handlers fed
 * through their pipe, per-event commands (-P, ordering, --retry,
 * --dead-letter, EVENT_ variables, the grace), the counts per
 * destination and per event, and the tickets of events several took.
 *
 * Each case runs real short shell commands in a temporary directory made
 * current, waits for them through dests_finish, and compares the files
 * they wrote, the counts, the status and what was said on stderr.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "testio.h"
#include "clock.h"
#include "dest.h"
#include "diag.h"
#include "parser.h"

#define GRACE (20 * INT64_C(1000000))	/* a bound, not a wait: a case
					 * that takes it has failed */

/* The file's text (static; "(none)" when there is no such file). */
static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

/* What the module says on stderr goes to a file while a case runs. */
static const char *
count_text(const struct dest_count *c)
{
	static char s[128];

	snprintf(s, sizeof s, "delivered=%ju failed=%ju dropped=%ju dead=%ju",
	    c->delivered, c->failed, c->dropped, c->dead);
	return s;
}

static const char *
records_text(const struct dests *d)
{
	static char s[128];

	snprintf(s, sizeof s, "delivered=%ju failed=%ju dropped=%ju dead=%ju "
	    "none=%ju", d->records[DEST_DELIVERED], d->records[DEST_FAILED],
	    d->records[DEST_DROPPED], d->records[DEST_DEAD],
	    d->records[DEST_NONE]);
	return s;
}

/* Remove what a case made in the current directory. */
static void
clean(void)
{
	if (system("rm -rf ./* 2>/dev/null") != 0)
		abort();
}

/*
 * Per-event commands: each event routed as event-route does it (a ticket
 * made by dests_run, the caller's reference done), then the end.
 */
static const struct cmd_case {
	const char *name;
	const char *cmd;
	int fmt;		/* 0: JSON */
	int retries;
	int dead;		/* 1: a dead-letter file, 2: /dev/full */
	const char *events[4];
	const char *out;	/* the file "out" after */
	const char *dead_text;	/* the dead letter after */
	const char *count;
	const char *records;
	int status;
	const char *err;
} cmd_cases[] = {
	{ "the event on stdin, one run each", "cat >> out", 0, 0, 0,
	    { "{\"n\":1}", "{\"n\":2}", "{\"n\":3}" },
	    "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n", "",
	    "delivered=3 failed=0 dropped=0 dead=0",
	    "delivered=3 failed=0 dropped=0 dead=0 none=0", 0, "" },
	{ "JSON members as EVENT_ variables",
	    "printf '%s|%s|%s|%s|%s|%s\\n' \"$EVENT_host\" \"$EVENT_a_b\" "
	    "\"$EVENT_n\" \"$EVENT_o\" \"$EVENT_z\" \"$EVENT_s\" >> out", 0, 0,
	    0, { "{\"host\":\"web1\",\"a.b\":\"x\\\"y\",\"n\":5,"
	    "\"o\":{\"k\":[1, 2]},\"z\":null,\"s\":\"caf\\u00e9\"}" },
	    "web1|x\"y|5|{\"k\":[1, 2]}|null|caf\xc3\xa9\n", "",
	    "delivered=1 failed=0 dropped=0 dead=0",
	    "delivered=1 failed=0 dropped=0 dead=0 none=0", 0, "" },
	/* a name twice: the last; none: the environment's own */
	{ "the last of a name, and the environment's", "echo \"$EVENT_k "
	    "$EVENT_host\" >> out", 0, 0, 0,
	    { "{\"k\":1,\"k\":2,\"host\":\"in\"}", "{\"k\":3}" },
	    "2 in\n3 outer\n", "", "delivered=2 failed=0 dropped=0 dead=0",
	    "delivered=2 failed=0 dropped=0 dead=0 none=0", 0, "" },
	{ "logfmt pairs as EVENT_ variables, a bare key true",
	    "printf '%s|%s|%s|%s\\n' \"$EVENT_level\" \"$EVENT_msg\" "
	    "\"$EVENT_a_b\" \"$EVENT_flag\" >> out", FMT_LOGFMT, 0, 0,
	    { "level=error msg=\"disk \\\"full\\\"\" a-b=1 flag" },
	    "error|disk \"full\"|1|true\n", "",
	    "delivered=1 failed=0 dropped=0 dead=0",
	    "delivered=1 failed=0 dropped=0 dead=0 none=0", 0, "" },
	/* a web server log's parts, and its pairs after them: a part's
	 * name is the part's */
	{ "a combined log line's parts as EVENT_ variables",
	    "printf '%s|%s|%s|%s|%s|%s\\n' \"$EVENT_host\" \"$EVENT_status\" "
	    "\"$EVENT_path\" \"$EVENT_agent\" \"$EVENT_rt\" \"$EVENT_method\" "
	    ">> out", FMT_COMBINED, 0, 0,
	    { "203.0.113.25 - - [24/Nov/2026:10:00:05 +0000] \"GET "
	    "/index.html HTTP/1.1\" 200 4961 \"https://example.com/\" "
	    "\"curl/8.5.0\" rt=0.25 status=999" },
	    "203.0.113.25|200|/index.html|curl/8.5.0|0.25|GET\n", "",
	    "delivered=1 failed=0 dropped=0 dead=0",
	    "delivered=1 failed=0 dropped=0 dead=0 none=0", 0, "" },
	/* a NUL in a value starts no variable of its own */
	{ "a NUL in a value", "printf '%s|%s\\n' \"$EVENT_msg\" \"$EVENT_PATH\" "
	    ">> out", 0, 0, 0, { "{\"msg\":\"hi\\u0000EVENT_PATH=x\"}" },
	    "hiEVENT_PATH=x|\n", "", "delivered=1 failed=0 dropped=0 dead=0",
	    "delivered=1 failed=0 dropped=0 dead=0 none=0", 0, "" },
	{ "text has no names", "echo \"[$EVENT_x]\" >> out", FMT_TEXT, 0, 0,
	    { "x=1" }, "[]\n", "", "delivered=1 failed=0 dropped=0 dead=0",
	    "delivered=1 failed=0 dropped=0 dead=0 none=0", 0, "" },
	{ "failed, no retries: lost and said", "exit 3", 0, 0, 0,
	    { "{\"n\":1}" }, "(none)", "",
	    "delivered=0 failed=1 dropped=0 dead=0",
	    "delivered=0 failed=1 dropped=0 dead=0 none=0", 1,
	    "dest_test: command 'exit 3' failed (exit status 3): its event "
	    "is lost\n" },
	{ "killed by a signal", "kill -9 $$", 0, 0, 0, { "{\"n\":1}" },
	    "(none)", "", "delivered=0 failed=1 dropped=0 dead=0",
	    "delivered=0 failed=1 dropped=0 dead=0 none=0", 1,
	    "dest_test: command 'kill -9 $$' failed (signal 9): its event is "
	    "lost\n" },
	{ "--retry 2: three runs, then lost", "echo try >> out; exit 3", 0,
	    2, 0, { "{\"n\":1}" }, "try\ntry\ntry\n", "",
	    "delivered=0 failed=1 dropped=0 dead=0",
	    "delivered=0 failed=1 dropped=0 dead=0 none=0", 1,
	    "dest_test: command 'echo try >> out; exit 3' failed (exit "
	    "status 3): its event is lost\n" },
	{ "--retry 3: the second run works", "echo try >> out; "
	    "[ $(wc -l < out) -ge 2 ]", 0, 3, 0, { "{\"n\":1}" },
	    "try\ntry\n", "", "delivered=1 failed=0 dropped=0 dead=0",
	    "delivered=1 failed=0 dropped=0 dead=0 none=0", 0, "" },
	{ "--dead-letter: the failed events kept", "test \"$EVENT_n\" = 2",
	    0, 0, 1, { "{\"n\":1}", "{\"n\":2}", "{\"n\":3}" }, "(none)",
	    "{\"n\":1}\n{\"n\":3}\n", "delivered=1 failed=0 dropped=0 dead=2",
	    "delivered=1 failed=0 dropped=0 dead=2 none=0", 0, "" },
	{ "--retry 1 --dead-letter", "echo x >> out; false", 0, 1, 1,
	    { "{\"n\":1}" }, "x\nx\n", "{\"n\":1}\n",
	    "delivered=0 failed=0 dropped=0 dead=1",
	    "delivered=0 failed=0 dropped=0 dead=1 none=0", 0, "" },
	{ "a dead letter that cannot be written", "false", 0, 0, 2,
	    { "{\"n\":1}", "{\"n\":2}" }, "(none)", "",
	    "delivered=0 failed=2 dropped=0 dead=0",
	    "delivered=0 failed=2 dropped=0 dead=0 none=0", 1,
	    "dest_test: command 'false' failed (exit status 1): its event is "
	    "lost, the dead letter cannot be written\n"
	    "dest_test: command 'false' failed (exit status 1): its event is "
	    "lost, the dead letter cannot be written\n" },
};

static void
run_cmd_case(const struct cmd_case *c)
{
	struct dests d;
	struct dest_count count = { 0, 0, 0, 0, 0, NULL, NULL };
	struct dest_cmd *x;
	struct out dead;
	char err[256];
	const char *got;
	int status;
	size_t i;

	capture();
	dests_init(&d);
	d.retries = c->retries;
	d.event_fmt = c->fmt ? c->fmt : FMT_JSON;
	if (c->dead) {
		out_init(&dead, open(c->dead == 1 ? "dead" : "/dev/full",
		    O_WRONLY | O_CREAT | O_TRUNC, 0644), "dead");
		dead.owns_fd = 1;
		d.dead_letter = &dead;
	}
	x = dests_command(&d, c->cmd, &count, 0);
	CHECK_INT(dests_start(&d, err, sizeof err), 0);
	for (i = 0; i < 4 && c->events[i]; i++) {
		struct dest_ticket *t = NULL;

		dests_event_begin(&d);
		CHECK_INT(dests_run(&d, x, c->events[i], strlen(c->events[i]),
		    &t), DEST_PENDING);
		dests_ticket_done(&d, t, DEST_NONE);
		dests_event_end(&d, 1);
	}
	status = dests_finish(&d, GRACE);
	got = captured();
	if (strcmp(got, c->err) != 0 || status != c->status)
		fprintf(stderr, "command case '%s'\n", c->name);
	CHECK_STR(got, c->err);
	CHECK_INT(status, c->status);
	CHECK_STR(slurp("out"), c->out);
	CHECK_STR(count_text(&count), c->count);
	CHECK_STR(records_text(&d), c->records);
	if (c->dead == 1)
		CHECK_STR(slurp("dead"), c->dead_text);
	if (c->dead)
		out_release(&dead);
	dests_release(&d);
	clean();
}

static void
test_commands(void)
{
	size_t i;

	setenv("EVENT_host", "outer", 1);
	for (i = 0; i < sizeof cmd_cases / sizeof cmd_cases[0]; i++)
		run_cmd_case(&cmd_cases[i]);
	unsetenv("EVENT_host");
}

/*
 * -P and ordering, by a fifo: event 1's run waits for someone to open
 * "go" for writing, which event 2's does.  With room for two runs, both
 * end; an ordered command runs its events one at a time, in order, so
 * its second waits for its first, whatever -P.
 */
static void
test_parallel(void)
{
	struct dests d;
	struct dest_count c1 = { 0, 0, 0, 0, 0, NULL, NULL }, c2 = { 0, 0, 0, 0, 0, NULL, NULL };
	struct dest_cmd *waiter, *opener, *ordered;
	static const char *const ev[] = { "{\"n\":1}", "{\"n\":2}",
	    "{\"n\":3}" };
	char err[256];
	size_t i;

	/* -P 2: the waiter and the opener at once */
	mkfifo("go", 0644);
	capture();
	dests_init(&d);
	d.max_procs = 2;
	waiter = dests_command(&d, "read x < go; echo waited >> out", &c1, 0);
	opener = dests_command(&d, "echo > go", &c2, 0);
	CHECK_INT(dests_start(&d, err, sizeof err), 0);
	for (i = 0; i < 2; i++) {
		struct dest_ticket *t = NULL;

		dests_event_begin(&d);
		dests_run(&d, i == 0 ? waiter : opener, ev[i], strlen(ev[i]),
		    &t);
		dests_ticket_done(&d, t, DEST_NONE);
		dests_event_end(&d, 1);
	}
	CHECK_INT(dests_finish(&d, GRACE), 0);
	CHECK_STR(captured(), "");
	CHECK_STR(slurp("out"), "waited\n");
	CHECK_STR(count_text(&c1), "delivered=1 failed=0 dropped=0 dead=0");
	CHECK_STR(count_text(&c2), "delivered=1 failed=0 dropped=0 dead=0");
	CHECK_STR(records_text(&d),
	    "delivered=2 failed=0 dropped=0 dead=0 none=0");
	dests_release(&d);
	clean();

	/* ordered, -P 3: the second of its events after the first, though
	 * the first waits for the other command */
	mkfifo("go", 0644);
	capture();
	dests_init(&d);
	d.max_procs = 3;
	memset(&c1, 0, sizeof c1);
	memset(&c2, 0, sizeof c2);
	ordered = dests_command(&d, "if [ \"$EVENT_n\" = 1 ]; then "
	    "read x < go; fi; echo \"$EVENT_n\" >> out", &c1, 1);
	opener = dests_command(&d, "echo > go", &c2, 0);
	CHECK_INT(dests_start(&d, err, sizeof err), 0);
	for (i = 0; i < 3; i++) {
		struct dest_ticket *t = NULL;

		dests_event_begin(&d);
		dests_run(&d, i < 2 ? ordered : opener, ev[i], strlen(ev[i]),
		    &t);
		dests_ticket_done(&d, t, DEST_NONE);
		dests_event_end(&d, 1);
	}
	CHECK_INT(dests_finish(&d, GRACE), 0);
	CHECK_STR(captured(), "");
	CHECK_STR(slurp("out"), "1\n2\n");
	CHECK_STR(count_text(&c1), "delivered=2 failed=0 dropped=0 dead=0");
	CHECK_STR(records_text(&d),
	    "delivered=3 failed=0 dropped=0 dead=0 none=0");
	dests_release(&d);
	clean();
}

/* The grace over: what runs is killed, what waits is not run, and both
 * go to the dead letter. */
static void
test_grace(void)
{
	struct dests d;
	struct dest_count c = { 0, 0, 0, 0, 0, NULL, NULL };
	struct dest_cmd *x;
	struct out dead;
	char err[256];
	size_t i;

	mkfifo("never", 0644);
	capture();
	dests_init(&d);
	out_init(&dead, open("dead", O_WRONLY | O_CREAT | O_TRUNC, 0644),
	    "dead");
	dead.owns_fd = 1;
	d.dead_letter = &dead;
	x = dests_command(&d, "read x < never", &c, 0);
	CHECK_INT(dests_start(&d, err, sizeof err), 0);
	for (i = 0; i < 3; i++) {
		struct dest_ticket *t = NULL;
		char ev[32];

		snprintf(ev, sizeof ev, "{\"n\":%zu}", i + 1);
		dests_event_begin(&d);
		dests_run(&d, x, ev, strlen(ev), &t);
		dests_ticket_done(&d, t, DEST_NONE);
		dests_event_end(&d, 1);
	}
	CHECK_INT(dests_busy(&d), 1);
	CHECK_INT(dests_finish(&d, 100 * 1000), 1);
	CHECK_STR(captured(), "dest_test: command 'read x < never' did not "
	    "end within --grace: killed\ndest_test: command 'read x < never': "
	    "events not run within --grace\n");
	CHECK_INT(dests_busy(&d), 0);
	CHECK_STR(count_text(&c), "delivered=0 failed=0 dropped=0 dead=3");
	CHECK_STR(records_text(&d),
	    "delivered=0 failed=0 dropped=0 dead=3 none=0");
	CHECK_STR(slurp("dead"), "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n");
	out_release(&dead);
	dests_release(&d);
	clean();
}

/*
 * Handlers: events through the pipe of one long-lived process, counted
 * delivered when given and moved to failed when it ends without reading
 * them.  Each event here has no ticket: the router counts it delivered
 * at once, and the handler moves it if it loses it.
 */
static const struct handler_case {
	const char *name;
	const char *cmd;
	int n;			/* events */
	const char *out;
	const char *count;
	const char *records;
	int status;
	const char *err;
} handler_cases[] = {
	{ "read to its end", "cat >> out", 3,
	    "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n",
	    "delivered=3 failed=0 dropped=0 dead=0",
	    "delivered=3 failed=0 dropped=0 dead=0 none=0", 0, "" },
	{ "none", "cat >> out", 0, "",
	    "delivered=0 failed=0 dropped=0 dead=0",
	    "delivered=0 failed=0 dropped=0 dead=0 none=0", 0, "" },
	{ "ended with 3, nothing read", "exit 3", 2, "(none)",
	    "delivered=0 failed=2 dropped=0 dead=0",
	    "delivered=0 failed=2 dropped=0 dead=0 none=0", 1,
	    "dest_test: handler 'exit 3' failed (exit status 3)\n"
	    "dest_test: handler 'exit 3': 2 events not delivered\n" },
	{ "ended well, nothing read", "true", 1, "(none)",
	    "delivered=0 failed=1 dropped=0 dead=0",
	    "delivered=0 failed=1 dropped=0 dead=0 none=0", 1,
	    "dest_test: handler 'true': 1 event not delivered\n" },
	{ "ended with 3, all read", "cat >> out; exit 3", 2,
	    "{\"n\":1}\n{\"n\":2}\n", "delivered=2 failed=0 dropped=0 dead=0",
	    "delivered=2 failed=0 dropped=0 dead=0 none=0", 1,
	    "dest_test: handler 'cat >> out; exit 3' failed (exit status 3)\n" },
};

static void
run_handler_case(const struct handler_case *c)
{
	struct dests d;
	struct dest_count count = { 0, 0, 0, 0, 0, NULL, NULL };
	struct handler *h;
	char err[256];
	const char *got;
	int i, status;

	capture();
	dests_init(&d);
	h = dests_handler(&d, c->cmd, &count);
	CHECK_INT(dests_start(&d, err, sizeof err), 0);
	for (i = 0; i < c->n; i++) {
		char ev[32];
		int rc;

		snprintf(ev, sizeof ev, "{\"n\":%d}", i + 1);
		dests_event_begin(&d);
		rc = dests_send(&d, h, ev, strlen(ev), NULL);
		CHECK_INT(rc, DEST_DELIVERED);
		d.records[rc]++;
		dests_event_end(&d, 0);
	}
	status = dests_finish(&d, GRACE);
	got = captured();
	if (strcmp(got, c->err) != 0)
		fprintf(stderr, "handler case '%s'\n", c->name);
	CHECK_STR(got, c->err);
	CHECK_INT(status, c->status);
	CHECK_STR(slurp("out"), c->out);
	CHECK_STR(count_text(&count), c->count);
	CHECK_STR(records_text(&d), c->records);
	dests_release(&d);
	clean();
}

static void
test_handlers(void)
{
	size_t i;

	for (i = 0; i < sizeof handler_cases / sizeof handler_cases[0]; i++)
		run_handler_case(&handler_cases[i]);
}

/* A handler that reads all it is given ends as soon as it has: its
 * input ends when the last of its buffer is written, wherever that was
 * written (once it was in the poll that then waited a second for the
 * handler's end, which never came).  Five runs of 300 kB through cat
 * take milliseconds; a second for them all is a generous bound. */
static void
test_handler_end(void)
{
	struct dest_count count = { 0, 0, 0, 0, 0, NULL, NULL };
	struct monotime t0 = mono_now();
	char ev[64];
	int run, i;

	for (run = 0; run < 5; run++) {
		struct dests d;
		struct handler *h;

		dests_init(&d);
		h = dests_handler(&d, "cat > /dev/null", &count);
		CHECK_INT(dests_start(&d, ev, sizeof ev), 0);
		for (i = 0; i < 20000; i++) {
			snprintf(ev, sizeof ev, "{\"n\":%d}", i);
			dests_event_begin(&d);
			d.records[dests_send(&d, h, ev, strlen(ev), NULL)]++;
			dests_event_end(&d, 0);
		}
		CHECK_INT(dests_finish(&d, GRACE), 0);
		dests_release(&d);
	}
	CHECK_INT(count.delivered, 100000);
	CHECK(mono_now().us - t0.us < 1000000);
}

/* A handler that reads nothing: its buffer fills, and with
 * drop_when_full the events past it are dropped, not waited for; the
 * grace kills it and what it held fails. */
static void
test_handler_full(void)
{
	struct dests d;
	struct dest_count count = { 0, 0, 0, 0, 0, NULL, NULL };
	struct handler *h;
	char err[256], *big = malloc(400 * 1024);
	int i, rc[4];

	memset(big, 'x', 400 * 1024);
	mkfifo("never", 0644);
	capture();
	dests_init(&d);
	d.drop_when_full = 1;
	h = dests_handler(&d, "read x < never", &count);
	CHECK_INT(dests_start(&d, err, sizeof err), 0);
	for (i = 0; i < 4; i++) {
		dests_event_begin(&d);
		rc[i] = dests_send(&d, h, big, 400 * 1024, NULL);
		d.records[rc[i]]++;
		dests_event_end(&d, 0);
	}
	CHECK_INT(rc[0], DEST_DELIVERED);
	CHECK_INT(rc[1], DEST_DELIVERED);
	CHECK_INT(rc[2], DEST_DROPPED);
	CHECK_INT(rc[3], DEST_DROPPED);
	CHECK_INT(dests_busy(&d), 1);
	CHECK_INT(dests_finish(&d, 100 * 1000), 1);
	CHECK_STR(captured(), "dest_test: handler 'read x < never' did not "
	    "end within --grace: killed\ndest_test: handler 'read x < never': "
	    "2 events not delivered\n");
	CHECK_STR(count_text(&count), "delivered=0 failed=2 dropped=2 dead=0");
	CHECK_STR(records_text(&d),
	    "delivered=0 failed=2 dropped=2 dead=0 none=0");
	dests_release(&d);
	free(big);
	clean();
}

/* Files: each step writes one line to a path; "out" after the end is
 * each file's text. */
static const struct file_case {
	const char *name;
	const char *before;	/* "f" holds this first, or NULL */
	size_t max_open;
	const char *steps[8];	/* ">PATH LINE" or ">>PATH LINE" */
	const char *files[4];	/* "PATH=TEXT" each */
	const char *count;
	int ioerr;
	const char *err;
} file_cases[] = {
	{ "> truncates, once a run", "old\n", 128,
	    { ">f a", ">f b" }, { "f=a\nb\n" },
	    "delivered=2 failed=0 dropped=0 dead=0", 0, "" },
	{ ">> appends", "old\n", 128, { ">>f a", ">>f b" },
	    { "f=old\na\nb\n" }, "delivered=2 failed=0 dropped=0 dead=0", 0,
	    "" },
	{ "directories made", NULL, 128, { ">>d1/d2/f a", ">d1/g b" },
	    { "d1/d2/f=a\n", "d1/g=b\n" },
	    "delivered=2 failed=0 dropped=0 dead=0", 0, "" },
	/* two open at most: the least recently written closed, and a >
	 * file opened again is appended to, not emptied again */
	{ "the limit of open files", "old\n", 2,
	    { ">f 1", ">>g 2", ">>h 3", ">f 4", ">>g 5", ">>h 6", ">f 7" },
	    { "f=1\n4\n7\n", "g=2\n5\n", "h=3\n6\n" },
	    "delivered=7 failed=0 dropped=0 dead=0", 0, "" },
	{ "cannot be opened: said once", "x", 128,
	    { ">>f/x a", ">>f/x b", ">>g c" }, { "f=x", "g=c\n" },
	    "delivered=1 failed=2 dropped=0 dead=0", 1,
	    "dest_test: cannot open 'f/x': Not a directory\n" },
	{ "a write error: the events lost", NULL, 128,
	    { ">>/dev/full a", ">>/dev/full b", ">>g c" }, { "g=c\n" },
	    "delivered=1 failed=2 dropped=0 dead=0", 1,
	    "dest_test: '/dev/full': write error: No space left on device "
	    "(2 events lost)\n" },
};

static void
run_file_case(const struct file_case *c)
{
	struct dests d;
	struct dest_count count = { 0, 0, 0, 0, 0, NULL, NULL };
	const char *got;
	size_t i, most = 0;
	int status;

	if (c->before)
		write_file("f", c->before);
	capture();
	dests_init(&d);
	d.max_open = c->max_open;
	for (i = 0; i < 8 && c->steps[i]; i++) {
		const char *s = c->steps[i];
		int append = s[1] == '>';
		const char *path = s + 1 + append, *sp = strchr(path, ' ');
		size_t id = dests_file(&d, path, (size_t)(sp - path));
		int rc;

		dests_event_begin(&d);
		rc = dests_write_file(&d, id, append, sp + 1, strlen(sp + 1),
		    &count, NULL);
		if (rc == DEST_DELIVERED)
			count.delivered++;	/* as the router counts */
		else
			count.failed++;
		d.records[rc]++;
		dests_event_end(&d, 0);
		most = d.nopen > most ? d.nopen : most;
	}
	status = dests_finish(&d, GRACE);
	got = captured();
	if (strcmp(got, c->err) != 0)
		fprintf(stderr, "file case '%s'\n", c->name);
	CHECK_STR(got, c->err);
	CHECK_INT(status, 0);		/* files say so by ioerr */
	CHECK_INT(d.ioerr, c->ioerr);
	CHECK(most <= c->max_open);
	CHECK_INT(d.nopen, 0);
	for (i = 0; i < 4 && c->files[i]; i++) {
		const char *eq = strchr(c->files[i], '=');
		char path[64];

		snprintf(path, sizeof path, "%.*s", (int)(eq - c->files[i]),
		    c->files[i]);
		CHECK_STR(slurp(path), eq + 1);
	}
	CHECK_STR(count_text(&count), c->count);
	/* the events lost at the write moved from delivered to failed */
	CHECK_INT(d.records[DEST_DELIVERED], count.delivered);
	CHECK_INT(d.records[DEST_FAILED], count.failed);
	dests_release(&d);
	clean();
}

static void
test_files(void)
{
	size_t i;

	for (i = 0; i < sizeof file_cases / sizeof file_cases[0]; i++)
		run_file_case(&file_cases[i]);
}

/*
 * A file an event: once many are closed they are forgotten, the ids
 * change (generation says so), and writing goes on to the right files.
 * The many are names of /dev/null ("/dev/./null", "/dev/././null" ...),
 * as making a thousand files takes a second; "m/a" is written among them.
 */
static void
test_many_files(void)
{
	struct dests d;
	struct dest_count count = { 0, 0, 0, 0, 0, NULL, NULL };
	struct buf path = BUF_INIT, want = BUF_INIT;
	unsigned gen;
	char line[32];
	size_t i, k, most = 0;
	int ok = 1;

	mkdir("m", 0755);
	dests_init(&d);
	d.max_open = 4;
	gen = d.generation;
	for (i = 0; i < 1200; i++) {
		buf_reset(&path);
		buf_addstr(&path, "/dev/");
		for (k = 0; k < i % 1100; k++)
			buf_addstr(&path, "./");
		buf_addstr(&path, "null");
		snprintf(line, sizeof line, "%zu", i);
		dests_event_begin(&d);
		if (dests_write_file(&d, dests_file(&d, path.data, path.len), 1,
		    line, strlen(line), &count, NULL) != DEST_DELIVERED)
			ok = 0;
		if (i % 100 == 0) {
			if (dests_write_file(&d, dests_file(&d, "m/a", 3), 0,
			    line, strlen(line), &count, NULL) != DEST_DELIVERED)
				ok = 0;
			buf_addf(&want, "%zu\n", i);
		}
		dests_event_end(&d, 0);
		most = d.nfiles > most ? d.nfiles : most;
	}
	CHECK(ok);
	CHECK(d.generation != gen);
	CHECK_INT(most, 1024);
	CHECK(d.nfiles < 200);
	CHECK_INT(dests_finish(&d, GRACE), 0);
	CHECK_STR(slurp("m/a"), want.data);
	buf_release(&path);
	buf_release(&want);
	dests_release(&d);
	clean();
}

/*
 * Events several destinations took: counted once, by the best outcome
 * when the last taker settled it.
 */
static void
test_tickets(void)
{
	static const struct {
		const char *cmd1, *cmd2;	/* NULL: a file instead */
		int dead;
		const char *records;
	} cases[] = {
		{ NULL, "true", 0, "delivered=1 failed=0 dropped=0 dead=0 "
		    "none=0" },
		/* delivered somewhere beats failed elsewhere */
		{ NULL, "false", 0, "delivered=1 failed=0 dropped=0 dead=0 "
		    "none=0" },
		{ "false", "false", 0, "delivered=0 failed=1 dropped=0 dead=0 "
		    "none=0" },
		{ "false", "false", 1, "delivered=0 failed=0 dropped=0 dead=1 "
		    "none=0" },
		{ "false", "true", 1, "delivered=1 failed=0 dropped=0 dead=0 "
		    "none=0" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct dests d;
		struct dest_count c1 = { 0, 0, 0, 0, 0, NULL, NULL }, c2 = { 0, 0, 0, 0, 0, NULL, NULL };
		struct dest_ticket *t;
		struct dest_cmd *x1 = NULL, *x2;
		struct out dead;
		char err[256];
		int best = DEST_NONE, rc;

		capture();
		dests_init(&d);
		if (cases[i].dead) {
			out_init(&dead, open("dead", O_WRONLY | O_CREAT |
			    O_TRUNC, 0644), "dead");
			dead.owns_fd = 1;
			d.dead_letter = &dead;
		}
		if (cases[i].cmd1)
			x1 = dests_command(&d, cases[i].cmd1, &c1, 0);
		x2 = dests_command(&d, cases[i].cmd2, &c2, 0);
		CHECK_INT(dests_start(&d, err, sizeof err), 0);
		dests_event_begin(&d);
		t = dests_ticket(&d);
		if (x1)
			CHECK_INT(dests_run(&d, x1, "{}", 2, &t), DEST_PENDING);
		else {
			rc = dests_write_file(&d, dests_file(&d, "f", 1), 1,
			    "{}", 2, &c1, t);
			CHECK_INT(rc, DEST_DELIVERED);
			c1.delivered++;
		}
		CHECK_INT(dests_run(&d, x2, "{}", 2, &t), DEST_PENDING);
		dests_ticket_done(&d, t, best);
		dests_event_end(&d, 1);
		/* nothing counted until every taker has settled it */
		CHECK_STR(records_text(&d),
		    "delivered=0 failed=0 dropped=0 dead=0 none=0");
		dests_finish(&d, GRACE);
		captured();
		CHECK_STR(records_text(&d), cases[i].records);
		if (cases[i].dead) {
			CHECK_STR(slurp("dead"), !strcmp(cases[i].cmd2, "true") ?
			    "{}\n" : "{}\n{}\n");
			out_release(&dead);
		}
		dests_release(&d);
		clean();
	}
}

/* A buffer's events, and how its write went: pending settled. */
static void
test_pending(void)
{
	struct dests d;
	struct dest_pending p;
	struct dest_count a = { 2, 0, 0, 0, 0, NULL, NULL }, b = { 1, 0, 0, 0, 0, NULL, NULL };
	struct dest_ticket *t;

	dests_init(&d);
	memset(&p, 0, sizeof p);
	t = dests_ticket(&d);
	dests_pending_add(&p, &a, NULL);
	dests_pending_add(&p, &a, t);
	dests_pending_add(&p, &b, NULL);
	p.nsole = 2;
	d.records[DEST_DELIVERED] = 2;
	CHECK_INT(t->refs, 2);
	dests_ticket_done(&d, t, DEST_DROPPED);
	CHECK_INT(dests_pending_settle(&d, &p, 0), 3);
	CHECK_STR(count_text(&a), "delivered=0 failed=2 dropped=0 dead=0");
	CHECK_STR(count_text(&b), "delivered=0 failed=1 dropped=0 dead=0");
	/* the ticket's best was dropped: it beats failed */
	CHECK_STR(records_text(&d),
	    "delivered=0 failed=2 dropped=1 dead=0 none=0");
	CHECK_INT(p.ntakers + p.ntickets + p.nsole, 0);
	/* written: nothing moves, the tickets delivered */
	t = dests_ticket(&d);
	dests_pending_add(&p, &a, t);
	dests_ticket_done(&d, t, DEST_FAILED);
	CHECK_INT(dests_pending_settle(&d, &p, 1), 1);
	CHECK_STR(count_text(&a), "delivered=0 failed=2 dropped=0 dead=0");
	CHECK_STR(records_text(&d),
	    "delivered=1 failed=2 dropped=1 dead=0 none=0");
	CHECK_INT(dests_pending_settle(&d, &p, 0), 0);
	dests_pending_release(&p);
	dests_release(&d);
}

int
main(void)
{
	char dir[] = "/tmp/dest_testXXXXXX";

	diag_init("dest_test");
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL || chdir(dir) < 0)
		return 2;
	test_commands();
	test_parallel();
	test_grace();
	test_handlers();
	test_handler_full();
	test_handler_end();
	test_files();
	test_many_files();
	test_tickets();
	test_pending();
	if (chdir("/") < 0 || rmdir(dir) < 0)
		CHECK(!"the temporary directory emptied");
	return check_done("dest_test");
}
