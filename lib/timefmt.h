/*
 * timefmt.h - reading time text: timestamps in the formats of
 * --time-format (RFC 3339, epoch numbers, CLF, syslog, strptime-like
 * patterns), and durations ("1h30m").  Exact integer arithmetic on the
 * text: no double, no locale, no mktime, TZ or strptime.
 *
 * Writing, one thing: RFC 3339 for runs of times of the same day
 * (time_format_rfc3339_day).
 *
 * Nothing here allocates except timefmt_init (the pattern copy, freed by
 * timefmt_release).
 */
#ifndef TIMEFMT_H
#define TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include "time.h"

struct buf;

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
 * pattern containing '%'; now is the time a syslog stamp's year is
 * inferred from (wall_now() for what is read now).  Returns 0, or -1 for
 * an unknown name or a bad pattern conversion.
 */
int timefmt_init(struct timefmt *tf, const char *spec, evtime now);
void timefmt_release(struct timefmt *tf);
/* The ith name timefmt_init takes, from "auto" on; "?" past them. */
const char *timefmt_name(int i);

/*
 * Parse the text p[0..n) as a time in format tf.  Returns 0 and sets *t,
 * or -1 for text that is not such a time or is out of range.  Never reads
 * past p[n-1], never allocates, never consults the locale.
 */
int time_parse(const struct timefmt *tf, const char *p, size_t n, evtime *t);

/* The date part of the last time time_format_rfc3339_day wrote; a
 * zeroed one holds none. */
struct time_day {
	int64_t day;		/* days since the epoch */
	size_t len;		/* of date, "2026-11-30T"; 0: none yet */
	char date[TIME_RFC3339_MAX];
	int64_t sec;		/* of the day, written in hms; -1: none */
	char hms[9];		/* "13:45:07." */
};
/*
 * time_format_rfc3339(t, dst), the same bytes, but the date is copied
 * from *day when t falls on its day, and kept there when not, and the
 * time of day likewise when t falls in its second: window bounds come in
 * order, so most share the date of the last, and many its second.
 */
size_t time_format_rfc3339_day(struct time_day *day, evtime t, char *dst);

/*
 * Parse a duration: "250ms", "10s", "5m", "1h", "1d", "1w", sums such as
 * "1h30m", units "us", "ms", "s", "m", "h", "d", "w"; a bare "0" is zero.
 * Returns 0 and sets *us (microseconds, >= 0), or -1.
 */
int duration_parse(const char *s, int64_t *us);
/* Append us (>= 0) in its largest exact unit, as duration_parse reads it
 * back: 90s, 1500ms, 2w, 0s. */
void duration_format(struct buf *b, int64_t us);

#endif
