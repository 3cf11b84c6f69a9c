/*
 * clock.c - the clocks: wall, processing and monotonic (see clock.h).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>	/* the system's: lib/ is an -iquote directory */

#include "clock.h"
#include "timefmt.h"


evtime
wall_now(void)
{
	static const struct timefmt autofmt = { TIMEFMT_AUTO, NULL, 0 };
	struct timespec ts;
	const char *s = getenv("STREAMKIT_NOW");
	evtime t;

	if (s != NULL && *s != '\0' &&
	    time_parse(&autofmt, s, strlen(s), &t) == 0)
		return t;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (evtime)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

/* The clock file's name, looked up once: the environment stays. */
static const char *
clock_file(void)
{
	static const char *f;
	static int looked;

	if (!looked) {
		f = getenv("STREAMKIT_CLOCK");
		if (f != NULL && *f == '\0')
			f = NULL;
		looked = 1;
	}
	return f;
}

int
proc_clock_injected(void)
{
	return clock_file() != NULL;
}

evtime
proc_now(void)
{
	static const struct timefmt autofmt = { TIMEFMT_AUTO, NULL, 0 };
	char text[64];
	ssize_t n;
	evtime t;
	int fd;

	if (!proc_clock_injected())
		return wall_now();
	if ((fd = open(clock_file(), O_RDONLY)) < 0)
		return 0;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
		n--;
	if (n <= 0 || time_parse(&autofmt, text, (size_t)n, &t) < 0)
		return 0;
	return t;
}

struct monotime
mono_now(void)
{
	struct timespec ts;
	struct monotime m;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	m.us = (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
	return m;
}
