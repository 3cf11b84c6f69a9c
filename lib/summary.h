/*
 * summary.h - a Prometheus summary's figures, taken cheaply enough to
 * measure every record or event: count and sum take every value, the
 * quantile sketch the first SUMMARY_ALL and then one in SUMMARY_EVERY
 * (a log per value is most of the cost).  --metrics writes them
 * (prom_summary), --stats prints their quantiles.
 *
 * A struct summary owns its sketch: summary_new, summary_free.
 */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdint.h>

#include "qsketch.h"

#define SUMMARY_ALL 1024
#define SUMMARY_EVERY 16

struct summary {
	struct qsketch *q;		/* the quantiles' sample */
	double sum;
	uint64_t count;
};

/* An empty summary; exact: its sketch keeps every value (qsketch.h). */
struct summary *summary_new(int exact);
void summary_free(struct summary *s);
/* Take the finite value v. */
void summary_add(struct summary *s, double v);

#endif
