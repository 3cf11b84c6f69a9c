/*
 * prom.c - Prometheus' text format.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "prom.h"
#include "record.h"

void
prom_init(struct prom *p, const char *tool)
{
	buf_init(&p->text);
	p->tool = tool;
}

void
prom_release(struct prom *p)
{
	buf_release(&p->text);
}

void
prom_reset(struct prom *p)
{
	buf_reset(&p->text);
}

/* HELP text escapes backslash and newline; a label value the quote too. */
static void
escaped(struct buf *b, const char *s, int quote)
{
	for (; *s; s++)
		if (*s == '\\')
			buf_addstr(b, "\\\\");
		else if (*s == '\n')
			buf_addstr(b, "\\n");
		else if (*s == '"' && quote)
			buf_addstr(b, "\\\"");
		else
			buf_addc(b, *s);
}

void
prom_family(struct prom *p, const char *name, const char *type,
    const char *help)
{
	buf_addf(&p->text, "# HELP %s ", name);
	escaped(&p->text, help, 0);
	buf_addf(&p->text, "\n# TYPE %s %s\n", name, type);
}

/* A value as Go's strconv would read it: integers exact, NaN and the
 * infinities by name, the rest in the fewest digits that read back. */
static void
value(struct buf *b, double v)
{
	char num[64];

	if (isnan(v))
		buf_addstr(b, "NaN");
	else if (isinf(v))
		buf_addstr(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == (double)(int64_t)v && fabs(v) < 9007199254740992.0)
		buf_addf(b, "%lld", (long long)v);
	else {
		num_format(v, num, sizeof num);
		buf_addstr(b, num);
	}
}

static void
labels_of(struct prom *p, const char *const *labels, const char *quantile)
{
	struct buf *b = &p->text;

	buf_addstr(b, "{tool=\"");
	escaped(b, p->tool, 1);
	buf_addc(b, '"');
	for (; labels && labels[0]; labels += 2) {
		buf_addf(b, ",%s=\"", labels[0]);
		escaped(b, labels[1], 1);
		buf_addc(b, '"');
	}
	if (quantile)
		buf_addf(b, ",quantile=\"%s\"", quantile);
	buf_addc(b, '}');
}

void
prom_sample(struct prom *p, const char *name, const char *const *labels,
    double v)
{
	buf_addstr(&p->text, name);
	labels_of(p, labels, NULL);
	buf_addc(&p->text, ' ');
	value(&p->text, v);
	buf_addc(&p->text, '\n');
}

void
prom_single(struct prom *p, const char *name, const char *type,
    const char *help, double v)
{
	prom_family(p, name, type, help);
	prom_sample(p, name, NULL, v);
}

void
prom_summary(struct prom *p, const char *name, const char *const *labels,
    const struct summary *s)
{
	static const char *const qs[] = { "0.5", "0.9", "0.99" };
	static const double q[] = { 0.5, 0.9, 0.99 };
	size_t i, n = strlen(name);
	char sub[128];

	for (i = 0; i < 3; i++) {
		buf_addstr(&p->text, name);
		labels_of(p, labels, qs[i]);
		buf_addc(&p->text, ' ');
		value(&p->text, qsketch_count(s->q) ?
		    qsketch_quantile(s->q, q[i]) : NAN);
		buf_addc(&p->text, '\n');
	}
	if (n + 7 > sizeof sub)
		return;
	snprintf(sub, sizeof sub, "%s_sum", name);
	prom_sample(p, sub, labels, s->sum);
	snprintf(sub, sizeof sub, "%s_count", name);
	prom_sample(p, sub, labels, (double)s->count);
}

int
prom_commit(const struct prom *p, const char *path, char *err,
    size_t errlen)
{
	char tmp[4096];
	size_t off = 0;
	ssize_t n;
	int fd;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path,
	    (long)getpid()) >= sizeof tmp) {
		snprintf(err, errlen, "'%s': name too long", path);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		snprintf(err, errlen, "cannot open '%s': %s", tmp,
		    strerror(errno));
		return -1;
	}
	while (off < p->text.len) {
		n = write(fd, p->text.data + off, p->text.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	if (off < p->text.len || close(fd) < 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "'%s': write error: %s", path,
		    strerror(errno));
		if (off < p->text.len)
			close(fd);
		unlink(tmp);
		return -1;
	}
	return 0;
}
