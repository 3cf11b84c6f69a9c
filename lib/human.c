/*
 * human.c - figures for people (see human.h).
 */
#include <math.h>
#include <stdio.h>

#include "human.h"

/* v in the first of units[0..n) (each 1000 times the one before) that
 * keeps it below 1000 once rounded, sep between number and unit. */
static char *
scaled(double v, const char *const *units, int n, const char *sep, char *s)
{
	int i = 0;

	while (fabs(v) >= 999.5 && i < n - 1) {
		v /= 1000;
		i++;
	}
	snprintf(s, HUMAN_MAX, fabs(v) >= 999.5 ? "%.0f%s%s" : "%.3g%s%s", v,
	    sep, units[i]);
	return s;
}

char *
human_count(double n, char *s)
{
	static const char *const units[] = { "", "k", "M", "G", "T", "P" };

	return scaled(n, units, 6, "", s);
}

char *
human_bytes(double n, char *s)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB",
	    "PB" };

	return scaled(n, units, 6, " ", s);
}

char *
human_seconds(double secs, char *s)
{
	static const char *const small[] = { "us", "ms", "s" };
	double a = fabs(secs);

	if (secs < 0) {
		s[0] = '-';
		human_seconds(-secs, s + 1);
		return s;
	}
	if (isnan(secs))
		snprintf(s, HUMAN_MAX, "?");
	else if (a < 60)
		scaled(a * 1e6, small, 3, " ", s);
	else if (a < 3600)
		snprintf(s, HUMAN_MAX, "%.3g min", a / 60);
	else if (a < 86400)
		snprintf(s, HUMAN_MAX, "%.3g h", a / 3600);
	else
		snprintf(s, HUMAN_MAX, a / 86400 >= 999.5 ? "%.0f d" : "%.3g d",
		    a / 86400);
	return s;
}
