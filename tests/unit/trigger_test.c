/*
 * trigger_test.c - trigger expressions, and Beam's trigger state machines
 * driven record by record, by the watermark and by an injected clock.
 *
 * Each expected value follows the runners-core class named beside it
 * (org.apache.beam.runners.core.triggers.*StateMachine, ReduceFnRunner,
 * PaneInfoTracker, LateDataUtils).
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "trigger.h"

/* Parsing */

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
		{ "watermark()", NULL },
		{ " watermark ( early = count(2) , late=count(1) ) ",
		    "watermark(early=count(2),late=count(1))" },
		{ "watermark(late=count(1),early=count(2))",
		    "watermark(early=count(2),late=count(1))" },
		{ "watermark(late=count(1))", "watermark(late=count(1))" },
		{ "watermark(early=after(1m))", "watermark(early=after(1m))" },
		{ "count(1)", "count(1)" },
		{ "count(1000)", "count(1000)" },
		{ "count( 007 )", "count(7)" },
		{ "count(9223372036854775807)", "count(9223372036854775807)" },
		{ "after(5s)", "after(5s)" },
		{ "after(90s)", "after(90s)" },
		{ "after(1m30s)", "after(90s)" },
		{ "after(1h)", "after(1h)" },
		{ "after(24h)", "after(1d)" },
		{ "after(14d)", "after(2w)" },
		{ "after(1500ms)", "after(1500ms)" },
		{ "after(250us)", "after(250us)" },
		{ "after(5000000us)", "after(5s)" },
		{ "repeat(count(2))", "repeat(count(2))" },
		{ "any(count(2),after(1m))", "any(count(2),after(1m))" },
		{ "any(count(1))", "any(count(1))" },
		{ "all(count(1),watermark)", "all(count(1),watermark)" },
		{ "each(count(1),count(2),count(3))",
		    "each(count(1),count(2),count(3))" },
		{ "until(repeat(count(1)),count(3))",
		    "until(repeat(count(1)),count(3))" },
		{ "repeat(watermark(early=after(10s)))",
		    "repeat(watermark(early=after(10s)))" },
		{ "\tuntil(\n repeat( any( count(2) , after(30s) ) ) ,\r"
		    " all(count(10), watermark))",
		    "until(repeat(any(count(2),after(30s))),"
		    "all(count(10),watermark))" },
		{ TRIGGER_DEFAULT, "repeat(watermark)" },
	};
	static const struct { const char *in, *err; } bad[] = {
		{ "", "at 1: expected a trigger" },
		{ "   ", "at 4: expected a trigger" },
		{ "sometimes", "at 1: unknown trigger 'sometimes'" },
		{ "Watermark", "at 1: unknown trigger 'Watermark'" },
		{ "any(count(1),sometimes(2))",
		    "at 14: unknown trigger 'sometimes'" },
		{ "(count(1))", "at 1: expected a trigger" },
		{ "count", "at 6: expected '('" },
		{ "count 3", "at 7: expected '('" },
		{ "count(0)", "at 7: expected a count of 1 or more" },
		{ "count(-1)", "at 7: expected a count of 1 or more" },
		{ "count(x)", "at 7: expected a count of 1 or more" },
		{ "count(2.5)", "at 7: expected a count of 1 or more" },
		{ "count()", "at 7: expected a count of 1 or more" },
		{ "count(  )", "at 9: expected a count of 1 or more" },
		{ "count(99999999999999999999)",
		    "at 7: count '99999999999999999999' is too large" },
		{ "count(3", "at 8: expected ')'" },
		{ "count(3,4)", "at 8: expected ')'" },
		{ "after(5 parsecs)", "at 7: expected a duration such as 30s" },
		{ "after(5s parsecs)", "at 10: expected ')'" },
		{ "after(5parsecs)", "at 7: expected a duration such as 30s" },
		{ "after(soon)", "at 7: expected a duration such as 30s" },
		{ "after()", "at 7: expected a duration such as 30s" },
		{ "after(0s)", "at 7: expected a duration above zero" },
		{ "after(0)", "at 7: expected a duration above zero" },
		{ "repeat", "at 7: expected '('" },
		{ "repeat()", "at 8: expected a trigger" },
		{ "repeat(count(1),count(2))", "at 17: repeat takes one trigger" },
		{ "repeat(count(1)", "at 16: expected ')'" },
		{ "until(count(1))",
		    "at 15: expected ',' and the trigger that stops it" },
		{ "until(count(1),count(2),count(3))",
		    "at 25: until takes two triggers" },
		{ "any()", "at 5: expected a trigger" },
		{ "any(count(1),)", "at 14: expected a trigger" },
		{ "any(count(1) count(2))", "at 14: expected ')'" },
		{ "each(count(1)", "at 14: expected ')'" },
		{ "watermark(", "at 11: expected early= or late=" },
		{ "watermark()", "at 11: expected early= or late=" },
		{ "watermark(soon=count(1))", "at 11: expected early= or late=" },
		{ "watermark(early count(1))", "at 17: expected '='" },
		{ "watermark(early=)", "at 17: expected a trigger" },
		{ "watermark(early=count(1),early=count(2))",
		    "at 26: early= given twice" },
		{ "watermark(late=count(1), late=count(2))",
		    "at 26: late= given twice" },
		{ "watermark(early=count(1)", "at 25: expected ')'" },
		{ "watermark x", "at 11: unexpected text after the trigger" },
		{ "count(3))", "at 9: unexpected text after the trigger" },
		{ "count(3),count(4)", "at 9: unexpected text after the trigger" },
	};
	char err[8];
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (ok[i].out == NULL)
			continue;
		CHECK_STR(canonical(ok[i].in), ok[i].out);
		CHECK_STR(canonical(canonical(ok[i].in)), ok[i].out);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_STR(parse_error(bad[i].in), bad[i].err);
	/* a short err buffer is cut, not overrun; a zero-length one is fine */
	CHECK(trigger_parse("count(0)", err, sizeof err) == NULL);
	CHECK_STR(err, "at 7: e");
	CHECK(trigger_parse("count(0)", err, 0) == NULL);
}

/* Nesting deeper than 64 is refused, at the trigger that goes too deep. */
static void
test_parse_depth(void)
{
	struct buf b = BUF_INIT;
	int i;

	for (i = 0; i < 63; i++)
		buf_addstr(&b, "repeat(");
	buf_addstr(&b, "count(1)");
	for (i = 0; i < 63; i++)
		buf_addc(&b, ')');
	CHECK_STR(parse_error(b.data), "ok");
	buf_reset(&b);
	for (i = 0; i < 64; i++)
		buf_addstr(&b, "repeat(");
	buf_addstr(&b, "count(1)");
	for (i = 0; i < 64; i++)
		buf_addc(&b, ')');
	CHECK_STR(parse_error(b.data), "at 449: triggers nested too deeply");
	buf_release(&b);
}

/* Random triggers, with random blanks, read back from their canonical
 * text as the same canonical text. */
static unsigned long rng = 12345;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)((rng >> 33) % n);
}

static void
gen(struct buf *b, int depth)
{
	static const char *const durs[] = { "1s", "90s", "1m30s", "250ms",
	    "7us", "2h", "1d", "3w", "1500000us" };
	static const char *const lists[] = { "any", "all", "each" };
	const char *sp = rnd(3) == 0 ? " " : "";
	unsigned k = rnd(depth > 3 ? 3 : 8), i, n;

	switch (k) {
	case 0:
		buf_addf(b, "%scount(%s%u)", sp, sp, 1 + rnd(50));
		return;
	case 1:
		buf_addf(b, "after(%s)", durs[rnd(9)]);
		return;
	case 2:
		buf_addstr(b, "watermark");
		return;
	case 3:
		buf_addstr(b, "repeat(");
		gen(b, depth + 1);
		buf_addc(b, ')');
		return;
	case 4:
		buf_addf(b, "until(%s", sp);
		gen(b, depth + 1);
		buf_addf(b, "%s,", sp);
		gen(b, depth + 1);
		buf_addc(b, ')');
		return;
	case 5:
		buf_addstr(b, "watermark(");
		n = 1 + rnd(3);
		if (n & 1) {
			buf_addf(b, "early%s=", sp);
			gen(b, depth + 1);
		}
		if (n == 3)
			buf_addc(b, ',');
		if (n & 2) {
			buf_addstr(b, "late=");
			gen(b, depth + 1);
		}
		buf_addf(b, ")%s", sp);
		return;
	default:
		buf_addf(b, "%s(", lists[rnd(3)]);
		n = 1 + rnd(3);
		for (i = 0; i < n; i++) {
			if (i)
				buf_addf(b, ",%s", sp);
			gen(b, depth + 1);
		}
		buf_addc(b, ')');
		return;
	}
}

static void
test_roundtrip(void)
{
	struct buf in = BUF_INIT, once = BUF_INIT;
	int i, bad = 0;

	for (i = 0; i < 2000; i++) {
		buf_reset(&in);
		gen(&in, 0);
		buf_reset(&once);
		buf_addstr(&once, canonical(in.data));
		if (strncmp(once.data, "at ", 3) == 0 ||
		    strcmp(canonical(once.data), once.data) != 0 ||
		    strchr(once.data, ' ') != NULL) {
			if (bad++ == 0)
				fprintf(stderr, "round trip: '%s' -> '%s'\n",
				    in.data, once.data);
		}
	}
	CHECK_INT(bad, 0);
	buf_release(&in);
	buf_release(&once);
}

static void
test_shape(void)
{
	static const struct {
		const char *expr;
		size_t nodes;
		int clock, waits;
	} c[] = {
		{ "watermark", 1, 0, 1 },
		{ "repeat(watermark)", 2, 0, 1 },
		{ "repeat(repeat(watermark))", 3, 0, 1 },
		{ "watermark(late=count(1))", 2, 0, 0 },
		{ "repeat(watermark(early=count(5)))", 3, 0, 0 },
		{ "watermark(early=count(2),late=count(1))", 3, 0, 0 },
		{ "any(count(1),all(count(2),after(1s)))", 5, 1, 0 },
		{ "any(watermark)", 2, 0, 0 },
		{ "repeat(watermark(early=repeat(after(1m))))", 4, 1, 0 },
		{ "until(repeat(count(1)),count(3))", 4, 0, 0 },
		{ "until(watermark,count(3))", 3, 0, 0 },
		{ "count(1)", 1, 0, 0 },
	};
	char err[100];
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct trigger *t = trigger_parse(c[i].expr, err, sizeof err);

		CHECK(t != NULL);
		if (t == NULL)
			continue;
		CHECK_INT(trigger_state_size(t), c[i].nodes);
		CHECK_INT(trigger_uses_clock(t), c[i].clock);
		CHECK_INT(trigger_waits_for_end(t), c[i].waits);
		trigger_free(t);
	}
}

/*
 * A small ReduceFnRunner over one window [0, 10) in discarding mode,
 * driven by a script of steps:
 *   e     a record for the window (dropped, 'x', when the window has
 *         expired or its trigger has finished)
 *   wN    the watermark moves to N; the window is evaluated when the
 *         watermark first reaches its end (Beam's end-of-window timer),
 *         and its state goes ('g') when it expires
 *   pN    processing time moves to N; the window is evaluated when N
 *         reaches its deadline (Beam's processing-time timer)
 * Each step prints '.' when nothing happens, or the pane written, as
 * its timing (E early, O on time, L late), index, and '!' when final;
 * '-' for a firing whose pane was empty and not written.  A window
 * exists from its first record, as in Beam.
 */
struct sim {
	struct trigger *t;
	struct trigger_node_state *s;
	struct trigger_pane pane;
	struct trigger_now now;
	struct window w;
	int64_t lateness;
	long since;
	int active, gone, merging;
};

static void
sim_init(struct sim *m, const char *expr, int64_t lateness, int merging)
{
	char err[200];

	memset(m, 0, sizeof *m);
	m->t = trigger_parse(expr, err, sizeof err);
	if (m->t == NULL) {
		fprintf(stderr, "%s: %s\n", expr, err);
		abort();
	}
	trigger_set_merging(m->t, merging);
	m->s = calloc(trigger_state_size(m->t), sizeof *m->s);
	trigger_state_init(m->t, m->s);
	trigger_pane_init(&m->pane);
	m->w.start = 0;
	m->w.end = 10;
	m->now.end = 10;
	m->now.wm = -100;
	m->lateness = lateness;
}

static void
sim_release(struct sim *m)
{
	free(m->s);
	trigger_free(m->t);
}

static void
evaluate(struct sim *m, struct buf *out)
{
	struct trigger_pane_info info;
	int final;

	if (!trigger_should_fire(m->t, m->s, &m->now)) {
		buf_addc(out, '.');
		return;
	}
	final = trigger_on_fire(m->t, m->s, &m->now) ||
	    trigger_expired(&m->w, m->lateness, m->now.wm);
	if (!trigger_pane_fire(&m->pane, &m->w, m->now.wm, m->since == 0,
	    final, EMPTY_DEFAULT, &info)) {
		buf_addc(out, '-');
		return;
	}
	m->since = 0;
	buf_addf(out, "%c%ld%s", "EOL"[info.timing], info.index,
	    info.final ? "!" : "");
}

static void
sim_step(struct sim *m, const char **pp, struct buf *out)
{
	const char *p = *pp;
	char *end;
	int64_t v;
	size_t len = out->len;

	switch (*p++) {
	case 'e':
		if (m->gone || trigger_finished(m->t, m->s) ||
		    trigger_expired(&m->w, m->lateness, m->now.wm)) {
			buf_addc(out, 'x');
			break;
		}
		m->active = 1;
		m->since++;
		trigger_pane_element(&m->pane, &m->w, m->now.wm);
		trigger_on_element(m->t, m->s, &m->now);
		evaluate(m, out);
		break;
	case 'w':
		v = strtoll(p, &end, 10);
		p = end;
		if (m->active && !m->gone && m->now.wm < m->now.end &&
		    v >= m->now.end) {
			m->now.wm = v;
			evaluate(m, out);
		}
		m->now.wm = v;
		if (m->active && !m->gone &&
		    trigger_expired(&m->w, m->lateness, v)) {
			m->gone = 1;
			if (out->len > len && out->data[out->len - 1] == '.')
				out->len--;
			buf_addc(out, 'g');
		}
		break;
	case 'p':
		v = strtoll(p, &end, 10);
		p = end;
		m->now.proc = v;
		if (m->active && !m->gone &&
		    trigger_deadline(m->t, m->s) != 0 &&
		    v >= trigger_deadline(m->t, m->s))
			evaluate(m, out);
		break;
	}
	if (out->len == len)
		buf_addc(out, '.');
	buf_addc(out, ' ');
	while (*p == ' ')
		p++;
	*pp = p;
}

static const char *
drive3(const char *expr, int64_t lateness, int merging, const char *script)
{
	static struct buf out = BUF_INIT;
	struct sim m;
	const char *p = script;

	sim_init(&m, expr, lateness, merging);
	buf_reset(&out);
	while (*p)
		sim_step(&m, &p, &out);
	if (out.len > 0)
		out.data[--out.len] = '\0';
	sim_release(&m);
	return out.data;
}

static const char *
run(struct sim *m, const char *script)
{
	static struct buf out = BUF_INIT;
	const char *p = script;

	buf_reset(&out);
	while (*p)
		sim_step(m, &p, &out);
	if (out.len > 0)
		out.data[--out.len] = '\0';
	return out.data;
}

static const char *
drive(const char *expr, int64_t lateness, const char *script)
{
	return drive3(expr, lateness, 0, script);
}

static void
test_watermark(void)
{
	/* AfterWatermark.pastEndOfWindow: once, when the watermark passes
	 * the end (wm >= end: after maxTimestamp = end - 1); final, so a
	 * record after it is dropped even within the lateness
	 * (ReduceFnRunner: a closed window drops its records) */
	CHECK_STR(drive("watermark", 5, "e e w5 w9 w10 e w14 w15"),
	    ". . . . O0! x . g");
	/* with no lateness the on-time pane is also the garbage-collection
	 * one, so final (ReduceFnRunner.onTimers, isGarbageCollection) */
	CHECK_STR(drive("watermark", 0, "e w10 e"), ". O0!g x");
	/* a window that gets no record gets no pane (no state, no timer) */
	CHECK_STR(drive("watermark", 5, "w10 w20"), ". .");
	/* the watermark jumping far past the end: on time, and expiry */
	CHECK_STR(drive("watermark", 5, "e w100"), ". O0!g");
}

static void
test_default(void)
{
	/* DefaultTrigger = Repeatedly.forever(AfterWatermark): on time,
	 * then once for each late record within the lateness; the window
	 * expires at wm >= end + lateness, and its records are dropped */
	CHECK_STR(drive(TRIGGER_DEFAULT, 5, "e e w10 e e w14 e w15 e"),
	    ". . O0 L1 L2 . L3 g x");
	/* no lateness: the on-time pane is the last, and final */
	CHECK_STR(drive(TRIGGER_DEFAULT, 0, "e w9 w10 e"), ". . O0!g x");
	/* a window whose first record is already late: its first pane is
	 * late (PaneInfoTracker: isLateForOutput, nothing held the output
	 * watermark back before the end) */
	CHECK_STR(drive(TRIGGER_DEFAULT, 5, "w12 e e"), ". L0 L1");
	/* an end-of-input watermark expires every window */
	CHECK_STR(drive(TRIGGER_DEFAULT, 1000,
	    "e w9223372036854775807 e"), ". O0!g x");
}

static void
test_count(void)
{
	/* AfterPane.elementCountAtLeast(3): fires at the third record,
	 * finishes (a OnceTrigger); later records are dropped */
	CHECK_STR(drive("count(3)", 5, "e e e e"), ". . E0! x");
	/* short of 3 it never fires: the window expires with no pane */
	CHECK_STR(drive("count(3)", 5, "e e w10 w14 w15"), ". . . . g");
	/* the count goes on after the end: the pane is then on time */
	CHECK_STR(drive("count(3)", 5, "e e w10 e"), ". . . O0!");
	/* Repeatedly.forever(count(2)): resets its child at each firing */
	CHECK_STR(drive("repeat(count(2))", 5, "e e e e e"),
	    ". E0 . E1 .");
	/* the first pane after the end is on time, whatever fired it: the
	 * end-of-window hold kept the output watermark back (WatermarkHold,
	 * PaneInfoTracker.describePane) */
	CHECK_STR(drive("repeat(count(1))", 5, "e e w10 e e w15 e"),
	    "E0 E1 . O2 L3 g x");
}

static void
test_after(void)
{
	/* AfterProcessingTime.pastFirstElementInPane().plusDelayOf(100us):
	 * the first record sets the deadline, later ones do not move it */
	CHECK_STR(drive("after(100us)", 5, "p1000 e p1050 e p1099 p1100 e"),
	    ". . . . . E0! x");
	/* no record, no deadline */
	CHECK_STR(drive("after(100us)", 5, "p0 p1000"), ". .");
	/* Repeatedly: the next pane's first record starts a new delay */
	CHECK_STR(drive("repeat(after(100us))", 5,
	    "p0 e p100 e p150 p199 p200 p1000"), ". . E0 . . . E1 .");
	/* the clock moves while the input is silent; a late pane by the
	 * clock once the watermark has passed */
	CHECK_STR(drive("watermark(early=repeat(after(100us)),"
	    "late=after(50us))", 100, "p0 e p100 e w10 e p150 p200"),
	    ". . E0 . O1 . L2 .");
}

static void
test_any_all(void)
{
	/* AfterFirst: the first of them fires it, and it finishes */
	CHECK_STR(drive("any(count(2),after(1m))", 5,
	    "p0 e p59999999 p60000000 e"), ". . . E0! x");
	CHECK_STR(drive("any(count(2),after(1m))", 5,
	    "p0 e e p60000000"), ". . E0! .");
	/* AfterAll: when each has fired; a ready child waits for the rest */
	CHECK_STR(drive("all(count(2),watermark)", 5, "e e e w10"),
	    ". . . O0!");
	CHECK_STR(drive("all(count(2),watermark)", 5, "e w10 e"),
	    ". . O0!");
	CHECK_STR(drive("all(after(100us),count(2))", 5,
	    "p0 e p100 p150 e"), ". . . . E0!");
}

static void
test_each_until(void)
{
	/* AfterEach.inOrder: the first until it finishes, then the next */
	CHECK_STR(drive("each(count(1),count(2))", 5, "e e e e"),
	    "E0 . E1! x");
	/* the second starts counting after the first has fired */
	CHECK_STR(drive("each(count(2),count(2))", 5, "e e e e e"),
	    ". E0 . E1! x");
	/* OrFinally: T until STOP fires, STOP's count running across T's
	 * firings ("do not clear the until trigger") */
	CHECK_STR(drive("until(repeat(count(1)),count(3))", 5, "e e e e"),
	    "E0 E1 E2! x");
	/* the last pane of until(repeat(count(2)), count(5)) may hold one
	 * record (TriggerStateMachine.orFinally's javadoc) */
	CHECK_STR(drive("until(repeat(count(2)),count(5))", 5,
	    "e e e e e e"), ". E0 . E1 E2! x");
	/* until finishes with T when T finishes */
	CHECK_STR(drive("until(count(2),count(5))", 5, "e e e"),
	    ". E0! x");
}

static void
test_repeat_resets(void)
{
	/* Repeatedly resets its child only once it has finished:
	 * each(count(1), count(2)) runs through before starting over */
	CHECK_STR(drive("repeat(each(count(1),count(2)))", 5,
	    "e e e e e e"), "E0 . E1 E2 . E3");
	/* an OrFinally that has not finished keeps STOP's count */
	CHECK_STR(drive("repeat(until(repeat(count(2)),count(3)))", 5,
	    "e e e e e e"), ". E0 E1 . E2 E3");
	/* a watermark with late firings never finishes, so repeat never
	 * takes it back to the on-time pane */
	CHECK_STR(drive("repeat(watermark(late=count(2)))", 5,
	    "e w10 e e e"), ". O0 . L1 .");
}

static void
test_early_late(void)
{
	/* AfterWatermarkEarlyAndLate: early count(2) repeats before the
	 * end, the on-time pane at the end (empty here, yet written:
	 * OnTimeBehavior.FIRE_ALWAYS), late count(1) repeats after it */
	CHECK_STR(drive("watermark(early=count(2),late=count(1))", 5,
	    "e e e e w10 e e"), ". E0 . E1 O2 L3 L4");
	/* the early record that did not make a pane goes in the on-time one */
	CHECK_STR(drive("watermark(early=count(2),late=count(1))", 5,
	    "e e e w10 w15 e"), ". E0 . O1 g x");
	/* without late, final at the on-time pane; later records dropped */
	CHECK_STR(drive("watermark(early=count(1))", 5, "e e w10 e"),
	    "E0 E1 O2! x");
	/* an empty on-time pane after early panes, with no lateness */
	CHECK_STR(drive("watermark(early=count(1))", 0, "e w10"),
	    "E0 O1!g");
	/* without early, late only */
	CHECK_STR(drive("watermark(late=count(2))", 5, "e e w10 e e e"),
	    ". . O0 . L1 .");
	/* the early part is started afresh after each early firing: after
	 * any(count(2), after) fired, two more records or a new delay */
	CHECK_STR(drive("watermark(early=any(count(2),after(100us)))", 5,
	    "p0 e e e p100 e e w10"), ". . E0 . E1 . E2 O3!");
	/* the early trigger's state ends at the on-time pane: its deadline
	 * does not fire late */
	CHECK_STR(drive("watermark(early=after(100us),late=count(5))", 5,
	    "p0 e w10 p100 e"), ". . O0 . .");
}

/* Empty panes: only the on-time one is written (ReduceFnRunner
 * needToEmit with the default OnTimeBehavior and ClosingBehavior). */
static void
test_panes(void)
{
	struct trigger_pane p, q, r;
	const struct trigger_pane *srcs[2];
	struct trigger_pane_info info;
	struct window w = { 0, 10 };

	trigger_pane_init(&p);
	trigger_pane_element(&p, &w, 3);
	CHECK_INT(trigger_pane_fire(&p, &w, 5, 0, 0, EMPTY_DEFAULT, &info), 1);
	CHECK_INT(info.index, 0);
	CHECK_INT(info.timing, TIMING_EARLY);
	CHECK_INT(info.final, 0);
	/* an empty early pane is not written, nor counted */
	CHECK_INT(trigger_pane_fire(&p, &w, 6, 1, 0, EMPTY_DEFAULT, &info), 0);
	CHECK_INT(info.timing, TIMING_EARLY);
	/* an empty on-time pane is */
	CHECK_INT(trigger_pane_fire(&p, &w, 10, 1, 0, EMPTY_DEFAULT, &info), 1);
	CHECK_INT(info.index, 1);
	CHECK_INT(info.timing, TIMING_ON_TIME);
	/* then late, and an empty late pane, final or not, is not */
	CHECK_INT(trigger_pane_fire(&p, &w, 11, 1, 1, EMPTY_DEFAULT, &info), 0);
	CHECK_INT(info.timing, TIMING_LATE);
	CHECK_INT(info.final, 1);
	CHECK_INT(trigger_pane_fire(&p, &w, 11, 0, 1, EMPTY_DEFAULT, &info), 1);
	CHECK_INT(info.index, 2);
	CHECK_INT(info.timing, TIMING_LATE);
	CHECK_INT(info.final, 1);
	/* once on time, always late, even if the watermark were behind */
	CHECK_INT(trigger_pane_fire(&p, &w, 9, 0, 0, EMPTY_DEFAULT, &info), 1);
	CHECK_INT(info.timing, TIMING_LATE);

	/* a merged window counts from 0 again; it is on time when a source
	 * still held the watermark back */
	trigger_pane_init(&q);
	trigger_pane_element(&q, &w, 20);	/* late only */
	srcs[0] = &p;
	srcs[1] = &q;
	trigger_pane_merge(&r, srcs, 2);
	CHECK_INT(r.next, 0);
	CHECK_INT(r.held, 0);
	CHECK_INT(trigger_pane_fire(&r, &w, 30, 0, 0, EMPTY_DEFAULT, &info), 1);
	CHECK_INT(info.index, 0);
	CHECK_INT(info.timing, TIMING_LATE);
	trigger_pane_init(&q);
	trigger_pane_element(&q, &w, 2);
	trigger_pane_merge(&r, srcs, 2);
	CHECK_INT(r.held, 1);
	CHECK_INT(trigger_pane_fire(&r, &w, 30, 1, 0, EMPTY_DEFAULT, &info), 1);
	CHECK_INT(info.timing, TIMING_ON_TIME);
}

/* Which empty panes each rule writes: Beam's needToEmit, case by case. */
static void
test_empty_rules(void)
{
	static const struct {
		int rules, held, early, final;	/* early: an early pane first */
		evtime wm;
		int written, timing;
	} c[] = {
		/* on time: FIRE_ALWAYS writes it, FIRE_IF_NON_EMPTY not */
		{ EMPTY_ON_TIME, 1, 1, 0, 10, 1, TIMING_ON_TIME },
		{ 0, 1, 1, 0, 10, 0, TIMING_ON_TIME },
		{ EMPTY_CLOSING, 1, 1, 0, 10, 0, TIMING_ON_TIME },
		/* final and on time: either rule keeps it */
		{ EMPTY_CLOSING, 1, 1, 1, 10, 1, TIMING_ON_TIME },
		{ EMPTY_ON_TIME, 1, 1, 1, 10, 1, TIMING_ON_TIME },
		{ 0, 1, 1, 1, 10, 0, TIMING_ON_TIME },
		/* early: never, final or not */
		{ EMPTY_ON_TIME | EMPTY_CLOSING, 1, 1, 0, 5, 0, TIMING_EARLY },
		{ EMPTY_CLOSING, 1, 1, 1, 5, 1, TIMING_EARLY },
		{ EMPTY_ON_TIME, 1, 1, 1, 5, 0, TIMING_EARLY },
		/* late (nothing held the watermark back): only closing */
		{ EMPTY_ON_TIME, 0, 0, 1, 20, 0, TIMING_LATE },
		{ EMPTY_CLOSING, 0, 0, 1, 20, 1, TIMING_LATE },
		{ EMPTY_CLOSING, 0, 0, 0, 20, 0, TIMING_LATE },
	};
	struct window w = { 0, 10 };
	struct trigger_pane p;
	struct trigger_pane_info info;
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		trigger_pane_init(&p);
		if (c[i].held)
			trigger_pane_element(&p, &w, 3);
		if (c[i].early)
			CHECK_INT(trigger_pane_fire(&p, &w, 4, 0, 0,
			    c[i].rules, &info), 1);
		CHECK_INT(trigger_pane_fire(&p, &w, c[i].wm, 1, c[i].final,
		    c[i].rules, &info), c[i].written);
		CHECK_INT(info.timing, c[i].timing);
		CHECK_INT(info.final, c[i].final);
		CHECK_INT(p.next, c[i].early + c[i].written);
	}
	CHECK_INT(trigger_empty_rule("always"), 1);
	CHECK_INT(trigger_empty_rule("if-non-empty"), 0);
	CHECK_INT(trigger_empty_rule("never"), -1);
	CHECK_INT(trigger_empty_rule(""), -1);
	CHECK_STR(trigger_empty_rule_name(1), "always");
	CHECK_STR(trigger_empty_rule_name(0), "if-non-empty");
	{
		int rules = EMPTY_DEFAULT;
		char err[128] = "";

		CHECK_INT(trigger_empty_option(&rules, 0, "always", err,
		    sizeof err), 0);
		CHECK_INT(rules, EMPTY_ON_TIME | EMPTY_CLOSING);
		CHECK_INT(trigger_empty_option(&rules, 1, "if-non-empty", err,
		    sizeof err), 0);
		CHECK_INT(rules, EMPTY_CLOSING);
		CHECK_INT(trigger_empty_option(&rules, 1, "sometimes", err,
		    sizeof err), -1);
		CHECK_INT(rules, EMPTY_CLOSING);
		CHECK_STR(err, "--on-time 'sometimes': not always or "
		    "if-non-empty");
	}
}

/* Allowed lateness: [0, 10) expires when end - 1 + lateness < wm. */
static void
test_expiry(void)
{
	struct window w = { 0, 10 }, g = { WINDOW_GLOBAL_START,
	    WINDOW_GLOBAL_END }, edge = { 0, EVTIME_MAX - 3 };

	CHECK_INT(trigger_expiry(&w, 0), 10);
	CHECK_INT(trigger_expired(&w, 0, 9), 0);
	CHECK_INT(trigger_expired(&w, 0, 10), 1);
	CHECK_INT(trigger_expiry(&w, 5), 15);
	CHECK_INT(trigger_expired(&w, 5, 14), 0);
	CHECK_INT(trigger_expired(&w, 5, 15), 1);
	CHECK_INT(trigger_expired(&w, 5, EVTIME_MIN), 0);
	/* the sum saturates: the global window, and a window near the end
	 * of time, expire only at the end of input */
	CHECK_INT(trigger_expiry(&g, 0), EVTIME_MAX);
	CHECK_INT(trigger_expired(&g, 1000, EVTIME_MAX - 1), 0);
	CHECK_INT(trigger_expired(&g, 1000, EVTIME_MAX), 1);
	CHECK_INT(trigger_expiry(&edge, 10), EVTIME_MAX);
	CHECK_INT(trigger_expired(&edge, 10, EVTIME_MAX - 1), 0);
	CHECK_INT(trigger_expiry(&w, -5), 10);
}

static void
test_deadlines(void)
{
	struct sim m;

	/* all(after, count): the deadline passes, the count holds it back;
	 * the past deadline stays for trigger_deadline, not for polling */
	sim_init(&m, "all(after(100us),count(2))", 5, 0);
	CHECK_INT(trigger_deadline(m.t, m.s), 0);
	CHECK_STR(run(&m, "p0 e p100"), ". . .");
	CHECK_INT(trigger_deadline(m.t, m.s), 100);
	CHECK_INT(trigger_next_deadline(m.t, m.s, 50), 100);
	CHECK_INT(trigger_next_deadline(m.t, m.s, 100), 0);
	sim_release(&m);

	/* the earliest of several; none once finished */
	sim_init(&m, "any(after(300us),each(count(5),after(100us)),"
	    "after(200us))", 5, 0);
	CHECK_STR(run(&m, "p0 e"), ". .");
	/* each's after has not started: count(5) runs */
	CHECK_INT(trigger_deadline(m.t, m.s), 200);
	CHECK_INT(trigger_next_deadline(m.t, m.s, 250), 300);
	CHECK_STR(run(&m, "p199 p200"), ". E0!");
	CHECK_INT(trigger_deadline(m.t, m.s), 0);
	sim_release(&m);

	/* watermark: the early part's deadlines before the end, the late
	 * part's after it, even when both run for merging */
	sim_init(&m, "watermark(early=count(5),late=after(100us))", 5, 1);
	CHECK_STR(run(&m, "p0 e"), ". .");
	CHECK_INT(trigger_deadline(m.t, m.s), 0);
	CHECK_STR(run(&m, "w10 p50 e"), "O0 . .");
	CHECK_INT(trigger_deadline(m.t, m.s), 150);
	CHECK_STR(run(&m, "p149 p150"), ". L1");
	sim_release(&m);

	/* a deadline far away saturates instead of overflowing */
	sim_init(&m, "after(10000w)", 5, 0);
	m.now.proc = INT64_MAX - 5;
	CHECK_STR(run(&m, "e"), ".");
	CHECK(trigger_deadline(m.t, m.s) == INT64_MAX);
	sim_release(&m);
}

/* The same scripts give the same panes when the windows may merge:
 * the extra state Beam keeps for merging does not change firings. */
static void
test_merging_mode(void)
{
	static const struct { const char *expr, *script; } c[] = {
		{ "each(count(1),count(2))", "e e e e" },
		{ "each(count(2),count(1),count(3))", "e e e e e e e e" },
		{ "watermark(early=count(2),late=count(1))",
		    "e e e e w10 e e" },
		{ "repeat(each(count(1),count(2)))", "e e e e e e" },
		{ "watermark(early=each(count(1),count(2)),late=count(2))",
		    "e e e e w10 e e e" },
		{ TRIGGER_DEFAULT, "e e w10 e e w14 e w15 e" },
	};
	struct buf a = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		buf_reset(&a);
		buf_addstr(&a, drive3(c[i].expr, 5, 0, c[i].script));
		CHECK_STR(drive3(c[i].expr, 5, 1, c[i].script), a.data);
	}
	buf_release(&a);
}

/*
 * Merging: states of windows made with sim, merged into a window of the
 * given end at the given watermark; returns the merged sim (its state
 * replaced), to be driven further.
 */
static void
merge_into(struct sim *dst, struct sim *a, struct sim *b, evtime end)
{
	const struct trigger_node_state *srcs[2] = { a->s, b->s };
	const struct trigger_pane *panes[2] = { &a->pane, &b->pane };
	struct trigger_node_state *s;
	struct trigger_pane pane;

	s = calloc(trigger_state_size(dst->t), sizeof *s);
	dst->now.end = dst->w.end = end;
	dst->now.wm = a->now.wm > b->now.wm ? a->now.wm : b->now.wm;
	dst->now.proc = a->now.proc > b->now.proc ? a->now.proc : b->now.proc;
	trigger_on_merge(dst->t, s, srcs, 2, &dst->now);
	trigger_pane_merge(&pane, panes, 2);
	free(dst->s);
	dst->s = s;
	dst->pane = pane;
	dst->since = a->since + b->since;
	dst->active = 1;
}

static void
test_merge(void)
{
	struct sim a, b, c;

	/* AfterPane.onMerge: counts add up */
	sim_init(&a, "count(3)", 5, 1);
	sim_init(&b, "count(3)", 5, 1);
	sim_init(&c, "count(3)", 5, 1);
	CHECK_STR(run(&a, "e"), ".");
	CHECK_STR(run(&b, "e"), ".");
	merge_into(&c, &a, &b, 10);
	CHECK_INT(c.s[0].count, 2);
	CHECK_STR(run(&c, "e"), "E0!");
	sim_release(&a);
	sim_release(&b);
	sim_release(&c);

	/* ... or it is finished when it finished in any of them */
	sim_init(&a, "until(repeat(count(1)),count(2))", 5, 1);
	sim_init(&b, "until(repeat(count(1)),count(2))", 5, 1);
	sim_init(&c, "until(repeat(count(1)),count(2))", 5, 1);
	CHECK_STR(run(&a, "e"), "E0");
	CHECK_STR(run(&b, "e"), "E0");
	merge_into(&c, &a, &b, 10);	/* STOP: 1 + 1 */
	CHECK_INT(trigger_finished(c.t, c.s), 0);
	CHECK_STR(run(&c, "e"), "E0!");
	sim_release(&a);
	sim_release(&b);
	sim_release(&c);

	/* AfterDelayFromFirstElement.onMerge: the earliest deadline */
	sim_init(&a, "after(100us)", 5, 1);
	sim_init(&b, "after(100us)", 5, 1);
	sim_init(&c, "after(100us)", 5, 1);
	CHECK_STR(run(&a, "p50 e"), ". .");
	CHECK_STR(run(&b, "p20 e p60"), ". . .");
	merge_into(&c, &a, &b, 10);
	CHECK_INT(trigger_deadline(c.t, c.s), 120);
	CHECK_STR(run(&c, "p119 p120"), ". E0!");
	sim_release(&a);
	sim_release(&b);
	sim_release(&c);

	/* AfterWatermarkEarlyAndLate.onMerge: a window that fired on time,
	 * merged with the new session of a late record (merged before the
	 * record is processed, as ReduceFnRunner does) into a window whose
	 * end has passed, runs its early part again and so fires at once:
	 * its pane is late, and its index starts again */
	sim_init(&a, "watermark(late=count(1))", 100, 1);
	sim_init(&b, "watermark(late=count(1))", 100, 1);
	sim_init(&c, "watermark(late=count(1))", 100, 1);
	CHECK_STR(run(&a, "e w10 e w12"), ". O0 L1 .");
	b.now.wm = 12;			/* [3, 8), fresh */
	merge_into(&c, &a, &b, 10);
	CHECK_INT(c.s[0].ontime, 0);
	CHECK(trigger_should_fire(c.t, c.s, &c.now));
	CHECK_STR(run(&c, "e"), "L0");
	CHECK_INT(c.s[0].ontime, 1);
	CHECK_STR(run(&c, "e e"), "L1 L2");	/* then late, as before */
	sim_release(&a);
	sim_release(&b);
	sim_release(&c);

	/* ... and into a window whose end has not come: the early part runs
	 * again (no pane yet) and the merged window fires on time */
	sim_init(&a, "watermark(early=count(3),late=count(1))", 100, 1);
	sim_init(&b, "watermark(early=count(3),late=count(1))", 100, 1);
	sim_init(&c, "watermark(early=count(3),late=count(1))", 100, 1);
	CHECK_STR(run(&a, "e w10 e"), ". O0 L1");
	b.now.wm = 10;
	b.w.end = b.now.end = 20;	/* [9, 20) */
	CHECK_STR(run(&b, "e"), ".");
	merge_into(&c, &a, &b, 20);
	CHECK_INT(trigger_should_fire(c.t, c.s, &c.now), 0);
	CHECK_STR(run(&c, "e e w20 e"), ". . O0 L1");
	sim_release(&a);
	sim_release(&b);
	sim_release(&c);

	/* ... and when every window had fired on time and the merged end is
	 * passed, the late part goes on, its counts merged */
	sim_init(&a, "watermark(late=count(2))", 100, 1);
	sim_init(&b, "watermark(late=count(2))", 100, 1);
	sim_init(&c, "watermark(late=count(2))", 100, 1);
	CHECK_STR(run(&a, "e w10 e"), ". O0 .");
	b.w.end = b.now.end = 8;
	CHECK_STR(run(&b, "e w10"), ". O0");
	merge_into(&c, &a, &b, 10);
	CHECK_INT(c.s[0].ontime, 1);
	CHECK_INT(c.s[1].count, 1);
	CHECK_STR(run(&c, "e"), "L0");
	sim_release(&a);
	sim_release(&b);
	sim_release(&c);

	/* FromEndOfWindow inside all(): finished in every window and the end
	 * reached, it stays finished; in one only, it runs again */
	sim_init(&a, "all(watermark,count(3))", 100, 1);
	sim_init(&b, "all(watermark,count(3))", 100, 1);
	sim_init(&c, "all(watermark,count(3))", 100, 1);
	CHECK_STR(run(&a, "e w10"), ". .");
	b.w.end = b.now.end = 8;
	CHECK_STR(run(&b, "e w10"), ". .");
	a.s[1].done = b.s[1].done = 1;	/* as a merge would leave them */
	merge_into(&c, &a, &b, 10);
	CHECK_INT(c.s[1].done, 1);
	b.s[1].done = 0;
	merge_into(&c, &a, &b, 10);
	CHECK_INT(c.s[1].done, 0);
	CHECK_INT(c.s[2].count, 2);
	/* on time: a source held the watermark back, no pane yet */
	CHECK_STR(run(&c, "e"), "O0!");
	sim_release(&a);
	sim_release(&b);
	sim_release(&c);

	/* AfterEach.onMerge: finished in any window, count(1) stays so;
	 * count(2), which ran alongside, has its records added up */
	sim_init(&a, "each(count(1),count(2))", 5, 1);
	sim_init(&b, "each(count(1),count(2))", 5, 1);
	sim_init(&c, "each(count(1),count(2))", 5, 1);
	CHECK_STR(run(&a, "e"), "E0");
	CHECK_INT(a.s[0].current, 1);
	a.s[2].count = 1;		/* a record AfterEach has not seen yet */
	b.s[1].count = b.s[2].count = 1;
	merge_into(&c, &a, &b, 10);
	CHECK_INT(c.s[1].done, 1);
	CHECK_INT(c.s[2].count, 2);
	CHECK_INT(c.s[0].current, 1);
	CHECK(trigger_should_fire(c.t, c.s, &c.now));
	sim_release(&a);
	sim_release(&b);
	sim_release(&c);

	/* AfterFirst.onMerge: finished when a child is */
	sim_init(&a, "any(count(5),count(1))", 5, 1);
	sim_init(&b, "any(count(5),count(1))", 5, 1);
	sim_init(&c, "any(count(5),count(1))", 5, 1);
	a.s[2].done = 1;
	merge_into(&c, &a, &b, 10);
	CHECK_INT(trigger_finished(c.t, c.s), 1);
	sim_release(&a);
	sim_release(&b);
	sim_release(&c);

	/* the default trigger: a late session merged fires once more */
	sim_init(&a, TRIGGER_DEFAULT, 100, 1);
	sim_init(&b, TRIGGER_DEFAULT, 100, 1);
	sim_init(&c, TRIGGER_DEFAULT, 100, 1);
	CHECK_STR(run(&a, "e w10"), ". O0");
	b.now.wm = 12;
	merge_into(&c, &a, &b, 10);
	CHECK(trigger_should_fire(c.t, c.s, &c.now));
	CHECK_STR(run(&c, "e e"), "L0 L1");
	sim_release(&a);
	sim_release(&b);
	sim_release(&c);
}

/* A finished trigger stays so: no firing, no state change, no deadline;
 * and a state array copied mid-way goes on the same. */
static void
test_state(void)
{
	struct sim m;
	struct trigger_node_state *copy;
	size_t n;

	sim_init(&m, "until(repeat(after(10us)),count(3))", 5, 0);
	CHECK_STR(run(&m, "p0 e p10 e"), ". . E0 .");
	n = trigger_state_size(m.t);
	copy = malloc(n * sizeof *copy);
	memcpy(copy, m.s, n * sizeof *copy);
	CHECK_STR(run(&m, "e"), "E1!");
	memcpy(m.s, copy, n * sizeof *copy);
	CHECK_STR(run(&m, "e"), "E2!");	/* index from the pane, not state */
	CHECK_INT(trigger_finished(m.t, m.s), 1);
	CHECK_INT(trigger_should_fire(m.t, m.s, &m.now), 0);
	CHECK_INT(trigger_deadline(m.t, m.s), 0);
	memcpy(copy, m.s, n * sizeof *copy);
	trigger_on_element(m.t, m.s, &m.now);
	CHECK(memcmp(copy, m.s, n * sizeof *copy) == 0);
	CHECK_INT(trigger_on_fire(m.t, m.s, &m.now), 1);
	CHECK(memcmp(copy, m.s, n * sizeof *copy) == 0);
	free(copy);
	sim_release(&m);
}

/*
 * trigger_on_elements(n) leaves the state n calls of trigger_on_element
 * leave, for every kind of node, after the scripts that put a window's
 * state somewhere: new, counted, fired on time, finished parts, merging.
 */
static void
test_on_elements(void)
{
	static const char *const exprs[] = {
		"watermark", "repeat(watermark)", "count(3)", "after(10us)",
		"repeat(after(10us))", "all(count(2),after(5us))",
		"any(count(2),watermark)", "each(count(2),count(3))",
		"watermark(early=count(2),late=count(3))",
		"until(repeat(count(2)),watermark)",
		"repeat(each(count(1),after(3us)))",
	};
	static const char *const scripts[] = { "", "e", "e e e", "p5 e w12",
	    "e p20 w12 e" };
	static const int64_t ns[] = { 1, 2, 5 };
	size_t x, k, j, merging, size;

	for (x = 0; x < sizeof exprs / sizeof exprs[0]; x++)
		for (merging = 0; merging < 2; merging++)
			for (k = 0; k < sizeof scripts / sizeof scripts[0]; k++)
				for (j = 0; j < sizeof ns / sizeof ns[0]; j++) {
			struct sim m;
			struct trigger_node_state *one, *all;
			int64_t i;

			sim_init(&m, exprs[x], 5, (int)merging);
			(void)run(&m, scripts[k]);
			size = trigger_state_size(m.t) * sizeof *m.s;
			one = malloc(size);
			all = malloc(size);
			memcpy(one, m.s, size);
			memcpy(all, m.s, size);
			for (i = 0; i < ns[j]; i++)
				trigger_on_element(m.t, one, &m.now);
			trigger_on_elements(m.t, all, &m.now, ns[j]);
			CHECK(memcmp(one, all, size) == 0);
			trigger_on_elements(m.t, all, &m.now, 0);
			CHECK(memcmp(one, all, size) == 0);
			free(one);
			free(all);
			sim_release(&m);
		}
}

int
main(void)
{
	test_parse();
	test_parse_depth();
	test_roundtrip();
	test_shape();
	test_watermark();
	test_default();
	test_count();
	test_after();
	test_any_all();
	test_each_until();
	test_repeat_resets();
	test_early_late();
	test_panes();
	test_empty_rules();
	test_expiry();
	test_deadlines();
	test_merging_mode();
	test_merge();
	test_state();
	test_on_elements();
	return check_done("trigger");
}
