/*
 * fsum_test.c - exact sums: correct rounding, order independence, the
 * state text and its parser.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fsum.h"

static double
sum_of(const double *x, size_t n)
{
	struct fsum s = FSUM_INIT;
	double v;
	size_t i;

	for (i = 0; i < n; i++)
		fsum_add(&s, x[i]);
	v = fsum_value(&s);
	fsum_release(&s);
	return v;
}

static void
test_rounding(void)
{
	static const double tenth[10] = { 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1,
	    0.1, 0.1, 0.1 };
	double a[4];

	CHECK(sum_of(tenth, 10) == 1.0);
	a[0] = 1e100, a[1] = 1.0, a[2] = -1e100;
	CHECK(sum_of(a, 3) == 1.0);
	a[0] = 9007199254740992.0, a[1] = 1.0;		/* 2^53 + 1: ties to even */
	CHECK(sum_of(a, 2) == 9007199254740992.0);
	a[1] = 3.0;					/* 2^53 + 3 */
	CHECK(sum_of(a, 2) == 9007199254740996.0);
	a[0] = 1.0, a[1] = DBL_EPSILON / 2, a[2] = DBL_EPSILON / 4;	/* just above half */
	CHECK(sum_of(a, 3) == 1.0 + DBL_EPSILON);
	a[0] = 4.9406564584124654e-324, a[1] = 4.9406564584124654e-324;
	CHECK(sum_of(a, 2) == 9.8813129168249309e-324);
	a[0] = DBL_MIN, a[1] = -4.9406564584124654e-324;	/* into subnormals */
	CHECK(sum_of(a, 2) == DBL_MIN - 4.9406564584124654e-324);
	a[0] = DBL_MAX, a[1] = DBL_MAX;
	CHECK(isinf(sum_of(a, 2)) && sum_of(a, 2) > 0);
	a[0] = -DBL_MAX, a[1] = -DBL_MAX;
	CHECK(isinf(sum_of(a, 2)) && sum_of(a, 2) < 0);
	a[0] = DBL_MAX, a[1] = -DBL_MAX, a[2] = 0.5;
	CHECK(sum_of(a, 3) == 0.5);
	a[0] = -2.5, a[1] = 1.25;
	CHECK(sum_of(a, 2) == -1.25);
	CHECK(sum_of(a, 0) == 0);
	a[0] = 0.3, a[1] = -0.1, a[2] = -0.2;	/* not 0 in doubles: the exact sum */
	CHECK(sum_of(a, 3) == -2.7755575615628914e-17);
}

static void
test_ints(void)
{
	struct fsum s = FSUM_INIT;

	fsum_add_int(&s, INT64_MAX);
	fsum_add(&s, 1.0);
	CHECK(fsum_value(&s) == 9223372036854775808.0);
	fsum_add_int(&s, INT64_MIN);
	CHECK(fsum_value(&s) == 0);
	CHECK(fsum_is_zero(&s));
	fsum_add_int(&s, -3);
	CHECK(fsum_value(&s) == -3);
	CHECK(!fsum_is_zero(&s));
	fsum_release(&s);
}

/* The same values in another order, in pieces merged in another order,
 * give the same state text and the same double. */
static void
test_order(void)
{
	enum { N = 5000 };
	static double x[N];
	struct fsum all = FSUM_INIT, part[7], merged = FSUM_INIT;
	struct buf a = BUF_INIT, b = BUF_INIT;
	unsigned seed = 7;
	int i;

	for (i = 0; i < N; i++) {
		seed = seed * 1103515245 + 12345;
		x[i] = ldexp((double)(seed >> 8) - 8388608.0, (int)(seed % 200) - 100);
		fsum_add(&all, x[i]);
	}
	for (i = 0; i < 7; i++)
		part[i] = (struct fsum)FSUM_INIT;
	for (i = N - 1; i >= 0; i--)
		fsum_add(&part[(i * 31) % 7], x[i]);
	for (i = 6; i >= 0; i--) {
		fsum_merge(&merged, &part[i]);
		fsum_release(&part[i]);
	}
	fsum_write(&a, &all);
	fsum_write(&b, &merged);
	CHECK_MEM(a.data, a.len, b.data);
	CHECK(fsum_value(&all) == fsum_value(&merged));
	buf_release(&a);
	buf_release(&b);
	fsum_release(&all);
	fsum_release(&merged);
}

static void
test_text(void)
{
	static const char *const bad[] = { "", ":", "1:", ":00000001", "x:00000001",
	    "1:0000001", "1:0000000g", "81:00000001", "-1:00000001",
	    "70:000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
	    "1:00000001:" };
	struct fsum s = FSUM_INIT, t;
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t i;

	fsum_write(&a, &s);
	CHECK_STR(a.data, "0");
	CHECK_INT(fsum_parse(&t, "0", 1), 0);
	CHECK(fsum_is_zero(&t));
	fsum_release(&t);
	fsum_add(&s, 1.0);
	buf_reset(&a);
	fsum_write(&a, &s);
	CHECK_STR(a.data, "33:00040000");	/* 2^1074 = 2^18 at place 33 */
	fsum_add(&s, -3.0);
	buf_reset(&a);
	fsum_write(&a, &s);
	CHECK_STR(a.data, "33:fff80000");
	CHECK_INT(fsum_parse(&t, a.data, a.len), 0);
	CHECK(fsum_value(&t) == -2.0);
	fsum_write(&b, &t);
	CHECK_MEM(b.data, b.len, a.data);
	fsum_release(&t);
	fsum_add(&s, 0.1);
	buf_reset(&a);
	buf_reset(&b);
	fsum_write(&a, &s);
	CHECK_INT(fsum_parse(&t, a.data, a.len), 0);
	fsum_write(&b, &t);
	CHECK_MEM(b.data, b.len, a.data);
	CHECK(fsum_value(&t) == fsum_value(&s));
	fsum_release(&t);
	/* zero limbs are zero, written as such (the fuzzer's leak) */
	CHECK_INT(fsum_parse(&t, "33:00000000", 11), 0);
	buf_reset(&b);
	fsum_write(&b, &t);
	CHECK_STR(b.data, "0");
	CHECK(fsum_is_zero(&t));
	fsum_release(&t);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = fsum_parse(&t, bad[i], strlen(bad[i]));

		CHECK_INT(rc, -1);
		if (rc == 0)
			fsum_release(&t);
	}
	fsum_release(&s);
	buf_release(&a);
	buf_release(&b);
}

int
main(void)
{
	test_rounding();
	test_ints();
	test_order();
	test_text();
	return check_done("fsum");
}
