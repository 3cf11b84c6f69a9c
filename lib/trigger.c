/*
 * trigger.c - trigger expressions and Beam's trigger state machines
 * (see trigger.h).  Each state machine below follows the runners-core
 * class named above it, method by method.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count.h"
#include "timefmt.h"
#include "trigger.h"

/* By enum trigger_kind: what parse_trigger reads, trigger_format writes. */
static const char *const kind_names[] = {
	"watermark", "count", "after", "repeat", "any", "all", "each", "until"
};

const char *
trigger_kind_name(int kind)
{
	return kind >= 0 && kind <= TRIG_UNTIL ? kind_names[kind] : "?";
}

/* By enum pane_timing: fire lines and --metrics' labels. */
static const char *const timing_names[] = { "early", "on_time", "late" };

const char *
pane_timing_name(int timing)
{
	return timing >= 0 && timing <= TIMING_LATE ? timing_names[timing] :
	    "?";
}

/* Parsing */

#define MAX_DEPTH 64

struct parse {
	const char *start, *p;
	char *err;
	size_t errlen;
	int failed;
	int depth;
};

static void
fail(struct parse *ps, const char *at, const char *fmt, const char *arg)
{
	char msg[160];

	if (ps->failed)
		return;
	ps->failed = 1;
	snprintf(msg, sizeof msg, fmt, arg);
	if (ps->errlen > 0)
		snprintf(ps->err, ps->errlen, "at %d: %s",
		    (int)(at - ps->start) + 1, msg);
}

static void
blanks(struct parse *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	    *ps->p == '\r')
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
	char what[4] = { '\'', (char)c, '\'', '\0' };

	if (eat(ps, c))
		return 1;
	fail(ps, ps->p, "expected %s", what);
	return 0;
}

/* A word of letters, digits and '.', as the next token; *w is its start. */
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

static struct trigger *
node(int kind)
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
static void
parse_watermark(struct parse *ps, struct trigger *t)
{
	const char *w, *at;
	size_t n;
	int late;

	t->sub = xcalloc(2, sizeof *t->sub);
	t->nsub = 2;
	if (!eat(ps, '('))
		return;
	do {
		blanks(ps);
		at = ps->p;
		n = word(ps, &w);
		if (n == 5 && memcmp(w, "early", 5) == 0)
			late = 0;
		else if (n == 4 && memcmp(w, "late", 4) == 0)
			late = 1;
		else {
			fail(ps, at, "expected early= or late=", NULL);
			return;
		}
		if (t->sub[late]) {
			fail(ps, at, "%s= given twice", late ? "late" : "early");
			return;
		}
		if (!expect(ps, '='))
			return;
		t->sub[late] = parse_trigger(ps);
	} while (!ps->failed && eat(ps, ','));
	expect(ps, ')');
}

/* count(N) or after(D): the argument, as a word. */
static void
parse_number(struct parse *ps, struct trigger *t)
{
	const char *w, *at;
	char arg[64];
	uint64_t count;
	size_t n;

	if (!expect(ps, '('))
		return;
	blanks(ps);
	at = ps->p;
	n = word(ps, &w);
	if (n == 0 || n >= sizeof arg) {
		fail(ps, at, t->kind == TRIG_COUNT ?
		    "expected a count of 1 or more" :
		    "expected a duration such as 30s", NULL);
		return;
	}
	memcpy(arg, w, n);
	arg[n] = '\0';
	if (t->kind == TRIG_COUNT) {
		switch (count_parse(arg, 0, INT64_MAX, &count)) {
		case COUNT_RANGE:
			fail(ps, at, "count '%s' is too large", arg);
			return;
		case COUNT_OK:
			if ((t->n = (int64_t)count) >= 1)
				break;
			/* FALLTHROUGH */
		default:
			fail(ps, at, "expected a count of 1 or more", NULL);
			return;
		}
	} else if (duration_parse(arg, &t->n) < 0) {
		fail(ps, at, "expected a duration such as 30s", NULL);
		return;
	} else if (t->n == 0) {
		fail(ps, at, "expected a duration above zero", NULL);
		return;
	}
	expect(ps, ')');
}

/* repeat, any, all, each, until: "(" T { "," T } ")". */
static void
parse_list(struct parse *ps, struct trigger *t)
{
	const char *at = NULL;

	if (!expect(ps, '('))
		return;
	do {
		struct trigger *sub;

		blanks(ps);
		if (t->nsub == 1 && t->kind == TRIG_REPEAT) {
			fail(ps, ps->p, "repeat takes one trigger", NULL);
			return;
		}
		if (t->nsub == 2 && t->kind == TRIG_UNTIL) {
			fail(ps, ps->p, "until takes two triggers", NULL);
			return;
		}
		if ((sub = parse_trigger(ps)) != NULL)
			add_sub(t, sub);
	} while (!ps->failed && eat(ps, ','));
	if (ps->failed)
		return;
	blanks(ps);
	at = ps->p;
	if (t->kind == TRIG_UNTIL && t->nsub == 1 && *at == ')') {
		fail(ps, at, "expected ',' and the trigger that stops it", NULL);
		return;
	}
	expect(ps, ')');
}

static struct trigger *
parse_trigger(struct parse *ps)
{
	struct trigger *t;
	const char *w, *at;
	char name[32];
	size_t n, i;
	int kind = -1;

	if (ps->failed)
		return NULL;
	blanks(ps);
	at = ps->p;
	if (++ps->depth > MAX_DEPTH) {
		fail(ps, at, "triggers nested too deeply", NULL);
		return NULL;
	}
	n = word(ps, &w);
	for (i = 0; i < sizeof kind_names / sizeof kind_names[0]; i++)
		if (strlen(kind_names[i]) == n && memcmp(w, kind_names[i], n) == 0)
			kind = (int)i;
	if (kind < 0) {
		if (n == 0)
			fail(ps, at, "expected a trigger", NULL);
		else {
			snprintf(name, sizeof name, "%.*s",
			    (int)(n < 24 ? n : 24), w);
			fail(ps, at, "unknown trigger '%s'", name);
		}
		return NULL;
	}
	t = node(kind);
	switch (kind) {
	case TRIG_WATERMARK:
		parse_watermark(ps, t);
		break;
	case TRIG_COUNT:
	case TRIG_AFTER:
		parse_number(ps, t);
		break;
	default:
		parse_list(ps, t);
		break;
	}
	ps->depth--;
	return t;
}

/* Give every node its slot in the state array, depth first. */
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
	struct parse ps = { expr, expr, err, errlen, 0, 0 };
	struct trigger *t = parse_trigger(&ps);
	size_t nodes = 0;

	blanks(&ps);
	if (!ps.failed && *ps.p != '\0')
		fail(&ps, ps.p, "unexpected text after the trigger", NULL);
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
	size_t i;

	buf_addstr(b, kind_names[t->kind]);
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
		buf_addc(b, '(');
		duration_format(b, t->n);
		buf_addc(b, ')');
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

void
trigger_set_merging(struct trigger *t, int merging)
{
	size_t i;

	t->merging = merging != 0;
	for (i = 0; i < t->nsub; i++)
		if (t->sub[i])
			trigger_set_merging(t->sub[i], merging);
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

#define EARLY(t) ((t)->sub[0])
#define LATE(t) ((t)->sub[1])
/* watermark alone is FromEndOfWindow; with a part, AfterWatermarkEarlyAndLate
 * (whose early part, when not given, is Never) */
#define PLAIN(t) (!(t)->sub[0] && !(t)->sub[1])
#define DONE(s, t) ((s)[(t)->index].done)

int
trigger_waits_for_end(const struct trigger *t)
{
	if (t->kind == TRIG_REPEAT)
		return trigger_waits_for_end(t->sub[0]);
	return t->kind == TRIG_WATERMARK && PLAIN(t);
}

/* State */

size_t
trigger_state_size(const struct trigger *t)
{
	return t->nodes;
}

/* Beam's resetTree: the subtree's state and finished bits. */
static void
reset(const struct trigger *t, struct trigger_node_state *s)
{
	size_t i;

	memset(&s[t->index], 0, sizeof s[t->index]);
	for (i = 0; i < t->nsub; i++)
		if (t->sub[i])
			reset(t->sub[i], s);
}

/* Beam's clear: the subtree's state, its finished bits kept. */
static void
clear(const struct trigger *t, struct trigger_node_state *s)
{
	size_t i;

	s[t->index].count = 0;
	s[t->index].deadline = 0;
	for (i = 0; i < t->nsub; i++)
		if (t->sub[i])
			clear(t->sub[i], s);
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

/* AfterEach: the first unfinished child, or nsub. */
static size_t
first_unfinished(const struct trigger *t, const struct trigger_node_state *s)
{
	size_t i;

	for (i = 0; i < t->nsub && DONE(s, t->sub[i]); i++)
		;
	return i;
}

/* n records at once: as n calls with the same now, since a record
 * finishes no node (only firing does) and so takes the path the one
 * before it took */
static void
on_element(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now, int64_t n)
{
	struct trigger_node_state *me = &s[t->index];
	size_t i;

	me->count += n;
	switch (t->kind) {
	case TRIG_COUNT:		/* AfterPane: the count */
		return;
	case TRIG_AFTER:		/* AfterDelayFromFirstElement */
		if (me->count == n)	/* the first of them */
			me->deadline = now->proc > INT64_MAX - t->n ?
			    INT64_MAX : now->proc + t->n;
		return;
	case TRIG_WATERMARK:		/* the first unfinished part, or all
					 * of them when windows merge */
		if (t->merging) {
			for (i = 0; i < 2; i++)
				if (t->sub[i])
					on_element(t->sub[i], s, now, n);
		} else if (!me->ontime && EARLY(t))
			on_element(EARLY(t), s, now, n);
		else if (me->ontime && LATE(t))
			on_element(LATE(t), s, now, n);
		return;
	case TRIG_ALL:			/* AfterAll: the unfinished ones */
		for (i = 0; i < t->nsub; i++)
			if (!DONE(s, t->sub[i]))
				on_element(t->sub[i], s, now, n);
		return;
	case TRIG_EACH:			/* AfterEach: the first unfinished,
					 * or all when windows merge */
		if (t->merging) {
			for (i = 0; i < t->nsub; i++)
				on_element(t->sub[i], s, now, n);
		} else if ((i = first_unfinished(t, s)) < t->nsub)
			on_element(t->sub[i], s, now, n);
		return;
	default:			/* Repeatedly, AfterFirst, OrFinally */
		for (i = 0; i < t->nsub; i++)
			on_element(t->sub[i], s, now, n);
		return;
	}
}

void
trigger_on_element(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now)
{
	trigger_on_elements(t, s, now, 1);
}

void
trigger_on_elements(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now, int64_t n)
{
	if (n > 0 && !DONE(s, t))
		on_element(t, s, now, n);
}

static int
should_fire(const struct trigger *t, const struct trigger_node_state *s,
    const struct trigger_now *now)
{
	const struct trigger_node_state *me = &s[t->index];
	size_t i;

	switch (t->kind) {
	case TRIG_WATERMARK:
		if (PLAIN(t))
			return past_end(now);
		if (!me->ontime)
			return (EARLY(t) && should_fire(EARLY(t), s, now)) ||
			    past_end(now);
		return LATE(t) && should_fire(LATE(t), s, now);
	case TRIG_COUNT:
		return me->count >= t->n;
	case TRIG_AFTER:
		return me->count > 0 && now->proc >= me->deadline;
	case TRIG_REPEAT:
		return should_fire(t->sub[0], s, now);
	case TRIG_ANY:			/* AfterFirst: one finished or ready */
		for (i = 0; i < t->nsub; i++)
			if (DONE(s, t->sub[i]) ||
			    should_fire(t->sub[i], s, now))
				return 1;
		return 0;
	case TRIG_ALL:			/* AfterAll: each finished or ready */
		for (i = 0; i < t->nsub; i++)
			if (!DONE(s, t->sub[i]) &&
			    !should_fire(t->sub[i], s, now))
				return 0;
		return 1;
	case TRIG_EACH:
		i = first_unfinished(t, s);
		return i < t->nsub && should_fire(t->sub[i], s, now);
	case TRIG_UNTIL:
		return should_fire(t->sub[0], s, now) ||
		    should_fire(t->sub[1], s, now);
	}
	return 0;
}

int
trigger_should_fire(const struct trigger *t,
    const struct trigger_node_state *s, const struct trigger_now *now)
{
	return !DONE(s, t) && should_fire(t, s, now);
}

/* A part of watermark fired: like Repeatedly, start it afresh once it has
 * finished. */
static void on_fire(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now);

static void
fire_repeating(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now)
{
	on_fire(t, s, now);
	if (DONE(s, t))
		reset(t, s);
}

static void
on_fire(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now)
{
	struct trigger_node_state *me = &s[t->index];
	size_t i;

	switch (t->kind) {
	case TRIG_WATERMARK:
		if (PLAIN(t)) {		/* FromEndOfWindow */
			me->ontime = me->done = 1;
		} else if (me->ontime) {	/* late firing */
			if (LATE(t))
				fire_repeating(LATE(t), s, now);
			else
				me->done = 1;
		} else if (!past_end(now)) {	/* early firing */
			fire_repeating(EARLY(t), s, now);
		} else {		/* on time: the early part ends */
			if (EARLY(t)) {
				if (should_fire(EARLY(t), s, now))
					on_fire(EARLY(t), s, now);
				clear(EARLY(t), s);
				DONE(s, EARLY(t)) = 1;
			}
			me->ontime = 1;
			if (LATE(t))	/* it ran alongside when merging */
				reset(LATE(t), s);
			else
				me->done = 1;
		}
		return;
	case TRIG_COUNT:		/* OnceTrigger: clear, finish */
	case TRIG_AFTER:
		me->count = me->deadline = 0;
		me->done = 1;
		return;
	case TRIG_REPEAT:
		fire_repeating(t->sub[0], s, now);
		return;
	case TRIG_ANY:			/* AfterFirst */
		for (i = 0; i < t->nsub; i++)
			if (should_fire(t->sub[i], s, now))
				on_fire(t->sub[i], s, now);
			else
				clear(t->sub[i], s);
		me->done = 1;
		return;
	case TRIG_ALL:			/* AfterAll */
		for (i = 0; i < t->nsub; i++)
			on_fire(t->sub[i], s, now);
		me->done = 1;
		return;
	case TRIG_EACH:			/* AfterEach */
		if ((i = first_unfinished(t, s)) < t->nsub)
			on_fire(t->sub[i], s, now);
		if (t->merging)
			for (i = 0; i < t->nsub; i++)
				clear(t->sub[i], s);
		me->current = first_unfinished(t, s);
		me->done = me->current == t->nsub;
		return;
	case TRIG_UNTIL:		/* OrFinally */
		if (should_fire(t->sub[1], s, now)) {
			on_fire(t->sub[1], s, now);
			clear(t->sub[0], s);
		} else
			on_fire(t->sub[0], s, now);
		me->done = DONE(s, t->sub[0]) || DONE(s, t->sub[1]);
		return;
	}
}

int
trigger_on_fire(const struct trigger *t, struct trigger_node_state *s,
    const struct trigger_now *now)
{
	if (!DONE(s, t))
		on_fire(t, s, now);
	return DONE(s, t);
}

int
trigger_finished(const struct trigger *t, const struct trigger_node_state *s)
{
	return DONE(s, t);
}

/* Merging: dst's slots of t's subtree are zero when merge(t) begins. */

static int
done_in_any(const struct trigger *t,
    const struct trigger_node_state *const *srcs, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (srcs[k][t->index].done)
			return 1;
	return 0;
}

static int
done_in_all(const struct trigger *t,
    const struct trigger_node_state *const *srcs, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (!srcs[k][t->index].done)
			return 0;
	return 1;
}

static void
merge(const struct trigger *t, struct trigger_node_state *dst,
    const struct trigger_node_state *const *srcs, size_t n,
    const struct trigger_now *now)
{
	struct trigger_node_state *me = &dst[t->index];
	size_t i, k;
	int all, prior;

	switch (t->kind) {
	case TRIG_WATERMARK:
		if (PLAIN(t)) {		/* FromEndOfWindow */
			me->done = me->ontime = done_in_all(t, srcs, n) &&
			    past_end(now);
			return;
		}
		/* AfterWatermarkEarlyAndLate: the early part is finished
		 * (ontime) in all of them and the end is reached, or it runs
		 * again and the late part waits afresh */
		for (all = 1, k = 0; k < n; k++)
			all &= srcs[k][t->index].ontime != 0;
		if (!all || !past_end(now)) {
			if (EARLY(t)) {
				merge(EARLY(t), dst, srcs, n, now);
				DONE(dst, EARLY(t)) = 0;
			}
		} else {
			me->ontime = 1;
			if (EARLY(t))
				DONE(dst, EARLY(t)) = 1;
			if (LATE(t))
				merge(LATE(t), dst, srcs, n, now);
		}
		return;
	case TRIG_COUNT:		/* AfterPane */
		if (done_in_any(t, srcs, n)) {
			me->done = 1;
			return;
		}
		for (k = 0; k < n; k++)
			me->count += srcs[k][t->index].count;
		return;
	case TRIG_AFTER:		/* AfterDelayFromFirstElement: the
					 * earliest deadline */
		for (k = 0; k < n; k++) {
			const struct trigger_node_state *o = &srcs[k][t->index];

			if (o->count > 0 &&
			    (me->count == 0 || o->deadline < me->deadline))
				me->deadline = o->deadline;
			me->count += o->count;
		}
		return;
	case TRIG_REPEAT:
		merge(t->sub[0], dst, srcs, n, now);
		return;
	case TRIG_ANY:			/* AfterFirst */
	case TRIG_ALL:			/* AfterAll */
	case TRIG_UNTIL:		/* OrFinally */
		all = 1;
		for (i = 0; i < t->nsub; i++) {
			merge(t->sub[i], dst, srcs, n, now);
			if (DONE(dst, t->sub[i]))
				me->done = t->kind != TRIG_ALL;
			else
				all = 0;
		}
		if (t->kind == TRIG_ALL)
			me->done = all;
		return;
	case TRIG_EACH:			/* AfterEach: up to the first child
					 * still unfinished; those after it
					 * start afresh */
		prior = 1;
		for (i = 0; i < t->nsub && prior; i++) {
			merge(t->sub[i], dst, srcs, n, now);
			prior = DONE(dst, t->sub[i]);
		}
		me->current = first_unfinished(t, dst);
		me->done = me->current == t->nsub;
		return;
	}
}

void
trigger_on_merge(const struct trigger *t, struct trigger_node_state *dst,
    const struct trigger_node_state *const *srcs, size_t n,
    const struct trigger_now *now)
{
	reset(t, dst);
	merge(t, dst, srcs, n, now);
}

/* The earliest deadline above floor of an after() that shouldFire
 * would look at, or 0. */
static int64_t
deadline(const struct trigger *t, const struct trigger_node_state *s,
    int64_t floor)
{
	const struct trigger_node_state *me = &s[t->index];
	int64_t best = 0, d;
	size_t i;

	switch (t->kind) {
	case TRIG_AFTER:
		return me->count > 0 && me->deadline > floor ? me->deadline : 0;
	case TRIG_COUNT:
		return 0;
	case TRIG_WATERMARK:
		if (PLAIN(t))
			return 0;
		if (!me->ontime)
			return EARLY(t) ? deadline(EARLY(t), s, floor) : 0;
		return LATE(t) ? deadline(LATE(t), s, floor) : 0;
	case TRIG_EACH:
		i = first_unfinished(t, s);
		return i < t->nsub ? deadline(t->sub[i], s, floor) : 0;
	}
	for (i = 0; i < t->nsub; i++) {
		if (t->kind == TRIG_ALL && DONE(s, t->sub[i]))
			continue;
		if ((d = deadline(t->sub[i], s, floor)) != 0 &&
		    (best == 0 || d < best))
			best = d;
	}
	return best;
}

int64_t
trigger_deadline(const struct trigger *t, const struct trigger_node_state *s)
{
	return DONE(s, t) ? 0 : deadline(t, s, INT64_MIN);
}

int64_t
trigger_next_deadline(const struct trigger *t,
    const struct trigger_node_state *s, int64_t proc)
{
	return DONE(s, t) ? 0 : deadline(t, s, proc);
}

/* Allowed lateness */

evtime
trigger_expiry(const struct window *w, int64_t lateness)
{
	if (lateness < 0)
		lateness = 0;
	return w->end > EVTIME_MAX - lateness ? EVTIME_MAX :
	    w->end + lateness;
}

int
trigger_expired(const struct window *w, int64_t lateness, evtime wm)
{
	return wm >= trigger_expiry(w, lateness);
}

/* Panes */

void
trigger_pane_init(struct trigger_pane *p)
{
	memset(p, 0, sizeof *p);
}

void
trigger_pane_element(struct trigger_pane *p, const struct window *w,
    evtime wm)
{
	if (wm < w->end)
		p->held = 1;
}

void
trigger_pane_merge(struct trigger_pane *dst,
    const struct trigger_pane *const *srcs, size_t n)
{
	size_t k;

	trigger_pane_init(dst);
	for (k = 0; k < n; k++)
		if (srcs[k]->held && !srcs[k]->nonearly)
			dst->held = 1;
}

int
trigger_pane_keeps_empty(int rules, int timing, int final)
{
	return (timing == TIMING_ON_TIME && (rules & EMPTY_ON_TIME)) ||
	    (final && (rules & EMPTY_CLOSING));
}

int
trigger_empty_rule(const char *name)
{
	if (strcmp(name, "always") == 0)
		return 1;
	if (strcmp(name, "if-non-empty") == 0)
		return 0;
	return -1;
}

const char *
trigger_empty_rule_name(int always)
{
	return always ? "always" : "if-non-empty";
}

int
trigger_empty_option(int *rules, int on_time, const char *arg, char *err,
    size_t errlen)
{
	int always = trigger_empty_rule(arg);
	int bit = on_time ? EMPTY_ON_TIME : EMPTY_CLOSING;

	if (always < 0) {
		snprintf(err, errlen, "--%s '%s': not always or if-non-empty",
		    on_time ? "on-time" : "closing", arg);
		return -1;
	}
	*rules = always ? *rules | bit : *rules & ~bit;
	return 0;
}

int
trigger_pane_fire(struct trigger_pane *p, const struct window *w,
    evtime wm, int empty, int final, int rules,
    struct trigger_pane_info *info)
{
	if (p->nonearly || (wm >= w->end && !p->held))
		info->timing = TIMING_LATE;
	else if (wm < w->end)
		info->timing = TIMING_EARLY;
	else
		info->timing = TIMING_ON_TIME;
	info->index = p->next;
	info->final = final != 0;
	if (empty && !trigger_pane_keeps_empty(rules, info->timing, final))
		return 0;
	p->next++;
	if (info->timing != TIMING_EARLY)
		p->nonearly = 1;
	return 1;
}
