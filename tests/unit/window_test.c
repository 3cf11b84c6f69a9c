/*
 * window_test.c - window assignment and time zones.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "clock.h"
#include "time.h"
#include "timefmt.h"
#include "tz.h"
#include "window.h"

#define S(x) ((int64_t)(x) * US_PER_SEC)

static evtime
at(const char *rfc3339)
{
	struct timefmt tf;
	evtime t;

	timefmt_init(&tf, "rfc3339", wall_now());
	if (time_parse(&tf, rfc3339, strlen(rfc3339), &t) < 0)
		abort();
	return t;
}

static void
test_tumbling(void)
{
	struct windowing w = { WINDOW_TUMBLING, S(60), 0, 0, 0, NULL };
	struct window out[4];

	CHECK_INT(window_assign(&w, S(0), out), 1);
	CHECK(out[0].start == 0 && out[0].end == S(60));
	CHECK_INT(window_assign(&w, S(59) + 999999, out), 1);
	CHECK(out[0].start == 0);
	CHECK_INT(window_assign(&w, S(60), out), 1);
	CHECK(out[0].start == S(60) && out[0].end == S(120));
	/* before the epoch: floor, not truncation */
	CHECK_INT(window_assign(&w, -1, out), 1);
	CHECK(out[0].start == -S(60) && out[0].end == 0);
	CHECK_INT(window_assign(&w, -S(60), out), 1);
	CHECK(out[0].start == -S(60));
	CHECK_INT(window_assign(&w, -S(61), out), 1);
	CHECK(out[0].start == -S(120));
	/* an offset shifts the grid */
	w.offset = S(15);
	CHECK_INT(window_assign(&w, S(10), out), 1);
	CHECK(out[0].start == -S(45) && out[0].end == S(15));
	CHECK_INT(window_assign(&w, S(15), out), 1);
	CHECK(out[0].start == S(15));
	/* out of range */
	CHECK_INT(window_assign(&w, EVTIME_MAX, out), 0);
	CHECK_INT(window_assign(&w, EVTIME_MIN, out), 0);
}

static void
test_sliding(void)
{
	struct windowing w = { WINDOW_SLIDING, S(30), S(10), 0, 0, NULL };
	struct window out[8];

	CHECK_INT(window_count(&w), 3);
	CHECK_INT(window_assign(&w, S(25), out), 3);
	CHECK(out[0].start == 0 && out[0].end == S(30));
	CHECK(out[1].start == S(10) && out[1].end == S(40));
	CHECK(out[2].start == S(20) && out[2].end == S(50));
	CHECK_INT(window_assign(&w, S(20), out), 3);
	CHECK(out[0].start == 0 && out[2].start == S(20));
	CHECK_INT(window_assign(&w, -S(5), out), 3);
	CHECK(out[0].start == -S(30) && out[2].start == -S(10));
	/* a size that is not a multiple of the period */
	w.size = S(25);
	CHECK_INT(window_count(&w), 3);
	CHECK_INT(window_assign(&w, S(20), out), 3);
	CHECK(out[0].start == 0 && out[0].end == S(25));
	CHECK_INT(window_assign(&w, S(29), out), 2);
	CHECK(out[0].start == S(10) && out[1].start == S(20));
	/* period == size is tumbling */
	w.size = w.period = S(10);
	CHECK_INT(window_assign(&w, S(15), out), 1);
	CHECK(out[0].start == S(10));
}

static void
test_session_global(void)
{
	struct windowing w = { WINDOW_SESSION, 0, 0, 0, S(10), NULL };
	struct window out[2];
	const char *err;

	CHECK_INT(window_assign(&w, S(1), out), 1);
	CHECK(out[0].start == S(1) && out[0].end == S(11));
	w.kind = WINDOW_GLOBAL;
	CHECK_INT(window_assign(&w, S(1), out), 1);
	CHECK(out[0].start == EVTIME_MIN && out[0].end == EVTIME_MAX);
	w.kind = WINDOW_SESSION;
	w.gap = 0;
	CHECK_INT(window_check(&w, &err), -1);
	w = (struct windowing){ WINDOW_SLIDING, S(10), S(20), 0, 0, NULL };
	CHECK_INT(window_check(&w, &err), -1);
	w.period = S(5);
	CHECK_INT(window_check(&w, &err), 0);
}

static void
test_tz(void)
{
	struct tz z;
	const char *err;
	struct windowing w = { WINDOW_TUMBLING, S(86400), 0, 0, 0, &z };
	struct window out[8];

	if (tz_load(&z, "Europe/Berlin", &err) < 0) {
		fprintf(stderr, "Europe/Berlin: %s\n", err);
		CHECK(0);
		return;
	}
	CHECK_INT(tz_offset(&z, at("2026-01-15T12:00:00Z")), S(3600));
	CHECK_INT(tz_offset(&z, at("2026-07-15T12:00:00Z")), S(7200));
	/* the spring change, 2026-03-29 02:00 CET: a 23-hour day */
	CHECK_INT(tz_offset(&z, at("2026-03-29T00:59:59Z")), S(3600));
	CHECK_INT(tz_offset(&z, at("2026-03-29T01:00:00Z")), S(7200));
	CHECK_INT(window_assign(&w, at("2026-03-29T12:00:00Z"), out), 1);
	CHECK(out[0].start == at("2026-03-28T23:00:00Z"));
	CHECK(out[0].end == at("2026-03-29T22:00:00Z"));
	CHECK(out[0].end - out[0].start == S(23 * 3600));
	/* just before local midnight still belongs to the old day */
	CHECK_INT(window_assign(&w, at("2026-03-28T22:59:59Z"), out), 1);
	CHECK(out[0].start == at("2026-03-27T23:00:00Z"));
	/* the autumn change: a 25-hour day */
	CHECK_INT(window_assign(&w, at("2026-10-25T12:00:00Z"), out), 1);
	CHECK(out[0].end - out[0].start == S(25 * 3600));
	/* weeks start on Monday local midnight: 2026-11-23 is a Monday */
	w.size = S(7 * 86400);
	CHECK_INT(window_assign(&w, at("2026-11-25T10:00:00Z"), out), 1);
	CHECK(out[0].start == at("2026-11-22T23:00:00Z"));
	CHECK(out[0].end == at("2026-11-29T23:00:00Z"));
	/* beyond the file's transitions, the footer rule: 2100's change */
	CHECK_INT(tz_offset(&z, at("2100-07-01T00:00:00Z")), S(7200));
	CHECK_INT(tz_offset(&z, at("2100-12-01T00:00:00Z")), S(3600));
	CHECK_INT(tz_offset(&z, at("2100-03-28T00:59:59Z")), S(3600));
	CHECK_INT(tz_offset(&z, at("2100-03-28T01:00:00Z")), S(7200));
	/* sizes must be whole days with a zone */
	w.size = S(3600);
	CHECK_INT(window_check(&w, &err), -1);
	tz_release(&z);

	CHECK_INT(tz_load(&z, "No/Such_Zone", &err), -1);
	CHECK_STR(err, "no such time zone");
	CHECK_INT(tz_load(&z, "../etc/passwd", &err), -1);
	CHECK_INT(tz_load(&z, "UTC", &err), 0);
	CHECK_INT(tz_offset(&z, at("2026-07-15T12:00:00Z")), 0);
	tz_release(&z);

	/* a zone whose midnight falls in its gap: America/Sao_Paulo, whose
	 * clocks went from 00:00 to 01:00 on 2018-11-04 */
	if (tz_load(&z, "America/Sao_Paulo", &err) == 0) {
		w.size = S(86400);
		CHECK_INT(window_assign(&w, at("2018-11-04T12:00:00Z"), out), 1);
		CHECK(out[0].start == at("2018-11-04T03:00:00Z"));
		CHECK(out[0].end - out[0].start == S(23 * 3600));
		tz_release(&z);
	}
}

/* window_assign_last gives window_assign's windows, times in and out of
 * the last one's, back and forth, the bounds included, for tumbling
 * windows (which it keeps) and sliding ones (which it does not). */
static void
test_last(void)
{
	static const int64_t t[] = {
		0, 1, 59999999, 60000000, 60000001, 30, 119999999, 120000000,
		-1, -60000000, -60000001, 119999999, 5000000000, 5000000001,
	};
	struct windowing w[2] = {
		{ WINDOW_TUMBLING, S(60), 0, 0, 0, NULL },
		{ WINDOW_SLIDING, S(60), S(20), 0, 0, NULL },
	};
	struct window want[8], got[8], last;
	size_t i, k, n, j;

	for (k = 0; k < 2; k++) {
		memset(&last, 0, sizeof last);
		for (i = 0; i < sizeof t / sizeof t[0]; i++) {
			n = window_assign(&w[k], t[i], want);
			CHECK_INT(window_assign_last(&w[k], t[i], got, &last), n);
			for (j = 0; j < n; j++)
				CHECK(got[j].start == want[j].start &&
				    got[j].end == want[j].end);
			if (k == 0)
				CHECK(last.start == want[0].start &&
				    last.end == want[0].end);
		}
	}
}

int
main(void)
{
	test_tumbling();
	test_sliding();
	test_session_global();
	test_tz();
	test_last();
	return check_done("window");
}
