/*
 * formats_test.c - the field finders of csv.c, logfmt.c and text.c.
 * Every line is copied into a heap block of exactly its length, so that
 * under AddressSanitizer a finder reading past line[len-1] fails loudly;
 * other tests pass slices of longer buffers whose following bytes would
 * change the answer if they were read.  Fieldsets are built here by hand,
 * so that this test links with the three finders alone.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "csv.h"
#include "json.h"
#include "logfmt.h"
#include "parser.h"
#include "record.h"
#include "text.h"

/* csv_split's negative "more" return, as csv.c defines it */
#define CSV_MORE	PARSE_MORE
#define MAXF		16

static struct field fields[MAXF];
static char names[512];
static struct fieldset fs;
static struct val vals[MAXF];
static char out[2048];

/* The fieldset of the space-separated names, indexed as fieldset_add
 * does: a name of digits not starting with 0 is a column number. */
static void
mkfs(const char *list)
{
	char *p = names, *t;
	size_t i;

	strcpy(names, list);
	fs = (struct fieldset){ fields, 0, MAXF, 0, 0, 0 };
	while ((t = strsep(&p, " ")) != NULL) {
		struct field *f = &fields[fs.n++];

		f->name = t;
		f->len = strlen(t);
		f->bare = 0;	/* no JSON here: json_key_at would not look */
		f->index = 0;
		for (i = 0; i < f->len && t[i] >= '0' && t[i] <= '9'; i++)
			f->index = f->index * 10 + (t[i] - '0');
		if (i < f->len || f->len == 0 || t[0] == '0')
			f->index = 0;
	}
}

/* A heap copy of s of exactly its length: no byte after it to read. */
static char *
exact(const char *s, size_t n)
{
	char *p = malloc(n ? n : 1);

	memcpy(p, s, n);
	return p;
}

static void
add(const char *s, size_t n)
{
	size_t len = strlen(out);

	if (len + n < sizeof out) {
		memcpy(out + len, s, n);
		out[len + n] = '\0';
	}
}

/*
 * The values as text: '|' between them, '~' before an escaped one and,
 * when typed, "?" for missing and "s:" "n:" "b:" "z" before the rest.
 * Checks that each value has a pointer and that strings are in line.
 */
static const char *
render(const struct val *v, size_t n, int typed, const char *line,
    size_t len)
{
	static const char *const tag[] = { "?", "z", "b:", "n:", "s:" };
	int inline_ok = 1, ptr_ok = 1;
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		if (i > 0)
			add("|", 1);
		if (v[i].esc != ESC_NONE)
			add("~", 1);
		if (typed)
			add(tag[v[i].type], strlen(tag[v[i].type]));
		if (v[i].p == NULL) {
			ptr_ok = 0;
			continue;
		}
		if (v[i].type == VAL_STR && v[i].n > 0 &&
		    (v[i].p < line || v[i].p + v[i].n > line + len))
			inline_ok = 0;
		if (v[i].type != VAL_MISSING)
			add(v[i].p, v[i].n);
	}
	CHECK(ptr_ok);
	CHECK(inline_ok);
	return out;
}

static int
all_missing(void)
{
	size_t i;

	for (i = 0; i < fs.n; i++)
		if (vals[i].type != VAL_MISSING || vals[i].p == NULL ||
		    vals[i].n != 0)
			return 0;
	return 1;
}

/* CSV and TSV */

static const struct csv_case {
	const char *in;
	int tsv;
	long rc;		/* a cell count, CSV_MORE or PARSE_ERROR */
	const char *want;	/* the cells, or the error */
} csv_cases[] = {
	{ "a,b,c", 0, 3, "a|b|c" },
	{ "", 0, 1, "" },
	{ "a,,c", 0, 3, "a||c" },
	{ "a,b,", 0, 3, "a|b|" },
	{ ",", 0, 2, "|" },
	{ "\"a,b\",c", 0, 2, "a,b|c" },
	{ "\"x\"\"y\"", 0, 1, "~x\"\"y" },
	{ "\"\"", 0, 1, "" },
	{ "\"\"\"\"", 0, 1, "~\"\"" },
	{ "\"\",\"\"", 0, 2, "|" },
	{ "a\"b,c", 0, 2, "a\"b|c" },
	{ " \"a\",b", 0, 2, " \"a\"|b" },
	{ "\"a\nb\",c", 0, 2, "a\nb|c" },
	{ "1,\"two, three\",\"say \"\"hi\"\"\",4", 0, 4,
	    "1|two, three|~say \"\"hi\"\"|4" },
	{ "a\tb,c", 0, 2, "a\tb|c" },
	{ "x\\y,z", 0, 2, "x\\y|z" },
	{ "a,\"b\",", 0, 3, "a|b|" },
	{ "\"a,b", 0, CSV_MORE, "unterminated quoted field" },
	{ "x,\"a\"\"", 0, CSV_MORE, "unterminated quoted field" },
	{ "\"", 0, CSV_MORE, "unterminated quoted field" },
	{ "a,\"", 0, CSV_MORE, "unterminated quoted field" },
	{ "\"\"\"", 0, CSV_MORE, "unterminated quoted field" },
	{ "\"a\"b,c", 0, PARSE_ERROR,
	    "unexpected character after closing quote" },
	{ "\"a\" ,c", 0, PARSE_ERROR,
	    "unexpected character after closing quote" },
	{ "a,\"b\"\"\"c", 0, PARSE_ERROR,
	    "unexpected character after closing quote" },
	{ "a\tb\tc", 1, 3, "a|b|c" },
	{ "", 1, 1, "" },
	{ "a\t\tc", 1, 3, "a||c" },
	{ "a\t", 1, 2, "a|" },
	{ "a\\tb\tc", 1, 2, "~a\\tb|c" },
	{ "x\ty\\\\z\tw", 1, 3, "x|~y\\\\z|w" },
	{ "\"a\tb\"", 1, 2, "\"a|b\"" },
	{ "a,b\tc", 1, 2, "a,b|c" },
	{ "\\\t\\", 1, 2, "~\\|~\\" },
	{ "a\tb\\", 1, 2, "a|~b\\" },
	{ "a\\\tb\tc\\n", 1, 3, "~a\\|b|~c\\n" },
};

static void
test_csv_table(void)
{
	struct val cells[MAXF];
	const char *err;
	size_t i, len;
	long rc;
	char *line;

	for (i = 0; i < sizeof csv_cases / sizeof csv_cases[0]; i++) {
		const struct csv_case *c = &csv_cases[i];

		len = strlen(c->in);
		line = exact(c->in, len);
		err = NULL;
		rc = csv_split(line, len, c->tsv, cells, MAXF, &err);
		CHECK_INT(rc, c->rc);
		if (rc >= 0)
			CHECK_STR(render(cells, (size_t)rc, 0, line, len),
			    c->want);
		else
			CHECK_STR(err, c->want);
		free(line);
	}
}

static void
test_csv_more(void)
{
	static const char rec[] = "id,\"multi\nline, \"\"quoted\"\"\",z";
	struct val cells[4], sentinel = { "x", 1, VAL_NULL, ESC_NONE };
	const char *err;
	size_t first = strchr(rec, '\n') - rec;

	/* the reader extends the record line by line until it closes */
	CHECK_INT(csv_split(rec, first, 0, cells, 4, &err), CSV_MORE);
	CHECK_INT(csv_split(rec, first + 7, 0, cells, 4, &err), CSV_MORE);
	CHECK_INT(csv_split(rec, sizeof rec - 1, 0, cells, 4, &err), 3);
	CHECK_MEM(cells[1].p, cells[1].n, "multi\nline, \"\"quoted\"\"");
	CHECK_INT(cells[1].esc, ESC_CSV);
	CHECK_INT(cells[1].type, VAL_STR);
	CHECK_MEM(cells[2].p, cells[2].n, "z");

	/* a count is returned for all cells, only max are stored */
	cells[2] = sentinel;
	CHECK_INT(csv_split("a,b,c,d", 7, 0, cells, 2, &err), 4);
	CHECK_MEM(cells[1].p, cells[1].n, "b");
	CHECK_INT(cells[2].type, VAL_NULL);
	CHECK_INT(csv_split("a,\"b,c\",d", 9, 0, NULL, 0, &err), 3);
	CHECK_INT(csv_split("a\tb", 3, 1, NULL, 0, &err), 2);
}

static void
test_csv_slices(void)
{
	static const char buf[] = "a,\"bc\",d\\e\tf";
	struct val cells[4];
	const char *err;

	/* the closing quote at buf[5] is outside the slice */
	CHECK_INT(csv_split(buf, 5, 0, cells, 4, &err), CSV_MORE);
	CHECK_INT(csv_split(buf, 6, 0, cells, 4, &err), 2);
	CHECK_MEM(cells[1].p, cells[1].n, "bc");
	/* the comma after the slice is no separator */
	CHECK_INT(csv_split(buf, 1, 0, cells, 4, &err), 1);
	CHECK_MEM(cells[0].p, cells[0].n, "a");
	/* a backslash after the slice does not flag the cell */
	CHECK_INT(csv_split(buf + 7, 1, 1, cells, 4, &err), 1);
	CHECK_INT(cells[0].esc, ESC_NONE);
	CHECK_INT(csv_split(buf + 7, 3, 1, cells, 4, &err), 1);
	CHECK_INT(cells[0].esc, ESC_TSV);
	/* nor does the tab just after it split it */
	CHECK_INT(csv_split(buf + 7, 3, 1, cells, 4, &err), 1);
	CHECK_INT(csv_split(buf + 7, 4, 1, cells, 4, &err), 2);
	CHECK_INT(cells[1].n, 0);
	CHECK_INT(csv_split(buf + 7, 5, 1, cells, 4, &err), 2);
	CHECK_MEM(cells[1].p, cells[1].n, "f");
}

/* logfmt, text and clf: the same table */

typedef int finder(const char *, size_t, const struct fieldset *,
    struct val *, const char **);

static const struct rec_case {
	const char *in;
	const char *names;
	int rc;
	const char *want;	/* the typed values, or the error */
} logfmt_cases[] = {
	{ "a=1 b=2 c=3", "a b c", PARSE_OK, "s:1|s:2|s:3" },
	{ "a=1", "a b c", PARSE_OK, "s:1|?|?" },
	{ "", "a b", PARSE_OK, "?|?" },
	{ "   \t ", "a", PARSE_OK, "?" },
	{ "  a=1\t\tb=x  ", "a b c", PARSE_OK, "s:1|s:x|?" },
	{ "a=\"hello world\" b=2", "a b", PARSE_OK, "s:hello world|s:2" },
	{ "a=\"say \\\"hi\\\"\"", "a", PARSE_OK, "~s:say \\\"hi\\\"" },
	{ "a=\"x\\\\\" b=1", "a b", PARSE_OK, "~s:x\\\\|s:1" },
	{ "a=\"tab\there\"", "a", PARSE_OK, "s:tab\there" },
	{ "a=\"\"", "a", PARSE_OK, "s:" },
	{ "a= b=2", "a b", PARSE_OK, "s:|s:2" },
	{ "a=", "a", PARSE_OK, "s:" },
	{ "a b=1 c", "a b c", PARSE_OK, "b:true|s:1|b:true" },
	{ "a=\"x\" b", "a b", PARSE_OK, "s:x|b:true" },
	{ "a=1 a=2", "a", PARSE_OK, "s:2" },
	{ "a a=2 a=\"3\"", "a", PARSE_OK, "s:3" },
	{ "a=x=y", "a", PARSE_OK, "s:x=y" },
	{ "a=b\"c", "a", PARSE_OK, "s:b\"c" },
	{ "path=C:\\dir", "path", PARSE_OK, "s:C:\\dir" },
	{ "ab=1 a=2 abc=3", "a", PARSE_OK, "s:2" },
	{ "A=1", "a", PARSE_OK, "?" },
	{ "a.b=1", "a.b a", PARSE_OK, "s:1|?" },
	{ "k=h\xc3\xa9llo", "k", PARSE_OK, "s:h\xc3\xa9llo" },
	{ "ts=2024-01-02T03:04:05Z level=info msg=\"GET /x 200\" dur=1.5ms",
	    "level msg dur ts", PARSE_OK,
	    "s:info|s:GET /x 200|s:1.5ms|s:2024-01-02T03:04:05Z" },
	{ "a=\"unterminated", "a", PARSE_ERROR, "unterminated quoted value" },
	{ "a=\"x\\\"", "a", PARSE_ERROR, "unterminated quoted value" },
	{ "a=\"x\\", "a", PARSE_ERROR, "unterminated quoted value" },
	{ "a=\"", "a", PARSE_ERROR, "unterminated quoted value" },
	{ "a=1 b=\"oops", "a b", PARSE_ERROR, "unterminated quoted value" },
	{ "=1", "a", PARSE_ERROR, "missing key" },
	{ "a=1 =2", "a", PARSE_ERROR, "missing key" },
	{ "a=1 = b=2", "a", PARSE_ERROR, "missing key" },
	{ "\"a\"=1", "a", PARSE_ERROR, "unexpected quote in key" },
	{ "a\"b=1", "a", PARSE_ERROR, "unexpected quote in key" },
	{ "a=1 \"x\"", "a", PARSE_ERROR, "unexpected quote in key" },
	{ "a=\"x\"y", "a", PARSE_ERROR, "expected a space after quoted value" },
	{ "a=\"x\"\"y\"", "a", PARSE_ERROR,
	    "expected a space after quoted value" },
	{ "a=\"x\"=", "a", PARSE_ERROR, "expected a space after quoted value" },
}, text_cases[] = {
	{ "one two three", "1 3", PARSE_OK, "s:one|s:three" },
	{ "  one\t two  ", "1 2 3", PARSE_OK, "s:one|s:two|?" },
	{ "", "1 0", PARSE_OK, "?|s:" },
	{ "a b", "0", PARSE_OK, "s:a b" },
	{ "  a b ", "0 1", PARSE_OK, "s:  a b |s:a" },
	{ "a b c", "4 name 03 00 -1", PARSE_OK, "?|?|?|?|?" },
	{ "x\\y \"q r\"", "1 2 3", PARSE_OK, "s:x\\y|s:\"q|s:r\"" },
	{ "a,b c", "1", PARSE_OK, "s:a,b" },
	{ "\t\t", "1 0", PARSE_OK, "?|s:\t\t" },
	{ "a\rb c\n", "1 2", PARSE_OK, "s:a\rb|s:c\n" },
	{ "1 2 3 4 5 6 7 8 9 10 11 12", "12 11 1 13", PARSE_OK,
	    "s:12|s:11|s:1|?" },
	{ "GET /index.html 200", "2 3 1", PARSE_OK,
	    "s:/index.html|s:200|s:GET" },
	{ "a=1 b", "1 a", PARSE_OK, "s:a=1|s:1" },
	{ "x k=\"a b\" k2=c", "k k2 x", PARSE_OK, "s:a b|s:c|?" },
}, common_cases[] = {
	{ "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "
	    "\"GET /apache_pb.gif HTTP/1.0\" 200 2326",
	    "host ident user time request method path protocol status bytes "
	    "referer agent other", PARSE_OK,
	    "s:127.0.0.1|s:-|s:frank|s:10/Oct/2000:13:55:36 -0700|"
	    "s:GET /apache_pb.gif HTTP/1.0|s:GET|s:/apache_pb.gif|s:HTTP/1.0|"
	    "n:200|n:2326|?|?|?" },
	{ "::1 - - [02/Jan/2024:03:04:05 +0000] \"HEAD / HTTP/1.1\" 304 -",
	    "host user status bytes", PARSE_OK, "s:::1|s:-|n:304|n:0" },
	{ "h i u [t] \"-\" 400 0", "request method path protocol", PARSE_OK,
	    "s:-|?|?|?" },
	{ "h i u [t] \"\" 400 0", "request method", PARSE_OK, "s:|?" },
	{ "h i u [t] \"GET /\" 200 1", "method path", PARSE_OK, "?|?" },
	{ "h i u [t] \"GET / HTTP/1.1 x\" 200 1", "method", PARSE_OK, "?" },
	{ "h i u [t] \"GET /a\\\"b HTTP/1.1\" 200 1",
	    "request method path protocol", PARSE_OK,
	    "~s:GET /a\\\"b HTTP/1.1|s:GET|~s:/a\\\"b|s:HTTP/1.1" },
	{ "h i u [t] \"\\x16\\x03\\x01\\x00\" 400 157", "request method status",
	    PARSE_OK, "~s:\\x16\\x03\\x01\\x00|?|n:400" },
	{ "h i u [t] \"GET / HTTP/1.1\" 200 1 \"-\" \"curl/8\"",
	    "bytes referer agent", PARSE_OK, "n:1|?|?" },
	{ "h i u [t] \"GET / HTTP/1.1\" 200 1 extra fields",
	    "status", PARSE_OK, "n:200" },
	{ "h  i\tu  [t]  \"x\"  200  1", "host ident user time", PARSE_OK,
	    "s:h|s:i|s:u|s:t" },
	{ "h i u [] \"x\" 200 0", "time", PARSE_OK, "s:" },
	{ "", "host", PARSE_ERROR, "expected host" },
	{ " h i u [t] \"x\" 200 1", "host", PARSE_ERROR, "expected host" },
	{ "h", "host", PARSE_ERROR, "expected ident" },
	{ "h ", "host", PARSE_ERROR, "expected ident" },
	{ "h i", "host", PARSE_ERROR, "expected user" },
	{ "h i u", "host", PARSE_ERROR, "expected '[' before time" },
	{ "h i u 10/Oct", "host", PARSE_ERROR, "expected '[' before time" },
	{ "h i u [10/Oct/2000:13:55:36 -0700", "host", PARSE_ERROR,
	    "unterminated time" },
	{ "h i u [t]", "host", PARSE_ERROR, "expected '\"' before request" },
	{ "h i u [t] GET", "host", PARSE_ERROR,
	    "expected '\"' before request" },
	{ "h i u [t]\"GET\" 200 1", "host", PARSE_ERROR,
	    "expected '\"' before request" },
	{ "h i u [t] \"GET / HTTP/1.0", "host", PARSE_ERROR,
	    "unterminated request" },
	{ "h i u [t] \"GET / HTTP/1.0\\\"", "host", PARSE_ERROR,
	    "unterminated request" },
	{ "h i u [t] \"GET\\", "host", PARSE_ERROR, "unterminated request" },
	{ "h i u [t] \"GET\"", "host", PARSE_ERROR, "expected status" },
	{ "h i u [t] \"GET\"200 1", "host", PARSE_ERROR, "expected status" },
	{ "h i u [t] \"GET\" 20 1", "host", PARSE_ERROR, "bad status" },
	{ "h i u [t] \"GET\" 2000 1", "host", PARSE_ERROR, "bad status" },
	{ "h i u [t] \"GET\" 2x0 1", "host", PARSE_ERROR, "bad status" },
	{ "h i u [t] \"GET\" - 1", "host", PARSE_ERROR, "bad status" },
	{ "h i u [t] \"GET\" 200", "host", PARSE_ERROR, "expected bytes" },
	{ "h i u [t] \"GET\" 200 ", "host", PARSE_ERROR, "expected bytes" },
	{ "h i u [t] \"GET\" 200 12k", "host", PARSE_ERROR, "bad bytes" },
	{ "h i u [t] \"GET\" 200 --", "host", PARSE_ERROR, "bad bytes" },
	{ "h i u [t] \"GET\" 200 -1", "host", PARSE_ERROR, "bad bytes" },
	{ "hello world", "host", PARSE_ERROR, "expected user" },
}, combined_cases[] = {
	{ "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "
	    "\"GET /apache_pb.gif HTTP/1.0\" 200 2326 "
	    "\"http://www.example.com/start.html\" "
	    "\"Mozilla/4.08 [en] (Win98; I ;Nav)\"",
	    "referer agent host status bytes", PARSE_OK,
	    "s:http://www.example.com/start.html|"
	    "s:Mozilla/4.08 [en] (Win98; I ;Nav)|s:127.0.0.1|n:200|n:2326" },
	{ "203.0.113.7 - - [02/Jan/2024:03:04:05 +0000] "
	    "\"POST /api/v1/items?id=3 HTTP/1.1\" 201 0 \"-\" \"curl/8.4.0\"",
	    "method path protocol status bytes referer agent user", PARSE_OK,
	    "s:POST|s:/api/v1/items?id=3|s:HTTP/1.1|n:201|n:0|s:-|"
	    "s:curl/8.4.0|s:-" },
	{ "10.0.0.2 - - [02/Jan/2024:03:04:05 +0000] \"GET / HTTP/2.0\" 200 "
	    "612 \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\" \"-\" rt=0.003 "
	    "uct=\"0.000\"", "agent bytes rt", PARSE_OK,
	    "s:Mozilla/5.0 (X11; Linux x86_64)|n:612|s:0.003" },
	{ "h i u [t] \"GET / HTTP/1.1\" 304 - \"-\" "
	    "\"Mozilla \\\"evil\\\" agent\"", "agent bytes", PARSE_OK,
	    "~s:Mozilla \\\"evil\\\" agent|n:0" },
	{ "h i u [t] \"GET / HTTP/1.1\" 200 5 \"a\\\\\" \"b\"",
	    "referer agent", PARSE_OK, "~s:a\\\\|s:b" },
	{ "h i u [t] \"GET / HTTP/1.1\" 200 5 \"\" \"\"", "referer agent",
	    PARSE_OK, "s:|s:" },
	{ "h i u [t] \"GET / HTTP/1.1\" 200 5", "host", PARSE_ERROR,
	    "expected referer and agent" },
	{ "h i u [t] \"GET / HTTP/1.1\" 200 5 ", "host", PARSE_ERROR,
	    "expected referer and agent" },
	{ "h i u [t] \"x\" 200 1 -", "host", PARSE_ERROR,
	    "expected '\"' before referer" },
	{ "h i u [t] \"x\" 200 1 \"ref", "host", PARSE_ERROR,
	    "unterminated referer" },
	{ "h i u [t] \"x\" 200 1 \"ref\"", "host", PARSE_ERROR,
	    "expected agent" },
	{ "h i u [t] \"x\" 200 1 \"ref\" -", "host", PARSE_ERROR,
	    "expected '\"' before agent" },
	{ "h i u [t] \"x\" 200 1 \"ref\"\"ag\"", "host", PARSE_ERROR,
	    "expected agent" },
	{ "h i u [t] \"x\" 200 1 \"ref\" \"ag", "host", PARSE_ERROR,
	    "unterminated agent" },
	{ "h i u [t] \"x\" 200 1 \"ref\" \"ag\\\"", "host", PARSE_ERROR,
	    "unterminated agent" },
	{ "h i u [t] \"x\" 200 1 \"ref\" \"ag\"x", "host", PARSE_ERROR,
	    "expected a space after agent" },
};

static int
common_parse(const char *line, size_t len, const struct fieldset *f,
    struct val *v, const char **err)
{
	return clf_parse(line, len, 0, f, v, err);
}

static int
combined_parse(const char *line, size_t len, const struct fieldset *f,
    struct val *v, const char **err)
{
	return clf_parse(line, len, 1, f, v, err);
}

static void
run_table(finder *find, const struct rec_case *c, size_t n)
{
	const char *err;
	size_t i, len;
	char *line;
	int rc;

	for (i = 0; i < n; i++, c++) {
		mkfs(c->names);
		len = strlen(c->in);
		line = exact(c->in, len);
		err = NULL;
		memset(vals, 0, sizeof vals);
		rc = find(line, len, &fs, vals, &err);
		CHECK_INT(rc, c->rc);
		if (rc == PARSE_OK)
			CHECK_STR(render(vals, fs.n, 1, line, len), c->want);
		else {
			CHECK_STR(err, c->want);
			/* a rejected line yields no values at all */
			CHECK(all_missing());
		}
		free(line);
	}
}

#define TABLE(find, t)	run_table(find, t, sizeof t / sizeof t[0])

static void
test_slices(void)
{
	static const char lf[] = "a=\"x y\" b=2";
	static const char tx[] = "one two three";
	static const char clf[] = "h i u [t] \"GET / HTTP/1.1\" 200 5 "
	    "\"r\" \"agent\"";
	const char *err;

	/* the closing quote is just past the slice */
	mkfs("a b");
	CHECK_INT(logfmt_parse(lf, 6, &fs, vals, &err), PARSE_ERROR);
	CHECK_STR(err, "unterminated quoted value");
	CHECK_INT(logfmt_parse(lf, 7, &fs, vals, &err), PARSE_OK);
	CHECK_MEM(vals[0].p, vals[0].n, "x y");
	CHECK_INT(vals[1].type, VAL_MISSING);
	CHECK_INT(logfmt_parse(lf, 1, &fs, vals, &err), PARSE_OK);
	CHECK_INT(vals[0].type, VAL_BOOL);
	CHECK_INT(logfmt_parse(lf, 2, &fs, vals, &err), PARSE_OK);
	CHECK_INT(vals[0].type, VAL_STR);
	CHECK_INT(vals[0].n, 0);
	CHECK_INT(logfmt_parse(lf + 8, 2, &fs, vals, &err), PARSE_OK);
	CHECK_INT(vals[1].n, 0);

	mkfs("2 0 3");
	CHECK_INT(text_parse(tx, 6, &fs, vals, &err), PARSE_OK);
	CHECK_MEM(vals[0].p, vals[0].n, "tw");
	CHECK_MEM(vals[1].p, vals[1].n, "one tw");
	CHECK_INT(vals[2].type, VAL_MISSING);

	mkfs("bytes agent");
	CHECK_INT(clf_parse(clf, sizeof clf - 2, 1, &fs, vals, &err),
	    PARSE_ERROR);
	CHECK_STR(err, "unterminated agent");
	CHECK_INT(clf_parse(clf, 32, 0, &fs, vals, &err), PARSE_OK);
	CHECK_MEM(vals[0].p, vals[0].n, "5");
	CHECK_INT(clf_parse(clf, 31, 0, &fs, vals, &err), PARSE_ERROR);
	CHECK_STR(err, "expected bytes");
	CHECK_INT(clf_parse(clf, 20, 0, &fs, vals, &err), PARSE_ERROR);
	CHECK_STR(err, "unterminated request");
}

/* fmt_detect asks with no fields and no values */
static void
test_no_fields(void)
{
	static const struct fieldset none = FIELDSET_INIT;
	static const char line[] = "h i u [t] \"GET / HTTP/1.1\" 200 5 "
	    "\"r\" \"a\"";
	const char *err;

	CHECK_INT(clf_parse(line, sizeof line - 1, 1, &none, NULL, &err),
	    PARSE_OK);
	CHECK_INT(clf_parse(line, 10, 0, &none, NULL, &err), PARSE_ERROR);
	CHECK_INT(logfmt_parse("a=1 b", 5, &none, NULL, &err), PARSE_OK);
	CHECK_INT(logfmt_parse("=", 1, &none, NULL, &err), PARSE_ERROR);
	CHECK_INT(text_parse("a b", 3, &none, NULL, &err), PARSE_OK);
}

/* parser_each: every field, NAME=TEXT joined by '|' (decoded text). */
static void
each_field(void *arg, const char *name, size_t nlen, const struct val *v)
{
	struct buf *got = arg, scratch = BUF_INIT;
	const char *t;
	size_t n;

	if (got->len)
		buf_addc(got, '|');
	buf_add(got, name, nlen);
	buf_addc(got, '=');
	if ((t = val_text(v, &scratch, &n)) != NULL)
		buf_add(got, t, n);
	buf_release(&scratch);
}

static void
test_each(void)
{
	static const struct {
		int fmt;
		const char *line;
		int rc;
		const char *want;
	} cases[] = {
		{ FMT_JSON, "{\"a\":1,\"b\":\"x\\\"y\",\"c\":[1,2],\"d\":null}", 0,
		    "a=1|b=x\"y|c=[1,2]|d=null" },
		{ FMT_JSON, "{\"h\\u0041\":1,\"\\u00e9t\\u00e9\":\"s\"}", 0,
		    "hA=1|\xc3\xa9t\xc3\xa9=s" },
		{ FMT_JSON, "{\"a\":1", -1, "" },
		{ FMT_LOGFMT, "level=error msg=\"a \\\"b\\\"\" flag", 0,
		    "level=error|msg=a \"b\"|flag=true" },
		{ FMT_CSV, "a,b", 0, "" },
		{ FMT_TEXT, "a b", 0, "" },
	};
	struct buf keys = BUF_INIT, got = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf_reset(&got);
		CHECK_INT(parser_each(cases[i].fmt, cases[i].line,
		    strlen(cases[i].line), &keys, each_field, &got),
		    cases[i].rc);
		if (cases[i].rc == 0)
			CHECK_MEM(got.data, got.len, cases[i].want);
	}
	buf_release(&keys);
	buf_release(&got);
}

int
main(void)
{
	test_each();
	test_csv_table();
	test_csv_more();
	test_csv_slices();
	TABLE(logfmt_parse, logfmt_cases);
	TABLE(text_parse, text_cases);
	TABLE(common_parse, common_cases);
	TABLE(combined_parse, combined_cases);
	test_slices();
	test_no_fields();
	return check_done("formats");
}
