/*
 * trigger.c - trigger expressions and Beam's trigger state machines
 * (see trigger.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trigger.h"

/* Parsing */

struct parse {
	const char *start, *p;
	char *err;
	size_t errlen;
	int failed;
};

static void
fail(struct parse *ps, const char *at, const char *msg)
{
	if (ps->failed)
		return;
	ps->failed = 1;
	snprintf(ps->err, ps->errlen, "at %d: %s", (int)(at - ps->start) + 1,
	    msg);
}

static void
blanks(struct parse *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static int
eat(struct parse *ps, int c)
{
	blanks(ps);
	if (*ps->p != c)
		return 0;
	ps->p++;
	return 1;
}

static int
expect(struct parse *ps, int c)
{
	char msg[32];

	if (eat(ps, c))
		return 1;
	snprintf(msg, sizeof msg, "expected '%c'", c);
	fail(ps, ps->p, msg);
	return 0;
}

/* A word of letters, digits and '.', as the next token. */
static size_t
word(struct parse *ps, const char **w)
{
	const char *q;

	blanks(ps);
	for (q = ps->p; (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
	    (*q >= '0' && *q <= '9') || *q == '.'; q++)
		;
	*w = ps->p;
	ps->p = q;
	return (size_t)(q - *w);
}

static struct trigger *node(int kind)
{
	struct trigger *t = xcalloc(1, sizeof *t);

	t->kind = kind;
	return t;
}

static void
add_sub(struct trigger *t, struct trigger *sub)
{
	t->sub = xrealloc(t->sub, (t->nsub + 1) * sizeof *t->sub);
	t->sub[t->nsub++] = sub;
}

static struct trigger *parse_trigger(struct parse *ps);

/* watermark(early=T, late=T): sub[0] early, sub[1] late, either NULL. */
static struct trigger *
parse_watermark(struct parse *ps, struct trigger *t)
{
	const char *w, *at;
	size_t n;

	t->sub = xcalloc(2, sizeof *t->sub);
	t->nsub = 2;
	if (!eat(ps, '('))
		return t;
	do {
		blanks(ps);
		at = ps->p;
		n = word(ps, &w);
		if ((n == 5 && memcmp(w, "early", 5) == 0 && !t->sub[0]) ||
		    (n == 4 && memcmp(w, "late", 4) == 0 && !t->sub[1])) {
			if (!expect(ps, '='))
				return t;
			t->sub[n == 4] = parse_trigger(ps);
		} else {
			fail(ps, at, "expected early= or late=");
			return t;
		}
	} while (!ps->failed && eat(ps, ','));
	expect(ps, ')');
	return t;
}

static struct trigger *
parse_trigger(struct parse *ps)
{
	static const struct {
		const char *name;
		int kind;
	} names[] = {
		{ "watermark", TRIG_WATERMARK }, { "count", TRIG_COUNT },
		{ "after", TRIG_AFTER }, { "repeat", TRIG_REPEAT },
		{ "any", TRIG_ANY }, { "all", TRIG_ALL }, { "each", TRIG_EACH },
		{ "until", TRIG_UNTIL }
	};
	struct trigger *t;
	const char *w, *at;
	char arg[64];
	size_t n, i;
	int kind = -1;

	if (ps->failed)
		return NULL;
	blanks(ps);
	at = ps->p;
	n = word(ps, &w);
	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i].name) == n && memcmp(w, names[i].name, n) == 0)
			kind = names[i].kind;
	if (kind < 0) {
		fail(ps, at, n ? "unknown trigger" : "expected a trigger");
		return NULL;
	}
	t = node(kind);
	switch (kind) {
	case TRIG_WATERMARK:
		return parse_watermark(ps, t);
	case TRIG_COUNT:
	case TRIG_AFTER:
		if (!expect(ps, '('))
			return t;
		blanks(ps);
		at = ps->p;
		n = word(ps, &w);
		snprintf(arg, sizeof arg, "%.*s", (int)(n < 63 ? n : 63), w);
		if (kind == TRIG_COUNT) {
			char *end;

			t->n = strtoll(arg, &end, 10);
			if (n == 0 || *end != '\0' || t->n < 1)
				fail(ps, at, "expected a count of 1 or more");
		} else if (n == 0 || duration_parse(arg, &t->n) < 0 ||
		    t->n == 0)
			fail(ps, at, "expected a duration such as 30s");
		expect(ps, ')');
		return t;
	default:
		break;
	}
	if (!expect(ps, '('))
		return t;
	do {
		struct trigger *sub = parse_trigger(ps);

		if (sub)
			add_sub(t, sub);
	} while (!ps->failed && eat(ps, ','));
	if (ps->failed)
		return t;
	at = ps->p;
	if (!expect(ps, ')'))
		return t;
	if (kind == TRIG_REPEAT && t->nsub != 1)
		fail(ps, at, "repeat takes one trigger");
	else if (kind == TRIG_UNTIL && t->nsub != 2)
		fail(ps, at, "until takes a trigger and the one that stops it");
	return t;
}

/* Give every node its place in the state array, depth first. */
static void
number(struct trigger *t, size_t *next)
{
	size_t i;

	t->index = (*next)++;
	for (i = 0; i < t->nsub; i++)
		if (t->sub[i])
			number(t->sub[i], next);
}

struct trigger *
trigger_parse(const char *expr, char *err, size_t errlen)
{
	struct parse ps = { expr, expr, err, errlen, 0 };
	struct trigger *t = parse_trigger(&ps);
	size_t nodes = 0;

	blanks(&ps);
	if (!ps.failed && *ps.p != '\0')
		fail(&ps, ps.p, "unexpected text after the trigger");
	if (ps.failed) {
		trigger_free(t);
		return NULL;
	}
	number(t, &nodes);
	t->nodes = nodes;
	return t;
}

void
trigger_free(struct trigger *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nsub; i++)
		trigger_free(t->sub[i]);
	free(t->sub);
	free(t);
}

void
trigger_format(struct buf *b, const struct trigger *t)
{
	static const char *const names[] = { "watermark", "count", "after",
	    "repeat", "any", "all", "each", "until" };
	size_t i;

	buf_addstr(b, names[t->kind]);
	switch (t->kind) {
	case TRIG_WATERMARK:
		if (!t->sub[0] && !t->sub[1])
			return;
		buf_addc(b, '(');
		if (t->sub[0]) {
			buf_addstr(b, "early=");
			trigger_format(b, t->sub[0]);
		}
		if (t->sub[1]) {
			buf_addstr(b, t->sub[0] ? ",late=" : "late=");
			trigger_format(b, t->sub[1]);
		}
		buf_addc(b, ')');
		return;
	case TRIG_COUNT:
		buf_addf(b, "(%lld)", (long long)t->n);
		return;
	case TRIG_AFTER:
		buf_addf(b, "(%lldus)", (long long)t->n);
		return;
	}
	buf_addc(b, '(');
	for (i = 0; i < t->nsub; i++) {
		if (i > 0)
			buf_addc(b, ',');
		trigger_format(b, t->sub[i]);
	}
	buf_addc(b, ')');
}

/* State */

size_t
trigger_state_size(const struct trigger *t)
{
	return t->nodes;
}

/* Forget the state of t's subtree, as Repeatedly does between firings. */
static void
reset(const struct trigger *t, struct trigger_node_state *s)
{
	size_t i;

	memset(&s[t->index], 0, sizeof s[t->index]);
	for (i = 0; i < t->nsub; i++)
		if (t->sub[i])
			reset(t->sub[i], s);
}

void
trigger_state_init(const struct trigger *t, struct trigger_node_state *s)
{
	reset(t, s);
}

static int
past_end(const struct trigger_now *now)
{
	return now->wm >= now->end;
}

void
trigger_on_element(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now)
{
	struct trigger_node_state *me = &s[t->index];
	size_t i;

	if (me->done)
		return;
	me->count++;
	switch (t->kind) {
	case TRIG_AFTER:
		if (me->deadline == 0)
			me->deadline = now->proc + t->n;
		return;
	case TRIG_WATERMARK:	/* early before the end, late after on time */
		if (!me->ontime && t->sub[0])
			trigger_on_element(t->sub[0], s, now);
		else if (me->ontime && t->sub[1])
			trigger_on_element(t->sub[1], s, now);
		return;
	case TRIG_EACH:
		if (me->current < t->nsub)
			trigger_on_element(t->sub[me->current], s, now);
		return;
	default:
		for (i = 0; i < t->nsub; i++)
			trigger_on_element(t->sub[i], s, now);
	}
}

int
trigger_should_fire(const struct trigger *t,
    const struct trigger_node_state *s, const struct trigger_now *now)
{
	const struct trigger_node_state *me = &s[t->index];
	size_t i;

	if (me->done)
		return 0;
	switch (t->kind) {
	case TRIG_WATERMARK:
		if (!me->ontime)
			return past_end(now) || (t->sub[0] &&
			    trigger_should_fire(t->sub[0], s, now));
		return t->sub[1] && trigger_should_fire(t->sub[1], s, now);
	case TRIG_COUNT:
		return me->count >= t->n;
	case TRIG_AFTER:
		return me->deadline != 0 && now->proc >= me->deadline;
	case TRIG_REPEAT:
		return trigger_should_fire(t->sub[0], s, now);
	case TRIG_ANY:
		for (i = 0; i < t->nsub; i++)
			if (trigger_should_fire(t->sub[i], s, now))
				return 1;
		return 0;
	case TRIG_ALL:		/* each child fired before, or would now */
		for (i = 0; i < t->nsub; i++)
			if (!s[t->sub[i]->index].done &&
			    !trigger_should_fire(t->sub[i], s, now))
				return 0;
		return 1;
	case TRIG_EACH:
		return me->current < t->nsub &&
		    trigger_should_fire(t->sub[me->current], s, now);
	case TRIG_UNTIL:
		return trigger_should_fire(t->sub[0], s, now) ||
		    trigger_should_fire(t->sub[1], s, now);
	}
	return 0;
}

int
trigger_on_fire(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now)
{
	struct trigger_node_state *me = &s[t->index];
	size_t i;

	switch (t->kind) {
	case TRIG_WATERMARK:
		if (!me->ontime && past_end(now)) {
			me->ontime = 1;		/* the on-time pane */
			me->done = t->sub[1] == NULL;
		} else if (!me->ontime) {	/* early: again and again */
			if (trigger_on_fire(t->sub[0], s, now))
				reset(t->sub[0], s);
		} else if (trigger_on_fire(t->sub[1], s, now))
			reset(t->sub[1], s);	/* late: again and again */
		break;
	case TRIG_COUNT:
	case TRIG_AFTER:
		me->done = 1;
		break;
	case TRIG_REPEAT:
		trigger_on_fire(t->sub[0], s, now);
		reset(t->sub[0], s);
		break;
	case TRIG_ANY:
	case TRIG_ALL:
		for (i = 0; i < t->nsub; i++)
			if (trigger_should_fire(t->sub[i], s, now))
				trigger_on_fire(t->sub[i], s, now);
		me->done = 1;
		break;
	case TRIG_EACH:
		if (trigger_on_fire(t->sub[me->current], s, now))
			me->current++;
		me->done = me->current == t->nsub;
		break;
	case TRIG_UNTIL:
		if (trigger_should_fire(t->sub[1], s, now))
			me->done = 1;
		else if (trigger_on_fire(t->sub[0], s, now))
			me->done = 1;
		break;
	}
	return me->done;
}

int64_t
trigger_deadline(const struct trigger *t, const struct trigger_node_state *s)
{
	const struct trigger_node_state *me = &s[t->index];
	int64_t best = 0, d;
	size_t i;

	if (me->done)
		return 0;
	if (t->kind == TRIG_AFTER)
		return me->deadline;
	for (i = 0; i < t->nsub; i++)
		if (t->sub[i] && (d = trigger_deadline(t->sub[i], s)) != 0 &&
		    (best == 0 || d < best))
			best = d;
	return best;
}

int
trigger_finished(const struct trigger *t, const struct trigger_node_state *s)
{
	return s[t->index].done;
}

int
trigger_uses_clock(const struct trigger *t)
{
	size_t i;

	if (t->kind == TRIG_AFTER)
		return 1;
	for (i = 0; i < t->nsub; i++)
		if (t->sub[i] && trigger_uses_clock(t->sub[i]))
			return 1;
	return 0;
}
