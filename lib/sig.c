/*
 * sig.c - SIGINT, SIGTERM and SIGUSR1 as flags (see sig.h).
 */
#include <signal.h>
#include <string.h>

#include "sig.h"

static volatile sig_atomic_t stop, report;

static void
on_stop(int signo)
{
	(void)signo;
	stop = 1;
}

static void
on_report(int signo)
{
	(void)signo;
	report = 1;
}

void
sig_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESETHAND;	/* the second one kills */
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
	return stop;
}

int
sig_report(void)
{
	if (!report)
		return 0;
	report = 0;
	return 1;
}
