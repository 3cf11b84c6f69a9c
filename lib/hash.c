/*
 * hash.c - byte hashing and the key table (see hash.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hash.h"

#define CHUNK (64 * 1024)
/* A table starts small and grows: thousands of them are open at once
 * for session windows, each holding a group or two. */
#define CHUNK_FIRST 64
#define SLOTS_FIRST 8
/* keytab_clear keeps what a table this small allocated */
#define SLOTS_KEPT 64

static uint64_t
load_le(const unsigned char *p, size_t n)
{
	uint64_t w = 0;

	while (n-- > 0)
		w = w << 8 | p[n];
	return w;
}

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 31;
	h *= UINT64_C(0xbf58476d1ce4e5b9);
	h ^= h >> 29;
	return h;
}

uint64_t
hash_bytes(const void *key, size_t n)
{
	const unsigned char *p = key;
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)n;

	for (; n >= 8; p += 8, n -= 8)
		h = mix((h ^ load_le(p, 8)) * UINT64_C(0x94d049bb133111eb));
	h = mix((h ^ load_le(p, n)) * UINT64_C(0x94d049bb133111eb));
	return h ^ h >> 32;
}

#define NOID ((size_t)-1)

/* The first block: slots, one key, one chunk pointer, one chunk. */
#define FIRST_KEYS (SLOTS_FIRST * sizeof(uint64_t))
#define FIRST_CHUNKS (FIRST_KEYS + sizeof(struct keytab_key))
#define FIRST_CHUNK (FIRST_CHUNKS + sizeof(void *))
#define FIRST_SIZE (FIRST_CHUNK + CHUNK_FIRST)

/* Whether p lies in t's first block (and is not to be freed). */
static int
in_first(const struct keytab *t, const void *p)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)t->first;

	return t->first != NULL && a >= b && a < b + FIRST_SIZE;
}

static void
free_unless_first(const struct keytab *t, void *p)
{
	if (!in_first(t, p))
		free(p);
}

/* xgrowarray for an array that may be in the first block: out of it
 * the first time it grows. */
static void *
grow_array(const struct keytab *t, void *p, size_t *nmemb, size_t want,
    size_t size)
{
	size_t n = *nmemb;
	void *q;

	if (want <= n || !in_first(t, p))
		return xgrowarray(p, nmemb, want, size);
	q = xgrowarray(NULL, nmemb, want, size);
	memcpy(q, p, n * size);
	return q;
}

void
keytab_init(struct keytab *t)
{
	memset(t, 0, sizeof *t);
	t->freeid = NOID;
	t->first = xcalloc(1, FIRST_SIZE);	/* slots start empty */
	t->mask = SLOTS_FIRST - 1;
	t->slots = (uint64_t *)(void *)t->first;
	/* room for one key, then xgrowarray's 8 and doubling */
	t->keys = (struct keytab_key *)(void *)(t->first + FIRST_KEYS);
	t->cap = 1;
	t->chunks = (void **)(void *)(t->first + FIRST_CHUNKS);
	t->chunkcap = 1;
	t->chunks[0] = t->chunk = t->first + FIRST_CHUNK;
	t->nchunks = 1;
	t->chunk_left = CHUNK_FIRST;
}

void
keytab_release(struct keytab *t)
{
	size_t i;

	for (i = 0; i < t->nchunks; i++)
		free_unless_first(t, t->chunks[i]);
	free_unless_first(t, t->chunks);
	free_unless_first(t, t->slots);
	free_unless_first(t, t->keys);
	free(t->first);
	memset(t, 0, sizeof *t);
}

static const char *
store(struct keytab *t, const void *key, size_t n)
{
	char *p;

	if (n == 0)
		return "";
	if (n > t->chunk_left) {
		/* chunks double, from CHUNK_FIRST to CHUNK */
		size_t size = (size_t)CHUNK_FIRST << (t->nchunks < 10 ?
		    t->nchunks : 10);

		while (size < n && size < CHUNK)
			size *= 2;
		if (n > CHUNK / 4)
			size = n;
		t->chunks = grow_array(t, t->chunks, &t->chunkcap,
		    t->nchunks + 1, sizeof *t->chunks);
		p = t->chunks[t->nchunks++] = xmalloc(size);
		if (n > CHUNK / 4) {	/* a big key: its own allocation */
			memcpy(p, key, n);
			return p;
		}
		t->chunk = p;
		t->chunk_left = size;
	}
	p = t->chunk;
	memcpy(p, key, n);
	t->chunk += n;
	t->chunk_left -= n;
	return p;
}

/* The live keys' bytes into new chunks, the old ones freed: once most
 * of what removed keys left behind is dead, so that a table whose keys
 * come and go holds the bytes of the keys it has, not of all it had. */
static void
pack(struct keytab *t)
{
	void **old = t->chunks;
	size_t i, nold = t->nchunks;

	t->chunks = xmalloc(sizeof *t->chunks);
	t->chunkcap = 1;
	t->nchunks = 0;
	t->chunk = NULL;
	t->chunk_left = 0;
	t->stored = t->dead = 0;
	for (i = 0; i < t->n; i++)
		if (t->keys[i].p != NULL) {
			t->keys[i].p = store(t, t->keys[i].p, t->keys[i].n);
			t->stored += t->keys[i].n;
		}
	for (i = 0; i < nold; i++)
		free_unless_first(t, old[i]);
	free_unless_first(t, old);
}

/* A slot holds the low half of its key's hash, which has the bits of
 * its home (tables stay below 2^32 slots), so that moving entries in
 * keytab_remove need not read their keys; and its id + 1. */
static uint64_t
slot_of(uint64_t h, size_t id)
{
	return h << 32 | (uint64_t)(id + 1);
}

static void
grow(struct keytab *t)
{
	size_t i, mask = t->mask * 2 + 1;
	uint64_t *slots = xcalloc(mask + 1, sizeof *slots);

	for (i = 0; i < t->n; i++) {
		size_t j = t->keys[i].h & mask;

		if (t->keys[i].p == NULL)
			continue;	/* removed */
		while (slots[j])
			j = (j + 1) & mask;
		slots[j] = slot_of(t->keys[i].h, i);
	}
	free_unless_first(t, t->slots);
	t->slots = slots;
	t->mask = mask;
}

static size_t
probe(const struct keytab *t, const void *key, size_t n, uint64_t h,
    size_t *slot)
{
	size_t j = h & t->mask;
	uint64_t tag = (uint32_t)h;

	for (; t->slots[j]; j = (j + 1) & t->mask) {
		uint64_t s = t->slots[j];
		const struct keytab_key *k;

		if (s >> 32 != tag)
			continue;
		k = &t->keys[(uint32_t)s - 1];
		if (k->n == n && memcmp(k->p, key, n) == 0)
			return (uint32_t)s - 1;
	}
	*slot = j;
	return (size_t)-1;
}

size_t
keytab_find(const struct keytab *t, const void *key, size_t n, uint64_t h)
{
	size_t slot;

	return probe(t, key, n, h, &slot);
}

size_t
keytab_intern(struct keytab *t, const void *key, size_t n, uint64_t h,
    int *added)
{
	size_t slot, id = probe(t, key, n, h, &slot);

	*added = id == (size_t)-1;
	if (!*added)
		return id;
	if (t->dead > CHUNK && 2 * t->dead > t->stored)
		pack(t);
	if (t->freeid != NOID) {
		id = t->freeid;
		t->freeid = (size_t)t->keys[id].h;
	} else {
		if (t->n >= UINT32_MAX - 1)
			abort();	/* callers cap their groups far below */
		if ((t->n + 1) * 4 > (t->mask + 1) * 3) {
			grow(t);
			probe(t, key, n, h, &slot);
		}
		t->keys = grow_array(t, t->keys, &t->cap, t->n + 1,
		    sizeof *t->keys);
		id = t->n++;
	}
	t->keys[id] = (struct keytab_key){ store(t, key, n), n, h };
	t->stored += n;
	t->slots[slot] = slot_of(h, id);
	return id;
}

/* Whether an entry at j whose home is k may stay when i empties:
 * its probe from k reaches j without passing i. */
static int
stays(size_t i, size_t j, size_t k)
{
	return i <= j ? i < k && k <= j : i < k || k <= j;
}

void
keytab_remove(struct keytab *t, size_t id)
{
	struct keytab_key *key = &t->keys[id];
	size_t i = key->h & t->mask, j;

	while ((uint32_t)t->slots[i] != id + 1)
		i = (i + 1) & t->mask;
	/* linear probing's deletion: later entries of the run that would
	 * no longer be found move back into the hole */
	for (j = (i + 1) & t->mask; t->slots[j]; j = (j + 1) & t->mask)
		if (!stays(i, j, (t->slots[j] >> 32) & t->mask)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	t->slots[i] = 0;
	t->dead += key->n;
	key->p = NULL;
	key->n = 0;
	key->h = (uint64_t)t->freeid;
	t->freeid = id;
}

void
keytab_filter(struct keytab *t, int (*keep)(void *arg, size_t id),
    void (*moved)(void *arg, size_t from, size_t to), void *arg)
{
	struct keytab kept;
	size_t id, to;
	int added;

	keytab_init(&kept);
	for (id = 0; id < t->n; id++)
		if (t->keys[id].p != NULL && keep(arg, id)) {
			to = keytab_intern(&kept, t->keys[id].p, t->keys[id].n,
			    t->keys[id].h, &added);
			moved(arg, id, to);
		}
	keytab_release(t);
	*t = kept;
}

void
keytab_clear(struct keytab *t)
{
	size_t i;

	if (t->mask + 1 > SLOTS_KEPT) {
		keytab_release(t);
		keytab_init(t);
		return;
	}
	memset(t->slots, 0, (t->mask + 1) * sizeof *t->slots);
	t->n = 0;
	t->freeid = NOID;
	t->stored = t->dead = 0;
	/* the one chunk stays, emptied; more than one go */
	if (t->nchunks == 1 && t->chunk != NULL) {
		t->chunk_left += (size_t)(t->chunk - (char *)t->chunks[0]);
		t->chunk = t->chunks[0];
		return;
	}
	for (i = 0; i < t->nchunks; i++)
		free_unless_first(t, t->chunks[i]);
	t->nchunks = 0;
	t->chunk = NULL;
	t->chunk_left = 0;
}
