/*
 * check.h - the smallest unit-test harness: CHECK macros that count, and
 * check_done() that prints "N passed, N failed" and gives the exit status.
 * Each failure prints its file, line and the failed expression.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
	if (cond) check_passed++; \
	else { check_failed++; \
		fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_INT(got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ == w_) check_passed++; \
	else { check_failed++; \
		fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", \
		    __FILE__, __LINE__, #got, g_, w_); } \
} while (0)

/* got is (ptr, len); want is a C string. */
#define CHECK_MEM(gotp, gotn, want) do { \
	const char *gp_ = (gotp), *w_ = (want); size_t gn_ = (gotn); \
	if (gp_ && gn_ == strlen(w_) && memcmp(gp_, w_, gn_) == 0) check_passed++; \
	else { check_failed++; \
		fprintf(stderr, "%s:%d: %s is '%.*s', want '%s'\n", __FILE__, \
		    __LINE__, #gotp, gp_ ? (int)gn_ : 6, gp_ ? gp_ : "(null)", w_); } \
} while (0)

#define CHECK_STR(got, want) do { \
	const char *gs_ = (got); \
	CHECK_MEM(gs_, gs_ ? strlen(gs_) : 0, (want)); \
} while (0)

static int
check_done(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
	return check_failed != 0;
}

#endif
