/*
 * session.c - session windows by key, and their heap (see session.h).
 *
 * The heap keeps each session's due beside its id, and each session's
 * place in the heap is in an array of its own, so that sifting touches
 * two dense arrays and not the sessions themselves: with tens of
 * thousands open at once, that is the difference between cache hits and
 * misses.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "session.h"

#define HEAP_ARITY 4
/* ss->at[id] of a session in the queue: its place there, and this bit */
#define IN_RUN ((size_t)1 << (sizeof(size_t) * CHAR_BIT - 1))

void
sessions_init(struct sessions *ss, size_t size,
    evtime (*due)(void *arg, const struct session *x),
    int (*before)(void *arg, const struct session *a,
    const struct session *b), void *arg)
{
	memset(ss, 0, sizeof *ss);
	ss->size = size;
	ss->free = SESSION_NONE;
	ss->due = due;
	ss->before = before;
	ss->arg = arg;
	keytab_init(&ss->keys);
}

void
sessions_release(struct sessions *ss)
{
	free(ss->v);
	free(ss->at);
	free(ss->heads);
	free(ss->heap);
	free(ss->run);
	free(ss->hit);
	keytab_release(&ss->keys);
	memset(ss, 0, sizeof *ss);
}

/* The heap */

static int
before(const struct sessions *ss, const struct session_due *a,
    const struct session_due *b)
{
	if (a->due != b->due)
		return a->due < b->due;
	return ss->before(ss->arg, sessions_at(ss, a->id),
	    sessions_at(ss, b->id));
}

static void
heap_set(struct sessions *ss, size_t at, struct session_due e)
{
	ss->heap[at] = e;
	ss->at[e.id] = at;
}

/* The smallest of the children of at, or at itself when it has none: a
 * node's four children share a cache line, and the heap is half as deep
 * as a binary one, which halves the misses of taking the top out. */
static size_t
least_child(const struct sessions *ss, size_t at, size_t n)
{
	size_t c = HEAP_ARITY * at + 1, e, best;

	if (c >= n)
		return at;
	e = c + HEAP_ARITY < n ? c + HEAP_ARITY : n;
	for (best = c++; c < e; c++)
		if (before(ss, &ss->heap[c], &ss->heap[best]))
			best = c;
	return best;
}

static void
sift(struct sessions *ss, size_t at)
{
	struct session_due e = ss->heap[at];
	size_t c;

	while (at > 0 && before(ss, &e, &ss->heap[(at - 1) / HEAP_ARITY])) {
		heap_set(ss, at, ss->heap[(at - 1) / HEAP_ARITY]);
		at = (at - 1) / HEAP_ARITY;
	}
	while ((c = least_child(ss, at, ss->nheap)) != at &&
	    before(ss, &ss->heap[c], &e)) {
		heap_set(ss, at, ss->heap[c]);
		at = c;
	}
	heap_set(ss, at, e);
}

/*
 * Take the entry at `at` out of the heap.  The hole goes down to a leaf
 * by the least child, and the last entry fills it from there: it is
 * among the latest due, so it seldom climbs far.  Fewer comparisons of putting the last entry at `at` and sifting it
 * all the way down, where sessions end in the order they began.
 */
static void
heap_remove(struct sessions *ss, size_t at)
{
	size_t c, last = --ss->nheap;

	if (at == last)
		return;
	while ((c = least_child(ss, at, last)) != at) {
		heap_set(ss, at, ss->heap[c]);
		at = c;
	}
	heap_set(ss, at, ss->heap[last]);
	sift(ss, at);
}

static void
heap_push(struct sessions *ss, struct session_due e)
{
	ss->heap = xgrowarray(ss->heap, &ss->heapcap, ss->nheap + 1,
	    sizeof *ss->heap);
	heap_set(ss, ss->nheap++, e);
	sift(ss, ss->nheap - 1);
}

/* The queue */

void
sessions_in_order(struct sessions *ss)
{
	ss->in_order = 1;
}

size_t
sessions_count(const struct sessions *ss)
{
	return ss->nheap + ss->runlive;
}

size_t
sessions_next(const struct sessions *ss, size_t *at)
{
	size_t i;

	if (*at < ss->nheap)
		return ss->heap[(*at)++].id;
	for (i = *at - ss->nheap + ss->runhead; i < ss->nrun; i++)
		if (ss->run[i].id != SESSION_NONE) {
			*at = i - ss->runhead + ss->nheap + 1;
			return ss->run[i].id;
		}
	*at = ss->nheap + ss->nrun - ss->runhead;
	return SESSION_NONE;
}

/* Whether e may go last in the queue: it comes after the last there. */
static int
run_takes(const struct sessions *ss, const struct session_due *e)
{
	const struct session_due *last;

	if (!ss->in_order || ss->nrun == 0)
		return ss->in_order;
	last = &ss->run[ss->nrun - 1];
	if (last->due != e->due)
		return last->due < e->due;
	return last->id != SESSION_NONE && before(ss, last, e);
}

/* The queue without its gaps, from 0. */
static void
run_compact(struct sessions *ss)
{
	size_t i, k = 0;

	for (i = ss->runhead; i < ss->nrun; i++)
		if (ss->run[i].id != SESSION_NONE) {
			ss->run[k] = ss->run[i];
			ss->at[ss->run[k].id] = IN_RUN | k;
			k++;
		}
	ss->runhead = 0;
	ss->nrun = k;
}

static void
run_append(struct sessions *ss, struct session_due e)
{
	/* gaps go before the queue grows: it grows only when more than
	 * half full of live sessions */
	if (ss->nrun == ss->runcap && 2 * ss->runlive <= ss->runcap)
		run_compact(ss);
	ss->run = xgrowarray(ss->run, &ss->runcap, ss->nrun + 1,
	    sizeof *ss->run);
	ss->run[ss->nrun] = e;
	ss->at[e.id] = IN_RUN | ss->nrun++;
	ss->runlive++;
}

static void
run_remove(struct sessions *ss, size_t at)
{
	ss->run[at].id = SESSION_NONE;
	ss->runlive--;
	while (ss->runhead < ss->nrun &&
	    ss->run[ss->runhead].id == SESSION_NONE)
		ss->runhead++;
	if (ss->runhead == ss->nrun)
		ss->runhead = ss->nrun = 0;
}

/* Out of the heap or the queue. */
static void
unqueue(struct sessions *ss, size_t id)
{
	size_t at = ss->at[id];

	if (at & IN_RUN)
		run_remove(ss, at & ~IN_RUN);
	else
		heap_remove(ss, at);
}

void
sessions_fix(struct sessions *ss, size_t id)
{
	struct session_due e = { ss->due(ss->arg, sessions_at(ss, id)), id };
	size_t at = ss->at[id];

	if (run_takes(ss, &e)) {
		unqueue(ss, id);
		run_append(ss, e);
	} else if (at & IN_RUN) {
		run_remove(ss, at & ~IN_RUN);
		heap_push(ss, e);
	} else {
		ss->heap[at].due = e.due;
		sift(ss, at);
	}
}

void
sessions_reheap(struct sessions *ss)
{
	size_t i;

	/* the queue's order may no longer hold: all in the heap */
	for (i = ss->runhead; i < ss->nrun; i++)
		if (ss->run[i].id != SESSION_NONE) {
			ss->heap = xgrowarray(ss->heap, &ss->heapcap,
			    ss->nheap + 1, sizeof *ss->heap);
			heap_set(ss, ss->nheap++, ss->run[i]);
		}
	ss->runhead = ss->nrun = ss->runlive = 0;
	for (i = 0; i < ss->nheap; i++)
		ss->heap[i].due = ss->due(ss->arg,
		    sessions_at(ss, ss->heap[i].id));
	/* from the last node with children up */
	for (i = ss->nheap > 1 ? (ss->nheap - 2) / HEAP_ARITY + 1 : 0;
	    i-- > 0;)
		sift(ss, i);
}

size_t
sessions_top(const struct sessions *ss, evtime *due)
{
	const struct session_due *top = ss->nheap > 0 ? &ss->heap[0] : NULL;

	if (ss->nrun > 0 && (top == NULL ||
	    before(ss, &ss->run[ss->runhead], top)))
		top = &ss->run[ss->runhead];
	if (top == NULL)
		return SESSION_NONE;
	*due = top->due;
	return top->id;
}

/* Keys */

size_t
sessions_key(struct sessions *ss, const char *key, size_t len)
{
	return sessions_key_hashed(ss, key, len, hash_bytes(key, len));
}

uint64_t
sessions_prefetch(const struct sessions *ss, const char *key, size_t len)
{
	uint64_t h = hash_bytes(key, len);

	keytab_prefetch(&ss->keys, h);
	return h;
}

size_t
sessions_key_hashed(struct sessions *ss, const char *key, size_t len,
    uint64_t h)
{
	int added;
	size_t id = keytab_intern(&ss->keys, key, len, h, &added);

	if (added) {
		ss->heads = xgrowarray(ss->heads, &ss->headcap, id + 1,
		    sizeof *ss->heads);
		ss->heads[id] = SESSION_NONE;
	}
	return id;
}

size_t
sessions_find_key(const struct sessions *ss, const char *key, size_t len)
{
	return keytab_find(&ss->keys, key, len, hash_bytes(key, len));
}

size_t
sessions_head(const struct sessions *ss, size_t key)
{
	return key == SESSION_NONE ? SESSION_NONE : ss->heads[key];
}

/* Sessions */

size_t
sessions_new(struct sessions *ss, size_t key, const struct window *w,
    uint64_t first, int *fresh)
{
	size_t id = ss->free;
	struct session *x;

	*fresh = id == SESSION_NONE;
	if (*fresh) {
		size_t cap = ss->cap, atcap = cap;

		ss->v = xgrowarray(ss->v, &ss->cap, ss->n + 1, ss->size);
		memset(ss->v + cap * ss->size, 0, (ss->cap - cap) * ss->size);
		ss->at = xgrowarray(ss->at, &atcap, ss->cap, sizeof *ss->at);
		id = ss->n++;
	} else
		ss->free = sessions_at(ss, id)->next;
	x = sessions_at(ss, id);
	x->w = *w;
	x->first = first;
	x->key = key;
	x->live = 1;
	if (key != SESSION_NONE) {
		x->next = ss->heads[key];
		ss->heads[key] = id;
	} else
		x->next = SESSION_NONE;
	ss->heap = xgrowarray(ss->heap, &ss->heapcap, ss->nheap + 1,
	    sizeof *ss->heap);
	ss->heap[ss->nheap].id = id;
	ss->at[id] = ss->nheap++;
	return id;
}

void
sessions_prefetch_key(const struct sessions *ss, size_t id)
{
	const struct session *x = sessions_at(ss, id);

	if (x->key != SESSION_NONE) {
		mem_prefetch(&ss->keys.keys[x->key]);
		mem_prefetch(&ss->heads[x->key]);
	}
	mem_prefetch(&ss->at[id]);
}

size_t
sessions_queued(const struct sessions *ss, size_t n)
{
	return ss->runhead + n < ss->nrun ? ss->run[ss->runhead + n].id :
	    SESSION_NONE;
}

void
sessions_prefetch_free(const struct sessions *ss, size_t id)
{
	const struct session *x = sessions_at(ss, id);

	if (x->key != SESSION_NONE)
		keytab_prefetch(&ss->keys, ss->keys.keys[x->key].h);
}

void
sessions_free(struct sessions *ss, size_t id)
{
	struct session *x = sessions_at(ss, id);
	size_t *p;

	if (x->key != SESSION_NONE) {
		for (p = &ss->heads[x->key]; *p != id;
		    p = &sessions_at(ss, *p)->next)
			;
		*p = x->next;
		if (ss->heads[x->key] == SESSION_NONE)	/* its last */
			keytab_remove(&ss->keys, x->key);
	}
	unqueue(ss, id);
	x->live = 0;
	x->next = ss->free;
	ss->free = id;
}

size_t
sessions_exact(const struct sessions *ss, size_t key, const struct window *w)
{
	size_t i;

	for (i = sessions_head(ss, key); i != SESSION_NONE;
	    i = sessions_at(ss, i)->next) {
		const struct session *x = sessions_at(ss, i);

		if (x->w.start == w->start && x->w.end == w->end)
			break;
	}
	return i;
}

size_t
sessions_overlapping(struct sessions *ss, size_t key, const struct window *w,
    struct window *u)
{
	size_t i, n = 0;

	*u = *w;
	for (i = sessions_head(ss, key); i != SESSION_NONE;
	    i = sessions_at(ss, i)->next) {
		const struct session *x = sessions_at(ss, i);

		if (x->w.start >= w->end || w->start >= x->w.end)
			continue;
		ss->hit = xgrowarray(ss->hit, &ss->hitcap, n + 1,
		    sizeof *ss->hit);
		ss->hit[n++] = i;
		if (x->w.start < u->start)
			u->start = x->w.start;
		if (x->w.end > u->end)
			u->end = x->w.end;
	}
	return n;
}

void
sessions_merge(struct sessions *ss, size_t into, const size_t *hit, size_t n,
    const struct window *u)
{
	struct session *x = sessions_at(ss, into);
	size_t i;

	for (i = 0; i < n; i++) {
		struct session *y = sessions_at(ss, hit[i]);

		if (y->first < x->first)
			x->first = y->first;
	}
	for (i = 0; i < n; i++)
		if (hit[i] != into)
			sessions_free(ss, hit[i]);
	x->w = *u;
	sessions_fix(ss, into);
}
