/*
 * metrics.h - --metrics FILE: the event model of a run in Prometheus'
 * text format (lib/prom), the file replaced every --metrics-every and at
 * exit, for node_exporter's textfile collector.  The ledger as counters,
 * the bytes read, the watermark and its lag behind the clock, and the
 * propagation delay of records (the clock less their event time, when a
 * record is written or taken) as a summary; the tool adds families of
 * its own through a callback.
 *
 * The wall clock is read at each tick (the read loop ticks every 64
 * lines and whenever input waits), not per record; a record's delay is
 * taken against the clock of the last tick.  The delay's count and sum
 * take every record, its quantiles the first 1024 and then one in 16,
 * so that a run with --metrics is as fast as one without.
 *
 * --stats takes the same figures, for people, at the end: metrics_final
 * writes lines of the rate, the delay's quantiles and the tool's own
 * (through a second callback) in human units into report, which the
 * tool prints after its ledger line.  Either option makes the figures
 * be collected (metrics_on).
 *
 * A struct metrics owns its sketch and texts; the ledger is the caller's.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdint.h>

#include "clock.h"
#include "ledger.h"
#include "prom.h"
#include "summary.h"
#include "time.h"
#include "trigger.h"

#define METRICS_EVERY_DEFAULT (10 * US_PER_SEC)

struct metrics {
	const char *path;		/* --metrics FILE; NULL: off */
	int stats;			/* --stats: the report at the end */
	int64_t every;			/* --metrics-every, microseconds */
	const char *tool;
	const struct ledger *ledger;
	struct monotime next;		/* when the file is due */
	evtime now;			/* the wall clock at the last tick */
	uintmax_t bytes;		/* bytes read, at the last tick */
	evtime wm;			/* the watermark then, or EVTIME_MIN */
	struct summary *delay;		/* seconds */
	/* the tool's own families, written after the common ones */
	void (*families)(void *arg, struct prom *p);
	/* and its own lines for --stats, each ended, after the common ones
	 * (may be NULL) */
	void (*lines)(void *arg, struct buf *b);
	void *arg;
	struct prom prom;
	struct monotime started;	/* metrics_start */
	struct buf report;		/* --stats' lines, at the end */
	int final;			/* metrics_final was called */
	int failed;			/* a write failed (said once) */
};

/* 1 when --metrics or --stats wants the figures. */
static inline int
metrics_on(const struct metrics *m)
{
	return m->path != NULL || m->stats;
}

void metrics_init(struct metrics *m, const char *tool,
    const struct ledger *ledger);
/* With metrics_on: the run starts now, the first tick of the file is
 * due a period from now. */
void metrics_start(struct metrics *m);
void metrics_release(struct metrics *m);

/* The delay of a record with event time t, written or taken now. */
void metrics_delay_sample(struct metrics *m, evtime t);
static inline void
metrics_delay(struct metrics *m, evtime t)
{
	if (m && m->delay)
		metrics_delay_sample(m, t);
}

/* The family of panes by timing, fired[] by enum pane_timing (for the
 * tools' own families). */
void metrics_panes(struct prom *p, const uintmax_t fired[3]);
/* The gauge of windows (slices, sessions) open: one HELP in every tool,
 * as a textfile collector reading several wants. */
void metrics_open_windows(struct prom *p, size_t n);

/* Read the clock; note bytes read and the watermark; write the file
 * when it is due.  Milliseconds until it is due next, or -1 when there
 * is no file. */
int metrics_tick(struct metrics *m, uintmax_t bytes, evtime wm);
/* Write the file now; 0, or -1 when a write failed, now or before (said
 * on stderr once). */
int metrics_write(struct metrics *m);
/* The last write, at exit, and with --stats the report: no other
 * follows (a tool whose families or lines read state it frees calls it
 * before freeing it; a second call does nothing); as metrics_write. */
int metrics_final(struct metrics *m);
/* "p50 X  p90 Y  p99 Z" of s (seconds), in human units, into b. */
void metrics_quantiles(struct buf *b, const struct summary *s);

#endif
