/*
 * metrics_test.c - --metrics: the ledger as counters, bytes read, the
 * watermark and its lag against a fixed clock, the delay summary, the
 * panes and open-window families, the file replaced whole, nothing
 * written when off, and the tick schedule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "metrics.h"
#include "testio.h"

#define NOW_S 1700000000	/* STREAMKIT_NOW, epoch seconds */
#define NOW_US ((evtime)NOW_S * US_PER_SEC)

static char dir[] = "/tmp/metrics_testXXXXXX";
static char path[96];

#define HT(name, type, help) \
	"# HELP " name " " help "\n# TYPE " name " " type "\n"

/* The ledger families of a run with these counters and 4096 bytes read. */
#define LEDGER_TEXT(rd, kept, filt, rej, late, wr) \
	HT("streamkit_records_read_total", "counter", "Records read " \
	    "(control lines not counted): kept, filtered, rejected or late.") \
	"streamkit_records_read_total{tool=\"t\"} " rd "\n" \
	HT("streamkit_records_kept_total", "counter", "Records the tool " \
	    "kept: aggregated, passed on or delivered.") \
	"streamkit_records_kept_total{tool=\"t\"} " kept "\n" \
	HT("streamkit_records_filtered_total", "counter", "Records --where " \
	    "left out.") \
	"streamkit_records_filtered_total{tool=\"t\"} " filt "\n" \
	HT("streamkit_records_rejected_total", "counter", "Records rejected " \
	    "as bad input.") \
	"streamkit_records_rejected_total{tool=\"t\"} " rej "\n" \
	HT("streamkit_records_late_total", "counter", "Records behind the " \
	    "watermark past the allowed lateness.") \
	"streamkit_records_late_total{tool=\"t\"} " late "\n" \
	HT("streamkit_records_written_total", "counter", "Records written " \
	    "to the output.") \
	"streamkit_records_written_total{tool=\"t\"} " wr "\n" \
	HT("streamkit_read_bytes_total", "counter", "Bytes of input read.") \
	"streamkit_read_bytes_total{tool=\"t\"} 4096\n"

#define WRITTEN_TEXT \
	HT("streamkit_metrics_written_timestamp_seconds", "gauge", "When " \
	    "this file was written, as Unix time.") \
	"streamkit_metrics_written_timestamp_seconds{tool=\"t\"} 1700000000\n"

#define WM_TEXT(wm, lag) \
	HT("streamkit_watermark_seconds", "gauge", "The watermark, as Unix " \
	    "time: no record before it is expected any more.") \
	"streamkit_watermark_seconds{tool=\"t\"} " wm "\n" \
	HT("streamkit_watermark_lag_seconds", "gauge", "The clock less the " \
	    "watermark.") \
	"streamkit_watermark_lag_seconds{tool=\"t\"} " lag "\n"

static const struct {
	const char *name;
	struct ledger ledger;
	evtime wm;
	const char *want;
} cases[] = {
	{ "empty, no watermark", { 0 }, EVTIME_MIN,
	    LEDGER_TEXT("0", "0", "0", "0", "0", "0") WRITTEN_TEXT },
	{ "counters, watermark at the end of input",
	    { .read = 10, .kept = 6, .filtered = 2, .rejected = 1, .late = 1,
	    .written = 5 }, EVTIME_MAX,
	    LEDGER_TEXT("10", "6", "2", "1", "1", "5") WRITTEN_TEXT },
	{ "watermark 90 s behind",
	    { .read = 123456789, .kept = 123456789, .written = 3 },
	    NOW_US - 90 * US_PER_SEC,
	    LEDGER_TEXT("123456789", "123456789", "0", "0", "0", "3")
	    WM_TEXT("1699999910", "90") WRITTEN_TEXT },
	{ "watermark 1.5 s behind", { .read = 1, .kept = 1 },
	    NOW_US - 1500000,
	    LEDGER_TEXT("1", "1", "0", "0", "0", "0")
	    WM_TEXT("1699999998.5", "1.5") WRITTEN_TEXT },
	{ "watermark ahead of the clock", { 0 }, NOW_US + 2 * US_PER_SEC,
	    LEDGER_TEXT("0", "0", "0", "0", "0", "0")
	    WM_TEXT("1700000002", "-2") WRITTEN_TEXT },
};

static void
start(struct metrics *m, const struct ledger *l, const char *file)
{
	metrics_init(m, "t", l);
	m->path = file;
	m->every = 3600 * US_PER_SEC;	/* no write falls due in a test */
	metrics_start(m);
}

static void
test_families(void)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct metrics m;

		start(&m, &cases[i].ledger, path);
		CHECK(metrics_tick(&m, 4096, cases[i].wm) > 0);
		CHECK_INT(metrics_write(&m), 0);
		if (strcmp(slurp(path), cases[i].want) != 0)
			fprintf(stderr, "case: %s\n", cases[i].name);
		CHECK_STR(slurp(path), cases[i].want);
		metrics_release(&m);
		CHECK_INT(unlink(path), 0);
	}
}

/* Delays of 1 .. 100 s: the quantiles are the sketch's, as prom_test. */
static void
test_delay(void)
{
	static const char want[] =
	    LEDGER_TEXT("100", "100", "0", "0", "0", "100")
	    HT("streamkit_propagation_delay_seconds", "summary", "The clock "
	    "less a record's event time when it was written or taken.")
	    "streamkit_propagation_delay_seconds{tool=\"t\",quantile=\"0.5\"} "
	    "50.2098\n"
	    "streamkit_propagation_delay_seconds{tool=\"t\",quantile=\"0.9\"} "
	    "90.5217\n"
	    "streamkit_propagation_delay_seconds{tool=\"t\",quantile=\"0.99\"} "
	    "98.0729\n"
	    "streamkit_propagation_delay_seconds_sum{tool=\"t\"} 5050\n"
	    "streamkit_propagation_delay_seconds_count{tool=\"t\"} 100\n"
	    WRITTEN_TEXT;
	struct ledger l = { .read = 100, .kept = 100, .written = 100 };
	struct metrics m;
	struct buf q;
	char said[256];
	int i;

	start(&m, &l, path);
	CHECK(metrics_tick(&m, 4096, EVTIME_MIN) > 0);
	for (i = 1; i <= 100; i++)
		metrics_delay(&m, NOW_US - (evtime)i * US_PER_SEC);
	metrics_delay(NULL, NOW_US);	/* no metrics: nothing */
	CHECK_INT(m.delay->count, 100);
	CHECK_INT(metrics_write(&m), 0);
	CHECK_STR(slurp(path), want);
	buf_init(&q);
	metrics_quantiles(&q, m.delay);
	snprintf(said, sizeof said, "%.*s", (int)q.len, q.data);
	CHECK_STR(said, "p50 50.2 s  p90 1.51 min  p99 1.63 min");
	buf_release(&q);
	metrics_release(&m);
	CHECK_INT(unlink(path), 0);
}

static void
test_tool_families(void)
{
	static const struct {
		uintmax_t fired[3];
		size_t open;
		const char *want;
	} rows[] = {
		{ { 0, 0, 0 }, 0,
		    "streamkit_panes_total{tool=\"t\",timing=\"early\"} 0\n"
		    "streamkit_panes_total{tool=\"t\",timing=\"on_time\"} 0\n"
		    "streamkit_panes_total{tool=\"t\",timing=\"late\"} 0\n"
		    "%sstreamkit_open_windows{tool=\"t\"} 0\n" },
		{ { 3, 17, 2 }, 42,
		    "streamkit_panes_total{tool=\"t\",timing=\"early\"} 3\n"
		    "streamkit_panes_total{tool=\"t\",timing=\"on_time\"} 17\n"
		    "streamkit_panes_total{tool=\"t\",timing=\"late\"} 2\n"
		    "%sstreamkit_open_windows{tool=\"t\"} 42\n" },
	};
	static const char panes_ht[] = HT("streamkit_panes_total", "counter",
	    "Panes fired, by when: before the window's end, at it, or after.");
	static const char open_ht[] = HT("streamkit_open_windows", "gauge",
	    "Windows, slices and sessions open.");
	size_t i;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		char want[2048], body[1024];
		struct prom p;

		prom_init(&p, "t");
		metrics_panes(&p, rows[i].fired);
		metrics_open_windows(&p, rows[i].open);
		snprintf(body, sizeof body, rows[i].want, open_ht);
		snprintf(want, sizeof want, "%s%s", panes_ht, body);
		CHECK_MEM(p.text.data, p.text.len, want);
		prom_release(&p);
	}
}

static void
tool_families(void *arg, struct prom *p)
{
	(*(int *)arg)++;
	metrics_open_windows(p, 7);
}

/* The tool's families follow the common ones, before the timestamp. */
static void
test_callback(void)
{
	static const char want[] =
	    LEDGER_TEXT("0", "0", "0", "0", "0", "0")
	    HT("streamkit_open_windows", "gauge", "Windows, slices and "
	    "sessions open.")
	    "streamkit_open_windows{tool=\"t\"} 7\n" WRITTEN_TEXT;
	struct ledger l = { 0 };
	struct metrics m;
	int calls = 0;

	start(&m, &l, path);
	m.families = tool_families;
	m.arg = &calls;
	metrics_tick(&m, 4096, EVTIME_MIN);
	CHECK_INT(metrics_final(&m), 0);
	CHECK_INT(calls, 1);
	CHECK_STR(slurp(path), want);
	/* no write follows the final one */
	CHECK_INT(metrics_final(&m), 0);
	CHECK_INT(metrics_write(&m), 0);
	CHECK_INT(metrics_tick(&m, 4096, EVTIME_MIN), -1);
	CHECK_INT(calls, 1);
	metrics_release(&m);
	CHECK_INT(unlink(path), 0);
}

/* Off: no figures, no sketch, no file, whatever is called. */
static void
test_off(void)
{
	struct ledger l = { .read = 1 };
	struct metrics m;

	metrics_init(&m, "t", &l);
	CHECK(!metrics_on(&m));
	metrics_start(&m);
	CHECK(m.delay == NULL);
	metrics_delay(&m, NOW_US);
	CHECK_INT(metrics_tick(&m, 4096, NOW_US), -1);
	CHECK_INT(metrics_write(&m), 0);
	CHECK_INT(metrics_final(&m), 0);
	CHECK_INT(m.report.len, 0);
	CHECK_INT(access(path, F_OK), -1);
	metrics_release(&m);
	CHECK_INT(metrics_tick(NULL, 0, NOW_US), -1);

	/* --stats alone: figures, but no file and no schedule */
	metrics_init(&m, "t", &l);
	m.stats = 1;
	CHECK(metrics_on(&m));
	metrics_start(&m);
	CHECK(m.delay != NULL);
	CHECK_INT(metrics_tick(&m, 4096, NOW_US), -1);
	CHECK_INT(m.bytes, 4096);
	CHECK_INT(metrics_write(&m), 0);
	CHECK_INT(access(path, F_OK), -1);
	metrics_release(&m);
}

/* Each write replaces the file by rename: a reader holding the old one
 * keeps it whole, and no temporary file is left. */
static void
test_replace(void)
{
	struct ledger l = { .read = 5, .kept = 5 };
	struct metrics m;
	struct stat before, after;
	char tmp[128];
	FILE *old;
	const char *text;

	start(&m, &l, path);
	metrics_tick(&m, 4096, EVTIME_MIN);
	CHECK_INT(metrics_write(&m), 0);
	CHECK_INT(stat(path, &before), 0);
	old = fopen(path, "r");
	CHECK(old != NULL);
	l.read = 6;
	CHECK_INT(metrics_write(&m), 0);
	CHECK_INT(stat(path, &after), 0);
	CHECK(before.st_ino != after.st_ino);
	CHECK(strstr(slurp(path),
	    "streamkit_records_read_total{tool=\"t\"} 6\n") != NULL);
	if (old) {
		text = drain(old);
		CHECK(strstr(text,
		    "streamkit_records_read_total{tool=\"t\"} 5\n") != NULL);
		CHECK(strstr(text, "streamkit_metrics_written_timestamp_"
		    "seconds{tool=\"t\"} 1700000000\n") != NULL);
	}
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	CHECK_INT(access(tmp, F_OK), -1);
	metrics_release(&m);
	CHECK_INT(unlink(path), 0);
}

/* A write that fails is said once and makes every later write -1. */
static void
test_failure(void)
{
	char bad[128];
	struct ledger l = { 0 };
	struct metrics m;
	const char *said;

	snprintf(bad, sizeof bad, "%s/no/such/m.prom", dir);
	start(&m, &l, bad);
	capture();
	CHECK_INT(metrics_write(&m), -1);
	CHECK_INT(metrics_write(&m), -1);
	said = captured();
	CHECK(strstr(said, "--metrics: cannot open") != NULL);
	CHECK(strstr(said, "--metrics:") != NULL &&
	    strstr(strstr(said, "--metrics:") + 1, "--metrics:") == NULL);
	CHECK_INT(metrics_final(&m), -1);
	metrics_release(&m);
}

/*
 * The schedule on the monotonic clock, which a test cannot fix: with a
 * period of an hour the first tick is not due and says so in whole
 * milliseconds; with a period of 0 every tick writes and is due again.
 */
static void
test_tick(void)
{
	struct ledger l = { .read = 1 };
	struct metrics m;
	int ms;

	start(&m, &l, path);
	ms = metrics_tick(&m, 10, EVTIME_MIN);
	CHECK(ms > 3600000 - 60000 && ms <= 3600000);
	CHECK_INT(access(path, F_OK), -1);	/* not due: not written */
	CHECK_INT(m.bytes, 10);
	CHECK_INT(m.now, NOW_US);
	metrics_release(&m);

	metrics_init(&m, "t", &l);
	m.path = path;
	m.every = 0;
	metrics_start(&m);
	CHECK_INT(metrics_tick(&m, 10, EVTIME_MIN), 0);
	CHECK(strstr(slurp(path),
	    "streamkit_read_bytes_total{tool=\"t\"} 10\n") != NULL);
	CHECK_INT(metrics_tick(&m, 20, NOW_US), 0);
	CHECK(strstr(slurp(path),
	    "streamkit_read_bytes_total{tool=\"t\"} 20\n") != NULL);
	CHECK(strstr(slurp(path),
	    "streamkit_watermark_lag_seconds{tool=\"t\"} 0\n") != NULL);
	metrics_release(&m);
	CHECK_INT(unlink(path), 0);

	/* the default period is 10 s */
	metrics_init(&m, "t", &l);
	CHECK_INT(m.every, 10 * US_PER_SEC);
	m.path = path;
	metrics_start(&m);
	ms = metrics_tick(&m, 0, EVTIME_MIN);
	CHECK(ms > 10000 - 5000 && ms <= 10000);
	CHECK_INT(access(path, F_OK), -1);
	metrics_release(&m);
}

int
main(void)
{
	setenv("STREAMKIT_NOW", "1700000000", 1);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/m.prom", dir);
	test_families();
	test_delay();
	test_tool_families();
	test_callback();
	test_off();
	test_replace();
	test_failure();
	test_tick();
	CHECK_INT(rmdir(dir), 0);	/* nothing left behind */
	return check_done("metrics_test");
}
