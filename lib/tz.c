/*
 * tz.c - TZif files and POSIX TZ rules (see tz.h; RFC 8536).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "tz.h"

#define DAY 86400

static int64_t
be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	if (n == 4)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

static int
read_file(const char *path, struct buf *b)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_add(b, chunk, (size_t)n);
	close(fd);
	return n < 0 ? -1 : 0;
}

/* POSIX TZ strings: "CET-1CEST,M3.5.0,M10.5.0/3" */

static const char *
rule_name(const char *p)
{
	if (*p == '<') {
		while (*p && *p != '>')
			p++;
		return *p ? p + 1 : NULL;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p;
}

/* [+-]hh[:mm[:ss]] into seconds; NULL when there is none. */
static const char *
rule_time(const char *p, int32_t *secs)
{
	int sign = 1, part = 0, v;

	*secs = 0;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	if (*p < '0' || *p > '9')
		return NULL;
	for (part = 0; part < 3; part++) {
		for (v = 0; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (*p - '0');
		*secs += v * (part == 0 ? 3600 : part == 1 ? 60 : 1);
		if (*p != ':')
			break;
		p++;
	}
	*secs *= sign;
	return p;
}

static const char *
rule_date(const char *p, struct tz_rule *r)
{
	r->julian = r->day = -1;
	r->secs = 7200;
	if (*p == 'M') {
		r->month = (int)strtol(p + 1, (char **)&p, 10);
		if (*p++ != '.')
			return NULL;
		r->week = (int)strtol(p, (char **)&p, 10);
		if (*p++ != '.')
			return NULL;
		r->wday = (int)strtol(p, (char **)&p, 10);
	} else if (*p == 'J')
		r->julian = (int)strtol(p + 1, (char **)&p, 10);
	else if (*p >= '0' && *p <= '9')
		r->day = (int)strtol(p, (char **)&p, 10);
	else
		return NULL;
	if (*p == '/' && (p = rule_time(p + 1, &r->secs)) == NULL)
		return NULL;
	return p;
}

static int
parse_rule(struct tz *z, const char *s)
{
	int32_t off;

	if ((s = rule_name(s)) == NULL || (s = rule_time(s, &off)) == NULL)
		return -1;
	z->std_off = -off;	/* POSIX counts west of Greenwich */
	z->has_rule = 1;
	if (*s == '\0')
		return 0;
	if ((s = rule_name(s)) == NULL)
		return -1;
	z->dst_off = z->std_off + 3600;
	if (*s != ',' && *s != '\0') {
		if ((s = rule_time(s, &off)) == NULL)
			return -1;
		z->dst_off = -off;
	}
	if (*s != ',' || (s = rule_date(s + 1, &z->start)) == NULL ||
	    *s != ',' || (s = rule_date(s + 1, &z->end)) == NULL)
		return -1;
	z->has_dst = 1;
	return 0;
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The local day (days since 1970-01-01) a rule falls on in year y. */
static int64_t
rule_day(const struct tz_rule *r, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1), first, d;
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int len;

	if (r->julian > 0)	/* Jn: Feb 29 is never counted */
		return jan1 + r->julian - 1 +
		    (is_leap(y) && r->julian > 59 ? 1 : 0);
	if (r->day >= 0)
		return jan1 + r->day;
	first = days_from_civil(y, (unsigned)r->month, 1);
	/* 1970-01-01 was a Thursday (4) */
	d = first + ((r->wday - ((first % 7 + 11) % 7)) % 7 + 7) % 7;
	len = mdays[r->month - 1] + (r->month == 2 && is_leap(y));
	d += 7 * (r->week - 1);
	while (d >= first + len)
		d -= 7;
	return d;
}

static int32_t
rule_offset(const struct tz *z, int64_t secs)
{
	int64_t y, start, end, local = secs + z->std_off;
	unsigned m, d;

	if (!z->has_dst)
		return z->std_off;
	civil_from_days(local >= 0 ? local / DAY : (local - DAY + 1) / DAY,
	    &y, &m, &d);
	start = rule_day(&z->start, y) * DAY + z->start.secs - z->std_off;
	end = rule_day(&z->end, y) * DAY + z->end.secs - z->dst_off;
	if (start < end)
		return secs >= start && secs < end ? z->dst_off : z->std_off;
	return secs >= end && secs < start ? z->std_off : z->dst_off;
}

static int
parse_tzif(struct tz *z, const unsigned char *p, size_t n, const char **err)
{
	const unsigned char *h = p, *e = p + n, *data;
	int64_t cnt[6];
	size_t i, tsize = 4, need;
	int v2;

	*err = "not a TZif file";
	if (n < 44 || memcmp(p, "TZif", 4) != 0)
		return -1;
	v2 = p[4] >= '2';
	for (;;) {
		for (i = 0; i < 6; i++)
			cnt[i] = be(h + 20 + 4 * i, 4);
		for (i = 0; i < 6; i++)
			if (cnt[i] < 0 || cnt[i] > 100000)
				return -1;
		data = h + 44;
		need = (size_t)cnt[3] * (tsize + 1) + (size_t)cnt[4] * 6 +
		    (size_t)cnt[5] + (size_t)cnt[2] * (tsize + 4) +
		    (size_t)cnt[1] + (size_t)cnt[0];
		if ((size_t)(e - data) < need || cnt[4] == 0)
			return -1;
		if (!v2 || tsize == 8)
			break;
		h = data + need;	/* the 64-bit copy follows */
		tsize = 8;
		if ((size_t)(e - h) < 44 || memcmp(h, "TZif", 4) != 0)
			return -1;
	}
	z->n = (size_t)cnt[3];
	z->when = xcalloc(z->n ? z->n : 1, sizeof *z->when);
	z->off = xcalloc(z->n ? z->n : 1, sizeof *z->off);
	for (i = 0; i < z->n; i++) {
		unsigned idx = data[z->n * tsize + i];

		if (idx >= (unsigned)cnt[4])
			return -1;
		z->when[i] = be(data + i * tsize, (int)tsize);
		z->off[i] = (int32_t)be(data + z->n * (tsize + 1) + idx * 6, 4);
	}
	z->off0 = (int32_t)be(data + z->n * (tsize + 1), 4);
	if (v2) {
		const unsigned char *f = data + need, *nl;

		if (f < e && *f == '\n' && (nl = memchr(f + 1, '\n',
		    (size_t)(e - f - 1))) != NULL && nl > f + 1) {
			char rule[128];
			size_t len = (size_t)(nl - f - 1);

			if (len < sizeof rule) {
				memcpy(rule, f + 1, len);
				rule[len] = '\0';
				if (parse_rule(z, rule) < 0)
					z->has_rule = 0;
			}
		}
	}
	return 0;
}

int
tz_load(struct tz *z, const char *name, const char **err)
{
	const char *dir = getenv("TZDIR");
	struct buf path = BUF_INIT, data = BUF_INIT;
	int rc = -1;

	memset(z, 0, sizeof *z);
	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..")) {
		*err = "not a time zone name";
		return -1;
	}
	buf_addf(&path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
	    name);
	if (read_file(path.data, &data) < 0)
		*err = "no such time zone";
	else if (parse_tzif(z, (const unsigned char *)data.data, data.len,
	    err) == 0) {
		z->name = xstrdup(name);
		rc = 0;
	}
	buf_release(&path);
	buf_release(&data);
	if (rc < 0)
		tz_release(z);
	return rc;
}

void
tz_release(struct tz *z)
{
	free(z->name);
	free(z->when);
	free(z->off);
	memset(z, 0, sizeof *z);
}

static int32_t
offset_secs(const struct tz *z, int64_t secs)
{
	size_t lo = 0, hi = z->n;

	if (z->n == 0 || secs < z->when[0])
		return z->n == 0 && z->has_rule ? rule_offset(z, secs) : z->off0;
	if (secs >= z->when[z->n - 1] && z->has_rule)
		return rule_offset(z, secs);
	while (hi - lo > 1) {	/* the last transition at or before secs */
		size_t mid = lo + (hi - lo) / 2;

		if (z->when[mid] <= secs)
			lo = mid;
		else
			hi = mid;
	}
	return z->off[lo];
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t
tz_offset(const struct tz *z, evtime t)
{
	return (int64_t)offset_secs(z, floor_div(t, US_PER_SEC)) * US_PER_SEC;
}

evtime
tz_midnight(const struct tz *z, int64_t days)
{
	int64_t local = days * DAY, best = INT64_MAX, lo, hi;
	int32_t offs[2];
	int i;

	/* the offsets a day either side: one of them holds at midnight */
	offs[0] = offset_secs(z, local - DAY);
	offs[1] = offset_secs(z, local + DAY);
	for (i = 0; i < 2; i++) {
		int64_t u = local - offs[i];

		if (u + offset_secs(z, u) == local && u < best)
			best = u;
	}
	if (best != INT64_MAX)
		return best * US_PER_SEC;
	/* midnight fell in a gap: the day begins when the clocks jump */
	lo = local - (offs[0] > offs[1] ? offs[0] : offs[1]);
	hi = local - (offs[0] < offs[1] ? offs[0] : offs[1]);
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;

		if (mid + offset_secs(z, mid) >= local)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo * US_PER_SEC;
}
