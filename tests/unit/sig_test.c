/*
 * sig_test: the flags the handlers set, and sig_poll, the wait no stop
 * slips past.  A signal that comes between a waiter's look at the flags
 * and its wait is played here by one raised while held (blocked): it
 * is pending when the wait begins, as the late one would be.  A plain
 * poll(2) would sleep through it till SIGALRM; sig_poll lets it in.
 * The stop is for good: its case comes last.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "sig.h"

static void
on_alarm(int signo)
{
	(void)signo;		/* only to interrupt a wait that hangs */
}

/* seconds since t0, by the library's clock */
static double
since(struct monotime t0)
{
	return (double)(mono_now().us - t0.us) / 1e6;
}

static int
report_flag(void)
{
	return sig_report();
}

static const struct held_case {
	int signo;
	int (*flag)(void);	/* 1 once the signal's handler ran */
} held_cases[] = {
	{ SIGUSR1, report_flag },
	{ SIGINT, sig_stopped },
};

/* The signal held and raised, then a wait of a quiet pipe: it ends at
 * once, by the signal, whose flag is set. */
static void
test_held(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t i;

	for (i = 0; i < sizeof held_cases / sizeof held_cases[0]; i++) {
		const struct held_case *c = &held_cases[i];
		sigset_t one, old;
		struct monotime t0;
		int rc, err;

		sigemptyset(&one);
		sigaddset(&one, c->signo);
		pthread_sigmask(SIG_BLOCK, &one, &old);
		raise(c->signo);
		CHECK_INT(c->flag(), 0);	/* not yet: it is held */
		alarm(3);
		t0 = mono_now();
		rc = sig_poll(&pfd, 1, -1);
		err = errno;
		alarm(0);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		CHECK_INT(rc, -1);
		CHECK_INT(err, EINTR);
		CHECK_INT(c->flag(), 1);
		CHECK(since(t0) < 1.5);
	}
}

int
main(void)
{
	struct sigaction sa;
	struct pollfd pfd;
	char byte;
	struct monotime t0;
	int p[2], rc;

	sig_init();
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_alarm;	/* no SA_RESTART: it interrupts */
	sigaction(SIGALRM, &sa, NULL);
	CHECK(pipe(p) == 0);
	pfd = (struct pollfd){ p[0], POLLIN, 0 };

	/* a quiet pipe: the wait lasts its time */
	t0 = mono_now();
	CHECK_INT(sig_poll(&pfd, 1, 30), 0);
	CHECK(since(t0) >= 0.025);
	/* bytes there: at once, and a look (ms 0) sees them too */
	CHECK(write(p[1], "x", 1) == 1);
	CHECK_INT(sig_poll(&pfd, 1, 0), 1);
	CHECK_INT(sig_poll(&pfd, 1, -1), 1);
	CHECK(pfd.revents & POLLIN);
	CHECK(read(p[0], &byte, 1) == 1);
	/* a report already flagged does not end a wait: not every waiter
	 * prints it */
	raise(SIGUSR1);
	CHECK_INT(sig_poll(&pfd, 1, 30), 0);
	CHECK_INT(sig_report(), 1);

	test_held(p[0]);

	/* stopped: no wait at all, but a look still looks */
	t0 = mono_now();
	errno = 0;
	alarm(3);
	rc = sig_poll(&pfd, 1, -1);
	alarm(0);
	CHECK_INT(rc, -1);
	CHECK_INT(errno, EINTR);
	CHECK(since(t0) < 0.5);
	CHECK(write(p[1], "y", 1) == 1);
	CHECK_INT(sig_poll(&pfd, 1, 0), 1);
	return check_done("sig");
}
