/*
 * aggrun.h - one stream-agg run: aggregates per group, over the whole
 * input or per window, windowed in-process (from the options) or behind
 * stream-window (from the input's strategy line), fired by the watermark,
 * by stream-trigger's fire lines, or by an in-process trigger; and
 * --merge of partial states, --emit-every, --late-output.
 *
 * The caller sets the options (the fields under "options"), then calls
 * aggrun_setup, loads any --state, and calls aggrun_start; it feeds each
 * record read (aggrun_read, then aggrun_record for those --where passes),
 * each control line (aggrun_control), and the clock when input would
 * block (aggrun_tick), and ends with aggrun_finish.  Results go to the
 * output given to aggrun_start, and every record is accounted for in the
 * ledger given there: kept, rejected or late.
 *
 * A struct aggrun owns its tables, windows, panes, trigger and late
 * output; the fieldset, output, ledger and state are the caller's and
 * outlive it.  Errors in the options are returned as messages (usage
 * errors); a runaway key set or a bad --state ends the process (exit 1).
 */
#ifndef AGGRUN_H
#define AGGRUN_H

#include <stdint.h>

#include "agg.h"
#include "aggpane.h"
#include "chart.h"
#include "aggsave.h"
#include "clock.h"
#include "ledger.h"
#include "metrics.h"
#include "out.h"
#include "pane.h"
#include "punct.h"
#include "record.h"
#include "state.h"
#include "strategy.h"
#include "table.h"
#include "time.h"
#include "trigger.h"
#include "watermark.h"
#include "winstate.h"

/* Records a --part is given room for: N << AGGRUN_PART_SHIFT. */
#define AGGRUN_PART_SHIFT 40
#define AGGRUN_PART_MAX ((UINT64_C(1) << (64 - AGGRUN_PART_SHIFT)) - 1)
/* Enough for a busy key set; a runaway one stops with a clear error. */
#define AGGRUN_MAX_GROUPS 1000000

struct aggrun {
	/* options, set before aggrun_setup */
	struct strategy st;		/* the window options */
	struct aggspec *spec;		/* the aggregations (owned) */
	size_t nspec;
	char **keyname;			/* -g (owned) */
	int *keyslot;
	size_t nkey;
	int sort, partial, merge, punct;
	uint64_t part;			/* --part N */
	size_t max_groups;
	int64_t emit_every;		/* microseconds, 0: off */
	const char *late_path;
	const char *trigger_text;	/* --trigger, or NULL */
	int accumulate, retract, pane_info;
	int empty_given;		/* --on-time or --closing, into
					 * st.empty_rules */
	const char *chart_field;	/* --chart, or NULL */

	/* the rest is the run's own */
	struct fieldset *fields;
	struct ledger *ledger;
	struct metrics *metrics;	/* --metrics, or NULL */
	struct out *out;
	uint64_t seq_base;		/* records of the runs before */
	struct aggtab tab;		/* without windows: the groups */
	struct aggpane pane;		/* the output */
	int ofmt;			/* FMT_TABLE, FMT_CHART, or 0 */
	struct table table;		/* -o table */
	struct chart chart;		/* -o chart */
	struct aggsave save;		/* --state, and --merge's fields */
	const struct state *state;	/* --state's, or NULL */
	int saving;			/* --state given */
	int annotated;			/* the input carries its windows */
	struct stamper stamper;
	struct watermark wm;
	evtime expired_at;		/* behind stream-trigger: the watermark
					 * open windows were last expired at */
	struct winstate ws, prevs;	/* prevs: --retract's last panes */
	struct window *wins;		/* a record's windows */
	struct windowing merged;	/* windows kept whole */
	struct trigger *trig;		/* --trigger in-process */
	struct panes panes;
	struct out lateout;
	struct monotime next_emit;
	unsigned tick;
	struct buf key, scratch;
	struct {			/* the run of the last run record */
		uint64_t serial;	/* 0: none, or forgotten */
		struct aggtab *tab;	/* its window's, or NULL */
	} run;
	struct {			/* the last record of a sliding stream */
		evtime t;
		int fate;
		char why[256];
	} last;
	/* sessions: their key, and the group key of their results */
	char **sesskeyname, **wkeyname;
	int *sesskeyslot, *wkeyslot;
	size_t nsesskey, nwkey;
};

/* The options' defaults. */
void aggrun_init(struct aggrun *r);
void aggrun_release(struct aggrun *r);

/*
 * After the options and the aggregations' fields: check the options that
 * go together and add the fields that --merge reads and --state saves to
 * fs (which must outlive r).  where: --where was given; state_path: the
 * --state file, or NULL.  0, or -1 with a usage error in err.
 */
int aggrun_setup(struct aggrun *r, struct fieldset *fs, int where,
    const char *state_path, char *err, size_t errlen);
/* A --state was loaded: check it is this run's (exit 1 if not). */
void aggrun_check_state(struct aggrun *r, const struct state *s);
/*
 * Open what the run needs: the tables, --late-output, windows from the
 * options, the in-process trigger; and restore from state s (NULL: no
 * --state; its body empty: a first run), which must outlive r.  Results
 * go to out in format oflag (-1: the input's), counted in ledger; -o
 * chart (or --chart) charts the aggregate --chart names, else the
 * first that is a number.  0, or -1 with a usage error in err.
 */
int aggrun_start(struct aggrun *r, struct out *out, int oflag,
    struct ledger *ledger, const struct state *s, char *err, size_t errlen);

/* A record was read in format fmt, before --where: the first decides the
 * output format (and -o chart, without windows, is a usage error: exit
 * 2); now and then the --emit-every clock is looked at. */
void aggrun_read(struct aggrun *r, int fmt);
/* A record that --where passed; -1 to stop reading (--on-error fail). */
int aggrun_record(struct aggrun *r, struct record *rec);
/*
 * The same, for a record of a run line's (lib/input's in_run: run is its
 * run_serial) with its time in [lo, hi]: behind stream-trigger, records
 * of one tumbling window go to it without a look at their times.
 */
int aggrun_run_record(struct aggrun *r, struct record *rec, uint64_t run,
    evtime lo, evtime hi);
/* A control line: strategy, watermark or fire (with --punct, written). */
void aggrun_control(struct aggrun *r, const struct punct *p,
    const char *file, uintmax_t lineno, const char *line, size_t len);
/* Input is about to block, the last line having come at last_line:
 * fire what the clock makes due; milliseconds until the next look, or
 * -1 for none. */
int aggrun_tick(struct aggrun *r, struct monotime last_line);
/* The watermark to show (--progress), or EVTIME_MIN. */
evtime aggrun_watermark(const struct aggrun *r);
/* End of input: write what is due (with --state, open windows stay
 * open), -o table's held records and -o chart's sparklines, and close
 * --late-output. */
void aggrun_finish(struct aggrun *r);
/* --metrics: the run's open windows and groups, and its panes by
 * timing; arg is the run. */
void aggrun_metrics(void *arg, struct prom *p);
/* --state: the run's state after its input, into b. */
void aggrun_save(struct aggrun *r, struct buf *b);

#endif
