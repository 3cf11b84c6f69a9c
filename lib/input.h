/*
 * input.h - the read loop every tool runs: operands in turn (from where a
 * --state left them), lines too long rejected, control lines handed to
 * the tool, records parsed (CSV records across lines) with bad ones
 * rejected under the error policy and headers set apart, and between
 * lines the ledger for SIGUSR1, the --progress line and --metrics.
 *
 * The tool fills in the set-up fields and the callbacks; struct input
 * owns its progress line and nothing else (not the ledger, state,
 * fieldset or what the callbacks touch).
 */
#ifndef INPUT_H
#define INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "ledger.h"
#include "metrics.h"
#include "out.h"
#include "progress.h"
#include "punct.h"
#include "reader.h"
#include "parser.h"
#include "record.h"
#include "runline.h"
#include "state.h"
#include "time.h"

struct input {
	/* set up by the tool */
	const struct fieldset *fs;
	int fmt;			/* -i, FMT_AUTO to guess */
	size_t max_line;
	int after_tab;			/* a line "KEY<TAB>REST" is REST */
	int note_time;			/* keep last_line (for --idle) */
	struct ledger *ledger;
	struct state *state;		/* --state, or NULL */
	struct metrics *metrics;	/* --metrics, or NULL */
	void *arg;			/* for the callbacks */
	/* input is about to block: as reader.h's wait */
	int (*wait)(void *arg);
	/* a well-formed control line, parsed (a malformed one, and a
	 * watermark line that goes back, is reported and counted here, and
	 * goes no further) */
	void (*control)(void *arg, const struct punct *p, const char *file,
	    uintmax_t lineno, const char *line, size_t len);
	/* a CSV or TSV header line (may be NULL) */
	void (*header)(void *arg, const struct record *rec,
	    const struct parser *ps);
	/* a record, read and parsed: -1 stops the reading */
	int (*record)(void *arg, struct record *rec, const struct parser *ps);
	/* the watermark to show with --progress (may be NULL) */
	evtime (*watermark)(void *arg);
	/* where input_pass writes records (NULL: it is not used) */
	struct out *pass;
	/* a stream whose one field is its integer tail (stream-window's
	 * _t), passed on: a record given by that field alone, before any
	 * other look at it; 1 when the tool took it (it counts what it
	 * keeps and writes; the loop counts it read and passes it on with
	 * the run, as input_pass), 0 to have it read as any other.  May be
	 * NULL. */
	int (*fast)(void *arg, const struct val *tail);
	/* the same, for the n records a run line promises (punct.h), by
	 * their times alone, all in [lo, hi]: 1 when the tool took them
	 * (it counts them), and the loop passes their bytes on unread; 0
	 * to have them read.  May be NULL. */
	int (*fast_run)(void *arg, uint64_t n, evtime lo, evtime hi);
	/* the tool reads every record, and would know those of a run line
	 * of the pipe read (punct.h): while in->record has one of them,
	 * in_run is 1, [run_lo, run_hi] holds its time, and run_serial
	 * tells the run from the one before */
	int runs;

	/* kept by the loop, for in->record */
	int in_run;
	evtime run_lo, run_hi;
	uint64_t run_serial;

	/* kept by the loop */
	struct progress progress;
	struct monotime last_line;	/* when the last line came, with
					 * note_time */
	uintmax_t bytes_before;		/* of the inputs done */
	const struct reader *cur;
	evtime line_wm;			/* the last watermark line's time */
	int have_line_wm;
	const char *line_next;		/* just past the line's end as read */
	const char *run;		/* input_pass: lines passed and not yet */
	size_t runlen;			/* written, as read, "\n" and all */
	int side[2];			/* input_pass from a pipe to a pipe:
					 * the input's bytes, tee(2)'d, or -1 */
	off_t side_off;			/* the input's offset of side's next */
	int side_tried;
	char pipe[RUNLINE_PIPE_MAX];	/* the reader's pipe, when fast_run
					 * or runs */
	size_t pipelen;
	uint64_t run_left;		/* records of the run line still to
					 * come, with runs */
	char passpipe[RUNLINE_PIPE_MAX];	/* in->pass's pipe, with
						 * fast_run */
	size_t passpipelen;
	struct {			/* a run line's, read, not yet kept */
		int on;
		uint64_t records, bytes, longest;
		evtime lo, hi;
		int tries;		/* the tool would not take them */
		off_t from;		/* the offset of its first byte */
		uintmax_t lineno;	/* the lines before it */
	} promise;
};

/* Zero the struct, as the tool then fills it in; progress asked or not. */
void input_init(struct input *in, int progress);
/*
 * Read operand path ("-" is stdin): 0, or -1 when a callback or the
 * error policy stopped the reading.  A file that cannot be opened or
 * read is a diagnostic and sets the ledger's status.
 */
int input_read(struct input *in, const char *path);
/* Bytes read so far, over every input. */
uintmax_t input_bytes(const struct input *in);
/* Between records and while waiting: SIGUSR1's ledger, --progress,
 * --metrics. */
void input_housekeeping(struct input *in);
/* The last --progress line, ended. */
void input_done(struct input *in);
/*
 * Write the record given to in->record on to in->pass as it came, and a
 * "\n".  Records that follow one another in the input go out as one run
 * of its bytes, written when a record between them is not passed, when
 * the input's buffer moves on, or at input_pass_flush: a tool that
 * writes anything else to in->pass calls input_pass_flush first.
 * From a pipe to a pipe, on Linux, a stream whose one field is its tail
 * has its runs moved by splice(2) from a copy of the input's pages
 * (tee(2)), and not copied twice.
 */
void input_pass(struct input *in, const struct record *rec);
void input_pass_flush(struct input *in);

#endif
