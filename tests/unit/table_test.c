/*
 * table_test.c - lib/table: columns as wide as their widest cell, the
 * header once per block, again when the names change or a column grows
 * after a flush, the hold's bound, escapes and UTF-8 widths, and
 * passed-through records of every format turned into fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "testio.h"
#include "parser.h"
#include "table.h"

static FILE *file;
static struct out o;
static struct table t;

static void
open_table(void)
{
	file = tmpfile();
	out_init(&o, fileno(file), "table");
	table_init(&t, &o);
}

/* Everything written, the table released. */
static const char *
close_table(void)
{
	table_flush(&t);
	out_flush(&o);
	table_release(&t);
	out_release(&o);
	return drain(file);
}

/*
 * Records as lines of name=value fields separated by '|'; a line "--"
 * is a flush point.  "\t" in a value is a real tab.
 */
static void
feed(const char *spec)
{
	char line[512], *p, *f, *eq;

	while (*spec) {
		size_t n = strcspn(spec, "\n");

		memcpy(line, spec, n);
		line[n] = '\0';
		spec += n + (spec[n] == '\n');
		if (strcmp(line, "--") == 0) {
			table_flush(&t);
			continue;
		}
		table_begin(&t);
		for (p = line; (f = strsep(&p, "|")) != NULL;) {
			eq = strchr(f, '=');
			table_field(&t, f, (size_t)(eq - f), eq + 1, strlen(eq + 1));
		}
		table_end(&t);
	}
}

static const struct {
	const char *what, *in, *out;
} cases[] = {
	{ "columns as wide as their widest cell, the last not padded",
	  "a=1|bb=hello|c=x\na=100|bb=x|c=longer",
	  "a   bb    c\n1   hello x\n100 x     longer\n" },
	{ "a name wider than its cells",
	  "status=2|n=1",
	  "status n\n2      1\n" },
	{ "an empty value is a dash",
	  "a=|b=2",
	  "a b\n- 2\n" },
	{ "other names: a new block after a blank line",
	  "a=1\nb=22\nb=3",
	  "a\n1\n\nb\n22\n3\n" },
	{ "held records share the widths of all of them",
	  "k=a|v=1\nk=abcdef|v=2",
	  "k      v\na      1\nabcdef 2\n" },
	{ "after a flush, narrower records keep the header and widths",
	  "k=abcdef|v=1\n--\nk=a|v=2",
	  "k      v\nabcdef 1\na      2\n" },
	{ "after a flush, a wider record writes the header again",
	  "k=a|v=1\n--\nk=abcdef|v=2",
	  "k v\na 1\n\nk      v\nabcdef 2\n" },
	{ "a flush with nothing held writes nothing",
	  "--\n--",
	  "" },
	{ "control characters are escaped: one line a record",
	  "a=x\ty|b=\x01",
	  "a    b\nx\\ty \\x01\n" },
	{ "UTF-8 counts characters, not bytes",
	  "k=\xc3\xa9t\xc3\xa9|v=1\nk=abcd|v=2",
	  "k    v\n\xc3\xa9t\xc3\xa9  1\nabcd 2\n" },
	{ "back to the first names: a block of its own again",
	  "a=1\nb=2\na=3",
	  "a\n1\n\nb\n2\n\na\n3\n" },
};

static void
test_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got;

		open_table();
		feed(cases[i].in);
		got = close_table();
		if (strcmp(got, cases[i].out) != 0)
			fprintf(stderr, "case: %s\n", cases[i].what);
		CHECK_STR(got, cases[i].out);
	}
}

/* Past TABLE_HOLD records, what is held is written: a wider record
 * after it brings the header back, though no flush point came. */
static void
test_hold(void)
{
	const char *got, *p;
	int i, headers = 0;

	open_table();
	for (i = 0; i < TABLE_HOLD; i++)
		feed("n=1");
	CHECK(o.len > 0);		/* written, not held */
	feed("n=22");
	got = close_table();
	for (p = got; (p = strstr(p, "n\n")) != NULL; p++)
		headers += p == got || p[-1] == '\n';
	CHECK_INT(headers, 2);
}

/* table_line: each format's fields, then the added ones. */
static const struct {
	int fmt;
	const char *header, *line, *out;
} lines[] = {
	{ FMT_JSON, NULL, "{\"k\":\"a\\u00e9\",\"n\":3,\"o\":{\"x\":1}}",
	  "k  n o       w\na\xc3\xa9 3 {\"x\":1} 9\n" },
	{ FMT_LOGFMT, NULL, "k=\"a b\" n=3",
	  "k   n w\na b 3 9\n" },
	{ FMT_CSV, "k,\"n m\"", "\"x,\"\"y\"\"\",3",
	  "k     n m w\nx,\"y\" 3   9\n" },
	{ FMT_CSV, "k", "a,b",
	  "k 2 w\na b 9\n" },
	{ FMT_TSV, "k\tn", "a\\tb\t3",
	  "k    n w\na\\tb 3 9\n" },
	{ FMT_TEXT, NULL, "  one two\tthree ",
	  "1   2   3     w\none two three 9\n" },
	{ FMT_COMMON, NULL,
	  "1.2.3.4 - - [24/Nov/2026:10:00:05 +0000] \"GET / HTTP/1.1\" 200 5",
	  "host    ident user time                       request        "
	  "method path protocol status bytes w\n"
	  "1.2.3.4 -     -    24/Nov/2026:10:00:05 +0000 GET / HTTP/1.1 "
	  "GET    /    HTTP/1.1 200    5     9\n" },
};

static void
test_lines(void)
{
	const struct addfield w = { "w", "9", 1, OV_NUM };
	size_t i;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		open_table();
		if (lines[i].header)
			table_header(&t, lines[i].fmt, lines[i].header,
			    strlen(lines[i].header));
		table_line(&t, lines[i].fmt, lines[i].line,
		    strlen(lines[i].line), &w, 1);
		CHECK_STR(close_table(), lines[i].out);
	}
}

/* table_leave_out: a windowed stream's annotation left out of each
 * format, the added fields kept whatever their names. */
static const struct {
	int fmt;
	const char *header, *line, *out;
} annotated[] = {
	{ FMT_JSON, NULL, "{\"k\":\"a\",\"ws\":\"x\",\"_t\":60}",
	  "k ws\na 9\n" },
	{ FMT_LOGFMT, NULL, "k=a ws=x _t=60", "k ws\na 9\n" },
	{ FMT_CSV, "k,ws,_t", "a,x,60", "k ws\na 9\n" },
	{ FMT_TSV, "_t\tk", "60\ta", "k ws\na 9\n" },
	{ FMT_TEXT, NULL, "a b=c ws=x _t=60 d", "1 2   3 ws\na b=c d 9\n" },
	{ FMT_COMMON, NULL,
	  "1.2.3.4 - - [24/Nov/2026:10:00:05 +0000] \"GET / HTTP/1.1\" 200 5"
	  " ws=x _t=60",
	  "host    ident user time                       request        "
	  "method path protocol status bytes ws\n"
	  "1.2.3.4 -     -    24/Nov/2026:10:00:05 +0000 GET / HTTP/1.1 "
	  "GET    /    HTTP/1.1 200    5     9\n" },
	{ FMT_JSON, NULL, "{\"_t\":60,\"ws\":\"x\"}", "ws\n9\n" },
};

static void
test_leave_out(void)
{
	static const char *const names[] = { "_t", "ws" };
	const struct addfield w = { "ws", "9", 1, OV_STR };
	size_t i;

	for (i = 0; i < sizeof annotated / sizeof annotated[0]; i++) {
		open_table();
		table_leave_out(&t, names, 2);
		if (annotated[i].header)
			table_header(&t, annotated[i].fmt, annotated[i].header,
			    strlen(annotated[i].header));
		table_line(&t, annotated[i].fmt, annotated[i].line,
		    strlen(annotated[i].line), &w, 1);
		CHECK_STR(close_table(), annotated[i].out);
	}
}

/* A recw writing FMT_TABLE hands its records to the table. */
static void
test_recw(void)
{
	struct recw w;

	open_table();
	recw_init(&w, &o, FMT_TABLE);
	recw_set_sink(&w, &t.sink);
	recw_begin(&w);
	recw_field(&w, "status", 6, "200", 3, OV_STR);
	recw_field(&w, "count", 5, "12", 2, OV_NUM);
	recw_field(&w, "x", 1, "", 0, OV_NULL);
	recw_end(&w);
	CHECK_INT(o.len, 0);		/* held */
	recw_release(&w);
	CHECK_STR(close_table(), "status count x\n200    12    -\n");
}

int
main(void)
{
	test_cases();
	test_hold();
	test_lines();
	test_leave_out();
	test_recw();
	CHECK_INT(text_width("a\xc3\xa9\xe2\x96\x88", 6), 3);
	CHECK_INT(text_width("", 0), 0);
	return check_done("table");
}
