/*
 * count.c - counts in options and expressions.
 */
#include "count.h"

/* The digits at *s, moved past; COUNT_RANGE past UINT64_MAX. */
static int
digits(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t n = 0;
	int over = 0;

	if (*p < '0' || *p > '9')
		return COUNT_BAD;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (n > (UINT64_MAX - d) / 10)
			over = 1;
		else
			n = n * 10 + d;
	}
	*s = p;
	*v = n;
	return over ? COUNT_RANGE : COUNT_OK;
}

int
count_parse(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	uint64_t n;
	int rc = digits(&s, &n);

	if (rc == COUNT_BAD || *s != '\0')
		return COUNT_BAD;
	if (rc == COUNT_RANGE || n < min || n > max)
		return COUNT_RANGE;
	*v = n;
	return COUNT_OK;
}

int
count_parse_size(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t n;
	int shift = 0, rc = digits(&s, &n);

	if (rc == COUNT_BAD)
		return COUNT_BAD;
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	}
	if (*s != '\0')
		return COUNT_BAD;
	if (rc == COUNT_RANGE || n > (max >> shift))
		return COUNT_RANGE;
	*v = n << shift;
	return COUNT_OK;
}
