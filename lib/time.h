/*
 * time.h - event time and the calendar.
 *
 * Event time is an evtime: a signed count of microseconds since
 * 1970-01-01T00:00:00Z, UTC, covering years 0001 to 9999 and far beyond.
 * Conversions between civil dates and days use our own proleptic
 * Gregorian arithmetic (days_from_civil), never mktime, TZ or the locale.
 * Reading time text is lib/timefmt's; the clocks are lib/clock's.
 * Nothing here allocates.
 */
#ifndef TIME_H
#define TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t evtime;

#define EVTIME_MIN INT64_MIN
#define EVTIME_MAX INT64_MAX
#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SEC)

/* Write t as RFC 3339 UTC with milliseconds, "2026-11-24T10:00:00.000Z",
 * NUL-terminated; returns the length (dst must hold TIME_RFC3339_MAX). */
#define TIME_RFC3339_MAX 40
size_t time_format_rfc3339(evtime t, char *dst);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d, and back. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

#endif
