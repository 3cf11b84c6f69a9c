/*
 * pipewait_test.c - the waits of events in a pipe: stamps read as the
 * bytes consumed pass their ends, the ring bounded (and sampling when
 * full, around its wrap), lost events forgotten, and when to look next.
 */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "pipewait.h"

enum { END, STAMP, READ, CLEAR, NEXT };

/* STAMP end t -> stamped; READ consumed now -> read; NEXT written now ->
 * ms; t and now in ms. */
struct op {
	int op;
	long long a, b;
	long long want;
};

static const struct {
	const char *name;
	struct op ops[12];
	/* the waits read, in seconds: how many, their sum, least, most */
	long long n;
	double sum, min, max;
} cases[] = {
	{ "nothing given, nothing read", {
		{ READ, 100, 5, 0 }, { NEXT, 0, 5, -1 }, { END, 0, 0, 0 } },
	    0, 0, 0, 0 },
	{ "an event is read once the bytes consumed reach its end", {
		{ STAMP, 10, 0, 1 }, { STAMP, 25, 100, 1 },
		{ READ, 9, 200, 0 }, { READ, 10, 300, 1 },
		{ READ, 24, 400, 0 }, { READ, 25, 700, 1 },
		{ READ, 25, 900, 0 }, { END, 0, 0, 0 } },
	    2, 0.9, 0.3, 0.6 },
	{ "several events read at one look wait till that look", {
		{ STAMP, 5, 0, 1 }, { STAMP, 6, 10, 1 }, { STAMP, 9, 20, 1 },
		{ READ, 100, 1020, 3 }, { END, 0, 0, 0 } },
	    3, 3.03, 1.0, 1.02 },
	{ "lost events are forgotten, not read", {
		{ STAMP, 5, 0, 1 }, { STAMP, 9, 0, 1 }, { READ, 5, 50, 1 },
		{ CLEAR, 0, 0, 0 }, { READ, 9, 60, 0 },
		{ STAMP, 20, 100, 1 }, { READ, 20, 150, 1 }, { END, 0, 0, 0 } },
	    2, 0.1, 0.05, 0.05 },
	{ "look again in an eighth of the oldest wait, 1 ms to 1 s", {
		{ NEXT, 0, 0, -1 }, { STAMP, 8, 0, 1 }, { STAMP, 16, 0, 1 },
		{ NEXT, 7, 800, -1 },	/* not in the pipe yet */
		{ NEXT, 8, 0, 1 }, { NEXT, 8, 800, 100 },
		{ NEXT, 16, 60000, 1000 }, { READ, 8, 800, 1 },
		{ NEXT, 16, 804, 100 }, { READ, 16, 900, 1 },
		{ NEXT, 16, 900, -1 }, { END, 0, 0, 0 } },
	    2, 1.7, 0.8, 0.9 },
};

static void
run_case(size_t c)
{
	struct summary *s = summary_new(1);
	struct pipewait w;
	const struct op *o;

	pipewait_init(&w);
	for (o = cases[c].ops; o->op != END; o++) {
		switch (o->op) {
		case STAMP:
			CHECK_INT(pipewait_stamp(&w, o->a, o->b * 1000), o->want);
			break;
		case READ:
			CHECK_INT(pipewait_read(&w, o->a, o->b * 1000, s),
			    o->want);
			break;
		case CLEAR:
			pipewait_clear(&w);
			break;
		case NEXT:
			CHECK_INT(pipewait_next(&w, o->a, o->b * 1000), o->want);
			break;
		}
	}
	if (s->count != (uint64_t)cases[c].n ||
	    fabs(s->sum - cases[c].sum) > 1e-9)
		fprintf(stderr, "case '%s': ", cases[c].name);
	CHECK_INT(s->count, cases[c].n);
	CHECK(fabs(s->sum - cases[c].sum) < 1e-9);
	if (cases[c].n > 0) {
		CHECK(fabs(qsketch_quantile(s->q, 0) - cases[c].min) < 1e-9);
		CHECK(fabs(qsketch_quantile(s->q, 1) - cases[c].max) < 1e-9);
	}
	pipewait_release(&w);
	summary_free(s);
}

/* A full ring stamps no more until the reader makes room; it wraps. */
static void
test_full(void)
{
	struct summary *s = summary_new(1);
	struct pipewait w;
	size_t i;

	pipewait_init(&w);
	for (i = 0; i < PIPEWAIT_RING; i++)
		CHECK(pipewait_stamp(&w, 10 * (i + 1), 0) == 1);
	CHECK_INT(pipewait_stamp(&w, 10 * (PIPEWAIT_RING + 1), 0), 0);
	CHECK_INT(pipewait_stamp(&w, 10 * (PIPEWAIT_RING + 2), 0), 0);
	CHECK_INT(w.unstamped, 2);
	/* the first 100 read: room for 100, past the ring's end */
	CHECK_INT(pipewait_read(&w, 1000, 1000000, s), 100);
	for (i = 0; i < 100; i++)
		CHECK(pipewait_stamp(&w, 10 * (PIPEWAIT_RING + 3 + i),
		    2000000) == 1);
	CHECK_INT(pipewait_stamp(&w, 10 * (PIPEWAIT_RING + 200), 0), 0);
	CHECK_INT(w.n, PIPEWAIT_RING);
	/* all read at 3 s: the old ones waited 3 s, the wrapped ones 1 s */
	CHECK_INT(pipewait_read(&w, 10 * (PIPEWAIT_RING + 200), 3000000, s),
	    PIPEWAIT_RING);
	CHECK_INT(s->count, PIPEWAIT_RING + 100);
	CHECK(fabs(s->sum - (100 * 1.0 + (PIPEWAIT_RING - 100) * 3.0 +
	    100 * 1.0)) < 1e-6);
	CHECK(qsketch_quantile(s->q, 0) == 1.0);
	CHECK(qsketch_quantile(s->q, 1) == 3.0);
	CHECK_INT(w.n, 0);
	pipewait_release(&w);
	summary_free(s);
}

int
main(void)
{
	size_t c;

	for (c = 0; c < sizeof cases / sizeof cases[0]; c++)
		run_case(c);
	test_full();
	return check_done("pipewait");
}
