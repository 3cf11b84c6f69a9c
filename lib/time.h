/*
 * time.h - event time, durations, and the clocks.
 *
 * Event time is an evtime: a signed count of microseconds since
 * 1970-01-01T00:00:00Z, UTC, covering years 0001 to 9999 and far beyond.
 * Conversions between civil dates and days use our own proleptic
 * Gregorian arithmetic (days_from_civil), never mktime, TZ or the locale.
 * Monotonic time, for timers, is a struct monotime so that it cannot be
 * mixed with event time by accident.
 *
 * Nothing here allocates except timefmt_init (the pattern copy, freed by
 * timefmt_release).
 */
#ifndef TIME_H
#define TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t evtime;

#define EVTIME_MIN INT64_MIN
#define EVTIME_MAX INT64_MAX
#define US_PER_SEC INT64_C(1000000)

enum timefmt_kind {
	TIMEFMT_AUTO = 0,	/* RFC 3339 / ISO 8601, CLF, or epoch by magnitude */
	TIMEFMT_RFC3339,
	TIMEFMT_EPOCH,		/* seconds, fraction allowed */
	TIMEFMT_EPOCH_MS,
	TIMEFMT_EPOCH_US,
	TIMEFMT_EPOCH_NS,
	TIMEFMT_CLF,		/* 10/Oct/2000:13:55:36 -0700 */
	TIMEFMT_SYSLOG,		/* Nov 24 10:00:00, year inferred */
	TIMEFMT_PATTERN		/* our strptime subset */
};

struct timefmt {
	int kind;		/* enum timefmt_kind */
	char *pattern;		/* TIMEFMT_PATTERN only */
	evtime now;		/* reference for the syslog year */
};

/*
 * Set tf from a --time-format argument: a name above ("auto", "rfc3339",
 * "epoch", "epoch-ms", "epoch-us", "epoch-ns", "clf", "syslog") or a
 * pattern containing '%'.  Returns 0, or -1 for an unknown name or a bad
 * pattern conversion.
 */
int timefmt_init(struct timefmt *tf, const char *spec);
void timefmt_release(struct timefmt *tf);
/* The ith name timefmt_init takes, from "auto" on; "?" past them. */
const char *timefmt_name(int i);

/*
 * Parse the text p[0..n) as a time in format tf.  Returns 0 and sets *t,
 * or -1 for text that is not such a time or is out of range.  Never reads
 * past p[n-1], never allocates, never consults the locale.
 */
int time_parse(const struct timefmt *tf, const char *p, size_t n, evtime *t);

/* Write t as RFC 3339 UTC with milliseconds, "2026-11-24T10:00:00.000Z",
 * NUL-terminated; returns the length (dst must hold TIME_RFC3339_MAX). */
#define TIME_RFC3339_MAX 40
size_t time_format_rfc3339(evtime t, char *dst);

/*
 * Parse a duration: "250ms", "10s", "5m", "1h", "1d", "1w", sums such as
 * "1h30m", units "us", "ms", "s", "m", "h", "d", "w"; a bare "0" is zero.
 * Returns 0 and sets *us (microseconds, >= 0), or -1.
 */
int duration_parse(const char *s, int64_t *us);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d, and back. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/*
 * The wall clock as event time.  When the environment variable
 * STREAMKIT_NOW holds an RFC 3339 time or epoch seconds, that fixed time is
 * returned instead, so that tests are deterministic.
 */
evtime wall_now(void);

/*
 * Processing time, for triggers such as after(D): the wall clock, or,
 * when the environment variable STREAMKIT_CLOCK names a file, the time
 * written in it (RFC 3339 or epoch seconds), read again at each call, so
 * that a test moves the clock by writing the file.  proc_clock_injected
 * says which, so that a tool polls often enough to see the file change.
 */
evtime proc_now(void);
int proc_clock_injected(void);

struct monotime {
	int64_t us;
};
struct monotime mono_now(void);

#endif
