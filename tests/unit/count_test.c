/*
 * count_test.c - the one count parser: digits only, ranges, overflow,
 * and size suffixes.
 */
#include <stdint.h>

#include "check.h"
#include "count.h"

static const struct {
	const char *s;
	uint64_t min, max;
	int rc;
	uint64_t v;
} counts[] = {
	{ "0", 0, 10, COUNT_OK, 0 },
	{ "7", 1, 10, COUNT_OK, 7 },
	{ "10", 1, 10, COUNT_OK, 10 },
	{ "007", 0, 10, COUNT_OK, 7 },
	{ "11", 1, 10, COUNT_RANGE, 0 },
	{ "0", 1, 10, COUNT_RANGE, 0 },
	{ "18446744073709551615", 0, UINT64_MAX, COUNT_OK, UINT64_MAX },
	{ "18446744073709551616", 0, UINT64_MAX, COUNT_RANGE, 0 },
	{ "99999999999999999999999", 0, UINT64_MAX, COUNT_RANGE, 0 },
	{ "9223372036854775808", 0, INT64_MAX, COUNT_RANGE, 0 },
	{ "", 0, 10, COUNT_BAD, 0 },
	{ "-1", 0, 10, COUNT_BAD, 0 },
	{ "+1", 0, 10, COUNT_BAD, 0 },
	{ " 1", 0, 10, COUNT_BAD, 0 },
	{ "1 ", 0, 10, COUNT_BAD, 0 },
	{ "1x", 0, 10, COUNT_BAD, 0 },
	{ "0x10", 0, 100, COUNT_BAD, 0 },
	{ "1e3", 0, 10000, COUNT_BAD, 0 },
	{ "1.0", 0, 10, COUNT_BAD, 0 },
	{ "99999999999999999999x", 0, UINT64_MAX, COUNT_BAD, 0 },
};

static const struct {
	const char *s;
	uint64_t max;
	int rc;
	uint64_t v;
} sizes[] = {
	{ "100", 1000, COUNT_OK, 100 },
	{ "64k", UINT64_MAX, COUNT_OK, 65536 },
	{ "64K", UINT64_MAX, COUNT_OK, 65536 },
	{ "2m", UINT64_MAX, COUNT_OK, 2097152 },
	{ "1G", UINT64_MAX, COUNT_OK, 1073741824 },
	{ "1k", 1023, COUNT_RANGE, 0 },
	{ "1k", 1024, COUNT_OK, 1024 },
	{ "17179869184g", UINT64_MAX, COUNT_RANGE, 0 },
	{ "k", UINT64_MAX, COUNT_BAD, 0 },
	{ "1kb", UINT64_MAX, COUNT_BAD, 0 },
	{ "1t", UINT64_MAX, COUNT_BAD, 0 },
	{ "-1k", UINT64_MAX, COUNT_BAD, 0 },
	{ "", UINT64_MAX, COUNT_BAD, 0 },
};

int
main(void)
{
	size_t i;

	for (i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		uint64_t v = 12345;
		int rc = count_parse(counts[i].s, counts[i].min, counts[i].max,
		    &v);

		CHECK_INT(rc, counts[i].rc);
		if (rc == COUNT_OK)
			CHECK(v == counts[i].v);
		else
			CHECK(v == 12345);	/* untouched */
	}
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		uint64_t v = 12345;
		int rc = count_parse_size(sizes[i].s, sizes[i].max, &v);

		CHECK_INT(rc, sizes[i].rc);
		if (rc == COUNT_OK)
			CHECK(v == sizes[i].v);
		else
			CHECK(v == 12345);
	}
	return check_done("count_test");
}
