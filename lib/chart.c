/*
 * chart.c - bars per window and sparklines per key (see chart.h).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "chart.h"
#include "record.h"
#include "table.h"

/*
 * A key's sparkline: its points, and its values of the last
 * CHART_RECENT windows, which a later pane of the window may still
 * replace; a value is folded into the points when its slot is needed
 * again, or at the end.
 */
struct chart_series {
	double *sum;			/* CHART_POINTS of them */
	uint32_t *n;			/* windows in each point */
	double min, max;
	int any;
	double recent[CHART_RECENT];	/* by window % CHART_RECENT */
	uint64_t recent_win[CHART_RECENT];
	unsigned char recent_set[CHART_RECENT];
};

/* Eighths of a cell, U+258F (one) to U+2588 (eight). */
static const char *const eighths[9] = {
	"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a",
	"\u2589", "\u2588"
};
static const char *const levels_utf8[8] = {
	"\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587",
	"\u2588"
};
static const char levels_ascii[] = ".:-=+*#@";

int
chart_utf8_locale(void)
{
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	const char *v = NULL, *p;
	size_t i;

	for (i = 0; i < 3 && (v == NULL || *v == '\0'); i++)
		v = getenv(vars[i]);
	if (v == NULL || (p = strchr(v, '.')) == NULL)
		return 0;
	p++;
	return (strncasecmp(p, "utf-8", 5) == 0 && (p[5] == '\0' ||
	    p[5] == '@')) || (strncasecmp(p, "utf8", 4) == 0 &&
	    (p[4] == '\0' || p[4] == '@'));
}

size_t
chart_term_width(int fd)
{
	const char *cols = getenv("COLUMNS");
	struct winsize ws;
	size_t w = 80;
	char *end;
	long n;

	if (cols && *cols && (n = strtol(cols, &end, 10)) > 0 && *end == '\0')
		w = (size_t)n;
	else if ((ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) ||
	    (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0))
		w = ws.ws_col;
	return w < CHART_MIN_WIDTH ? CHART_MIN_WIDTH : w;
}

static void
sink_begin(void *arg)
{
	struct chart *c = arg;

	buf_reset(&c->rkey);
	buf_reset(&c->rval);
	buf_reset(&c->rstart);
	buf_reset(&c->rend);
	c->rretract = 0;
	c->nkeyfields = 0;
}

static int
is(const char *name, size_t nlen, const char *want)
{
	return strlen(want) == nlen && memcmp(name, want, nlen) == 0;
}

static void
sink_field(void *arg, const char *name, size_t nlen, const char *val,
    size_t vlen, int kind)
{
	struct chart *c = arg;
	size_t k;

	(void)kind;
	if (is(name, nlen, *c->start_name))
		buf_add(&c->rstart, val, vlen);
	else if (is(name, nlen, *c->end_name))
		buf_add(&c->rend, val, vlen);
	else if (is(name, nlen, c->field))
		buf_add(&c->rval, val, vlen);
	else if (is(name, nlen, "retract"))
		c->rretract = 1;
	else if (!is(name, nlen, "pane") && !is(name, nlen, "timing") &&
	    !is(name, nlen, "final")) {
		for (k = 0; k < c->nother; k++)
			if (is(name, nlen, c->other[k]))
				return;
		if (c->nkeyfields++ > 0)
			buf_addc(&c->rkey, ' ');
		buf_add(&c->rkey, val, vlen);
	}
}

static int
same(const struct buf *a, const struct buf *b)
{
	return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static void
sink_end(void *arg)
{
	struct chart *c = arg;

	if (c->rretract)
		return;		/* a retraction is not a window's value */
	if (c->in_window && (!same(&c->rstart, &c->wstart) ||
	    !same(&c->rend, &c->wend)))
		chart_window_end(c);
	if (!c->in_window) {
		buf_reset(&c->wstart);
		buf_add(&c->wstart, c->rstart.data, c->rstart.len);
		buf_reset(&c->wend);
		buf_add(&c->wend, c->rend.data, c->rend.len);
		c->in_window = 1;
	}
	if (c->nkeyfields == 0)
		buf_addstr(&c->bars, c->field);
	else if (c->rkey.len == 0)
		buf_addc(&c->bars, '-');
	else
		buf_add(&c->bars, c->rkey.data, c->rkey.len);
	buf_addc(&c->bars, '\0');
	buf_add(&c->bars, c->rval.data, c->rval.len);
	buf_addc(&c->bars, '\0');
	c->nbars++;
}

void
chart_init(struct chart *c, struct out *out, const char *field,
    char *const *start_name, char *const *end_name,
    const char *const *other, size_t nother)
{
	size_t i;

	memset(c, 0, sizeof *c);
	c->out = out;
	c->width = chart_term_width(out->fd);
	c->utf8 = chart_utf8_locale();
	c->field = field;
	c->start_name = start_name;
	c->end_name = end_name;
	c->other = xcalloc(nother + 1, sizeof *c->other);
	memcpy(c->other, other, nother * sizeof *other);
	c->nother = nother;
	c->sink = (struct recw_sink){ sink_begin, sink_field, sink_end, c };
	c->span = 1;
	buf_init(&c->rkey);
	buf_init(&c->rval);
	buf_init(&c->rstart);
	buf_init(&c->rend);
	buf_init(&c->wstart);
	buf_init(&c->wend);
	buf_init(&c->bars);
	for (i = 0; i < CHART_RECENT; i++)
		buf_init(&c->recentw[i]);
	buf_init(&c->first_start);
	buf_init(&c->last_end);
	keytab_init(&c->keys);
}

void
chart_release(struct chart *c)
{
	size_t i;

	for (i = 0; i < c->nseries; i++) {
		free(c->series[i].sum);
		free(c->series[i].n);
	}
	free(c->series);
	free(c->other);
	keytab_release(&c->keys);
	buf_release(&c->rkey);
	buf_release(&c->rval);
	buf_release(&c->rstart);
	buf_release(&c->rend);
	buf_release(&c->wstart);
	buf_release(&c->wend);
	buf_release(&c->bars);
	for (i = 0; i < CHART_RECENT; i++)
		buf_release(&c->recentw[i]);
	buf_release(&c->first_start);
	buf_release(&c->last_end);
}

/* Writing */

static void
spaces(struct out *o, size_t n)
{
	while (n-- > 0)
		out_putc(o, ' ');
}

/* The bytes of s[0..n) that fill at most w columns. */
static size_t
fit(const char *s, size_t n, size_t w)
{
	size_t i, cols = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && cols++ == w)
			break;
	return i;
}

/* s[0..n) in exactly w columns: cut with an ellipsis, or padded when
 * pad. */
static void
put_cell(struct chart *c, const char *s, size_t n, size_t w, int pad)
{
	size_t tw = text_width(s, n);

	if (tw > w) {
		out_write(c->out, s, fit(s, n, w - 1));
		out_puts(c->out, c->utf8 ? "\u2026" : "~");
		return;
	}
	out_write(c->out, s, n);
	if (pad)
		spaces(c->out, w - tw);
}

/* A line of text, cut to the width. */
static void
put_title(struct chart *c, const struct buf *b)
{
	if (c->wrote)
		out_putc(c->out, '\n');
	put_cell(c, b->data, b->len, c->width, 0);
	out_putc(c->out, '\n');
	c->wrote = 1;
}

/* "FIELD, PRE, A to B", or the most of it that fits the width:
 * without " to B", then without ", A" (pre may be empty). */
static void
title(struct chart *c, const char *pre, const struct buf *a,
    const struct buf *b)
{
	struct buf t = BUF_INIT;
	size_t cut[2];

	buf_addstr(&t, c->field);
	if (*pre)
		buf_addf(&t, ", %s", pre);
	cut[0] = t.len;
	buf_addf(&t, ", %s", a->data);
	cut[1] = t.len;
	buf_addf(&t, " to %s", b->data);
	if (text_width(t.data, t.len) > c->width)
		t.len = cut[1];
	if (text_width(t.data, t.len) > c->width)
		t.len = cut[0];
	t.data[t.len] = '\0';
	put_title(c, &t);
	buf_release(&t);
}

static size_t
key_width(const struct chart *c, size_t widest)
{
	size_t cap = c->width * 2 / 5;

	return widest > cap ? cap : widest == 0 ? 1 : widest;
}

static void
put_bar(struct chart *c, double v, double maxabs, size_t room)
{
	double cells = maxabs > 0 ? fabs(v) / maxabs * (double)room : 0;
	long n8 = lround(cells * 8), n;

	if (v != 0 && n8 == 0)
		n8 = 1;		/* not zero: seen */
	if (c->utf8 && v >= 0) {
		for (n = n8 / 8; n > 0; n--)
			out_puts(c->out, eighths[8]);
		out_puts(c->out, eighths[n8 % 8]);
		return;
	}
	n = (n8 + 4) / 8;
	if (v != 0 && n == 0)
		n = 1;
	for (; n > 0; n--)
		out_puts(c->out, v < 0 ? (c->utf8 ? "\u2591" : "-") :
		    "#");
}

/* The value of text s, 0 when it is not a number. */
static int
value_of(const char *s, double *d)
{
	return num_parse(s, strlen(s), d, NULL, NULL) == 0 && isfinite(*d);
}

static void
write_bars(struct chart *c)
{
	const char *p, *v;
	size_t i, keyw = 0, valw = 0, w, room;
	double d, maxabs = 0;

	for (i = 0, p = c->bars.data; i < c->nbars; i++) {
		v = p + strlen(p) + 1;
		if ((w = text_width(p, strlen(p))) > keyw)
			keyw = w;
		if ((w = text_width(v, strlen(v))) > valw)
			valw = w;
		if (value_of(v, &d) && fabs(d) > maxabs)
			maxabs = fabs(d);
		p = v + strlen(v) + 1;
	}
	if (valw == 0)
		valw = 1;	/* "-" */
	keyw = key_width(c, keyw);
	room = keyw + valw + 3 < c->width ? c->width - keyw - valw - 2 : 1;
	title(c, "", &c->wstart, &c->wend);
	for (i = 0, p = c->bars.data; i < c->nbars; i++) {
		v = p + strlen(p) + 1;
		put_cell(c, p, strlen(p), keyw, 1);
		out_putc(c->out, ' ');
		w = text_width(v, strlen(v));
		spaces(c->out, valw - (w ? w : 1));
		out_puts(c->out, *v ? v : "-");
		if (value_of(v, &d) && d != 0) {
			out_putc(c->out, ' ');
			put_bar(c, d, maxabs, room);
		}
		out_putc(c->out, '\n');
		p = v + strlen(v) + 1;
	}
}

/* Sparklines' points */

/* The value in slot k of s into its points. */
static void
fold(struct chart *c, struct chart_series *s, size_t k)
{
	size_t at = (size_t)(s->recent_win[k] / c->span);
	double v = s->recent[k];

	if (!s->recent_set[k])
		return;
	s->sum[at] += v;
	s->n[at]++;
	if (!s->any || v < s->min)
		s->min = v;
	if (!s->any || v > s->max)
		s->max = v;
	s->any = 1;
	s->recent_set[k] = 0;
}

/* Window win's value of s is v (again: the last pane's wins). */
static void
set_value(struct chart *c, struct chart_series *s, uint64_t win, double v)
{
	size_t k = (size_t)(win % CHART_RECENT);

	if (s->recent_set[k] && s->recent_win[k] != win)
		fold(c, s, k);
	s->recent[k] = v;
	s->recent_win[k] = win;
	s->recent_set[k] = 1;
}

/* Past CHART_POINTS windows: every point merged with its neighbour. */
static void
halve(struct chart *c)
{
	size_t i, j;

	for (i = 0; i < c->nseries; i++) {
		struct chart_series *s = &c->series[i];

		for (j = 0; j < CHART_POINTS / 2; j++) {
			s->sum[j] = s->sum[2 * j] + s->sum[2 * j + 1];
			s->n[j] = s->n[2 * j] + s->n[2 * j + 1];
		}
		for (; j < CHART_POINTS; j++) {
			s->sum[j] = 0;
			s->n[j] = 0;
		}
	}
	c->span *= 2;
}

static struct chart_series *
series_of(struct chart *c, const char *key, size_t n)
{
	uint64_t h = hash_bytes(key, n);
	size_t id = keytab_find(&c->keys, key, n, h);
	struct chart_series *s;
	int added;

	if (id != (size_t)-1)
		return &c->series[id];
	if (c->nseries == CHART_KEYS) {
		c->unshown = 1;
		return NULL;
	}
	id = keytab_intern(&c->keys, key, n, h, &added);
	c->series = xgrowarray(c->series, &c->seriescap, id + 1,
	    sizeof *c->series);
	s = &c->series[id];
	memset(s, 0, sizeof *s);
	s->sum = xcalloc(CHART_POINTS, sizeof *s->sum);
	s->n = xcalloc(CHART_POINTS, sizeof *s->n);
	c->nseries = id + 1;
	return s;
}

/* The index of the window taken: one of the last CHART_RECENT again
 * (a later pane of it), or the next. */
static uint64_t
window_index(struct chart *c)
{
	struct buf *b;
	uint64_t w, win;

	/* bounds and a NUL between */
	buf_addc(&c->wstart, '\0');
	buf_add(&c->wstart, c->wend.data, c->wend.len);
	for (w = c->nwin; w > 0 && w + CHART_RECENT > c->nwin; w--)
		if (same(&c->wstart, &c->recentw[(w - 1) % CHART_RECENT])) {
			win = w - 1;
			goto found;
		}
	win = c->nwin++;
	if (win >= c->span * CHART_POINTS)
		halve(c);
	b = &c->recentw[win % CHART_RECENT];
	buf_reset(b);
	buf_add(b, c->wstart.data, c->wstart.len);
	if (win == 0)
		buf_addstr(&c->first_start, c->wstart.data);
	buf_reset(&c->last_end);
	buf_add(&c->last_end, c->wend.data, c->wend.len);
found:
	c->wstart.len -= c->wend.len + 1;
	c->wstart.data[c->wstart.len] = '\0';
	return win;
}

/* The window's values as the sparklines' points. */
static void
add_points(struct chart *c)
{
	struct chart_series *s;
	uint64_t win = window_index(c);
	const char *p, *v;
	size_t i;
	double d;

	for (i = 0, p = c->bars.data; i < c->nbars; i++) {
		v = p + strlen(p) + 1;
		if (value_of(v, &d) && (s = series_of(c, p, strlen(p))))
			set_value(c, s, win, d);
		p = v + strlen(v) + 1;
	}
}

void
chart_window_end(struct chart *c)
{
	if (!c->in_window)
		return;
	add_points(c);
	write_bars(c);
	buf_reset(&c->bars);
	c->nbars = 0;
	c->in_window = 0;
}

/* Sparklines */

static void
stats(struct buf *b, const struct chart_series *s)
{
	char lo[40], hi[40];

	num_format(s->min, lo, sizeof lo);
	num_format(s->max, hi, sizeof hi);
	buf_reset(b);
	buf_addf(b, "min %s max %s", lo, hi);
}

/* The mean of points [from, to) of s, 0 when none has a window. */
static int
column(const struct chart_series *s, size_t from, size_t to, double *mean)
{
	double sum = 0;
	uint64_t n = 0;

	for (; from < to; from++) {
		sum += s->sum[from];
		n += s->n[from];
	}
	if (n == 0)
		return 0;
	*mean = sum / (double)n;
	return 1;
}

static void
sparkline(struct chart *c, const struct chart_series *s, size_t npts,
    size_t cols)
{
	double m, lo = 0, hi = 0;
	size_t i;
	int any = 0, lv;

	for (i = 0; i < cols; i++)
		if (column(s, i * npts / cols, (i + 1) * npts / cols, &m)) {
			if (!any || m < lo)
				lo = m;
			if (!any || m > hi)
				hi = m;
			any = 1;
		}
	for (i = 0; i < cols; i++) {
		if (!column(s, i * npts / cols, (i + 1) * npts / cols, &m)) {
			out_putc(c->out, ' ');
			continue;
		}
		lv = hi > lo ? (int)lround((m - lo) / (hi - lo) * 7) : 3;
		if (c->utf8)
			out_puts(c->out, levels_utf8[lv]);
		else
			out_putc(c->out, levels_ascii[lv]);
	}
}

static void
write_sparklines(struct chart *c)
{
	struct buf t = BUF_INIT, st = BUF_INIT;
	size_t i, k, keyw = 0, statw = 0, w, npts, cols;

	if (c->nseries == 0)
		return;
	for (i = 0; i < c->nseries; i++) {
		for (k = 0; k < CHART_RECENT; k++)
			fold(c, &c->series[i], k);
		if ((w = text_width(c->keys.keys[i].p, c->keys.keys[i].n)) > keyw)
			keyw = w;
		stats(&st, &c->series[i]);
		if (st.len > statw)
			statw = st.len;
	}
	keyw = key_width(c, keyw);
	npts = (size_t)((c->nwin + c->span - 1) / c->span);
	cols = keyw + statw + 3 < c->width ? c->width - keyw - statw - 2 : 1;
	if (cols > npts)
		cols = npts;
	buf_addf(&t, "%ju window%s", (uintmax_t)c->nwin, c->nwin == 1 ?
	    "" : "s");
	title(c, t.data, &c->first_start, &c->last_end);
	for (i = 0; i < c->nseries; i++) {
		put_cell(c, c->keys.keys[i].p, c->keys.keys[i].n, keyw, 1);
		out_putc(c->out, ' ');
		sparkline(c, &c->series[i], npts, cols);
		out_putc(c->out, ' ');
		stats(&st, &c->series[i]);
		out_write(c->out, st.data, st.len);
		out_putc(c->out, '\n');
	}
	if (c->unshown) {
		buf_reset(&t);
		buf_addf(&t, "(keys past the first %d: no sparkline)",
		    CHART_KEYS);
		put_cell(c, t.data, t.len, c->width, 0);
		out_putc(c->out, '\n');
	}
	buf_release(&t);
	buf_release(&st);
}

void
chart_finish(struct chart *c)
{
	chart_window_end(c);
	write_sparklines(c);
}
