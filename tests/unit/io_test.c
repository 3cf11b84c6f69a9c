/*
 * io_test.c - the block reader (and its tee of a pipe), buffered output
 * and record writers, the key table, and the control-line codec.
 */
#ifdef __linux__
#define _GNU_SOURCE		/* F_SETPIPE_SZ, tee */
#endif
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

/* The file holds size bytes, the last of them want. */
static void
check_ends(int fd, size_t size, const char *want)
{
	char tail[64];
	size_t n = strlen(want);

	CHECK_INT(lseek(fd, 0, SEEK_END), size);
	CHECK_INT(pread(fd, tail, n, (off_t)(size - n)), n);
	tail[n] = '\0';
	CHECK_STR(tail, want);
}

/* out_insert_int writes what out_insert writes given the key and the
 * number's text: lines of every shape, and one longer than the buffer. */
static void
test_insert_int(void)
{
	static const char *const lines[] = {
		"{\"a\":1}", "{}", "{ }", "{\"a\":1} \t", "{\"a\":1 }",
		"{\"s\":\"}\"}", "no brace", "",
	};
	/* and, kept by out_intkey, their first eight digits: the same,
	 * again, after other firsts, and not kept at all */
	static const int64_t v[] = { 0, -5, INT64_C(1795478398414000),
	    INT64_C(1795478399999999), INT64_C(1795478400000000),
	    INT64_C(1795478398414000), INT64_C(1000000000000000),
	    INT64_C(999999999999999), INT64_C(9999999999999999),
	    INT64_C(10000000000000000), -INT64_C(1795478398414000),
	    INT64_C(1795478300000001) };
	char path[] = "/tmp/io_insertXXXXXX", num[INT_FORMAT_MAX];
	int fd = mkstemp(path);
	const char key[] = ",\"_t\":";
	struct buf want = BUF_INIT, add = BUF_INIT, big = BUF_INIT;
	struct out o;
	struct out_intkey kept;
	size_t i, k;

	unlink(path);
	out_init(&o, fd, "t");
	out_intkey_init(&kept, key, sizeof key - 1);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++)
		for (k = 0; k < sizeof v / sizeof v[0]; k++) {
			buf_reset(&add);
			buf_addstr(&add, key);
			buf_add(&add, num, int_format(v[k], num));
			out_insert(&o, FMT_JSON, lines[i], strlen(lines[i]),
			    add.data, add.len);
			buf_reset(&want);
			buf_addstr(&want, written(&o, fd));
			out_insert_int(&o, lines[i], strlen(lines[i]), key,
			    sizeof key - 1, v[k]);
			CHECK_STR(written(&o, fd), want.data);
			out_insert_intkey(&o, lines[i], strlen(lines[i]), &kept,
			    v[k]);
			CHECK_STR(written(&o, fd), want.data);
		}
	/* an empty key into an empty object: no comma to drop */
	out_insert_int(&o, "{}", 2, "", 0, 5);
	CHECK_STR(written(&o, fd), "{5}\n");
	/* past the buffer: the same bytes, by the slow way */
	buf_addstr(&big, "{\"s\":\"");
	for (i = 0; i < 140000; i++)
		buf_addc(&big, 'x');
	buf_addstr(&big, "\"}");
	out_insert_int(&o, big.data, big.len, key, sizeof key - 1, 7);
	out_flush(&o);
	check_ends(fd, big.len + sizeof key - 1 + 2, "x\",\"_t\":7}\n");
	/* and with sixteen digits, from the kept key */
	if (ftruncate(fd, 0) < 0)
		abort();
	lseek(fd, 0, SEEK_SET);
	out_insert_intkey(&o, big.data, big.len, &kept,
	    INT64_C(1795478398414000));
	out_flush(&o);
	check_ends(fd, big.len + sizeof key - 1 + 17,
	    "x\",\"_t\":1795478398414000}\n");
	out_release(&o);
	close(fd);
	buf_release(&want);
	buf_release(&add);
	buf_release(&big);
}

/*
 * out_behind: a regular file gets a writer thread, and what was written
 * in pieces of every size (out_write, out_putc, out_room, and writes
 * larger than the buffer) is in the file, in order, at each flush; a
 * pipe stays as it was (runline_test has the thread's buffers and marks,
 * to a file).
 */
static void
test_behind(void)
{
	static const struct { size_t piece, total; } c[] = {
		{ 1, 1000 }, { 7, 300000 }, { 100, 1 << 20 },
		{ 4096, 600000 }, { 131071, 800000 }, { 131072, 700000 },
		{ 200000, 900000 },
	};
	size_t k;

	for (k = 0; k < sizeof c / sizeof c[0]; k++) {
		char path[] = "/tmp/io_behindXXXXXX";
		int fd = mkstemp(path);
		char *want = malloc(c[k].total), *got = malloc(c[k].total);
		size_t at = 0, i;
		struct out o;
		ssize_t n;

		unlink(path);
		for (i = 0; i < c[k].total; i++)
			want[i] = (char)('a' + (i * 7 + i / 13) % 26);
		out_init(&o, fd, "t");
		out_behind(&o);
		CHECK(o.writer != NULL);
		for (i = 0; at < c[k].total; i++) {
			size_t m = c[k].piece < c[k].total - at ? c[k].piece :
			    c[k].total - at;

			if (m == 1)
				out_putc(&o, want[at]);
			else if (i % 3 == 1 && m <= OUT_ROOM_MAX) {
				memcpy(out_room(&o, m), want + at, m);
				out_wrote(&o, m);
			} else
				out_write(&o, want + at, m);
			at += m;
			if (i == 5) {	/* a flush midway: all of it there */
				CHECK_INT(out_flush(&o), 0);
				CHECK_INT(lseek(fd, 0, SEEK_END), at);
			}
		}
		CHECK_INT(out_flush(&o), 0);
		CHECK_INT(pread(fd, got, c[k].total, 0), c[k].total);
		CHECK(memcmp(got, want, c[k].total) == 0);
		n = pread(fd, got, 1, (off_t)c[k].total);
		CHECK_INT(n, 0);
		CHECK_INT(out_release(&o), 0);
		close(fd);
		free(want);
		free(got);
	}
	{	/* the thread's write error is the caller's at its flush */
		char path[] = "/tmp/io_behindXXXXXX", block[4096];
		int fd = mkstemp(path);
		struct rlimit was, small;
		struct out o;
		size_t i;

		unlink(path);
		memset(block, 'y', sizeof block);
		signal(SIGXFSZ, SIG_IGN);
		getrlimit(RLIMIT_FSIZE, &was);
		small = was;
		small.rlim_cur = 200000;
		setrlimit(RLIMIT_FSIZE, &small);
		out_init(&o, fd, "t");
		out_behind(&o);
		CHECK(o.writer != NULL);
		for (i = 0; i < 100; i++)	/* 400 kB, past the limit */
			out_write(&o, block, sizeof block);
		CHECK_INT(out_flush(&o), -1);
		CHECK_INT(o.err, EFBIG);
		CHECK_INT(out_release(&o), -1);
		setrlimit(RLIMIT_FSIZE, &was);
		signal(SIGXFSZ, SIG_DFL);
		close(fd);
	}
	{
		char block[16];
		int fds[2];
		struct out o;

		if (pipe(fds) < 0)
			abort();
		out_init(&o, fds[1], "pipe");
		out_behind(&o);
		CHECK(o.writer == NULL);
		/* the caller writes to the pipe itself */
		out_write(&o, "x\n", 2);
		CHECK_INT(out_release(&o), 0);
		CHECK_INT(read(fds[0], block, sizeof block), 2);
		close(fds[0]);
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
	size_t i, k, n, bad = 0;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		buf_reset(&b);
		json_quote(&b, c[i].in, c[i].n);
		CHECK_MEM(b.data, b.len, c[i].want);
	}
	for (n = 1; n <= 24; n++)	/* a quote at offset k of n */
		for (k = 0; k < n; k++) {
			memset(in, 'a', n);
			in[k] = '"';
			buf_reset(&b);
			json_quote(&b, in, n);
			memset(want + 1, 'a', n + 1);
			want[0] = '"';
			want[k + 1] = '\\';
			want[k + 2] = '"';
			want[n + 2] = '"';
			want[n + 3] = '\0';
			bad += b.len != n + 3 || memcmp(b.data, want, n + 3);
		}
	CHECK_INT(bad, 0);
	buf_release(&b);
}

/* Whether every key i < n is found at its id, or absent when gone. */
static int
keytab_holds(const struct keytab *t, size_t n, const size_t *ids,
    const unsigned char *gone)
{
	char key[32];
	size_t i, id;
	int ok = 1;

	for (i = 0; i < n; i++) {
		int kn = snprintf(key, sizeof key, "key-%zu-padded-out", i);

		id = keytab_find(t, key, (size_t)kn, hash_bytes(key,
		    (size_t)kn));
		ok &= gone[i] ? id == (size_t)-1 : id == ids[i] &&
		    t->keys[id].n == (size_t)kn &&
		    memcmp(t->keys[id].p, key, (size_t)kn) == 0;
	}
	return ok;
}

/* Keys that come and go: linear probing's runs stay whole, removed
 * ids are reused, and the bytes of the dead are packed away. */
static void
test_keytab_remove(void)
{
	static const struct { size_t step, phase; } removals[] = {
		{ 3, 0 }, { 2, 1 }, { 5, 4 }, { 1, 0 },
	};
	enum { N = 6000 };
	static size_t ids[N];
	static unsigned char gone[N];
	struct keytab t;
	char key[32];
	size_t i, r, id;
	int added, ok = 1;

	keytab_init(&t);
	for (i = 0; i < N; i++) {
		int kn = snprintf(key, sizeof key, "key-%zu-padded-out", i);

		ids[i] = keytab_intern(&t, key, (size_t)kn, hash_bytes(key,
		    (size_t)kn), &added);
	}
	for (r = 0; r < sizeof removals / sizeof removals[0]; r++) {
		for (i = removals[r].phase; i < N; i += removals[r].step)
			if (!gone[i]) {
				keytab_remove(&t, ids[i]);
				gone[i] = 1;
			}
		CHECK(keytab_holds(&t, N, ids, gone));
	}
	CHECK_INT(t.n, N);		/* ids stay: no table grows */
	CHECK(t.stored - t.dead == 0);
	for (i = 0; i < N; i++) {	/* all back, in the removed ids */
		int kn = snprintf(key, sizeof key, "key-%zu-padded-out", i);

		ids[i] = keytab_intern(&t, key, (size_t)kn, hash_bytes(key,
		    (size_t)kn), &added);
		ok &= added && ids[i] < N;
		gone[i] = 0;
	}
	CHECK(ok);
	CHECK_INT(t.n, N);
	CHECK(keytab_holds(&t, N, ids, gone));
	/* they were packed: what is stored is what is live, and more */
	CHECK(t.dead < t.stored);
	id = keytab_intern(&t, "", 0, hash_bytes("", 0), &added);
	keytab_remove(&t, id);
	CHECK_INT(keytab_find(&t, "", 0, hash_bytes("", 0)), (size_t)-1);
	keytab_release(&t);
}

/* Random interns and removes over a few hundred keys, against a plain
 * array of what each key's id should be: runs wrap around the table's
 * end, and ids and bytes come and go. */
static void
test_keytab_model(void)
{
	enum { KEYS = 300, OPS = 200000 };
	size_t id[KEYS], i, k, bad = 0;
	struct keytab t;
	char key[48];
	uint64_t x = 88172645463325252u;
	int added;

	keytab_init(&t);
	for (k = 0; k < KEYS; k++)
		id[k] = (size_t)-1;
	for (i = 0; i < OPS; i++) {
		int n;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		k = (size_t)(x % KEYS);
		n = snprintf(key, sizeof key, "%zu%.*s", k, (int)(k % 40),
		    "........................................");
		if ((x >> 32) % 3 != 0 || id[k] == (size_t)-1) {
			size_t got = keytab_intern(&t, key, (size_t)n,
			    hash_bytes(key, (size_t)n), &added);

			bad += added != (id[k] == (size_t)-1) ||
			    (!added && got != id[k]);
			id[k] = got;
		} else {
			keytab_remove(&t, id[k]);
			id[k] = (size_t)-1;
		}
		if (i % 997 != 0)
			continue;
		for (k = 0; k < KEYS; k++) {	/* every key where it should be */
			n = snprintf(key, sizeof key, "%zu%.*s", k,
			    (int)(k % 40),
			    "........................................");
			bad += keytab_find(&t, key, (size_t)n,
			    hash_bytes(key, (size_t)n)) != id[k];
			bad += id[k] != (size_t)-1 && (t.keys[id[k]].n !=
			    (size_t)n || memcmp(t.keys[id[k]].p, key,
			    (size_t)n) != 0);
		}
	}
	CHECK_INT(bad, 0);
	CHECK(t.n <= KEYS);		/* ids reused, never past the keys */
	keytab_release(&t);
}

/* A table's first block (its first slots, key, chunk pointer and
 * chunk, one allocation): keys that fit it, that fill its chunk to the
 * byte and spill, a key too big for any chunk first, and enough keys to
 * outgrow the slots kept by keytab_clear; each table cleared and filled
 * again, then released (ASan sees a piece of the block freed alone). */
static void
test_keytab_first(void)
{
	static const struct {
		size_t nkeys, len;	/* keys of len bytes each */
		size_t big;		/* a key of this many bytes first */
	} c[] = {
		{ 1, 8, 0 }, { 1, 64, 0 }, { 2, 32, 0 }, { 3, 32, 0 },
		{ 1, 65, 0 }, { 8, 1, 0 }, { 100, 5, 0 }, { 1, 0, 0 },
		{ 2, 10, 20000 }, { 0, 0, 20000 },
	};
	size_t i, k, round, id;
	char key[80], *big;
	int added, bad = 0;
	struct keytab t;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		keytab_init(&t);
		for (round = 0; round < 3; round++) {
			if (c[i].big) {
				big = malloc(c[i].big);
				memset(big, 'b', c[i].big);
				id = keytab_intern(&t, big, c[i].big,
				    hash_bytes(big, c[i].big), &added);
				bad += !added || t.keys[id].n != c[i].big ||
				    memcmp(t.keys[id].p, big, c[i].big) != 0;
				free(big);
			}
			for (k = 0; k < c[i].nkeys; k++) {
				memset(key, 'a' + (int)(k % 26), c[i].len);
				if (c[i].len >= 4)
					memcpy(key, &k, 4);
				id = keytab_intern(&t, key, c[i].len,
				    hash_bytes(key, c[i].len), &added);
				bad += !added && c[i].len >= 4;
			}
			for (k = 0; k < c[i].nkeys && c[i].len >= 4; k++) {
				memset(key, 'a' + (int)(k % 26), c[i].len);
				memcpy(key, &k, 4);
				id = keytab_find(&t, key, c[i].len,
				    hash_bytes(key, c[i].len));
				bad += id == (size_t)-1 ||
				    memcmp(t.keys[id].p, key, c[i].len) != 0;
			}
			keytab_clear(&t);
			bad += t.n != 0;
		}
		keytab_release(&t);
	}
	CHECK_INT(bad, 0);
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
	test_keytab_remove();
	test_keytab_model();
	test_keytab_first();
	/* stable across machines: a fixed value */
	CHECK(hash_bytes("status", 6) == hash_bytes("status", 6));
	CHECK(hash_bytes("a", 1) != hash_bytes("b", 1));
}

/*
 * Fire lines, as punct_write writes them and otherwise: the ones read
 * without the JSON parser and the ones it reads say the same.  want:
 * "start end pane timing final key" as read, or "error".
 */
static void
test_fire_lines(void)
{
	static const struct { const char *line, *want; } c[] = {
		{ "{\"_punct\":\"fire\",\"start\":0,\"end\":60,\"pane\":0,"
		  "\"timing\":\"on_time\",\"final\":false}",
		  "0 60 0 1 0 -" },
		{ "{\"_punct\":\"fire\",\"start\":-60,\"end\":-0,\"pane\":7,"
		  "\"timing\":\"late\",\"final\":true,\"key\":[\"u1\"]}",
		  "-60 0 7 2 1 [\"u1\"]" },
		{ "{\"_punct\":\"fire\",\"start\":1,\"end\":2,\"pane\":1,"
		  "\"timing\":\"early\",\"final\":false,\"key\":[\"a\",\"\",\"c d\"]}",
		  "1 2 1 0 0 [\"a\",\"\",\"c d\"]" },
		{ "{\"_punct\":\"fire\",\"start\":1,\"end\":2,\"pane\":1,"
		  "\"timing\":\"early\",\"final\":false,\"key\":[]}",
		  "1 2 1 0 0 []" },
		/* for the parser: escapes, spaces, order, big numbers */
		{ "{\"_punct\":\"fire\",\"start\":1,\"end\":2,\"pane\":0,"
		  "\"timing\":\"on_time\",\"final\":false,\"key\":[\"a\\\"b\"]}",
		  "1 2 0 1 0 [\"a\\\"b\"]" },
		{ "{\"_punct\":\"fire\", \"start\":1,\"end\":2}",
		  "1 2 0 1 0 -" },
		{ "{\"_punct\":\"fire\",\"end\":2,\"start\":1,\"final\":true}",
		  "1 2 0 1 1 -" },
		{ "{\"_punct\":\"fire\",\"start\":1234567890123456789,"
		  "\"end\":1234567890123456790,\"pane\":0,\"timing\":\"on_time\","
		  "\"final\":false}",
		  "1234567890123456789 1234567890123456790 0 1 0 -" },
		/* refused, whichever reads them */
		{ "{\"_punct\":\"fire\",\"start\":007,\"end\":60,\"pane\":0,"
		  "\"timing\":\"on_time\",\"final\":false}", "error" },
		{ "{\"_punct\":\"fire\",\"start\":0,\"end\":60,\"pane\":-1,"
		  "\"timing\":\"on_time\",\"final\":false}", "error" },
		{ "{\"_punct\":\"fire\",\"start\":0,\"end\":60,\"pane\":0,"
		  "\"timing\":\"soon\",\"final\":false}", "error" },
		{ "{\"_punct\":\"fire\",\"start\":0,\"end\":60,\"pane\":0,"
		  "\"timing\":\"on_time\",\"final\":false,\"key\":\"a\"}",
		  "error" },
		{ "{\"_punct\":\"fire\",\"start\":0,\"end\":60,\"pane\":0,"
		  "\"timing\":\"on_time\",\"final\":false", "error" },
		{ "{\"_punct\":\"fire\",\"start\":0.5,\"end\":60}", "error" },
	};
	char got[256];
	struct punct p;
	const char *err;
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		if (punct_parse(c[i].line, strlen(c[i].line), &p, &err) < 0)
			snprintf(got, sizeof got, "error");
		else
			snprintf(got, sizeof got, "%lld %lld %ld %d %d %.*s",
			    (long long)p.start, (long long)p.end, p.pane,
			    p.timing, p.final, p.key ? (int)p.keylen : 1,
			    p.key ? p.key : "-");
		if (strcmp(got, c[i].want) != 0)
			fprintf(stderr, "fire line %zu\n", i);
		CHECK_STR(got, c[i].want);
		CHECK(strcmp(got, "error") == 0 || p.kind == PUNCT_FIRE);
	}
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
	/* the extremes of event time, an early pane not final, a key */
	p.start = INT64_MIN;
	p.end = INT64_MAX;
	p.pane = 0;
	p.timing = TIMING_EARLY;
	p.final = 0;
	p.key = "[\"u1\"]";
	p.keylen = 6;
	buf_reset(&b);
	punct_write(&b, &p);
	CHECK_STR(b.data, "{\"_punct\":\"fire\",\"start\":-9223372036854775808,"
	    "\"end\":9223372036854775807,\"pane\":0,\"timing\":\"early\","
	    "\"final\":false,\"key\":[\"u1\"]}\n");
	p.key = NULL;
	p.kind = PUNCT_WATERMARK;
	p.at_end = 0;
	p.t = -1;
	buf_reset(&b);
	punct_write(&b, &p);
	CHECK_STR(b.data, "{\"_punct\":\"watermark\",\"t\":-1}\n");

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

/*
 * recw_field_named among recw_field: records whose names come by address
 * (stable), by a copy of the same text, or change; the line is always
 * what the names say, whichever way the cache found them.
 */
static void
test_named_fields(void)
{
	static const char a[] = "window_start", b[] = "k", c[] = "count",
	    d[] = "other\"name";
	static const struct {
		const char *names[3];	/* NULL: none */
		int named[3];		/* 1: recw_field_named */
		const char *want;
	} recs[] = {
		{ { a, b, c }, { 1, 1, 1 },
		  "{\"window_start\":1,\"k\":1,\"count\":1}\n" },
		{ { a, b, c }, { 1, 1, 1 },
		  "{\"window_start\":1,\"k\":1,\"count\":1}\n" },
		{ { a, b, c }, { 0, 0, 0 },
		  "{\"window_start\":1,\"k\":1,\"count\":1}\n" },
		{ { a, c, NULL }, { 1, 1, 0 },
		  "{\"window_start\":1,\"count\":1}\n" },
		{ { a, b, c }, { 1, 0, 1 },
		  "{\"window_start\":1,\"k\":1,\"count\":1}\n" },
		{ { d, b, NULL }, { 1, 1, 0 },
		  "{\"other\\\"name\":1,\"k\":1}\n" },
		{ { a, b, c }, { 1, 1, 1 },
		  "{\"window_start\":1,\"k\":1,\"count\":1}\n" },
	};
	char path[] = "/tmp/io_namedXXXXXX", copy[32];
	int fd = mkstemp(path);
	struct out o;
	struct recw w;
	size_t i, k;

	unlink(path);
	out_init(&o, fd, "t");
	recw_init(&w, &o, FMT_JSON);
	for (i = 0; i < sizeof recs / sizeof recs[0]; i++) {
		recw_begin(&w);
		for (k = 0; k < 3 && recs[i].names[k]; k++) {
			if (recs[i].named[k]) {
				recw_field_named(&w, recs[i].names[k], "1", 1,
				    OV_NUM);
				continue;
			}
			snprintf(copy, sizeof copy, "%s", recs[i].names[k]);
			recw_field(&w, copy, strlen(copy), "1", 1, OV_NUM);
		}
		recw_end(&w);
		CHECK_STR(written(&o, fd), recs[i].want);
	}
	recw_release(&w);
	recw_init(&w, &o, FMT_CSV);
	recw_begin(&w);
	recw_field_named(&w, a, "x", 1, OV_STR);
	recw_end(&w);
	CHECK_STR(written(&o, fd), "window_start\nx\n");
	recw_release(&w);
	out_release(&o);
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
	test_behind();
	test_insert_int();
	test_name_cache();
	test_named_fields();
	test_json_quote();
	test_keytab();
	test_punct();
	test_fire_lines();
	test_second_signal();
#if defined(SPLICE_F_NONBLOCK) && defined(F_SETPIPE_SZ)
	test_tee();
#endif
	return check_done("io");
}
