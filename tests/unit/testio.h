/*
 * testio.h - files and stderr for the unit tests: a file's text, a file
 * written whole, and what a module says on stderr while a case runs.
 * The texts returned are static: each call overwrites the last.
 */
#ifndef TESTIO_H
#define TESTIO_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The file's text; "(none)" when it cannot be read. */
static inline const char *
slurp(const char *path)
{
	static char text[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return "(none)";
	n = read(fd, text, sizeof text - 1);
	close(fd);
	text[n < 0 ? 0 : n] = '\0';
	return text;
}

/* What was written to fp, a tmpfile, which is closed. */
static inline const char *
drain(FILE *fp)
{
	static char text[65536];
	size_t n;

	rewind(fp);
	n = fread(text, 1, sizeof text - 1, fp);
	text[n] = '\0';
	fclose(fp);
	return text;
}

static FILE *capture_file;
static int capture_saved = -1;

/* From here to captured(), stderr goes to a file. */
static inline void
capture(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	capture_saved = dup(2);
	dup2(fileno(capture_file), 2);
}

/* What stderr got since capture(); stderr is back. */
static inline const char *
captured(void)
{
	static char text[8192];
	size_t n;

	fflush(stderr);
	dup2(capture_saved, 2);
	close(capture_saved);
	rewind(capture_file);
	n = fread(text, 1, sizeof text - 1, capture_file);
	text[n] = '\0';
	fclose(capture_file);
	return text;
}

#endif
