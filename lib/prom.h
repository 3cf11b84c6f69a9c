/*
 * prom.h - the Prometheus text exposition format (version 0.0.4), for
 * --metrics: families with their HELP and TYPE lines, samples with
 * labels (the tool's first), summaries whose quantiles come from a
 * quantile sketch, and the file replaced atomically, so that
 * node_exporter's textfile collector never reads half of one.
 *
 * A struct prom owns the text it builds; the summaries it reads are the
 * caller's.
 */
#ifndef PROM_H
#define PROM_H

#include "buf.h"
#include "summary.h"

struct prom {
	struct buf text;
	const char *tool;		/* every sample's tool="..." label */
};

void prom_init(struct prom *p, const char *tool);
void prom_release(struct prom *p);
/* Forget the text, to build the next exposition. */
void prom_reset(struct prom *p);

/* A family's HELP and TYPE ("counter", "gauge", "summary") lines; its
 * samples follow, before the next family. */
void prom_family(struct prom *p, const char *name, const char *type,
    const char *help);
/* One sample of name (the family's, or its _sum or _count) with the
 * tool's label, then the pairs of labels (name, value, ..., NULL; may be
 * NULL), and value v. */
void prom_sample(struct prom *p, const char *name, const char *const *labels,
    double v);
/* A family of one sample, without labels but the tool's. */
void prom_single(struct prom *p, const char *name, const char *type,
    const char *help, double v);
/* A summary's samples: the 0.5, 0.9 and 0.99 quantiles of s, then _sum
 * and _count; with nothing in s, the quantiles are NaN. */
void prom_summary(struct prom *p, const char *name, const char *const *labels,
    const struct summary *s);

/* Replace the file path by the text: written to a temporary file in the
 * same directory, then renamed.  0, or -1 with a message in err. */
int prom_commit(const struct prom *p, const char *path, char *err,
    size_t errlen);

#endif
