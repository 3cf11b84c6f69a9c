/*
 * sig.h - the signals a filter answers: SIGINT and SIGTERM end the input
 * as if it had ended (the tool then finishes as at end of input: windows
 * fire, output is flushed, the exit status is what it would be); a second
 * one kills as usual, unless a grace is set: then it ends the grace at
 * once.  SIGUSR1 asks for the ledger so far.  SIGPIPE keeps
 * its default, so a closed pipe ends the tool quietly.
 *
 * The handlers only set flags; the reader looks at sig_stopped when a
 * read or poll is interrupted or about to start (sig_poll waits so that
 * none comes between), the tools at sig_report, a write that blocks at
 * sig_give_up.  Owns nothing.
 */
#ifndef SIG_H
#define SIG_H

#include <poll.h>
#include <stdint.h>

/* Install the handlers (without SA_RESTART, so blocking calls return). */
void sig_init(void);
/* 1 once SIGINT or SIGTERM came. */
int sig_stopped(void);
/* 1, once, after each SIGUSR1. */
int sig_report(void);
/*
 * A bound, in microseconds, on how long writes may block once SIGINT or
 * SIGTERM came (event-route's --grace); by default they wait for ever.
 * sig_give_up, asked when a stop is seen and when a write is interrupted,
 * starts the clock (a SIGALRM timer) the first time and says 1 once the
 * grace is over, or a second SIGINT or SIGTERM came: the writer stops
 * trying, and the tool stops waiting for what it runs.
 */
void sig_set_grace(int64_t us);
int sig_give_up(void);
/*
 * poll(2) for the thread that takes the signals (the tools' first: the
 * others block them all), which a stop cannot slip past: one that came,
 * or comes before the wait begins, ends it, -1 with EINTR, as one during
 * it does; so does a SIGUSR1 that comes before it begins (Linux, by
 * ppoll; elsewhere the look comes just before a plain poll).  It lets
 * the three in during the wait even when the caller holds them: not for
 * a thread that must not take them.  ms 0 is poll's look.
 */
int sig_poll(struct pollfd *pfd, nfds_t n, int ms);

#endif
