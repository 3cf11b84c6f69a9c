/*
 * json_test.c - field lookup in JSON lines, value decoding, numbers.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "parser.h"
#include "record.h"

static struct fieldset fs;
static struct val v[16];
static struct buf scratch = BUF_INIT;

/* Parse line with the fields of names (comma-separated); rc of json_parse. */
static int
parse(const char *line, const char *names)
{
	const char *p = names, *err = NULL;

	fieldset_release(&fs);
	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		fieldset_add(&fs, p, n);
		p += n + (c != NULL);
	}
	return json_parse(line, strlen(line), &fs, v, &err);
}

static const char *
text(int slot)
{
	size_t n;
	const char *t;

	buf_reset(&scratch);
	t = val_text(&v[slot], &scratch, &n);
	if (t == NULL)
		return "(bad)";
	/* copy to terminate: the slice is not */
	static char out[256];
	snprintf(out, sizeof out, "%.*s", (int)n, t);
	return out;
}

/* The error for line, with a wanted field that is absent, so that the
 * whole line is read strictly. */
static const char *
error_of(const char *line)
{
	const char *err = NULL;

	if (parse(line, "absent") == PARSE_OK)
		return "ok";
	err = NULL;
	json_parse(line, strlen(line), &fs, v, &err);
	return err;
}

static void
test_lookup(void)
{
	CHECK_INT(parse("{\"status\":200,\"host\":\"a\"}", "status,host"), PARSE_OK);
	CHECK_INT(v[0].type, VAL_NUM);
	CHECK_MEM(v[0].p, v[0].n, "200");
	CHECK_INT(v[1].type, VAL_STR);
	CHECK_STR(text(1), "a");

	/* a key inside a string value is never a key */
	CHECK_INT(parse("{\"msg\":\"\\\"level\\\":\\\"x\\\"\",\"level\":\"info\"}",
	    "level"), PARSE_OK);
	CHECK_STR(text(0), "info");

	/* missing, null, booleans */
	CHECK_INT(parse("{\"a\":null,\"b\":true,\"c\":false}", "a,b,c,d"), PARSE_OK);
	CHECK_INT(v[0].type, VAL_NULL);
	CHECK_INT(v[1].type, VAL_BOOL);
	CHECK_MEM(v[2].p, v[2].n, "false");
	CHECK_INT(v[3].type, VAL_MISSING);

	/* nested by dotted path, and a literal dotted key */
	CHECK_INT(parse("{\"a\":{\"b\":{\"c\":5}},\"x\":1}", "a.b.c,x,a.b"), PARSE_OK);
	CHECK_MEM(v[0].p, v[0].n, "5");
	CHECK_MEM(v[1].p, v[1].n, "1");
	CHECK_MEM(v[2].p, v[2].n, "{\"c\":5}");
	CHECK_INT(parse("{\"a.b\":7}", "a.b"), PARSE_OK);
	CHECK_MEM(v[0].p, v[0].n, "7");
	CHECK_INT(parse("{\"a\":{\"bb\":1,\"b\":2}}", "a.b"), PARSE_OK);
	CHECK_MEM(v[0].p, v[0].n, "2");
	CHECK_INT(parse("{\"ab\":{\"c\":1},\"a\":{\"c\":2}}", "a.c"), PARSE_OK);
	CHECK_MEM(v[0].p, v[0].n, "2");
	/* a path through a non-object is missing */
	CHECK_INT(parse("{\"a\":3}", "a.b"), PARSE_OK);
	CHECK_INT(v[0].type, VAL_MISSING);

	/* duplicate keys: the first wins (as in simdjson's On Demand) */
	CHECK_INT(parse("{\"k\":1,\"k\":2}", "k"), PARSE_OK);
	CHECK_MEM(v[0].p, v[0].n, "1");
	CHECK_INT(parse("{\"k\":1,\"x\":3,\"k\":2}", "x,k"), PARSE_OK);
	CHECK_MEM(v[1].p, v[1].n, "1");

	/* after the last wanted field only strings, brackets and the
	 * closing brace are checked */
	CHECK_INT(parse("{\"k\":1,\"x\" 3}", "k"), PARSE_OK);
	CHECK_INT(parse("{\"k\":1,\"x\":\"3}", "k"), PARSE_ERROR);
	CHECK_INT(parse("{\"k\":1,\"x\":[3}", "k"), PARSE_ERROR);
	CHECK_INT(parse("{\"k\":1,\"x\":3", "k"), PARSE_ERROR);
	CHECK_INT(parse("{\"k\":1,\"x\":3}}", "k"), PARSE_ERROR);
	CHECK_INT(parse("{\"k\":1 \"x\":3}", "k"), PARSE_ERROR);
	CHECK_INT(parse("{\"k\":1x,\"x\":3}", "k"), PARSE_ERROR);
	/* the same over rests long enough for the block-wise check */
	CHECK_INT(parse("{\"k\":1,\"a\":\"}}}]]]{{{[[[ brackets in a string\","
	    "\"b\":[{\"c\":[1,2,3]},{\"d\":{}}],\"e\":\"0123456789abcdef\"}", "k"),
	    PARSE_OK);
	CHECK_INT(parse("{\"k\":1,\"a\":\"escaped \\\" quote and } brace\","
	    "\"b\":\"0123456789abcdef0123456789\"}", "k"), PARSE_OK);
	CHECK_INT(parse("{\"k\":1,\"a\":\"0123456789abcdef0123456789abcdef}", "k"),
	    PARSE_ERROR);
	CHECK_INT(parse("{\"k\":1,\"a\":[[0123456789,0123456789,0123456789]}", "k"),
	    PARSE_ERROR);
	CHECK_INT(parse("{\"k\":1,\"a\":[0123456789,0123456789,0123456789]]}", "k"),
	    PARSE_ERROR);
	CHECK_INT(parse("{\"k\":1,\"a\":\"0123456789abcdef0123456789\"}   ", "k"),
	    PARSE_OK);
	CHECK_INT(parse("{\"k\":1,\"a\":\"0123456789abcdef0123456789\"}x", "k"),
	    PARSE_ERROR);
	{
		const char *err;

		CHECK_INT(parse("{\"k\":1,\"a\":\"0123456789abcdef0123456789", "k"),
		    PARSE_ERROR);
		static const char open_str[] =
		    "{\"k\":1,\"a\":\"0123456789abcdef0123456789";

		json_parse(open_str, sizeof open_str - 1, &fs, v, &err);
		CHECK_STR(err, "unterminated string");
	}

	/* escapes in keys and values */
	CHECK_INT(parse("{\"l\\u0065vel\":\"a\\tb\\u00e9\\ud83d\\ude00\"}", "level"),
	    PARSE_OK);
	CHECK_STR(text(0), "a\tb\xc3\xa9\xf0\x9f\x98\x80");
	CHECK_INT(parse("{\"s\":\"\\\\\"}", "s"), PARSE_OK);
	CHECK_STR(text(0), "\\");
	CHECK_INT(parse("{\"s\":\"\\ud800\"}", "s"), PARSE_OK);
	CHECK_STR(text(0), "(bad)");
	CHECK_INT(parse("{\"s\":\"\\q\"}", "s"), PARSE_OK);
	CHECK_STR(text(0), "(bad)");

	/* arrays and nested values are skipped whole */
	CHECK_INT(parse("{\"arr\":[1,{\"k\":\"]\"},[]],\"k\":\"top\"}", "k"), PARSE_OK);
	CHECK_STR(text(0), "top");
	/* blanks anywhere JSON allows them */
	CHECK_INT(parse(" { \"a\" : 1 , \"b\" : \"x\" } ", "b"), PARSE_OK);
	CHECK_STR(text(0), "x");
	CHECK_INT(parse("{}", "a"), PARSE_OK);
	CHECK_INT(v[0].type, VAL_MISSING);
	/* a long string value goes through the memchr path */
	CHECK_INT(parse("{\"m\":\"0123456789012345678901234567890123456789\\\"x\","
	    "\"k\":1}", "k"), PARSE_OK);
	CHECK_MEM(v[0].p, v[0].n, "1");
}

static void
test_errors(void)
{
	CHECK_STR(error_of(""), "expected '{'");
	CHECK_STR(error_of("[1]"), "expected '{'");
	CHECK_STR(error_of("{\"a\":1"), "truncated object");
	CHECK_STR(error_of("{\"a\":\"x"), "unterminated string");
	CHECK_STR(error_of("{\"a\" 1}"), "expected ':'");
	CHECK_STR(error_of("{\"a\":1 \"b\":2}"), "expected ',' or '}'");
	CHECK_STR(error_of("{a:1}"), "expected a key");
	CHECK_STR(error_of("{\"a\":tru}"), "bad value");
	CHECK_STR(error_of("{\"a\":[1,2}"), "mismatched bracket");
	CHECK_STR(error_of("{\"a\":[1,2"), "truncated value");
	CHECK_STR(error_of("{\"a\":1}x"), "trailing characters after object");
	CHECK_STR(error_of("{\"a\":1,}"), "expected a key");
	CHECK_STR(error_of("{\"a\":}"), "bad value");
	CHECK_STR(error_of("{\"a\":1}"), "ok");

	/* a matched number is checked; 1e999 is out of range */
	CHECK_INT(parse("{\"n\":12x}", "n"), PARSE_ERROR);
	/* 1e999 is JSON, but no double: a number only when read as one */
	CHECK_INT(parse("{\"n\":1e999}", "n"), PARSE_OK);
	CHECK_INT(val_num(&v[0], NULL, NULL, NULL), -1);
	CHECK_INT(parse("{\"n\":01}", "n"), PARSE_ERROR);
	CHECK_INT(parse("{\"n\":1.}", "n"), PARSE_ERROR);
	CHECK_INT(parse("{\"n\":-0.5e+3}", "n"), PARSE_OK);
	CHECK_INT(parse("{\"n\":-}", "n"), PARSE_ERROR);

	/* 10,000 levels of nesting: an error, not a crash */
	{
		size_t depth = 10000, i;
		char *deep = malloc(depth * 2 + 16);
		char *p = deep;

		p += sprintf(p, "{\"a\":");
		for (i = 0; i < depth; i++)
			*p++ = '[';
		for (i = 0; i < depth; i++)
			*p++ = ']';
		strcpy(p, "}");
		CHECK_STR(error_of(deep), "nesting too deep");
		free(deep);
	}
	/* the parser never reads past len: the slice ends mid-object */
	{
		const char *line = "{\"a\":1}{\"b\":2}";
		const char *err;
		struct fieldset none = FIELDSET_INIT;

		CHECK_INT(json_parse(line, 7, &none, v, &err), PARSE_OK);
		CHECK_INT(json_parse(line, 6, &none, v, &err), PARSE_ERROR);
	}
}

/* Every strict prefix of a valid object is rejected, and the object
 * itself accepted, whatever field is wanted: this walks the strict path,
 * the block-wise rest check, its overlapping last block and the
 * byte-wise fallback at every length. */
static void
test_prefixes(void)
{
	static const char *const lines[] = {
		"{\"k\":1}",
		"{\"k\":1,\"s\":\"}]{[ brackets in a string, long enough\"}",
		"{\"k\":1,\"a\":[{\"b\":[1,2,{\"c\":\"]\"}]},[]],\"z\":\"0123456789\"}",
		"{\"k\":\"v\",\"e\":\"esc \\\" quote \\\\ and } brace 0123456789\",\"n\":-1.5e3}",
		"{\"x\":{\"y\":{\"k\":2}},\"k\":3,\"t\":\"0123456789abcdef0123456789abcdef\"}",
		"{\"k\":1,\"t\":\"0123456789abcdef0123456789abcdef0123456789abcdef\"}",
	};
	static const char *const wanted[] = { "k", "absent", "x.y.k", "k,t" };
	size_t i, j, cut;
	int ok = 1;

	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		size_t len = strlen(lines[i]);

		for (j = 0; j < sizeof wanted / sizeof wanted[0]; j++) {
			const char *err;

			parse("{}", wanted[j]);
			if (json_parse(lines[i], len, &fs, v, &err) != PARSE_OK) {
				fprintf(stderr, "rejected %s (%s): %s\n", lines[i],
				    wanted[j], err);
				ok = 0;
			}
			for (cut = 0; cut < len; cut++) {
				/* a heap copy of exactly cut bytes, for ASan */
				char *c = malloc(cut + 1);

				memcpy(c, lines[i], cut);
				if (json_parse(c, cut, &fs, v, &err) == PARSE_OK) {
					fprintf(stderr, "accepted %.*s (%s)\n",
					    (int)cut, c, wanted[j]);
					ok = 0;
				}
				free(c);
			}
		}
	}
	CHECK(ok);
}

/* The rule for the rest of a line once the wanted fields are read,
 * a byte at a time: strings end, brackets balance up to the closing
 * brace, then blanks alone. */
static int
rest_holds(const char *p, const char *e)
{
	size_t depth = 1;
	int instr = 0, esc = 0;

	for (; p < e; p++) {
		if (instr) {
			if (esc)
				esc = 0;
			else if (*p == '\\')
				esc = 1;
			else if (*p == '"')
				instr = 0;
		} else if (*p == '"')
			instr = 1;
		else if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0) {
			for (p++; p < e && strchr(" \t\r\n", *p); p++)
				;
			return p == e;
		}
	}
	return 0;
}

/* Random rests of up to a few hundred bytes, so that the check runs
 * over words of 64 bytes, blocks of 16 and single bytes, with strings,
 * escapes and brackets anywhere: the parse agrees with the rule, in
 * SSE2 blocks and in the widest words the processor takes. */
static void
random_rests(int wide)
{
	static const char bytes[] = "\"\"\"\\{}[]aaaa11,: ";
	static const char *const pieces[] = { "\"plain text\"", "[1,[2]]",
	    "{\"a\":{}}", "\"}]{[\"", "\"esc \\\" q\"", "12345", "," };
	unsigned long seed = 7;
	char line[600];
	size_t n, k, i, parts;
	int bad = 0;

	json_narrow(!wide);
	parse("{}", "k");
	for (i = 0; i < 20000; i++) {
		const char *err;

		strcpy(line, "{\"k\":1,");
		n = strlen(line);
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		parts = (seed >> 33) % 40;
		for (k = 0; k < parts && n < 500; k++) {
			seed = seed * 6364136223846793005UL +
			    1442695040888963407UL;
			if ((seed >> 40) % 4 == 0) {	/* a stray byte */
				line[n++] = bytes[(seed >> 20) % (sizeof bytes - 1)];
				continue;
			}
			strcpy(line + n, pieces[(seed >> 20) % 7]);
			n += strlen(line + n);
		}
		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		if ((seed >> 33) % 4 != 0)
			line[n++] = '}';
		if ((json_parse(line, n, &fs, v, &err) == PARSE_OK) !=
		    rest_holds(line + 7, line + n) && bad++ < 5)
			fprintf(stderr, "rest: %.*s\n", (int)n, line);
	}
	json_narrow(0);
	CHECK_INT(bad, 0);
}

static void
test_random_rests(void)
{
	random_rests(0);
	random_rests(1);
}

/* A line cut anywhere after its first member, in a buffer that goes on
 * with what would close it: truncated, in SSE2 blocks and in the widest
 * words (which load the last bytes masked), nothing past its end read. */
static void
test_rest_cut(void)
{
	static const char line[] = "{\"ts\":\"2026-11-23T23:59:58.414Z\","
	    "\"a\":{\"b\":[1,\"]}\"]},\"msg\":\"0123456789012345678901234567"
	    "8901234567890123456789012345678901234567890123\",\"n\":1}";
	size_t cut, wide;
	const char *err;

	parse("{}", "ts");
	for (wide = 0; wide < 2; wide++) {
		json_narrow(!wide);
		for (cut = 40; cut < sizeof line - 1; cut++) {
			err = NULL;
			CHECK_INT(json_parse(line, cut, &fs, v, &err),
			    PARSE_ERROR);
			CHECK(err != NULL && strcmp(err,
			    "trailing characters after object") != 0);
		}
		CHECK_INT(json_parse(line, sizeof line - 1, &fs, v, &err),
		    PARSE_OK);
	}
	json_narrow(0);
}

/* int_parse: the one integer reader, eight digits a step or one. */
static void
test_int_parse(void)
{
	static const struct { const char *in; int rc; int64_t want; } c[] = {
		{ "0", 0, 0 },
		{ "-0", 0, 0 },
		{ "+7", 0, 7 },
		{ "12345678", 0, 12345678 },
		{ "1796000000000000", 0, INT64_C(1796000000000000) },
		{ "-1796000000000001", 0, -INT64_C(1796000000000001) },
		{ "00000000000000000000001", 0, 1 },
		{ "9223372036854775807", 0, INT64_MAX },
		{ "-9223372036854775808", 0, INT64_MIN },
		{ "9223372036854775808", -1, 0 },
		{ "99999999999999999999", -1, 0 },
		{ "1234567x", -1, 0 },
		{ "12345678x", -1, 0 },
		{ "", -1, 0 },
		{ "-", -1, 0 },
		{ "+", -1, 0 },
		{ "1.5", -1, 0 },
		{ " 1", -1, 0 },
	};
	size_t k;

	for (k = 0; k < sizeof c / sizeof c[0]; k++) {
		int64_t got = 0;

		CHECK_INT(int_parse(c[k].in, strlen(c[k].in), &got), c[k].rc);
		CHECK(c[k].rc < 0 || got == c[k].want);
	}
	/* int_scan: the longest integer from p, and where it ends */
	{
		static const struct { const char *in; int end; int64_t want; }
		    sc[] = {
			{ "12,", 2, 12 }, { "-3}", 2, -3 },
			{ "1796000000000000,\"x\"", 16,
			    INT64_C(1796000000000000) },
			{ "12345678x", 8, 12345678 }, { "x1", -1, 0 },
			{ "-", -1, 0 }, { "99999999999999999999,", -1, 0 },
		};
		const char *end;

		for (k = 0; k < sizeof sc / sizeof sc[0]; k++) {
			int64_t got = 0;

			end = int_scan(sc[k].in, sc[k].in + strlen(sc[k].in),
			    &got);
			CHECK_INT(end ? end - sc[k].in : -1, sc[k].end);
			CHECK(end == NULL || got == sc[k].want);
		}
	}
}

/* int_format against snprintf, about every digit count and chunk edge */
static void
test_int_format(void)
{
	static const int64_t c[] = {
		0, 1, -1, 9, 10, 99, 100, 999, 1000, 9999999, 10000000,
		99999999, 100000000, 100000001, 123456789, 1000000000,
		INT64_C(999999999999999), INT64_C(1000000000000000),
		INT64_C(9999999999999999), -INT64_C(999999999999999),
		-INT64_C(1000000000000000), -INT64_C(9999999999999999),
		-INT64_C(10000000000000000), INT64_C(1795478398414000),
		-INT64_C(1795478398414000), INT64_C(10000000000000000),
		INT64_C(100000000000000000), INT64_C(1000000000000000000),
		INT64_C(999999999999999999), INT64_MAX, INT64_MIN, INT64_MIN + 1,
	};
	char got[INT_FORMAT_MAX], want[32];
	size_t k, n;
	int64_t x;

	for (k = 0; k < sizeof c / sizeof c[0]; k++) {
		snprintf(want, sizeof want, "%lld", (long long)c[k]);
		n = int_format(c[k], got);
		CHECK_STR(got, want);
		CHECK_INT(n, strlen(want));
	}
	for (x = 1; x > 0 && x < INT64_MAX / 7; x = x * 7 + 3) {
		snprintf(want, sizeof want, "%lld", (long long)x);
		int_format(x, got);
		CHECK_STR(got, want);
	}
}

static void
test_numbers(void)
{
	double d;
	int isint;
	int64_t i;

	CHECK_INT(num_parse("42", 2, &d, &isint, &i), 0);
	CHECK_INT(isint, 1);
	CHECK_INT(i, 42);
	CHECK_INT(num_parse("-9223372036854775808", 20, &d, &isint, &i), 0);
	CHECK(isint && i == INT64_MIN);
	CHECK_INT(num_parse("9223372036854775808", 19, &d, &isint, &i), 0);
	CHECK_INT(isint, 0);
	CHECK_INT(num_parse("1.5e3", 5, &d, &isint, &i), 0);
	CHECK(d == 1500.0 && !isint);
	/* the short-decimal path gives strtod's double exactly */
	{
		static const char *const nums[] = { "0.1", "0.3", "167.2",
		    "-2.5", "123456789.12345", "0.000001", "99999.99999",
		    "1.7976931348", "+0.5", "5000.0" };
		size_t k;
		int same = 1;

		for (k = 0; k < sizeof nums / sizeof nums[0]; k++) {
			same &= num_parse(nums[k], strlen(nums[k]), &d, NULL,
			    NULL) == 0 && d == strtod(nums[k], NULL);
		}
		CHECK(same);
	}
	CHECK_INT(num_parse(".5", 2, &d, NULL, NULL), 0);
	CHECK_INT(num_parse("5.", 2, &d, NULL, NULL), 0);
	CHECK_INT(num_parse("+7", 2, &d, NULL, NULL), 0);
	CHECK_INT(num_parse("", 0, &d, NULL, NULL), -1);
	CHECK_INT(num_parse("-", 1, &d, NULL, NULL), -1);
	CHECK_INT(num_parse("1e", 2, &d, NULL, NULL), -1);
	CHECK_INT(num_parse("0x10", 4, &d, NULL, NULL), -1);
	CHECK_INT(num_parse("inf", 3, &d, NULL, NULL), -1);
	CHECK_INT(num_parse("nan", 3, &d, NULL, NULL), -1);
	CHECK_INT(num_parse(" 1", 2, &d, NULL, NULL), -1);
	CHECK_INT(num_parse("1e999", 5, &d, NULL, NULL), -1);
	/* the slice ends before the digits that follow it */
	CHECK_INT(num_parse("12345", 2, &d, &isint, &i), 0);
	CHECK_INT(i, 12);
	{
		char s[40];

		num_format(2.0, s, sizeof s);
		CHECK_STR(s, "2");
		num_format(0.1, s, sizeof s);
		CHECK_STR(s, "0.1");
		num_format(1.0 / 3, s, sizeof s);
		CHECK_STR(s, "0.3333333333333333");
		num_format(-0.0, s, sizeof s);
		CHECK_STR(s, "0");
		num_format(1e300, s, sizeof s);
		CHECK_STR(s, "1e+300");
	}
	{
		struct val sv = { "200", 3, VAL_STR, ESC_NONE };

		CHECK_INT(val_num(&sv, &d, &isint, &i), 0);
		CHECK_INT(i, 200);
		sv.type = VAL_BOOL;
		CHECK_INT(val_num(&sv, &d, &isint, &i), -1);
	}
}

static void
test_utf8(void)
{
	CHECK_INT(utf8_valid("abc", 3), 1);
	CHECK_INT(utf8_valid("\xc3\xa9", 2), 1);
	CHECK_INT(utf8_valid("\xf0\x9f\x98\x80", 4), 1);
	CHECK_INT(utf8_valid("\xc3", 1), 0);
	CHECK_INT(utf8_valid("\xc0\xaf", 2), 0);		/* overlong */
	CHECK_INT(utf8_valid("\xed\xa0\x80", 3), 0);	/* surrogate */
	CHECK_INT(utf8_valid("\xff", 1), 0);
	CHECK_INT(utf8_valid("\xf4\x90\x80\x80", 4), 0);	/* > U+10FFFF */
}

static void
test_escapes(void)
{
	struct val csv = { "a\"\"b", 4, VAL_STR, ESC_CSV };
	struct val tsv = { "a\\tb\\\\c\\n", 9, VAL_STR, ESC_TSV };
	struct val lf = { "say \\\"hi\\\" \\x", 13, VAL_STR, ESC_LOGFMT };
	size_t n;
	const char *t;

	buf_reset(&scratch);
	t = val_text(&csv, &scratch, &n);
	CHECK_MEM(t, n, "a\"b");
	t = val_text(&tsv, &scratch, &n);
	CHECK_MEM(t, n, "a\tb\\c\n");
	t = val_text(&lf, &scratch, &n);
	CHECK_MEM(t, n, "say \"hi\" \\x");
}

static void
test_formats(void)
{
	CHECK_INT(fmt_from_name("json"), FMT_JSON);
	CHECK_INT(fmt_from_name("ndjson"), FMT_JSON);
	CHECK_INT(fmt_from_name("tsv"), FMT_TSV);
	CHECK_INT(fmt_from_name("yaml"), -1);
	CHECK_STR(fmt_name(FMT_COMBINED), "combined");
	CHECK_INT(fmt_detect("{\"a\":1}", 7), FMT_JSON);
	CHECK_INT(fmt_detect("  {", 3), FMT_JSON);
	CHECK_INT(fmt_detect("a=1 b=2", 7), FMT_LOGFMT);
	CHECK_INT(fmt_detect("hello world", 11), FMT_TEXT);
	CHECK_INT(fmt_detect("=x", 2), FMT_TEXT);
	CHECK_INT(fmt_detect("", 0), FMT_TEXT);
}

/* The tail field: "_t" as stream-window appends it, read from the end. */
static int
parse_tail(const char *line, const char *names)
{
	const char *err = NULL;

	parse("{}", names);
	fs.tail = 1;			/* the first name */
	return json_parse(line, strlen(line), &fs, v, &err);
}

static void
test_tail(void)
{
	CHECK_INT(parse_tail("{\"a\":1,\"_t\":1795514405000000}", "_t,a"),
	    PARSE_OK);
	CHECK_STR(text(0), "1795514405000000");
	CHECK_STR(text(1), "1");
	CHECK_INT(parse_tail("{\"_t\":-5}", "_t"), PARSE_OK);
	CHECK_STR(text(0), "-5");
	/* the last wins over one the record held before stream-window */
	CHECK_INT(parse_tail("{\"_t\":1,\"b\":\"x\",\"_t\":2}", "_t"),
	    PARSE_OK);
	CHECK_STR(text(0), "2");
	/* a name that differs in its first or last byte is not the tail */
	CHECK_INT(parse_tail("{\"a\":1,\"xt\":5}", "_t"), PARSE_OK);
	CHECK_INT(v[0].type, VAL_MISSING);
	CHECK_INT(parse_tail("{\"a\":1,\"_u\":5}", "_t"), PARSE_OK);
	CHECK_INT(v[0].type, VAL_MISSING);
	CHECK_INT(parse_tail("{\"a\":1,\"__t\":5}", "_t"), PARSE_OK);
	CHECK_INT(v[0].type, VAL_MISSING);
	/* not at the end, not a key, nested, escaped: the scan finds it */
	CHECK_INT(parse_tail("{\"_t\":3,\"b\":4}", "_t"), PARSE_OK);
	CHECK_STR(text(0), "3");
	CHECK_INT(parse_tail("{\"b\":{\"_t\":5}}", "_t"), PARSE_OK);
	CHECK_INT(v[0].type, VAL_MISSING);
	CHECK_INT(parse_tail("{\"\\u005ft\":6}", "_t"), PARSE_OK);
	CHECK_STR(text(0), "6");
	CHECK_INT(parse_tail("{\"_t\":7.5}", "_t"), PARSE_OK);
	CHECK_STR(text(0), "7.5");
	/* found at the end, the rest of the line is still checked */
	CHECK_INT(parse_tail("{\"a\":\"open,\"_t\":8}", "_t"), PARSE_ERROR);
	CHECK_INT(parse_tail("{\"a\":[1,\"_t\":8}", "_t"), PARSE_ERROR);
	CHECK_INT(parse_tail("x\"_t\":8}", "_t"), PARSE_ERROR);
	fs.trusted = 0;
}

/* The tail's digits are read eight at a time from the end: numbers of
 * every length around eight, a non-digit among them, leading zeros
 * (not JSON: the scan reports them). */
static void
test_tail_digits(void)
{
	static const struct {
		const char *line;
		int rc;
		const char *want;	/* the tail's text, or NULL: missing */
	} c[] = {
		{ "{\"_t\":0}", PARSE_OK, "0" },
		{ "{\"_t\":-0}", PARSE_OK, "-0" },
		{ "{\"_t\":1234567}", PARSE_OK, "1234567" },
		{ "{\"_t\":12345678}", PARSE_OK, "12345678" },
		{ "{\"_t\":-12345678}", PARSE_OK, "-12345678" },
		{ "{\"_t\":123456789}", PARSE_OK, "123456789" },
		{ "{\"_t\":1234567812345678}", PARSE_OK, "1234567812345678" },
		{ "{\"_t\":12345678123456789}", PARSE_OK,
		    "12345678123456789" },
		{ "{\"a\":1,\"_t\":1795514405000000}", PARSE_OK,
		    "1795514405000000" },
		/* ':' among the eight before the end: not all digits */
		{ "{\"_t\":1234}", PARSE_OK, "1234" },
		{ "{\"_t\":12345a78}", PARSE_ERROR, NULL },
		{ "{\"_t\":12345/78}", PARSE_ERROR, NULL },
		{ "{\"_t\":0123}", PARSE_ERROR, NULL },
		{ "{\"_t\":00}", PARSE_ERROR, NULL },
		{ "{\"_t\":-0123456789}", PARSE_ERROR, NULL },
		{ "{\"_t\":-}", PARSE_ERROR, NULL },
		{ "{\"_t\":}", PARSE_ERROR, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		CHECK_INT(parse_tail(c[i].line, "_t"), c[i].rc);
		if (c[i].want)
			CHECK_STR(text(0), c[i].want);
	}
	fs.trusted = 0;
}

/* Lines a streamkit tool wrote: once every wanted field is found, the
 * rest is passed on unchecked; until then, checked as any line, but
 * where json_key_at finds the fields by their bytes (test_key_at). */
static void
test_trusted(void)
{
	static const struct {
		const char *line, *names;
		int rc;
		const char *first;	/* field 0's text, or NULL */
	} c[] = {
		{ "{\"a\":\"open,\"_t\":8}", "_t", PARSE_OK, "8" },
		{ "{\"a\":[1,\"_t\":8}", "_t", PARSE_OK, "8" },
		{ "{\"k\":\"x\",\"a\":[1,\"_t\":8}", "_t,k", PARSE_OK, "8" },
		/* a wanted field after the damage: still an error */
		{ "{\"a\":[1,\"k\":\"x\",\"_t\":8}", "_t,k", PARSE_ERROR,
		    NULL },
		/* no tail: the scan reads up to the last wanted field */
		{ "{\"k\":1,\"a\":[}", "k", PARSE_OK, "1" },
		{ "{\"a\":[},\"k\":1}", "k", PARSE_ERROR, NULL },
		/* found by its bytes: what is before it is not read */
		{ "{\"a\":1x,\"k\":\"v\",\"pad\":\"....................\"}",
		    "k", PARSE_OK, "v" },
		{ "{\"a\":1x,\"k\":\"v\"}", "k", PARSE_OK, "v" },
		/* still an object */
		{ "x\"_t\":8}", "_t", PARSE_ERROR, NULL },
		/* a field the line lacks, seen so by its bytes: the rest is
		 * not read (1x), or cannot be told so and the walk reads it */
		{ "{\"a\":1x,\"_t\":8}", "_t,k", PARSE_OK, "8" },
		{ "{\"a\":1,\"b\":\"k\",\"_t\":8}", "_t,k", PARSE_OK, "8" },
		{ "{\"a\":[1,\"_t\":8}", "_t,k", PARSE_ERROR, NULL },
		{ "{\"a\":{\"k\":1},\"_t\":8}", "_t,k", PARSE_OK, "8" },
		{ "{\"a\":{\"k\":1},\"k\":2}", "k", PARSE_OK, "2" },
		{ "{\"a\":\"\\\"\",\"k\":3}", "k", PARSE_OK, "3" },
		{ "{\"a\":1 ,\"k\":4}", "k", PARSE_OK, "4" },
	};
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		const char *err = NULL;

		parse("{}", c[i].names);
		fs.tail = strncmp(c[i].names, "_t", 2) == 0;
		fs.trusted = 1;
		CHECK_INT(json_parse(c[i].line, strlen(c[i].line), &fs, v,
		    &err), c[i].rc);
		if (c[i].first)
			CHECK_STR(text(0), c[i].first);
		/* the lines that end in _t lack k at the top */
		if (c[i].rc == PARSE_OK && strcmp(c[i].names, "_t,k") == 0 &&
		    strncmp(c[i].line, "{\"k\"", 4) != 0)
			CHECK_INT(v[1].type, VAL_MISSING);
	}
	fs.trusted = 0;
	fs.tail = 0;
}

/*
 * A trusted line's member found by its bytes: where json_key_at finds
 * the value, or that it leaves the line to the walk (NULL).  The lines
 * end in a long member, since the last bytes are the walk's.
 */
#define PAD ",\"pad\":\"........................................\"}"
#define DOTS "................................................................" \
    "................"

/* json_key_at of a field as fieldset_add makes it */
static const char *
key_at(const char *line, const char *name)
{
	struct fieldset set = FIELDSET_INIT;
	const char *got;
	int slot = fieldset_add(&set, name, strlen(name));

	got = json_key_at(line, strlen(line), &set.f[slot]);
	fieldset_release(&set);
	return got;
}

static void
test_key_at(void)
{
	static const struct {
		const char *line, *name;
		const char *want;	/* the value's first bytes, or NULL */
	} c[] = {
		{ "{\"status\":200" PAD, "status", "200," },
		{ "{\"ts\":\"2026-11-23T23:59:58.414Z\",\"host\":\"web-01\","
		    "\"method\":\"PUT\",\"path\":\"/healthz\",\"status\":503"
		    PAD, "status", "503," },
		/* a key of its length and first byte before it */
		{ "{\"method\":1,\"stable\":2,\"status\":3" PAD, "status",
		    "3," },
		{ "{\"a\":\"x\",\"k\":\"v\"" PAD, "k", "\"v\"" },
		{ "{\"a\":\"x\",\"k\":{\"b\":1}" PAD, "k", "{\"b" },
		{ "{\"a\":\"x\",\"k\":null" PAD, "k", "null" },
		/* the first of two */
		{ "{\"k\":1,\"k\":2" PAD, "k", "1," },
		/* blanks, brackets and key-like bytes inside strings */
		{ "{\"m\":\"a b {c} [d]\",\"k\":1" PAD, "k", "1," },
		{ "{\"m\":\"k\",\"k\":2" PAD, "k", "2," },
		{ "{\"m\":\"k:\",\"k\":3" PAD, "k", "3," },
		{ "{\"k:\":1,\"k\":4" PAD, "k", "4," },
		/* a key after them: the walk's */
		{ "{\"m\":\"a\\\"b\",\"k\":1" PAD, "k", NULL },
		{ "{\"m\":\"\\u006b\",\"k\":1" PAD, "k", NULL },
		{ "{\"m\": 1,\"k\":1" PAD, "k", NULL },
		{ "{\"k\" :0,\"k\":1" PAD, "k", NULL },
		{ "{\"m\":{\"k\":0},\"k\":1" PAD, "k", NULL },
		{ "{\"m\":[\"k\",0],\"k\":1" PAD, "k", NULL },
		{ "{\"m\":\"x\"}\"k\":1" PAD, "k", NULL },
		/* a line that does not hold together: the quote before k
		 * ends a string */
		{ "{\"m\":\"x\"k\":1" PAD, "k", NULL },
		{ "{\"m\":\"\t\",\"k\":1" PAD, "k", "1," },
		{ "{\"m\":1,\r\"k\":1" PAD, "k", NULL },
		/* a backslash after it is the value's */
		{ "{\"k\":\"a\\nb\"" PAD, "k", "\"a\\n" },
		/* names the walk reads */
		{ "{\"a.b\":1" PAD, "a.b", NULL },
		{ "{\"a\\\"b\":1" PAD, "a\"b", NULL },
		{ "{\"k\":1" PAD, "", NULL },
		/* near the end: its last bytes, one at a time */
		{ "{\"m\":\"....................\",\"k\":1}", "k", "1}" },
		{ "{\"k\":2}", "k", "2}" },
		{ "{\"m\":\"}\",\"k\":3}", "k", "3}" },
		{ "{\"m\":\"x\",\"k\":[4]}", "k", "[4]}" },
		{ "{\"m\":\"\\\"\",\"k\":5}", "k", NULL },
		{ "{\"m\":\"x\" ,\"k\":6}", "k", NULL },
		{ "{\"m\":[1],\"k\":7}", "k", NULL },
		{ "{\"m\":\"x\",\"k\"}", "k", NULL },
		/* "k": after a string's closing quote is no key (the bytes
		 * have the next one open a string) */
		{ "{\"m\":\"x\"k\":1,\"p\":\"y\"k\":2" PAD, "k", "2" },
		/* not there */
		{ "{\"m\":1" PAD, "k", NULL },
		{ "{\"m\":1}", "k", NULL },
		{ "[\"k\",1" PAD, "k", NULL },
		{ "", "k", NULL },
	};
	char line[256];
	size_t i, pad, wide;

	for (wide = 0; wide < 2; wide++) {
		json_narrow(!wide);
		for (i = 0; i < sizeof c / sizeof c[0]; i++) {
			const char *got = key_at(c[i].line, c[i].name);

			if (c[i].want == NULL)
				CHECK(got == NULL);
			else
				CHECK(got != NULL && strncmp(got, c[i].want,
				    strlen(c[i].want)) == 0);
		}
		/* the key at every place of a 16- and a 32-byte block, a
		 * string open or not where the block before it ends */
		for (pad = 0; pad < 80; pad++) {
			const char *got;

			snprintf(line, sizeof line, "{\"p\":\"%.*s\",\"q\":\"%.*s\","
			    "\"status\":%zu" PAD, (int)pad, DOTS, (int)(pad % 5),
			    "xxxxx", pad);
			got = key_at(line, "status");
			CHECK(got != NULL && atoi(got) == (int)pad);
		}
	}
	/* the key near the line's end, where the 32-byte steps give way
	 * to the 16-byte ones and those to the walk: the two find the
	 * same, and what they find is the value */
	for (pad = 0; pad < 80; pad++) {
		const char *narrow, *got;

		snprintf(line, sizeof line, "{\"p\":\"%.*s\",\"status\":7,"
		    "\"z\":\"%.*s\"}", (int)(pad % 7), DOTS, (int)(pad / 2), DOTS);
		json_narrow(1);
		narrow = key_at(line, "status");
		json_narrow(0);
		got = key_at(line, "status");
		CHECK(got == narrow);
		CHECK(got == NULL || *got == '7');
		CHECK(pad < 40 || got != NULL);
		/* a long string before it, open where the steps change */
		snprintf(line, sizeof line, "{\"p\":\"%.*s\",\"status\":8,"
		    "\"z\":\"%.*s\"}", (int)pad, DOTS, (int)(10 + pad % 4), DOTS);
		json_narrow(1);
		narrow = key_at(line, "status");
		json_narrow(0);
		got = key_at(line, "status");
		CHECK(got == narrow && got != NULL && *got == '8');
	}
}
#undef PAD

/*
 * The quick walk against the member walk: json_parse and
 * json_parse_walk must give the same answer, error and slices for every
 * line.  Lines are bases cut, and with a byte put in or taken out at
 * every place; the bytes are those each walk decides on.
 */
static struct fieldset qfs[12];
static size_t nqfs;
static char first_bad[512];

static int
walks_agree(const char *line, size_t len, const struct fieldset *f)
{
	struct val a[8], b[8];
	const char *ea = NULL, *eb = NULL;
	int ra = json_parse(line, len, f, a, &ea);
	int rb = json_parse_walk(line, len, f, b, &eb);
	size_t i;

	/* a trusted line's fields found by their bytes: what comes before
	 * them is not read, as what comes after them is not */
	if (f->trusted && ra == PARSE_OK && rb != PARSE_OK)
		return 1;
	if (ra != rb)
		return 0;
	if (ra != PARSE_OK)
		return ea == eb || (ea && eb && strcmp(ea, eb) == 0);
	for (i = 0; i < f->n; i++)
		if (a[i].type != b[i].type || a[i].n != b[i].n ||
		    a[i].p != b[i].p || a[i].esc != b[i].esc)
			return 0;
	return 1;
}

/* Disagreements over line and its variants, with every field set. */
static int
variants_disagree(const char *line)
{
	static const char ins[] = " \\\"{}[],:x1\t";
	size_t len = strlen(line), i, k, f;
	char buf[512];
	int bad = 0;

	for (f = 0; f < nqfs; f++) {
		const struct fieldset *fsp = &qfs[f];

#define TRY(p, n) do { if (!walks_agree((p), (n), fsp) && bad++ == 0) \
	snprintf(first_bad, sizeof first_bad, "%.*s", (int)(n), (p)); } while (0)
		for (i = 0; i <= len; i++) {
			TRY(line, i);				/* cut */
			memcpy(buf, line, i);			/* a byte out */
			memcpy(buf + i, line + i + 1, len - i);
			if (i < len)
				TRY(buf, len - 1);
			for (k = 0; k < sizeof(ins) - 1; k++) {	/* a byte in */
				memcpy(buf, line, i);
				buf[i] = ins[k];
				memcpy(buf + i + 1, line + i, len - i);
				TRY(buf, len + 1);
			}
		}
#undef TRY
	}
	return bad;
}

static void
qfs_add(const char *names, int tail)
{
	const char *p = names;
	struct fieldset *f;

	if (nqfs == sizeof qfs / sizeof qfs[0])
		abort();		/* the table needs room */
	f = &qfs[nqfs++];

	while (*p) {
		const char *c = strchr(p, '|');
		size_t n = c ? (size_t)(c - p) : strlen(p);

		fieldset_add(f, p, n);
		p += n + (c != NULL);
	}
	f->tail = tail;
}

static void
test_quick_walk(void)
{
	static const char *const bases[] = {
		"{\"ts\":\"2026-11-23T23:59:58.414Z\",\"host\":\"web-01\","
		    "\"status\":200,\"latency_ms\":167.2,\"ok\":true,"
		    "\"user\":null,\"level\":\"info\",\"msg\":\"ok\"}",
		"{\"a\":1,\"level\":\"x\"}",
		"{\"a\":{\"b\":\"c\\\"d\",\"e\":[1,\"]\"]},\"level\":\"w\",\"z\":2}",
		"{\"level\":\"a\",\"level\":\"b\",\"a\":[{},[]]}",
		"{\"msg\":\"tab\\tin\",\"a\":-0.5e3,\"level\":false}",
		"{\"a\":1,\"_t\":1795514405000000}",
		"{}",
		/* the one field wanted, first: its string read at once
		 * (parse_first) when shorter than 32 bytes */
		("{\"ts\":\"2026-11-23T23:59:58.414Z\",\"ts\":\"x\",\"a\":[1,{\"b\":"
		    "\"}\"}],\"msg\":\"q\\\"z\",\"n\":-1}"),
		"{\"ts\":\"0123456789012345678901234567890\",\"level\":\"info\"}",
		"{\"ts\":\"01234567890123456789012345678901\",\"level\":\"info\"}",
		"{\"ts\":\"2026-11-23T23:59:58.414Z\"}                                   ",
		/* a byte in place of a quote or the colon */
		"{xts\":\"2026-11-23T23:59:58.414Z\",\"level\":\"info\"}",
		"{\"ts\";\"2026-11-23T23:59:58.414Z\",\"level\":\"info\"}",
		"{\"ts\"x\"2026-11-23T23:59:58.414Z\",\"level\":\"info\"}",
		"{\"tsx:\"2026-11-23T23:59:58.414Z\",\"level\":\"info\"}",
	};
	char line[256];
	size_t i, pad;
	int bad;

	qfs_add("level", 0);
	qfs_add("a", 0);
	qfs_add("ts", 0);
	qfs_add("a.b|a.e", 0);
	qfs_add("msg|ts|status|ok|user", 0);
	qfs_add("_t|a", 1);
	qfs_add("x\"y|\":1,\"level", 0);
	qfs_add("a_name_that_is_longer_than_sixty_three_bytes_so_every_key_is_tried|level", 0);
	for (i = 0; i < 2 * sizeof(bases) / sizeof(bases[0]); i++) {
		/* each line in SSE2 blocks, then in the widest words */
		json_narrow(i % 2 == 0);
		bad = variants_disagree(bases[i / 2]);
		if (bad)
			fprintf(stderr, "walks disagree on '%s'\n", first_bad);
		CHECK_INT(bad, 0);
	}
	json_narrow(0);
	/* strings, keys and nested values across the 64-byte words */
	for (pad = 40, bad = 0; pad < 140 && !bad; pad += 3) {
		snprintf(line, sizeof line, "{\"p\":\"%.*s\",\"a\":{\"q\":\"%.*s\"},"
		    "\"level\":\"v\",\"n\":12}", (int)pad,
		    "................................................................"
		    "................................................................",
		    (int)(pad % 61), "}{][,:}{][,:}{][,:}{][,:}{][,:}{][,:}{][,:"
		    "}{][,:}{][,:}{][,:}{][,:}{][,:}{][,:}{][,:");
		bad = variants_disagree(line);
	}
	if (bad)
		fprintf(stderr, "walks disagree on '%s'\n", first_bad);
	CHECK_INT(bad, 0);
	/* trusted: the same, where json_key_at finds the fields */
	for (i = 0; i < nqfs; i++)
		qfs[i].trusted = 1;
	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		snprintf(line, sizeof line, "%.*s,\"pad\":\"%s\"}",
		    (int)strlen(bases[i]) - 1, bases[i],
		    "........................................");
		bad = variants_disagree(strlen(bases[i]) > 2 ? line : bases[i]);
		if (bad)
			fprintf(stderr, "trusted walks disagree on '%s'\n",
			    first_bad);
		CHECK_INT(bad, 0);
	}
	for (i = 0; i < nqfs; i++)
		fieldset_release(&qfs[i]);
}

/*
 * Which lines json_parse reads by their first member at once: those it
 * is for, whatever the verdict, and no other.  The quick way and the
 * walk agree on every line (test_quick_walk); this holds that the quick
 * way is taken at all, which no output shows.
 */
/* P: a member that makes a line long enough for the string's mask */
#define P ",\"pad\":\"................................\""
static const struct {
	const char *line, *names;
	int rc, first;
} first_cases[] = {
	{ "{\"ts\":\"2026-11-23T23:59:58.414Z\"" P "}", "ts", PARSE_OK, 1 },
	{ "{\"ts\":\"x\"" P "}", "ts", PARSE_OK, 1 },
	{ "{\"ts\":\"\"" P ",\"a\":[1,{\"b\":\"}\"}]}", "ts", PARSE_OK, 1 },
	{ "{\"ts\":\"x\"}                                            ", "ts",
	    PARSE_OK, 1 },
	/* found, then the rest does not hold together */
	{ "{\"ts\":\"x\"" P ",\"a\":\"open}", "ts", PARSE_ERROR, 1 },
	{ "{\"ts\":\"x\"" P "} z", "ts", PARSE_ERROR, 1 },
	{ "{\"ts\":\"x\"" P, "ts", PARSE_ERROR, 1 },
	/* not the first member, or two fields wanted */
	{ "{\"a\":1,\"ts\":\"x\"" P "}", "ts", PARSE_OK, 0 },
	{ "{\"ts\":\"x\"" P ",\"a\":1}", "ts,a", PARSE_OK, 0 },
	/* not a short plain string, or too near the end for its mask: the
	 * walk's */
	{ "{\"ts\":1795478398414" P "}", "ts", PARSE_OK, 0 },
	{ "{\"ts\":\"a\\\"b\"" P "}", "ts", PARSE_OK, 0 },
	{ "{\"ts\":\"01234567890123456789012345678901\"" P "}", "ts", PARSE_OK,
	    0 },
	{ "{\"ts\":\"x\",\"a\":1}", "ts", PARSE_OK, 0 },
	{ " {\"ts\":\"x\"" P "}", "ts", PARSE_OK, 0 },
	{ "{\"tsx\":\"x\"" P "}", "ts", PARSE_OK, 0 },
	/* found, but what follows it is the walk's to read */
	{ "{\"ts\":\"x\" " P "}", "ts", PARSE_OK, 0 },
	{ "{\"ts\":\"x\":\"y\"" P "}", "ts", PARSE_ERROR, 0 },
};
#undef P


static void
test_first_member(void)
{
	size_t i;

	for (i = 0; i < sizeof(first_cases) / sizeof(first_cases[0]); i++) {
		unsigned long before = json_first_lines();
		int first;

		CHECK_INT(parse(first_cases[i].line, first_cases[i].names),
		    first_cases[i].rc);
		first = json_first_lines() != before;
#if defined(__SSE2__)
		if (first != first_cases[i].first)
			fprintf(stderr, "first member: '%s'\n",
			    first_cases[i].line);
		CHECK_INT(first, first_cases[i].first);
#else
		CHECK_INT(first, 0);	/* no quick way without SSE2 */
#endif
	}
}

int
main(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
	if (!__builtin_cpu_supports("avx512bw"))
		fprintf(stderr, "json: no AVX-512BW here: the rest is checked "
		    "in SSE2 blocks at every width\n");
#endif
	test_lookup();
	test_errors();
	test_prefixes();
	test_random_rests();
	test_rest_cut();
	test_numbers();
	test_int_parse();
	test_int_format();
	test_utf8();
	test_escapes();
	test_formats();
	test_tail();
	test_tail_digits();
	test_trusted();
	test_key_at();
	test_quick_walk();
	test_first_member();
	fieldset_release(&fs);
	buf_release(&scratch);
	return check_done("json");
}
