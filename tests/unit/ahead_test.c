/*
 * ahead_test.c - reading ahead in two threads gives what reading alone
 * gives: the same lines, kinds, verdicts, messages, fields, line numbers
 * and offsets, over random files and pipes and block sizes small enough
 * that lines cross blocks, fill them, and outgrow them; a quiet pipe's
 * lines come as they are written, with the tool's wait between, as they
 * do to one thread; and a pipe becomes a bulk source when it keeps its
 * reader busy.
 */
#ifdef __linux__
#define _GNU_SOURCE		/* F_SETPIPE_SZ */
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ahead.h"
#include "buf.h"
#include "check.h"
#include "input.h"
#include "reader.h"
#include "record.h"

static unsigned long rng = 12345;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng >> 33) % n;
}

static void
add_text(struct buf *b, unsigned n)
{
	while (n-- > 0)
		buf_addc(b, "abcxyz019 _-"[rnd(12)]);
}

/* One random line, its end included (or not, for the last). */
static void
add_line(struct buf *b)
{
	switch (rnd(12)) {
	case 0:
		break;				/* empty: an error */
	case 1:
		buf_addstr(b, "{\"_punct\":\"watermark\",\"t\":7}");
		break;
	case 2:
		buf_addstr(b, "{\"a\":");	/* unterminated */
		add_text(b, rnd(5));
		break;
	case 3:
		buf_addstr(b, "key\t");		/* for after_tab */
		/* FALLTHROUGH */
	case 4:
		buf_addstr(b, "{\"b\":");
		buf_addf(b, "%u", rnd(100000));
		buf_addstr(b, ",\"c\":{\"d\":\"");
		add_text(b, rnd(40));
		buf_addstr(b, "\"}}");
		break;
	case 5:
		buf_addstr(b, "{\"a\":\"");	/* now and then a block's worth */
		add_text(b, rnd(8) == 0 ? 300 + rnd(3000) : rnd(200));
		buf_addstr(b, "\"}");
		break;
	case 6:		/* escaped keys: each thread decodes its own */
		buf_addstr(b, "{\"\\u0061\":\"x\\u00e9\\n\",\"\\u0062\":-1.5e3}");
		break;
	case 7:
		buf_add(b, "{\"a\":\"\0\"}", 9);	/* a NUL: an error */
		break;
	default:
		buf_addstr(b, "{\"a\":\"");
		add_text(b, rnd(60));
		buf_addstr(b, "\",\"b\":");
		buf_addf(b, "%u", rnd(1000));
		buf_addc(b, '}');
		break;
	}
	if (rnd(10) == 0)
		buf_addc(b, '\r');
	buf_addc(b, '\n');
}

static int
temp_file(const struct buf *b)
{
	char path[] = "/tmp/ahead_testXXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, b->data, b->len) != (ssize_t)b->len)
		abort();
	unlink(path);
	return fd;
}

/* What a reading gave, as text to compare. */
static void
log_line(struct buf *log, const struct reader *r, const struct ahead_line *l,
    size_t nv)
{
	size_t i;

	buf_addf(log, "%ju k%d", r->lineno, l->kind);
	if (l->kind == AHEAD_TOOLONG) {
		buf_addc(log, '\n');
		return;
	}
	buf_addf(log, " [%zu:", l->len);
	buf_add(log, l->line, l->len);
	buf_addc(log, ']');
	if (l->kind == AHEAD_RECORD) {
		buf_addf(log, " rc%d", l->rc);
		if (l->rc == PARSE_ERROR)
			buf_addf(log, " %s", l->err);
		else
			for (i = 0; i < nv; i++) {
				buf_addf(log, " t%d e%d [", l->v[i].type,
				    l->v[i].esc);
				buf_add(log, l->v[i].p, l->v[i].n);
				buf_addc(log, ']');
			}
	}
	buf_addc(log, '\n');
}

/* One line read alone, as input.c reads it: 1, 0 at the end. */
static int
serial_line(struct reader *r, struct parser *ps, struct val *v,
    int after_tab, struct ahead_line *l)
{
	struct record rec;
	int got = reader_next(r, &l->line, &l->len);

	if (got == READER_TOOLONG) {
		l->kind = AHEAD_TOOLONG;
		return 1;
	}
	if (got <= 0)
		return got;
	l->kind = ahead_classify(&l->line, &l->len, 0, after_tab);
	l->v = v;
	if (l->kind == AHEAD_RECORD) {
		rec.line = l->line;
		rec.len = l->len;
		rec.v = v;
		l->rc = parser_parse(ps, &rec, &l->err);
	}
	return 1;
}

struct setup {
	const struct fieldset *fs;
	size_t max_line;
	int after_tab;
	size_t blocksize;
	unsigned lead;		/* lines read alone before going ahead */
	unsigned stop_after;	/* lines ahead, then alone again (0: never) */
};

static uintmax_t ahead_lines, caller_lines;
/* blocks the caller read itself, the second thread busy */
static uintmax_t self_reads;

/*
 * The lines handed back since the reader last said its bytes move on
 * (reader.h's moving), and a copy of them: they must be intact when it
 * says so, since a tool may hold slices of them till then (input_pass).
 */
static struct buf held = BUF_INIT, held_copy = BUF_INIT;
static unsigned long moves, moved_intact;

static void
hold(const char *line, size_t len)
{
	buf_add(&held, (const char *)&line, sizeof line);
	buf_add(&held, (const char *)&len, sizeof len);
	buf_add(&held_copy, line, len);
}

static void
on_moving(void *arg)
{
	size_t at = 0, off = 0, len;
	const char *line;
	int intact = 1;

	(void)arg;
	for (; at < held.len; at += sizeof line + sizeof len) {
		memcpy(&line, held.data + at, sizeof line);
		memcpy(&len, held.data + at + sizeof line, sizeof len);
		intact &= memcmp(line, held_copy.data + off, len) == 0;
		off += len;
	}
	moves++;
	moved_intact += intact;
	buf_reset(&held);
	buf_reset(&held_copy);
}

/* Read fd from its start into log, ahead after st->lead lines when
 * blocksize is set, alone when not; the reader's end in *end. */
static void
read_all(int fd, const struct setup *st, struct buf *log, off_t *end)
{
	struct reader r;
	struct parser ps;
	struct ahead a;
	struct ahead_line l;
	struct val *v = calloc(st->fs->n + 1, sizeof *v);
	unsigned alone = st->lead, taken = 0;
	int on = 0, got;

	lseek(fd, 0, SEEK_SET);
	reader_fdopen(&r, fd, "t");
	r.max_line = st->max_line;
	r.moving = on_moving;
	parser_init(&ps, FMT_JSON, st->fs);
	for (;;) {
		if (!on && st->blocksize && alone == 0) {
			CHECK_INT(ahead_start(&a, &r, &ps, v, st->max_line,
			    st->after_tab, st->blocksize), 0);
			on = 1;
			taken = 0;
		}
		if (on && st->stop_after && taken == st->stop_after) {
			self_reads += a.nself;
			ahead_stop(&a);	/* in the middle: alone, then ahead */
			on = 0;
			alone = st->lead + 1;
		}
		if (!on)
			got = serial_line(&r, &ps, v, st->after_tab, &l);
		else if ((got = ahead_next(&a, &l)) == AHEAD_SERIAL) {
			ahead_stop(&a);
			on = 0;
			alone = 1;	/* the long line alone, then ahead */
			continue;
		} else if (got > 0 && l.kind != AHEAD_TOOLONG) {
			taken++;
			if (l.v == v)
				caller_lines++;
			else
				ahead_lines++;
		}
		if (got <= 0)
			break;
		if (!on && alone > 0)
			alone--;
		log_line(log, &r, &l, st->fs->n);
		if (l.kind != AHEAD_TOOLONG)
			hold(l.line, l.len);
	}
	CHECK_INT(got, 0);
	if (on) {
		self_reads += a.nself;
		ahead_stop(&a);
	}
	on_moving(NULL);
	*end = reader_offset(&r);
	buf_addf(log, "end %ju %lld\n", r.lineno, (long long)*end);
	parser_release(&ps);
	free(v);
	reader_close(&r);
}

/* The first line where two logs differ, to show. */
static void
show_diff(const struct buf *a, const struct buf *b)
{
	size_t i = 0, line = 0;

	while (i < a->len && i < b->len && a->data[i] == b->data[i])
		if (a->data[i++] == '\n')
			line = i;
	fprintf(stderr, "alone: %.200s\nahead: %.200s\n", a->data + line,
	    b->data + line);
}

static void
test_random_files(void)
{
	static const size_t blocks[] = { 64, 100, 257, 1024, 4096 };
	struct fieldset fs = FIELDSET_INIT;
	struct buf in = BUF_INIT, alone = BUF_INIT, ahead = BUF_INIT;
	int iter, fd, same = 0;
	off_t e1, e2;

	fieldset_add(&fs, "a", 1);
	fieldset_add(&fs, "b", 1);
	fieldset_add(&fs, "c.d", 3);
	for (iter = 0; iter < 150; iter++) {
		struct setup st = { &fs, 0, 0, 0, 0, 0 };
		unsigned i, n = 1 + rnd(iter % 3 ? 400 : 4);

		buf_reset(&in);
		for (i = 0; i < n; i++)
			add_line(&in);
		if (rnd(2) && in.len > 0)
			in.len--;	/* no "\n" at the end */
		in.data[in.len] = '\0';
		st.max_line = rnd(3) == 0 ? 150 : 0;
		st.after_tab = rnd(2);
		st.lead = rnd(4);
		fd = temp_file(&in);
		buf_reset(&alone);
		read_all(fd, &st, &alone, &e1);
		st.blocksize = blocks[rnd(5)];
		buf_reset(&ahead);
		read_all(fd, &st, &ahead, &e2);
		if (alone.len == ahead.len &&
		    memcmp(alone.data, ahead.data, alone.len) == 0)
			same++;
		else {
			fprintf(stderr, "iteration %d, block %zu:\n", iter,
			    st.blocksize);
			show_diff(&alone, &ahead);
		}
		CHECK_INT(e2, e1);
		close(fd);
	}
	CHECK_INT(same, 150);
	/* both threads parsed: the comparison covers each */
	CHECK(ahead_lines > 1000);
	CHECK(caller_lines > 0);
	buf_release(&in);
	buf_release(&alone);
	buf_release(&ahead);
	fieldset_release(&fs);
}

/* A writer into a pipe: random chunks, now and then a pause, so that the
 * reader finds the pipe now full, now empty. */
struct feed {
	int fd;
	const char *p;
	size_t n;
	unsigned long seed;
};

static void *
feeder(void *arg)
{
	struct feed *f = arg;
	size_t off = 0, k;
	ssize_t w;

	while (off < f->n) {
		f->seed = f->seed * 6364136223846793005UL + 1;
		k = 1 + (f->seed >> 33) % 3000;
		if (k > f->n - off)
			k = f->n - off;
		if ((w = write(f->fd, f->p + off, k)) < 0)
			abort();
		off += (size_t)w;
		if ((f->seed >> 40) % 16 == 0)
			usleep((f->seed >> 45) % 500);
	}
	close(f->fd);
	return NULL;
}

/* read_all over a pipe that a feeder thread writes in into. */
static void
read_pipe(const struct buf *in, const struct setup *st, struct buf *log,
    off_t *end)
{
	struct feed f;
	pthread_t t;
	int fds[2];

	if (pipe(fds) < 0)
		abort();
	f.fd = fds[1];
	f.p = in->data;
	f.n = in->len;
	f.seed = rng;
	pthread_create(&t, NULL, feeder, &f);
	read_all(fds[0], st, log, end);
	pthread_join(t, NULL);
	close(fds[0]);
}

/* A pipe read ahead, stopped in the middle or not, gives what a file read
 * alone gives: what the second thread read and did not hand on goes back
 * to the reader, in order. */
static void
test_random_pipes(void)
{
	static const size_t blocks[] = { 64, 100, 257, 1024, 4096 };
	static const unsigned stops[] = { 0, 1, 7, 60 };
	struct fieldset fs = FIELDSET_INIT;
	struct buf in = BUF_INIT, alone = BUF_INIT, ahead = BUF_INIT;
	int iter, fd, same = 0;
	off_t e1, e2;

	fieldset_add(&fs, "a", 1);
	fieldset_add(&fs, "b", 1);
	fieldset_add(&fs, "c.d", 3);
	ahead_lines = caller_lines = 0;
	for (iter = 0; iter < 120; iter++) {
		struct setup st = { &fs, 0, 0, 0, 0, 0 };
		unsigned i, n = 1 + rnd(iter % 3 ? 400 : 4);

		buf_reset(&in);
		for (i = 0; i < n; i++)
			add_line(&in);
		if (rnd(2) && in.len > 0)
			in.len--;
		in.data[in.len] = '\0';
		st.max_line = rnd(3) == 0 ? 150 : 0;
		st.after_tab = rnd(2);
		st.lead = rnd(4);
		fd = temp_file(&in);
		buf_reset(&alone);
		read_all(fd, &st, &alone, &e1);
		close(fd);
		st.blocksize = blocks[rnd(5)];
		st.stop_after = stops[rnd(4)];
		buf_reset(&ahead);
		read_pipe(&in, &st, &ahead, &e2);
		if (alone.len == ahead.len &&
		    memcmp(alone.data, ahead.data, alone.len) == 0)
			same++;
		else {
			fprintf(stderr, "pipe iteration %d, block %zu, stop "
			    "%u:\n", iter, st.blocksize, st.stop_after);
			show_diff(&alone, &ahead);
		}
		CHECK_INT(e2, e1);
	}
	CHECK_INT(same, 120);
	/* both threads parsed; the caller reads and parses much of a pipe
	 * itself when the second thread is busy (some 800 of 12,000 lines
	 * left to the second under ThreadSanitizer and a busy core) */
	CHECK(ahead_lines > 100);
	CHECK(caller_lines > 0);
	buf_release(&in);
	buf_release(&alone);
	buf_release(&ahead);
	fieldset_release(&fs);
}

/*
 * A quiet pipe: each time the reader would wait, the tool's wait writes
 * the script's next piece into the pipe (the last closes it).  What came
 * is handed on at once, never held back for a block to fill, and the
 * wait is called where one thread calls it: the same lines and waits in
 * the same order, alone and ahead.
 */
struct script {
	const char *pieces[8];	/* NULL ends; "" writes nothing */
	const char *want;	/* "W" per wait, then each line and "|" */
};

static const struct script scripts[] = {
	{ { "a\n", "b\nc\n", NULL }, "W|a|W|b|c|W|" },
	{ { "partial", "ly\n", NULL }, "W|W|partially|W|" },
	{ { "", "", "x\n", NULL }, "W|W|W|x|W|" },
	{ { "last without newline", NULL }, "W|W|last without newline|" },
	/* more than a block at once: blocks of 16 */
	{ { "0123456789\n0123456789\n0123456789\nab", "\n", NULL },
	  "W|0123456789|0123456789|0123456789|W|ab|W|" },
	/* a line longer than a block: the reader goes on alone */
	{ { "a line longer than a block\nz\n", "y\n", NULL },
	  "W|a line longer than a block|z|W|y|W|" },
};

struct scripted {
	const struct script *s;
	int fd;			/* the pipe's writing end, -1 once closed */
	unsigned next;
	struct buf *log;
};

static int
script_wait(void *arg)
{
	struct scripted *sc = arg;
	const char *piece = sc->s->pieces[sc->next];

	buf_addstr(sc->log, "W|");
	if (sc->fd < 0)
		return -1;
	if (piece == NULL) {
		close(sc->fd);
		sc->fd = -1;
		return -1;
	}
	sc->next++;
	if (write(sc->fd, piece, strlen(piece)) != (ssize_t)strlen(piece))
		abort();
	return 0;
}

static void
run_script(const struct script *s, int ahead, struct buf *log)
{
	struct fieldset fs = FIELDSET_INIT;
	struct scripted sc = { s, -1, 0, log };
	struct reader r;
	struct parser ps;
	struct ahead a;
	struct ahead_line l;
	struct val v[1];
	int fds[2], on = 0, got;

	if (pipe(fds) < 0)
		abort();
	sc.fd = fds[1];
	reader_fdopen(&r, fds[0], "p");
	r.wait = script_wait;
	r.wait_arg = &sc;
	parser_init(&ps, FMT_TEXT, &fs);
	for (;;) {
		if (ahead && !on) {
			CHECK_INT(ahead_start(&a, &r, &ps, v, 0, 0, 16), 0);
			on = 1;
		}
		if (!on)
			got = serial_line(&r, &ps, v, 0, &l);
		else if ((got = ahead_next(&a, &l)) == AHEAD_SERIAL) {
			ahead_stop(&a);
			on = 0;
			got = serial_line(&r, &ps, v, 0, &l);
			ahead = 0;	/* and alone from here */
		}
		if (got <= 0)
			break;
		buf_add(log, l.line, l.len);
		buf_addc(log, '|');
	}
	CHECK_INT(got, 0);
	if (on)
		ahead_stop(&a);
	if (sc.fd >= 0)
		close(sc.fd);
	parser_release(&ps);
	reader_close(&r);
	close(fds[0]);
	fieldset_release(&fs);
}

static void
test_quiet_pipe(void)
{
	struct buf alone = BUF_INIT, ahead = BUF_INIT;
	size_t i;

	alarm(20);	/* a line held back would hang here */
	for (i = 0; i < sizeof scripts / sizeof scripts[0]; i++) {
		buf_reset(&alone);
		buf_reset(&ahead);
		run_script(&scripts[i], 0, &alone);
		run_script(&scripts[i], 1, &ahead);
		CHECK_STR(alone.data, scripts[i].want);
		CHECK_STR(ahead.data, scripts[i].want);
	}
	alarm(0);
	buf_release(&alone);
	buf_release(&ahead);
}

/*
 * A pipe is a bulk source once READER_BULK bytes came without the reader
 * finding it empty: bytes written before it reads count, bytes that came
 * while it waited start the count again.  Lines of 64 bytes.
 */
static const struct bulk_case {
	size_t before;		/* in the pipe (of 1 MB) before reading */
	size_t per_wait;	/* then written at each wait, up to total */
	size_t total;
	int want;
} bulk_cases[] = {
	{ READER_BULK, 0, READER_BULK, 1 },
	{ READER_BULK - 64, 0, READER_BULK - 64, 0 },
	{ 0, 64 * 1024, READER_BULK, 0 },
	{ 512 * 1024, 64 * 1024, 2 * READER_BULK, 0 },
	{ 0, 64, 64 * 1024, 0 },
};

struct bulk_feed {
	int fd;
	size_t left, per_wait;
	const char *line;
};

/* {"a":"xx...x"} and its "\n": 64 bytes, NUL after */
static void
record64(char line[65])
{
	memset(line, 'x', 64);
	memcpy(line, "{\"a\":\"", 6);
	memcpy(line + 61, "\"}\n", 4);
}

static void
put_lines(int fd, const char *line, size_t n)
{
	while (n-- > 0)
		if (write(fd, line, 64) != 64)
			abort();
}

/* A temporary file of n lines of record64, read from its start. */
static int
record64_file(size_t n)
{
	struct buf in = BUF_INIT;
	char line[65];
	int fd;

	record64(line);
	while (n-- > 0)
		buf_add(&in, line, 64);
	fd = temp_file(&in);
	lseek(fd, 0, SEEK_SET);
	buf_release(&in);
	return fd;
}

static void
write_lines(struct bulk_feed *f, size_t n)
{
	for (; n > 0 && f->left > 0; n -= 64, f->left -= 64)
		if (write(f->fd, f->line, 64) != 64)
			abort();
	if (f->left == 0 && f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
}

static int
bulk_wait(void *arg)
{
	struct bulk_feed *f = arg;

	write_lines(f, f->per_wait);
	return -1;
}

static void
test_bulk(void)
{
	char line[65];
	size_t i;

	memset(line, 'x', 63);
	line[63] = '\n';
	for (i = 0; i < sizeof bulk_cases / sizeof bulk_cases[0]; i++) {
		const struct bulk_case *c = &bulk_cases[i];
		struct bulk_feed f = { -1, c->total, c->per_wait, line };
		struct reader r;
		const char *l;
		size_t len, n = 0;
		int fds[2];

		if (pipe(fds) < 0)
			abort();
#ifdef F_SETPIPE_SZ
		CHECK(fcntl(fds[1], F_SETPIPE_SZ, 1 << 20) >= 1 << 20);
#endif
		f.fd = fds[1];
		write_lines(&f, c->before);
		reader_fdopen(&r, fds[0], "p");
		CHECK(r.ispipe);
		r.wait = bulk_wait;
		r.wait_arg = &f;
		while (reader_next(&r, &l, &len) == 1)
			n++;
		CHECK_INT(n, c->total / 64);
		CHECK_INT(reader_bulk(&r), c->want);
		reader_close(&r);
		close(fds[0]);
	}
}

/* When the second thread reads: a file at once; a pipe at once when the
 * caller has nothing queued, else once a block waits (or half the pipe,
 * when it holds less), carry and all; at once where the pipe's
 * size is not known (fill 0). */
static const struct read_now_case {
	int pipe;
	uint64_t queued;
	size_t waiting, carry, fill;
	int want;
} read_now_cases[] = {
	{ 1, 2, 0, 0, 0, 1 },
	{ 1, 2, 65535, 0, 65536, 0 },
	{ 1, 2, 65536, 0, 65536, 1 },
	{ 0, 3, 0, 0, 4096, 1 },
	{ 1, 0, 0, 0, 4096, 1 },
	{ 1, 0, 10, 0, 4096, 1 },
	{ 1, 1, 4095, 0, 4096, 0 },
	{ 1, 1, 4096, 0, 4096, 1 },
	{ 1, 2, 4000, 96, 4096, 1 },
	{ 1, 2, 4000, 95, 4096, 0 },
	{ 1, 3, 1 << 20, 0, 4096, 1 },
};

static void
test_read_now(void)
{
	size_t i;

	for (i = 0; i < sizeof read_now_cases / sizeof read_now_cases[0];
	    i++) {
		const struct read_now_case *c = &read_now_cases[i];

		CHECK_INT(ahead_read_now(c->pipe, c->queued, c->waiting,
		    c->carry, c->fill), c->want);
	}
}

static int
pipe_waiting(int fd)
{
	int n = -1;

	return ioctl(fd, FIONREAD, &n) < 0 ? -1 : n;
}

/* Wait (5 s at most) till the pipe holds want bytes: 1, or 0. */
static int
pipe_comes_to(int fd, int want)
{
	int i;

	for (i = 0; i < 5000; i++) {
		if (pipe_waiting(fd) == want)
			return 1;
		usleep(1000);
	}
	return 0;
}

/*
 * While the caller has blocks to work on, a pipe holding less than a
 * block is left to fill, its writer not woken a write at a time; what is
 * there is read once the caller has nothing queued.  Blocks of 4096,
 * lines of 64 bytes.
 */
static void
test_pipe_left_to_fill(void)
{
	struct fieldset fs = FIELDSET_INIT;
	struct reader r;
	struct parser ps;
	struct ahead a;
	struct ahead_line l;
	struct val v[1];
	char line[65];
	size_t n = 0;
	int fds[2];

	record64(line);
	fieldset_add(&fs, "a", 1);
	if (pipe(fds) < 0)
		abort();
#ifdef F_SETPIPE_SZ
	(void)fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
#endif
	put_lines(fds[1], line, 2 * 64 + 32);	/* two blocks and a half */
	reader_fdopen(&r, fds[0], "p");
	parser_init(&ps, FMT_JSON, &fs);
	CHECK_INT(ahead_start(&a, &r, &ps, v, 0, 0, 4096), 0);
#ifdef F_GETPIPE_SZ
	CHECK_INT(a.fill, 4096);	/* a block: the pipe holds more */
#endif
	CHECK_INT(ahead_next(&a, &l), 1);	/* the caller is in the first */
	n++;
	CHECK(pipe_comes_to(fds[0], 32 * 64));	/* the two blocks read */
	usleep(50 * 1000);	/* time enough to read the half, were it to */
	CHECK_INT(pipe_waiting(fds[0]), 32 * 64);
	put_lines(fds[1], line, 10);
	close(fds[1]);
	while (ahead_next(&a, &l) == 1)
		n++;
	CHECK_INT(n, 2 * 64 + 42);
	CHECK_INT(r.lineno, 2 * 64 + 42);
	ahead_stop(&a);
	reader_close(&r);
	close(fds[0]);
#ifdef F_GETPIPE_SZ
	/* a pipe that holds less than a block is read once half full: full,
	 * it holds less than its size (100-byte writes fill 64 kB at
	 * 64,000 bytes) */
	if (pipe(fds) < 0)
		abort();
	reader_fdopen(&r, fds[0], "p");
	CHECK_INT(ahead_start(&a, &r, &ps, v, 0, 0, 1 << 20), 0);
	CHECK_INT(a.fill, fcntl(fds[0], F_GETPIPE_SZ) / 2);
	close(fds[1]);
	CHECK_INT(ahead_next(&a, &l), 0);
	ahead_stop(&a);
	reader_close(&r);
	close(fds[0]);
#endif
	parser_release(&ps);
	fieldset_release(&fs);
}

/*
 * A second thread that waits for a free slot is woken when two are: with
 * a caller slower than it, it waits once for every two blocks it reads,
 * not once a block.  Blocks of 4096, lines of 64 bytes, 40 blocks.
 */
static void
test_wake_two_slots(void)
{
	struct fieldset fs = FIELDSET_INIT;
	struct reader r;
	struct parser ps;
	struct ahead a;
	struct ahead_line l;
	struct val v[1];
	size_t n = 0;
	int fd = record64_file(40 * 64);

	fieldset_add(&fs, "a", 1);
	reader_fdopen(&r, fd, "t");
	parser_init(&ps, FMT_JSON, &fs);
	CHECK_INT(ahead_start(&a, &r, &ps, v, 0, 0, 4096), 0);
	while (ahead_next(&a, &l) == 1)
		if (++n % 64 == 0)
			usleep(2000);	/* the ring fills meanwhile */
	CHECK_INT(n, 40 * 64);
	CHECK(a.nslot_waits > 5);
	CHECK(a.nslot_waits <= 40 / AHEAD_WAKE_SLOTS + 2);
	ahead_stop(&a);
	parser_release(&ps);
	reader_close(&r);
	close(fd);
	fieldset_release(&fs);
}

#ifdef __linux__
#define MAX_TASKS 64

/* This process's threads (/proc/self/task): how many, -1 without /proc. */
static int
tasks(long ids[MAX_TASKS])
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL && n < MAX_TASKS)
		if (e->d_name[0] != '.')
			ids[n++] = atol(e->d_name);
	closedir(d);
	return n;
}

/* A thread's niceness, the 19th field of its stat; 100 when it is gone. */
static int
task_nice(long tid)
{
	char path[64], text[1024], *p;
	FILE *f;
	int i, nice;

	snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
	if ((f = fopen(path, "r")) == NULL)
		return 100;
	p = fgets(text, sizeof text, f);
	fclose(f);
	if (p == NULL || (p = strrchr(text, ')')) == NULL)
		return 100;
	for (i = 2; i < 19 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	return p != NULL && sscanf(p, "%d", &nice) == 1 ? nice : 100;
}

/* Of the threads not among was[0..nwas), how many there are, and in
 * *at how many run at nice. */
static int
new_tasks(const long *was, int nwas, int nice, int *at)
{
	long ids[MAX_TASKS];
	int n = tasks(ids), i, j, fresh = 0;

	*at = 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < nwas && was[j] != ids[i]; j++)
			;
		if (j == nwas) {
			fresh++;
			*at += task_nice(ids[i]) == nice;
		}
	}
	return fresh;
}

/* A pipe's second thread runs AHEAD_PIPE_NICE nicer than the caller, whose
 * own niceness is untouched; threads not among was[0..nwas) are new. */
static void
pipe_thread_nice(struct parser *ps, const long *was, int nwas, int own)
{
	struct reader r;
	struct ahead a;
	struct ahead_line l;
	struct val v[1];
	char line[65];
	size_t n = 0;
	int fds[2], at = 0, i;

	record64(line);
	if (pipe(fds) < 0)
		abort();
	put_lines(fds[1], line, 10);
	reader_fdopen(&r, fds[0], "p");
	CHECK_INT(ahead_start(&a, &r, ps, v, 0, 0, 4096), 0);
	for (i = 0; i < 5000; i++) {	/* till it has begun */
		new_tasks(was, nwas, own + AHEAD_PIPE_NICE, &at);
		if (at == 1)
			break;
		usleep(1000);
	}
	CHECK_INT(at, 1);
	CHECK_INT(getpriority(PRIO_PROCESS, 0), own);
	close(fds[1]);
	while (ahead_next(&a, &l) == 1)
		n++;
	CHECK_INT(n, 10);
	ahead_stop(&a);
	reader_close(&r);
	close(fds[0]);
	CHECK_INT(getpriority(PRIO_PROCESS, 0), own);
}

/* A file's second thread runs at the caller's niceness. */
static void
file_thread_nice(struct parser *ps, const long *was, int nwas, int own)
{
	struct reader r;
	struct ahead a;
	struct ahead_line l;
	struct val v[1];
	size_t n = 1;
	int fd = record64_file(40 * 64), at, fresh;

	reader_fdopen(&r, fd, "f");
	CHECK_INT(ahead_start(&a, &r, ps, v, 0, 0, 4096), 0);
	/* a file's first block: the second thread has read it, and waits
	 * for the caller to free a slot of the ring */
	CHECK_INT(ahead_next(&a, &l), 1);
	fresh = new_tasks(was, nwas, own, &at);
	CHECK(fresh >= 1);
	CHECK_INT(at, fresh);
	while (ahead_next(&a, &l) == 1)
		n++;
	CHECK_INT(n, 40 * 64);
	ahead_stop(&a);
	reader_close(&r);
	close(fd);
}

/* The second thread's niceness (19 at most), told apart by its id: a
 * sanitizer may start a thread of its own meanwhile. */
static void
test_pipe_nice(void)
{
	struct fieldset fs = FIELDSET_INIT;
	struct parser ps;
	long was[MAX_TASKS];
	int own, nwas;

	errno = 0;
	own = getpriority(PRIO_PROCESS, 0);
	CHECK_INT(errno, 0);
	if ((nwas = tasks(was)) < 0) {
		fprintf(stderr, "ahead_test: no /proc/self/task, the second "
		    "thread's niceness not checked\n");
		return;
	}
	fieldset_add(&fs, "a", 1);
	parser_init(&ps, FMT_JSON, &fs);
	if (own + AHEAD_PIPE_NICE > 19)
		fprintf(stderr, "ahead_test: at nice %d already, a pipe's "
		    "second thread cannot be told apart\n", own);
	else
		pipe_thread_nice(&ps, was, nwas, own);
	file_thread_nice(&ps, was, nwas, own);
	parser_release(&ps);
	fieldset_release(&fs);
}
#endif

/* Started in the middle, the reader's own buffered bytes are read again
 * from the last line it gave, and it reads on from where ahead ended. */
static void
test_handover(void)
{
	static const char data[] = "{\"a\":\"1\"}\n{\"a\":\"2\"}\n{\"a\":\"3\"}\n";
	struct fieldset fs = FIELDSET_INIT;
	struct buf in = BUF_INIT;
	struct reader r;
	struct parser ps;
	struct ahead a;
	struct ahead_line l;
	struct val v[1];
	const char *line;
	size_t len;
	int fd;

	fieldset_add(&fs, "a", 1);
	buf_add(&in, data, sizeof data - 1);
	fd = temp_file(&in);
	lseek(fd, 0, SEEK_SET);
	reader_fdopen(&r, fd, "t");
	parser_init(&ps, FMT_JSON, &fs);
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_INT(ahead_start(&a, &r, &ps, v, 0, 0, 16), 0);
	CHECK_INT(ahead_next(&a, &l), 1);
	CHECK_MEM(l.line, l.len, "{\"a\":\"2\"}");
	CHECK_MEM(l.v[0].p, l.v[0].n, "2");
	CHECK_INT(r.lineno, 2);
	CHECK_INT(reader_offset(&r), 20);
	ahead_stop(&a);
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_MEM(line, len, "{\"a\":\"3\"}");
	CHECK_INT(r.lineno, 3);
	CHECK_INT(reader_next(&r, &line, &len), 0);
	parser_release(&ps);
	reader_close(&r);
	close(fd);
	buf_release(&in);
	fieldset_release(&fs);
}

/* A read error is said after the lines before it. */
static void
test_read_error(void)
{
	struct fieldset fs = FIELDSET_INIT;
	struct reader r;
	struct parser ps;
	struct ahead a;
	struct ahead_line l;
	struct val v[1];
	int fd = open("/tmp", 0);	/* a directory: read is EISDIR */

	fieldset_add(&fs, "a", 1);
	reader_fdopen(&r, fd, "t");
	parser_init(&ps, FMT_JSON, &fs);
	CHECK_INT(ahead_start(&a, &r, &ps, v, 0, 0, 64), 0);
	CHECK_INT(ahead_next(&a, &l), -1);
	CHECK_INT(errno, EISDIR);
	ahead_stop(&a);
	parser_release(&ps);
	close(fd);
	fieldset_release(&fs);
}

/* The input loop over bytes in a file: input_read's answer, its ledger
 * in *lg. */
static int
read_input(const struct buf *in, const struct fieldset *fs,
    void (*control)(void *, const struct punct *, const char *, uintmax_t,
    const char *, size_t),
    int (*record)(void *, struct record *, const struct parser *),
    struct ledger *lg)
{
	char path[] = "/tmp/ahead_testXXXXXX";
	struct input inp;
	int fd = mkstemp(path), rc;

	if (fd < 0 || write(fd, in->data, in->len) != (ssize_t)in->len)
		abort();
	close(fd);
	memset(lg, 0, sizeof *lg);
	input_init(&inp, 0);
	inp.fs = fs;
	inp.ledger = lg;
	inp.control = control;
	inp.record = record;
	rc = input_read(&inp, path);
	unlink(path);
	return rc;
}

/* The input loop: a control line that adds a field while a file is read
 * ahead has the records after it parsed with that field. */
static struct fieldset grow_fs = FIELDSET_INIT;
static int grow_slot = -1;
static uintmax_t grow_seen, grow_right;

static void
grow_control(void *arg, const struct punct *p, const char *file,
    uintmax_t lineno, const char *line, size_t len)
{
	(void)arg, (void)p, (void)file, (void)lineno, (void)line, (void)len;
	grow_slot = fieldset_add(&grow_fs, "c", 1);
}

static int
grow_record(void *arg, struct record *rec, const struct parser *ps)
{
	const struct val *v;

	(void)arg, (void)ps;
	if (grow_slot < 0)
		return 0;
	v = &rec->v[grow_slot];
	grow_seen++;
	/* each line's c is its a backwards */
	grow_right += v->type == VAL_STR && v->n == 6 &&
	    memcmp(v->p, "cba", 3) == 0 &&
	    memcmp(rec->v[0].p, "abc", 3) == 0 &&
	    v->p[3] == rec->v[0].p[5] && v->p[5] == rec->v[0].p[3];
	return 0;
}

static void
test_fieldset_grows(void)
{
	struct buf in = BUF_INIT;
	struct ledger lg;
	unsigned i;

	fieldset_add(&grow_fs, "a", 1);
	for (i = 0; i < 60000; i++) {
		if (i == 30000)
			buf_addstr(&in, "{\"_punct\":\"watermark\",\"t\":1}\n");
		buf_addf(&in, "{\"a\":\"abc%u%u%u\",\"c\":\"cba%u%u%u\","
		    "\"pad\":\"................\"}\n", i % 10, i / 10 % 10,
		    i / 100 % 10, i / 100 % 10, i / 10 % 10, i % 10);
	}
	CHECK(in.len > 2 << 20);	/* read ahead */
	CHECK_INT(read_input(&in, &grow_fs, grow_control, grow_record, &lg), 0);
	CHECK_INT(lg.read, 60000);
	CHECK_INT(grow_seen, 30000);
	CHECK_INT(grow_right, 30000);
	buf_release(&in);
	fieldset_release(&grow_fs);
}

/* The input loop: after a line longer than a block the reader goes on
 * alone, and then a second thread again. */
static uintmax_t long_seen, long_at;
static int threads_then = -1;

static int
threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static int
long_record(void *arg, struct record *rec, const struct parser *ps)
{
	(void)arg, (void)ps;
	if (rec->len > 100000)
		long_at = rec->lineno;
	if (++long_seen == long_at + 50000)	/* 2 MB on, 1.5 MB to go */
		threads_then = threads();
	return 0;
}

static void
test_long_line_restart(void)
{
	struct fieldset fs = FIELDSET_INIT;
	struct buf in = BUF_INIT;
	struct ledger lg;
	unsigned i;

	fieldset_add(&fs, "a", 1);
	for (i = 0; i < 100; i++)
		buf_addf(&in, "{\"a\":%u,\"pad\":\"................\"}\n", i);
	buf_addstr(&in, "{\"a\":\"");
	for (i = 0; i < 300000; i++)
		buf_addc(&in, 'x');
	buf_addstr(&in, "\"}\n");
	for (i = 0; i < 90000; i++)
		buf_addf(&in, "{\"a\":%u,\"pad\":\"................\"}\n", i);
	CHECK_INT(read_input(&in, &fs, NULL, long_record, &lg), 0);
	CHECK_INT(lg.read, 90101);
	CHECK_INT(long_at, 101);
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		CHECK(threads_then >= 2);
	buf_release(&in);
	fieldset_release(&fs);
}

/*
 * The sweep over a tail-only stream (input.c's pass_fast): the tool
 * takes the records whose _t is even, the record callback gets the
 * others and whatever is not a record ending in _t; every record
 * passed is written as read, in order, whichever way it went.
 */
static struct input fast_in;
static uintmax_t fast_taken, fast_slow, fast_lineno_ok;

static int
fast_take(void *arg, const struct val *tail)
{
	(void)arg;
	if (tail->n == 0 || (tail->p[tail->n - 1] - '0') % 2 != 0)
		return 0;
	fast_taken++;
	return 1;
}

static int
fast_record(void *arg, struct record *rec, const struct parser *ps)
{
	char want[32];

	(void)arg, (void)ps;
	fast_slow++;
	/* each record says its line number: the sweep kept the count */
	snprintf(want, sizeof want, "{\"n\":%ju,", rec->lineno);
	fast_lineno_ok += rec->len >= strlen(want) &&
	    memcmp(rec->line, want, strlen(want)) == 0;
	input_pass(&fast_in, rec);
	return 0;
}

static void
fast_control(void *arg, const struct punct *p, const char *file,
    uintmax_t lineno, const char *line, size_t len)
{
	(void)arg, (void)p, (void)file, (void)lineno;
	input_pass_flush(&fast_in);
	out_write(fast_in.pass, line, len);
	out_putc(fast_in.pass, '\n');
}

static void
test_fast_sweep(void)
{
	/* a line of each kind: what the input holds, what is written */
	static const struct {
		const char *in, *out;	/* out NULL: not written */
		int record;		/* read as a record */
	} kind[] = {
		{ "{\"n\":%u,\"_t\":%u}\n", "{\"n\":%u,\"_t\":%u}\n", 1 },
		/* "\r\n": the usual way, passed anew without the "\r" */
		{ "{\"n\":%u,\"_t\":%u}\r\n", "{\"n\":%u,\"_t\":%u}\n", 1 },
		/* a blank after the brace; a _t that is not an integer */
		{ "{\"n\":%u,\"_t\":%u} \n", "{\"n\":%u,\"_t\":%u} \n", 1 },
		{ "{\"n\":%u,\"_t\":\"%u\"}\n", "{\"n\":%u,\"_t\":\"%u\"}\n", 1 },
		/* longer than max_line (200): skipped, and counted read */
		{ "{\"n\":%u,\"pad\":\"%0300u\",\"_t\":2}\n", NULL, 0 },
		{ "{\"_punct\":\"watermark\",\"t\":%u%u}\n",
		    "{\"_punct\":\"watermark\",\"t\":%u%u}\n", 0 },
		/* a control line, though it ends as a record would */
		{ "{\"_punct\":\"watermark\",\"t\":%u0,\"_t\":%u}\n",
		    "{\"_punct\":\"watermark\",\"t\":%u0,\"_t\":%u}\n", 0 },
		/* ends as a record would, and is none: rejected, counted
		 * read, as the long ones */
		{ "x,\"n\":%u,\"_t\":%u}\n", NULL, 0 },
	};
	struct fieldset fs = FIELDSET_INIT;
	struct buf in = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	struct ledger lg;
	struct out o;
	char path[] = "/tmp/ahead_fastXXXXXX";
	unsigned n, seen[8] = { 0 };
	uintmax_t records = 0, bad = 0;
	FILE *fp = tmpfile();
	int fd = mkstemp(path);
	long size;

	fieldset_add(&fs, "_t", 2);
	fs.tail = 1;
	fs.trusted = 1;
	for (n = 1; n <= 20000; n++) {
		unsigned r = (n * 2654435761u) >> 28, k = r < 9 ? 0 :
		    r - 8;
		unsigned t = k == 5 ? 0 : n * 7;	/* watermarks: n0, rising */

		seen[k]++;
		buf_addf(&in, kind[k].in, n, t);
		if (kind[k].out)
			buf_addf(&want, kind[k].out, n, t);
		records += kind[k].record;
		bad += kind[k].out == NULL;
	}
	in.data[--in.len] = '\0';	/* the last line without "\n" */
	if (fd < 0 || fp == NULL ||
	    write(fd, in.data, in.len) != (ssize_t)in.len)
		abort();
	close(fd);
	memset(&lg, 0, sizeof lg);
	lg.on_error = ON_ERROR_SKIP;	/* the long lines: counted, not said */
	input_init(&fast_in, 0);
	out_init(&o, fileno(fp), "out");
	fast_in.fs = &fs;
	fast_in.fmt = FMT_JSON;
	fast_in.max_line = 200;
	fast_in.ledger = &lg;
	fast_in.control = fast_control;
	fast_in.record = fast_record;
	fast_in.fast = fast_take;
	fast_in.pass = &o;
	fast_taken = fast_slow = fast_lineno_ok = 0;
	CHECK_INT(input_read(&fast_in, path), 0);
	input_pass_flush(&fast_in);
	CHECK_INT(out_flush(&o), 0);
	unlink(path);
	size = ftell(fp);
	rewind(fp);
	buf_grow(&got, (size_t)size);
	got.len = fread(got.data, 1, (size_t)size, fp);
	got.data[got.len] = '\0';
	/* the last line, without "\n", is written anew with one */
	CHECK_STR(got.data, want.data);
	CHECK(fast_taken > 5000);
	CHECK_INT(fast_taken + fast_slow, records);
	CHECK_INT(fast_lineno_ok, fast_slow);
	CHECK_INT(lg.read, records + bad);
	CHECK_INT(lg.rejected, bad);
	CHECK(seen[1] > 0 && seen[2] > 0 && seen[3] > 0 && seen[4] > 0 &&
	    seen[5] > 0 && seen[6] > 0 && seen[7] > 0);
	out_release(&o);
	fclose(fp);
	buf_release(&in);
	buf_release(&want);
	buf_release(&got);
	fieldset_release(&fs);
}

/* line(p): the cache line p is on. */
static uintptr_t
line_of(const void *p)
{
	return (uintptr_t)p / CACHE_LINE;
}

/*
 * What each thread reads at every record is on lines no other thread
 * writes: the second thread's copy of the fields, in a block and names
 * of their own lines (else malloc put them beside the caller's next
 * allocations, and the caller's writes there cost a miss a key, a
 * quarter of stream-agg's time on a file); its fieldset and the
 * caller's place, in struct ahead, apart from each other and from the
 * state both threads share.
 */
static void
test_lines_apart(void)
{
	static const char *const names[] = {
		"a", "status", "a.b.c",
		/* with its NUL, a line */
		"a_name_of_sixty_four_bytes_that_fills_a_line_to_its_end_xxxxxxx",
	};
	struct fieldset fs = FIELDSET_INIT, copy;
	struct ahead a;
	char *p;
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		fieldset_add(&fs, names[i], strlen(names[i]));
	fieldset_copy(&copy, &fs);
	CHECK_INT(copy.n, fs.n);
	CHECK_INT(copy.lenmask, fs.lenmask);
	CHECK_INT((uintptr_t)copy.f % CACHE_LINE, 0);
	for (i = 0; i < copy.n; i++) {
		CHECK_MEM(copy.f[i].name, copy.f[i].len, names[i]);
		CHECK_INT(copy.f[i].name[copy.f[i].len], 0);
		CHECK_INT((uintptr_t)copy.f[i].name % CACHE_LINE, 0);
	}
	fieldset_release(&copy);
	/* xmalloc_lines: whole lines, even for nothing */
	for (i = 0; i <= 130; i += 13) {
		p = xmalloc_lines(i);
		CHECK_INT((uintptr_t)p % CACHE_LINE, 0);
		memset(p, 'x', (i + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE);
		free(p);
	}
	CHECK(line_of(&a.fs) != line_of(&a.polling));
	CHECK(line_of(&a.fs) != line_of(&a.nread));
	CHECK(line_of(&a.cur) != line_of(&a.readoff));
	CHECK(line_of(&a.cur) != line_of((char *)&a.fs + sizeof a.fs - 1));
	CHECK(line_of(&a.pos) == line_of(&a.cur));
	fieldset_release(&fs);
}

int
main(void)
{
	test_random_files();
	test_random_pipes();
	/* the caller read blocks too, the second thread busy: the
	 * comparisons cover its reads */
	CHECK(self_reads > 0);
	/* each time the reader said its bytes move on, in both readings,
	 * the lines handed back before were intact */
	CHECK(moves > 100);
	CHECK_INT(moved_intact, moves);
	test_quiet_pipe();
	test_bulk();
	test_read_now();
	test_pipe_left_to_fill();
	test_wake_two_slots();
#ifdef __linux__
	test_pipe_nice();
#endif
	test_handover();
	test_read_error();
	test_fieldset_grows();
	test_long_line_restart();
	test_fast_sweep();
	test_lines_apart();
	return check_done("ahead");
}
