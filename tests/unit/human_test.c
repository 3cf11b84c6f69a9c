/*
 * human_test.c - figures for people: three significant digits, the unit
 * that keeps them below 1000 once rounded, durations from us to days.
 */
#include <math.h>

#include "check.h"
#include "human.h"

static const struct {
	double v;
	const char *count, *bytes;
} sizes[] = {
	{ 0, "0", "0 B" }, { 4, "4", "4 B" }, { 0.25, "0.25", "0.25 B" },
	{ 42.5, "42.5", "42.5 B" }, { 950, "950", "950 B" },
	{ 999.4, "999", "999 B" }, { 999.5, "1k", "1 kB" },
	{ 1234, "1.23k", "1.23 kB" }, { 12345, "12.3k", "12.3 kB" },
	{ 123456, "123k", "123 kB" }, { 999999, "1M", "1 MB" },
	{ 1.25e6, "1.25M", "1.25 MB" }, { 333e6, "333M", "333 MB" },
	{ 2.5e9, "2.5G", "2.5 GB" }, { 7e12, "7T", "7 TB" },
	{ 3e15, "3P", "3 PB" }, { 2e18, "2000P", "2000 PB" },
};

static const struct {
	double secs;
	const char *text;
} durations[] = {
	{ 0, "0 us" }, { 850e-6, "850 us" }, { 0.5e-6, "0.5 us" },
	{ 0.0009996, "1 ms" }, { 0.0452, "45.2 ms" }, { 0.05, "50 ms" },
	{ 0.9996, "1 s" }, { 1.234, "1.23 s" }, { 12.34, "12.3 s" },
	{ 59.9, "59.9 s" }, { 60, "1 min" }, { 150, "2.5 min" },
	{ 3600, "1 h" }, { 11160, "3.1 h" }, { 86400, "1 d" },
	{ 178848, "2.07 d" }, { 1795514400, "20781 d" },
	{ -0.0452, "-45.2 ms" }, { -90, "-1.5 min" }, { NAN, "?" },
};

int
main(void)
{
	char s[HUMAN_MAX];
	size_t i;

	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		CHECK_STR(human_count(sizes[i].v, s), sizes[i].count);
		CHECK_STR(human_bytes(sizes[i].v, s), sizes[i].bytes);
	}
	for (i = 0; i < sizeof durations / sizeof durations[0]; i++)
		CHECK_STR(human_seconds(durations[i].secs, s),
		    durations[i].text);
	return check_done("human");
}
