/*
 * chart.h - windowed aggregates as bars and sparklines: -o chart.
 *
 * A struct chart takes stream-agg's results as a record sink (see
 * recw_sink in out.h): each record a window's bounds, the group-by
 * fields and the aggregates, of which it charts one, field.  When a
 * window's results are all in (chart_window_end), it writes a line
 * naming the field and the window, then a line per key: the key, the
 * value, and a bar as long as the value is against the window's largest
 * magnitude, in the room the terminal's width leaves.  At the end of
 * the input (chart_finish) it writes a sparkline per key across the
 * windows, each with its minimum and maximum.
 *
 * Bars and sparklines use U+2581..U+2588 and U+258F..U+2589 in a UTF-8
 * locale, else ASCII ('#' bars, ".:-=+*#@" sparklines).  A negative
 * value's bar is drawn in U+2591 ('-' in ASCII).  A key longer than two
 * fifths of the width is cut, with U+2026 ('~').  A value that is not a
 * number is written with no bar and left out of the sparkline.
 *
 * Memory is bounded: a sparkline keeps CHART_POINTS points per key;
 * past CHART_POINTS windows, neighbouring points are merged in pairs
 * (each then the mean of twice as many windows), and again; the
 * minimum and maximum stay exact.  At most CHART_KEYS keys get a
 * sparkline; a last line says when there were more.  A window that fires
 * again (early, on-time and late panes) within CHART_RECENT windows
 * counts once, with its last value.
 *
 * A struct chart owns its keys, points and the window it is taking; the
 * out, the field and key names are its owner's and outlive it.
 */
#ifndef CHART_H
#define CHART_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "hash.h"
#include "out.h"

#define CHART_POINTS 256
#define CHART_KEYS 1000
#define CHART_MIN_WIDTH 20
/* Windows a later pane may still replace the value of. */
#define CHART_RECENT 64

struct chart_series;

struct chart {
	struct out *out;
	size_t width;			/* columns, at least CHART_MIN_WIDTH */
	int utf8;			/* else ASCII */
	const char *field;		/* the aggregate charted */
	char *const *start_name, *const *end_name;	/* the bounds' */
	const char **other;		/* the other aggregates' names */
	size_t nother;
	struct recw_sink sink;		/* records go here */
	int wrote;			/* anything written yet */

	/* the record being taken */
	struct buf rkey, rval, rstart, rend;
	int rretract;
	size_t nkeyfields;
	/* the window being taken: its bars, key NUL value NUL each */
	int in_window;
	struct buf wstart, wend, bars;
	size_t nbars;
	/* the windows seen: sparklines */
	uint64_t nwin, span;		/* windows; windows per point */
	struct buf recentw[CHART_RECENT];	/* bounds, by index % it */
	struct buf first_start, last_end;
	struct keytab keys;		/* key -> series id */
	struct chart_series *series;
	size_t nseries, seriescap;
	int unshown;			/* keys past CHART_KEYS came */
};

/*
 * Chart field of the records written to out; their bounds are named
 * *start_name and *end_name (read at each record: a strategy line may
 * rename them), the aggregates not charted other[0..nother)
 * (the array is copied); the rest of a record's fields, but for pane,
 * timing and final (--pane-info), are its key, joined by blanks.  The
 * width is COLUMNS, else the terminal's (TIOCGWINSZ on out's fd, then
 * on stderr), else 80; UTF-8 is chart_utf8_locale's.
 */
void chart_init(struct chart *c, struct out *out, const char *field,
    char *const *start_name, char *const *end_name,
    const char *const *other, size_t nother);
void chart_release(struct chart *c);
/* The window's results are all in: write its bars. */
void chart_window_end(struct chart *c);
/* End of input: the window being taken, then the sparklines. */
void chart_finish(struct chart *c);

/* 1 when the locale libc would take from LC_ALL, else LC_CTYPE, else
 * LANG (the first set and not empty) names UTF-8 ("C.UTF-8",
 * "en_US.utf8"); 0 for C, POSIX, anything else or none. */
int chart_utf8_locale(void);
/* The width to draw in: COLUMNS when it is a positive number, else the
 * terminal's of fd, else of stderr, else 80; at least CHART_MIN_WIDTH. */
size_t chart_term_width(int fd);

#endif
