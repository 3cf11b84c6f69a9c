/*
 * strategy.h - a stream's windowing strategy: how records get their event
 * time and windows, and how the watermark moves.  stream-window takes it
 * from its options and writes it as the first control line of its
 * output; downstream tools read it from there (streamkit(7)).
 *
 * The struct owns its strings and its time zone.
 */
#ifndef STRATEGY_H
#define STRATEGY_H

#include <getopt.h>

#include "buf.h"
#include "record.h"
#include "time.h"
#include "timefmt.h"
#include "tz.h"
#include "window.h"

/* The reserved field that carries a record's event time downstream,
 * an integer of microseconds since the epoch. */
#define STRATEGY_TIME_FIELD "_t"
/* The field that says which window a line of a sliding stream is, in
 * lean annotation: its start, in microseconds since the epoch. */
#define STRATEGY_WINDOW_FIELD "_w"

enum time_output {
	TOUT_RFC3339 = 0, TOUT_EPOCH, TOUT_EPOCH_MS, TOUT_EPOCH_US, TOUT_LOCAL
};

struct strategy {
	struct windowing win;
	struct tz tz;			/* win.tz points here when set */
	char *time_field;		/* NULL: processing time */
	char *time_format;		/* as given to --time-format */
	char *key;			/* session key fields, comma-separated */
	char *start_field, *end_field;
	int time_output;		/* enum time_output */
	int64_t max_delay, allowed_lateness;
	int delay_given;		/* --max-delay, or a strategy line */
	int delay_told;			/* strategy_tell_delay has told */
	int64_t max_jump, idle;		/* for the watermark */
	char *tzname;			/* --tz, until strategy_finish */
	/* set by stream-trigger: panes come as fire lines */
	char *trigger;			/* its expression; NULL: the default */
	int accumulate;			/* panes accumulate, not discard */
	int retract;			/* and each retracts the one before */
	int pane_info;			/* results carry pane, timing, final */
	int bounds;			/* stream-window --bounds: records carry
					 * their windows' bounds, formatted */
	int empty_rules;		/* which empty panes are written:
					 * trigger.h's EMPTY_ bits */
};

/*
 * The watermark's delay behind the newest event time when --max-delay is
 * not given, for event time (processing time: 0).  Long enough that a
 * log out of order by minutes, read from a file or a pipe, loses no
 * record; short enough that the windows it keeps open stay few.  Kafka
 * Streams' 24 h grace, which its users found results never came from,
 * and Flink's need to choose are the two sides of it (streamkit(7)).
 */
#define STRATEGY_DEFAULT_DELAY (5 * 60 * US_PER_SEC)
/* How long a live input must be quiet before the default is told. */
#define STRATEGY_TELL_AFTER US_PER_SEC

/*
 * The command-line options that set a strategy, shared by the tools that
 * window: getopt_long codes from STRATEGY_OPT_BASE on, and their table,
 * ended by a zero entry, for the tools to copy into theirs.
 */
#define STRATEGY_OPT_BASE 1000
extern const struct option strategy_options[];
/* A getopt_long table of own's options and strategy_options (malloc'd). */
struct option *strategy_merge_options(const struct option *own);
/* Take one of those options; 0, or -1 with a message in err (a usage
 * error: the option and its bad argument are named). */
int strategy_option(struct strategy *s, int opt, const char *arg,
    char *err, size_t errlen);
/* Check and complete s once all options are read: the time zone loaded,
 * the windows sane; 0, or -1 with a message in err. */
int strategy_finish(struct strategy *s, char *err, size_t errlen);

void strategy_init(struct strategy *s);
/*
 * The input has been quiet for quiet microseconds after a record: on the
 * default delay, once it has been for STRATEGY_TELL_AFTER, say on stderr
 * (once) which delay the windows wait for.  Milliseconds until it is to
 * be asked again, or -1.
 */
int strategy_tell_delay(struct strategy *s, int64_t quiet);
void strategy_release(struct strategy *s);
/* Read a strategy control line into s (initialised); 0, or -1 with a
 * message in err. */
int strategy_parse(struct strategy *s, const char *line, size_t len,
    char *err, size_t errlen);
/* Append the strategy control line, "\n" included. */
void strategy_write(struct buf *b, const struct strategy *s);
/* -1 for a name that is not rfc3339, epoch, epoch-ms, epoch-us, local. */
int time_output_from_name(const char *name);
const char *time_output_name(int tout);
/* Write t as the strategy's window bounds are written; returns length
 * (dst holds TIME_RFC3339_MAX). */
size_t strategy_format_time(const struct strategy *s, evtime t, char *dst);

/*
 * Reading a record's event time and windows by a strategy: from the
 * time field (in-process) or, for a stream stream-window annotated, from
 * its _t, and then the windows by the window functions, so that both
 * decide alike; a sliding stream's line also gives which of the record's
 * windows the line is, in _w (its start) or, with --bounds, in its
 * window-bound fields.  The fields it needs are added to the caller's
 * fieldset by stamper_init.
 */
struct stamper_bound {		/* the last window bound read */
	char text[48];
	size_t n;
	int type;
	evtime t;
};

struct stamper {
	const struct strategy *st;
	int annotated;
	int tslot, sslot, eslot;	/* -1 when not read */
	struct timefmt tf, boundf;
	struct buf scratch;
	struct stamper_bound last_start, last_end;
	struct window last;		/* a tumbling stream's window found
					 * last ([0,0) before the first): most
					 * records fall in the one before's */
};

void stamper_init(struct stamper *sp, const struct strategy *st,
    int annotated, struct fieldset *fs);
void stamper_release(struct stamper *sp);
/* _t as stream-window writes it, an integer: 1 and *t, read at once
 * without the time parser's dispatch; 0 when it is not one (then
 * stamper_time's time parser decides). */
int stamper_plain_time(const struct val *v, evtime *t);
/* The event time of rec; -1 with a message in why. */
int stamper_time(struct stamper *sp, const struct record *rec, evtime *t,
    char *why, size_t whylen);
/* The windows of rec (room for window_count); 0 with a message in why. */
size_t stamper_windows(struct stamper *sp, const struct record *rec,
    evtime t, struct window *out, char *why, size_t whylen);

#endif
