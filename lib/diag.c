/*
 * diag.c - diagnostics on stderr (see diag.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

const char *diag_prog = "streamkit";

void
diag_init(const char *argv0)
{
	const char *slash;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	slash = strrchr(argv0, '/');
	diag_prog = slash ? slash + 1 : argv0;
}

static void
vsay(const char *file, uintmax_t line, const char *fmt, va_list ap)
{
	/* One fprintf per message keeps concurrent writers' lines whole. */
	char msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (file)
		fprintf(stderr, "%s: %s:%ju: %s\n", diag_prog, file, line, msg);
	else
		fprintf(stderr, "%s: %s\n", diag_prog, msg);
}

void
diag_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(NULL, 0, fmt, ap);
	va_end(ap);
}

void
diag_at(const char *file, uintmax_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(file, line, fmt, ap);
	va_end(ap);
}

void
diag_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(NULL, 0, fmt, ap);
	va_end(ap);
	exit(status);
}

const char *
diag_excerpt(char *dst, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, cut = n > DIAG_EXCERPT ? DIAG_EXCERPT : n;
	char *d = dst;

	*d++ = '\'';
	for (i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c >= 0x7f || c == '\\') {
			*d++ = '\\';
			if (c == '\\')
				*d++ = '\\';
			else {
				*d++ = 'x';
				*d++ = hex[c >> 4];
				*d++ = hex[c & 15];
			}
		} else
			*d++ = (char)c;
	}
	*d++ = '\'';
	if (cut < n) {
		memcpy(d, "...", 3);
		d += 3;
	}
	*d = '\0';
	return dst;
}
