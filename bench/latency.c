/*
 * latency - how long a window's result takes to come out of a live
 * pipeline after the record that closes it goes in.
 *
 *   latency [-n windows] -- sh-command
 *
 * Runs sh-command with a pipe on each side.  For each of n one-second
 * windows it writes a few records, then one in the next window (which
 * closes it: the watermark passes its end), and times from that write to
 * the first output line that names the window's end.  Prints the median
 * and the worst, in milliseconds.  Records carry "t" in epoch seconds.
 * A first window, not timed, waits for the pipeline to be up: what a
 * live stream's records meet is the tools running, not their start
 * (four execs, on a slow virtual machine 20 ms).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Read from fd until a line holding want; -1 after 5 s. */
static int
await_line(int fd, const char *want, char *buf, size_t cap, size_t *len)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	for (;;) {
		char *nl;

		while ((nl = memchr(buf, '\n', *len)) != NULL) {
			size_t n = (size_t)(nl - buf) + 1;
			int hit;

			*nl = '\0';
			hit = strstr(buf, want) != NULL;
			memmove(buf, buf + n, *len - n);
			*len -= n;
			if (hit)
				return 0;
		}
		if (poll(&pfd, 1, 5000) <= 0)
			return -1;
		ssize_t r = read(fd, buf + *len, cap - *len - 1);
		if (r <= 0)
			return -1;
		*len += (size_t)r;
	}
}

int
main(int argc, char **argv)
{
	int in[2], out[2], n = 20, i, k, c;
	static char buf[1 << 16];
	size_t len = 0;
	double *lat;
	pid_t pid;

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			n = atoi(optarg);
	argc -= optind;
	argv += optind;
	if (argc != 1 || n < 1) {
		fprintf(stderr, "usage: latency [-n windows] -- sh-command\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(in) < 0 || pipe(out) < 0)
		return 1;
	if ((pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		execl("/bin/sh", "sh", "-c", argv[0], (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	lat = calloc((size_t)n + 1, sizeof *lat);
	for (i = 0; i <= n; i++) {
		char rec[64], want[64];
		double t0;

		for (k = 0; k < 3; k++) {
			int m = snprintf(rec, sizeof rec, "{\"t\":%d.%d}\n",
			    1000 + i, k);

			if (write(in[1], rec, (size_t)m) != m)
				return 1;
		}
		k = snprintf(rec, sizeof rec, "{\"t\":%d.5}\n", 1001 + i);
		t0 = now_ms();
		if (write(in[1], rec, (size_t)k) != k)
			return 1;
		snprintf(want, sizeof want, "\"window_end\":%d", 1001 + i);
		if (await_line(out[0], want, buf, sizeof buf, &len) < 0) {
			fprintf(stderr, "latency: no result for window %d\n", i);
			free(lat);
			return 1;
		}
		lat[i] = now_ms() - t0;
	}
	close(in[1]);
	waitpid(pid, NULL, 0);
	qsort(lat + 1, (size_t)n, sizeof *lat, cmp);	/* lat[0]: the start */
	printf("%.2f %.2f\n", lat[1 + n / 2], lat[n]);
	free(lat);
	return 0;
}
