/*
 * trigger_test.c - trigger expressions, and Beam's trigger state
 * machines driven element by element and by the watermark.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trigger.h"

static const char *
parse_error(const char *expr)
{
	static char err[200];
	struct trigger *t = trigger_parse(expr, err, sizeof err);

	if (t) {
		trigger_free(t);
		return "ok";
	}
	return err;
}

static const char *
canonical(const char *expr)
{
	static struct buf b = BUF_INIT;
	static char err[200];
	struct trigger *t = trigger_parse(expr, err, sizeof err);

	buf_reset(&b);
	if (t == NULL)
		return err;
	trigger_format(&b, t);
	trigger_free(t);
	return b.data;
}

static void
test_parse(void)
{
	static const struct { const char *in, *out; } ok[] = {
		{ "watermark", "watermark" },
		{ " watermark ( early = count(2) , late=count(1) ) ",
		    "watermark(early=count(2),late=count(1))" },
		{ "watermark(late=count(1))", "watermark(late=count(1))" },
		{ "count(1000)", "count(1000)" },
		{ "after(5s)", "after(5000000us)" },
		{ "repeat(count(2))", "repeat(count(2))" },
		{ "any(count(2),after(1m))", "any(count(2),after(60000000us))" },
		{ "all(count(1),watermark)", "all(count(1),watermark)" },
		{ "each(count(1),count(2))", "each(count(1),count(2))" },
		{ "until(repeat(count(1)),count(3))",
		    "until(repeat(count(1)),count(3))" },
		{ "repeat(watermark(early=after(10s)))",
		    "repeat(watermark(early=after(10000000us)))" },
	};
	static const struct { const char *in, *err; } bad[] = {
		{ "", "at 1: expected a trigger" },
		{ "sometimes", "at 1: unknown trigger" },
		{ "count(0)", "at 7: expected a count of 1 or more" },
		{ "count(x)", "at 7: expected a count of 1 or more" },
		{ "count(3", "at 8: expected ')'" },
		{ "after(5 parsecs)", "at 7: expected a duration such as 30s" },
		{ "after(5s parsecs)", "at 10: expected ')'" },
		{ "after(soon)", "at 7: expected a duration such as 30s" },
		{ "repeat(count(1),count(2))", "at 25: repeat takes one trigger" },
		{ "until(count(1))", "at 15: until takes a trigger and the one that stops it" },
		{ "watermark(soon=count(1))", "at 11: expected early= or late=" },
		{ "watermark(early=count(1),early=count(2))", "at 26: expected early= or late=" },
		{ "watermark x", "at 11: unexpected text after the trigger" },
		{ "any(count(1),)", "at 14: expected a trigger" },
	};
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		CHECK_STR(canonical(ok[i].in), ok[i].out);
		CHECK_STR(canonical(canonical(ok[i].in)), ok[i].out);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_STR(parse_error(bad[i].in), bad[i].err);
}

/*
 * A window [0, 10) driven by a script: e (an element), w<N> (watermark
 * to N), p<N> (processing time to N); after each step, F when the window
 * fired, a '.' when not.  Evaluation follows Beam: after an element for
 * the window, when the watermark first passes its end, and when a
 * processing-time deadline passes.
 */
static const char *
drive(const char *expr, const char *script)
{
	static char out[64], err[200];
	struct trigger *t = trigger_parse(expr, err, sizeof err);
	struct trigger_node_state *s;
	struct trigger_now now = { 10, -1, 0 };
	size_t k = 0;
	const char *p = script;
	int end_seen = 0;

	if (t == NULL)
		return err;
	s = calloc(trigger_state_size(t), sizeof *s);
	trigger_state_init(t, s);
	while (*p) {
		int check = 0;

		switch (*p++) {
		case 'e':
			trigger_on_element(t, s, &now);
			check = 1;
			break;
		case 'w':
			now.wm = strtol(p, (char **)&p, 10);
			check = !end_seen && now.wm >= now.end;
			end_seen |= check;
			break;
		case 'p':
			now.proc = strtol(p, (char **)&p, 10);
			check = trigger_deadline(t, s) != 0 &&
			    now.proc >= trigger_deadline(t, s);
			break;
		case ' ':
			continue;
		}
		if (check && trigger_should_fire(t, s, &now)) {
			out[k++] = trigger_on_fire(t, s, &now) ? 'X' : 'F';
		} else
			out[k++] = '.';
	}
	out[k] = '\0';
	free(s);
	trigger_free(t);
	return out;
}

static void
test_beam(void)
{
	/* AfterWatermark: once, at the end; final */
	CHECK_STR(drive("watermark", "e e w5 w10 e"), "...X.");
	/* the default (Repeatedly(AfterWatermark)): on time, then per late */
	CHECK_STR(drive("repeat(watermark)", "e w10 e e"), ".FFF");
	/* early and late firings repeat */
	CHECK_STR(drive("watermark(early=count(2),late=count(1))",
	    "e e e e w10 e e"), ".F.FFFF");
	/* an on-time pane fires at the end whatever came before */
	CHECK_STR(drive("watermark(early=count(1))", "e e w10"), "FFX");
	/* count(N): fires once, finishes; short of N it never fires */
	CHECK_STR(drive("count(3)", "e e e e"), "..X.");
	CHECK_STR(drive("count(3)", "e e w10"), "...");
	/* repeat resets its child */
	CHECK_STR(drive("repeat(count(2))", "e e e e e"), ".F.F.");
	/* any: the first of; finishes */
	CHECK_STR(drive("any(count(2),after(100us))", "p0 e p50 p100 e"),
	    "...X.");
	CHECK_STR(drive("any(count(2),after(100us))", "e e p200"), ".X.");
	/* all: when every one has fired */
	CHECK_STR(drive("all(count(2),watermark)", "e e e w10"), "...X");
	CHECK_STR(drive("all(count(2),watermark)", "e w10 e"), "..X");
	/* each: one after the other */
	CHECK_STR(drive("each(count(1),count(2))", "e e e e"), "F.X.");
	/* until: T until STOP fires */
	CHECK_STR(drive("until(repeat(count(1)),count(3))", "e e e e"),
	    "FFX.");
	/* after(D): D of processing time after the first element */
	CHECK_STR(drive("after(100us)", "p1000 e p1050 p1100 e"), "...X.");
	CHECK_STR(drive("repeat(after(100us))", "p0 e p100 e p150 p200"),
	    "..F..F");
}

int
main(void)
{
	test_parse();
	test_beam();
	return check_done("trigger");
}
