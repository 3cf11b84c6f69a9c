/*
 * count.h - the one parser of counts: the N of an option (-P 4,
 * --max-groups 1000000, --part 3, --max-line-bytes 64k), of a trigger
 * (count(100)) and of a shard spec (host:4).  Plain decimal digits: no
 * sign, no blanks, no base prefix, no locale; checked against a range
 * without overflow.  Owns nothing.
 */
#ifndef COUNT_H
#define COUNT_H

#include <stdint.h>

enum {
	COUNT_OK = 0,
	COUNT_BAD = -1,		/* not digits, or nothing */
	COUNT_RANGE = -2	/* digits, but outside [min, max] */
};

/* The count s spells, into *v when it is in [min, max]. */
int count_parse(const char *s, uint64_t min, uint64_t max, uint64_t *v);
/* A size: a count with an optional k, m or g (KiB, MiB, GiB) after it,
 * at most max. */
int count_parse_size(const char *s, uint64_t max, uint64_t *v);

#endif
