/*
 * state_test.c - the --state file: saving and loading, what a corrupt or
 * foreign one says, its lines, the inputs' positions, and finding where
 * an input went on after rotation or copytruncate.
 *
 * Runs in a temporary directory, made current, so that messages and
 * names are short and the same each run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "testio.h"
#include "hash.h"
#include "out.h"
#include "reader.h"
#include "state.h"

static void
put(const char *path, const char *text, int flags)
{
	int fd = open(path, O_WRONLY | O_CREAT | flags, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
}

static void
write_file(const char *path, const char *text)
{
	put(path, text, O_TRUNC);
}

static void
append_file(const char *path, const char *text)
{
	put(path, text, O_APPEND);
}

/* The file's text (static; "(none)" when it cannot be read). */
/* The bytes of fd from offset to its end (static). */
static const char *
rest_of(int fd, off_t offset)
{
	static char text[8192];
	ssize_t n = pread(fd, text, sizeof text - 1, offset);

	text[n < 0 ? 0 : n] = '\0';
	return text;
}

/* Remove every file of the current directory. */
static void
empty_dir(void)
{
	DIR *d = opendir(".");
	struct dirent *de;

	while (d && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlink(de->d_name);
	if (d)
		closedir(d);
}

static void
test_round_trip(void)
{
	struct state s, back;
	char err[256] = "";
	size_t pos = 0, kwlen, restlen;
	const char *kw, *rest;
	const struct state_input *in;
	int fd;

	state_init(&s);
	write_file("a.log", "one\ntwo\n");
	fd = open("a.log", O_RDONLY);
	state_set_input(&s, "a.log", fd, 4);
	close(fd);
	s.output_len = 42;
	buf_addstr(&s.body, "watermark 1000\nopen a b\n");
	CHECK_INT(state_save(&s, "st", "stream-agg", err, sizeof err), 0);
	CHECK_STR(slurp("st.tmp"), "(none)");	/* renamed, not left */

	state_init(&back);
	CHECK_INT(state_load(&back, "st", "stream-agg", err, sizeof err), 0);
	CHECK_INT(back.output_len, 42);
	CHECK_MEM(back.body.data, back.body.len, "watermark 1000\nopen a b\n");
	CHECK_INT(back.nin, 1);
	in = state_input_of(&back, "a.log");
	CHECK(in != NULL);
	if (in) {
		CHECK_INT(in->dev, s.in[0].dev);
		CHECK_INT(in->ino, s.in[0].ino);
		CHECK_INT(in->offset, 4);
		CHECK(in->mark == hash_bytes("one\n", 4));
	}
	CHECK_INT(state_next(&back, &pos, &kw, &kwlen, &rest, &restlen), 1);
	CHECK_MEM(kw, kwlen, "watermark");
	CHECK_MEM(rest, restlen, "1000");
	CHECK_INT(state_next(&back, &pos, &kw, &kwlen, &rest, &restlen), 1);
	CHECK_MEM(kw, kwlen, "open");
	CHECK_MEM(rest, restlen, "a b");
	CHECK_INT(state_next(&back, &pos, &kw, &kwlen, &rest, &restlen), 0);

	/* saved again over the old one, as the text the module writes */
	state_release(&back);
	state_init(&back);
	s.output_len = 0;
	buf_reset(&s.body);
	CHECK_INT(state_save(&s, "st", "stream-agg", err, sizeof err), 0);
	{
		char want[256];

		snprintf(want, sizeof want, "streamkit-state 1 stream-agg\n"
		    "output 0\nfile %ju %ju 4 %jx a.log\nend\n",
		    (uintmax_t)s.in[0].dev, (uintmax_t)s.in[0].ino,
		    (uintmax_t)hash_bytes("one\n", 4));
		CHECK_STR(slurp("st"), want);
	}
	CHECK_INT(state_load(&back, "st", "stream-agg", err, sizeof err), 0);
	CHECK_INT(back.body.len, 0);
	pos = 0;
	CHECK_INT(state_next(&back, &pos, &kw, &kwlen, &rest, &restlen), 0);

	/* a first run has none; a directory that is not there is an error */
	state_release(&back);
	state_init(&back);
	CHECK_INT(state_load(&back, "nothing", "stream-agg", err, sizeof err), 1);
	CHECK_INT(state_save(&s, "no/st", "stream-agg", err, sizeof err), -1);
	CHECK_STR(err, "state 'no/st.tmp': No such file or directory");
	state_release(&back);
	state_release(&s);
}

static const struct load_case {
	const char *text;	/* NULL: the path is a directory */
	const char *tool;
	const char *err;	/* "" when it loads */
} load_cases[] = {
	{ "streamkit-state 1 stream-agg\nend\n", "stream-agg", "" },
	{ "streamkit-state 1 stream-agg\noutput 7\nk v\nend\n", "stream-agg",
	    "" },
	{ "", "stream-agg", "state 'st': not a streamkit state file" },
	{ "hello\nend\n", "stream-agg",
	    "state 'st': not a streamkit state file" },
	{ "streamkit-state x stream-agg\nend\n", "stream-agg",
	    "state 'st': not a streamkit state file" },
	{ "streamkit-state 2 stream-agg\nend\n", "stream-agg",
	    "state 'st': written by streamkit-state 2 stream-agg, not "
	    "stream-agg version 1" },
	{ "streamkit-state 1 stream-window\nend\n", "stream-agg",
	    "state 'st': written by streamkit-state 1 stream-window, not "
	    "stream-agg version 1" },
	/* the tool is the whole last word, not its end */
	{ "streamkit-state 1 xstream-agg\nend\n", "stream-agg",
	    "state 'st': written by streamkit-state 1 xstream-agg, not "
	    "stream-agg version 1" },
	{ "streamkit-state 1 stream-agg", "stream-agg",
	    "state 'st': written by streamkit-state 1 stream-agg, not "
	    "stream-agg version 1" },
	/* cut short: no "end" line */
	{ "streamkit-state 1 stream-agg\nwatermark 5\n", "stream-agg",
	    "state 'st': truncated" },
	{ "streamkit-state 1 stream-agg\nwatermark 5\nen", "stream-agg",
	    "state 'st': truncated" },
	{ "streamkit-state 1 stream-agg\nend", "stream-agg",
	    "state 'st': truncated" },
	{ "streamkit-state 1 stream-agg\noutput x\nend\n", "stream-agg",
	    "state 'st': a bad output line" },
	{ "streamkit-state 1 stream-agg\noutput -1\nend\n", "stream-agg",
	    "state 'st': a bad output line" },
	{ "streamkit-state 1 stream-agg\nfile 1 2 3\nend\n", "stream-agg",
	    "state 'st': a bad file line" },
	{ "streamkit-state 1 stream-agg\nfile 1 2 -3 ab a.log\nend\n",
	    "stream-agg", "state 'st': a bad file line" },
	{ "streamkit-state 1 stream-agg\nfile 1 2 3 ab \nend\n", "stream-agg",
	    "state 'st': a bad file line" },
	{ "streamkit-state 1 stream-agg\nfile 1 2 3 zz a.log\nend\n",
	    "stream-agg", "state 'st': a bad file line" },
	{ NULL, "stream-agg", "state 'st': Is a directory" },
};

static void
test_load_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof load_cases / sizeof load_cases[0]; i++) {
		const struct load_case *c = &load_cases[i];
		struct state s;
		char err[256] = "";
		int rc;

		if (c->text)
			write_file("st", c->text);
		else
			mkdir("st", 0755);
		state_init(&s);
		rc = state_load(&s, "st", c->tool, err, sizeof err);
		if (rc != (*c->err ? -1 : 0) || strcmp(err, c->err) != 0)
			fprintf(stderr, "load case %zu\n", i);
		CHECK_INT(rc, *c->err ? -1 : 0);
		CHECK_STR(err, c->err);
		state_release(&s);
		if (c->text)
			unlink("st");
		else
			rmdir("st");
	}
}

/* The lines of a body the tool wrote, whatever their shape. */
static void
test_next(void)
{
	static const struct {
		const char *body;
		const char *want;	/* "kw|rest;" each */
	} cases[] = {
		{ "", "" },
		{ "a b\n", "a|b;" },
		{ "a b c\n", "a|b c;" },
		{ "bare\n", "bare|;" },
		{ "a \n", "a|;" },
		{ "\n", "|;" },
		{ "x 1\ny 2", "x|1;y|2;" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct state s;
		struct buf got = BUF_INIT;
		size_t pos = 0, kwlen, restlen;
		const char *kw, *rest;

		state_init(&s);
		buf_addstr(&s.body, cases[i].body);
		while (state_next(&s, &pos, &kw, &kwlen, &rest, &restlen)) {
			buf_add(&got, kw, kwlen);
			buf_addc(&got, '|');
			buf_add(&got, rest, restlen);
			buf_addc(&got, ';');
		}
		CHECK_MEM(got.data, got.len, cases[i].want);
		buf_release(&got);
		state_release(&s);
	}
}

static void
test_inputs(void)
{
	struct state s;
	struct stat st;
	int fd;

	state_init(&s);
	CHECK(state_input_of(&s, "a.log") == NULL);
	write_file("a.log", "0123456789");
	fd = open("a.log", O_RDONLY);
	fstat(fd, &st);
	state_set_input(&s, "a.log", fd, 0);
	CHECK_INT(s.nin, 1);
	CHECK_INT(s.in[0].offset, 0);
	CHECK(s.in[0].mark == 0);
	CHECK_INT(s.in[0].ino, st.st_ino);
	CHECK_INT(s.in[0].dev, st.st_dev);
	/* the same path again is the same slot */
	state_set_input(&s, "a.log", fd, 6);
	CHECK_INT(s.nin, 1);
	CHECK_INT(state_input_of(&s, "a.log")->offset, 6);
	CHECK(state_input_of(&s, "a.log")->mark == hash_bytes("012345", 6));
	state_set_input(&s, "./a.log", fd, 10);
	CHECK_INT(s.nin, 2);
	CHECK_INT(state_input_of(&s, "./a.log")->offset, 10);
	CHECK_INT(state_input_of(&s, "a.log")->offset, 6);
	CHECK(state_input_of(&s, "b.log") == NULL);
	close(fd);
	state_release(&s);
	CHECK_INT(s.nin, 0);
	CHECK(s.in == NULL);
}

/* The mark is of the last 4096 bytes before the offset, not all. */
static void
test_long_mark(void)
{
	struct state s;
	char big[6000];
	int fd;

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[10] = 'y';		/* before the last 4096: not in the mark */
	write_file("big.log", big);
	fd = open("big.log", O_RDONLY);
	state_init(&s);
	state_set_input(&s, "big.log", fd, 5999);
	CHECK(s.in[0].mark == hash_bytes(big + 5999 - 4096, 4096));
	close(fd);
	state_release(&s);
}

/*
 * What happened to "app.log" after the state took it at offset 8 of
 * "aaa\nbbb\n", and the pieces to read then: "NAME@OFFSET:REST" each,
 * REST being what the piece holds from its offset.
 */
enum { NOTHING, APPENDED, ROTATED, COPYTRUNCATED,
	TRUNCATED, REWRITTEN, COPY_REWRITTEN, ROTATED_DECOY };

static const struct resume_case {
	const char *name;
	int what;
	const char *want;
} resume_cases[] = {
	{ "as left", NOTHING, "app.log@8:;" },
	{ "appended", APPENDED, "app.log@8:ccc\n;" },
	{ "rotated", ROTATED, "./app.log.1@8:ccc\n;app.log@0:ddd\n;" },
	{ "copytruncate", COPYTRUNCATED,
	    "./app.log.1@8:ccc\n;app.log@0:d\n;" },
	{ "truncated, no copy", TRUNCATED, "app.log@0:d\n;" },
	{ "rewritten longer in place, no copy", REWRITTEN,
	    "app.log@0:xxx\nyyy\nzzz\n;" },
	{ "rewritten longer in place, a copy", COPY_REWRITTEN,
	    "./app.log-2026@8:ccc\n;app.log@0:xxx\nyyy\nzzz\n;" },
	/* names not "app.log..." are not looked at, the same inode or not
	 * (an old file deleted is this case, without an inode to reuse) */
	{ "rotated to another name", ROTATED_DECOY, "app.log@0:ddd\n;" },
};

static void
happen(int what)
{
	switch (what) {
	case APPENDED:
		append_file("app.log", "ccc\n");
		break;
	case ROTATED:
	case ROTATED_DECOY:
		append_file("app.log", "ccc\n");
		rename("app.log", what == ROTATED ? "app.log.1" :
		    "old-app.log");
		write_file("app.log.2", "aaa\nbbb\nother\n");	/* not it */
		write_file("app.log", "ddd\n");
		break;
	case COPYTRUNCATED:
		append_file("app.log", "ccc\n");
		write_file("app.log.1", "aaa\nbbb\nccc\n");
		write_file("app.log.2", "zzz\nbbb\nccc\n");	/* not it */
		write_file("app.log", "d\n");
		break;
	case TRUNCATED:
		write_file("app.log", "d\n");
		break;
	case REWRITTEN:
	case COPY_REWRITTEN:
		if (what == COPY_REWRITTEN)
			write_file("app.log-2026", "aaa\nbbb\nccc\n");
		write_file("app.log", "xxx\nyyy\nzzz\n");
		break;
	}
}

static void
test_resume(void)
{
	size_t i;

	for (i = 0; i < sizeof resume_cases / sizeof resume_cases[0]; i++) {
		const struct resume_case *c = &resume_cases[i];
		struct state s;
		struct state_piece piece[2];
		struct buf got = BUF_INIT;
		int fd, n, k;

		empty_dir();
		write_file("app.log", "aaa\nbbb\n");
		state_init(&s);
		fd = open("app.log", O_RDONLY);
		state_set_input(&s, "app.log", fd, 8);
		close(fd);
		happen(c->what);
		n = state_resume(state_input_of(&s, "app.log"), "app.log",
		    piece);
		for (k = 0; k < n; k++) {
			buf_addf(&got, "%s@%jd:%s;", piece[k].name,
			    (intmax_t)piece[k].offset,
			    rest_of(piece[k].fd, piece[k].offset));
			close(piece[k].fd);
			free(piece[k].name);
		}
		if (got.len != strlen(c->want) ||
		    memcmp(got.data, c->want, got.len) != 0)
			fprintf(stderr, "resume case '%s'\n", c->name);
		CHECK_MEM(got.data, got.len, c->want);
		buf_release(&got);
		state_release(&s);
	}
	empty_dir();
}

static void
test_resume_edges(void)
{
	struct state_piece piece[2];
	struct state_input none = { NULL, 0, 0, 0, 0 };

	write_file("b.log", "abc\n");
	/* no state for it: all of it */
	CHECK_INT(state_resume(NULL, "b.log", piece), 1);
	CHECK_INT(piece[0].offset, 0);
	CHECK_STR(piece[0].name, "b.log");
	close(piece[0].fd);
	free(piece[0].name);
	/* not there: -1 and errno */
	errno = 0;
	CHECK_INT(state_resume(&none, "missing.log", piece), -1);
	CHECK_INT(errno, ENOENT);
	unlink("b.log");
}

/* A reader callback that keeps the lines it is given. */
static int
collect(struct reader *r, void *arg)
{
	struct buf *b = arg;
	const char *line;
	size_t len;
	int rc;

	while ((rc = reader_next(r, &line, &len)) == 1) {
		buf_add(b, line, len);
		buf_addc(b, ';');
	}
	return rc;
}

/* Across runs and a rotation, each line read once; a last line without
 * "\n" waits for its end. */
static void
test_read_operand(void)
{
	static const struct {
		const char *append;	/* before the run */
		int rotate;		/* then rotate to app.log.1 first */
		const char *want;
	} runs[] = {
		{ "a\nb\npart", 0, "a;b;" },
		{ "ial\nc\n", 0, "partial;c;" },
		{ "", 0, "" },
		{ "d\n", 1, "d;" },
		{ "e\n", 0, "e;" },
	};
	struct state s;
	size_t i;

	empty_dir();
	write_file("app.log", "");
	state_init(&s);
	for (i = 0; i < sizeof runs / sizeof runs[0]; i++) {
		struct buf got = BUF_INIT;

		if (runs[i].rotate) {
			append_file("app.log", runs[i].append);
			rename("app.log", "app.log.1");
			write_file("app.log", "");
		} else
			append_file("app.log", runs[i].append);
		CHECK_INT(state_read_operand(&s, "app.log", collect, &got), 0);
		CHECK_MEM(got.data ? got.data : "", got.len, runs[i].want);
		buf_release(&got);
	}
	CHECK_INT(state_read_operand(&s, "nothing", collect, NULL), -2);
	CHECK_INT(errno, ENOENT);
	state_release(&s);
	empty_dir();
}

/* -O: cut back to what the state knew, then appended to. */
static void
test_output(void)
{
	struct state s;
	struct out o;
	char err[256] = "";
	int fd;

	state_init(&s);
	write_file("out", "kept\nlost\n");
	fd = state_output_open(NULL, "out", err, sizeof err);	/* no state */
	CHECK(fd >= 0);
	close(fd);
	CHECK_STR(slurp("out"), "");

	write_file("out", "kept\nlost\n");
	s.output_len = 5;
	fd = state_output_open(&s, "out", err, sizeof err);
	CHECK(fd >= 0);
	out_init(&o, fd, "out");
	o.owns_fd = 1;
	out_puts(&o, "new\n");
	CHECK_INT(state_commit(&s, "st", "stream-agg", &o, 1, err, sizeof err),
	    0);
	CHECK_STR(slurp("out"), "kept\nnew\n");
	CHECK_INT(s.output_len, 9);
	CHECK_STR(slurp("st"), "streamkit-state 1 stream-agg\noutput 9\nend\n");
	CHECK_INT(out_release(&o), 0);

	CHECK_INT(state_output_open(&s, "no/out", err, sizeof err), -1);
	CHECK_STR(err, "'no/out': No such file or directory");
	state_release(&s);
	empty_dir();
}

int
main(void)
{
	char dir[] = "/tmp/state_testXXXXXX";

	if (mkdtemp(dir) == NULL || chdir(dir) < 0)
		return 2;
	test_round_trip();
	empty_dir();
	test_load_cases();
	test_next();
	test_inputs();
	test_long_mark();
	empty_dir();
	test_resume();
	test_resume_edges();
	test_read_operand();
	test_output();
	empty_dir();
	if (chdir("/") < 0 || rmdir(dir) < 0)
		CHECK(!"the temporary directory removed");
	return check_done("state_test");
}
