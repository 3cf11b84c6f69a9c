/*
 * progress.c - a progress line on a terminal (see progress.h).
 */
#include <stdio.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "progress.h"

#define PROGRESS_EVERY_US 250000

void
progress_init(struct progress *p, int asked)
{
	p->on = asked && isatty(STDERR_FILENO);
	p->start = p->next = mono_now();
	p->shown = 0;
	p->calls = 0;
}

static void
show(struct progress *p, struct monotime now, uintmax_t bytes,
    uintmax_t records, evtime wm)
{
	double secs = (double)(now.us - p->start.us) / 1e6;
	char t[TIME_RFC3339_MAX];

	fprintf(stderr, "\r%s: %.1f MB, %ju records, %.1f MB/s", diag_prog,
	    (double)bytes / 1e6, records,
	    secs > 0 ? (double)bytes / 1e6 / secs : 0.0);
	if (wm != EVTIME_MIN && wm != EVTIME_MAX) {
		time_format_rfc3339(wm, t);
		fprintf(stderr, ", watermark %s", t);
	}
	fputs("\033[K", stderr);	/* clear what a longer line left */
	fflush(stderr);
	p->shown = 1;
}

void
progress_tick(struct progress *p, uintmax_t bytes, uintmax_t records,
    evtime wm)
{
	struct monotime now;

	if (!p->on || (++p->calls & 3) != 1)
		return;
	now = mono_now();
	if (now.us < p->next.us)
		return;
	p->next.us = now.us + PROGRESS_EVERY_US;
	show(p, now, bytes, records, wm);
}

void
progress_done(struct progress *p, uintmax_t bytes, uintmax_t records,
    evtime wm)
{
	if (!p->on)
		return;
	show(p, mono_now(), bytes, records, wm);
	fputc('\n', stderr);
}
