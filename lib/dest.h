/*
 * dest.h - where event-route's events go: files by path under a limit of
 * open descriptors, long-lived handler processes fed through a bounded
 * buffer, and commands run once per event.  Nothing here waits on one
 * destination while another could take events: handler pipes and the
 * commands' inputs are non-blocking, and one poll(2) loop (dests_poll)
 * writes them, reaps the processes that ended, and runs what is due
 * (retries, restarts).  Commands run as /bin/sh -c CMD by posix_spawn, each
 * in a process group of its own, so that the end can stop what its shell
 * started.
 *
 * A struct dests owns its files (paths, buffers, descriptors), handlers
 * (command text, pipe, buffer, process) and commands (the queued and
 * running events, copied); dests_finish delivers what is left within the
 * grace and dests_release frees it all.  The caller owns the struct
 * dest_count each destination counts into, which must outlive the dests,
 * and the dead-letter output.  dests_init installs a SIGCHLD handler.
 */
#ifndef DEST_H
#define DEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "hash.h"
#include "out.h"
#include "summary.h"

/* How a destination's events ended, counted by the caller's rule. */
struct dest_count {
	uintmax_t delivered, failed, dropped, dead;
	uintmax_t retried;		/* runs again of a failed command */
	/* a command's runs, start to exit, in seconds, when measured
	 * (--metrics, --stats): the caller's, or NULL */
	struct summary *handling;
	/* a handler's events, from when it was given each until it read
	 * it, in seconds, when measured: the caller's, or NULL */
	struct summary *wait;
};

/* An event's outcome at one destination; over several, the largest
 * counts (delivered somewhere beats dead-lettered beats dropped ...). */
enum dest_outcome {
	DEST_NONE = 0, DEST_FAILED, DEST_DROPPED, DEST_DEAD, DEST_DELIVERED,
	DEST_NOUTCOME,
	DEST_PENDING = DEST_NOUTCOME	/* a command will tell when it ends */
};

/* One event given to commands, or to more than one destination: counted
 * by its best outcome when the last of them has settled it (a command
 * ended; a buffer was written, or lost).  The caller holds one
 * reference while it routes the event, each taker another. */
struct dest_ticket {
	int refs;
	int best;			/* enum dest_outcome so far */
	struct dest_ticket *next;	/* in the free list */
};

/*
 * What a buffer holds until it is written: how many events of each rule,
 * the tickets of those others took too, and how many it alone took (in
 * records as delivered).  Files keep one each, and the router one for
 * stdout; dests_pending_settle says how the write went.
 */
struct dest_taker {
	struct dest_count *count;
	size_t n;
};

struct dest_pending {
	struct dest_taker *takers;
	size_t ntakers, takercap;
	struct dest_ticket **tickets;
	size_t ntickets, ticketcap;
	size_t nsole;
};

/* What a handler, or a command's queue, may hold unsent, at most. */
#define DEST_BUFFER (1024 * 1024)

struct dest_file;
struct handler;
struct dest_cmd;
struct job;

struct dests {
	/* set up by the caller */
	size_t max_open;		/* files open at once */
	size_t max_procs;		/* commands running at once (-P) */
	int retries;			/* runs again of a failed command */
	int drop_when_full;		/* a full buffer drops, not waits */
	int restart;			/* a handler that ended runs again */
	struct out *dead_letter;	/* or NULL */
	struct out *wait_out;		/* written before back-pressure waits */
	int event_fmt;			/* the events' (FMT_), for EVENT_ */
	/* kept here */
	struct dest_file *files;	/* by id */
	size_t nfiles, filecap, nopen;
	size_t compact_at;		/* forget closed files at this many */
	unsigned generation;		/* bumped when file ids change */
	size_t *renumber;		/* while they change: old id -> new */
	size_t lru_head, lru_tail;	/* open files, most recent first */
	struct keytab paths;
	struct handler **handlers;
	size_t nhandlers;
	struct dest_cmd **cmds;
	size_t ncmds, next_cmd;
	struct job **run;		/* running or waiting to retry */
	size_t nrun;
	struct buf env;			/* a command's EVENT_ variables */
	struct buf scratch;
	struct buf keys;		/* a field's decoded name */
	uintmax_t records[DEST_NOUTCOME];	/* events by final outcome */
	struct dest_ticket *spare;	/* tickets to use again */
	size_t ev_takers;		/* the event being routed: how many
					 * took it, and the last that did */
	struct handler *ev_handler;
	size_t ev_file;
	struct dest_pending *ev_pending;	/* the caller's buffer */
	int status;			/* 1 once a delivery failed */
	int ioerr;			/* 1 once a file could not be written */
	/* the clock of handlers' stamps (timed): read again every
	 * STAMP_EVERY events, and after what may have waited */
	int64_t stamp_clock;
	unsigned stamp_uses;
	int ending;			/* dests_finish has begun */
	int over;			/* the grace is over: no more runs */
};

void dests_init(struct dests *d);
/* Free everything (after dests_finish); the processes were waited for. */
void dests_release(struct dests *d);

/* The id of the file at path (copied), for dests_write_file.  It is
 * good until generation changes (dests_event_begin forgets closed files
 * once there are many). */
size_t dests_file(struct dests *d, const char *path, size_t len);
/*
 * Append line[0..len) and "\n" to file id, opening it (truncated the first
 * time when !append, directories made) and closing the least recently
 * written one when max_open are open or the descriptors run out; c counts
 * it, and what a later write error loses; t, when not NULL, is settled
 * when the buffer is written.  DEST_DELIVERED, or DEST_FAILED (reported
 * once per file).
 */
int dests_write_file(struct dests *d, size_t id, int append,
    const char *line, size_t len, struct dest_count *c,
    struct dest_ticket *t);

/*
 * One event's routing: dests_event_begin, its deliveries (handlers and
 * files say so themselves, the caller's standard output by
 * dests_event_taken with the pending of its buffer), then dests_event_end
 * (ticket: the event has one).  An event that one handler, file or
 * standard output alone took, without a ticket, moves from delivered to
 * failed in records when that one loses it later; one with a ticket is
 * counted when its takers have settled it.
 */
void dests_event_begin(struct dests *d);
void dests_event_taken(struct dests *d, struct dest_pending *p);
void dests_event_end(struct dests *d, int ticket);

/* A handler for cmd (copied), counted in c; run by dests_start. */
struct handler *dests_handler(struct dests *d, const char *cmd,
    struct dest_count *c);
/* The bytes of events h has not read yet: in our buffer, and in its
 * pipe (--metrics); the waits of those it read since we looked last are
 * taken. */
size_t dests_handler_unread(struct handler *h);
/* Run the handlers: 0, or -1 with err when one cannot be run. */
int dests_start(struct dests *d, char *err, size_t errlen);
/* Give line[0..len) to h: DEST_DELIVERED when it is in h's buffer
 * (waiting for room when full), DEST_DROPPED or DEST_FAILED; t, when not
 * NULL, is settled when h has read the event or lost it. */
int dests_send(struct dests *d, struct handler *h, const char *line,
    size_t len, struct dest_ticket *t);

/* Per-event command cmd (copied), counted in c; ordered: one run at a
 * time, in order (a shard's, so that each key keeps its order). */
struct dest_cmd *dests_command(struct dests *d, const char *cmd,
    struct dest_count *c, int ordered);
/*
 * Queue line[0..len) for a run of x, the event on its standard input and
 * its fields (in event_fmt: JSON's top-level members, logfmt's pairs, a
 * web server log's parts) as EVENT_name; *t (made when NULL) tells the
 * event's outcome when its last command ended.  DEST_PENDING, or
 * DEST_DROPPED when the queue is full under drop_when_full.
 */
int dests_run(struct dests *d, struct dest_cmd *x, const char *line,
    size_t len, struct dest_ticket **t);
/* One more event in p, counted in c; t, when not NULL, held till then. */
void dests_pending_add(struct dest_pending *p, struct dest_count *c,
    struct dest_ticket *t);
/* p's buffer was written (ok) or lost: settle and empty p, returning how
 * many events it held. */
size_t dests_pending_settle(struct dests *d, struct dest_pending *p, int ok);
void dests_pending_release(struct dest_pending *p);
/* A new ticket, the caller's reference held. */
struct dest_ticket *dests_ticket(struct dests *d);
/* A reference to t is done with, its outcome there outcome: the event is
 * counted when it was the last. */
void dests_ticket_done(struct dests *d, struct dest_ticket *t, int outcome);

/* Write the open files' buffers, and to the handlers what they take. */
void dests_flush(struct dests *d);
/* 1 when some handler or command has work waiting (bytes to write, a
 * process to wait for, a retry or restart due, or, when its reads are
 * timed, a handler's events in its pipe to watch). */
int dests_busy(const struct dests *d);
/*
 * Do what can be done without blocking, then wait at most ms (-1: no
 * limit but a second) for a destination, a process's end, or fd (when
 * >= 0) to be readable, and do it.  1 when fd is readable, else 0.
 */
int dests_poll(struct dests *d, int fd, int ms);
/*
 * The end: write every buffer, close the handlers' input, run what is
 * queued, wait for every process; after grace microseconds kill what
 * still runs.  Events not delivered by then fail (dead-lettered when there
 * is a dead letter).  Returns the status: 0, or 1 when some delivery to a
 * handler or command failed (ioerr says whether a file failed).
 */
int dests_finish(struct dests *d, int64_t grace);

#endif
