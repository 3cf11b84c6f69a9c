/*
 * runstat - run a command and print its wall time, peak RSS and status.
 *
 *   runstat [-i infile] [-o outfile] -- cmd [arg ...]
 *
 * Prints "SECONDS MAXRSS_KB STATUS CPU_SECONDS" on stdout, the last the
 * user and system time of the command and of the children it waited for
 * (a shell's pipeline, all its stages); the command's own output
 * goes to outfile (default /dev/null).  No shell is involved.  The files
 * are opened before the clock starts, and a regular outfile left by the
 * last run is unlinked first: truncating a large one costs the kernel
 * tens of milliseconds, which are the harness's, not the command's.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

static double
seconds(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	const char *in = "/dev/null", *out = "/dev/null";
	struct rusage ru;
	double t0;
	pid_t pid;
	struct stat sb;
	int ch, st, fi, fo;

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
	if (lstat(out, &sb) == 0 && S_ISREG(sb.st_mode))
		(void)unlink(out);
	if ((fi = open(in, O_RDONLY)) < 0 ||
	    (fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0666)) < 0) {
		perror("runstat");
		return 1;
	}
	t0 = now();
	if ((pid = fork()) == 0) {
		if (dup2(fi, 0) < 0 || dup2(fo, 1) < 0)
			_exit(127);
		if (fi > 1)
			close(fi);
		if (fo > 1)
			close(fo);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &st, 0, &ru) < 0)
		return 1;
	printf("%.3f %ld %d %.3f\n", now() - t0, ru.ru_maxrss,
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
	    seconds(&ru.ru_utime) + seconds(&ru.ru_stime));
	return 0;
}
