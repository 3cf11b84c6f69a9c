/*
 * time_test.c - unit tests for lib/time.c and lib/timefmt.c.
 *
 * Every parse goes through a heap copy of exactly n bytes with no NUL,
 * so that AddressSanitizer catches any read past p[n-1].
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "clock.h"
#include "time.h"
#include "buf.h"
#include "timefmt.h"

#define BAD	INT64_C(0x7eadbeef7eadbeef)	/* want: parse fails */
#define T0	INT64_C(1795514400000000)	/* 2026-11-24T10:00:00Z */
#define E9	INT64_C(1700000000000000)	/* "1700000000" seconds */
#define HOUR	(INT64_C(3600) * US_PER_SEC)
#define DAY	(24 * HOUR)

struct pcase {
	const char	*s;
	int64_t		 want;
};

static int
parse_n(const struct timefmt *tf, const char *s, size_t n, evtime *t)
{
	char *p = malloc(n ? n : 1);
	int r;

	memcpy(p, s, n);
	r = time_parse(tf, p, n, t);
	free(p);
	return r;
}

static void
run(const struct timefmt *tf, const struct pcase *c, size_t nc)
{
	size_t i;
	evtime t;
	int r;

	for (i = 0; i < nc; i++) {
		t = 0;
		r = parse_n(tf, c[i].s, strlen(c[i].s), &t);
		if (c[i].want == BAD) {
			if (r != -1)
				fprintf(stderr, "accepted '%s'\n", c[i].s);
			CHECK_INT(r, -1);
		} else {
			if (r != 0 || t != c[i].want)
				fprintf(stderr, "case '%s'\n", c[i].s);
			CHECK_INT(r, 0);
			CHECK_INT(t, c[i].want);
		}
	}
}

static void
run_kind(int kind, const struct pcase *c, size_t nc)
{
	struct timefmt tf = { kind, NULL, T0 };

	run(&tf, c, nc);
}

#define RUN(kind, tab) run_kind((kind), (tab), sizeof(tab) / sizeof(tab[0]))

static void
test_rfc3339(void)
{
	static const struct pcase c[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "1970-01-01", 0 },
		{ "1969-12-31T23:59:59.999999Z", -1 },
		{ "0001-01-01T00:00:00Z", INT64_C(-62135596800000000) },
		{ "0000-01-01T00:00:00Z", INT64_C(-62167219200000000) },
		{ "9999-12-31T23:59:59.999999Z", INT64_C(253402300799999999) },
		{ "2000-02-29", INT64_C(951782400000000) },
		{ "2024-02-29T00:00:00Z", INT64_C(1709164800000000) },
		{ "1900-02-29", BAD },
		{ "2023-02-29", BAD },
		{ "2026-11-24T10:00:00Z", T0 },
		{ "2026-11-24t10:00:00z", T0 },
		{ "2026-11-24 10:00:00", T0 },
		{ "2026-11-24T10:00:00", T0 },
		{ "2026-11-24T10:00:00.1Z", T0 + 100000 },
		{ "2026-11-24T10:00:00.123Z", T0 + 123000 },
		/* milliseconds and Z, read at their places */
		{ "2026-11-24T10:00:00.000Z", T0 },
		{ "2026-11-24T10:00:00.999z", T0 + 999000 },
		{ "2026-11-24T10:01:59.001Z", T0 + 119001000 },
		/* the kept minute, left by either path, and back */
		{ "2026-11-24T10:00:00.5+00:00", T0 + 500000 },
		{ "2026-11-24T10:01:00.250Z", T0 + 60250000 },
		{ "2026-11-24T11:00:00+01:00", T0 },
		{ "2026-11-24T10:00:00.12xZ", BAD },
		{ "2026-11-24T10:00:00.1x3Z", BAD },
		{ "2026-11-24T10:00:00,123Z", BAD },
		{ "2026-11-24T10:00:00.123X", BAD },
		{ "2026-11-24T10:00:00.123456Z", T0 + 123456 },
		{ "2026-11-24T10:00:00.123456789Z", T0 + 123456 },
		{ "2026-11-24T10:00:00.999999999Z", T0 + 999999 },
		{ "2026-11-24T12:00:00+02:00", T0 },
		{ "2026-11-24T12:00:00+0200", T0 },
		{ "2026-11-24T12:00:00+02", T0 },
		{ "2026-11-24T04:30:00-05:30", T0 },
		{ "2026-11-24T10:00:00-00:00", T0 },
		{ "2026-11-24T10:00:00.5+00:00", T0 + 500000 },
		{ "2026-11-24T23:59:00+23:59", T0 - 10 * HOUR },
		{ "2016-12-31T23:59:60Z", INT64_C(1483228799999999) },
		{ "2016-12-31T23:59:60.5Z", INT64_C(1483228799999999) },
		{ "", BAD },
		{ "abc", BAD },
		{ "2026-13-01", BAD },
		{ "2026-00-10", BAD },
		{ "2026-11-00", BAD },
		{ "2026-11-31", BAD },
		{ "2026-11-24T24:00:00Z", BAD },
		{ "2026-11-24T10:60:00Z", BAD },
		{ "2026-11-24T10:00:61Z", BAD },
		{ "2026-11-24T10:00:00+24:00", BAD },
		{ "2026-11-24T10:00:00+02:60", BAD },
		{ "2026-11-24T10:00:00+2", BAD },
		{ "2026-11-24T10:00:00+02:0", BAD },
		{ "2026-11-24T10:00:00+02:", BAD },
		{ "2026-11-24T10:00:00Zjunk", BAD },
		{ "2026-11-24T10:00:00.Z", BAD },
		{ "2026-11-24T10:00:00.1234567890Z", BAD },
		{ "2026-11-24T", BAD },
		{ "2026-11-24X10:00:00", BAD },
		{ "2026-11-24T10:00Z", BAD },
		{ "2026-11-24T1:00:00Z", BAD },
		{ "2026-1-24", BAD },
		{ "26-11-24", BAD },
		{ "12026-11-24", BAD },
		{ "-2026-11-24", BAD },
		{ " 2026-11-24", BAD },
		{ "2026-11-24 ", BAD },
		{ "1700000000", BAD },
	};

	RUN(TIMEFMT_RFC3339, c);
}

static void
test_epoch(void)
{
	static const struct pcase s[] = {
		{ "0", 0 },
		{ "-0", 0 },
		{ "1700000000", INT64_C(1700000000000000) },
		{ "1700000000.123456", INT64_C(1700000000123456) },
		{ "1700000000.1234569", INT64_C(1700000000123456) },
		{ "1700000000.5", INT64_C(1700000000500000) },
		{ "-1", -1000000 },
		{ "-1.5", -1500000 },
		{ "-0.0000001", -1 },
		{ "-0.000001", -1 },
		{ "-0.0000010", -1 },
		{ "-0.0000011", -2 },
		{ "00000000000000000000001", 1000000 },
		{ "9223372036854.775807", INT64_MAX },
		{ "9223372036854.7758079", INT64_MAX },
		{ "9223372036854.775808", BAD },
		{ "-9223372036854.775808", INT64_MIN },
		{ "-9223372036854.7758081", BAD },
		{ "99999999999999999999", BAD },
		{ "", BAD },
		{ "-", BAD },
		{ "1e9", BAD },
		{ "0x10", BAD },
		{ " 1", BAD },
		{ "1 ", BAD },
		{ "1.", BAD },
		{ ".5", BAD },
		{ "+1", BAD },
		{ "--1", BAD },
		{ "1.2.3", BAD },
		{ "2026-11-24", BAD },
	};
	static const struct pcase ms[] = {
		{ "1700000000123", INT64_C(1700000000123000) },
		{ "1.5", 1500 },
		{ "1.0005", 1000 },
		{ "-1.0005", -1001 },
		{ "-1", -1000 },
		{ "9223372036854775.807", INT64_MAX },
		{ "9223372036854775.808", BAD },
		{ "1ms", BAD },
	};
	static const struct pcase us[] = {
		{ "1700000000123456", INT64_C(1700000000123456) },
		{ "-5", -5 },
		{ "1.9", 1 },
		{ "-1.9", -2 },
		{ "9223372036854775807", INT64_MAX },
		{ "9223372036854775808", BAD },
		{ "-9223372036854775808", INT64_MIN },
		{ "-9223372036854775809", BAD },
		{ "0", 0 },
		{ "-0", 0 },
		{ "999999999999999999", INT64_C(999999999999999999) },
		{ "-999999999999999999", INT64_C(-999999999999999999) },
		{ "1000000000000000000", INT64_C(1000000000000000000) },
		{ "-", BAD },
		{ "12a", BAD },
		{ "+5", BAD },
		{ " 5", BAD },
	};
	static const struct pcase ns[] = {
		{ "1700000000123456789", INT64_C(1700000000123456) },
		{ "999", 0 },
		{ "1000", 1 },
		{ "-1", -1 },
		{ "-1000", -1 },
		{ "-1001", -2 },
		{ "-1000.5", -2 },
		{ "9223372036854775807999", INT64_MAX },
		{ "9223372036854775808000", BAD },
		{ "-9223372036854775808000", INT64_MIN },
		{ "-9223372036854775808001", BAD },
	};

	RUN(TIMEFMT_EPOCH, s);
	RUN(TIMEFMT_EPOCH_MS, ms);
	RUN(TIMEFMT_EPOCH_US, us);
	RUN(TIMEFMT_EPOCH_NS, ns);
}

static void
test_auto(void)
{
	static const struct pcase c[] = {
		{ "1700000000", INT64_C(1700000000000000) },
		{ "1700000000.25", INT64_C(1700000000250000) },
		{ "-1700000000", INT64_C(-1700000000000000) },
		{ "99999999999", INT64_C(99999999999000000) },
		/* seconds of up to 11 digits: the one-pass path */
		{ "99999999999.9999999", INT64_C(99999999999999999) },
		{ "1700000000.1234569", INT64_C(1700000000123456) },
		{ "00000000001.5", 1500000 },
		{ "000000000001.5", 1500000 },
		{ "1.000001", 1000001 },
		{ "100000000000", INT64_C(100000000000000) },
		{ "1700000000123", INT64_C(1700000000123000) },
		{ "-1700000000123", INT64_C(-1700000000123000) },
		{ "99999999999999", INT64_C(99999999999999000) },
		{ "100000000000000", INT64_C(100000000000000) },
		{ "1700000000123456", INT64_C(1700000000123456) },
		{ "99999999999999999", INT64_C(99999999999999999) },
		{ "100000000000000000", INT64_C(100000000000000) },
		{ "1700000000123456789", INT64_C(1700000000123456) },
		{ "99999999999999999999", INT64_C(99999999999999999) },
		{ "99999999999999999999999", BAD },
		{ "0", 0 },
		{ "2026-11-24T10:00:00Z", T0 },
		{ "2026-11-24 12:00:00+02:00", T0 },
		{ "2026-11-24", T0 - 10 * HOUR },
		{ "10/Oct/2000:13:55:36 -0700", INT64_C(971211336000000) },
		{ "Nov 24 10:00:00", BAD },
		{ "", BAD },
		{ "abc", BAD },
		{ "1e9", BAD },
		{ "2026-13-01", BAD },
		{ "17000000001234x", BAD },
	};

	RUN(TIMEFMT_AUTO, c);
}

static void
test_clf(void)
{
	static const struct pcase c[] = {
		{ "10/Oct/2000:13:55:36 -0700", INT64_C(971211336000000) },
		{ "10/oct/2000:20:55:36 +0000", INT64_C(971211336000000) },
		{ "10/OCT/2000:22:55:36 +0200", INT64_C(971211336000000) },
		{ "24/Nov/2026:10:00:00 +0000", T0 },
		{ "29/Feb/2023:10:00:00 +0000", BAD },
		{ "31/Sep/2000:10:00:00 +0000", BAD },
		{ "10/Oct/2000:13:55:36", BAD },
		{ "10/Oct/2000:13:55:36 -07:00", BAD },
		{ "10/Oct/2000:13:55:36 -07", BAD },
		{ "10/Oct/2000:13:55:36 Z", BAD },
		{ "10/Oct/2000:13:55:36  -0700", BAD },
		{ "1/Oct/2000:13:55:36 -0700", BAD },
		{ "10/Foo/2000:13:55:36 -0700", BAD },
		{ "10/October/2000:13:55:36 -0700", BAD },
		{ "10/Oct/2000 13:55:36 -0700", BAD },
		{ "10/Oct/2000:13:55:36 -0700]", BAD },
	};

	RUN(TIMEFMT_CLF, c);
}

static void
test_syslog(void)
{
	static const struct pcase nov[] = {
		{ "Nov 24 10:00:00", T0 },
		{ "Nov 24 10:00:00.123", T0 + 123000 },
		{ "Nov  4 10:00:00", INT64_C(1793786400000000) },
		{ "Nov 4 10:00:00", INT64_C(1793786400000000) },
		{ "nov 24 10:00:00", T0 },
		{ "Dec 25 10:00:00", INT64_C(1798192800000000) },
		{ "Dec 26 10:00:00", INT64_C(1766743200000000) },
		{ "Jan  1 00:00:00", INT64_C(1767225600000000) },
		{ "Nov 24 10:00:60", T0 + 59999999 },
		{ "Feb 29 00:00:00", BAD },
		{ "Nov 24 10:00", BAD },
		{ "Nov 24 10:00:00 host", BAD },
		{ "Nov 32 10:00:00", BAD },
		{ "Nov  24 10:00:00", BAD },
		{ "Xyz 24 10:00:00", BAD },
		{ "November 24 10:00:00", BAD },
		{ "Nov 24 10:00:00.", BAD },
		{ "Nov 24 2026 10:00:00", BAD },
	};
	static const struct pcase jan[] = {
		{ "Dec 31 23:59:59", INT64_C(1798761599000000) },
		{ "Jan  5 10:00:00",
		    INT64_C(1798761600000000) + 4 * DAY + 10 * HOUR },
	};
	static const struct pcase leapyear[] = {
		{ "Feb 29 00:00:00", INT64_C(1709164800000000) },
	};
	struct timefmt tf = { TIMEFMT_SYSLOG, NULL, T0 + 2 * HOUR };

	run(&tf, nov, sizeof nov / sizeof nov[0]);
	tf.now = INT64_C(1798761599000000) + 5 * DAY;	/* 2027-01-05 */
	run(&tf, jan, sizeof jan / sizeof jan[0]);
	tf.now = INT64_C(1709164800000000) + 10 * DAY;	/* 2024-03-10 */
	run(&tf, leapyear, 1);
	tf.now = INT64_C(1709164800000000) + 400 * DAY;	/* 2025-04 */
	run(&tf, leapyear, 1);
}

static void
test_pattern(void)
{
	static const struct {
		const char	*pat;
		const char	*s;
		int64_t		 want;
	} c[] = {
		{ "%Y-%m-%d %H:%M:%S", "2026-11-24 10:00:00", T0 },
		{ "%Y-%m-%d %H:%M:%S", "2026-11-24   10:00:00", T0 },
		{ "%Y-%m-%d %H:%M:%S", "2026-11-2410:00:00", T0 },
		{ "%F %H:%M:%S", "2026-1-4 1:2:3", INT64_C(1767488523000000) },
		{ "%d/%b/%Y:%T %z", "24/Nov/2026:11:00:00 +0100", T0 },
		{ "%Y%m%d", "20261124", T0 - 10 * HOUR },
		{ "%Y%m%d%H%M%S", "20261124100000", T0 },
		{ "%b %e %T", "Nov  4 10:00:00", INT64_C(26560800000000) },
		{ "%b %e %T", "Nov 4 10:00:00", INT64_C(26560800000000) },
		{ "%y", "69", INT64_C(-31536000000000) },
		{ "%y", "68", INT64_C(3092601600000000) },
		{ "%y", "00", INT64_C(946684800000000) },
		{ "%y", "2000", BAD },
		{ "%B %d, %Y", "november 24, 2026", T0 - 10 * HOUR },
		{ "%B %d, %Y", "Nov 24, 2026", T0 - 10 * HOUR },
		{ "%b %d %Y", "MAY 1 1970", 120 * DAY },
		{ "%h %d %Y", "NOV 24 2026", T0 - 10 * HOUR },
		{ "%a, %d %b %Y %T %Z", "Tue, 24 Nov 2026 10:00:00 GMT", T0 },
		{ "%A %F %T %Z", "tuesday 2026-11-24 10:00:00 utc", T0 },
		{ "%a %F", "Xyz 2026-11-24", BAD },
		{ "%T %Z", "10:00:00 EST", BAD },
		{ "%T%Z", "10:00:00Z", 10 * HOUR },
		{ "%Y %j", "2026 328", T0 - 10 * HOUR },
		{ "%Y %j", "2024 366", INT64_C(1735603200000000) },
		{ "%Y %j", "2023 366", BAD },
		{ "%j", "0", BAD },
		{ "%j", "1", 0 },
		{ "%I:%M %p", "12:30 AM", INT64_C(1800000000) },
		{ "%I:%M %p", "12:30 PM", INT64_C(45000000000) },
		{ "%I:%M %p", "01:05 pm", INT64_C(47100000000) },
		{ "%I:%M %p", "13:00 PM", BAD },
		{ "%I:%M %p", "00:00 AM", BAD },
		{ "%I:%M %p", "01:05 XM", BAD },
		{ "%I", "7", 7 * HOUR },
		{ "%s", "1700000000", INT64_C(1700000000000000) },
		{ "%s", "-1", -1000000 },
		{ "%s.%f", "1700000000.5", INT64_C(1700000000500000) },
		{ "%s.%f", "-1.5", -1500000 },
		{ "%s.%f", "-0.25", -250000 },
		{ "%s", "9223372036854", INT64_C(9223372036854000000) },
		{ "%s", "9223372036855", BAD },
		{ "%s", "99999999999999999999", BAD },
		{ "%s", "-", BAD },
		{ "%FT%T%z", "2026-11-24T11:00:00+0100", T0 },
		{ "%FT%T%z", "2026-11-24T11:00:00+01:00", T0 },
		{ "%FT%T%z", "2026-11-24T11:00:00+01", T0 },
		{ "%FT%T%z", "2026-11-24T10:00:00Z", T0 },
		{ "%FT%T%z", "2026-11-24T10:00:00", BAD },
		{ "%D %R", "11/24/26 10:00", T0 },
		{ "%H:%M:%S.%f", "10:00:00.123456789", 10 * HOUR + 123456 },
		{ "%H:%M:%S.%f", "10:00:00.", BAD },
		{ "%F %T", "2016-12-31 23:59:60", INT64_C(1483228799999999) },
		{ "%F %T", "2016-12-31 23:59:61", BAD },
		{ "%F %T", "2023-02-29 00:00:00", BAD },
		{ "%Y%n%m%t%d", "2026 \t11\n24", T0 - 10 * HOUR },
		{ "%Y%n%m%t%d", "20261124", T0 - 10 * HOUR },
		{ "%Y %m", "202611", INT64_C(1793491200000000) },
		{ "100%% %Y", "100% 1970", 0 },
		{ "100%% %Y", "100 1970", BAD },
		{ "%Y", "2026x", BAD },
		{ "%Y-%m", "2026", BAD },
		{ "%m", "13", BAD },
		{ "%m/%d", "2/30", BAD },
		{ "%d", "", BAD },
		{ "at %H", "at 10", 10 * HOUR },
		{ "at %H", "At 10", BAD },
	};
	struct timefmt tf;
	evtime t;
	size_t i;
	int r;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		CHECK_INT(timefmt_init(&tf, c[i].pat, wall_now()), 0);
		CHECK_INT(tf.kind, TIMEFMT_PATTERN);
		t = 0;
		r = parse_n(&tf, c[i].s, strlen(c[i].s), &t);
		if (r != (c[i].want == BAD ? -1 : 0) ||
		    (r == 0 && t != c[i].want))
			fprintf(stderr, "pattern '%s' on '%s'\n", c[i].pat,
			    c[i].s);
		if (c[i].want == BAD)
			CHECK_INT(r, -1);
		else {
			CHECK_INT(r, 0);
			CHECK_INT(t, c[i].want);
		}
		timefmt_release(&tf);
		CHECK(tf.pattern == NULL);
	}
}

static void
test_init(void)
{
	static const struct {
		const char	*spec;
		int		 kind;
	} c[] = {
		{ "auto", TIMEFMT_AUTO }, { "rfc3339", TIMEFMT_RFC3339 },
		{ "iso8601", TIMEFMT_RFC3339 }, { "epoch", TIMEFMT_EPOCH },
		{ "epoch-ms", TIMEFMT_EPOCH_MS },
		{ "epoch-us", TIMEFMT_EPOCH_US },
		{ "epoch-ns", TIMEFMT_EPOCH_NS }, { "clf", TIMEFMT_CLF },
		{ "syslog", TIMEFMT_SYSLOG }, { "%Y", TIMEFMT_PATTERN },
		{ "%%", TIMEFMT_PATTERN },
		{ "bogus", -1 }, { "", -1 }, { "RFC3339", -1 }, { "%Q", -1 },
		{ "%Y%", -1 }, { "%", -1 }, { "%E", -1 }, { "%Y %k", -1 },
	};
	struct timefmt tf;
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		CHECK_INT(timefmt_init(&tf, c[i].spec, wall_now()),
		    c[i].kind < 0 ? -1 : 0);
		if (c[i].kind >= 0)
			CHECK_INT(tf.kind, c[i].kind);
		if (c[i].kind == TIMEFMT_PATTERN)
			CHECK_STR(tf.pattern, c[i].spec);
		else
			CHECK(tf.pattern == NULL);
		timefmt_release(&tf);
	}
}

/* Text followed by bytes that would change the result, cut off by n. */
static void
test_slices(void)
{
	static const struct {
		int		 kind;
		const char	*buf;
		size_t		 n;
		int64_t		 want;
	} c[] = {
		{ TIMEFMT_AUTO, "17000000001234", 10, E9 },
		{ TIMEFMT_EPOCH, "17000000001234", 10, E9 },
		{ TIMEFMT_EPOCH, "1700000000.56789", 12, E9 + 500000 },
		{ TIMEFMT_EPOCH, "1700000000.x", 11, BAD },
		{ TIMEFMT_RFC3339, "2026-11-24T10:00:00Z", 10, T0 - 10 * HOUR },
		{ TIMEFMT_RFC3339, "2026-11-24T10:00:00+02:00", 19, T0 },
		{ TIMEFMT_RFC3339, "2026-11-24T10:00:00+02:00", 22,
		    T0 - 2 * HOUR },
		{ TIMEFMT_RFC3339, "2026-11-24T10:00:00.123Z", 21,
		    T0 + 100000 },
		{ TIMEFMT_RFC3339, "2026-11-24T10:00:00Z", 9, BAD },
		{ TIMEFMT_CLF, "10/Oct/2000:13:55:36 -0700]", 26,
		    INT64_C(971211336000000) },
		{ TIMEFMT_CLF, "10/Oct/2000:13:55:36 -0700", 25, BAD },
		{ TIMEFMT_SYSLOG, "Nov 24 10:00:00.123", 15, T0 },
		{ TIMEFMT_SYSLOG, "Nov 24 10:00:00", 14, BAD },
	};
	struct timefmt tf = { 0, NULL, T0 };
	size_t i;
	evtime t;
	int r;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		tf.kind = c[i].kind;
		r = parse_n(&tf, c[i].buf, c[i].n, &t);
		if (c[i].want == BAD)
			CHECK_INT(r, -1);
		else {
			CHECK_INT(r, 0);
			CHECK_INT(t, c[i].want);
		}
	}
	tf.kind = TIMEFMT_AUTO;
	CHECK_INT(time_parse(&tf, NULL, 0, &t), -1);
	CHECK_INT(time_parse(&tf, "1700000000", 0, &t), -1);
}

static void
test_civil(void)
{
	int64_t z, y, bad = 0, prev = INT64_C(-800000) - 1;
	unsigned m, d;

	CHECK_INT(days_from_civil(1970, 1, 1), 0);
	CHECK_INT(days_from_civil(1969, 12, 31), -1);
	CHECK_INT(days_from_civil(2000, 3, 1), 11017);
	CHECK_INT(days_from_civil(0, 1, 1), -719528);
	CHECK_INT(days_from_civil(0, 3, 1), -719468);
	CHECK_INT(days_from_civil(-1, 12, 31), -719529);
	CHECK_INT(days_from_civil(9999, 12, 31), 2932896);
	civil_from_days(-719529, &y, &m, &d);
	CHECK(y == -1 && m == 12 && d == 31);
	civil_from_days(-1, &y, &m, &d);
	CHECK(y == 1969 && m == 12 && d == 31);
	civil_from_days(11016, &y, &m, &d);
	CHECK(y == 2000 && m == 2 && d == 29);
	civil_from_days(INT64_C(-1000000000), &y, &m, &d);
	CHECK_INT(days_from_civil(y, m, d), INT64_C(-1000000000));
	civil_from_days(INT64_C(1000000000), &y, &m, &d);
	CHECK_INT(days_from_civil(y, m, d), INT64_C(1000000000));
	/* Both ways over 4400 years around year 0, each day exactly once. */
	for (z = -800000; z <= 800000; z++) {
		civil_from_days(z, &y, &m, &d);
		if (m < 1 || m > 12 || d < 1 || d > 31 ||
		    days_from_civil(y, m, d) != z || z != prev + 1)
			bad++;
		prev = z;
	}
	CHECK_INT(bad, 0);
}

static void
test_format(void)
{
	static const struct {
		evtime		 t;
		const char	*want;
	} c[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ -1000, "1969-12-31T23:59:59.999Z" },
		{ -1001, "1969-12-31T23:59:59.998Z" },
		{ 999, "1970-01-01T00:00:00.000Z" },
		{ T0, "2026-11-24T10:00:00.000Z" },
		{ T0 + 123999, "2026-11-24T10:00:00.123Z" },
		{ INT64_C(951782400000000), "2000-02-29T00:00:00.000Z" },
		{ INT64_C(-62135596800000000), "0001-01-01T00:00:00.000Z" },
		{ INT64_C(253402300799999999), "9999-12-31T23:59:59.999Z" },
		{ INT64_C(253402300800000000), "10000-01-01T00:00:00.000Z" },
		{ INT64_C(-62167219200000001), "-0001-12-31T23:59:59.999Z" },
		{ INT64_MAX, "294247-01-10T04:00:54.775Z" },
		{ INT64_MIN, "-290308-12-21T19:59:05.224Z" },
	};
	struct timefmt tf = { TIMEFMT_RFC3339, NULL, 0 };
	char buf[TIME_RFC3339_MAX];
	size_t i, n;
	evtime t, back;
	int bad = 0;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		n = time_format_rfc3339(c[i].t, buf);
		CHECK_STR(buf, c[i].want);
		CHECK_INT(n, strlen(c[i].want));
	}
	/* Parse what we print, on millisecond boundaries. */
	for (t = INT64_C(-62167219200000000); t < INT64_C(253402300800000000);
	    t += INT64_C(987654321987000)) {
		n = time_format_rfc3339(t, buf);
		if (time_parse(&tf, buf, n, &back) != 0 || back != t)
			bad++;
	}
	CHECK_INT(bad, 0);
}

/* The date kept between calls: the same bytes as time_format_rfc3339,
 * for times on the day kept, on another, before 1970 and past 9999. */
static void
test_format_day(void)
{
	static const evtime c[] = {
		T0, T0 + 1, T0 + 30 * US_PER_SEC, T0 + 14 * HOUR - 1,
		T0 + 14 * HOUR, T0 + 14 * HOUR + 999, T0 + 14 * HOUR + 5000,
		T0 + 14 * HOUR + 999999, T0 + 14 * HOUR + 1000000,
		T0 + 15 * HOUR + 1000, T0 + 14 * HOUR + 2000,
		T0 + 14 * HOUR + 60 * 1000000, T0, T0 - 1,
		T0 + 400 * DAY + 123456, T0 + 400 * DAY + 3723004000,
		0, -1, -1000, -1001, -DAY, -DAY - 1, 999,
		INT64_C(951782400000000), INT64_C(951782400000000) - 1,
		INT64_C(253402300799999999), INT64_C(253402300800000000),
		INT64_C(253402300800000000) + HOUR + 5000,
		INT64_C(-62167219200000001), INT64_C(-62167219200000001) - HOUR,
		INT64_MAX, INT64_MAX - 1000, INT64_MIN, INT64_MIN + HOUR,
	};
	struct time_day day = { 0 };
	char want[TIME_RFC3339_MAX], got[TIME_RFC3339_MAX];
	size_t i, wn, gn;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		wn = time_format_rfc3339(c[i], want);
		memset(got, 'x', sizeof got);
		gn = time_format_rfc3339_day(&day, c[i], got);
		CHECK_STR(got, want);
		CHECK_INT(gn, wn);
	}
}

static void
test_duration(void)
{
	static const struct pcase c[] = {
		{ "0", 0 },
		{ "0s", 0 },
		{ "1h30m", 90 * 60 * US_PER_SEC },
		{ "250ms", 250000 },
		{ "1d", DAY },
		{ "1w", 7 * DAY },
		{ "90s", 90 * US_PER_SEC },
		{ "2m", 120 * US_PER_SEC },
		{ "1m30s", 90 * US_PER_SEC },
		{ "10us", 10 },
		{ "1.5h", 90 * 60 * US_PER_SEC },
		{ "0.5s", 500000 },
		{ "1.0000005s", 1000000 },
		{ "0.001ms", 1 },
		{ "0.0009ms", 0 },
		{ "1.5us", 1 },
		{ "1ms1ms", 2000 },
		{ "1h1h", 2 * HOUR },
		{ "0.1d", 8640 * US_PER_SEC },
		{ "0.0000001w", 60480 },
		{ "106751991d", INT64_C(106751991) * DAY },
		{ "9223372036854775807us", INT64_MAX },
		{ "9223372036854775807us1us", BAD },
		{ "106751992d", BAD },
		{ "99999999999999999999s", BAD },
		{ "", BAD },
		{ "-1s", BAD },
		{ "5", BAD },
		{ "0.5", BAD },
		{ "00", BAD },
		{ "1x", BAD },
		{ "1h30", BAD },
		{ "h", BAD },
		{ "1.h", BAD },
		{ ".5h", BAD },
		{ "1 h", BAD },
		{ " 1h", BAD },
		{ "1h ", BAD },
		{ "1H", BAD },
		{ "1mo", BAD },
		{ "1e3s", BAD },
	};
	size_t i;
	int64_t us;
	int r;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		us = -42;
		r = duration_parse(c[i].s, &us);
		if (r != (c[i].want == BAD ? -1 : 0) ||
		    (r == 0 && us != c[i].want))
			fprintf(stderr, "duration '%s'\n", c[i].s);
		if (c[i].want == BAD)
			CHECK_INT(r, -1);
		else {
			CHECK_INT(r, 0);
			CHECK_INT(us, c[i].want);
		}
	}
}

/* Durations written in their largest exact unit, read back the same. */
static void
test_duration_format(void)
{
	static const struct {
		int64_t us;
		const char *want;
	} c[] = {
		{ 0, "0s" }, { 1, "1us" }, { 1500, "1500us" }, { 250000, "250ms" },
		{ 1000000, "1s" }, { 90000000, "90s" }, { 300000000, "5m" },
		{ 5400000000LL, "90m" }, { 3600000000LL, "1h" },
		{ 86400000000LL, "1d" }, { 1209600000000LL, "2w" },
		{ 1209600000001LL, "1209600000001us" },
	};
	struct buf b = BUF_INIT;
	size_t i;
	int64_t us;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		buf_reset(&b);
		duration_format(&b, c[i].us);
		CHECK_STR(b.data, c[i].want);
		CHECK_INT(duration_parse(b.data, &us), 0);
		CHECK_INT(us, c[i].us);
	}
	buf_release(&b);
}

static void
test_clocks(void)
{
	struct monotime a, b;
	struct timefmt tf;

	setenv("STREAMKIT_NOW", "2026-11-24T10:00:00Z", 1);
	CHECK_INT(wall_now(), T0);
	CHECK_INT(timefmt_init(&tf, "syslog", wall_now()), 0);
	CHECK_INT(tf.now, T0);
	setenv("STREAMKIT_NOW", "1700000000", 1);
	CHECK_INT(wall_now(), INT64_C(1700000000000000));
	setenv("STREAMKIT_NOW", "garbage", 1);
	CHECK(wall_now() > INT64_C(1700000000000000));
	setenv("STREAMKIT_NOW", "", 1);
	CHECK(wall_now() > INT64_C(1700000000000000));
	unsetenv("STREAMKIT_NOW");
	CHECK(wall_now() > INT64_C(1700000000000000));
	a = mono_now();
	b = mono_now();
	CHECK(a.us >= 0 && b.us >= a.us);
}

/* The common shape takes a quicker road that remembers the last date:
 * it must agree with the arithmetic for every date, and never carry a
 * date over to text that only shares its first bytes. */
static void
test_fast_path(void)
{
	struct timefmt tf;
	char s[64];
	unsigned seed = 12345, i;
	int ok = 1;
	evtime t;

	timefmt_init(&tf, "rfc3339", wall_now());
	for (i = 0; i < 20000; i++) {
		int64_t y, want;
		unsigned m, d, hh, mm, ss, ms, dd;
		int off;

		seed = seed * 1103515245 + 12345;
		dd = seed % 3000000;	/* years 0053 to 6350 */
		civil_from_days((int64_t)dd - 700000, &y, &m, &d);
		seed = seed * 1103515245 + 12345;
		hh = seed % 24, mm = (seed >> 8) % 60, ss = (seed >> 16) % 60;
		ms = (seed >> 4) % 1000;
		off = (int)((seed >> 20) % 5) * 45 - 90;	/* minutes */
		snprintf(s, sizeof s, "%04lld-%02u-%02uT%02u:%02u:%02u.%03u%c%02d:%02d",
		    (long long)y, m, d, hh, mm, ss, ms, off < 0 ? '-' : '+',
		    abs(off) / 60, abs(off) % 60);
		want = (days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60 +
		    ss - off * 60) * 1000000 + ms * 1000;
		if (time_parse(&tf, s, strlen(s), &t) != 0 || t != want) {
			fprintf(stderr, "fast path: '%s'\n", s);
			ok = 0;
		}
	}
	CHECK(ok);
	CHECK_INT(time_parse(&tf, "2026-11-24T10:00:00Z", 20, &t), 0);
	CHECK_INT(t, T0);
	CHECK_INT(time_parse(&tf, "2026-11-24T10:00:61Z", 20, &t), -1);
	CHECK_INT(time_parse(&tf, "2026-11-24T24:00:00Z", 20, &t), -1);
	CHECK_INT(time_parse(&tf, "2026-11-24T10:00:00+24:00", 25, &t), -1);
	CHECK_INT(time_parse(&tf, "2026-11-24T10:00:00.Z", 21, &t), -1);
	CHECK_INT(time_parse(&tf, "2026-11-24T10:00:00ZZ", 21, &t), -1);
	CHECK_INT(time_parse(&tf, "2026-11-2xT10:00:00Z", 20, &t), -1);
	CHECK_INT(time_parse(&tf, "2026-02-29T10:00:00Z", 20, &t), -1);
	CHECK_INT(time_parse(&tf, "2026-11-24T10:00:00.1234567890Z", 31, &t), -1);
	CHECK_INT(time_parse(&tf, "2026-11-24T10:00:00Z", 20, &t), 0);
	CHECK_INT(t, T0);
	CHECK_INT(time_parse(&tf, "2026-11-25T10:00:00Z", 20, &t), 0);
	CHECK_INT(t, T0 + 24 * HOUR);
	timefmt_release(&tf);
}

int
main(void)
{
	test_rfc3339();
	test_fast_path();
	test_epoch();
	test_auto();
	test_clf();
	test_syslog();
	test_pattern();
	test_init();
	test_slices();
	test_civil();
	test_format();
	test_format_day();
	test_duration();
	test_duration_format();
	test_clocks();
	return check_done("time");
}
