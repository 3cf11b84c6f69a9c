/*
 * winstate_test.c - lib/winstate's session windows: proto-windows that
 * merge, a record that bridges two sessions, firing and expiry at the
 * watermark, allowed lateness and late panes, --retract's last panes,
 * and saving and restoring open sessions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "check.h"
#include "winstate.h"

static struct aggspec spec;
static const int slot[] = { 0 };
static char *const name[] = { "k" };
static const struct windowing sessions10 = { WINDOW_SESSION, 10, 0, 0, 0,
	NULL };

static void
setup(struct winstate *s, int64_t lateness)
{
	winstate_init(s, &spec, 1, slot, name, 1, &sessions10, lateness);
	winstate_session_key(s, slot, name, 1);
}

/* A record of key k (NULL: without one). */
static struct record *
rec_of(const char *k)
{
	static struct val v[1];
	static struct record r = { "", 0, "test", 1, v };

	v[0] = (struct val){ k, k ? strlen(k) : 0, k ? VAL_STR : VAL_MISSING,
	    ESC_NONE };
	return &r;
}

/* The count of t's one group, from its partial state. */
static long
count_of(struct aggtab *t)
{
	struct buf b = BUF_INIT;
	const char *c;
	long n = -1;

	aggtab_partial_buf(t, &b, "", NULL, 0, AGG_EMPTY_SKIP);
	if (aggtab_count(t) == 1 && (c = strstr(b.data, "\"count\":")))
		n = strtol(c + 8, NULL, 10);
	buf_release(&b);
	return n;
}

/* What fired: "k[start,end)=count ...". */
static char fired[512];

static void
emit(void *arg, const struct window *w, struct aggtab *t)
{
	size_t len = strlen(fired);

	(void)arg;
	snprintf(fired + len, sizeof fired - len, "%s%.*s[%lld,%lld)=%ld",
	    len ? " " : "", (int)t->groups.keys[0].n, t->groups.keys[0].p,
	    (long long)w->start, (long long)w->end, count_of(t));
}

/*
 * A stream, step by step: a record of key at t (watermark wm then),
 * taking the number of windows winstate_add says; or, key NULL, the
 * watermark moves to wm and fires what it should.
 */
struct step {
	const char *key;
	evtime t, wm;
	int taken;
	const char *fired;
};

/* Before each record: no winstate_prefetch; one of it; one of another
 * record (another seq, the same struct record), which must not count. */
enum { NO_PREFETCH, PREFETCH, PREFETCH_OTHER, PREFETCH_MODES };

static void
run_mode(const char *what, int64_t lateness, const struct step *st,
    size_t n, int mode)
{
	struct winstate s;
	char why[128];
	size_t i;
	uint64_t seq = 0;

	setup(&s, lateness);
	for (i = 0; i < n; i++) {
		fired[0] = '\0';
		if (st[i].key) {
			struct window w = { st[i].t, st[i].t + 10 };

			if (mode == PREFETCH)
				winstate_prefetch(&s, rec_of(st[i].key), seq);
			if (mode == PREFETCH_OTHER)
				winstate_prefetch(&s, rec_of("other"),
				    seq + 1000);
			CHECK_INT(winstate_add(&s, rec_of(st[i].key), seq++,
			    st[i].t, &w, 1, st[i].wm, why, sizeof why),
			    st[i].taken);
		} else
			winstate_fire(&s, st[i].wm, emit, NULL);
		if (strcmp(fired, st[i].fired) != 0)
			fprintf(stderr, "%s, mode %d, step %zu:\n", what, mode,
			    i);
		CHECK_STR(fired, st[i].fired);
	}
	/* every open session's key found by its own hash, whatever was
	 * prefetched (keys of sessions gone are forgotten) */
	for (i = 0; i < s.sessions.n; i++) {
		const struct session *x = sessions_at(&s.sessions, i);
		const struct keytab_key *k;

		if (!x->live || x->key == SESSION_NONE)
			continue;
		k = &s.sessions.keys.keys[x->key];
		CHECK_INT(sessions_find_key(&s.sessions, k->p, k->n), x->key);
	}
	winstate_release(&s);
}

static void
run(const char *what, int64_t lateness, const struct step *st, size_t n)
{
	int mode;

	for (mode = 0; mode < PREFETCH_MODES; mode++)
		run_mode(what, lateness, st, n, mode);
}

static void
test_merging(void)
{
	static const struct step st[] = {
		{ "a", 0, 0, 1, "" },
		{ "a", 15, 0, 1, "" },		/* [15,25): apart */
		{ "b", 5, 0, 1, "" },		/* another key's */
		{ "a", 8, 0, 1, "" },		/* [8,18) bridges both */
		{ NULL, 0, 15, 0, "b[5,15)=1" },
		{ NULL, 0, 24, 0, "" },
		{ NULL, 0, 25, 0, "a[0,25)=3" },
		{ "a", 12, 25, 0, "" },		/* [12,22) expired: late */
		{ "a", 30, 25, 1, "" },
		{ "a", 40, 25, 1, "" },		/* [40,50) touches: apart */
		{ "a", 35, 25, 1, "" },		/* overlaps both: one */
		{ NULL, 0, 49, 0, "" },
		{ NULL, 0, 50, 0, "a[30,50)=3" },
	};

	run("merging", 0, st, sizeof st / sizeof *st);
}

static void
test_lateness(void)
{
	static const struct step st[] = {
		{ "a", 0, 0, 1, "" },
		{ "a", 5, 0, 1, "" },
		{ NULL, 0, 15, 0, "a[0,15)=2" },
		/* fired, kept empty until 15 + 5: late records merge */
		{ "a", 3, 15, 1, "" },
		{ NULL, 0, 15, 0, "a[0,15)=1" },	/* a late pane */
		{ "a", 12, 15, 1, "" },			/* [0,22) now */
		{ NULL, 0, 21, 0, "" },
		{ NULL, 0, 22, 0, "a[0,22)=1" },
		{ NULL, 0, 27, 0, "" },			/* 22 + 5: gone */
		{ "a", 14, 27, 1, "" },			/* [14,24): new */
		{ NULL, 0, 27, 0, "a[14,24)=1" },
		{ "a", 10, 40, 0, "" },			/* [10,20): late */
		{ NULL, 0, EVTIME_MAX, 0, "" },
	};

	run("lateness", 5, st, sizeof st / sizeof *st);
}

static void
test_reject(void)
{
	struct winstate s;
	struct window w = { 0, 10 };
	char why[128] = "";

	setup(&s, 0);
	CHECK_INT(winstate_add(&s, rec_of(NULL), 0, 0, &w, 1, 0, why,
	    sizeof why), AGG_REJECT);
	CHECK(strstr(why, "'k'") != NULL);
	CHECK_INT(s.sessions.nheap, 0);
	winstate_release(&s);
}

/*
 * Under a trigger, a session stays until it expires or is removed, and
 * --retract keeps the last pane of each; a session that merges others
 * takes theirs, each with the bounds it had.
 */
static void
test_retract(void)
{
	struct winstate s;
	struct window a = { 0, 10 }, b = { 15, 25 }, u = { 0, 25 };
	struct aggtab *t;
	struct open_window *last;
	char why[128];
	size_t n;

	setup(&s, 100);
	s.triggered = 1;
	CHECK_INT(winstate_add(&s, rec_of("x"), 0, 0, &a, 1, 0, why,
	    sizeof why), 1);
	CHECK_INT(winstate_add(&s, rec_of("x"), 1, 15, &b, 1, 0, why,
	    sizeof why), 1);
	t = winstate_session_find(&s, "x", 1, &a, 0);
	CHECK(t != NULL);
	winstate_session_set_last(&s, "x", 1, &a, t);
	winstate_session_set_last(&s, "x", 1, &b,
	    winstate_session_find(&s, "x", 1, &b, 0));
	last = winstate_session_last(&s, "x", 1, &a, &n);
	CHECK_INT(n, 1);
	CHECK(last && last[0].w.end == 10 && count_of(&last[0].tab) == 1);
	/* a record at 8 bridges them: one session, two panes to retract */
	CHECK_INT(winstate_add(&s, rec_of("x"), 2, 8, &(struct window){ 8, 18 },
	    1, 0, why, sizeof why), 1);
	CHECK(winstate_session_find(&s, "x", 1, &a, 0) == NULL);
	t = winstate_session_find(&s, "x", 1, &u, 0);
	CHECK(t != NULL && count_of(t) == 3);
	last = winstate_session_last(&s, "x", 1, &u, &n);
	CHECK_INT(n, 2);
	CHECK(last && last[0].w.start == 0 && last[0].w.end == 10);
	CHECK(last && last[1].w.start == 15 && last[1].w.end == 25);
	/* triggered: firing is the panes' business; expiry is ours */
	fired[0] = '\0';
	winstate_expire(&s, 124);
	CHECK(winstate_session_find(&s, "x", 1, &u, 0) != NULL);
	winstate_expire(&s, 125);
	CHECK(winstate_session_find(&s, "x", 1, &u, 0) == NULL);
	CHECK_STR(fired, "");
	/* removed by a final pane */
	CHECK_INT(winstate_add(&s, rec_of("y"), 3, 200, &(struct window){ 200,
	    210 }, 1, 125, why, sizeof why), 1);
	CHECK(winstate_session_find(&s, "y", 1, &(struct window){ 200, 210 },
	    1) == NULL);
	CHECK(winstate_session_find(&s, "y", 1, &(struct window){ 200, 210 },
	    0) == NULL);
	CHECK_INT(s.sessions.nheap, 0);
	winstate_release(&s);
}

/* --state: what winstate_each gives, restored, fires the same. */
struct saved {
	int kind;
	struct window w;
	char key[16];
	long count;
	uint64_t first;
};

static struct saved saved[8];
static size_t nsaved;

static void
save(void *arg, int kind, const struct window *w, struct aggtab *t)
{
	(void)arg;
	saved[nsaved].kind = kind;
	saved[nsaved].w = *w;
	snprintf(saved[nsaved].key, sizeof saved[nsaved].key, "%.*s",
	    (int)t->groups.keys[0].n, t->groups.keys[0].p);
	saved[nsaved].count = count_of(t);
	saved[nsaved++].first = t->first[0];
}

static void
test_save_restore(void)
{
	static const struct { const char *key; evtime t; } recs[] = {
		{ "a", 0 }, { "b", 3 }, { "a", 6 }, { "c", 30 }, { "b", 9 },
	};
	struct winstate s, r;
	char why[128];
	size_t i;
	long k;

	setup(&s, 0);
	for (i = 0; i < sizeof recs / sizeof *recs; i++) {
		struct window w = { recs[i].t, recs[i].t + 10 };

		CHECK_INT(winstate_add(&s, rec_of(recs[i].key), i, recs[i].t,
		    &w, 1, 0, why, sizeof why), 1);
	}
	nsaved = 0;
	winstate_each(&s, save, NULL);
	CHECK_INT(nsaved, 3);
	for (i = 0; i < nsaved; i++)
		CHECK_INT(saved[i].kind, WS_SESSION);
	/* in their slots' order: a's, b's, c's */
	CHECK(strcmp(saved[0].key, "a") == 0 && saved[0].w.end == 16 &&
	    saved[0].count == 2);
	CHECK(strcmp(saved[1].key, "b") == 0 && saved[1].w.start == 3 &&
	    saved[1].w.end == 19 && saved[1].count == 2);
	CHECK(strcmp(saved[2].key, "c") == 0 && saved[2].count == 1);

	/* restored: a table per session, its records as many adds */
	setup(&r, 0);
	for (i = 0; i < nsaved; i++) {
		struct aggtab *t = winstate_session_table(&r,
		    rec_of(saved[i].key), &saved[i].w, saved[i].first, why,
		    sizeof why);

		CHECK(t != NULL);
		for (k = 0; t && k < saved[i].count; k++)
			aggtab_add(t, rec_of(saved[i].key),
			    saved[i].first + (uint64_t)k, why, sizeof why);
	}
	CHECK(winstate_session_table(&r, rec_of(NULL), &saved[0].w, 0, why,
	    sizeof why) == NULL);
	/* a restored session still merges, and fires when due */
	CHECK_INT(winstate_add(&r, rec_of("a"), 10, 14,
	    &(struct window){ 14, 24 }, 1, 0, why, sizeof why), 1);
	fired[0] = '\0';
	winstate_fire(&r, 19, emit, NULL);
	CHECK_STR(fired, "b[3,19)=2");
	fired[0] = '\0';
	winstate_fire(&r, EVTIME_MAX, emit, NULL);
	CHECK_STR(fired, "a[0,24)=3 c[30,40)=1");
	winstate_release(&r);
	winstate_release(&s);
}

int
main(void)
{
	char err[128];

	if (aggspec_parse("count", &spec, err, sizeof err) < 0)
		abort();
	spec.slot = -1;
	test_merging();
	test_lateness();
	test_reject();
	test_retract();
	test_save_restore();
	aggspec_release(&spec);
	return check_done("winstate");
}
