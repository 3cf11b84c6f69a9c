/*
 * ledger.h - the error policy for bad input and the ledger of records.
 *
 * Every record a tool reads is kept (aggregated, written, delivered:
 * the tool names it), filtered out by --where, rejected, or late, so
 * that read == kept + filtered + rejected + late always; --stats prints
 * the ledger.  ledger_reject applies --on-error and --rejects to one bad
 * record.  The ledger does not own the rejects output.
 */
#ifndef LEDGER_H
#define LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "out.h"

enum on_error {
	ON_ERROR_WARN = 0,	/* report, skip, go on, exit 1 at the end */
	ON_ERROR_SKIP,		/* count only */
	ON_ERROR_FAIL		/* stop at once */
};

/* -1 when name is not warn, skip or fail. */
int on_error_from_name(const char *name);
/* "warn", "skip", "fail"; "?" past them. */
const char *on_error_name(int policy);

struct ledger {
	uintmax_t read;		/* records read (control lines not counted) */
	uintmax_t kept;		/* aggregated, passed on, delivered ... */
	uintmax_t filtered;	/* did not match --where */
	uintmax_t rejected;
	uintmax_t late;
	uintmax_t written;	/* records written to the output */
	uintmax_t control;	/* control lines read */
	const char *kept_name;	/* what kept means for this tool */
	int on_error;		/* enum on_error */
	struct out *rejects;	/* --rejects FILE, or NULL */
	int status;		/* 1 once something went wrong */
};

void ledger_init(struct ledger *l, const char *kept_name);
/*
 * Account one rejected record (text[0..len) is its line, for the
 * excerpt and the rejects file; NULL when it could not be kept, as a
 * line past --max-line-bytes).  Returns -1 under --on-error fail: the
 * tool stops reading and exits 1.
 */
int ledger_reject(struct ledger *l, const char *file, uintmax_t line,
    const char *text, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* "PROG: stats read=N KEPT=N filtered=N rejected=N late=N written=N". */
void ledger_print(const struct ledger *l);
/* At the end: say how many late records were dropped, if any, and that
 * --late-output would have kept them. */
void ledger_warn_dropped(const struct ledger *l);

#endif
