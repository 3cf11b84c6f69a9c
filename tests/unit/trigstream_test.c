/*
 * trigstream_test.c - lib/trigstream: a stream-window stream through a
 * trigger, record by record: verdicts, the panes that fire, late records
 * moving the watermark, sessions keyed by their JSON, bad strategies, and
 * --state written and read back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"
#include "trigstream.h"

static char said[512];

static void
on_fire(void *arg, const struct punct *p)
{
	size_t len = strlen(said);

	(void)arg;
	snprintf(said + len, sizeof said - len, "%s%.*s[%lld,%lld)#%ld%s",
	    len ? " " : "", p->key ? (int)p->keylen : 0, p->key ? p->key : "",
	    (long long)(p->start / 1000000), (long long)(p->end / 1000000),
	    p->pane, p->final ? "!" : "");
}

/* A strategy line as stream-window writes it, max-delay 0. */
static void
strategy_line(struct buf *b, const char *window)
{
	buf_reset(b);
	buf_addf(b, "{\"_punct\":\"strategy\",%s,\"tz\":null,\"time\":\"t\","
	    "\"time_format\":\"auto\",\"time_field\":\"_t\",\"key\":%s,"
	    "\"start_field\":\"window_start\",\"end_field\":\"window_end\","
	    "\"time_output\":\"epoch\",\"max_delay\":0,"
	    "\"allowed_lateness\":0,\"trigger\":\"watermark\","
	    "\"mode\":\"discard\"}", window,
	    strstr(window, "session") ? "\"u\"" : "null");
}

/* A record through trigstream_check, then _take or _late_time, as
 * stream-trigger's record has it: the verdict's letter, P L or R. */
static char
full_path(struct trigstream *s, const struct record *rec)
{
	char why[128];
	evtime when;
	int verdict = trigstream_check(s, rec, &when, why, sizeof why);

	if (verdict == TRIGSTREAM_PASS)
		trigstream_take(s, when);
	else if (verdict == TRIGSTREAM_LATE)
		trigstream_late_time(s, when);
	return "PLR"[verdict];
}

static const struct {
	const char *window, *trigger;
	const char *records;	/* lines, '|' between */
	const char *verdicts;	/* P pass, L late, R reject, a char each */
	const char *fired;	/* the panes, the end of input's too */
} cases[] = {
	{ "\"window\":\"tumbling\",\"size\":10000000,\"offset\":0",
	    "watermark", "{\"_t\":1000000}|{\"_t\":12000000}|{\"_t\":2000000}",
	    "PPL", "[0,10)#0! [10,20)#0!" },
	{ "\"window\":\"tumbling\",\"size\":10000000,\"offset\":0",
	    "count(2)", "{\"_t\":1000000}|{\"_t\":3000000}|{\"_t\":4000000}",
	    "PPL", "[0,10)#0!" },
	{ "\"window\":\"tumbling\",\"size\":10000000,\"offset\":0",
	    "watermark", "{\"x\":1}|{\"_t\":\"soon\"}|{\"_t\":5000000}",
	    "RRP", "[0,10)#0!" },
	{ "\"window\":\"session\",\"gap\":5000000", "watermark",
	    "{\"u\":\"a\",\"_t\":1000000}|{\"u\":\"b\",\"_t\":2000000}|"
	    "{\"u\":\"a\",\"_t\":20000000}|{\"_t\":21000000}",
	    "PPPR", "[\"a\"][1,6)#0! [\"b\"][2,7)#0! [\"a\"][20,25)#0!" },
};

static void
test_records(void)
{
	struct buf line = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct trigstream_options o = { cases[i].trigger, -1, -1, 0, 0,
		    EMPTY_DEFAULT };
		struct fieldset fs = FIELDSET_INIT;
		struct trigstream s;
		struct trigger *t;
		char err[256], got[16] = "";
		const char *p = cases[i].records;
		size_t k = 0;

		said[0] = '\0';
		t = trigger_parse(cases[i].trigger, err, sizeof err);
		CHECK(t != NULL);
		trigstream_init(&s);
		strategy_line(&line, cases[i].window);
		CHECK_INT(trigstream_start(&s, line.data, line.len, &o, t, &fs,
		    on_fire, NULL, err, sizeof err), 0);
		while (*p) {
			size_t n = strcspn(p, "|");
			struct val *v = calloc(fs.n, sizeof *v);
			struct record rec = { p, n, "t", 1, v };
			const char *perr;

			got[k++] = json_parse(p, n, &fs, v, &perr) == PARSE_OK ?
			    full_path(&s, &rec) : 'R';
			free(v);
			p += n + (p[n] == '|');
		}
		got[k] = '\0';
		trigstream_end(&s);
		CHECK_STR(got, cases[i].verdicts);
		CHECK_STR(said, cases[i].fired);
		trigstream_release(&s);
		trigger_free(t);
		fieldset_release(&fs);
	}
	buf_release(&line);
}

/*
 * trigstream_fast before trigstream_check, as stream-trigger's sweep
 * asks it, and trigstream_fast_run of a run line's records: which records
 * they take (F, and T for a run's) and which they leave to the full path
 * (P pass, L late), and that the panes that fire, the watermark and
 * the count of records are those of the full path alone.  Times in
 * seconds; tumbling windows of 10 unless the case says.
 */
static const struct {
	const char *window, *trigger;
	const char *times;		/* ' ' between */
	const char *want;		/* F, T, P or L a record */
	int64_t lateness;		/* seconds */
} fast_cases[] = {
	/* the window the first record opened: the next ones are fast */
	{ NULL, "watermark", "1 2 3 4 5", "PFFFF", 0 },
	/* out of order in the window: the watermark stays, still fast */
	{ NULL, "watermark", "1 2 5 3 4", "PFFFF", 0 },
	/* the next window: the full path, which fires the first */
	{ NULL, "watermark", "1 2 3 12 13 14 15", "PFFPFFF", 0 },
	/* a late record, then the window of the one before it */
	{ NULL, "watermark", "1 2 12 13 3 14 15 16", "PFPFLPFF", 0 },
	/* allowed lateness 5: [0,10) expires when the watermark reaches
	 * 15, so 16 goes the full path, which frees it (3 is late: the
	 * trigger fired once and is done) */
	{ NULL, "watermark", "1 2 12 13 3 14 16 17", "PFPFLPPF", 5 },
	/* and a watermark that reaches that due exactly: the full path */
	{ NULL, "watermark", "1 2 12 13 3 14 15 16", "PFPFLPPF", 5 },
	/* a trigger that counts, or has early panes: never */
	{ NULL, "count(2)", "1 2 3 4", "PPLL", 0 },
	{ NULL, "watermark(early=count(2))", "1 2 3 4", "PPPP", 0 },
	/* windows that are not tumbling: never (a sliding stream's lines
	 * have _w too, so stream-trigger never asks) */
	{ "\"window\":\"global\"", "watermark", "1 2 3", "PPP", 0 },
	/* runs, [...], as a run line promises them: taken whole (T), in
	 * any order, one after another, after single fast records */
	{ NULL, "watermark", "1 [2 3 4] 5", "PTTTF", 0 },
	{ NULL, "watermark", "1 [4 2 3] [9 5]", "PTTTTT", 0 },
	{ NULL, "watermark", "1 2 [3 4]", "PFTT", 0 },
	/* or each record its own way: a run of another window than the
	 * last record's, or across two, or one that fires a window (the
	 * watermark reaches its end, 10), or of a trigger that counts */
	{ NULL, "watermark", "1 [12 13] 14", "PPFF", 0 },
	{ NULL, "watermark", "1 [8 12] 13", "PFPF", 0 },
	{ NULL, "watermark", "1 [2 10 3]", "PFPL", 0 },
	{ NULL, "count(2)", "1 [2 3]", "PPL", 0 },
	/* a run in a window that is not the last one opened */
	{ NULL, "watermark", "1 12 [3 4] 13 14", "PPLLPF", 5 },
	/* lateness 5: a run whose greatest time reaches the last window's
	 * due (15) is not taken, one short of it is */
	{ NULL, "watermark", "1 12 [13 15]", "PPFP", 5 },
	{ NULL, "watermark", "1 12 [13 14]", "PPTT", 5 },
};

/* The times of a run, "3 4]" at p, by trigstream_fast_run when fast:
 * 1 and a T a record when it took them, else 0 (each goes its way). */
static int
take_run(struct trigstream *s, int fast, const char *p, char *got,
    size_t *k)
{
	long lo = 0, hi = 0, n = 0, sec;

	for (; *p != ']'; n++) {
		sec = strtol(p, (char **)&p, 10);
		lo = n == 0 || sec < lo ? sec : lo;
		hi = n == 0 || sec > hi ? sec : hi;
		while (*p == ' ')
			p++;
	}
	if (!fast || !trigstream_fast_run(s, (uint64_t)n, lo * 1000000,
	    hi * 1000000))
		return 0;
	while (n-- > 0)
		got[(*k)++] = 'T';
	return 1;
}

/* One case through the full path alone (fast 0) or fast first: the
 * verdicts, and what fired, the watermark and the count of records in
 * said; in saved, --state's text of the stream before its end (every
 * pane's counts and trigger state). */
static void
run_fast(size_t i, int fast, char *got, struct buf *line, struct buf *saved)
{
	static const char tumbling[] =
	    "\"window\":\"tumbling\",\"size\":10000000,\"offset\":0";
	struct trigstream_options o = { fast_cases[i].trigger,
	    fast_cases[i].lateness * 1000000, -1, 0, 0, EMPTY_DEFAULT };
	struct fieldset fs = FIELDSET_INIT;
	struct trigstream s;
	struct trigger *t;
	char err[256], text[32];
	const char *p = fast_cases[i].times;
	size_t k = 0, len;

	said[0] = '\0';
	t = trigger_parse(fast_cases[i].trigger, err, sizeof err);
	CHECK(t != NULL);
	trigstream_init(&s);
	strategy_line(line, fast_cases[i].window ? fast_cases[i].window :
	    tumbling);
	CHECK_INT(trigstream_start(&s, line->data, line->len, &o, t, &fs,
	    on_fire, NULL, err, sizeof err), 0);
	/* the streams it takes none of say so at the start */
	CHECK_INT(trigstream_can_fast(&s),
	    strpbrk(fast_cases[i].want, "FT") != NULL);
	while (*p) {
		long sec;
		struct val *v = calloc(fs.n, sizeof *v);
		struct record rec = { text, 0, "t", 1, v };
		const char *perr;

		if (*p == '[' && take_run(&s, fast, ++p, got, &k)) {
			for (p = strchr(p, ']') + 1; *p == ' '; p++)
				;
			free(v);
			continue;
		}
		sec = strtol(p, (char **)&p, 10);
		rec.len = (size_t)snprintf(text, sizeof text, "{\"_t\":%ld}",
		    sec * 1000000);
		CHECK_INT(json_parse(text, rec.len, &fs, v, &perr), PARSE_OK);
		got[k++] = fast && trigstream_fast(&s, &v[0]) ? 'F' :
		    full_path(&s, &rec);
		free(v);
		while (*p == ' ' || *p == ']')
			p++;
	}
	got[k] = '\0';
	buf_reset(saved);
	trigstream_save(&s, saved);
	len = strlen(said);
	snprintf(said + len, sizeof said - len, " wm %lld records %llu",
	    (long long)s.wm.wm, (unsigned long long)s.panes.records);
	trigstream_end(&s);
	trigstream_release(&s);
	trigger_free(t);
	fieldset_release(&fs);
}

static void
test_fast(void)
{
	struct buf line = BUF_INIT, full = BUF_INIT, taken = BUF_INIT;
	char got[32], slow[sizeof said];
	size_t i;

	for (i = 0; i < sizeof fast_cases / sizeof fast_cases[0]; i++) {
		run_fast(i, 0, got, &line, &full);
		memcpy(slow, said, sizeof said);
		CHECK(strpbrk(got, "FT") == NULL);
		run_fast(i, 1, got, &line, &taken);
		if (strcmp(got, fast_cases[i].want) != 0)
			fprintf(stderr, "fast case %zu:\n", i);
		CHECK_STR(got, fast_cases[i].want);
		CHECK_STR(said, slow);
		CHECK_STR(taken.data, full.data);
	}
	buf_release(&line);
	buf_release(&full);
	buf_release(&taken);
}

/* Strategies stream-trigger cannot take. */
static void
test_bad_strategies(void)
{
	static const struct {
		const char *window, *err;
	} c[] = {
		{ "\"window\":\"session\",\"gap\":5000000,\"key\":null",
		    "session windows without a key" },
		{ "\"window\":\"tumbling\",\"size\":10000000,\"offset\":0,"
		    "\"fire_lines\":true,\"trigger\":\"watermark\"",
		    "the stream has been through stream-trigger already" },
		{ "\"size\":1", "bad strategy line" },
	};
	struct trigstream_options o = { "watermark", -1, -1, 0, 0,
	    EMPTY_DEFAULT };
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct fieldset fs = FIELDSET_INIT;
		struct trigstream s;
		struct trigger *t = trigger_parse("watermark", NULL, 0);
		struct buf line = BUF_INIT;
		char err[256] = "";

		trigstream_init(&s);
		buf_addf(&line, "{\"_punct\":\"strategy\",%s,"
		    "\"start_field\":\"window_start\","
		    "\"end_field\":\"window_end\"}", c[i].window);
		CHECK_INT(trigstream_start(&s, line.data, line.len, &o, t, &fs,
		    on_fire, NULL, err, sizeof err), -1);
		CHECK(strncmp(err, c[i].err, strlen(c[i].err)) == 0);
		trigstream_release(&s);
		trigger_free(t);
		fieldset_release(&fs);
		buf_release(&line);
	}
}

/* --state: what one run leaves, the next takes back whole; another
 * stream's state is refused. */
static void
test_state(void)
{
	struct trigstream_options o = { "repeat(count(2))", -1, -1, 0, 0,
	    EMPTY_DEFAULT };
	struct buf line = BUF_INIT, saved = BUF_INIT, again = BUF_INIT;
	struct fieldset fs = FIELDSET_INIT;
	struct trigstream s, r;
	struct trigger *t = trigger_parse(o.trigger_text, NULL, 0);
	struct val v[4];
	const char *rec1 = "{\"_t\":1000000}", *perr, *p, *e;
	struct record rec = { rec1, strlen(rec1), "t", 1, v };
	char err[256], why[128];
	evtime when;
	int have_wm = 0;

	strategy_line(&line, "\"window\":\"tumbling\",\"size\":10000000,"
	    "\"offset\":0");
	trigstream_init(&s);
	CHECK_INT(trigstream_start(&s, line.data, line.len, &o, t, &fs,
	    on_fire, NULL, err, sizeof err), 0);
	CHECK_INT(json_parse(rec.line, rec.len, &fs, v, &perr), PARSE_OK);
	CHECK_INT(trigstream_check(&s, &rec, &when, why, sizeof why),
	    TRIGSTREAM_PASS);
	trigstream_take(&s, when);
	trigstream_save(&s, &saved);
	CHECK(strstr(saved.data, "\nwatermark 1000000 1000000\npane 0 ") !=
	    NULL);

	trigstream_init(&r);
	CHECK_INT(trigstream_start(&r, line.data, line.len, &o, t, &fs,
	    on_fire, NULL, err, sizeof err), 0);
	for (p = saved.data, e = p + saved.len; p < e; ) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t kw = strcspn(p, " ");

		CHECK_INT(trigstream_restore_line(&r, p, kw, p + kw + 1,
		    (size_t)(nl - p - kw - 1), &have_wm, err, sizeof err), 0);
		p = nl + 1;
	}
	CHECK_INT(have_wm, 1);
	trigstream_save(&r, &again);
	CHECK_STR(again.data, saved.data);
	/* a second record fires the pane both runs hold */
	said[0] = '\0';
	CHECK_INT(trigstream_check(&r, &rec, &when, why, sizeof why),
	    TRIGSTREAM_PASS);
	trigstream_take(&r, when);
	CHECK_STR(said, "[0,10)#0");
	/* another stream's state */
	CHECK_INT(trigstream_restore_line(&r, "strategy", 8, "{}", 2,
	    &have_wm, err, sizeof err), -1);
	CHECK(strstr(err, "written for another stream") != NULL);
	CHECK_INT(trigstream_restore_line(&r, "pane", 4, "x", 1, &have_wm,
	    err, sizeof err), -1);
	trigstream_release(&s);
	trigstream_release(&r);
	trigger_free(t);
	fieldset_release(&fs);
	buf_release(&line);
	buf_release(&saved);
	buf_release(&again);
}

int
main(void)
{
	test_records();
	test_fast();
	test_bad_strategies();
	test_state();
	return check_done("trigstream");
}
