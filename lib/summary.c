/*
 * summary.c - a summary's figures (see summary.h).
 */
#include <stdlib.h>

#include "buf.h"
#include "summary.h"

struct summary *
summary_new(int exact)
{
	struct summary *s = xcalloc(1, sizeof *s);

	s->q = qsketch_new(exact);
	return s;
}

void
summary_free(struct summary *s)
{
	if (s == NULL)
		return;
	qsketch_free(s->q);
	free(s);
}

void
summary_add(struct summary *s, double v)
{
	s->sum += v;
	if (s->count++ < SUMMARY_ALL || s->count % SUMMARY_EVERY == 0)
		qsketch_add(s->q, v);
}
