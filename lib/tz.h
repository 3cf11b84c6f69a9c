/*
 * tz.h - time zones from the system's tzdata (TZif files), for windows
 * aligned to local midnight.  Never sets TZ, never calls localtime.
 *
 * A struct tz owns its transition tables; tz_release frees them.  Times
 * past the last transition follow the file's POSIX TZ footer rule
 * ("CET-1CEST,M3.5.0,M10.5.0/3").
 */
#ifndef TZ_H
#define TZ_H

#include <stddef.h>
#include <stdint.h>

#include "time.h"

struct tz_rule {		/* one end of daylight saving time */
	int month, week, wday;	/* Mm.w.d */
	int julian;		/* Jn (1..365, no Feb 29), else -1 */
	int day;		/* n (0..365, Feb 29 counted), else -1 */
	int32_t secs;		/* local time of the change */
};

struct tz {
	char *name;
	int64_t *when;		/* transitions, UTC seconds, ascending */
	int32_t *off;		/* UTC offset in seconds from each on */
	size_t n;
	int32_t off0;		/* before the first transition */
	int has_rule;		/* a footer rule for after the last one */
	int32_t std_off, dst_off;
	int has_dst;
	struct tz_rule start, end;
};

/*
 * Load zone name ("Europe/Berlin", "UTC") from $TZDIR or
 * /usr/share/zoneinfo.  Returns 0, or -1 with a static message in *err.
 */
int tz_load(struct tz *z, const char *name, const char **err);
void tz_release(struct tz *z);
/* The UTC offset in effect at t, in microseconds (local = t + offset). */
int64_t tz_offset(const struct tz *z, evtime t);
/* The instant local midnight begins on the local day days (days since
 * 1970-01-01 in local dates); in a gap, the first instant after it. */
evtime tz_midnight(const struct tz *z, int64_t days);

#endif
