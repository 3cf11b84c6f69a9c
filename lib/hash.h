/*
 * hash.h - a stable hash of bytes, and a table from byte strings to dense
 * ids in first-seen order (open addressing, linear probing).
 *
 * hash_bytes gives the same value on every machine and in every release
 * (it reads bytes little-endian), so it may decide shards.  A keytab owns
 * a copy of every key it holds, in chunks that never move: keys[id].p
 * stays valid while the table grows, until keytab_filter, keytab_clear
 * or keytab_release, or, once a key was removed, the next keytab_intern
 * (it may pack the bytes of the keys left).
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

uint64_t hash_bytes(const void *p, size_t n);

struct keytab_key {
	const char *p;
	size_t n;
	uint64_t h;
};

struct keytab {
	uint64_t *slots;		/* (hash low bits << 32) | (id + 1) */
	size_t mask;
	struct keytab_key *keys;	/* by id */
	size_t n, cap;
	char *chunk;			/* storage for key bytes */
	size_t chunk_left;
	void **chunks;			/* every allocation, to free */
	size_t nchunks, chunkcap;
	/* keytab_remove's: ids to reuse (linked through keys[id].h; a
	 * removed key's p is NULL), and the bytes stored and of them dead */
	size_t freeid;
	size_t stored, dead;
	/* keytab_init's one allocation: the first slots, keys, chunks and
	 * chunk, each there until it grows (a session's table of one key
	 * is then one block, not four) */
	char *first;
};

void keytab_init(struct keytab *t);
void keytab_release(struct keytab *t);
/* The id of key (h = hash_bytes(key, n)), adding a copy when it is new;
 * *added says which.  Ids count from 0 in the order keys were added,
 * except that a removed key's id goes to the next key added. */
size_t keytab_intern(struct keytab *t, const void *key, size_t n, uint64_t h,
    int *added);
/* Ask the cache for the slot a key of hash h is looked up or removed
 * at: its miss overlaps the caller's work till then. */
static inline void
keytab_prefetch(const struct keytab *t, uint64_t h)
{
	if (t->slots != NULL)
		mem_prefetch(&t->slots[h & t->mask]);
}

/* The id of key, or (size_t)-1 when absent. */
size_t keytab_find(const struct keytab *t, const void *key, size_t n,
    uint64_t h);
/* Forget key id: for tables whose keys come and go.  Ids up to n stay
 * (a removed one reads p NULL until it is reused); no other id moves. */
void keytab_remove(struct keytab *t, size_t id);
/* Forget every key, keeping what a small table allocated for the next. */
void keytab_clear(struct keytab *t);
/*
 * Keep only the keys whose ids keep(arg, id) says 1 to, renumbered from
 * 0 in their order, moved(arg, old, new) told of each (new <= old, in
 * increasing order): for tables whose keys come and go.  Pointers to the
 * keys' bytes do not survive it.
 */
void keytab_filter(struct keytab *t, int (*keep)(void *arg, size_t id),
    void (*moved)(void *arg, size_t from, size_t to), void *arg);

#endif
