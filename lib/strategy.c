/*
 * strategy.c - the windowing strategy and its control line (see
 * strategy.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "punct.h"
#include "strategy.h"

void
strategy_init(struct strategy *s)
{
	memset(s, 0, sizeof *s);
	s->start_field = xstrdup("window_start");
	s->end_field = xstrdup("window_end");
}

void
strategy_release(struct strategy *s)
{
	free(s->time_field);
	free(s->time_format);
	free(s->key);
	free(s->start_field);
	free(s->end_field);
	if (s->win.tz)
		tz_release(&s->tz);
	memset(s, 0, sizeof *s);
}

int
time_output_from_name(const char *name)
{
	static const char *const names[] = { "rfc3339", "epoch", "epoch-ms",
	    "epoch-us", "local" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

size_t
strategy_format_time(const struct strategy *s, evtime t, char *dst)
{
	int64_t off;
	size_t n;

	switch (s->time_output) {
	case TOUT_EPOCH:
		return (size_t)snprintf(dst, TIME_RFC3339_MAX, "%lld",
		    (long long)floor_div(t, US_PER_SEC));
	case TOUT_EPOCH_MS:
		return (size_t)snprintf(dst, TIME_RFC3339_MAX, "%lld",
		    (long long)floor_div(t, 1000));
	case TOUT_EPOCH_US:
		return (size_t)snprintf(dst, TIME_RFC3339_MAX, "%lld",
		    (long long)t);
	case TOUT_LOCAL:
		if (s->win.tz == NULL)
			break;
		off = tz_offset(s->win.tz, t) / US_PER_SEC;
		n = time_format_rfc3339(t + off * US_PER_SEC, dst) - 1;
		n += (size_t)snprintf(dst + n, TIME_RFC3339_MAX - n,
		    "%c%02d:%02d", off < 0 ? '-' : '+',
		    (int)(llabs(off) / 3600), (int)(llabs(off) / 60 % 60));
		return n;
	}
	return time_format_rfc3339(t, dst);
}

static void
add_key(struct buf *b, const char *name)
{
	buf_addc(b, ',');
	json_quote(b, name, strlen(name));
	buf_addc(b, ':');
}

static void
add_str(struct buf *b, const char *name, const char *val)
{
	add_key(b, name);
	if (val)
		json_quote(b, val, strlen(val));
	else
		buf_addstr(b, "null");
}

static void
add_int(struct buf *b, const char *name, int64_t v)
{
	add_key(b, name);
	buf_addf(b, "%lld", (long long)v);
}

void
strategy_write(struct buf *b, const struct strategy *s)
{
	const struct windowing *w = &s->win;

	buf_addstr(b, PUNCT_PREFIX "\"strategy\"");
	add_str(b, "window", window_kind_name(w->kind));
	if (w->kind == WINDOW_TUMBLING || w->kind == WINDOW_SLIDING) {
		add_int(b, "size", w->size);
		if (w->kind == WINDOW_SLIDING)
			add_int(b, "every", w->period);
		add_int(b, "offset", w->offset);
	}
	if (w->kind == WINDOW_SESSION)
		add_int(b, "gap", w->gap);
	add_str(b, "tz", w->tz ? s->tz.name : NULL);
	add_str(b, "time", s->time_field);
	add_str(b, "time_format", s->time_format ? s->time_format : "auto");
	add_str(b, "time_field", STRATEGY_TIME_FIELD);
	add_str(b, "key", s->key);
	add_str(b, "start_field", s->start_field);
	add_str(b, "end_field", s->end_field);
	add_int(b, "max_delay", s->max_delay);
	add_int(b, "allowed_lateness", s->allowed_lateness);
	add_str(b, "trigger", "watermark");
	add_str(b, "mode", "discard");
	buf_addstr(b, "}\n");
}
