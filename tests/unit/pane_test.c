/*
 * pane_test.c - lib/pane: the panes of windows and sessions under a
 * trigger: early, on-time and late panes, count and watermark triggers,
 * late records, expiry, the trigger state of sessions that merge, and
 * saving and restoring it all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pane.h"

/* What the panes said: "F key[start,end)#pane timing final" for a pane,
 * "X key[start,end)" for an expiry, "L" for a record found late. */
static char said[1024];

static const char *const timing[] = { "early", "on-time", "late" };

static void
say(const char *what, const struct punct *p)
{
	size_t len = strlen(said);

	len += (size_t)snprintf(said + len, sizeof said - len,
	    "%s%s %.*s[%lld,%lld)", len ? " " : "", what, p->key ? (int)p->keylen : 1,
	    p->key ? p->key : "-", (long long)p->start, (long long)p->end);
	if (*what == 'F')
		snprintf(said + len, sizeof said - len, "#%ld %s%s", p->pane,
		    timing[p->timing], p->final ? " final" : "");
}

static void
on_fire(void *arg, const struct punct *p)
{
	(void)arg;
	say("F", p);
}

static void
on_expire(void *arg, const struct punct *p)
{
	(void)arg;
	say("X", p);
}

/*
 * A step: 'r', a record at t >= 0 of key (NULL: in its tumbling minute;
 * else in a session's proto-window [t, t+10)) at watermark wm, unless
 * panes_late says it is late; 'w', the watermark moves to wm.
 */
struct step {
	int op;
	const char *key;
	evtime t, wm;
	const char *said;
};

static void
step(struct panes *ps, const struct step *s)
{
	struct window w = { s->t, s->t + 10 };
	size_t kl = s->key ? strlen(s->key) : 0;

	if (s->key == NULL) {		/* tumbling, a minute long */
		w.start = s->t / 60 * 60;
		w.end = w.start + 60;
	}
	if (s->op == 'w')
		panes_watermark(ps, s->wm);
	else if (panes_late(ps, &w, s->key, kl, s->wm))
		strcat(said, said[0] ? " L" : "L");
	else
		panes_record(ps, &w, s->key, kl, s->wm);
}

static void
run(const char *trig, int accumulate, int64_t lateness,
    const struct step *st, size_t n)
{
	char err[200];
	struct trigger *t = trigger_parse(trig, err, sizeof err);
	struct panes ps;
	size_t i;

	CHECK(t != NULL);
	if (t == NULL)
		return;
	panes_init(&ps, t, accumulate, lateness);
	ps.fire = on_fire;
	ps.expire = on_expire;
	for (i = 0; i < n; i++) {
		said[0] = '\0';
		step(&ps, &st[i]);
		if (strcmp(said, st[i].said) != 0)
			fprintf(stderr, "%s, step %zu:\n", trig, i);
		CHECK_STR(said, st[i].said);
	}
	panes_release(&ps);
	trigger_free(t);
}

/* Windows of no key: early panes by count, the on-time pane, late ones. */
static void
test_windows(void)
{
	static const struct step early[] = {
		{ 'r', NULL, 0, 0, "" },
		{ 'r', NULL, 10, 0, "F -[0,60)#0 early" },
		{ 'r', NULL, 60, 0, "" },		/* [60,120) */
		{ 'r', NULL, 20, 0, "" },
		{ 'w', NULL, 0, 59, "" },
		/* no late firings: the trigger is done, records late */
		{ 'w', NULL, 0, 60, "F -[0,60)#1 on-time final" },
		{ 'r', NULL, 30, 65, "L" },
		{ 'w', NULL, 0, 69, "" },
		{ 'w', NULL, 0, 70, "X -[0,60)" },
		{ 'w', NULL, 0, EVTIME_MAX,
		    "F -[60,120)#0 on-time final X -[60,120)" },
	};
	static const struct step late[] = {
		{ 'r', NULL, 0, 0, "" },
		{ 'w', NULL, 0, 60, "F -[0,60)#0 on-time" },
		{ 'r', NULL, 5, 61, "F -[0,60)#1 late" },	/* at once */
		{ 'r', NULL, 6, 69, "F -[0,60)#2 late" },
		{ 'w', NULL, 0, 70, "X -[0,60)" },
		{ 'r', NULL, 7, 70, "L" },		/* expired */
	};

	/* records of two windows in turn, and a window gone whose slot a
	 * new one takes: the window found last is not taken for another */
	static const struct step turns[] = {
		{ 'r', NULL, 0, 0, "" },
		{ 'r', NULL, 60, 0, "" },
		{ 'r', NULL, 1, 0, "F -[0,60)#0 early" },
		{ 'r', NULL, 61, 0, "F -[60,120)#0 early" },
		{ 'r', NULL, 2, 0, "" },
		{ 'w', NULL, 0, 70, "F -[0,60)#1 on-time final X -[0,60)" },
		{ 'r', NULL, 120, 70, "" },
		{ 'r', NULL, 62, 70, "" },
		{ 'r', NULL, 121, 70, "F -[120,180)#0 early" },
		{ 'r', NULL, 63, 70, "F -[60,120)#1 early" },
		{ 'r', NULL, 3, 70, "L" },
	};

	run("watermark(early=count(2))", 0, 10, early,
	    sizeof early / sizeof *early);
	run("watermark(early=repeat(count(2)))", 0, 10, turns,
	    sizeof turns / sizeof *turns);
	run("repeat(watermark)", 1, 10, late, sizeof late / sizeof *late);
}

/* Sessions: per key, merging, and their trigger state with them. */
static void
test_sessions(void)
{
	static const struct step count[] = {
		{ 'r', "a", 0, 0, "" },
		{ 'r', "a", 15, 0, "" },
		{ 'r', "b", 3, 0, "" },
		/* [8,18) bridges a's two: their counts and this record's */
		{ 'r', "a", 8, 0, "F a[0,25)#0 early" },
		{ 'r', "a", 9, 0, "" },
		{ 'r', "a", 9, 0, "" },
		{ 'r', "a", 9, 0, "F a[0,25)#1 early" },
		{ 'w', NULL, 0, 100, "X b[3,13) X a[0,25)" },
	};
	static const struct step watermark[] = {
		{ 'r', "a", 0, 0, "" },
		{ 'r', "a", 30, 0, "" },
		{ 'w', NULL, 0, 10, "F a[0,10)#0 on-time" },
		/* late, within the lateness: the session grows, its panes
		 * count again, and it fires as its end passes */
		{ 'r', "a", 5, 10, "" },
		{ 'w', NULL, 0, 14, "" },
		{ 'w', NULL, 0, 15, "F a[0,15)#0 on-time" },
		/* the other session: apart until a record bridges them */
		{ 'r', "a", 22, 15, "" },
		{ 'r', "a", 14, 15, "" },
		{ 'w', NULL, 0, 39, "" },
		{ 'w', NULL, 0, 40, "F a[0,40)#0 on-time" },
		{ 'w', NULL, 0, 59, "" },
		{ 'w', NULL, 0, 60, "X a[0,40)" },
		{ 'r', "a", 0, 60, "L" },
	};
	static const struct step done[] = {
		/* a session whose trigger is done makes records late */
		{ 'r', "a", 0, 0, "" },
		{ 'w', NULL, 0, 10, "F a[0,10)#0 on-time final" },
		{ 'r', "a", 5, 10, "L" },
		{ 'r', "a", 10, 10, "" },	/* touches: its own */
		/* due at once: the one that ends first first */
		{ 'w', NULL, 0, 20, "X a[0,10) F a[10,20)#0 on-time final" },
		{ 'w', NULL, 0, 30, "X a[10,20)" },
	};

	run("repeat(count(3))", 0, 0, count, sizeof count / sizeof *count);
	run("repeat(watermark)", 1, 20, watermark,
	    sizeof watermark / sizeof *watermark);
	run("watermark", 1, 10, done, sizeof done / sizeof *done);
}

/* --state: saved, restored, saved again: the same lines; and the
 * restored panes go on as the first would have. */
static void
test_save_restore(void)
{
	static const struct step before[] = {
		{ 'r', "[\"a\"]", 0, 0, "" },
		{ 'r', "[\"b\"]", 5, 0, "" },
		{ 'r', NULL, 0, 0, "" },
		{ 'r', "[\"a\"]", 4, 0, "F [\"a\"][0,14)#0 early" },
		{ 'w', NULL, 0, 14, "F [\"a\"][0,14)#1 on-time final" },
	};
	static const struct step after[] = {
		{ 'r', "[\"b\"]", 6, 14, "F [\"b\"][5,16)#0 early" },
		{ 'w', NULL, 0, 60, "F [\"b\"][5,16)#1 on-time final "
		    "X [\"a\"][0,14) X [\"b\"][5,16) "
		    "F -[0,60)#0 on-time final" },
		{ 'w', NULL, 0, EVTIME_MAX, "X -[0,60)" },
	};
	char err[200];
	struct trigger *t = trigger_parse("watermark(early=count(2))", err,
	    sizeof err);
	struct panes ps, rs;
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t i, n;
	const char *p, *e;

	panes_init(&ps, t, 1, 30);
	ps.fire = on_fire;
	ps.expire = on_expire;
	for (i = 0; i < sizeof before / sizeof *before; i++) {
		said[0] = '\0';
		step(&ps, &before[i]);
		CHECK_STR(said, before[i].said);
	}
	panes_save(&ps, &a);
	panes_init(&rs, t, 1, 30);
	rs.fire = on_fire;
	rs.expire = on_expire;
	for (p = a.data, n = 0; (e = strchr(p, '\n')) != NULL; p = e + 1, n++) {
		CHECK(strncmp(p, "pane ", 5) == 0);
		CHECK_INT(panes_restore(&rs, p + 5, (size_t)(e - p - 5)), 0);
	}
	CHECK_INT(n, 3);
	panes_save(&rs, &b);
	CHECK_STR(b.data, a.data);
	/* a window twice, or a session that overlaps one: refused */
	p = strchr(a.data, '\n') + 1;
	CHECK_INT(panes_restore(&rs, a.data + 5, (size_t)(p - a.data - 6)),
	    -1);
	for (i = 0; i < sizeof after / sizeof *after; i++) {
		said[0] = '\0';
		step(&rs, &after[i]);
		CHECK_STR(said, after[i].said);
	}
	buf_release(&a);
	buf_release(&b);
	panes_release(&ps);
	panes_release(&rs);
	trigger_free(t);
}

int
main(void)
{
	test_windows();
	test_sessions();
	test_save_restore();
	return check_done("pane");
}
