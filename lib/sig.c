/*
 * sig.c - SIGINT, SIGTERM and SIGUSR1 as flags (see sig.h).
 */
#ifdef __linux__
#define _GNU_SOURCE		/* ppoll */
#endif
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/time.h>

#include "sig.h"

/* stop is read by ahead.c's second thread too: an atomic, which a
 * handler may store when lock-free, as int's is */
static atomic_int stop;
static volatile sig_atomic_t report, expired;
static volatile sig_atomic_t graceful;	/* a grace is set */
static int64_t grace = -1;		/* -1: writes wait for ever */
static int armed;

static void
on_stop(int signo)
{
	if (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		atomic_store_explicit(&stop, 1, memory_order_relaxed);
		return;
	}
	if (graceful) {
		expired = 1;	/* the second: the grace is over now */
		return;
	}
	signal(signo, SIG_DFL);	/* the second kills, once we return */
	raise(signo);
}

static void
on_report(int signo)
{
	(void)signo;
	report = 1;
}

static void
on_expire(int signo)
{
	(void)signo;
	expired = 1;
}

void
sig_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sa.sa_flags = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_report;
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_DFL);
}

int
sig_stopped(void)
{
	return atomic_load_explicit(&stop, memory_order_relaxed);
}

void
sig_set_grace(int64_t us)
{
	grace = us;
	graceful = us >= 0;
}

int
sig_give_up(void)
{
	struct sigaction sa;
	struct itimerval it;

	if (!sig_stopped() || grace < 0)
		return 0;
	if (!armed) {
		armed = 1;
		memset(&sa, 0, sizeof sa);
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = on_expire;	/* no SA_RESTART: it interrupts */
		sigaction(SIGALRM, &sa, NULL);
		memset(&it, 0, sizeof it);
		it.it_value.tv_sec = (time_t)(grace / 1000000);
		it.it_value.tv_usec = (suseconds_t)(grace % 1000000);
		it.it_interval.tv_usec = 100000;	/* a write blocked
							 * after it too */
		if (grace == 0)
			expired = 1;
		else
			setitimer(ITIMER_REAL, &it, NULL);
	}
	return expired;
}

int
sig_report(void)
{
	if (!report)
		return 0;
	report = 0;
	return 1;
}

/*
 * The flags are asked before a wait and the signal may come after: held
 * (blocked) from before the look until ppoll lets them in, the three come
 * into the wait and end it, however close behind the look they came.  A
 * report already flagged does not end it: not every waiter prints it,
 * and one that does not would be back at once.
 */
int
sig_poll(struct pollfd *pfd, nfds_t n, int ms)
{
#ifdef __linux__	/* ppoll: elsewhere, _POSIX_C_SOURCE 200809L hides it */
	static const int ours[] = { SIGINT, SIGTERM, SIGUSR1 };
	sigset_t held, old, during;
	struct timespec ts, *tp = NULL;
	size_t i;
	int rc, err;

	if (ms == 0)
		return poll(pfd, n, 0);
	sigemptyset(&held);
	for (i = 0; i < sizeof ours / sizeof ours[0]; i++)
		sigaddset(&held, ours[i]);
	pthread_sigmask(SIG_BLOCK, &held, &old);
	if (sig_stopped()) {
		rc = -1;
		err = EINTR;
	} else {
		if (ms > 0) {
			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (long)(ms % 1000) * 1000000;
			tp = &ts;
		}
		during = old;	/* the three let in, whatever came before */
		for (i = 0; i < sizeof ours / sizeof ours[0]; i++)
			sigdelset(&during, ours[i]);
		rc = ppoll(pfd, n, tp, &during);
		err = errno;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return rc;
#else	/* the look and the wait apart, as before */
	if (ms != 0 && sig_stopped()) {
		errno = EINTR;
		return -1;
	}
	return poll(pfd, n, ms);
#endif
}
