/*
 * agg.h - aggregations: parsing "OP:FIELD=NAME", and a table of groups,
 * each holding one accumulator per aggregation.
 *
 * An aggtab owns its groups, their keys and every accumulator (the values
 * first, last and collect keep, the sets distinct keeps).  Adding a record
 * converts and checks every value it needs before it touches any
 * accumulator, so a rejected record leaves no trace.  The group table is
 * bounded by max_groups (0: no bound), never by the number of records.
 *
 * Tables merge: the slices of a sliding window and the sessions that
 * grow together are kept apart and combined when they fire.  Each group
 * remembers the sequence number of its first record, so that a merged
 * table lists its groups in the order their first records came, as one
 * table fed every record would.
 */
#ifndef AGG_H
#define AGG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "hash.h"
#include "out.h"
#include "record.h"

/*
 * The aggregations are one table in agg.c, a row each: its name, the form
 * of its argument, the names of its partial state's fields, and its
 * functions (start, add, merge, result, save, load, release).  Adding an
 * aggregation is one row and its functions; a row that lacks one stops
 * the first aggspec_parse, and tests/unit/agg_test.c runs every row.
 */
struct agg_kind;

/* The fields at most of one aggregation's partial state. */
#define AGG_STATE_MAX 4

struct aggspec {
	const struct agg_kind *kind;	/* its row of the table */
	char *field;		/* NULL for count */
	char *name;		/* output field name */
	char opname[32];	/* "sum", "p99.9", "quantile:0.95", "top:5" */
	double q;		/* quantile: which, 0 to 1 */
	size_t k;		/* top: how many */
	int exact;		/* sketches: keep every value instead */
	int slot;		/* the field's fieldset slot */
	int pslot[AGG_STATE_MAX];	/* --merge: its state's fields' slots */
};

/* The form of the i-th aggregation's argument ("count", "sum:FIELD",
 * "quantile:Q:FIELD", "top:K:FIELD"), NULL past the last: for tests and
 * help texts that go through every aggregation. */
const char *agg_kind_form(size_t i);

/*
 * Parse one aggregation argument ("count", "sum:latency_ms",
 * "avg:latency_ms=lat", "p99:latency_ms", "quantile:0.95:latency_ms",
 * "top:5:path").  Returns 0, or -1 with a message in err.  The default
 * name is Miller's: count, else FIELD_OP (FIELD_p95 for quantile:0.95,
 * FIELD_top for top:K, FIELD_approx_distinct).
 */
int aggspec_parse(const char *arg, struct aggspec *a, char *err,
    size_t errlen);
void aggspec_release(struct aggspec *a);
/* The name of a's op with its parameter: "count", "p99", "top:5" ... */
const char *aggspec_op_name(const struct aggspec *a);
/* The name of the i-th aggregation of the table: "count" ... ; "?" past
 * them. */
const char *agg_op_name(int i);

union acc;

struct aggtab {
	const struct aggspec *spec;
	size_t nspec;
	const int *keyslot;		/* group-by fields' slots */
	char *const *keyname;		/* and their names */
	size_t nkey;
	size_t max_groups;		/* 0: unbounded */
	struct keytab groups;		/* composite key -> group id */
	union acc *acc;			/* acc[id * nspec + j] */
	unsigned char *keytype;		/* keytype[id * nkey + k]: val_type */
	size_t accgroups;		/* groups acc has room for */
	struct buf key, scratch;	/* per-record room, reused */
	struct agg_value *tmp;		/* per-record converted values */
	union acc *loaded;		/* a partial record's states, read
					 * before they are merged */
	uint64_t *first;		/* first[id]: sequence of its first record */
	double span;			/* seconds of the window, for rate;
					 * 0 when there is none */
	unsigned char *empty;		/* empty[id]: no record since
					 * aggtab_empty (see there) */
	size_t nempty;			/* groups so marked */
	int changed;			/* a record was added since agg_emit */
	int merged;			/* ids may be out of first-record order */
	int one_group;			/* the caller knows every record added
					 * has the first one's group key (a
					 * session's, keyed by it): no key
					 * built or looked up after the first */
};

void aggtab_init(struct aggtab *t, const struct aggspec *spec, size_t nspec,
    const int *keyslot, char *const *keyname, size_t nkey);
void aggtab_release(struct aggtab *t);

enum {
	AGG_OK = 0,
	AGG_REJECT = -1,	/* bad record: *why says why */
	AGG_FULL = -2		/* max_groups reached */
};

/*
 * Add one parsed record, seq its sequence number (records come to one
 * table in increasing seq).  Returns AGG_OK, AGG_REJECT with a message in
 * why (a missing field, a value that is not a number, bad escapes or
 * UTF-8), or AGG_FULL.
 */
int aggtab_add(struct aggtab *t, const struct record *rec, uint64_t seq,
    char *why, size_t whylen);
/* aggtab_add, given the group key (as agg_key builds it from t's key
 * fields) and h = hash_bytes(key, keylen): for a caller that built it
 * already. */
int aggtab_add_keyed(struct aggtab *t, const struct record *rec,
    uint64_t seq, const char *key, size_t keylen, uint64_t h, char *why,
    size_t whylen);
/* What aggtab_add would say of rec, without adding it: AGG_OK or
 * AGG_REJECT with why. */
int aggtab_check(struct aggtab *t, const struct record *rec, char *why,
    size_t whylen);
size_t aggtab_count(const struct aggtab *t);
/* Ask the cache for what emitting t reads: its arrays, then (a step
 * later, with them in the cache) its first group's key bytes. */
void aggtab_prefetch(const struct aggtab *t);
void aggtab_prefetch_key(const struct aggtab *t);
/*
 * Fold src into dst, as if dst had also been given src's records: first,
 * last and collect go by the records' sequence numbers, so the order of
 * merging does not matter to them.  Returns AGG_OK, or AGG_FULL when dst
 * would pass max_groups.
 */
int aggtab_merge(struct aggtab *dst, const struct aggtab *src);
/* Forget every group, keeping the table's set-up. */
void aggtab_clear(struct aggtab *t);
/*
 * A pane was written, and the next holds only what comes after it: every
 * group's aggregates start again, but its key stays, marked empty until
 * a record (or a merge that is not empty) comes to it, so that a pane
 * that is written even when empty (Beam's FIRE_ALWAYS) still has a row,
 * count 0, for each key that had one.
 */
void aggtab_empty(struct aggtab *t);

/* What the writers do with the groups aggtab_empty marked: */
enum {
	AGG_EMPTY_SKIP,			/* leave them out */
	AGG_EMPTY_WRITE,		/* write them, as empty aggregates */
	AGG_EMPTY_MARK			/* partial lines: with "_empty":true */
};
/* The groups that the writers write with empty (an AGG_EMPTY_). */
size_t aggtab_written(const struct aggtab *t, int empty);
/*
 * The key of fields slot[0..n) (named name[], for messages) of rec, as
 * group keys are built: for one field, *p points at its decoded text;
 * for more, each part is length-prefixed into key.  scratch holds what
 * decoding needs.  0, or -1 with why (a missing field, a bad escape).
 */
int agg_key(const struct record *rec, const int *slot, char *const *name,
    size_t n, struct buf *key, struct buf *scratch, const char **p,
    size_t *len, char *why, size_t wl);
/*
 * The same key as a JSON array of its texts, ["alice"], the form a
 * session's key takes in fire lines: agg_key_array writes it into out
 * (0, or -1 with why, as agg_key); agg_key_from_json reads one back into
 * key (*p, *len as agg_key gives them; scratch for the decoding): 0, or
 * -1 when it is not an array of n strings.
 */
int agg_key_array(const struct record *rec, const int *slot,
    char *const *name, size_t n, struct buf *out, struct buf *scratch,
    char *why, size_t wl);
int agg_key_from_json(const char *json, size_t jlen, size_t n,
    struct buf *key, struct buf *scratch, const char **p, size_t *len);
/* A key of n fields as agg_key builds it, appended to out as that JSON
 * array. */
void agg_key_to_json(const char *key, size_t len, size_t n, struct buf *out);
/*
 * Partial state, for scale-out (stream-agg --partial and --merge).
 * aggtab_partial writes each group as "KEY<TAB>{...}": KEY a JSON array
 * of the texts of pre's values and the group key (so that Hadoop
 * Streaming can partition on it), then an object with pre's fields, the
 * group fields, "_first" (the sequence of its first record) and each
 * aggregation's exact state under its name; empty: an AGG_EMPTY_.
 */
void aggtab_partial(struct aggtab *t, struct out *o,
    const struct addfield *pre, size_t npre, int empty);
/* The same lines appended to b, each after prefix (for --state). */
void aggtab_partial_buf(struct aggtab *t, struct buf *b, const char *prefix,
    const struct addfield *pre, size_t npre, int empty);
/* Add to fs the fields a partial record of a[0..n) holds. */
void aggspec_partial_fields(struct aggspec *a, size_t n, struct fieldset *fs);
/*
 * Merge one partial record (its object parsed with those fields and the
 * group fields; first_slot is the slot of "_first", empty_slot that of
 * "_empty" or -1): AGG_OK, AGG_REJECT with why (the table unchanged), or
 * AGG_FULL.
 */
int aggtab_merge_partial(struct aggtab *t, const struct record *rec,
    int first_slot, int empty_slot, char *why, size_t whylen);
/* Write one record per group: the fields of pre (window bounds, say),
 * the keys, then the aggregates.  Groups in the order of their first
 * records, or sorted by key when sort is set; empty: AGG_EMPTY_SKIP or
 * AGG_EMPTY_WRITE. */
void aggtab_emit(struct aggtab *t, struct recw *w, int sort,
    const struct addfield *pre, size_t npre, int empty);

#endif
