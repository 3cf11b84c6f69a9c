/*
 * diag.h - diagnostics: "PROG: message" and "PROG: FILE:LINE: message" on
 * stderr, lowercase, no full stop, and the short quoted excerpt of bad
 * input that goes with them.  Owns nothing but the program name.
 * diag depends on no other module, so every module may use it.
 */
#ifndef DIAG_H
#define DIAG_H

#include <stddef.h>
#include <stdint.h>

extern const char *diag_prog;

/* Take the program name from argv[0], less any directory. */
void diag_init(const char *argv0);
void diag_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void diag_at(const char *file, uintmax_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print "PROG: message" and exit with status. */
void diag_fatal(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * Quote at most DIAG_EXCERPT bytes of p[0..n) into dst (size
 * DIAG_EXCERPT_SIZE) as 'text', with control and non-ASCII bytes as \xHH
 * and "..." when cut, so that a message never carries raw binary.
 */
#define DIAG_EXCERPT 40
#define DIAG_EXCERPT_SIZE (DIAG_EXCERPT * 4 + 8)
const char *diag_excerpt(char *dst, const char *p, size_t n);

#endif
