/*
 * runstat - run a command and print its wall time, peak RSS and status.
 *
 *   runstat [-i infile] [-o outfile] -- cmd [arg ...]
 *
 * Prints "SECONDS MAXRSS_KB STATUS" on stdout; the command's own output
 * goes to outfile (default /dev/null).  No shell is involved.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	const char *in = "/dev/null", *out = "/dev/null";
	struct rusage ru;
	double t0;
	pid_t pid;
	int ch, st;

	while ((ch = getopt(argc, argv, "i:o:")) != -1) {
		if (ch == 'i')
			in = optarg;
		else if (ch == 'o')
			out = optarg;
		else
			return 2;
	}
	argv += optind;
	if (*argv == NULL) {
		fprintf(stderr, "usage: runstat [-i in] [-o out] -- cmd ...\n");
		return 2;
	}
	t0 = now();
	if ((pid = fork()) == 0) {
		int fi = open(in, O_RDONLY), fo = open(out,
		    O_WRONLY | O_CREAT | O_TRUNC, 0666);

		if (fi < 0 || fo < 0 || dup2(fi, 0) < 0 || dup2(fo, 1) < 0)
			_exit(127);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &st, 0, &ru) < 0)
		return 1;
	printf("%.3f %ld %d\n", now() - t0, ru.ru_maxrss,
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
