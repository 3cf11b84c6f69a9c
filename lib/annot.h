/*
 * annot.h - what stream-window adds to a record it passes on: its event
 * time _t, last; on a sliding stream's line the start of the line's
 * window, _w; or, with --bounds, the window's bounds as the strategy
 * formats them (streamkit(7)).
 *
 * A struct annot owns its scratch buffers, the formatted bounds it
 * keeps while records share a window (formatting times was most of the
 * cost) and JSON's ,"_t": quoted once; the strategy and the output are
 * the caller's.
 */
#ifndef ANNOT_H
#define ANNOT_H

#include <stddef.h>

#include "buf.h"
#include "out.h"
#include "record.h"
#include "strategy.h"
#include "window.h"

struct annot {
	const struct strategy *st;
	struct window w;		/* the bounds text holds */
	int fmt;
	struct buf bounds, add;
	struct out_intkey time_key;	/* JSON: ,"_t": and digits */
};

void annot_init(struct annot *a, const struct strategy *st);
void annot_release(struct annot *a);
/* Write rec's line to o once per window w[0..n), annotated for event
 * time t, in format fmt. */
void annot_write(struct annot *a, struct out *o, int fmt,
    const struct record *rec, evtime t, const struct window *w, size_t n);
/* The bounds of w as the strategy writes them, as the two fields f
 * (start and end, each TIME_RFC3339_MAX, hold their text). */
void annot_bounds(const struct strategy *st, const struct window *w,
    char *start, char *end, struct addfield f[2]);
/* A CSV or TSV header line, with the annotation's column names. */
void annot_header(const struct annot *a, struct out *o, int fmt,
    const char *line, size_t len);

#endif
