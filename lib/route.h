/*
 * route.h - event-route's rules, and the routing of each record by them.
 *
 * A rule is one argument, "PREDICATE -> DESTINATION": the predicate is
 * the language of --where (pred.h) or "else" (what no other rule took);
 * the destination is "-" (standard output), ">>FILE" (append), ">FILE"
 * (truncate, once per run), where FILE may hold field templates "{host}",
 * "|CMD", one long-lived handler, or "!CMD", a run per event (dest.h
 * runs them).  --shard FIELDS:N DEST is a rule that takes every record to
 * one of N destinations by the stable hash of its key, "{}" in DEST being
 * the shard's number.
 *
 * A struct router owns its rules (their text, compiled predicates,
 * templates and keys) and its struct dests, which the caller sets up
 * (limits, retries, dead letter) between router_init and router_start;
 * router_release frees them.  The standard output is the caller's, and
 * so is the table, when it sets one.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "dest.h"
#include "out.h"
#include "pred.h"
#include "prom.h"
#include "record.h"

struct table;

enum dest_kind { DEST_STDOUT, DEST_FILE, DEST_PIPE, DEST_EXEC };

struct rule {
	char *text;			/* as given, for --stats */
	struct pred *pred;		/* NULL: else, or a shard rule */
	int kind;			/* enum dest_kind */
	int append;			/* >> rather than > */
	char *target;			/* the file template or the command */
	int *slots;			/* its {field} templates' slots */
	size_t nslots;
	size_t file;			/* a file without templates: its id + 1 */
	unsigned file_generation;	/* of the dests' ids, when found */
	/* --shard FIELDS:N: the key's slots, and "{}" is the shard */
	int *keyslots;
	size_t nkeys, nshards;
	struct handler **handlers;	/* DEST_PIPE: one, or one a shard */
	struct dest_cmd **cmds;		/* DEST_EXEC: one, or one a shard */
	uintmax_t matched;
	struct dest_count count;
};

struct router {
	struct rule *rules;
	size_t nrules;
	int measure;			/* time commands and handlers'
					 * reads (--metrics, --stats) */
	int first;			/* --first: the first match only */
	struct dests dests;
	struct out *stdout_out;		/* the tool's standard output */
	/* -o table: what goes to the standard output goes here, its
	 * records counted when they are written (set before
	 * router_start); else NULL */
	struct table *table;
	struct buf path, key, scratch;
	uintmax_t routed, unmatched;
	struct dest_pending stdout_pending;	/* its buffer's events */
	int to_stdout;			/* it took the one being routed */
	int stdout_only;		/* every rule's destination is "-" */
	size_t *hits;			/* the rules an event matched */
};

void router_init(struct router *r, struct out *stdout_out);
/* 1 when an operand is a rule (holds "->" outside quotes), not a file. */
int router_is_rule(const char *text);
/*
 * Add rule text, its fields into fs: 0, or -1 with "at N: message" in
 * err (N counted in the whole argument, from 1).
 */
int router_add(struct router *r, const char *text, struct fieldset *fs,
    char *err, size_t errlen);
/* Add --shard FIELDS:N DEST, its fields into fs: 0, or -1 with err. */
int router_add_shard(struct router *r, const char *spec, const char *dest,
    struct fieldset *fs, char *err, size_t errlen);
/* Make the destinations, run the handlers; -1 with err when one cannot
 * be run. */
int router_start(struct router *r, char *err, size_t errlen);
/* 1 when no event can be delivered any more: the standard output, the
 * only destination, failed (its reader went away): reading may stop. */
int router_dead(const struct router *r);
/* Give the record rec (its line and parsed fields) to every rule it
 * matches (the first only with first), else to the else rules; returns
 * how many took it. */
size_t router_route(struct router *r, const struct record *rec);
/* Write out what is buffered (input is waiting), and the table's
 * records, with the standard output. */
void router_flush(struct router *r);
/* The end: deliver what is left within grace microseconds; the status,
 * 0 or 1 when some delivery to a handler or command failed. */
int router_finish(struct router *r, int64_t grace);
/* The ledger per rule and of the records on stderr, as --stats prints it. */
void router_print(const struct router *r, const char *prog);
/* The same counts as Prometheus families (--metrics): per rule, labelled
 * with its number, its text in an info family; arg is the router. */
void router_metrics(void *arg, struct prom *p);
/* --stats' lines for people from the same figures: each rule's
 * per-event command runs and handler waits, as quantiles. */
void router_lines(void *arg, struct buf *b);
void router_release(struct router *r);

/*
 * The shard key of rec's fields slots[0..n): one field's text (a null
 * its empty text), or for several each text after its length as a
 * LEB128 varint (7 bits a byte, low first); in key or the record's own
 * bytes.  0, or -1 when a field is missing or badly escaped.
 */
int route_key(const struct record *rec, const int *slots, size_t n,
    struct buf *key, struct buf *scratch, const char **p, size_t *len);
/* The shard of key among n: hash_bytes(key) modulo n. */
size_t route_shard(const char *key, size_t len, size_t n);

#endif
