/*
 * punct.h - control lines, the punctuation that carries time between the
 * tools (streamkit(7) has the protocol).
 *
 * A control line is a JSON object whose first key is "_punct"; any line
 * that begins with the bytes {"_punct": is one, in every input format.
 * Times in control lines are integers of microseconds since the epoch, so
 * that they cross a pipe exactly:
 *
 *   {"_punct":"watermark","t":1795514400000000}
 *   {"_punct":"watermark","end":true}                  end of input
 *   {"_punct":"fire","start":S,"end":E,"pane":0,"timing":"on_time","final":true}
 *   {"_punct":"fire",...,"final":false,"key":["alice"]}   a session's
 *   {"_punct":"strategy",...}                          see streamkit(7)
 *   {"_punct":"run","records":N,"bytes":B,"min_t":L,"max_t":H,
 *    "longest":M,"pipe":"D:I"    }                     a run line
 *
 * A run line is stream-window's word on the bytes that follow it in the
 * pipe it wrote to (or stream-trigger's, on a run it passed on): the
 * next B bytes of pipe D:I (its device and inode) are N whole lines,
 * records, none longer than M bytes, their _t all in [L, H], and no
 * control line among them.  A reader of that same pipe may pass them on
 * unread, or read them without their times; one of another (a filter
 * sits between) or of a file ignores the line.  Its length is fixed, padded with spaces, so
 * that a reader can read one and no more.
 *
 * A struct punct points into the line it was parsed from and owns nothing.
 */
#ifndef PUNCT_H
#define PUNCT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "time.h"
#include "trigger.h"

#define PUNCT_PREFIX "{\"_punct\":"
#define PUNCT_PREFIX_LEN 10

enum punct_kind {
	PUNCT_UNKNOWN = 0,	/* a kind this release does not know: pass it on */
	PUNCT_STRATEGY,
	PUNCT_WATERMARK,
	PUNCT_FIRE,
	PUNCT_RUN
};

/* A run line's length, "\n" and all. */
#define PUNCT_RUN_LEN 256

struct punct {
	int kind;		/* enum punct_kind */
	evtime t;		/* watermark */
	int at_end;		/* watermark: end of input, +infinity */
	evtime start, end;	/* fire: the window [start, end) */
	long pane;		/* fire: 0, 1, ... */
	int timing;		/* fire: enum pane_timing */
	int final;		/* fire: no pane will follow */
	const char *key;	/* fire: a session's key, a JSON array of its
				 * texts, or NULL */
	size_t keylen;
	uint64_t records, bytes, longest;	/* run */
	evtime min_t, max_t;			/* run */
	const char *pipe;			/* run: "D:I" */
	size_t pipelen;
};

/* 1 when line is a control line. */
int punct_is(const char *line, size_t len);
/* Parse a control line; -1 with a static message in *err when it is not
 * well-formed JSON or lacks a field its kind needs. */
int punct_parse(const char *line, size_t len, struct punct *p,
    const char **err);
/* Append p as a control line, "\n" included. */
void punct_write(struct buf *b, const struct punct *p);

#endif
