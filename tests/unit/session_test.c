/*
 * session_test.c - lib/session: sessions by key, merging the proto-windows
 * records bring, the heap by due, slots reused, keys forgotten.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "session.h"

/* A session with data of its own: the records it holds. */
struct counted {
	struct session s;
	long records;
	int seen;		/* the caller's data survives a free */
};

static evtime
due_end(void *arg, const struct session *x)
{
	(void)arg;
	return x->w.end;
}

static int
by_start(void *arg, const struct session *a, const struct session *b)
{
	(void)arg;
	if (a->w.start != b->w.start)
		return a->w.start < b->w.start;
	return a->first < b->first;
}

static struct counted *
at(const struct sessions *ss, size_t id)
{
	return (struct counted *)(void *)sessions_at(ss, id);
}

/* A record of key at t, gap 10: its proto-window merges, as winstate's
 * do, into the overlapping session whose first record came first. */
static void
add(struct sessions *ss, const char *key, evtime t, uint64_t seq)
{
	struct window w = { t, t + 10 }, u;
	size_t k = sessions_key(ss, key, strlen(key)), n, i, into;
	int fresh;

	n = sessions_overlapping(ss, k, &w, &u);
	if (n == 0) {
		into = sessions_new(ss, k, &w, seq, &fresh);
		if (fresh)
			at(ss, into)->seen = 0;
		at(ss, into)->records = 0;
		sessions_fix(ss, into);
	} else {
		into = ss->hit[0];
		for (i = 1; i < n; i++)
			if (sessions_at(ss, ss->hit[i])->first <
			    sessions_at(ss, into)->first)
				into = ss->hit[i];
		for (i = 0; i < n; i++)
			if (ss->hit[i] != into)
				at(ss, into)->records +=
				    at(ss, ss->hit[i])->records;
		sessions_merge(ss, into, ss->hit, n, &u);
	}
	at(ss, into)->records++;
}

/* The sessions of key, newest first: "[start,end)=records ...". */
static const char *
sessions_of(struct sessions *ss, const char *key)
{
	static char out[512];
	size_t i, len = 0;

	out[0] = '\0';
	for (i = sessions_head(ss, sessions_find_key(ss, key, strlen(key)));
	    i != SESSION_NONE; i = sessions_at(ss, i)->next)
		len += (size_t)snprintf(out + len, sizeof out - len,
		    "%s[%lld,%lld)=%ld", len ? " " : "",
		    (long long)sessions_at(ss, i)->w.start,
		    (long long)sessions_at(ss, i)->w.end, at(ss, i)->records);
	return out;
}

/* Pop everything due by wm: "key[start,end) ...", in due order. */
static const char *
fire(struct sessions *ss, evtime wm)
{
	static char out[512];
	size_t id, len = 0;
	evtime when;

	out[0] = '\0';
	while ((id = sessions_top(ss, &when)) != SESSION_NONE && when <= wm) {
		const struct session *x = sessions_at(ss, id);
		const struct keytab_key *k = &ss->keys.keys[x->key];

		len += (size_t)snprintf(out + len, sizeof out - len,
		    "%s%.*s[%lld,%lld)", len ? " " : "", (int)k->n, k->p,
		    (long long)x->w.start, (long long)x->w.end);
		sessions_free(ss, id);
	}
	return out;
}

static void
test_merging(void)
{
	static const struct {
		const char *key;
		evtime t;
		const char *a, *b;	/* then: the sessions of a and of b */
	} steps[] = {
		{ "a", 0, "[0,10)=1", "" },
		{ "a", 5, "[0,15)=2", "" },		/* overlaps: grows */
		{ "b", 5, "[0,15)=2", "[5,15)=1" },	/* another key apart */
		{ "a", 15, "[15,25)=1 [0,15)=2", "[5,15)=1" },	/* touches */
		{ "a", 30, "[30,40)=1 [15,25)=1 [0,15)=2", "[5,15)=1" },
		/* [22,32) bridges [15,25) and [30,40) into the older */
		{ "a", 22, "[15,40)=3 [0,15)=2", "[5,15)=1" },
		/* [10,20) bridges [0,15) and [15,40): everything */
		{ "a", 10, "[0,40)=6", "[5,15)=1" },
		{ "b", 1, "[0,40)=6", "[1,15)=2" },	/* grows backwards */
		{ "a", 2, "[0,40)=7", "[1,15)=2" },	/* inside: as it was */
	};
	struct sessions ss;
	size_t i;

	sessions_init(&ss, sizeof(struct counted), due_end, by_start, NULL);
	for (i = 0; i < sizeof steps / sizeof *steps; i++) {
		add(&ss, steps[i].key, steps[i].t, i);
		CHECK_STR(sessions_of(&ss, "a"), steps[i].a);
		CHECK_STR(sessions_of(&ss, "b"), steps[i].b);
	}
	CHECK_INT(ss.nheap, 2);
	CHECK_STR(fire(&ss, 14), "");
	CHECK_STR(fire(&ss, 15), "b[1,15)");
	CHECK_STR(fire(&ss, 100), "a[0,40)");
	CHECK_INT(ss.nheap, 0);
	sessions_release(&ss);
}

/* The heap: due first, then the caller's order; a fix moves one. */
static void
test_heap(void)
{
	static const struct {
		const char *key;
		evtime t;
	} adds[] = {
		{ "c", 50 }, { "a", 10 }, { "d", 10 }, { "b", 30 }, { "e", 0 },
		{ "a", 40 }, { "f", 20 },
	};
	struct sessions ss;
	size_t i, id;

	sessions_init(&ss, sizeof(struct counted), due_end, by_start, NULL);
	for (i = 0; i < sizeof adds / sizeof *adds; i++)
		add(&ss, adds[i].key, adds[i].t, i);
	/* a[10,20) and d[10,20) are due at once: the first record first */
	CHECK_STR(fire(&ss, 20), "e[0,10) a[10,20) d[10,20)");
	/* b moves later than c by a fix, as a merge would move it */
	id = sessions_head(&ss, sessions_find_key(&ss, "b", 1));
	sessions_at(&ss, id)->w.end = 100;
	sessions_fix(&ss, id);
	CHECK_STR(fire(&ss, 99), "f[20,30) a[40,50) c[50,60)");
	CHECK_STR(fire(&ss, EVTIME_MAX), "b[30,100)");
	sessions_release(&ss);
}

/* Dues the caller changed without fixes: sessions_reheap. */
static evtime
due_by_records(void *arg, const struct session *x)
{
	const struct counted *c = (const void *)x;

	(void)arg;
	return x->w.end + 100 * c->records;
}

static void
test_reheap(void)
{
	struct sessions ss;
	const char *keys[] = { "a", "b", "c", "d" };
	size_t i, id;

	sessions_init(&ss, sizeof(struct counted), due_by_records, by_start,
	    NULL);
	for (i = 0; i < 4; i++)
		add(&ss, keys[i], (evtime)i, i);
	/* a has 3 records now, found as restoring finds state */
	id = sessions_exact(&ss, sessions_find_key(&ss, "a", 1),
	    &(struct window){ 0, 10 });
	CHECK(id != SESSION_NONE);
	at(&ss, id)->records = 3;
	sessions_reheap(&ss);
	CHECK_STR(fire(&ss, 200), "b[1,11) c[2,12) d[3,13)");
	CHECK_STR(fire(&ss, 310), "a[0,10)");
	CHECK(sessions_exact(&ss, sessions_find_key(&ss, "b", 1),
	    &(struct window){ 1, 12 }) == SESSION_NONE);
	sessions_release(&ss);
}

/* A freed slot is the next new one, its data as it was left; a key is
 * forgotten with its last session, and its id goes to the next key. */
static void
test_slots_and_keys(void)
{
	struct sessions ss;
	char key[32], want[64];
	size_t id, again, i, bad = 0;
	int fresh;

	sessions_init(&ss, sizeof(struct counted), due_end, by_start, NULL);
	id = sessions_new(&ss, sessions_key(&ss, "x", 1),
	    &(struct window){ 0, 10 }, 0, &fresh);
	CHECK(fresh);
	CHECK_INT(at(&ss, id)->seen, 0);
	at(&ss, id)->seen = 42;
	sessions_fix(&ss, id);
	sessions_free(&ss, id);
	CHECK_INT(sessions_find_key(&ss, "x", 1), SESSION_NONE);
	again = sessions_new(&ss, sessions_key(&ss, "y", 1),
	    &(struct window){ 5, 15 }, 1, &fresh);
	sessions_fix(&ss, again);
	CHECK_INT(again, id);
	CHECK(!fresh);
	CHECK_INT(at(&ss, again)->seen, 42);
	CHECK_INT(ss.n, 1);
	CHECK_INT(sessions_find_key(&ss, "y", 1), 0);	/* x's id */
	CHECK_INT(sessions_key(&ss, "x", 1), 1);	/* x comes back */
	sessions_free(&ss, again);
	CHECK_INT(sessions_find_key(&ss, "y", 1), SESSION_NONE);
	CHECK_INT(sessions_find_key(&ss, "x", 1), 1);	/* no session yet */

	/* 30000 keys, each a session that goes: the table forgets them,
	 * and the bytes they left are packed away */
	for (i = 0; i < 30000; i++) {
		snprintf(key, sizeof key, "k%zu", i);
		add(&ss, key, (evtime)i * 100, i);
		snprintf(want, sizeof want, "%s[%zu,%zu)", key, i * 100,
		    i * 100 + 10);
		bad += strcmp(fire(&ss, (evtime)i * 100 + 10), want) != 0;
	}
	CHECK_INT(bad, 0);
	CHECK(ss.keys.n <= 2);
	CHECK(ss.keys.stored <= 2 * 65536 + 64);
	CHECK_INT(ss.n, 1);		/* one slot, over and over */
	add(&ss, "k4999", 5000000, 0);	/* forgotten or not, by its bytes */
	add(&ss, "live", 5000000, 1);
	CHECK_STR(sessions_of(&ss, "k4999"), "[5000000,5000010)=1");
	for (i = 0; i < 5000; i++) {	/* forgetting keeps live keys */
		snprintf(key, sizeof key, "m%zu", i);
		add(&ss, key, 1000000 + (evtime)i * 100, i);
		fire(&ss, 1000000 + (evtime)i * 100 + 10);
	}
	CHECK_STR(sessions_of(&ss, "live"), "[5000000,5000010)=1");
	CHECK_STR(sessions_of(&ss, "k4999"), "[5000000,5000010)=1");
	sessions_release(&ss);
}

/* Windows without a key: in the heap, in no key's list. */
static void
test_keyless(void)
{
	struct sessions ss;
	size_t a, b;
	int fresh;

	sessions_init(&ss, sizeof(struct counted), due_end, by_start, NULL);
	a = sessions_new(&ss, SESSION_NONE, &(struct window){ 0, 60 }, 0,
	    &fresh);
	sessions_fix(&ss, a);
	b = sessions_new(&ss, SESSION_NONE, &(struct window){ 60, 120 }, 1,
	    &fresh);
	sessions_fix(&ss, b);
	CHECK_INT(sessions_head(&ss, SESSION_NONE), SESSION_NONE);
	CHECK_INT(sessions_top(&ss, &(evtime){ 0 }), a);
	sessions_free(&ss, a);
	CHECK_INT(sessions_top(&ss, &(evtime){ 0 }), b);
	CHECK_INT(ss.keys.n, 0);
	sessions_release(&ss);
}

/* Pop both to wm: the same sessions in the same order; how many. */
static long
fire_both(struct sessions *a, struct sessions *b, evtime wm, long *bad)
{
	size_t x, y;
	evtime ax, by;
	long n = 0;

	while ((x = sessions_top(a, &ax)) != SESSION_NONE && ax <= wm) {
		y = sessions_top(b, &by);
		*bad += x != y || ax != by;
		sessions_free(a, x);
		if (y != SESSION_NONE)
			sessions_free(b, y);
		n++;
	}
	*bad += sessions_top(b, &by) != SESSION_NONE && by <= wm;
	return n;
}

/* Whether sessions_next visits every live session once, and no other. */
static int
visits_live(const struct sessions *ss)
{
	unsigned char *seen = calloc(ss->n + 1, 1);
	size_t at = 0, id, i, n = 0;
	int ok = 1;

	while ((id = sessions_next(ss, &at)) != SESSION_NONE) {
		ok &= id < ss->n && sessions_at(ss, id)->live && !seen[id];
		seen[id] = 1;
		n++;
	}
	for (i = 0; i < ss->n; i++)
		ok &= seen[i] == (sessions_at(ss, i)->live != 0);
	ok &= n == sessions_count(ss);
	ok &= sessions_next(ss, &at) == SESSION_NONE;	/* stays at the end */
	free(seen);
	return ok;
}

/*
 * The queue of sessions_in_order against the heap alone: records mostly
 * in time order, some late, sessions merging, a reheap now and then;
 * both give the same sessions in the same order, and the queue, used,
 * stays within four times the most it held (gaps, then doubling).
 */
static void
test_in_order(void)
{
	struct sessions a, b;
	char key[16];
	uint64_t r = 42;
	evtime t = 0;
	size_t i, queued = 0, most = 0;
	long bad = 0, fired = 0;

	sessions_init(&a, sizeof(struct counted), due_end, by_start, NULL);
	sessions_init(&b, sizeof(struct counted), due_end, by_start, NULL);
	sessions_in_order(&b);
	for (i = 0; i < 200000; i++) {
		evtime at;

		r = r * 6364136223846793005u + 1442695040888963407u;
		t += (evtime)(r >> 60) % 3;
		at = (r >> 40) % 10 == 0 ? t - (evtime)((r >> 20) % 15) : t;
		snprintf(key, sizeof key, "k%u", (unsigned)((r >> 33) % 300));
		add(&a, key, at, i);
		add(&b, key, at, i);
		if (b.runlive > queued)
			queued = b.runlive;
		if (sessions_count(&b) > most)
			most = sessions_count(&b);
		bad += sessions_count(&a) != sessions_count(&b);
		if (i % 50000 == 49999) {
			sessions_reheap(&a);
			sessions_reheap(&b);
		}
		fired += fire_both(&a, &b, t - 12, &bad);
		if (i % 997 == 0)	/* heap and queue both walked */
			bad += !visits_live(&a) + !visits_live(&b);
	}
	fired += fire_both(&a, &b, EVTIME_MAX, &bad);
	CHECK_INT(bad, 0);
	CHECK(fired > 10000);
	CHECK(queued > 10);
	CHECK(b.runcap <= 4 * most + 16);
	CHECK_INT(sessions_count(&b), 0);
	sessions_release(&a);
	sessions_release(&b);
}

int
main(void)
{
	test_merging();
	test_heap();
	test_reheap();
	test_slots_and_keys();
	test_keyless();
	test_in_order();
	return check_done("session");
}
