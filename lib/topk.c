/*
 * topk.c - the most frequent values: Space-Saving (see topk.h).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topk.h"

struct topk {
	size_t cap;		/* counters, 0: no bound */
	struct topk_item *items;
	size_t n, room;
	uint32_t *heap, *at;	/* a min-heap of items by count; at[item] */
	uint32_t *slots;	/* by hash: item + 1, 0 empty */
	size_t mask;
	uint64_t total;
	struct topk_item *sorted;	/* topk_items' answer */
};

struct topk *
topk_new(size_t cap)
{
	struct topk *t = xcalloc(1, sizeof *t);

	t->cap = cap;
	return t;
}

static void
topk_reset(struct topk *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->items[i].v);
	free(t->items);
	free(t->heap);
	free(t->at);
	free(t->slots);
	free(t->sorted);
	t->items = t->sorted = NULL;
	t->heap = t->at = t->slots = NULL;
	t->n = t->room = t->mask = 0;
}

void
topk_free(struct topk *t)
{
	if (t == NULL)
		return;
	topk_reset(t);
	free(t);
}

uint64_t
topk_total(const struct topk *t)
{
	return t->total;
}

static void
index_put(struct topk *t, uint32_t item)
{
	size_t i = (size_t)t->items[item].hash & t->mask;

	while (t->slots[i])
		i = (i + 1) & t->mask;
	t->slots[i] = item + 1;
}

static void
index_grow(struct topk *t)
{
	size_t i;

	t->mask = t->mask ? t->mask * 2 + 1 : 15;
	free(t->slots);
	t->slots = xcalloc(t->mask + 1, sizeof *t->slots);
	for (i = 0; i < t->n; i++)
		index_put(t, (uint32_t)i);
}

/* The slot of v, or of the empty slot where it would go. */
static size_t
index_find(const struct topk *t, const char *v, size_t len, uint64_t hash)
{
	size_t i = (size_t)hash & t->mask;
	const struct topk_item *it;

	for (; t->slots[i]; i = (i + 1) & t->mask) {
		it = &t->items[t->slots[i] - 1];
		if (it->hash == hash && it->len == len &&
		    memcmp(it->v, v, len) == 0)
			break;
	}
	return i;
}

/* Empty slot i, moving back what linear probing put after it. */
static void
index_delete(struct topk *t, size_t i)
{
	size_t j = i, home;

	t->slots[i] = 0;
	for (;;) {
		j = (j + 1) & t->mask;
		if (t->slots[j] == 0)
			return;
		home = (size_t)t->items[t->slots[j] - 1].hash & t->mask;
		/* move j to i when its home is not in (i, j] */
		if ((i <= j) ? (home <= i || home > j) : (home <= i && home > j)) {
			t->slots[i] = t->slots[j];
			t->slots[j] = 0;
			i = j;
		}
	}
}

static int
heap_less(const struct topk *t, uint32_t a, uint32_t b)
{
	return t->items[a].count < t->items[b].count;
}

static void
heap_swap(struct topk *t, size_t i, size_t j)
{
	uint32_t x = t->heap[i];

	t->heap[i] = t->heap[j];
	t->heap[j] = x;
	t->at[t->heap[i]] = (uint32_t)i;
	t->at[t->heap[j]] = (uint32_t)j;
}

static void
heap_down(struct topk *t, size_t i)
{
	size_t c;

	while ((c = 2 * i + 1) < t->n) {
		if (c + 1 < t->n && heap_less(t, t->heap[c + 1], t->heap[c]))
			c++;
		if (!heap_less(t, t->heap[c], t->heap[i]))
			return;
		heap_swap(t, i, c);
		i = c;
	}
}

static void
heap_up(struct topk *t, size_t i)
{
	while (i > 0 && heap_less(t, t->heap[i], t->heap[(i - 1) / 2])) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
set_value(struct topk_item *it, const char *v, size_t len, uint64_t hash,
    int tag)
{
	if (len + 1 > it->room) {	/* a counter changes hands: reuse */
		it->room = len + 1 > 16 ? len + 1 : 16;
		it->v = xrealloc(it->v, it->room);
	}
	memcpy(it->v, v, len);
	it->v[len] = '\0';
	it->len = len;
	it->hash = hash;
	it->tag = tag;
}

/* A new item at the end, counted, indexed and in the heap. */
static void
item_push(struct topk *t, const char *v, size_t len, uint64_t hash,
    int tag, uint64_t count, uint64_t err)
{
	struct topk_item *it;
	size_t r = t->room;

	if (2 * (t->n + 1) > t->mask + 1)
		index_grow(t);
	if (t->n == t->room) {
		t->items = xgrowarray(t->items, &t->room, t->n + 1,
		    sizeof *t->items);
		r = t->room;
		t->heap = xrealloc(t->heap, r * sizeof *t->heap);
		t->at = xrealloc(t->at, r * sizeof *t->at);
	}
	it = &t->items[t->n];
	memset(it, 0, sizeof *it);
	set_value(it, v, len, hash, tag);
	it->count = count;
	it->err = err;
	t->heap[t->n] = (uint32_t)t->n;
	t->at[t->n] = (uint32_t)t->n;
	t->n++;
	index_put(t, (uint32_t)(t->n - 1));
	heap_up(t, t->n - 1);
}

void
topk_add(struct topk *t, const char *v, size_t len, uint64_t hash, int tag)
{
	struct topk_item *it;
	uint32_t r;
	size_t i;

	t->total++;
	if (t->mask) {
		i = index_find(t, v, len, hash);
		if (t->slots[i]) {
			r = t->slots[i] - 1;
			t->items[r].count++;
			heap_down(t, t->at[r]);
			return;
		}
	}
	if (t->cap == 0 || t->n < t->cap) {
		item_push(t, v, len, hash, tag, 1, 0);
		return;
	}
	/* the least counted gives its counter to v, and its count as v's
	 * possible error */
	r = t->heap[0];
	it = &t->items[r];
	index_delete(t, index_find(t, it->v, it->len, it->hash));
	set_value(it, v, len, hash, tag);
	it->err = it->count;
	it->count++;
	index_put(t, r);
	heap_down(t, 0);
}

static int
cmp_items(const void *pa, const void *pb)
{
	const struct topk_item *a = pa, *b = pb;
	size_t n = a->len < b->len ? a->len : b->len;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if ((c = memcmp(a->v, b->v, n)) != 0)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

const struct topk_item *
topk_items(struct topk *t, size_t *n)
{
	free(t->sorted);
	t->sorted = xcalloc(t->n ? t->n : 1, sizeof *t->sorted);
	if (t->n > 0)
		memcpy(t->sorted, t->items, t->n * sizeof *t->items);
	qsort(t->sorted, t->n, sizeof *t->sorted, cmp_items);
	*n = t->n;
	return t->sorted;
}

/* The least count when every counter is taken: what a value not
 * counted may have had. */
static uint64_t
floor_count(const struct topk *t)
{
	return t->cap && t->n == t->cap ? t->items[t->heap[0]].count : 0;
}

/*
 * Merging as in Agarwal et al., "Mergeable summaries" (2012): a value
 * counted on one side only gets the other side's floor as count and
 * error, and the cap largest stay.
 */
int
topk_merge(struct topk *d, const struct topk *s)
{
	uint64_t fd = floor_count(d), fs = floor_count(s), total;
	struct topk_item *all;
	size_t i, n = 0, k;

	if ((d->cap == 0) != (s->cap == 0))
		return -1;
	if (d->cap == 0) {	/* exact: add the counts */
		for (i = 0; i < s->n; i++) {
			const struct topk_item *it = &s->items[i];

			k = d->mask ? index_find(d, it->v, it->len, it->hash) : 0;
			if (d->mask && d->slots[k])
				d->items[d->slots[k] - 1].count += it->count;
			else
				item_push(d, it->v, it->len, it->hash, it->tag,
				    it->count, 0);
		}
		d->total += s->total;
		return 0;
	}
	all = xcalloc(d->n + s->n + 1, sizeof *all);
	for (i = 0; i < d->n; i++) {
		all[n] = d->items[i];
		all[n].count += fs;
		all[n++].err += fs;
	}
	for (i = 0; i < s->n; i++) {
		const struct topk_item *it = &s->items[i];

		k = d->mask ? index_find(d, it->v, it->len, it->hash) : 0;
		if (d->mask && d->slots[k]) {
			struct topk_item *m = &all[d->slots[k] - 1];

			m->count += it->count - fs;
			m->err += it->err - fs;
		} else {
			all[n] = *it;
			all[n].count += fd;
			all[n].err += fd;
			all[n++].v = xmemdup(it->v, it->len);
		}
	}
	qsort(all, n, sizeof *all, cmp_items);
	total = d->total + s->total;
	for (i = 0; i < d->n; i++)	/* the values now belong to all */
		d->items[i].v = NULL;
	for (i = 0; i < n; i++)
		all[i].room = 0;
	topk_reset(d);
	for (i = 0; i < n; i++) {
		if (i < d->cap)
			item_push(d, all[i].v, all[i].len, all[i].hash,
			    all[i].tag, all[i].count, all[i].err);
		free(all[i].v);
	}
	free(all);
	d->total = total;
	return 0;
}

void
topk_restore_item(struct topk *t, const char *v, size_t len, uint64_t hash,
    int tag, uint64_t count, uint64_t err)
{
	item_push(t, v, len, hash, tag, count, err);
}

int
topk_restore_end(struct topk *t, uint64_t total)
{
	uint64_t sum = 0;
	size_t i, k;

	t->total = total;
	if (t->cap && t->n > t->cap)
		return -1;
	for (i = 0; i < t->n; i++) {
		if (t->items[i].err > t->items[i].count)
			return -1;
		sum += t->items[i].count - t->items[i].err;
		k = index_find(t, t->items[i].v, t->items[i].len,
		    t->items[i].hash);
		if (t->slots[k] != i + 1)
			return -1;	/* a value twice */
	}
	return sum > total || (total > 0 && t->n == 0) ? -1 : 0;
}
