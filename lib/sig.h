/*
 * sig.h - the signals a filter answers: SIGINT and SIGTERM end the input
 * as if it had ended (the tool then finishes as at end of input: windows
 * fire, output is flushed, the exit status is what it would be); a second
 * one kills as usual.  SIGUSR1 asks for the ledger so far.  SIGPIPE keeps
 * its default, so a closed pipe ends the tool quietly.
 *
 * The handlers only set flags; the reader looks at sig_stopped when a
 * read or poll is interrupted or about to start, the tools at sig_report.
 * Owns nothing.
 */
#ifndef SIG_H
#define SIG_H

/* Install the handlers (without SA_RESTART, so blocking calls return). */
void sig_init(void);
/* 1 once SIGINT or SIGTERM came. */
int sig_stopped(void);
/* 1, once, after each SIGUSR1. */
int sig_report(void);

#endif
