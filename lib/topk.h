/*
 * topk.h - the most frequent values in bounded memory (Space-Saving),
 * mergeable: a handle that owns all its memory and the values it copied
 * (topk_new, topk_free).  Merged summaries give one run's counts while
 * the values fit the counters (and with exact counting); past that, the
 * same error bound as one run, not the same counts.
 */
#ifndef TOPK_H
#define TOPK_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/*
 * The most frequent values: Space-Saving over cap counters (0: as many as
 * there are values, exact).  A value's count is never below its true
 * count, and above it by at most its err, which is at most n / cap for
 * n values added.  The values are the caller's bytes, copied, with a tag
 * (a type) kept beside them.
 */
struct topk_item {
	char *v;
	size_t len, room;		/* room: v's allocation */
	uint64_t hash;
	uint64_t count, err;
	int tag;
};

struct topk;

struct topk *topk_new(size_t cap);
void topk_free(struct topk *t);
void topk_add(struct topk *t, const char *v, size_t len, uint64_t hash,
    int tag);
int topk_merge(struct topk *dst, const struct topk *src);
/* The values added, in all. */
uint64_t topk_total(const struct topk *t);
/* The items, most frequent first (ties by value), valid until the next
 * change of t; *n is how many. */
const struct topk_item *topk_items(struct topk *t, size_t *n);
/*
 * Rebuilding a summary from its text (the caller parses the values):
 * topk_restore_item for each item, then topk_restore_end with the total;
 * -1 when the items do not make a summary of t's capacity.
 */
void topk_restore_item(struct topk *t, const char *v, size_t len,
    uint64_t hash, int tag, uint64_t count, uint64_t err);
int topk_restore_end(struct topk *t, uint64_t total);

#endif
