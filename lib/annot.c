/*
 * annot.c - stream-window's annotation of a record (see annot.h).
 */
#include <string.h>

#include "annot.h"
#include "time.h"

void
annot_init(struct annot *a, const struct strategy *st)
{
	memset(a, 0, sizeof *a);
	a->st = st;
	buf_init(&a->bounds);
	buf_init(&a->add);
}

void
annot_release(struct annot *a)
{
	buf_release(&a->bounds);
	buf_release(&a->add);
}

void
annot_bounds(const struct strategy *st, const struct window *w, char *start,
    char *end, struct addfield f[2])
{
	int kind = st->time_output == TOUT_RFC3339 ||
	    st->time_output == TOUT_LOCAL ? OV_STR : OV_NUM;

	f[0] = (struct addfield){ st->start_field, start,
	    strategy_format_time(st, w->start, start), kind };
	f[1] = (struct addfield){ st->end_field, end,
	    strategy_format_time(st, w->end, end), kind };
}

/* The bounds of w as fmt adds them, kept while records share w. */
static void
bounds_text(struct annot *a, const struct window *w, int fmt)
{
	char start[TIME_RFC3339_MAX], end[TIME_RFC3339_MAX];
	struct addfield f[2];

	if (a->bounds.len > 0 && a->fmt == fmt && a->w.start == w->start &&
	    a->w.end == w->end)
		return;
	annot_bounds(a->st, w, start, end, f);
	buf_reset(&a->bounds);
	annotate_format(&a->bounds, fmt, f, 2);
	a->w = *w;
	a->fmt = fmt;
}

/* JSON's lean annotation, ,"_t":N: a number follows its key as it is,
 * so the key is quoted once, not once a record. */
static void
json_time(struct annot *a, struct out *o, const struct record *rec,
    evtime t, size_t n)
{
	struct buf key = BUF_INIT;
	size_t i;

	if (a->time_key.keylen == 0) {
		annotate_format(&key, FMT_JSON, &(struct addfield){
		    STRATEGY_TIME_FIELD, "", 0, OV_NUM }, 1);
		out_intkey_init(&a->time_key, key.data, key.len);
		buf_release(&key);
	}
	for (i = 0; i < n; i++)
		out_insert_intkey(o, rec->line, rec->len, &a->time_key, t);
}

void
annot_write(struct annot *a, struct out *o, int fmt, const struct record *rec,
    evtime t, const struct window *w, size_t n)
{
	char tt[INT_FORMAT_MAX], ws[INT_FORMAT_MAX];
	struct addfield f[2] = {
		{ STRATEGY_WINDOW_FIELD, ws, 0, OV_NUM },
		{ STRATEGY_TIME_FIELD, tt, 0, OV_NUM }
	};
	size_t i;

	if (fmt == FMT_JSON && !a->st->bounds &&
	    a->st->win.kind != WINDOW_SLIDING) {
		json_time(a, o, rec, t, n);
		return;
	}
	f[1].vlen = int_format(t, tt);
	for (i = 0; i < n; i++) {
		buf_reset(&a->add);
		if (a->st->bounds) {
			bounds_text(a, &w[i], fmt);
			buf_add(&a->add, a->bounds.data, a->bounds.len);
			annotate_format(&a->add, fmt, &f[1], 1);
		} else if (a->st->win.kind == WINDOW_SLIDING) {
			f[0].vlen = int_format(w[i].start, ws);
			annotate_format(&a->add, fmt, f, 2);
		} else
			annotate_format(&a->add, fmt, &f[1], 1);
		out_insert(o, fmt, rec->line, rec->len, a->add.data,
		    a->add.len);
	}
}

void
annot_header(const struct annot *a, struct out *o, int fmt, const char *line,
    size_t len)
{
	struct addfield h[3] = {
		{ a->st->start_field, NULL, 0, 0 },
		{ a->st->end_field, NULL, 0, 0 },
		{ STRATEGY_TIME_FIELD, NULL, 0, 0 }
	};

	if (a->st->bounds)
		out_annotate_header(o, fmt, line, len, h, 3);
	else if (a->st->win.kind == WINDOW_SLIDING) {
		h[1].name = STRATEGY_WINDOW_FIELD;
		out_annotate_header(o, fmt, line, len, h + 1, 2);
	} else
		out_annotate_header(o, fmt, line, len, h + 2, 1);
}
