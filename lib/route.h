/*
 * route.h - event-route's rules and destinations.
 *
 * A rule is one argument, "PREDICATE -> DESTINATION": the predicate is
 * the language of --where (pred.h) or "else"; the destination is "-"
 * (standard output), ">>FILE" (append), ">FILE" (truncate, once per
 * run), where FILE may hold field templates "{host}", or "|CMD", one
 * long-lived handler run by /bin/sh -c that reads the matching events
 * on its standard input; or "!CMD", run once per event, with the event on
 * its standard input and its top-level fields in the environment as
 * EVENT_name, at most max_procs at once, retried retries times.
 *
 * A struct router owns its rules, their compiled predicates, the open
 * files (at most max_open at once, least recently used closed first) and
 * the handlers; router_release flushes and closes them and waits for the
 * handlers.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "hash.h"
#include "out.h"
#include "pred.h"
#include "record.h"

enum dest_kind { DEST_STDOUT, DEST_FILE, DEST_PIPE, DEST_EXEC };

/* A per-event command running, with its event kept for a retry. */
struct route_job {
	pid_t pid;
	size_t rule;
	char *event;
	size_t len;
	int attempt;
};

/* A file a template named, open or closed. */
struct route_file {
	char *path;
	struct out out;
	int open, truncated;
	uint64_t used;			/* LRU clock */
};

/* A handler: one per rule, or one per shard. */
struct handler {
	char *cmd;
	pid_t pid;
	int fd;				/* its standard input, non-blocking */
	struct buf pending;		/* events it has not taken yet */
	size_t sent;			/* of pending, written */
	int failed;			/* it died or closed its input */
	int reaped, status;		/* waited for already, and how it ended */
	int restarts;
};

/* What a handler may have waiting for it, at most. */
#define HANDLER_BUFFER (1024 * 1024)

struct rule {
	char *text;			/* as given, for --stats */
	struct pred *pred;		/* NULL: else, or a shard rule */
	int kind;			/* enum dest_kind */
	int append;			/* >> rather than > */
	char *target;			/* the file template or the command */
	int *slots;			/* its {field} templates' slots */
	size_t nslots;
	size_t file;			/* a file without templates: its id + 1 */
	/* --shard FIELDS:N: the key's fields, and "{}" is the shard */
	int *keyslots;
	char **keynames;
	size_t nkeys, nshards;
	struct handler *handlers;	/* DEST_PIPE: one, or one a shard */
	/* the ledger */
	uintmax_t matched, delivered, lost, dead, dropped;
};

struct router {
	struct rule *rules;
	size_t nrules;
	int first;			/* --first: the first match only */
	int drop_when_full;		/* a full handler drops, not waits */
	int restart;			/* a handler that ends is run again */
	size_t max_open;		/* open files at once */
	struct route_file *files;	/* by id in paths */
	struct keytab paths;
	size_t nfiles, filecap, nopen;
	uint64_t clock;
	struct out *stdout_out;		/* the tool's standard output */
	struct buf path, scratch;
	uintmax_t unmatched;
	int status;			/* 1 once a delivery failed */
	/* !CMD: at most max_procs at once, retries, the dead letters */
	size_t max_procs;
	int retries;
	struct out *dead_letter;
	struct route_job *jobs;
	size_t njobs;
	struct buf env;			/* the event's fields, as NAME=VALUE */
	int64_t grace;			/* microseconds the end waits for the
					 * commands and handlers, 0: no end */
};

void router_init(struct router *r, struct out *stdout_out);
/* 1 when an operand is a rule (holds "->" outside quotes), not a file. */
int router_is_rule(const char *text);
/*
 * Add rule text, its fields into fs: 0, or -1 with "at N: message" in
 * err (N counted in the whole argument).
 */
int router_add(struct router *r, const char *text, struct fieldset *fs,
    char *err, size_t errlen);
/* Add --shard FIELDS:N DEST, its fields into fs: 0, or -1 with err. */
int router_add_shard(struct router *r, const char *spec, const char *dest,
    struct fieldset *fs, char *err, size_t errlen);
/* Start the handlers; -1 with err when one cannot be run. */
int router_start(struct router *r, char *err, size_t errlen);
/* Deliver the record rec (its line and parsed fields) to every rule it
 * matches (the first only with first); returns how many took it. */
size_t router_route(struct router *r, const struct record *rec);
/* Write out what is buffered (input is waiting, or the end). */
void router_flush(struct router *r);
/* Wait for the per-event commands still running (before --stats). */
void router_wait(struct router *r);
/* Flush, close, wait for the handlers; the status (0, or 1 when some
 * delivery failed or a handler failed). */
int router_release(struct router *r);
/* The ledger per rule on stderr, as --stats prints it. */
void router_print(const struct router *r, const char *prog);

#endif
