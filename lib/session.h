/*
 * session.h - session windows, for lib/winstate (sessions of aggregates)
 * and lib/pane (sessions of trigger state): per key, the sessions open
 * for it; a record's proto-window [t, t+GAP) overlaps some of them, and
 * the caller merges those into one; and a heap of every session, soonest
 * due first.  Windows without a key (lib/pane's others) may live here
 * too, in the heap only.
 *
 * A session is a struct session followed by the caller's data, `size`
 * bytes in all, in one array: ids are indices into it and stay put;
 * pointers do not survive sessions_new.  A slot freed keeps its caller's
 * data as it was left, for the next session in that slot to reuse (so
 * that a busy stream allocates nothing per session); a fresh slot's data
 * is zeroed.
 *
 * With sessions_in_order, sessions fixed in due order (a stream's
 * sessions end in the order they begin) go to a queue beside the heap,
 * O(1) in and out; nheap then counts only the rest (sessions_count
 * counts them all).
 *
 * A struct sessions owns its arrays and a copy of every key; the caller
 * owns what its data points to, and frees that (in every slot below
 * ss->n, live or not) before sessions_release.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "time.h"
#include "window.h"

#define SESSION_NONE ((size_t)-1)

struct session {
	struct window w;
	uint64_t first;		/* its first record's place: ties go by it */
	size_t key;		/* its key's id, or SESSION_NONE */
	size_t next;		/* the key's next session, or the free list */
	int live;
};

struct session_due {
	evtime due;		/* as the caller's due said at the last fix */
	size_t id;
};

struct sessions {
	size_t size;			/* of a slot: struct session and data */
	char *v;			/* the slots */
	size_t n, cap, free;		/* slots used ever; the free list */
	size_t *at;			/* by id: its place in the heap */
	struct keytab keys;		/* key -> id */
	size_t *heads;			/* by key id: its newest session */
	size_t headcap;
	struct session_due *heap;	/* live sessions, soonest due first */
	size_t nheap, heapcap;
	/* sessions_in_order: the queue, in due order from runhead to nrun;
	 * those gone since keep their due and the id SESSION_NONE */
	int in_order;
	struct session_due *run;
	size_t runhead, nrun, runcap, runlive;
	size_t *hit;			/* sessions_overlapping's answer */
	size_t hitcap;
	/* when x is due; and, for two due at once, 1 when a goes first */
	evtime (*due)(void *arg, const struct session *x);
	int (*before)(void *arg, const struct session *a,
	    const struct session *b);
	void *arg;
};

void sessions_init(struct sessions *ss, size_t size,
    evtime (*due)(void *arg, const struct session *x),
    int (*before)(void *arg, const struct session *a,
    const struct session *b), void *arg);
void sessions_release(struct sessions *ss);
/* Sessions will mostly be fixed in due order: queue those (see above). */
void sessions_in_order(struct sessions *ss);
/* How many sessions are live. */
size_t sessions_count(const struct sessions *ss);
/* Every live session, the heap's then the queue's: from *at = 0, the
 * next one's id, or SESSION_NONE after the last. */
size_t sessions_next(const struct sessions *ss, size_t *at);

static inline struct session *
sessions_at(const struct sessions *ss, size_t id)
{
	return (struct session *)(void *)(ss->v + id * ss->size);
}

/* The id of key (any bytes), added when new.  A key is forgotten when
 * its last session is freed, and its id may go to the next key added:
 * give a new key its session before freeing others. */
size_t sessions_key(struct sessions *ss, const char *key, size_t len);
/* The same, with h = hash_bytes(key, len) from sessions_prefetch. */
size_t sessions_key_hashed(struct sessions *ss, const char *key, size_t len,
    uint64_t h);
/* hash_bytes(key, len), and the memory sessions_key will look at for it
 * asked of the cache: its miss overlaps the caller's work till then. */
uint64_t sessions_prefetch(const struct sessions *ss, const char *key,
    size_t len);
/* The id of key, or SESSION_NONE. */
size_t sessions_find_key(const struct sessions *ss, const char *key,
    size_t len);
/* A key's first session (then ->next), or SESSION_NONE. */
size_t sessions_head(const struct sessions *ss, size_t key);

/*
 * A new session of key (or SESSION_NONE) with bounds w and first record
 * first: its id; *fresh says whether its data is zeroed (a new slot) or
 * what the slot's last session left.  It is last in the heap until the
 * caller, its data set, calls sessions_fix.
 */
size_t sessions_new(struct sessions *ss, size_t key, const struct window *w,
    uint64_t first, int *fresh);
/* The memory sessions_free of id will look at, asked of the cache, for
 * a caller with work to do first; sessions_prefetch_key asks for what
 * that needs to be read first, a step earlier. */
void sessions_prefetch_key(const struct sessions *ss, size_t id);
void sessions_prefetch_free(const struct sessions *ss, size_t id);
/* The session n places behind the head of the queue (in due order), or
 * SESSION_NONE: what will be due soon, for a caller that asks the cache
 * for it before it fires. */
size_t sessions_queued(const struct sessions *ss, size_t n);
/* Out of its key's list and the heap; its data stays in the slot. */
void sessions_free(struct sessions *ss, size_t id);
/* x's due (or bounds, or first) changed: its place in the heap again. */
void sessions_fix(struct sessions *ss, size_t id);
/* Every session's due again, after changes made without a fix. */
void sessions_reheap(struct sessions *ss);
/* The soonest due session and when, or SESSION_NONE. */
size_t sessions_top(const struct sessions *ss, evtime *due);

/* The session of key with exactly the bounds w, or SESSION_NONE. */
size_t sessions_exact(const struct sessions *ss, size_t key,
    const struct window *w);
/*
 * The sessions of key that w overlaps (windows that only touch, [1,11)
 * and [11,21), stay apart), newest first: their ids in ss->hit; how many
 * is returned, and their bounds' union with w in *u.
 */
size_t sessions_overlapping(struct sessions *ss, size_t key,
    const struct window *w, struct window *u);
/*
 * into takes the bounds u and the earliest first of the n sessions in
 * hit (into among them); the others are freed (their data merged away
 * by the caller first), and into takes its place in the heap.
 */
void sessions_merge(struct sessions *ss, size_t into, const size_t *hit,
    size_t n, const struct window *u);

#endif
