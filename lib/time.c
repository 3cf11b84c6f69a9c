/*
 * time.c - event time and the calendar: civil dates to days and back,
 * and RFC 3339 text (see time.h).
 */
#include <stdio.h>

#include "time.h"

int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe, mp;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;
	doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}


static char *
put_digits(char *d, unsigned v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--, v /= 10)
		d[i] = (char)('0' + v % 10);
	return d + width;
}

size_t
time_format_rfc3339(evtime t, char *dst)
{
	int64_t days = t / US_PER_DAY, us = t % US_PER_DAY, y;
	unsigned m, d, s;
	char *p = dst;
	int n;

	/* Floor, so that times before 1970 count down from midnight. */
	if (us < 0) {
		days--;
		us += US_PER_DAY;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		n = snprintf(dst, TIME_RFC3339_MAX,
		    "%s%04lld-%02u-%02uT", y < 0 ? "-" : "",
		    (long long)(y < 0 ? -y : y), m, d);
		p += n < 0 ? 0 : n;
	} else {
		p = put_digits(p, (unsigned)y, 4);
		*p++ = '-';
		p = put_digits(p, m, 2);
		*p++ = '-';
		p = put_digits(p, d, 2);
		*p++ = 'T';
	}
	s = (unsigned)(us / US_PER_SEC);
	p = put_digits(p, s / 3600, 2);
	*p++ = ':';
	p = put_digits(p, s / 60 % 60, 2);
	*p++ = ':';
	p = put_digits(p, s % 60, 2);
	*p++ = '.';
	p = put_digits(p, (unsigned)(us / 1000 % 1000), 3);
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - dst);
}
