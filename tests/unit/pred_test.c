/*
 * pred_test.c - the predicate language: matching and error messages.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "pred.h"
#include "record.h"

static struct buf scratch = BUF_INIT;

/* Does the JSON line match expr?  -1 when expr does not compile. */
static int
match(const char *expr, const char *line)
{
	struct fieldset fs = FIELDSET_INIT;
	struct val v[16];
	struct record rec = { line, strlen(line), "t", 1, v };
	char err[200];
	const char *perr;
	struct pred *p = pred_compile(expr, &fs, err, sizeof err);
	int m;

	if (p == NULL) {
		fieldset_release(&fs);
		return -1;
	}
	if (json_parse(line, strlen(line), &fs, v, &perr) != PARSE_OK)
		abort();
	buf_reset(&scratch);
	m = pred_eval(p, &rec, &scratch);
	pred_free(p);
	fieldset_release(&fs);
	return m;
}

static const char *
error_of(const char *expr)
{
	static char err[200];
	struct fieldset fs = FIELDSET_INIT;
	struct pred *p = pred_compile(expr, &fs, err, sizeof err);

	fieldset_release(&fs);
	if (p) {
		pred_free(p);
		return "ok";
	}
	return err;
}

static const struct {
	const char *expr, *line;
	int want;
} cases[] = {
	/* numbers compare as numbers, text as text */
	{ "status == 200", "{\"status\":200}", 1 },
	{ "status == 200", "{\"status\":\"200\"}", 1 },
	{ "status == 200", "{\"status\":200.0}", 1 },
	{ "status = 200", "{\"status\":200}", 1 },
	{ "status != 200", "{\"status\":404}", 1 },
	{ "status >= 500", "{\"status\":503}", 1 },
	{ "status >= 500", "{\"status\":499}", 0 },
	{ "status < 10", "{\"status\":9.5}", 1 },
	{ "status <= -1", "{\"status\":-1}", 1 },
	{ "status > 1e2", "{\"status\":101}", 1 },
	/* against a number, a value that is not one is the wrong type */
	{ "status > 100", "{\"status\":\"abc\"}", 0 },
	{ "status < 100", "{\"status\":\"abc\"}", 0 },
	{ "status != 100", "{\"status\":\"abc\"}", 0 },
	{ "status == 100", "{\"status\":\"100 OK\"}", 0 },
	{ "status >= 5", "{\"status\":null}", 0 },
	{ "status >= 5", "{\"status\":true}", 0 },
	{ "status >= 5", "{\"status\":{\"x\":9}}", 0 },
	{ "status >= 5", "{\"status\":[9]}", 0 },
	{ "not status >= 5", "{\"status\":\"x\"}", 1 },
	{ "status ~ 1", "{\"status\":\"a1\"}", 1 },
	{ "host == \"a b\"", "{\"host\":\"a b\"}", 1 },
	{ "host == 'a b'", "{\"host\":\"a b\"}", 1 },
	{ "host == web", "{\"host\":\"web\"}", 1 },
	{ "host < b", "{\"host\":\"a\"}", 1 },
	{ "host < b", "{\"host\":\"ba\"}", 0 },
	{ "host >= ab", "{\"host\":\"ab\"}", 1 },
	{ "host > ab", "{\"host\":\"abc\"}", 1 },
	{ "msg == \"say \\\"hi\\\"\"", "{\"msg\":\"say \\\"hi\\\"\"}", 1 },
	{ "msg == \"caf\xc3\xa9\"", "{\"msg\":\"caf\\u00e9\"}", 1 },
	{ "ok == true", "{\"ok\":true}", 1 },
	{ "ok == false", "{\"ok\":true}", 0 },
	{ "ok == true", "{\"ok\":\"true\"}", 1 },
	{ "x == null", "{\"x\":null}", 1 },
	{ "x != null", "{\"x\":null}", 0 },
	/* a missing field fails every comparison */
	{ "nope == 1", "{\"a\":1}", 0 },
	{ "nope != 1", "{\"a\":1}", 0 },
	{ "nope ~ x", "{\"a\":1}", 0 },
	{ "nope !~ x", "{\"a\":1}", 0 },
	{ "not nope == 1", "{\"a\":1}", 1 },
	{ "has a", "{\"a\":null}", 1 },
	{ "has b", "{\"a\":1}", 0 },
	{ "not has b", "{\"a\":1}", 1 },
	{ "has a.b", "{\"a\":{\"b\":1}}", 1 },
	/* regular expressions */
	{ "path ~ \"^/api/\"", "{\"path\":\"/api/v1\"}", 1 },
	{ "path ~ \"^/api/\"", "{\"path\":\"/x/api/\"}", 0 },
	{ "path !~ \"^/api/\"", "{\"path\":\"/x\"}", 1 },
	/* what the regex guard lets through */
	{ "a ~ '^[]x]+$'", "{\"a\":\"]x]\"}", 1 },
	{ "a ~ '^[[:digit:]]{3}$'", "{\"a\":\"503\"}", 1 },
	{ "a ~ '^a\\+\\+$'", "{\"a\":\"a++\"}", 1 },
	{ "a ~ '^(ab|c){2,3}d?$'", "{\"a\":\"abcab\"}", 1 },
	{ "a ~ '^((x{10}){10})$'", "{\"a\":\"xx\"}", 0 },
	{ "path ~ 'v[0-9]+$'", "{\"path\":\"/api/v12\"}", 1 },
	{ "status ~ ^5", "{\"status\":503}", 1 },
	{ "msg ~ \"a.b\"", "{\"msg\":\"a\\nb\"}", 1 },
	/* logic and precedence */
	{ "a == 1 or b == 1 and c == 1", "{\"a\":1,\"b\":0,\"c\":0}", 1 },
	{ "(a == 1 or b == 1) and c == 1", "{\"a\":1,\"b\":0,\"c\":0}", 0 },
	{ "a == 1 && b == 2", "{\"a\":1,\"b\":2}", 1 },
	{ "a == 9 || b == 2", "{\"a\":1,\"b\":2}", 1 },
	{ "!a == 1", "{\"a\":1}", 0 },
	{ "not not a == 1", "{\"a\":1}", 1 },
	{ "not (a == 1 and b == 1)", "{\"a\":1,\"b\":2}", 1 },
	{ "level == error and not msg ~ timeout", "{\"level\":\"error\",\"msg\":\"x\"}", 1 },
	/* the same field twice, and nested fields */
	{ "a > 1 and a < 3", "{\"a\":2}", 1 },
	{ "req.method == GET", "{\"req\":{\"method\":\"GET\"}}", 1 },
};

static const struct {
	const char *expr, *err;
} errors[] = {
	{ "", "empty expression" },
	{ "   ", "empty expression" },
	{ "status >=", "at 10: expected a value after '>='" },
	{ "status", "at 7: expected an operator after 'status'" },
	{ "a == 1 and", "at 11: expected a field, found the end" },
	{ "(a == 1", "at 8: expected ')'" },
	{ "a == 1)", "at 7: unexpected ')' after the expression" },
	{ ")", "at 1: unexpected ')'" },
	{ "a == \"open", "at 6: unterminated string" },
	{ "a == 'open", "at 6: unterminated string" },
	{ "a b", "at 3: expected an operator after 'a'" },
	{ "a == 1 b", "at 8: unexpected 'b' after the expression" },
	{ "has", "at 4: expected a field after 'has'" },
	{ "has (", "at 5: expected a field after 'has'" },
	{ "== 1", "at 1: expected a field" },
	{ "a ~ \"(\"", "at 5: bad regular expression: " },
	{ "a ~ 'x++'", "at 5: bad regular expression: repeated duplication symbols" },
	{ "a ~ 'x*{2}'", "at 5: bad regular expression: repeated duplication symbols" },
	{ "a ~ 'x{256}'", "at 5: bad regular expression: a repetition count above 255" },
	{ "a ~ '((x{200}){200}){200}'", "at 5: bad regular expression: too large once its repetitions are expanded" },
	{ "a ~ 'x)'", "at 5: bad regular expression: unbalanced )" },
	{ "a == == 1", "at 6: expected a value after '=='" },
	{ "a == 1 and or", "at 12: expected a field" },
};

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = match(cases[i].expr, cases[i].line);

		if (got != cases[i].want)
			fprintf(stderr, "case %zu: %s on %s: %d\n", i,
			    cases[i].expr, cases[i].line, got);
		CHECK_INT(got, cases[i].want);
	}
	for (i = 0; i < sizeof errors / sizeof errors[0]; i++) {
		const char *got = error_of(errors[i].expr);
		size_t n = strlen(errors[i].err);

		/* regerror's own words differ between libcs: a prefix */
		if (strncmp(got, errors[i].err, n) != 0 ||
		    (strstr(errors[i].err, "regular") == NULL &&
		    strlen(got) != n))
			fprintf(stderr, "error %zu: %s: got '%s'\n", i,
			    errors[i].expr, got);
		CHECK(strncmp(got, errors[i].err, n) == 0);
	}
	CHECK_STR(error_of("a == 1 or (b ~ x and not has c)"), "ok");
	buf_release(&scratch);
	return check_done("pred");
}
