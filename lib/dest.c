/*
 * dest.c - files, handlers and per-event commands (see dest.h).
 */
#define _GNU_SOURCE		/* F_GETPIPE_SZ, where Linux has it */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "dest.h"
#include "parser.h"
#include "pipewait.h"
#include "record.h"
#include "sig.h"
#include "time.h"

extern char **environ;

#define NONE ((size_t)-1)
/* Events given to handlers stamped with one reading of the clock, at
 * most: reading it for each cost a sixth of the time of routing. */
#define STAMP_EVERY 64
/* Files known before closed ones are forgotten, at the least. */
#define FILES_KEPT 1024
#define MS (INT64_C(1000))

struct dest_file {
	char *path;
	struct out out;
	size_t prev, next;		/* in the LRU list, while open */
	struct dest_pending pending;	/* the events in its buffer */
	int open, opened;		/* opened once: > appends from then on */
	int emptied;			/* opened by >: never forgotten */
	int reported;			/* an error was reported */
};

/* An event in a handler's buffer. */
struct handler_mark {
	size_t end;			/* where it ends in pending */
	struct dest_ticket *tk;		/* its ticket, to settle, or NULL */
	unsigned char sole;		/* the handler alone took it */
};

struct handler {
	char *cmd;
	struct dest_count *count;
	pid_t pid;			/* 0: not running */
	int fd;				/* its standard input, or -1 */
	int rfd;			/* the read end, ours too: what is
					 * left in the pipe when it ends (so
					 * a handler that closes its input
					 * and goes on is one that does not
					 * read) */
	/* [0..sent) written, the last pipecap bytes of it kept to know
	 * what it had not read when it ends; [sent..len) to write */
	struct buf pending;
	size_t sent, pipecap;
	/* each event in pending (it may hold newlines: a CSV record); the
	 * first began at first_begin, before pending when compacting cut
	 * it */
	struct handler_mark *marks;
	size_t nmarks, markcap;
	long long first_begin;
	uint64_t base;			/* pending[0]'s offset in all given */
	struct pipewait wait;		/* when its events were given */
	int closed;			/* it stopped reading */
	int eof;			/* we closed its input: the end */
	int dead;			/* gone for good: its events fail */
	int said;			/* its failure was reported */
	int restarts;			/* in a row, for the back-off */
	int64_t due;			/* run it again then, or 0 */
	int64_t started;
	uintmax_t lost;
};

struct dest_cmd {
	char *cmd;
	struct dest_count *count;
	int ordered;
	size_t running;			/* its jobs in d->run */
	struct job *head, *tail;	/* queued */
	size_t queued;			/* bytes queued */
};

struct job {
	struct job *next;
	struct dest_cmd *x;
	struct dest_ticket *ticket;
	pid_t pid;			/* 0: waiting to run (again) */
	int fd;				/* its standard input, or -1 */
	int attempt;
	int fmt;			/* its format, for EVENT_ variables */
	int64_t due;
	int64_t started;		/* when it was run last, monotonic */
	size_t off, len;		/* event[0..len) ends with "\n" */
	char event[];
};

static int chld[2] = { -1, -1 };	/* SIGCHLD wakes poll through it */
static volatile sig_atomic_t chld_seen;	/* and says so to dests_run */

static void
on_chld(int signo)
{
	int e = errno;

	(void)signo;
	chld_seen = 1;
	if (write(chld[1], "", 1) < 0) {
		/* full: poll wakes anyway */
	}
	errno = e;
}

static int64_t
now_us(void)
{
	return mono_now().us;
}

static void
cloexec_nonblock(int fd)
{
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

void
dests_init(struct dests *d)
{
	struct sigaction sa;

	memset(d, 0, sizeof *d);
	d->max_open = 128;
	d->max_procs = 1;
	d->lru_head = d->lru_tail = NONE;
	d->compact_at = FILES_KEPT;
	d->event_fmt = FMT_JSON;
	keytab_init(&d->paths);
	buf_init(&d->env);
	buf_init(&d->scratch);
	buf_init(&d->keys);
	if (chld[0] < 0 && pipe(chld) == 0) {
		cloexec_nonblock(chld[0]);
		cloexec_nonblock(chld[1]);
		memset(&sa, 0, sizeof sa);
		sigemptyset(&sa.sa_mask);
		sa.sa_handler = on_chld;
		sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
		sigaction(SIGCHLD, &sa, NULL);
	}
}

/* Files */

static void
lru_unlink(struct dests *d, size_t id)
{
	struct dest_file *f = &d->files[id];

	if (f->prev != NONE)
		d->files[f->prev].next = f->next;
	else
		d->lru_head = f->next;
	if (f->next != NONE)
		d->files[f->next].prev = f->prev;
	else
		d->lru_tail = f->prev;
	f->prev = f->next = NONE;
}

static void
lru_push(struct dests *d, size_t id)
{
	struct dest_file *f = &d->files[id];

	f->prev = NONE;
	f->next = d->lru_head;
	if (d->lru_head != NONE)
		d->files[d->lru_head].prev = id;
	d->lru_head = id;
	if (d->lru_tail == NONE)
		d->lru_tail = id;
}

/* Tickets */

struct dest_ticket *
dests_ticket(struct dests *d)
{
	struct dest_ticket *t = d->spare;

	if (t)
		d->spare = t->next;
	else
		t = xmalloc(sizeof *t);
	t->refs = 1;
	t->best = DEST_NONE;
	t->next = NULL;
	return t;
}

void
dests_ticket_done(struct dests *d, struct dest_ticket *t, int outcome)
{
	if (outcome > t->best)
		t->best = outcome;
	if (--t->refs == 0) {
		d->records[t->best]++;
		t->next = d->spare;
		d->spare = t;
	}
}

void
dests_pending_add(struct dest_pending *p, struct dest_count *c,
    struct dest_ticket *t)
{
	size_t i = p->ntakers;

	/* one rule writes most buffers: then it is the last */
	if (i == 0 || p->takers[i - 1].count != c)
		for (i = 0; i < p->ntakers && p->takers[i].count != c; i++)
			;
	else
		i--;
	if (i == p->ntakers) {
		p->takers = xgrowarray(p->takers, &p->takercap, i + 1,
		    sizeof *p->takers);
		p->takers[p->ntakers++] = (struct dest_taker){ c, 0 };
	}
	p->takers[i].n++;
	if (t) {
		p->tickets = xgrowarray(p->tickets, &p->ticketcap,
		    p->ntickets + 1, sizeof *p->tickets);
		p->tickets[p->ntickets++] = t;
		t->refs++;
	}
}

size_t
dests_pending_settle(struct dests *d, struct dest_pending *p, int ok)
{
	size_t n = 0, i;

	d->stamp_uses = 0;	/* its write may have waited */
	for (i = 0; i < p->ntakers; i++) {
		n += p->takers[i].n;
		if (!ok) {		/* not delivered after all */
			p->takers[i].count->delivered -= p->takers[i].n;
			p->takers[i].count->failed += p->takers[i].n;
		}
	}
	if (!ok) {
		d->records[DEST_DELIVERED] -= p->nsole;
		d->records[DEST_FAILED] += p->nsole;
	}
	for (i = 0; i < p->ntickets; i++)
		dests_ticket_done(d, p->tickets[i], ok ? DEST_DELIVERED :
		    DEST_FAILED);
	p->ntakers = p->ntickets = p->nsole = 0;
	return n;
}

void
dests_pending_release(struct dest_pending *p)
{
	free(p->takers);
	free(p->tickets);
	memset(p, 0, sizeof *p);
}

/* Write out f's buffer; a failure is reported once, with what it lost. */
static int
file_flush(struct dests *d, struct dest_file *f)
{
	int ok = out_flush(&f->out) == 0;
	size_t n = dests_pending_settle(d, &f->pending, ok);

	if (ok)
		return 0;
	if (!f->reported)
		diag_warn("'%s': write error: %s (%zu event%s lost)", f->path,
		    strerror(f->out.err), n, n == 1 ? "" : "s");
	f->reported = 1;
	d->ioerr = 1;
	return -1;
}

static void
file_close(struct dests *d, size_t id)
{
	struct dest_file *f = &d->files[id];
	int bad = file_flush(d, f) < 0;

	if (close(f->out.fd) < 0 && !bad) {
		diag_warn("'%s': write error: %s", f->path, strerror(errno));
		d->ioerr = 1;
	}
	free(f->out.buf);
	f->out.buf = NULL;
	f->open = 0;
	lru_unlink(d, id);
	d->nopen--;
}

/* Directories on the way to path, as mkdir -p makes them. */
static void
make_dirs(char *path)
{
	char *s;

	for (s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0777);
		*s = '/';
	}
}

static int
file_open(struct dests *d, size_t id, int append)
{
	struct dest_file *f = &d->files[id];
	int fd, made = 0;

	if (d->nopen >= d->max_open && d->lru_tail != NONE)
		file_close(d, d->lru_tail);
	for (;;) {
		fd = open(f->path, O_WRONLY | O_CREAT | O_CLOEXEC |
		    (append || f->opened ? O_APPEND : O_TRUNC), 0666);
		if (fd >= 0)
			break;
		if ((errno == EMFILE || errno == ENFILE) &&
		    d->lru_tail != NONE)
			file_close(d, d->lru_tail);	/* fewer than we said */
		else if (errno == ENOENT && !made) {
			make_dirs(f->path);
			made = 1;
		} else {
			if (!f->reported)
				diag_warn("cannot open '%s': %s", f->path,
				    strerror(errno));
			f->reported = 1;
			d->ioerr = 1;
			return -1;
		}
	}
	if (!append && !f->opened)
		f->emptied = 1;
	f->opened = f->open = 1;
	out_init(&f->out, fd, f->path);
	lru_push(d, id);
	d->nopen++;
	return 0;
}

/* A file closed with nothing to remember (no >, no error said) is
 * forgotten: its path, and what it kept. */
static int
file_needed(void *arg, size_t id)
{
	struct dests *d = arg;
	struct dest_file *f = &d->files[id];

	if (f->open || f->emptied || f->reported)
		return 1;
	free(f->path);
	dests_pending_release(&f->pending);
	return 0;
}

static void
file_moved(void *arg, size_t from, size_t to)
{
	struct dests *d = arg;

	d->renumber[from] = to;
	if (to != from)		/* to < from, in order */
		d->files[to] = d->files[from];
}

/*
 * Forget the files nothing more needs to know of, so that a run that
 * writes ever new paths (a file an hour, a host) stays the size of what
 * is open.  The ids change: d->generation says so to those keeping one.
 */
static void
files_compact(struct dests *d)
{
	size_t i;

	d->renumber = xcalloc(d->nfiles, sizeof *d->renumber);
	keytab_filter(&d->paths, file_needed, file_moved, d);
	d->nfiles = d->paths.n;
	for (i = 0; i < d->nfiles; i++) {	/* the open ones' list */
		struct dest_file *f = &d->files[i];

		if (f->prev != NONE)
			f->prev = d->renumber[f->prev];
		if (f->next != NONE)
			f->next = d->renumber[f->next];
	}
	if (d->lru_head != NONE) {
		d->lru_head = d->renumber[d->lru_head];
		d->lru_tail = d->renumber[d->lru_tail];
	}
	free(d->renumber);
	d->renumber = NULL;
	d->generation++;
	d->compact_at = 2 * d->nfiles > FILES_KEPT ? 2 * d->nfiles :
	    FILES_KEPT;
}

size_t
dests_file(struct dests *d, const char *path, size_t len)
{
	struct dest_file *f;
	size_t id;
	int added;

	id = keytab_intern(&d->paths, path, len, hash_bytes(path, len), &added);
	if (added) {
		d->files = xgrowarray(d->files, &d->filecap, d->nfiles + 1,
		    sizeof *d->files);
		f = &d->files[d->nfiles++];
		memset(f, 0, sizeof *f);
		f->path = xmemdup(path, len);
		f->prev = f->next = NONE;
	}
	return id;
}

int
dests_write_file(struct dests *d, size_t id, int append, const char *line,
    size_t len, struct dest_count *c, struct dest_ticket *t)
{
	struct dest_file *f = &d->files[id];

	if (!f->open && file_open(d, id, append) < 0)
		return DEST_FAILED;
	if (d->lru_head != id) {
		lru_unlink(d, id);
		lru_push(d, id);
	}
	if (f->out.len + len + 1 > f->out.cap && file_flush(d, f) < 0) {
		file_close(d, id);	/* opened again for the next one */
		return DEST_FAILED;
	}
	out_write(&f->out, line, len);
	out_putc(&f->out, '\n');
	if (!append)
		f->emptied = 1;	/* > was here: never emptied again */
	dests_pending_add(&f->pending, c, t);
	d->ev_takers++;
	d->ev_file = id;
	d->ev_handler = NULL;
	d->ev_pending = NULL;
	return DEST_DELIVERED;
}

void
dests_event_begin(struct dests *d)
{
	if (d->nfiles >= d->compact_at)		/* between events: no id held */
		files_compact(d);
	d->ev_takers = 0;
	d->ev_handler = NULL;
	d->ev_file = NONE;
	d->ev_pending = NULL;
}

void
dests_event_taken(struct dests *d, struct dest_pending *p)
{
	d->ev_takers++;
	d->ev_handler = NULL;
	d->ev_file = NONE;
	d->ev_pending = p;
}

void
dests_event_end(struct dests *d, int ticket)
{
	if (ticket || d->ev_takers != 1)
		return;
	if (d->ev_handler && d->ev_handler->nmarks > 0)
		d->ev_handler->marks[d->ev_handler->nmarks - 1].sole = 1;
	else if (d->ev_file != NONE)
		d->files[d->ev_file].pending.nsole++;
	else if (d->ev_pending)
		d->ev_pending->nsole++;
}

/* Processes */

/* posix_spawn /bin/sh -c cmd in a group of its own, its standard input
 * the read end of a new pipe; *fd gets the write end, non-blocking, and
 * *rfd, when not NULL, the read end (else closed). */
static int
spawn(const char *cmd, char **envp, pid_t *pid, int *fd, int *rfd)
{
	static posix_spawnattr_t attr;
	static int made;
	posix_spawn_file_actions_t fa;
	char *argv[4] = { "sh", "-c", (char *)cmd, NULL };
	int p[2], rc;

	if (!made) {
		posix_spawnattr_init(&attr);
		posix_spawnattr_setpgroup(&attr, 0);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
		made = 1;
	}
	if (pipe(p) < 0)
		return errno;
	fcntl(p[1], F_SETFD, FD_CLOEXEC);	/* no other child holds it */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], 0);
	posix_spawn_file_actions_addclose(&fa, p[0]);
	rc = posix_spawn(pid, "/bin/sh", &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0 || rfd == NULL)
		close(p[0]);
	if (rc != 0) {
		close(p[1]);
		return rc;
	}
	if (rfd) {
		*rfd = p[0];
		fcntl(p[0], F_SETFD, FD_CLOEXEC);
	}
	*fd = p[1];
	cloexec_nonblock(*fd);
	return 0;
}

/* spawn, closing the files written least recently while the descriptors
 * run out: a command matters more than an open file. */
static int
spawn_room(struct dests *d, const char *cmd, char **envp, pid_t *pid,
    int *fd, int *rfd)
{
	int rc;

	while (((rc = spawn(cmd, envp, pid, fd, rfd)) == EMFILE ||
	    rc == ENFILE) && d->lru_tail != NONE)
		file_close(d, d->lru_tail);
	return rc;
}

/* "exit status 3", "signal 9", or "" for a clean exit. */
static const char *
how(int st, char *s, size_t n)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		*s = '\0';
	else if (WIFEXITED(st))
		snprintf(s, n, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(s, n, "signal %d", WTERMSIG(st));
	else
		snprintf(s, n, "status %d", st);
	return s;
}

/* Handlers */

struct handler *
dests_handler(struct dests *d, const char *cmd, struct dest_count *c)
{
	struct handler *h = xcalloc(1, sizeof *h);

	h->cmd = xstrdup(cmd);
	h->count = c;
	h->fd = h->rfd = -1;
	buf_init(&h->pending);
	pipewait_init(&h->wait);
	d->handlers = xrealloc(d->handlers,
	    (d->nhandlers + 1) * sizeof *d->handlers);
	d->handlers[d->nhandlers++] = h;
	return h;
}

static int
handler_spawn(struct dests *d, struct handler *h, char *err, size_t errlen)
{
	int rc = spawn_room(d, h->cmd, environ, &h->pid, &h->fd, &h->rfd);

	if (rc != 0) {
		snprintf(err, errlen, "cannot run '%s': %s", h->cmd,
		    strerror(rc));
		h->pid = 0;
		return -1;
	}
	h->pipecap = 65536;
#ifdef F_GETPIPE_SZ
	{
		int sz = fcntl(h->fd, F_GETPIPE_SZ);

		if (sz > 0)
			h->pipecap = (size_t)sz;
	}
#endif
	h->started = now_us();
	h->closed = 0;
	h->eof = 0;		/* a new run gets its own end of input */
	return 0;
}

int
dests_start(struct dests *d, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < d->nhandlers; i++)
		if (handler_spawn(d, d->handlers[i], err, errlen) < 0)
			return -1;
	return 0;
}

/* The clock for a handler's stamp: the last reading, unless it is
 * STAMP_EVERY events old or something may have waited since (each
 * wait goes through work, or settles a buffer's write). */
static int64_t
stamp_now(struct dests *d)
{
	if (d->stamp_uses++ % STAMP_EVERY == 0)
		d->stamp_clock = now_us();
	return d->stamp_clock;
}

/* The bytes in h's pipe that it has not read. */
static size_t
in_pipe(const struct handler *h)
{
	int fd = h->rfd >= 0 ? h->rfd : h->fd, n = 0;

	if (fd < 0 || ioctl(fd, FIONREAD, &n) < 0 || n < 0)
		return 0;
	return (size_t)n;
}

/* h has read its buffer's first consumed bytes: the waits of the events
 * in them, when measured. */
static void
waits_read(struct handler *h, size_t consumed)
{
	if (h->count->wait)
		pipewait_read(&h->wait, h->base + consumed, now_us(),
		    h->count->wait);
}

/* What h has read since we looked last, by what is left in its pipe. */
static void
handler_look(struct handler *h)
{
	size_t inpipe;

	if (h->count->wait == NULL || h->wait.n == 0)
		return;
	inpipe = in_pipe(h);
	waits_read(h, inpipe < h->sent ? h->sent - inpipe : 0);
}

/* When to look at h's pipe next, into *next. */
static void
look_due(const struct handler *h, int64_t *next)
{
	int64_t now;
	int ms;

	if (h->count->wait == NULL || h->wait.n == 0)
		return;
	now = now_us();
	if ((ms = pipewait_next(&h->wait, h->base + h->sent, now)) >= 0 &&
	    now + ms * MS < *next)
		*next = now + ms * MS;
}

/* The first event of h that ends after byte off of its buffer. */
static size_t
mark_after(const struct handler *h, size_t off)
{
	size_t lo = 0, hi = h->nmarks, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (h->marks[mid].end <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The tickets of h's events [from, to), whose outcome is known. */
static void
settle_marks(struct dests *d, struct handler *h, size_t from, size_t to,
    int outcome)
{
	for (; from < to; from++)
		if (h->marks[from].tk) {
			dests_ticket_done(d, h->marks[from].tk, outcome);
			h->marks[from].tk = NULL;
		}
}

/* Events k.. of h are not delivered after all: failed, for their rule,
 * and, those that went nowhere else, for the records. */
static void
fail_events(struct dests *d, struct handler *h, size_t k)
{
	size_t n = h->nmarks - k, sole = 0;

	settle_marks(d, h, k, h->nmarks, DEST_FAILED);
	for (; k < h->nmarks; k++)
		sole += h->marks[k].sole;
	h->count->delivered -= n;
	h->count->failed += n;
	h->lost += n;
	d->records[DEST_DELIVERED] -= sole;
	d->records[DEST_FAILED] += sole;
	if (n > 0)
		d->status = 1;
}

/* Events of h from the one that ends after byte start on will not be
 * delivered; its buffer is emptied. */
static void
handler_lose(struct dests *d, struct handler *h, size_t start)
{
	size_t k = mark_after(h, start);

	fail_events(d, h, k);
	settle_marks(d, h, 0, k, DEST_DELIVERED);	/* those it read */
	waits_read(h, start);
	pipewait_clear(&h->wait);
	h->base += h->pending.len;
	buf_reset(&h->pending);
	h->sent = 0;
	h->nmarks = 0;
	h->first_begin = 0;
}

/* Event k of h is lost, alone. */
static void
lose_one(struct dests *d, struct handler *h, size_t k)
{
	h->count->delivered--;
	h->count->failed++;
	h->lost++;
	settle_marks(d, h, k, k + 1, DEST_FAILED);
	if (h->marks[k].sole) {
		d->records[DEST_DELIVERED]--;
		d->records[DEST_FAILED]++;
		h->marks[k].sole = 0;
	}
	d->status = 1;
}

/* Where the events h never read start in its buffer, unread bytes being
 * left in its pipe; *partial when one was read in part (it is lost). */
static size_t
unread_start(const struct handler *h, size_t unread, int *partial)
{
	size_t start = unread < h->sent ? h->sent - unread : 0;
	size_t k = mark_after(h, start);
	long long begin = k == 0 ? h->first_begin :
	    (long long)h->marks[k - 1].end;

	*partial = k < h->nmarks && begin < (long long)start;
	return *partial ? h->marks[k].end : start;
}

/* h's process ended with status st (or, with st -1, stopped reading and
 * is not run again): what it had not read goes to its next run, under
 * --restart, or fails. */
static void
handler_ended(struct dests *d, struct handler *h, int st)
{
	char why[64];
	int unread = 0, partial, ms;
	size_t start, n;

	if (h->rfd >= 0 && ioctl(h->rfd, FIONREAD, &unread) < 0)
		unread = 0;
	if (st != -1) {
		if (h->fd >= 0)
			close(h->fd);
		if (h->rfd >= 0)
			close(h->rfd);
		h->fd = h->rfd = -1;
		h->pid = 0;
		how(st, why, sizeof why);
		if (*why && !d->over) {	/* killed at the end: said so */
			diag_warn("handler '%s' failed (%s)", h->cmd, why);
			d->status = 1;
		}
	}
	if (h->dead)
		return;
	start = unread_start(h, (size_t)unread, &partial);
	waits_read(h, start);
	if (h->eof && start == h->pending.len)
		return;				/* the end, all read */
	if (partial)	/* the one it read in part */
		lose_one(d, h, mark_after(h, start) - 1);
	n = h->nmarks - mark_after(h, start);
	if (d->restart && !d->over && st != -1) {
		if (now_us() - h->started >= 10 * US_PER_SEC)
			h->restarts = 0;
		ms = 100 << (h->restarts < 5 ? h->restarts : 5);
		diag_warn("handler '%s' ended; run again in %d ms%s%s", h->cmd,
		    ms, n ? ", with the events it had not read" : "",
		    partial ? " (one it had read in part is lost)" : "");
		h->restarts++;
		h->sent = start;
		h->due = now_us() + ms * MS;
		d->status = 1;
		return;
	}
	handler_lose(d, h, start);
	h->dead = 1;
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

/* Keep at most pipecap bytes of what was written, in front. */
static void
handler_compact(struct dests *d, struct handler *h)
{
	size_t drop, k;

	if (h->sent <= h->pipecap)
		return;
	drop = h->sent - h->pipecap;
	if (drop < h->pending.len / 2 && h->sent < h->pending.len)
		return;
	memmove(h->pending.data, h->pending.data + drop,
	    h->pending.len - drop);
	h->pending.len -= drop;
	h->pending.data[h->pending.len] = '\0';
	h->sent -= drop;
	h->base += drop;
	/* the events that went whole, and the rest's bounds */
	k = mark_after(h, drop);
	settle_marks(d, h, 0, k, DEST_DELIVERED);	/* out of the pipe */
	h->first_begin = (k == 0 ? h->first_begin :
	    (long long)h->marks[k - 1].end) -
	    (long long)drop;
	memmove(h->marks, h->marks + k, (h->nmarks - k) * sizeof *h->marks);
	h->nmarks -= k;
	for (k = 0; k < h->nmarks; k++)
		h->marks[k].end -= drop;
}

/* Write what h takes now, without waiting. */
static void
pump(struct dests *d, struct handler *h)
{
	while (h->fd >= 0 && !h->closed && h->sent < h->pending.len) {
		ssize_t w = write(h->fd, h->pending.data + h->sent,
		    h->pending.len - h->sent);

		if (w > 0)
			h->sent += (size_t)w;
		else if (w < 0 && errno == EINTR)
			continue;
		else if (w < 0 && errno == EAGAIN)
			break;
		else {		/* it closed its input */
			h->closed = 1;
			if (d->restart && !d->over && h->pid > 0)
				kill(-h->pid, SIGTERM);	/* and runs again */
			else {
				diag_warn("handler '%s' stopped reading its "
				    "input", h->cmd);
				h->said = 1;
				handler_ended(d, h, -1);
			}
		}
	}
	handler_compact(d, h);
	handler_look(h);
}

/* A destination holds us up: what the others have waiting goes now. */
static void
flush_before_wait(struct dests *d)
{
	size_t i;

	for (i = d->lru_head; i != NONE; i = d->files[i].next)
		file_flush(d, &d->files[i]);
	if (d->wait_out)
		out_flush(d->wait_out);
}

static size_t
unsent(const struct handler *h)
{
	return h->pending.len - h->sent;
}

int
dests_send(struct dests *d, struct handler *h, const char *line, size_t len,
    struct dest_ticket *t)
{
	while (!h->dead && unsent(h) > 0 && unsent(h) + len + 1 > DEST_BUFFER) {
		pump(d, h);
		if (h->dead || unsent(h) + len + 1 <= DEST_BUFFER)
			break;
		if (d->drop_when_full) {
			h->count->dropped++;
			return DEST_DROPPED;
		}
		if (sig_stopped())
			break;		/* the end: one more, then no more */
		flush_before_wait(d);
		dests_poll(d, -1, -1);	/* back-pressure: we wait */
	}
	if (h->dead) {
		if (!h->said)
			diag_warn("handler '%s' stopped reading its input",
			    h->cmd);
		h->said = 1;
		h->count->failed++;
		h->lost++;
		d->status = 1;
		return DEST_FAILED;
	}
	buf_add(&h->pending, line, len);
	buf_addc(&h->pending, '\n');
	if (h->nmarks == h->markcap) {
		h->markcap = h->markcap ? 2 * h->markcap : 64;
		h->marks = xrealloc(h->marks, h->markcap * sizeof *h->marks);
	}
	h->marks[h->nmarks++] = (struct handler_mark){ h->pending.len, t, 0 };
	if (h->count->wait)
		pipewait_stamp(&h->wait, h->base + h->pending.len,
		    stamp_now(d));
	if (t)
		t->refs++;
	h->count->delivered++;
	d->ev_takers++;
	d->ev_handler = h;
	d->ev_file = NONE;
	d->ev_pending = NULL;
	if (unsent(h) >= 64 * 1024)
		pump(d, h);
	if (h->nmarks == 0) {	/* it failed as we wrote: counted there */
		d->ev_takers--;
		d->ev_handler = NULL;
		return DEST_FAILED;
	}
	return DEST_DELIVERED;
}

/* Per-event commands */

struct dest_cmd *
dests_command(struct dests *d, const char *cmd, struct dest_count *c,
    int ordered)
{
	struct dest_cmd *x = xcalloc(1, sizeof *x);

	x->cmd = xstrdup(cmd);
	x->count = c;
	x->ordered = ordered;
	d->cmds = xrealloc(d->cmds, (d->ncmds + 1) * sizeof *d->cmds);
	d->cmds[d->ncmds++] = x;
	return x;
}

/* One field as EVENT_name=value, NUL-ended, in d->env. */
static void
add_env(void *arg, const char *name, size_t nlen, const struct val *v)
{
	struct dests *d = arg;
	struct buf *b = &d->env;
	const char *text;
	size_t i, n;

	buf_addstr(b, "EVENT_");
	for (i = 0; i < nlen; i++) {
		unsigned char c = (unsigned char)name[i];

		buf_addc(b, (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ? c : '_');
	}
	buf_addc(b, '=');
	if ((text = val_text(v, &d->scratch, &n)) == NULL) {
		text = v->p;		/* as written */
		n = v->n;
	}
	for (i = 0; i < n; i++)	/* a NUL would start a variable of its own */
		if (text[i] != '\0')
			buf_addc(b, text[i]);
	buf_addc(b, '\0');
}


/* 1 when environment strings a and b set the same name. */
static int
same_name(const char *a, const char *b)
{
	while (*a && *a == *b && *a != '=')
		a++, b++;
	return *a == '=' && *b == '=';
}

/* By name, then by place in d->env (the strings are in it in order). */
static int
env_order(const void *a, const void *b)
{
	const char *p = *(char *const *)a, *q = *(char *const *)b;
	const char *s = p, *t = q;

	while (*s == *t && *s != '=')
		s++, t++;
	if (*s != *t)	/* '=' ends a name: the shorter first */
		return *s == '=' ? -1 : *t == '=' ? 1 :
		    (unsigned char)*s - (unsigned char)*t;
	return (p > q) - (p < q);
}

/* The environment of a command for this event: ours and its fields
 * (malloc'd; the strings are environ's and d->env's). */
static char **
event_env(struct dests *d, int fmt, const char *line, size_t len)
{
	size_t n = 0, k = 0, i, j, m = 0;
	char **envp, **ours;
	const char *p;

	buf_reset(&d->env);
	buf_reset(&d->scratch);
	/* every field, not only those the rules read: a second pass over
	 * the line, for an event that costs a fork and an exec anyway */
	parser_each(fmt, line, len, &d->keys, add_env, d);
	for (p = d->env.data; p < d->env.data + d->env.len; p += strlen(p) + 1)
		k++;
	while (environ[n])
		n++;
	envp = xcalloc(n + k + 1, sizeof *envp);
	ours = envp + n;
	for (p = d->env.data, i = 0; i < k; p += strlen(p) + 1, i++)
		ours[i] = (char *)p;
	/* one of each name: the event's over ours, its last over the rest */
	for (i = 0; i < n; i++) {
		for (j = 0; j < k && !same_name(environ[i], ours[j]); j++)
			;
		if (j == k)
			envp[m++] = environ[i];
	}
	/* by name, and each name's last: sorted, as an event may hold
	 * thousands */
	qsort(ours, k, sizeof *ours, env_order);
	for (i = 0; i < k; i++)
		if (i + 1 == k || !same_name(ours[i], ours[i + 1]))
			envp[m++] = ours[i];
	envp[m] = NULL;
	return envp;
}


/* Write what j's command takes of its event, without waiting. */
static void
job_write(struct job *j)
{
	while (j->fd >= 0 && j->off < j->len) {
		ssize_t w = write(j->fd, j->event + j->off, j->len - j->off);

		if (w > 0)
			j->off += (size_t)w;
		else if (w < 0 && errno == EINTR)
			continue;
		else if (w < 0 && errno == EAGAIN)
			return;
		else
			break;		/* it did not read it all: its own */
	}
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

size_t
dests_handler_unread(struct handler *h)
{
	handler_look(h);
	return h->pending.len - h->sent + in_pipe(h);
}

static void job_ended(struct dests *d, size_t i, int st);

static void
job_spawn(struct dests *d, size_t i)
{
	struct job *j = d->run[i];
	char **envp = event_env(d, j->fmt, j->event, j->len - 1);
	int rc = spawn_room(d, j->x->cmd, envp, &j->pid, &j->fd, NULL);

	free(envp);
	j->off = 0;
	if (j->x->count->handling)
		j->started = now_us();
	if (rc != 0) {
		diag_warn("cannot run '%s': %s", j->x->cmd, strerror(rc));
		j->pid = 0;
		job_ended(d, i, 127 << 8);
		return;
	}
	job_write(j);
}

/* Keep j's event in the dead letter, written at once (it is rare): 0, or
 * -1 when it could not be, and the event is lost after all. */
static int
dead_letter_keep(struct dests *d, const struct job *j)
{
	out_write(d->dead_letter, j->event, j->len);
	return out_flush(d->dead_letter);
}

/* j's command ended with status st: delivered, retried, or dead. */
static void
job_ended(struct dests *d, size_t i, int st)
{
	struct job *j = d->run[i];
	struct dest_count *c = j->x->count;
	char why[64];
	int outcome;

	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	j->pid = 0;
	if (c->handling)
		summary_add(c->handling, (double)(now_us() - j->started) / 1e6);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		c->delivered++;
		outcome = DEST_DELIVERED;
	} else if (j->attempt < d->retries && !d->over) {
		c->retried++;
		/* back off: 10 ms, 20 ms, 40 ms ... */
		j->due = now_us() + (10 * MS << (j->attempt < 10 ?
		    j->attempt : 10));
		j->attempt++;
		return;
	} else if (d->dead_letter && dead_letter_keep(d, j) == 0) {
		c->dead++;
		outcome = DEST_DEAD;
	} else {
		if (!d->over)
			diag_warn("command '%s' failed (%s): its event is "
			    "lost%s", j->x->cmd, how(st, why, sizeof why),
			    d->dead_letter ? ", the dead letter cannot be "
			    "written" : "");
		c->failed++;
		d->status = 1;
		outcome = DEST_FAILED;
	}
	j->x->running--;
	d->run[i] = d->run[--d->nrun];
	dests_ticket_done(d, j->ticket, outcome);
	free(j);
}

/* Start queued commands while fewer than max_procs run, taking the
 * destinations in turn. */
static void
start_jobs(struct dests *d)
{
	struct dest_cmd *x;
	struct job *j;
	size_t k, i;

	while (d->nrun < d->max_procs && !d->over) {
		for (k = 0, x = NULL; k < d->ncmds && x == NULL; k++) {
			i = (d->next_cmd + k) % d->ncmds;
			if (d->cmds[i]->head && !(d->cmds[i]->ordered &&
			    d->cmds[i]->running))
				x = d->cmds[i];
		}
		if (x == NULL)
			return;
		d->next_cmd = (i + 1) % d->ncmds;
		j = x->head;
		if ((x->head = j->next) == NULL)
			x->tail = NULL;
		x->queued -= j->len;
		x->running++;
		d->run = xrealloc(d->run, (d->nrun + 1) * sizeof *d->run);
		d->run[d->nrun++] = j;
		job_spawn(d, d->nrun - 1);
	}
}

static void work(struct dests *d, int64_t *next);

int
dests_run(struct dests *d, struct dest_cmd *x, const char *line, size_t len,
    struct dest_ticket **t)
{
	struct job *j;
	int64_t next;

	if (chld_seen) {	/* free the slots of what ended, run the next */
		chld_seen = 0;
		work(d, &next);
	}
	while (x->queued > 0 && x->queued + len + 1 > DEST_BUFFER) {
		if (d->drop_when_full) {
			dests_poll(d, -1, 0);
			if (x->queued > 0 && x->queued + len + 1 > DEST_BUFFER) {
				x->count->dropped++;
				return DEST_DROPPED;
			}
			break;
		}
		if (sig_stopped())
			break;
		flush_before_wait(d);
		dests_poll(d, -1, -1);		/* back-pressure */
	}
	j = xmalloc(sizeof *j + len + 1);
	memset(j, 0, sizeof *j);
	j->x = x;
	j->fd = -1;
	j->fmt = d->event_fmt;
	j->len = len + 1;
	memcpy(j->event, line, len);
	j->event[len] = '\n';
	if (*t == NULL)
		*t = dests_ticket(d);	/* the caller's reference */
	(*t)->refs++;
	j->ticket = *t;
	if (x->tail)
		x->tail->next = j;
	else
		x->head = j;
	x->tail = j;
	x->queued += j->len;
	start_jobs(d);
	return DEST_PENDING;
}

/* The loop */

/* Wait for the processes that ended, and act on it. */
static void
reap(struct dests *d)
{
	pid_t pid;
	size_t i;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < d->nrun; i++)
			if (d->run[i]->pid == pid)
				break;
		if (i < d->nrun) {
			job_ended(d, i, st);
			continue;
		}
		for (i = 0; i < d->nhandlers; i++)
			if (d->handlers[i]->pid == pid) {
				handler_ended(d, d->handlers[i], st);
				break;
			}
	}
}

/* Retries and restarts that are due; *next gets the next one's time. */
static void
run_due(struct dests *d, int64_t *next)
{
	char err[256];
	int64_t now = now_us();
	size_t i;

	*next = INT64_MAX;
	for (i = 0; i < d->nhandlers; i++) {
		struct handler *h = d->handlers[i];

		if (h->due == 0 || d->over)
			continue;
		if (h->due > now) {
			*next = h->due < *next ? h->due : *next;
			continue;
		}
		h->due = 0;
		if (handler_spawn(d, h, err, sizeof err) < 0) {
			diag_warn("%s", err);
			h->due = now + 1000 * MS;
			*next = h->due < *next ? h->due : *next;
		}
	}
	for (i = 0; i < d->nrun; i++) {
		struct job *j = d->run[i];

		if (j->pid != 0 || j->due == 0 || d->over)
			continue;
		if (j->due > now) {
			*next = j->due < *next ? j->due : *next;
			continue;
		}
		j->due = 0;
		job_spawn(d, i);
		if (i >= d->nrun || d->run[i] != j)
			i--;		/* it ended at once */
	}
}

static void
work(struct dests *d, int64_t *next)
{
	size_t i;

	d->stamp_uses = 0;	/* we may have waited: read the clock again */
	reap(d);
	run_due(d, next);
	start_jobs(d);
	for (i = 0; i < d->nhandlers; i++) {
		pump(d, d->handlers[i]);
		look_due(d->handlers[i], next);
	}
	for (i = 0; i < d->nrun; i++)
		job_write(d->run[i]);
}

void
dests_flush(struct dests *d)
{
	int64_t next;
	size_t i;

	for (i = d->lru_head; i != NONE; i = d->files[i].next)
		file_flush(d, &d->files[i]);
	work(d, &next);
}

int
dests_busy(const struct dests *d)
{
	size_t i;

	if (d->nrun > 0)
		return 1;
	for (i = 0; i < d->ncmds; i++)
		if (d->cmds[i]->head)
			return 1;
	for (i = 0; i < d->nhandlers; i++) {
		const struct handler *h = d->handlers[i];

		if (h->due || (h->fd >= 0 && !h->closed && unsent(h) > 0))
			return 1;
		if (h->count->wait && pipewait_next(&h->wait,
		    h->base + h->sent, now_us()) >= 0)
			return 1;	/* its pipe to watch: to time its reads */
	}
	return 0;
}

/* At the end: each handler that was given all its events gets the end
 * of its input, so that it can end too. */
static void
end_inputs(struct dests *d)
{
	size_t i;

	for (i = 0; i < d->nhandlers; i++) {
		struct handler *h = d->handlers[i];

		if (h->fd >= 0 && h->due == 0 && unsent(h) == 0 && !h->eof) {
			close(h->fd);
			h->fd = -1;
			h->eof = 1;
		}
	}
}

int
dests_poll(struct dests *d, int fd, int ms)
{
	struct pollfd *pfd;
	size_t i, n = 0;
	int64_t next, now;
	int got, infd = -1;
	char sink[64];

	work(d, &next);
	if (d->ending)	/* that work may have written a handler's last */
		end_inputs(d);
	pfd = xcalloc(2 + d->nhandlers + d->nrun, sizeof *pfd);
	pfd[n++] = (struct pollfd){ chld[0], POLLIN, 0 };
	if (fd >= 0) {
		infd = (int)n;
		pfd[n++] = (struct pollfd){ fd, POLLIN, 0 };
	}
	for (i = 0; i < d->nhandlers; i++) {
		struct handler *h = d->handlers[i];

		if (h->fd >= 0 && !h->closed && unsent(h) > 0)
			pfd[n++] = (struct pollfd){ h->fd, POLLOUT, 0 };
	}
	for (i = 0; i < d->nrun; i++)
		if (d->run[i]->fd >= 0)
			pfd[n++] = (struct pollfd){ d->run[i]->fd, POLLOUT, 0 };
	/* at most a second: a signal that came before poll is seen */
	if (ms < 0 || ms > 1000)
		ms = 1000;
	now = now_us();
	if (next != INT64_MAX && (next - now) / MS < ms)
		ms = next <= now ? 0 : (int)((next - now) / MS) + 1;
	got = poll(pfd, (nfds_t)n, ms);
	if (got > 0 && pfd[0].revents)
		while (read(chld[0], sink, sizeof sink) > 0)
			;
	got = got > 0 && infd >= 0 && pfd[infd].revents != 0;
	free(pfd);
	work(d, &next);
	return got;
}

/* Anything left to wait for at the end. */
static int
finishing(struct dests *d)
{
	size_t i;

	end_inputs(d);
	for (i = 0; i < d->nhandlers; i++) {
		struct handler *h = d->handlers[i];

		if (h->due && unsent(h) == 0)
			h->due = 0;	/* nothing for a new run */
		if (h->pid || h->due)
			return 1;
	}
	return dests_busy(d);
}

/* The grace is over: kill what runs, fail what was not delivered. */
static void
give_up(struct dests *d)
{
	struct dest_cmd *x;
	struct job *j;
	size_t i;
	int st;

	d->over = 1;
	for (i = 0; i < d->nhandlers; i++) {
		struct handler *h = d->handlers[i];

		if (h->pid) {
			diag_warn("handler '%s' did not end within --grace: "
			    "killed", h->cmd);
			kill(-h->pid, SIGKILL);	/* its group: what it ran */
			while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
				;
			h->said = 1;
			handler_ended(d, h, st);
		}
		if (!h->dead)
			handler_lose(d, h, h->sent);
		d->status = 1;
	}
	if (d->nrun > 0)
		d->status = 1;
	while (d->nrun > 0) {
		j = d->run[0];
		st = 9;			/* as killed */
		if (j->pid) {
			diag_warn("command '%s' did not end within --grace: "
			    "killed", j->x->cmd);
			kill(-j->pid, SIGKILL);
			while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
				;
		}
		job_ended(d, 0, st);
	}
	for (i = 0; i < d->ncmds; i++) {
		x = d->cmds[i];
		if (x->head) {
			diag_warn("command '%s': events not run within --grace",
			    x->cmd);
			d->status = 1;
		}
		while ((j = x->head) != NULL) {
			x->head = j->next;
			d->run = xrealloc(d->run, (d->nrun + 1) *
			    sizeof *d->run);
			d->run[d->nrun++] = j;
			x->running++;
			job_ended(d, d->nrun - 1, 9);
		}
		x->tail = NULL;
		x->queued = 0;
	}
}

int
dests_finish(struct dests *d, int64_t grace)
{
	int64_t end = now_us() + grace, left;
	size_t i;

	d->ending = 1;
	for (i = d->lru_head; i != NONE; i = d->files[i].next)
		file_flush(d, &d->files[i]);
	while (finishing(d)) {
		/* after a signal, the grace is the one its clock keeps
		 * (sig.h), and a second signal ends it */
		if ((left = end - now_us()) <= 0 || sig_give_up()) {
			give_up(d);
			break;
		}
		dests_poll(d, -1, left / MS + 1 > 1000 ? 1000 :
		    (int)(left / MS) + 1);
	}
	while (d->lru_head != NONE)
		file_close(d, d->lru_head);
	/* the handlers have ended: what they did not lose, they read */
	for (i = 0; i < d->nhandlers; i++)
		settle_marks(d, d->handlers[i], 0, d->handlers[i]->nmarks,
		    DEST_DELIVERED);
	for (i = 0; i < d->nhandlers; i++)
		if (d->handlers[i]->lost > 0)
			diag_warn("handler '%s': %ju event%s not delivered",
			    d->handlers[i]->cmd, d->handlers[i]->lost,
			    d->handlers[i]->lost == 1 ? "" : "s");
	return d->status;
}

void
dests_release(struct dests *d)
{
	size_t i;

	for (i = 0; i < d->nfiles; i++) {
		if (d->files[i].open) {
			close(d->files[i].out.fd);
			free(d->files[i].out.buf);
		}
		free(d->files[i].path);
		dests_pending_release(&d->files[i].pending);
	}
	free(d->files);
	while (d->spare) {
		struct dest_ticket *t = d->spare;

		d->spare = t->next;
		free(t);
	}
	keytab_release(&d->paths);
	for (i = 0; i < d->nhandlers; i++) {
		if (d->handlers[i]->fd >= 0)
			close(d->handlers[i]->fd);
		if (d->handlers[i]->rfd >= 0)
			close(d->handlers[i]->rfd);
		buf_release(&d->handlers[i]->pending);
		free(d->handlers[i]->cmd);
		free(d->handlers[i]->marks);
		pipewait_release(&d->handlers[i]->wait);
		free(d->handlers[i]);
	}
	free(d->handlers);
	for (i = 0; i < d->ncmds; i++) {
		free(d->cmds[i]->cmd);
		free(d->cmds[i]);
	}
	free(d->cmds);
	free(d->run);
	buf_release(&d->env);
	buf_release(&d->scratch);
	buf_release(&d->keys);
}
