/*
 * timefmt.c - reading time text: timestamps in the formats of
 * --time-format, and durations (see timefmt.h).
 *
 * Contract, beyond timefmt.h:
 * - All parsing is exact integer arithmetic on the text; no double, no
 *   locale, no mktime/timegm/strptime/TZ.  Results outside int64
 *   microseconds, or civil fields out of range, are errors.
 * - Civil times: years 0000-9999, month 1-12, day within the month,
 *   hour 0-23, minute 0-59, second 0-60.  A leap second :60 reads as
 *   :59.999999 of the same minute; its fraction, if any, is ignored.
 *   Fractions are 1-9 digits, truncated to the microsecond.
 * - RFC 3339: YYYY-MM-DD[(T|t| )HH:MM:SS[.frac][Z|z|+-HH:MM|+-HHMM|+-HH]];
 *   no offset means UTC, a date alone is midnight UTC; offsets <= 23:59.
 * - Epoch numbers: [-]digits[.digits], any number of digits, the exact
 *   value rounded toward negative infinity to the microsecond (so
 *   "-0.0000001" is -1 us).  Auto picks the unit from the integer part:
 *   < 1e11 s, < 1e14 ms, < 1e17 us, else ns.
 * - CLF: DD/Mon/YYYY:HH:MM:SS +-HHMM, month in any case.
 * - Syslog: Mon D HH:MM:SS[.frac], day 1-2 digits or space-padded; the
 *   year of tf->now, or the year before if that date is invalid (Feb 29)
 *   or more than 31 days after tf->now.  UTC.
 * - Patterns: see conv().  %H %M %S %I %m %d take 1-2 digits, %j 1-3,
 *   %Y 4, %y 2.  %j overrides %m/%d; %p only affects %I (%I without %p
 *   is AM); %s overrides the other fields, and a %f then extends it as
 *   one decimal number ("-1" "5" is -1.5 s).  %Z accepts UTC, GMT or Z
 *   in any case.  Input must be consumed entirely.
 * - Durations: [digits[.digits] unit]..., exact, finer digits truncated.
 */
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>	/* the system's: lib/ is an -iquote directory */

#include "buf.h"
#include "timefmt.h"


struct in {
	const char	*p;
	const char	*e;
};

struct civil {
	int		 year, mon, day, hour, min, sec;
	int64_t		 us;
	int		 off;		/* seconds east of UTC */
};

/* A decimal number as slices of the text: ip[0..ni) . fp[0..nf). */
struct decimal {
	const char	*ip, *fp;
	int64_t		 ni, nf;
	int		 neg;
};

/* Fields gathered by a pattern before they are combined. */
struct fields {
	struct civil	 c;
	int		 yday;		/* 0: no %j */
	int		 hour12;	/* -1: no %I */
	int		 pm;
	int		 epoch;		/* %s seen */
	int		 eneg;
	int64_t		 esec;
};

static const char *const months[] = {
	"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"
};

static const char *const wdays[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};

static const struct {
	const char	*name;
	int		 kind;
} fmtnames[] = {
	{ "auto", TIMEFMT_AUTO },
	{ "rfc3339", TIMEFMT_RFC3339 },
	{ "iso8601", TIMEFMT_RFC3339 },
	{ "epoch", TIMEFMT_EPOCH },
	{ "epoch-ms", TIMEFMT_EPOCH_MS },
	{ "epoch-us", TIMEFMT_EPOCH_US },
	{ "epoch-ns", TIMEFMT_EPOCH_NS },
	{ "clf", TIMEFMT_CLF },
	{ "syslog", TIMEFMT_SYSLOG }
};

/* Units as c * 10^e microseconds, two-letter names before one-letter. */
static const struct {
	const char	*name;
	uint64_t	 c;
	int		 e;
} units[] = {
	{ "us", 1, 0 }, { "ms", 1, 3 }, { "s", 1, 6 }, { "m", 6, 7 },
	{ "h", 36, 8 }, { "d", 864, 8 }, { "w", 6048, 8 }
};

static const char convs[] = "YmdeHIMSfybhBaAjpzZsTDFRnt%";


static int
leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int
mdays(int64_t y, int m)
{
	static const int n[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return n[m - 1] + (m == 2 && leap(y));
}

static int
civil_time(const struct civil *c, evtime *t)
{
	int64_t s, us = c->us;
	int sec = c->sec;

	if (c->year < 0 || c->year > 9999 || c->mon < 1 || c->mon > 12 ||
	    c->day < 1 || c->day > mdays(c->year, c->mon) || c->hour < 0 ||
	    c->hour > 23 || c->min < 0 || c->min > 59 || sec < 0 || sec > 60)
		return -1;
	/* Keep a leap second inside its minute, and so inside its day. */
	if (sec == 60) {
		sec = 59;
		us = US_PER_SEC - 1;
	}
	s = days_from_civil(c->year, c->mon, c->day) * 86400 +
	    c->hour * 3600 + c->min * 60 + sec - c->off;
	*t = s * US_PER_SEC + us;
	return 0;
}

static int
isdig(int c)
{
	return c >= '0' && c <= '9';
}

static int
isspc(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
eat(struct in *in, int c)
{
	if (in->p == in->e || *in->p != c)
		return 0;
	in->p++;
	return 1;
}

static void
skipspace(struct in *in)
{
	while (in->p < in->e && isspc((unsigned char)*in->p))
		in->p++;
}

/* Read min to max (at most 9) digits. */
static int
num(struct in *in, int min, int max, int *v)
{
	int n;

	*v = 0;
	for (n = 0; n < max && in->p < in->e && isdig(*in->p); n++)
		*v = *v * 10 + (*in->p++ - '0');
	return n >= min ? 0 : -1;
}

/* A fraction of 1-9 digits, truncated to microseconds. */
static int
frac(struct in *in, int64_t *us)
{
	int n;

	*us = 0;
	for (n = 0; n < 9 && in->p < in->e && isdig(*in->p); n++, in->p++)
		if (n < 6)
			*us = *us * 10 + (*in->p - '0');
	if (n == 0)
		return -1;
	for (; n < 6; n++)
		*us *= 10;
	return 0;
}

/* Consume s[0..n) in any case. */
static int
prefix(struct in *in, const char *s, size_t n)
{
	size_t i;

	if ((size_t)(in->e - in->p) < n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)in->p[i]) !=
		    lower((unsigned char)s[i]))
			return 0;
	in->p += n;
	return 1;
}

/* An English name from tab, in full if full, or its first 3 letters. */
static int
name(struct in *in, const char *const *tab, int n, int full)
{
	int i;

	for (i = 0; i < n; i++)
		if ((full && prefix(in, tab[i], strlen(tab[i]))) ||
		    prefix(in, tab[i], 3))
			return i;
	return -1;
}

static int
month(struct in *in, int full, int *mon)
{
	*mon = name(in, months, 12, full) + 1;
	return *mon > 0 ? 0 : -1;
}

static int
hms(struct in *in, struct civil *c)
{
	if (num(in, 2, 2, &c->hour) == -1 || !eat(in, ':') ||
	    num(in, 2, 2, &c->min) == -1 || !eat(in, ':') ||
	    num(in, 2, 2, &c->sec) == -1)
		return -1;
	return 0;
}

/* Z, +-HH:MM, +-HHMM or +-HH; CLF wants exactly +-HHMM. */
static int
zone(struct in *in, int clf, int *off)
{
	int sign, h, m = 0;

	if (!clf && (eat(in, 'Z') || eat(in, 'z'))) {
		*off = 0;
		return 0;
	}
	if (eat(in, '+'))
		sign = 1;
	else if (eat(in, '-'))
		sign = -1;
	else
		return -1;
	if (num(in, 2, 2, &h) == -1)
		return -1;
	if (clf || (in->p < in->e && isdig(*in->p))) {
		if (num(in, 2, 2, &m) == -1)
			return -1;
	} else if (eat(in, ':') && num(in, 2, 2, &m) == -1)
		return -1;
	if (h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600 + m * 60);
	return 0;
}

/* [-]digits[.digits], the '-' only if sign. */
static int
decimal(struct in *in, struct decimal *x, int sign)
{
	x->neg = sign && eat(in, '-');
	for (x->ip = in->p; in->p < in->e && isdig(*in->p); in->p++)
		;
	x->ni = in->p - x->ip;
	x->fp = in->p;
	x->nf = 0;
	if (x->ni == 0)
		return -1;
	if (!eat(in, '.'))
		return 0;
	for (x->fp = in->p; in->p < in->e && isdig(*in->p); in->p++)
		;
	x->nf = in->p - x->fp;
	return x->nf > 0 ? 0 : -1;
}

static uint64_t
digit(const struct decimal *x, int64_t i)
{
	if (i >= 0 && i < x->ni)
		return x->ip[i] - '0';
	if (i >= x->ni && i < x->ni + x->nf)
		return x->fp[i - x->ni] - '0';
	return 0;
}

/*
 * Set *v to floor(|x| * c * 10^k), failing past max, and *inexact when
 * the floor dropped something.  The integer part shifts digit by digit;
 * the rest is multiplied by c from its last digit, so that any number of
 * digits converts exactly.
 */
static int
scale(const struct decimal *x, int k, uint64_t c, uint64_t max, uint64_t *v,
    int *inexact)
{
	int64_t i, np = x->ni + k;
	uint64_t d, carry = 0, u = 0;	/* u, not *v: no store a digit */

	*inexact = 0;
	for (i = 0; i < np; i++) {
		d = digit(x, i);
		/* 18 digits cannot wrap: the one test after the loop holds
		 * for them (u only grows), and spares a division a digit */
		if (i >= 18 && u > (max - d) / 10)
			return -1;
		u = u * 10 + d;
	}
	if (u > max)
		return -1;
	for (i = x->ni + x->nf - 1; i >= np; i--) {
		carry += digit(x, i) * c;
		if (carry % 10 != 0)
			*inexact = 1;
		carry /= 10;
	}
	if (c == 1 ? u > max - carry : u > (max - carry) / c)
		return -1;	/* (c is 1 for epochs: no division) */
	*v = u * c + carry;
	return 0;
}

/* x in units of 10^-k seconds as microseconds, rounded toward -inf. */
static int
epoch_time(const struct decimal *x, int k, evtime *t)
{
	uint64_t m, max = (uint64_t)INT64_MAX + (x->neg != 0);
	int inexact;

	if (scale(x, 6 - k, 1, max, &m, &inexact) == -1)
		return -1;
	if (!x->neg) {
		*t = (evtime)m;
		return 0;
	}
	if (inexact && m++ == max)
		return -1;
	*t = m == 0 ? 0 : -(evtime)(m - 1) - 1;
	return 0;
}

/*
 * The common case, seconds of up to 11 integer digits (so auto reads
 * them as seconds too): floor(x * 10^6) from the digits in one pass.
 */
static int
fast_epoch_seconds(int kind, const struct decimal *x, evtime *t)
{
	uint64_t u = 0;
	int64_t i;

	if ((kind != TIMEFMT_AUTO && kind != TIMEFMT_EPOCH) || x->neg ||
	    x->ni > 11)
		return -1;
	for (i = 0; i < x->ni; i++)
		u = u * 10 + (uint64_t)(x->ip[i] - '0');
	for (i = 0; i < 6; i++)
		u = u * 10 + (i < x->nf ? (uint64_t)(x->fp[i] - '0') : 0);
	*t = (evtime)u;
	return 0;
}

/* Digits after the decimal point of the unit of an epoch number. */
static int
epoch_digits(int kind, const struct decimal *x)
{
	uint64_t v;
	int inexact;

	/* The enum lists s, ms, us, ns in order. */
	if (kind != TIMEFMT_AUTO)
		return 3 * (kind - TIMEFMT_EPOCH);
	if (scale(x, 0, 1, UINT64_MAX, &v, &inexact) == -1)
		return 9;
	if (v < UINT64_C(100000000000))
		return 0;
	if (v < UINT64_C(100000000000000))
		return 3;
	return v < UINT64_C(100000000000000000) ? 6 : 9;
}

static int
parse_rfc3339(struct in *in, evtime *t)
{
	struct civil c = { 0 };

	if (num(in, 4, 4, &c.year) == -1 || !eat(in, '-') ||
	    num(in, 2, 2, &c.mon) == -1 || !eat(in, '-') ||
	    num(in, 2, 2, &c.day) == -1)
		return -1;
	if (in->p < in->e) {
		if (!eat(in, 'T') && !eat(in, 't') && !eat(in, ' '))
			return -1;
		if (hms(in, &c) == -1 ||
		    (eat(in, '.') && frac(in, &c.us) == -1) ||
		    (in->p < in->e && zone(in, 0, &c.off) == -1))
			return -1;
	}
	if (in->p != in->e)
		return -1;
	return civil_time(&c, t);
}

static int
digits2(const char *p, int *v)
{
	if (!isdig(p[0]) || !isdig(p[1]))
		return -1;
	*v = (p[0] - '0') * 10 + (p[1] - '0');
	return 0;
}

/* The seconds since the epoch of "YYYY-MM-DDTHH:MM", or -1 (which no
 * minute is). */
static int64_t
minute_of(const char *p)
{
	struct civil c = { 0 };

	if (p[4] != '-' || p[7] != '-' || p[13] != ':' ||
	    (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
	    !isdig(p[0]) || !isdig(p[1]) || !isdig(p[2]) || !isdig(p[3]) ||
	    digits2(p + 5, &c.mon) || digits2(p + 8, &c.day) ||
	    digits2(p + 11, &c.hour) || digits2(p + 14, &c.min))
		return -1;
	c.year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 +
	    (p[2] - '0') * 10 + (p[3] - '0');
	if (c.mon < 1 || c.mon > 12 || c.day < 1 ||
	    c.day > mdays(c.year, c.mon) || c.hour > 23 || c.min > 59)
		return -1;
	return days_from_civil(c.year, (unsigned)c.mon, (unsigned)c.day) *
	    86400 + c.hour * 3600 + c.min * 60;
}

/* What follows "HH:MM:SS" at p[19]: a fraction of up to nine digits
 * (microseconds kept), then "Z" or an offset "+01:00"; 0, or -1 when
 * it is not that. */
static int
fraction_offset(const char *p, size_t n, int64_t *us, int *off)
{
	size_t i = 19;
	int k, oh, om;

	*us = 0;
	if (p[i] == '.') {
		for (k = 0, i++; i < n && k < 9 && isdig(p[i]); i++, k++)
			if (k < 6)
				*us = *us * 10 + (p[i] - '0');
		if (k == 0)
			return -1;
		for (; k < 6; k++)
			*us *= 10;
	}
	if (i + 1 == n && (p[i] == 'Z' || p[i] == 'z'))
		*off = 0;
	else if (i + 6 == n && (p[i] == '+' || p[i] == '-') &&
	    p[i + 3] == ':' && digits2(p + i + 1, &oh) == 0 &&
	    digits2(p + i + 4, &om) == 0 && oh <= 23 && om <= 59)
		*off = (p[i] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	else
		return -1;
	return 0;
}

/*
 * The common shape of RFC 3339, "2026-11-24T10:00:00.123Z" or with an
 * offset "+01:00", without the general parser's steps; the minute of the
 * last time seen is kept, since a log's times share it, and compared as
 * two words.  Milliseconds and "Z", a log's most common ending, are read
 * at their places.  0 and *t, or -1 when the text is not in that shape
 * (the general parser decides then).
 */
static int
fast_rfc3339(const char *p, size_t n, evtime *t)
{
	static uint64_t last[2];
	static int64_t last_minute = -1;
	uint64_t head[2];
	int64_t minute, us;
	int sec, off = 0;

	if (n < 20 || p[16] != ':' || digits2(p + 17, &sec) || sec > 59)
		return -1;
	if (n == 24 && p[19] == '.' && (p[23] == 'Z' || p[23] == 'z') &&
	    isdig(p[20]) && isdig(p[21]) && isdig(p[22]))
		us = ((p[20] - '0') * 100 + (p[21] - '0') * 10 +
		    (p[22] - '0')) * 1000;
	else if (fraction_offset(p, n, &us, &off) < 0)
		return -1;
	/* minutes are multiples of 60: -1 is no minute */
	memcpy(head, p, 16);
	if (last_minute != -1 && head[0] == last[0] && head[1] == last[1])
		minute = last_minute;
	else {
		if ((minute = minute_of(p)) == -1)
			return -1;
		memcpy(last, head, 16);
		last_minute = minute;
	}
	*t = (minute + sec - off) * US_PER_SEC + us;
	return 0;
}

/* An integer of at most 18 digits, the _t of an annotated stream: 0 and
 * *t, or -1 for anything else (the general parser decides then). */
static int
fast_integer(const char *p, size_t n, evtime *t)
{
	int neg = n > 0 && *p == '-';
	int64_t v = 0;
	size_t i;

	if (n - neg == 0 || n - neg > 18)
		return -1;
	for (i = neg; i < n; i++) {
		if (!isdig(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*t = neg ? -v : v;
	return 0;
}

static int
parse_clf(struct in *in, evtime *t)
{
	struct civil c = { 0 };

	if (num(in, 2, 2, &c.day) == -1 || !eat(in, '/') ||
	    month(in, 0, &c.mon) == -1 || !eat(in, '/') ||
	    num(in, 4, 4, &c.year) == -1 || !eat(in, ':') ||
	    hms(in, &c) == -1 || !eat(in, ' ') || zone(in, 1, &c.off) == -1 ||
	    in->p != in->e)
		return -1;
	return civil_time(&c, t);
}

static int
parse_syslog(evtime now, struct in *in, evtime *t)
{
	struct civil c = { 0 };
	int64_t y, days = now / US_PER_DAY - (now % US_PER_DAY < 0);
	unsigned m, d;

	if (month(in, 0, &c.mon) == -1 || !eat(in, ' '))
		return -1;
	if (eat(in, ' ') ? num(in, 1, 1, &c.day) : num(in, 1, 2, &c.day))
		return -1;
	if (!eat(in, ' ') || hms(in, &c) == -1 ||
	    (eat(in, '.') && frac(in, &c.us) == -1) || in->p != in->e)
		return -1;
	civil_from_days(days, &y, &m, &d);
	c.year = (int)y;
	/* A line from late last year, read early this year. */
	if (civil_time(&c, t) == 0 &&
	    (now > EVTIME_MAX - 31 * US_PER_DAY || *t <= now + 31 * US_PER_DAY))
		return 0;
	c.year--;
	return civil_time(&c, t);
}

static int
match(const char *pat, struct in *in, struct fields *f);

static int
conv_epoch(struct in *in, struct fields *f)
{
	int64_t d;
	const char *s;

	f->epoch = 1;
	f->eneg = eat(in, '-');
	f->esec = 0;
	for (s = in->p; in->p < in->e && isdig(*in->p); in->p++) {
		d = *in->p - '0';
		if (f->esec > (INT64_MAX / US_PER_SEC - d) / 10)
			return -1;
		f->esec = f->esec * 10 + d;
	}
	return in->p > s ? 0 : -1;
}

static int
conv(int c, struct in *in, struct fields *f)
{
	int v;

	switch (c) {
	case 'Y':
		return num(in, 4, 4, &f->c.year);
	case 'y':
		if (num(in, 2, 2, &v) == -1)
			return -1;
		f->c.year = v < 69 ? 2000 + v : 1900 + v;
		return 0;
	case 'm':
		return num(in, 1, 2, &f->c.mon);
	case 'd':
		return num(in, 1, 2, &f->c.day);
	case 'e':
		eat(in, ' ');
		return num(in, 1, 2, &f->c.day);
	case 'j':
		return num(in, 1, 3, &f->yday) == -1 || f->yday == 0 ? -1 : 0;
	case 'H':
		return num(in, 1, 2, &f->c.hour);
	case 'I':
		return num(in, 1, 2, &f->hour12);
	case 'M':
		return num(in, 1, 2, &f->c.min);
	case 'S':
		return num(in, 1, 2, &f->c.sec);
	case 'f':
		return frac(in, &f->c.us);
	case 'b':
	case 'h':
	case 'B':
		return month(in, 1, &f->c.mon);
	case 'a':
	case 'A':
		return name(in, wdays, 7, 1) == -1 ? -1 : 0;
	case 'p':
		f->pm = prefix(in, "PM", 2);
		return f->pm || prefix(in, "AM", 2) ? 0 : -1;
	case 'z':
		return zone(in, 0, &f->c.off);
	case 'Z':
		return (prefix(in, "UTC", 3) || prefix(in, "GMT", 3) ||
		    prefix(in, "Z", 1)) ? 0 : -1;
	case 's':
		return conv_epoch(in, f);
	case 'T':
		return match("%H:%M:%S", in, f);
	case 'D':
		return match("%m/%d/%y", in, f);
	case 'F':
		return match("%Y-%m-%d", in, f);
	case 'R':
		return match("%H:%M", in, f);
	case 'n':
	case 't':
		skipspace(in);
		return 0;
	case '%':
		return eat(in, '%') ? 0 : -1;
	}
	return -1;
}

static int
match(const char *pat, struct in *in, struct fields *f)
{
	for (; *pat != '\0'; pat++) {
		if (isspc((unsigned char)*pat))
			skipspace(in);
		else if (*pat != '%') {
			if (!eat(in, *pat))
				return -1;
		} else if (conv(*++pat, in, f) == -1)
			return -1;
	}
	return 0;
}

static int
parse_pattern(const char *pat, struct in *in, evtime *t)
{
	struct fields f = { { 1970, 1, 1, 0, 0, 0, 0, 0 }, 0, -1, 0, 0, 0, 0 };
	int64_t y;
	unsigned m, d;

	if (pat == NULL || match(pat, in, &f) == -1 || in->p != in->e)
		return -1;
	if (f.epoch) {
		if (f.esec > (INT64_MAX - f.c.us) / US_PER_SEC)
			return -1;
		*t = f.esec * US_PER_SEC + f.c.us;
		if (f.eneg)
			*t = -*t;
		return 0;
	}
	if (f.hour12 >= 0) {
		if (f.hour12 < 1 || f.hour12 > 12)
			return -1;
		f.c.hour = f.hour12 % 12 + (f.pm ? 12 : 0);
	}
	if (f.yday > 0) {
		if (f.c.year < 0 || f.c.year > 9999 ||
		    f.yday > 365 + leap(f.c.year))
			return -1;
		civil_from_days(days_from_civil(f.c.year, 1, 1) + f.yday - 1,
		    &y, &m, &d);
		f.c.mon = (int)m;
		f.c.day = (int)d;
	}
	return civil_time(&f.c, t);
}

static int
pattern_ok(const char *p)
{
	for (; *p != '\0'; p++)
		if (*p == '%' && (*++p == '\0' || strchr(convs, *p) == NULL))
			return -1;
	return 0;
}

const char *
timefmt_name(int i)
{
	return i >= 0 && i < (int)(sizeof fmtnames / sizeof fmtnames[0]) ?
	    fmtnames[i].name : "?";
}

int
timefmt_init(struct timefmt *tf, const char *spec, evtime now)
{
	size_t i;

	tf->kind = TIMEFMT_AUTO;
	tf->pattern = NULL;
	tf->now = now;
	if (strchr(spec, '%') != NULL) {
		if (pattern_ok(spec) == -1 ||
		    (tf->pattern = xstrdup(spec)) == NULL)
			return -1;
		tf->kind = TIMEFMT_PATTERN;
		return 0;
	}
	for (i = 0; i < sizeof fmtnames / sizeof fmtnames[0]; i++)
		if (strcmp(spec, fmtnames[i].name) == 0) {
			tf->kind = fmtnames[i].kind;
			return 0;
		}
	return -1;
}

void
timefmt_release(struct timefmt *tf)
{
	free(tf->pattern);
	tf->pattern = NULL;
}

int
time_parse(const struct timefmt *tf, const char *p, size_t n, evtime *t)
{
	struct in in;
	struct decimal x;

	if (n == 0)
		return -1;
	if ((tf->kind == TIMEFMT_AUTO || tf->kind == TIMEFMT_RFC3339) &&
	    fast_rfc3339(p, n, t) == 0)
		return 0;
	if (tf->kind == TIMEFMT_EPOCH_US && fast_integer(p, n, t) == 0)
		return 0;
	in.p = p;
	in.e = p + n;
	switch (tf->kind) {
	case TIMEFMT_AUTO:
	case TIMEFMT_EPOCH:
	case TIMEFMT_EPOCH_MS:
	case TIMEFMT_EPOCH_US:
	case TIMEFMT_EPOCH_NS:
		if (decimal(&in, &x, 1) == 0 && in.p == in.e)
			return fast_epoch_seconds(tf->kind, &x, t) == 0 ? 0 :
			    epoch_time(&x, epoch_digits(tf->kind, &x), t);
		if (tf->kind != TIMEFMT_AUTO)
			return -1;
		in.p = p;
		if (parse_clf(&in, t) == 0)
			return 0;
		in.p = p;
		return parse_rfc3339(&in, t);
	case TIMEFMT_RFC3339:
		return parse_rfc3339(&in, t);
	case TIMEFMT_CLF:
		return parse_clf(&in, t);
	case TIMEFMT_SYSLOG:
		return parse_syslog(tf->now, &in, t);
	case TIMEFMT_PATTERN:
		return parse_pattern(tf->pattern, &in, t);
	}
	return -1;
}


static int
unit(struct in *in)
{
	size_t i, len;

	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		len = strlen(units[i].name);
		if ((size_t)(in->e - in->p) >= len &&
		    memcmp(in->p, units[i].name, len) == 0) {
			in->p += len;
			return (int)i;
		}
	}
	return -1;
}

int
duration_parse(const char *s, int64_t *us)
{
	struct in in;
	struct decimal x;
	uint64_t v, sum = 0;
	int i, inexact;

	if (strcmp(s, "0") == 0) {
		*us = 0;
		return 0;
	}
	in.p = s;
	in.e = s + strlen(s);
	if (in.p == in.e)
		return -1;
	while (in.p < in.e) {
		if (decimal(&in, &x, 0) == -1 || (i = unit(&in)) == -1 ||
		    scale(&x, units[i].e, units[i].c, INT64_MAX - sum, &v,
		    &inexact) == -1)
			return -1;
		sum += v;
	}
	*us = (int64_t)sum;
	return 0;
}

void
duration_format(struct buf *b, int64_t us)
{
	size_t i = sizeof units / sizeof units[0];
	uint64_t unit = 0;

	if (us == 0) {
		buf_addstr(b, "0s");
		return;
	}
	while (i-- > 0) {	/* the largest that divides it */
		int e;

		for (unit = units[i].c, e = 0; e < units[i].e; e++)
			unit *= 10;
		if ((uint64_t)us % unit == 0)
			break;
	}
	buf_addf(b, "%llu%s", (unsigned long long)((uint64_t)us / unit),
	    units[i].name);
}

/* Writing */

static char *
two_digits(char *d, unsigned v)
{
	d[0] = (char)('0' + v / 10);
	d[1] = (char)('0' + v % 10);
	return d + 2;
}

size_t
time_format_rfc3339_day(struct time_day *day, evtime t, char *dst)
{
	int64_t days = t / US_PER_DAY, us = t % US_PER_DAY;
	unsigned s, ms;
	size_t n;
	char *p, *tee;

	if (us < 0) {		/* floor, as time_format_rfc3339 does */
		days--;
		us += US_PER_DAY;
	}
	if (day->len == 0 || day->day != days) {
		n = time_format_rfc3339(t, dst);
		if ((tee = memchr(dst, 'T', n)) != NULL) {
			day->day = days;
			day->len = (size_t)(tee - dst) + 1;
			memcpy(day->date, dst, day->len);
			day->sec = -1;
		}
		return n;
	}
	memcpy(dst, day->date, day->len);
	p = dst + day->len;
	s = (unsigned)(us / US_PER_SEC);
	if (day->sec != s) {
		char *h = day->hms;

		h = two_digits(h, s / 3600);
		*h++ = ':';
		h = two_digits(h, s / 60 % 60);
		*h++ = ':';
		h = two_digits(h, s % 60);
		*h = '.';
		day->sec = s;
	}
	memcpy(p, day->hms, sizeof day->hms);
	p += sizeof day->hms;
	ms = (unsigned)(us / 1000 % 1000);
	*p++ = (char)('0' + ms / 100);
	p = two_digits(p, ms % 100);
	*p++ = 'Z';
	*p = '\0';
	return (size_t)(p - dst);
}
