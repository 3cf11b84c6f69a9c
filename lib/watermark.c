/*
 * watermark.c - the event-time watermark (see watermark.h).
 */
#include "watermark.h"

void
watermark_init(struct watermark *w, int64_t max_delay)
{
	w->max_delay = max_delay;
	w->max_jump = 0;
	w->idle = 0;
	w->max_seen = EVTIME_MIN;
	w->wm = EVTIME_MIN;
}

/* t - d, saturating at the bottom of event time. */
static evtime
minus(evtime t, int64_t d)
{
	return t < EVTIME_MIN + d ? EVTIME_MIN : t - d;
}

int
watermark_outlier(const struct watermark *w, evtime t)
{
	return w->max_jump > 0 && w->wm != EVTIME_MIN &&
	    w->wm < EVTIME_MAX - w->max_jump && t > w->wm + w->max_jump;
}

int
watermark_raise(struct watermark *w, evtime t)
{
	if (t <= w->wm)
		return 0;
	w->wm = t;
	return 1;
}

int
watermark_observe(struct watermark *w, evtime t)
{
	if (t <= w->max_seen)
		return 0;
	w->max_seen = t;
	return watermark_raise(w, minus(t, w->max_delay));
}

int
watermark_idle(struct watermark *w, evtime wall)
{
	return watermark_raise(w, minus(wall, w->max_delay));
}

void
watermark_end(struct watermark *w)
{
	w->wm = EVTIME_MAX;
}

int
watermark_expired(const struct watermark *w, evtime end, int64_t lateness)
{
	if (w->wm == EVTIME_MAX)
		return 1;
	return end <= EVTIME_MAX - lateness && end + lateness <= w->wm;
}
