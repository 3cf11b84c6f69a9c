/*
 * ahead_test.c - reading ahead in two threads gives what reading alone
 * gives: the same lines, kinds, verdicts, messages, fields, line numbers
 * and offsets, over random files and block sizes small enough that lines
 * cross blocks, fill them, and outgrow them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
};

static uintmax_t ahead_lines, caller_lines;

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
	unsigned alone = st->lead;
	int on = 0, got;

	lseek(fd, 0, SEEK_SET);
	reader_fdopen(&r, fd, "t");
	r.max_line = st->max_line;
	parser_init(&ps, FMT_JSON, st->fs);
	for (;;) {
		if (!on && st->blocksize && alone == 0) {
			CHECK_INT(ahead_start(&a, &r, &ps, v, st->max_line,
			    st->after_tab, st->blocksize), 0);
			on = 1;
		}
		if (!on)
			got = serial_line(&r, &ps, v, st->after_tab, &l);
		else if ((got = ahead_next(&a, &l)) == AHEAD_SERIAL) {
			ahead_stop(&a);
			on = 0;
			alone = 1;	/* the long line alone, then ahead */
			continue;
		} else if (got > 0 && l.kind != AHEAD_TOOLONG) {
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
	}
	CHECK_INT(got, 0);
	if (on)
		ahead_stop(&a);
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
		struct setup st = { &fs, 0, 0, 0, 0 };
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

int
main(void)
{
	test_random_files();
	test_handover();
	test_read_error();
	test_fieldset_grows();
	test_long_line_restart();
	return check_done("ahead");
}
