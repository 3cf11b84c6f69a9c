/*
 * summary_test.c - a summary's figures: count and sum of every value,
 * the sketch's sample of the first 1024 and then one in 16.
 */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "summary.h"

static const struct {
	int n;			/* values 1, 2 ... n added */
	uint64_t sketched;	/* how many the sketch took */
	double max;		/* the largest it took */
} cases[] = {
	{ 0, 0, NAN }, { 1, 1, 1 }, { 1024, 1024, 1024 },
	{ 1025, 1024, 1024 }, { 1039, 1024, 1024 }, { 1040, 1025, 1040 },
	{ 1056, 1026, 1056 }, { 5000, 1272, 4992 },
};

int
main(void)
{
	size_t c;
	int i;

	for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct summary *s = summary_new(1);

		for (i = 1; i <= cases[c].n; i++)
			summary_add(s, i);
		CHECK_INT(s->count, cases[c].n);
		CHECK(s->sum == (double)cases[c].n * (cases[c].n + 1) / 2);
		CHECK_INT(qsketch_count(s->q), cases[c].sketched);
		if (cases[c].n > 0) {
			CHECK(qsketch_quantile(s->q, 0) == 1);
			CHECK(qsketch_quantile(s->q, 1) == cases[c].max);
		}
		summary_free(s);
	}
	summary_free(NULL);
	return check_done("summary");
}
