/*
 * window.c - window assignment (see window.h).
 */
#include <stdint.h>

#include "window.h"

#define DAY_US (INT64_C(86400) * US_PER_SEC)
#define WEEK_US (7 * DAY_US)

static const char *const kind_names[] = {
	"none", "tumbling", "sliding", "session", "global"
};

const char *
window_kind_name(int kind)
{
	return kind >= 0 && kind <= WINDOW_GLOBAL ? kind_names[kind] : "?";
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int
window_check(const struct windowing *w, const char **err)
{
	switch (w->kind) {
	case WINDOW_TUMBLING:
	case WINDOW_SLIDING:
		if (w->size <= 0) {
			*err = "window size must be positive";
			return -1;
		}
		if (w->kind == WINDOW_SLIDING && (w->period <= 0 ||
		    w->period > w->size)) {
			*err = "--every must be positive and at most the size";
			return -1;
		}
		if (w->tz && (w->size % DAY_US != 0 ||
		    (w->kind == WINDOW_SLIDING && w->period % DAY_US != 0))) {
			*err = "with --tz, sizes are whole days or weeks";
			return -1;
		}
		if (w->tz && w->offset % DAY_US != 0) {
			*err = "with --tz, the offset is whole days";
			return -1;
		}
		break;
	case WINDOW_SESSION:
		if (w->gap <= 0) {
			*err = "the session gap must be positive";
			return -1;
		}
		break;
	}
	return 0;
}

size_t
window_count(const struct windowing *w)
{
	if (w->kind == WINDOW_SLIDING)
		return (size_t)((w->size + w->period - 1) / w->period);
	return 1;
}

/* Window starts counted in local days, for --tz: the local day of t,
 * then back to UTC through local midnight. */
static int64_t
local_day(const struct windowing *w, evtime t)
{
	return floor_div(t + tz_offset(w->tz, t), DAY_US);
}

/* The start (in days, or microseconds without a zone) of the last
 * window of length-stride that begins at or before t. */
static int64_t
last_start(const struct windowing *w, evtime t, int64_t stride)
{
	if (w->tz) {
		int64_t days = stride / DAY_US, off = w->offset / DAY_US;

		/* weeks start on Monday: 1970-01-05 was one */
		if (stride % WEEK_US == 0)
			off += 4;
		return floor_div(local_day(w, t) - off, days) * days + off;
	}
	return floor_div(t - w->offset, stride) * stride + w->offset;
}

static evtime
to_time(const struct windowing *w, int64_t start)
{
	return w->tz ? tz_midnight(w->tz, start) : start;
}

size_t
window_assign(const struct windowing *w, evtime t, struct window *out)
{
	int64_t start, unit, len;
	size_t n = 0, i;

	switch (w->kind) {
	case WINDOW_GLOBAL:
		out[0] = (struct window){ WINDOW_GLOBAL_START, WINDOW_GLOBAL_END };
		return 1;
	case WINDOW_SESSION:
		if (t > EVTIME_MAX - w->gap)
			return 0;
		out[0] = (struct window){ t, t + w->gap };
		return 1;
	case WINDOW_TUMBLING:
	case WINDOW_SLIDING:
		break;
	default:
		return 0;
	}
	/* half of event time's range is 146,000 years: room for any window */
	if (t > EVTIME_MAX / 2 || t < EVTIME_MIN / 2)
		return 0;
	unit = w->tz ? DAY_US : 1;
	len = w->size / unit;
	start = last_start(w, t, w->kind == WINDOW_SLIDING ? w->period : w->size);
	if (w->kind == WINDOW_TUMBLING) {
		out[0] = (struct window){ to_time(w, start), to_time(w, start + len) };
		return 1;
	}
	if (w->tz == NULL) {	/* starts s with t - size < s <= t */
		int64_t k = (w->size - 1 - (t - start)) / w->period;

		start -= k * w->period;
		for (i = 0; i <= (size_t)k; i++, start += w->period)
			out[i] = (struct window){ start, start + w->size };
		return (size_t)k + 1;
	}
	/* back from the last start while the window still holds t */
	for (i = 0; i < window_count(w); i++) {
		int64_t s = start - (int64_t)i * (w->period / unit);
		struct window win = { to_time(w, s), to_time(w, s + len) };

		if (win.end <= t)
			break;
		out[n++] = win;
	}
	/* oldest first */
	for (i = 0; i < n / 2; i++) {
		struct window tmp = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = tmp;
	}
	return n;
}

size_t
window_assign_last(const struct windowing *w, evtime t, struct window *out,
    struct window *last)
{
	size_t n;

	if (w->kind != WINDOW_TUMBLING)
		return window_assign(w, t, out);
	if (t >= last->start && t < last->end) {
		out[0] = *last;
		return 1;
	}
	if ((n = window_assign(w, t, out)) > 0)
		*last = out[0];
	return n;
}
