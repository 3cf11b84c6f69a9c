/*
 * filter.h - what every tool of the kit shares around its own work: the
 * common options, the streams they name, and the end of a run.
 *
 *   -i fmt  -o fmt  -w expr  -O file  --on-error warn|skip|fail
 *   --rejects file  --stats  --progress  --max-line-bytes n  --state file
 *   --metrics file  --metrics-every d
 *
 * A struct filter owns its ledger, its output and rejects streams, its
 * state, its --metrics and its compiled --where; filter_finish releases
 * them.
 */
#ifndef FILTER_H
#define FILTER_H

#include <getopt.h>
#include <stddef.h>

#include "input.h"
#include "ledger.h"
#include "metrics.h"
#include "out.h"
#include "pred.h"
#include "record.h"
#include "state.h"

/*
 * The getopt_long codes of the long-only options, and their table.  The
 * hidden --list-options, for the shell completions, lists the options
 * of the table filter_merge_options built and the names their arguments
 * take (formats, aggregations, trigger functions ...), and exits.
 */
#define FILTER_OPT_BASE 2000
extern const struct option filter_options[];
/* The short options filter_option takes, for getopt's optstring. */
#define FILTER_SHORT "i:O:o:w:"

struct filter {
	const char *tool;
	int iflag, oflag;		/* -i, -o; oflag -1: as the input */
	const char *where_expr, *rejects_path, *output_path, *state_path;
	int stats, progress;
	size_t max_line;
	struct ledger ledger;
	struct out out, rejects;
	struct state state;
	struct metrics metrics;
	struct pred *where;
};

void filter_init(struct filter *f, const char *tool, const char *kept_name);
/*
 * A getopt_long table: own's options, then the filter's, then extra's
 * (strategy_options, say; may be NULL), ended by a zero entry (malloc'd).
 */
struct option *filter_merge_options(const struct option *own,
    const struct option *extra);
struct strategy;
/*
 * Take option ch with its argument: 1 when it is one of the filter's, or
 * of the window options when st is not NULL (-t is --time), 0 when not;
 * -1 for a bad argument, with the message in err (a usage error).
 */
int filter_option(struct filter *f, struct strategy *st, int ch,
    const char *arg, char *err, size_t errlen);
/*
 * After the options and the tool's fields: compile --where into fs (a
 * bad one is a usage error, exit 2), load --state (errors exit 1), open
 * --rejects and the output (stdout, or -O cut back to the state's
 * length).  Returns 1 when a state was loaded, else 0.
 */
int filter_start(struct filter *f, struct fieldset *fs);
/* 1 when rec passes --where (scratch as pred_eval takes it); counts
 * the filtered. */
int filter_pass(struct filter *f, const struct record *rec,
    struct buf *scratch);
/* Set up the read loop's common part: format, limits, ledger, state. */
void filter_input(struct filter *f, struct input *in,
    const struct fieldset *fs);
/* With --state: flush the output, sync -O's file, save the state. */
void filter_commit(struct filter *f);
/* Release and check the outputs, print the ledger and then the lines for
 * people (metrics.h) with --stats; the exit status. */
int filter_finish(struct filter *f);

#endif
