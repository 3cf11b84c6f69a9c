/*
 * aggsave.h - stream-agg's --state: what a run leaves for the next.
 *
 * The state's lines, each under its keyword: "config" (the group fields
 * and aggregations the state belongs to), "seq" (records read so far, for
 * first and last across runs), and with windows "strategy", "watermark",
 * then every open table as a partial line under the kind of its window
 * ("window", "slice", "session"; "last" and "slast" for --retract's last
 * panes), and the in-process trigger's "pane" lines (lib/pane); without
 * windows, "group" lines.  The inputs' places are lib/state's.
 *
 * The partial lines are read with the fields partial_slots_add adds,
 * which --merge reads its input with too.  A struct aggsave owns
 * nothing: it names the parts of a run that a state holds.
 */
#ifndef AGGSAVE_H
#define AGGSAVE_H

#include <stdint.h>

#include "agg.h"
#include "buf.h"
#include "pane.h"
#include "record.h"
#include "state.h"
#include "strategy.h"
#include "watermark.h"
#include "winstate.h"

/* The slots of a partial line's own fields: the sequence of the group's
 * first record, its window's bounds, and (--state, --retract) the
 * bounds of the session a saved pane belongs to. */
struct partial_slots {
	int first, start, end, sstart, send;
	int empty;		/* "_empty": a group kept for empty panes */
};

/* Add the fields of partial lines of spec[0..nspec) to fs; with
 * sessions, the session bounds too (else their slots are -1). */
void partial_slots_add(struct partial_slots *ps, struct fieldset *fs,
    const struct aggspec *spec, size_t nspec, const char *start_field,
    const char *end_field, int sessions);

struct aggsave {
	const char *path;		/* the state file, for messages */
	const struct fieldset *fields;	/* partial lines are parsed with */
	struct partial_slots slots;
	struct buf config;		/* the "config" line's text */
	const struct strategy *st;	/* the windows, or NULL */
	struct watermark *wm;
	struct winstate *ws, *prevs;	/* prevs: --retract's last panes */
	struct panes *panes;		/* --trigger in-process, or NULL */
	struct aggtab *tab;		/* without windows: the groups */
};

/* The config text of group fields keyname[0..nkey) and aggregations
 * spec[0..nspec), into sv->config. */
void aggsave_config(struct aggsave *sv, char *const *keyname, size_t nkey,
    const struct aggspec *spec, size_t nspec);
/* Check that state s is this configuration's (exit 1 if not); the number
 * of records the runs before read. */
uint64_t aggsave_check(const struct aggsave *sv, const struct state *s);
/* Load the windows (sv->st set) or the groups of s into the run. */
void aggsave_restore(const struct aggsave *sv, const struct state *s);
/* The state of the run after seq records, into b (emptied first). */
void aggsave_write(const struct aggsave *sv, struct buf *b, uint64_t seq);

#endif
