/*
 * sketch.c - the text forms' numbers and cursor (see sketch.h).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sketch.h"

static void
sketch_blanks(struct sketch_scan *s)
{
	while (s->p < s->e && (*s->p == ' ' || *s->p == '\t'))
		s->p++;
}

int
sketch_accept(struct sketch_scan *s, char c)
{
	sketch_blanks(s);
	if (s->p < s->e && *s->p == c) {
		s->p++;
		return 1;
	}
	return 0;
}

int
sketch_expect(struct sketch_scan *s, char c)
{
	if (sketch_accept(s, c))
		return 1;
	s->bad = 1;
	return 0;
}

int
sketch_key(struct sketch_scan *s, const char *name)
{
	size_t n = strlen(name);

	sketch_blanks(s);
	if (s->e - s->p >= (ptrdiff_t)n + 3 && s->p[0] == '"' &&
	    memcmp(s->p + 1, name, n) == 0 && s->p[n + 1] == '"') {
		s->p += n + 2;
		return sketch_expect(s, ':');
	}
	return 0;
}

uint64_t
sketch_get_u64(struct sketch_scan *s)
{
	uint64_t v = 0;
	const char *q;

	sketch_blanks(s);
	for (q = s->p; q < s->e && *q >= '0' && *q <= '9'; q++) {
		if (v > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
			s->bad = 1;
		v = v * 10 + (uint64_t)(*q - '0');
	}
	if (q == s->p || q - s->p > 20)
		s->bad = 1;
	s->p = q;
	return v;
}

int64_t
sketch_get_i64(struct sketch_scan *s)
{
	int neg = sketch_accept(s, '-');
	uint64_t v = sketch_get_u64(s);

	if (v > (uint64_t)INT64_MAX)
		s->bad = 1;
	return neg ? -(int64_t)v : (int64_t)v;
}

double
sketch_get_double(struct sketch_scan *s)
{
	char tmp[64], *end;
	const char *q;
	size_t n;
	double d;

	sketch_blanks(s);
	for (q = s->p; q < s->e && *q && strchr("0123456789+-.eE", *q); q++)
		;
	n = (size_t)(q - s->p);
	if (n == 0 || n >= sizeof tmp) {
		s->bad = 1;
		return 0;
	}
	memcpy(tmp, s->p, n);
	tmp[n] = '\0';
	d = strtod(tmp, &end);
	if (*end != '\0' || !isfinite(d))
		s->bad = 1;
	s->p = q;
	return d;
}

const char *
sketch_get_string(struct sketch_scan *s, size_t *n)
{
	const char *q, *start;

	if (!sketch_expect(s, '"'))
		return NULL;
	for (start = q = s->p; q < s->e && *q != '"' && *q != '\\'; q++)
		;
	if (q == s->e || *q != '"') {
		s->bad = 1;
		return NULL;
	}
	*n = (size_t)(q - start);
	s->p = q + 1;
	return start;
}

int
sketch_scan_end(struct sketch_scan *s)
{
	sketch_blanks(s);
	return !s->bad && s->p == s->e;
}

void
sketch_put_u64(struct buf *b, uint64_t v)
{
	char s[24], *q = s + sizeof s;

	do
		*--q = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	buf_add(b, q, (size_t)(s + sizeof s - q));
}

void
sketch_put_double(struct buf *b, double d)
{
	char s[40];
	int n;

	/* the shortest text that reads back as d */
	for (n = 15; n <= 17; n++) {
		snprintf(s, sizeof s, "%.*g", n, d);
		if (strtod(s, NULL) == d)
			break;
	}
	buf_addstr(b, s);
}
