/*
 * runline_test.c - run lines: the codec, out_mark's lines put in front
 * of buffered bytes (by writev, short writes too), struct runw's runs
 * over the records a tool writes to a pipe, and reader_splice moving a
 * run's bytes unread.
 */
#ifdef __linux__
#define _GNU_SOURCE		/* F_SETPIPE_SZ */
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "out.h"
#include "punct.h"
#include "reader.h"
#include "runline.h"

/* Run lines written, read back, and lines that are not run lines. */
static void
test_codec(void)
{
	static const struct {
		const char *line;
		const char *err;	/* NULL: parses */
	} bad[] = {
		{ "{\"_punct\":\"run\",\"records\":2,\"bytes\":10,\"min_t\":1,"
		    "\"max_t\":2,\"longest\":4,\"pipe\":\"1:2\"}", NULL },
		{ "{\"_punct\":\"run\",\"records\":2,\"bytes\":10,\"min_t\":1,"
		    "\"max_t\":2,\"longest\":4}", "run needs" },
		{ "{\"_punct\":\"run\",\"records\":-2,\"bytes\":10,\"min_t\":1,"
		    "\"max_t\":2,\"longest\":4,\"pipe\":\"1:2\"}", "run needs" },
		{ "{\"_punct\":\"run\",\"records\":2,\"bytes\":10,\"min_t\":1.5,"
		    "\"max_t\":2,\"longest\":4,\"pipe\":\"1:2\"}", "run needs" },
		{ "{\"_punct\":\"run\",\"records\":2,\"bytes\":10,\"min_t\":1,"
		    "\"max_t\":2,\"longest\":4,\"pipe\":12}", "run needs" },
		{ "{\"_punct\":\"run\",\"records\":2,\"bytes\":10,\"min_t\":3,"
		    "\"max_t\":2,\"longest\":4,\"pipe\":\"1:2\"}", "a run's" },
		{ "{\"_punct\":\"run\",\"records\":20,\"bytes\":10,\"min_t\":1,"
		    "\"max_t\":2,\"longest\":4,\"pipe\":\"1:2\"}", "a run's" },
		{ "{\"_punct\":\"run\",\"records\":0,\"bytes\":10,\"min_t\":1,"
		    "\"max_t\":2,\"longest\":4,\"pipe\":\"1:2\"}", "a run's" },
		{ "{\"_punct\":\"run\",\"records\":2,\"bytes\":10,\"min_t\":1,"
		    "\"max_t\":2,\"longest\":4,\"pipe\":\"1:2\"", "truncated" },
	};
	struct punct p, q;
	struct buf b = BUF_INIT;
	const char *err;
	size_t i;

	memset(&p, 0, sizeof p);
	p.kind = PUNCT_RUN;
	p.records = 3;
	p.bytes = 70000;
	p.min_t = -5;
	p.max_t = INT64_MAX;
	p.longest = 250;
	p.pipe = "12:345678";
	p.pipelen = 9;
	punct_write(&b, &p);
	CHECK_INT(b.len, PUNCT_RUN_LEN);
	CHECK(strncmp(b.data, "{\"_punct\":\"run\",\"records\":3,\"bytes\":70000,"
	    "\"min_t\":-5,\"max_t\":9223372036854775807,\"longest\":250,"
	    "\"pipe\":\"12:345678\"   ", 112) == 0);
	CHECK(strcmp(b.data + b.len - 3, " }\n") == 0);
	CHECK_INT(punct_parse(b.data, b.len - 1, &q, &err), 0);
	CHECK(q.kind == PUNCT_RUN && q.records == 3 && q.bytes == 70000 &&
	    q.min_t == -5 && q.max_t == INT64_MAX && q.longest == 250);
	CHECK_MEM(q.pipe, q.pipelen, "12:345678");
	/* the longest a run line can say still fits, unpadded */
	p.records = p.bytes = p.longest = INT64_MAX;
	p.min_t = INT64_MIN;
	p.pipe = "18446744073709551615:18446744073709551615";
	p.pipelen = strlen(p.pipe);
	buf_reset(&b);
	punct_write(&b, &p);
	CHECK(b.len <= PUNCT_RUN_LEN);
	CHECK_INT(punct_parse(b.data, b.len - 1, &q, &err), 0);
	CHECK(q.records == INT64_MAX && q.min_t == INT64_MIN);

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = punct_parse(bad[i].line, strlen(bad[i].line), &q,
		    &err);

		if (bad[i].err == NULL)
			CHECK_INT(rc, 0);
		else {
			CHECK_INT(rc, -1);
			CHECK(rc == 0 || strncmp(err, bad[i].err,
			    strlen(bad[i].err)) == 0);
		}
	}
	buf_release(&b);
}

/* All of fd, till its end, into b. */
static void
slurp_fd(int fd, struct buf *b)
{
	char tmp[65536];
	ssize_t k;

	buf_reset(b);
	while ((k = read(fd, tmp, sizeof tmp)) > 0 || (k < 0 && errno == EINTR))
		if (k > 0)
			buf_add(b, tmp, (size_t)k);
}

static volatile sig_atomic_t ticks;

static void
on_tick(int sig)
{
	(void)sig;
	ticks++;
}

/*
 * n bytes with marks every `every` bytes (and at 0 and n), written by
 * out_flush to a pipe whose reader takes them slowly; with interrupt,
 * a timer's signal cuts the writes short.  What the reader gets is the
 * bytes with each mark in front of its place.
 */
static void
marks_case(size_t n, size_t every, int interrupt)
{
	struct out o;
	struct buf want = BUF_INIT, got = BUF_INIT;
	struct sigaction sa;
	struct itimerval it;
	char mark[32];
	size_t i, at;
	int fd[2];
	pid_t pid;

	if (pipe(fd) < 0)
		abort();
	if ((pid = fork()) == 0) {	/* the slow reader: a copy back */
		char tmp[4096];
		ssize_t k;
		int out;

		close(fd[1]);
		out = open("/tmp/runline_test.out", O_WRONLY | O_CREAT |
		    O_TRUNC, 0600);
		while ((k = read(fd[0], tmp, sizeof tmp)) > 0) {
			if (write(out, tmp, (size_t)k) != k)
				_exit(1);
			usleep(50);
		}
		_exit(0);
	}
	close(fd[0]);
	out_init(&o, fd[1], "t");
	out_grow(&o, n + 1);
	if (interrupt)		/* a pipe that fills: writes block */
		(void)fcntl(fd[1], F_SETPIPE_SZ, 4096);
	for (i = at = 0; i <= n; i++) {
		if (i == at) {
			int len = snprintf(mark, sizeof mark, "<%zu>", i);

			out_mark(&o, i, mark, (size_t)len);
			buf_add(&want, mark, (size_t)len);
			at += every;
		}
		if (i < n) {
			char c = (char)('a' + i % 26);

			out_putc(&o, c);
			buf_add(&want, &c, 1);
		}
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_tick;	/* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof it);
	it.it_value.tv_usec = it.it_interval.tv_usec = 200;
	ticks = 0;
	if (interrupt)
		setitimer(ITIMER_REAL, &it, NULL);
	CHECK_INT(out_flush(&o), 0);
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_INT(o.nmark, 0);
	close(fd[1]);
	waitpid(pid, NULL, 0);
	if (interrupt)
		CHECK(ticks > 0);
	if ((fd[0] = open("/tmp/runline_test.out", O_RDONLY)) < 0)
		abort();
	slurp_fd(fd[0], &got);
	close(fd[0]);
	unlink("/tmp/runline_test.out");
	CHECK_INT(got.len, want.len);
	CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
	o.fd = -1;
	out_release(&o);
	buf_release(&want);
	buf_release(&got);
}

static size_t flushings;

static void
count_flushing(void *arg)
{
	(void)arg;
	flushings++;
}

/*
 * The same through out_behind's thread, to a file: n bytes put one at a
 * time, a mark every `every` (none when 0), the full buffers without
 * marks handed to the thread and those with marks written by the caller
 * once the thread is done, the flushing callback told of each.
 */
static void
behind_case(size_t n, size_t every)
{
	struct out o;
	struct buf want = BUF_INIT, got = BUF_INIT;
	char mark[32], path[] = "/tmp/runline_testXXXXXX";
	size_t i, bufs;
	int fd = mkstemp(path);

	if (fd < 0)
		abort();
	unlink(path);
	out_init(&o, fd, "t");
	out_behind(&o);
	CHECK(o.writer != NULL);
	o.flushing = count_flushing;
	flushings = 0;
	for (i = 0; i < n; i++) {
		char c = (char)('a' + i % 26);

		if (every > 0 && i % every == 0) {
			int len = snprintf(mark, sizeof mark, "<%zu>", i);

			out_mark(&o, o.len, mark, (size_t)len);
			buf_add(&want, mark, (size_t)len);
		}
		out_putc(&o, c);
		buf_add(&want, &c, 1);
	}
	bufs = (n + o.cap - 1) / o.cap;
	CHECK_INT(out_flush(&o), 0);
	CHECK_INT(flushings, bufs);	/* once a buffer, thread or none */
	CHECK_INT(out_release(&o), 0);
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	slurp_fd(fd, &got);
	close(fd);
	CHECK_INT(got.len, want.len);
	CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
	buf_release(&want);
	buf_release(&got);
}

static void
test_marks(void)
{
	marks_case(10, 100, 0);		/* marks at the start and end */
	marks_case(1000, 7, 0);		/* more than a writev takes */
	marks_case(1000, 1, 0);		/* one a byte */
	marks_case(600000, 9000, 1);	/* writes cut short */
	marks_case(300000, 3, 1);	/* short, mid-mark too */
	behind_case(1000, 7);		/* all in one buffer */
	behind_case(2000000, 4096);	/* many, marks on buffers' ends */
	behind_case(700000, 5);		/* more marks than a writev takes */
	behind_case(2000000, 0);	/* none: every buffer to the thread */
	/* some buffers marked, the others the thread's: in order */
	behind_case(2000000, 300000);
}

/*
 * Records written through a runw: "window:time:length" each, ';' for
 * o's buffer going out between two, '|' for a control line; the run
 * lines that come out, each as "records bytes min max longest@offset"
 * of the records' bytes (RUNW_MIN_BYTES is 16 kB: lengths are in kB).
 */
static const struct {
	const char *records;
	const char *want;
} runw_cases[] = {
	/* one run, its times out of order */
	{ "0:5:8 0:3:8 0:9:8", "3 24 3 9 8@0" },
	/* too short for a line */
	{ "0:5:8 0:6:7", "" },
	/* a new window ends a run, and one too short after it has none */
	{ "0:1:10 0:2:10 60:61:4", "2 20 1 2 10@0" },
	{ "0:1:10 0:2:10 60:61:10 60:62:10", "2 20 1 2 10@0 2 20 61 62 10@20" },
	/* a control line ends it */
	{ "0:1:10 0:2:10 | 0:3:10 0:4:10", "2 20 1 2 10@0 2 20 3 4 10@20" },
	/* and the buffer going out */
	{ "0:1:10 0:2:10 ; 0:3:10 0:4:10", "2 20 1 2 10@0 2 20 3 4 10@20" },
	{ "0:1:20 ; 0:2:5 0:3:5", "1 20 1 1 20@0" },
	/* a window back, then forth: three runs, the short one has none */
	{ "0:1:20 60:61:2 0:2:20", "1 20 1 1 20@0 1 20 2 2 20@22" },
	/* a line that is no object, or keeps a "\r", is in no run */
	{ "0:1:10 0:2:10 0:3:1t 0:4:10 0:5:10", "2 20 1 2 10@0 2 20 4 5 10@21" },
	{ "0:1:10 0:2:10 0:3:1r 0:4:10 0:5:10", "2 20 1 2 10@0 2 20 4 5 10@21" },
	{ "0:1:10r 0:2:20", "1 20 2 2 20@10" },
};

/* One case: the records written (their bytes 'x's and a "\n") and the
 * run lines read back from the pipe. */
static void
runw_case(size_t i, struct buf *said)
{
	const char *p = runw_cases[i].records;
	struct buf all = BUF_INIT, rec = BUF_INIT;
	struct runw w;
	struct out o;
	size_t at = 0, k;
	int fd[2];

	if (pipe(fd) < 0)
		abort();
	out_init(&o, fd[1], "t");
	runw_init(&w, &o);
	CHECK(runw_on(&w));
	CHECK(o.cap >= RUNW_BUFFER);
	CHECK_INT(fcntl(fd[1], F_GETPIPE_SZ) >= RUNW_BUFFER, 1);
	while (*p) {
		long win, t, kb;
		size_t off;
		uintmax_t writes;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == ';' || *p == '|') {
			if (*p++ == ';')
				out_flush(&o);
			else
				out_write(&o, "{\"_punct\":\"x\"}\n", 15);
			continue;
		}
		win = strtol(p, (char **)&p, 10);
		t = strtol(p + 1, (char **)&p, 10);
		kb = strtol(p + 1, (char **)&p, 10);
		/* {xx...x}, kb kB with its "\n"; r: "\r" before it; t:
		 * text, not an object */
		buf_reset(&rec);
		buf_add(&rec, *p == 't' ? "x" : "{", 1);
		for (k = 0; k + 3 + (*p == 'r') < (size_t)kb * 1024; k++)
			buf_add(&rec, "x", 1);
		buf_add(&rec, "}", 1);
		if (*p == 'r')
			buf_add(&rec, "\r", 1);
		buf_add(&rec, "\n", 1);
		if (*p == 'r' || *p == 't')
			p++;
		off = o.len;
		writes = o.writes;
		out_write(&o, rec.data, rec.len);
		runw_record(&w, off, writes, t, win);
	}
	out_flush(&o);
	runw_release(&w);
	CHECK(o.flushing == NULL);
	close(fd[1]);
	slurp_fd(fd[0], &all);
	close(fd[0]);
	buf_reset(said);
	/* each run line, and where it is among the records' bytes */
	for (k = 0; k < all.len; ) {
		const char *nl = memchr(all.data + k, '\n', all.len - k);
		size_t len = (size_t)(nl - all.data - k) + 1;
		struct punct q;
		const char *err;

		if (punct_is(all.data + k, len)) {
			if (punct_parse(all.data + k, len - 1, &q, &err) == 0 &&
			    q.kind == PUNCT_RUN) {
				CHECK_INT(len, PUNCT_RUN_LEN);
				CHECK_MEM(q.pipe, q.pipelen, w.pipe);
				buf_addf(said, "%s%ju %ju %lld %lld %ju@%zu",
				    said->len ? " " : "",
				    (uintmax_t)q.records,
				    (uintmax_t)q.bytes / 1024,
				    (long long)q.min_t, (long long)q.max_t,
				    (uintmax_t)(q.longest + 1) / 1024,
				    at / 1024);
			}
		} else
			at += len;
		k += len;
	}
	o.fd = -1;
	out_release(&o);
	buf_release(&all);
	buf_release(&rec);
}

static void
test_runw(void)
{
	struct buf said = BUF_INIT;
	struct runw w;
	struct out o;
	struct stat st;
	char name[RUNLINE_PIPE_MAX], got[RUNLINE_PIPE_MAX];
	size_t i;
	int fd, fds[2];

	for (i = 0; i < sizeof runw_cases / sizeof runw_cases[0]; i++) {
		runw_case(i, &said);
		if (strcmp(said.data, runw_cases[i].want) != 0)
			fprintf(stderr, "runw case %zu:\n", i);
		CHECK_STR(said.data, runw_cases[i].want);
	}
	/* not a pipe: nothing is followed */
	if ((fd = open("/tmp", O_RDONLY)) < 0)
		abort();
	out_init(&o, fd, "t");
	runw_init(&w, &o);
	CHECK(!runw_on(&w));
	CHECK(o.flushing == NULL);
	runw_record(&w, 0, o.writes, 1, 0);
	CHECK_INT(w.n, 0);
	runw_release(&w);
	close(fd);
	o.fd = -1;
	out_release(&o);
	/* a pipe's name is its device and inode; one too long, none */
	if (pipe(fds) < 0 || fstat(fds[0], &st) < 0)
		abort();
	snprintf(name, sizeof name, "%ju:%ju", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	CHECK_INT(runline_pipe(fds[1], got, sizeof got), strlen(name));
	CHECK_STR(got, name);
	CHECK_INT(runline_pipe(fds[1], got, 3), 0);
	close(fds[0]);
	close(fds[1]);
	buf_release(&said);
}

/*
 * A buffer of the shortest runs that get a line, so the most run lines a
 * buffer holds, goes whole into an empty pipe: the write never waits for
 * the reader (here O_NONBLOCK: a wait would be EAGAIN).
 */
static void
test_buffer_fits(void)
{
	struct buf rec = BUF_INIT;
	struct runw w;
	struct out o;
	long win = 0;
	size_t off, flushed = 0;
	uintmax_t writes;
	int fd[2], waiting = -1;

	if (pipe(fd) < 0)
		abort();
	out_init(&o, fd[1], "t");
	runw_init(&w, &o);
	CHECK_INT(fcntl(fd[1], F_GETPIPE_SZ), RUNW_PIPE);
	CHECK_INT(fcntl(fd[1], F_SETFL, O_NONBLOCK), 0);
	buf_add(&rec, "{", 1);
	while (rec.len < RUNW_MIN_BYTES - 2)
		buf_add(&rec, "x", 1);
	buf_add(&rec, "}\n", 2);
	while (o.writes == 0) {		/* a window a record: a run each */
		flushed = o.len;
		off = o.len;
		writes = o.writes;
		out_write(&o, rec.data, rec.len);
		runw_record(&w, off, writes, win * 60, win * 60);
		win++;
	}
	CHECK_INT(o.err, 0);
	CHECK_INT(flushed / RUNW_MIN_BYTES, RUNW_BUFFER / RUNW_MIN_BYTES);
	CHECK_INT(ioctl(fd[0], FIONREAD, &waiting), 0);
	CHECK_INT(waiting, flushed + flushed / RUNW_MIN_BYTES * PUNCT_RUN_LEN);
	runw_release(&w);
	o.fd = -1;
	out_release(&o);
	close(fd[0]);
	close(fd[1]);
	buf_release(&rec);
}

/*
 * reader_splice: a pipe fed by a child, lines then n bytes moved to
 * `to` unread, then the rest read as lines; the bytes at `to` are the
 * moved ones.  flags opens the file it goes to (O_APPEND: splice will
 * not, and the bytes are copied); cut ends the input short.
 */
static void
splice_case(size_t n, int flags, int cut)
{
	static const char head[] = "a\nb\n";
	struct buf data = BUF_INIT, got = BUF_INIT;
	struct reader r;
	const char *line;
	size_t len, i, want = cut ? n / 2 : n;
	ssize_t k;
	int in[2], to;
	pid_t pid;

	buf_add(&data, head, sizeof head - 1);
	for (i = 0; i < n; i++)
		buf_add(&data, i % 100 == 99 ? "\n" : "z", 1);
	buf_add(&data, "tail\n", 5);
	if (pipe(in) < 0)
		abort();
	if ((pid = fork()) == 0) {
		size_t all = cut ? sizeof head - 1 + n / 2 : data.len;

		close(in[0]);
		_exit(write(in[1], data.data, all) == (ssize_t)all ? 0 : 1);
	}
	close(in[1]);
	to = open("/tmp/runline_test.to", O_RDWR | O_CREAT | O_TRUNC | flags,
	    0600);
	reader_fdopen(&r, in[0], "t");
	r.read_max = 1;		/* the lines, and no more, read */
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_MEM(line, len, "a");
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_MEM(line, len, "b");
	CHECK_INT(r.start, r.end);
	r.read_max = 0;
	k = reader_splice(&r, to, n, 5);
	CHECK_INT(k, (ssize_t)want);
	CHECK_INT(reader_offset(&r), (off_t)(sizeof head - 1 + want));
	if (!cut) {
		/* the peek: the next read takes five bytes */
		CHECK_INT(reader_next(&r, &line, &len), 1);
		CHECK_MEM(line, len, "tail");
		CHECK_INT(r.end, 5);
	}
	CHECK_INT(reader_next(&r, &line, &len), 0);
	waitpid(pid, NULL, 0);
	lseek(to, 0, SEEK_SET);
	slurp_fd(to, &got);
	CHECK_INT(got.len, want);
	CHECK(got.len == want && memcmp(got.data, data.data + sizeof head - 1,
	    want) == 0);
	close(to);
	unlink("/tmp/runline_test.to");
	reader_close(&r);
	close(in[0]);
	buf_release(&data);
	buf_release(&got);
}

static void
test_splice(void)
{
	splice_case(1000, 0, 0);
	splice_case(3000000, 0, 0);		/* more than a pipe holds */
	splice_case(300000, O_APPEND, 0);	/* copied */
	splice_case(300000, 0, 1);		/* input ends first */
	splice_case(300000, O_APPEND, 1);
}

int
main(void)
{
	test_codec();
	test_marks();
	test_runw();
	test_buffer_fits();
	test_splice();
	return check_done("runline");
}
