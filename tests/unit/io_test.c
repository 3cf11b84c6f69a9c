/*
 * io_test.c - the block reader (and its tee of a pipe), buffered output
 * and record writers, the key table, and the control-line codec.
 */
#ifdef __linux__
#define _GNU_SOURCE		/* F_SETPIPE_SZ, tee */
#endif
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "hash.h"
#include "out.h"
#include "punct.h"
#include "reader.h"
#include "record.h"
#include "sig.h"

/* A reader over bytes, through a pipe fed by a child (so reads block and
 * arrive in pieces) or a temporary file. */
static void
open_bytes(struct reader *r, const char *data, size_t n)
{
	char path[] = "/tmp/io_testXXXXXX";
	int fd = mkstemp(path);

	if (write(fd, data, n) != (ssize_t)n)
		abort();
	lseek(fd, 0, SEEK_SET);
	unlink(path);
	reader_fdopen(r, fd, "t");
	r->owns_fd = 1;
}

static void
test_lines(void)
{
	static const char data[] = "a\r\nbb\n\nc\0d\nlast";
	struct reader r;
	const char *line;
	size_t len;

	open_bytes(&r, data, sizeof data - 1);
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_MEM(line, len, "a");
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_MEM(line, len, "bb");
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_INT(len, 0);
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_INT(len, 3);
	CHECK(memcmp(line, "c\0d", 3) == 0);
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_MEM(line, len, "last");
	CHECK_INT(r.lineno, 5);
	CHECK_INT(reader_offset(&r), sizeof data - 1);
	CHECK_INT(reader_next(&r, &line, &len), 0);
	reader_close(&r);
}

static void
test_more(void)
{
	static const char data[] = "h\n\"a\nb\",c\r\nx\n";
	struct reader r;
	const char *line;
	size_t len;

	open_bytes(&r, data, sizeof data - 1);
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_MEM(line, len, "\"a");
	CHECK_INT(reader_more(&r, &line, &len), 1);
	CHECK_MEM(line, len, "\"a\nb\",c");
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_MEM(line, len, "x");
	CHECK_INT(reader_more(&r, &line, &len), 0);
	reader_close(&r);
}

static void
test_long_line(void)
{
	size_t big = 50u << 20, i;
	char *data = malloc(big + 8);
	struct reader r;
	const char *line;
	size_t len;

	for (i = 0; i < big; i++)
		data[i] = (char)('a' + i % 26);
	memcpy(data + big, "\nend\n", 5);
	open_bytes(&r, data, big + 5);
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_INT(len, big);
	CHECK(line[0] == 'a' && line[big - 1] == data[big - 1]);
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_MEM(line, len, "end");
	reader_close(&r);
	free(data);
}

/* A line of max_line bytes and its "\r": not too long, wherever the
 * first read ends (here just before its "\n"). */
static void
test_max_line_cr(void)
{
	struct buf b = BUF_INIT;
	struct reader r;
	const char *line;
	size_t len;
	int got, ok = 1;

	while (b.len < 256 * 1024 - 5 - 3)
		buf_addstr(&b, "a\n");
	buf_addstr(&b, "ab\n");
	CHECK_INT(b.len, 256 * 1024 - 5);
	buf_addstr(&b, "abcd\r\nabcde\r\nlast\n");
	open_bytes(&r, b.data, b.len);
	r.max_line = 4;
	while (r.lineno < 131069)
		ok &= reader_next(&r, &line, &len) == 1;
	CHECK(ok);
	got = reader_next(&r, &line, &len);
	CHECK_INT(got, 1);
	if (got == 1)
		CHECK_MEM(line, len, "abcd");
	CHECK_INT(reader_next(&r, &line, &len), READER_TOOLONG);
	CHECK_INT(reader_next(&r, &line, &len), 1);
	CHECK_MEM(line, len, "last");
	CHECK_INT(r.lineno, 131072);
	reader_close(&r);
	buf_release(&b);
}

static void
test_many_lines(void)
{
	/* lines that straddle every block boundary */
	size_t n = 100000, i, total = 0;
	struct buf b = BUF_INIT;
	struct reader r;
	const char *line;
	size_t len;
	int ok = 1;

	for (i = 0; i < n; i++)
		buf_addf(&b, "%zu %0*d\n", i, (int)(i % 37), 0);
	open_bytes(&r, b.data, b.len);
	for (i = 0; reader_next(&r, &line, &len) == 1; i++) {
		char want[64];
		int wn = snprintf(want, sizeof want, "%zu %0*d", i, (int)(i % 37), 0);

		ok &= len == (size_t)wn && memcmp(line, want, len) == 0;
		total++;
	}
	CHECK(ok);
	CHECK_INT(total, n);
	reader_close(&r);
	buf_release(&b);
}

static const char *
written(struct out *o, int fd)
{
	static char got[4096];
	ssize_t n;

	out_flush(o);
	lseek(fd, 0, SEEK_SET);
	n = read(fd, got, sizeof got - 1);
	got[n < 0 ? 0 : n] = '\0';
	if (ftruncate(fd, 0) < 0)
		abort();
	lseek(fd, 0, SEEK_SET);
	return got;
}

static void
one_record(struct recw *w)
{
	recw_begin(w);
	recw_field(w, "host", 4, "a,b \"q\"", 7, OV_STR);
	recw_field(w, "n", 1, "12", 2, OV_NUM);
	recw_field(w, "e", 1, "", 0, OV_NULL);
	recw_field(w, "t", 1, "x\ty", 3, OV_STR);
	recw_end(w);
}

static void
test_writers(void)
{
	char path[] = "/tmp/io_outXXXXXX";
	int fd = mkstemp(path);
	struct out o;
	struct recw w;

	unlink(path);
	out_init(&o, fd, "t");
	recw_init(&w, &o, FMT_JSON);
	one_record(&w);
	CHECK_STR(written(&o, fd),
	    "{\"host\":\"a,b \\\"q\\\"\",\"n\":12,\"e\":null,\"t\":\"x\\ty\"}\n");
	recw_release(&w);

	recw_init(&w, &o, FMT_CSV);
	one_record(&w);
	one_record(&w);
	CHECK_STR(written(&o, fd),
	    "host,n,e,t\n\"a,b \"\"q\"\"\",12,,x\ty\n\"a,b \"\"q\"\"\",12,,x\ty\n");
	recw_begin(&w);
	recw_field(&w, "other", 5, "1", 1, OV_NUM);
	recw_end(&w);
	CHECK_STR(written(&o, fd), "\nother\n1\n");
	recw_release(&w);

	recw_init(&w, &o, FMT_TSV);
	one_record(&w);
	CHECK_STR(written(&o, fd), "host\tn\te\tt\na,b \"q\"\t12\t\tx\\ty\n");
	recw_release(&w);

	recw_init(&w, &o, FMT_COMBINED);	/* created records: logfmt */
	one_record(&w);
	CHECK_STR(written(&o, fd), "host=\"a,b \\\"q\\\"\" n=12 e=\"\" t=\"x\\ty\"\n");
	recw_release(&w);

	recw_init(&w, &o, FMT_TEXT);
	one_record(&w);
	CHECK_STR(written(&o, fd), "a,b \"q\" 12 - x\ty\n");
	recw_release(&w);

	/* a write bigger than the buffer goes straight through */
	{
		size_t big = 300000;
		char *p = malloc(big);

		memset(p, 'x', big);
		out_write(&o, p, big);
		out_flush(&o);
		CHECK_INT(lseek(fd, 0, SEEK_END), big);
		free(p);
	}
	out_release(&o);
	close(fd);

	/* a failed write is kept and reported */
	{
		int fds[2];

		if (pipe(fds) < 0)
			abort();
		close(fds[0]);
		signal(SIGPIPE, SIG_IGN);
		out_init(&o, fds[1], "pipe");
		out_puts(&o, "x\n");
		CHECK_INT(out_flush(&o), -1);
		CHECK(o.err != 0);
		out_release(&o);
		close(fds[1]);
	}
}

#if defined(SPLICE_F_NONBLOCK) && defined(F_SETPIPE_SZ)
/* Lines from a pipe fed by a child, n bytes of them, the reader's tee
 * to a side pipe of side_size bytes, never read till the end: the
 * lines all read, and the side pipe holds the first teed bytes. */
static void
tee_case(size_t n, int side_size, int want_teeing)
{
	struct reader r;
	int in[2], side[2];
	char *data = malloc(n), *back = malloc(n + 1);
	const char *line;
	size_t len, i, got = 0, lines = 0, want_lines = 0;
	ssize_t k;
	pid_t pid;
	int same = 1;

	for (i = 0; i < n; i++) {
		data[i] = i % 61 == 60 ? '\n' : (char)('a' + i % 26);
		want_lines += data[i] == '\n';
	}
	want_lines += data[n - 1] != '\n';	/* a last line without it */
	if (pipe(in) < 0 || pipe(side) < 0)
		abort();
	(void)fcntl(side[0], F_SETPIPE_SZ, side_size);
	if ((pid = fork()) == 0) {
		close(in[0]);
		if (write(in[1], data, n) != (ssize_t)n)
			_exit(1);
		_exit(0);
	}
	close(in[1]);
	reader_fdopen(&r, in[0], "t");
	r.tee = side[1];
	while (reader_next(&r, &line, &len) == 1) {
		same &= memcmp(line, data + got, len) == 0;
		got += len + 1;
		lines++;
	}
	CHECK(same);
	waitpid(pid, NULL, 0);
	CHECK_INT(lines, want_lines);
	CHECK_INT(r.tee >= 0, want_teeing);
	CHECK(r.teed > 0 && (size_t)r.teed <= n);
	if (want_teeing)
		CHECK_INT(r.teed, n);
	close(side[1]);
	for (got = 0; (k = read(side[0], back + got, n - got)) > 0; )
		got += (size_t)k;
	CHECK_INT(got, r.teed);
	CHECK(memcmp(back, data, got) == 0);
	close(side[0]);
	reader_close(&r);
	close(in[0]);
	free(data);
	free(back);
}

/* The reader's tee: while the side pipe has room, every byte read is
 * there too, in order; once it is full, the reader reads on alone. */
static void
test_tee(void)
{
	tee_case(50000, 1 << 16, 1);
	tee_case(300000, 4096, 0);
}
#endif

/* json_quote scans eight bytes at a time: an escape at every offset of a
 * block, and bytes on both sides of each boundary value. */
static void
test_json_quote(void)
{
	static const struct { const char *in; size_t n; const char *want; } c[] = {
		{ "", 0, "\"\"" },
		{ "plain", 5, "\"plain\"" },
		{ "0123456789abcdef", 16, "\"0123456789abcdef\"" },
		{ "\"", 1, "\"\\\"\"" },
		{ "a\\b", 3, "\"a\\\\b\"" },
		{ "\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"" },
		{ "x\001y\037z", 5, "\"x\\u0001y\\u001fz\"" },
		{ "\0", 1, "\"\\u0000\"" },
		{ " !#[]~\177", 7, "\" !#[]~\177\"" },
		{ "h\303\251llo\342\202\254", 9, "\"h\303\251llo\342\202\254\"" },
		{ "!!!!!!!!\"!!!!!!!", 16, "\"!!!!!!!!\\\"!!!!!!!\"" },
		{ "]]]]]]]\\]]]]]]]]", 16, "\"]]]]]]]\\\\]]]]]]]]\"" },
	};
	struct buf b = BUF_INIT;
	char in[40], want[48];
	size_t i, k;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		buf_reset(&b);
		json_quote(&b, c[i].in, c[i].n);
		CHECK_MEM(b.data, b.len, c[i].want);
	}
	for (k = 0; k < 24; k++) {	/* a quote at offset k of 24 */
		memset(in, 'a', 24);
		in[k] = '"';
		buf_reset(&b);
		json_quote(&b, in, 24);
		memset(want + 1, 'a', 25);
		want[0] = '"';
		want[k + 1] = '\\';
		want[k + 2] = '"';
		want[26] = '"';
		want[27] = '\0';
		CHECK_MEM(b.data, b.len, want);
	}
	buf_release(&b);
}

static void
test_keytab(void)
{
	struct keytab t;
	size_t i, id;
	int added, ok = 1;
	char key[32];

	keytab_init(&t);
	for (i = 0; i < 100000; i++) {
		int n = snprintf(key, sizeof key, "k%zu", i);

		id = keytab_intern(&t, key, (size_t)n, hash_bytes(key, (size_t)n),
		    &added);
		ok &= added && id == i;
	}
	CHECK(ok);
	for (i = 0; i < 100000; i += 7) {
		int n = snprintf(key, sizeof key, "k%zu", i);

		id = keytab_intern(&t, key, (size_t)n, hash_bytes(key, (size_t)n),
		    &added);
		ok &= !added && id == i;
		ok &= t.keys[id].n == (size_t)n && !memcmp(t.keys[id].p, key, n);
	}
	CHECK(ok);
	CHECK_INT(keytab_find(&t, "nope", 4, hash_bytes("nope", 4)), (size_t)-1);
	/* the empty key and a key larger than a chunk */
	id = keytab_intern(&t, "", 0, hash_bytes("", 0), &added);
	CHECK(added);
	{
		char *big = calloc(1, 100000);

		id = keytab_intern(&t, big, 100000, hash_bytes(big, 100000), &added);
		CHECK(added && t.keys[id].n == 100000);
		free(big);
	}
	keytab_release(&t);
	/* stable across machines: a fixed value */
	CHECK(hash_bytes("status", 6) == hash_bytes("status", 6));
	CHECK(hash_bytes("a", 1) != hash_bytes("b", 1));
}

static void
test_punct(void)
{
	struct punct p, q;
	struct buf b = BUF_INIT;
	const char *err;
	const char *line;

	CHECK_INT(punct_is("{\"_punct\":\"watermark\"}", 22), 1);
	CHECK_INT(punct_is("{\"_punct\" :1}", 13), 0);
	CHECK_INT(punct_is("{\"a\":1}", 7), 0);

	line = "{\"_punct\":\"watermark\",\"t\":1795514400000000}";
	CHECK_INT(punct_parse(line, strlen(line), &p, &err), 0);
	CHECK_INT(p.kind, PUNCT_WATERMARK);
	CHECK(p.t == INT64_C(1795514400000000));
	CHECK_INT(p.at_end, 0);
	punct_write(&b, &p);
	CHECK_STR(b.data, "{\"_punct\":\"watermark\",\"t\":1795514400000000}\n");

	buf_reset(&b);
	p.at_end = 1;
	punct_write(&b, &p);
	CHECK_STR(b.data, "{\"_punct\":\"watermark\",\"end\":true}\n");
	CHECK_INT(punct_parse(b.data, b.len - 1, &q, &err), 0);
	CHECK_INT(q.at_end, 1);

	memset(&p, 0, sizeof p);
	p.kind = PUNCT_FIRE;
	p.start = -60000000;
	p.end = 0;
	p.pane = 3;
	p.timing = TIMING_LATE;
	p.final = 1;
	buf_reset(&b);
	punct_write(&b, &p);
	CHECK_STR(b.data, "{\"_punct\":\"fire\",\"start\":-60000000,\"end\":0,"
	    "\"pane\":3,\"timing\":\"late\",\"final\":true}\n");
	CHECK_INT(punct_parse(b.data, b.len - 1, &q, &err), 0);
	CHECK(q.kind == PUNCT_FIRE && q.start == -60000000 && q.end == 0 &&
	    q.pane == 3 && q.timing == TIMING_LATE && q.final == 1);

	line = "{\"_punct\":\"strategy\",\"window\":\"tumbling\"}";
	CHECK_INT(punct_parse(line, strlen(line), &p, &err), 0);
	CHECK_INT(p.kind, PUNCT_STRATEGY);
	line = "{\"_punct\":\"future-kind\",\"x\":1}";
	CHECK_INT(punct_parse(line, strlen(line), &p, &err), 0);
	CHECK_INT(p.kind, PUNCT_UNKNOWN);

	line = "{\"_punct\":\"watermark\",\"t\":1.5}";
	CHECK_INT(punct_parse(line, strlen(line), &p, &err), -1);
	CHECK_STR(err, "watermark needs an integer t or end:true");
	line = "{\"_punct\":\"watermark\"";
	CHECK_INT(punct_parse(line, strlen(line), &p, &err), -1);
	CHECK_STR(err, "truncated object");
	line = "{\"_punct\":3}";
	CHECK_INT(punct_parse(line, strlen(line), &p, &err), -1);
	CHECK_STR(err, "_punct must be a string");
	line = "{\"_punct\":\"fire\",\"start\":1}";
	CHECK_INT(punct_parse(line, strlen(line), &p, &err), -1);
	CHECK_STR(err, "fire needs integer start and end");
	line = "{\"_punct\":\"fire\",\"start\":1,\"end\":2,\"timing\":\"soon\"}";
	CHECK_INT(punct_parse(line, strlen(line), &p, &err), -1);
	CHECK_STR(err, "bad timing");
	buf_release(&b);
}

/* A second SIGTERM kills, as usual; with a grace set, it ends the grace
 * instead (event-route's --grace). */
static void
test_second_signal(void)
{
	pid_t pid;
	int st = 0;

	if ((pid = fork()) == 0) {
		sig_init();
		raise(SIGTERM);
		if (!sig_stopped())
			_exit(3);
		raise(SIGTERM);
		_exit(4);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	if ((pid = fork()) == 0) {
		sig_init();
		sig_set_grace(60 * 1000000);
		raise(SIGTERM);
		if (!sig_stopped() || sig_give_up())
			_exit(3);
		raise(SIGINT);
		_exit(sig_give_up() ? 0 : 4);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/*
 * JSON names quoted once and kept by place: records one after another,
 * names changed at a place, more places than are kept, names to quote,
 * and enough changing names to start the cache again; each record as
 * json_quote would write it.
 */
static void
test_name_cache(void)
{
	static const char *const recs[] = {
		"a b c", "a b c", "a x c", "a x", "a x c d", "q\"n a",
		"f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 f11 f12 f13 f14 f15 f16 f17",
		"f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 f11 f12 f13 f14 f15 f16 f17",
		"a b c",
	};
	char path[] = "/tmp/io_namesXXXXXX";
	int fd = mkstemp(path);
	struct out o;
	struct recw w;
	struct buf want = BUF_INIT, name = BUF_INIT;
	size_t i, round;

	unlink(path);
	out_init(&o, fd, "t");
	recw_init(&w, &o, FMT_JSON);
	for (round = 0; round < 300; round++)	/* past the cache's 4 KB */
		for (i = 0; i < sizeof recs / sizeof recs[0]; i++) {
			const char *p = recs[i];

			buf_reset(&want);
			buf_addc(&want, '{');
			recw_begin(&w);
			while (*p) {
				size_t n = strcspn(p, " ");

				buf_reset(&name);
				buf_add(&name, p, n);
				if (round % 7 == 6)	/* a new name each round */
					buf_addf(&name, "%zu", round);
				if (want.len > 1)
					buf_addc(&want, ',');
				json_quote(&want, name.data, name.len);
				buf_addstr(&want, ":1");
				recw_field(&w, name.data, name.len, "1", 1,
				    OV_NUM);
				p += n + (p[n] == ' ');
			}
			recw_end(&w);
			buf_addstr(&want, "}\n");
			CHECK_STR(written(&o, fd), want.data);
		}
	recw_release(&w);
	out_release(&o);
	buf_release(&want);
	buf_release(&name);
}

int
main(void)
{
	test_lines();
	test_more();
	test_long_line();
	test_max_line_cr();
	test_many_lines();
	test_writers();
	test_name_cache();
	test_json_quote();
	test_keytab();
	test_punct();
	test_second_signal();
#if defined(SPLICE_F_NONBLOCK) && defined(F_SETPIPE_SZ)
	test_tee();
#endif
	return check_done("io");
}
