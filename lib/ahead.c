/*
 * ahead.c - a file's or a bulk pipe's lines parsed by two threads (see
 * ahead.h).
 *
 * Blocks go round a ring.  The second thread reads block nread into the
 * ring slot it last freed, carrying a line begun at a block's end into
 * the next, and, when no slot is free, parses the newest block not yet
 * claimed: the caller works from the oldest, so the two meet as late as
 * they can.  A block's state changes under the mutex only; its bytes and
 * marks belong to whoever claimed it.  One thread reads at a time (a
 * pipe's caller too, when it has no block and the second thread is busy):
 * the next slot, the carry and the offset are the reading thread's.
 *
 * A pipe may go quiet.  It is read only when poll says bytes are there
 * (and, while the caller has blocks, once fill bytes are: FIONREAD), and
 * a block is handed on as soon as the pipe is empty, with the whole lines
 * it holds: a line that came is never kept back for the lines after it.
 * With nothing to read or parse the second thread sleeps in poll on the
 * pipe and on its end of a socket pair, where ahead_stop wakes it.
 * The caller, with every block handed on and the pipe quiet, does what
 * reader.c does before a read that would block: the tool's wait, then
 * poll, on its end of the socket pair, where the second thread says that
 * a block came.  So flushes, timers and signals work as with one thread.
 */
#ifdef __linux__
#define _GNU_SOURCE		/* sched_getaffinity, F_GETPIPE_SZ, syscall */
#include <sched.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif
#include <unistd.h>

#include "ahead.h"
#include "punct.h"
#include "sig.h"

#define BLOCK_DEFAULT (256 * 1024)
#define MAX_VALS (64 * 1024)	/* per block: nv * marks */

/* A block: free, read, being parsed by the second thread, or done with
 * by it (its first nmarks lines parsed, none when the caller took it). */
enum { B_FREE, B_READ, B_WORKER, B_PARSED };

/* read_block: more to read, the end (of input, or of reading ahead), or
 * a pipe found empty */
enum { READ_MORE, READ_END, READ_QUIET };

/* Where r's offset 0 is in its file: r read from wherever the
 * descriptor was (a shell's "read" may have taken some of it). */
static off_t
file_base(const struct reader *r)
{
	off_t at = lseek(r->fd, 0, SEEK_CUR);

	return at < 0 ? -1 : at - (r->offset + (off_t)r->end);
}

/* The processors this process may run on (taskset, a cgroup's cpuset),
 * asked once: a pipe's reader asks at every buffer it reads. */
static long
processors(void)
{
	static long n;
#ifdef __linux__
	cpu_set_t set;

	if (n == 0 && sched_getaffinity(0, sizeof set, &set) == 0)
		n = CPU_COUNT(&set);
#endif
	if (n == 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n;
}

int
ahead_worth(const struct reader *r, int behind_tools)
{
	struct stat st;
	off_t base;

	if (r->hold_partial || (!r->isreg && !r->ispipe) ||
	    processors() < (r->ispipe && behind_tools ? 3 : 2))
		return 0;
	if (r->ispipe)
		return !r->eof && reader_bulk(r);
	if (fstat(r->fd, &st) < 0 || (base = file_base(r)) < 0)
		return 0;
	return st.st_size - (base + reader_offset(r)) >= 4 * BLOCK_DEFAULT;
}

/* Bytes to read on fd now, without waiting? */
static int
input_ready(int fd)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	return poll(&pfd, 1, 0) != 0;	/* an error: read says it */
}

/* Empty our end of the socket pair of the wake-ups sent to it. */
static void
drain(int fd)
{
	char junk[64];

	while (read(fd, junk, sizeof junk) > 0)
		;
}

/* Wake the thread in poll at the other end of the socket pair. */
static void
wake(int fd)
{
	ssize_t n = write(fd, "", 1);	/* full: it is awake already */

	(void)n;
}

/* The line at buf[pos..len): its end without "\r", and past its "\n". */
static size_t
line_end(const char *buf, size_t pos, size_t len, size_t *next)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);
	size_t e = nl ? (size_t)(nl - buf) : len;

	*next = nl ? e + 1 : e;
	if (e > pos && buf[e - 1] == '\r')
		e--;
	return e;
}

int
ahead_classify(const char **line, size_t *len, size_t max_line,
    int after_tab)
{
	const char *sep;

	if (max_line && *len > max_line)
		return AHEAD_TOOLONG;
	if (punct_is(*line, *len))
		return AHEAD_CONTROL;
	if (after_tab && *len > 0 && **line != '{' &&
	    (sep = memchr(*line, '\t', *len)) != NULL) {
		*len -= (size_t)(sep + 1 - *line);
		*line = sep + 1;
	}
	return AHEAD_RECORD;
}

/* A line classified and, when a record, parsed. */
static int
prepare(const struct ahead *a, struct parser *ps, const char **line,
    size_t *len, struct val *v, int *rc, const char **err)
{
	struct record rec;
	int kind = ahead_classify(line, len, a->max_line, a->after_tab);

	if (kind != AHEAD_RECORD)
		return kind;
	rec.line = *line;
	rec.len = *len;
	rec.v = v;
	*rc = parser_parse(ps, &rec, err);
	return AHEAD_RECORD;
}

/* The second thread's parse of b, up to capmarks lines. */
static void
parse_block(struct ahead *a, struct ahead_block *b)
{
	const char *buf = b->buf, *line, *err = NULL;
	size_t pos = 0, next, e, len, n = 0, end = b->len, cap = a->capmarks;
	struct ahead_mark *m;
	int rc = PARSE_OK;

	/* b->nmarks is written once, at the end: the caller reads its own
	 * block's at every record */
	buf_reset(&b->errs);
	while (pos < end && n < cap) {
		e = line_end(buf, pos, end, &next);
		line = buf + pos;
		len = e - pos;
		m = &b->marks[n];
		m->kind = (int16_t)prepare(a, &a->wps, &line, &len,
		    b->vals + n * a->nv, &rc, &err);
		m->off = (uint32_t)(line - buf);
		m->len = (uint32_t)len;
		m->next = (uint32_t)next;
		m->rc = (int16_t)rc;
		if (m->kind == AHEAD_RECORD && rc == PARSE_ERROR) {
			/* a message built in wps.errbuf would not last */
			m->err = (uint32_t)b->errs.len;
			buf_addstr(&b->errs, err);
			buf_addc(&b->errs, '\0');
		}
		n++;
		pos = next;
	}
	b->nmarks = n;
}

/* The last "\n" of p[0..n), or NULL: the scan is one line's length. */
static const char *
last_newline(const char *p, size_t n)
{
	while (n > 0)
		if (p[--n] == '\n')
			return p + n;
	return NULL;
}

/* What b->buf[0..n) leaves to the next block: the bytes past its
 * b->len, then the carry's bytes past the first took. */
static void
carry_rest(struct ahead *a, const struct ahead_block *b, size_t n,
    size_t took)
{
	struct buf *c = &a->carry;
	size_t tail = n - b->len, left = c->len - took;

	if (left == 0) {
		buf_reset(c);
		buf_add(c, b->buf + b->len, tail);
		return;
	}
	/* nothing was read: b holds took bytes of the carry, tail <= took */
	memmove(c->data + tail, c->data + took, left);
	memcpy(c->data, b->buf + b->len, tail);
	c->len = tail + left;
	c->data[c->len] = '\0';
}

/* One read into buf: what read(2) gives, from a file at the offset the
 * reading thread is at. */
static ssize_t
read_some(struct ahead *a, char *buf, size_t n)
{
	if (a->pipe)
		return read(a->r->fd, buf, n);
	return pread(a->r->fd, buf, n, a->base + a->readoff);
}

/*
 * The reading thread's read of the next whole lines into b, without the
 * lock: READ_MORE, READ_END (a->eof's fields set but eof itself, which
 * read_next sets under the lock), or READ_QUIET when a pipe had no more
 * for now.  A pipe's carry may hold more than a block when reading
 * begins: the reader had buffered that much.
 */
static int
read_block(struct ahead *a, struct ahead_block *b)
{
	size_t took = a->carry.len < a->blocksize ? a->carry.len :
	    a->blocksize, n = took;
	const char *nl;
	ssize_t got = 1;
	int quiet = 0;

	memcpy(b->buf, a->carry.data, took);
	b->offset = a->readoff - (off_t)a->carry.len;
	while (n < a->blocksize) {
		if (sig_stopped()) {	/* as reader.c: the input ends */
			a->cut = 1;
			got = 0;
			break;
		}
		if (a->pipe && !input_ready(a->r->fd)) {
			quiet = 1;
			break;
		}
		got = read_some(a, b->buf + n, a->blocksize - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			a->err = errno;
			break;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		a->readoff += got;
	}
	nl = last_newline(b->buf, n);
	b->len = nl ? (size_t)(nl + 1 - b->buf) : 0;
	carry_rest(a, b, n, took);
	if (quiet)
		return READ_QUIET;
	if (got > 0 && n == a->blocksize) {
		if (nl)
			return READ_MORE;
		a->bail = 1;	/* a line of a block or more: reader.c's */
	} else if (got == 0 && !a->cut) {
		b->len = n;	/* the last line may lack its "\n" */
		buf_reset(&a->carry);
		a->ended = 1;
	}
	return READ_END;
}

/* The newest block read and not claimed, or NULL. */
static struct ahead_block *
newest_unclaimed(struct ahead *a)
{
	uint64_t s;

	for (s = a->nread; s > a->ntaken; s--) {
		struct ahead_block *b = &a->blocks[(s - 1) % AHEAD_BLOCKS];

		if (b->state == B_READ)
			return b;
	}
	return NULL;
}

/* Under the lock: wake the second thread, and count it (second_may_read
 * asks the pipe with the lock let go).  Every change of the caller's that
 * the second thread acts on is followed by one, for a pipe: that is why
 * worth_waking says yes to a pipe always. */
static void
wake_second(struct ahead *a)
{
	a->nwoken++;
	pthread_cond_signal(&a->work);
}

/* Under the lock: a block came, or the input ended or went quiet. */
static void
tell_caller(struct ahead *a)
{
	pthread_cond_signal(&a->ready);
	if (a->polling)
		wake(a->sv[1]);
}

/* The second thread, a pipe quiet and nothing to parse: sleep till bytes
 * come or ahead_stop wakes it.  Called and returns with the lock held. */
static void
await_pipe(struct ahead *a)
{
	struct pollfd pfd[2] = {
		{ a->r->fd, POLLIN, 0 }, { a->sv[1], POLLIN, 0 }
	};

	a->starved = 1;
	a->nstarved++;
	tell_caller(a);
	pthread_mutex_unlock(&a->mu);
	while (poll(pfd, 2, -1) < 0 && errno == EINTR)
		;
	drain(a->sv[1]);
	pthread_mutex_lock(&a->mu);
	a->starved = 0;
	a->quiet = 0;
}

/* Under the lock, a free slot next and nobody reading: read the next
 * block into it, the lock let go meanwhile. */
static void
read_next(struct ahead *a)
{
	struct ahead_block *b = &a->blocks[a->nread % AHEAD_BLOCKS];
	int got;

	a->reading = 1;
	pthread_mutex_unlock(&a->mu);
	got = read_block(a, b);
	pthread_mutex_lock(&a->mu);
	a->reading = 0;
	if (b->len > 0) {
		b->state = B_READ;
		a->nread++;
	}
	a->eof = got == READ_END;
	a->quiet = got == READ_QUIET;
}

int
ahead_read_now(int pipe, uint64_t queued, size_t waiting, size_t carry,
    size_t fill)
{
	return !pipe || queued == 0 || waiting + carry >= fill;
}

/* What a pipe read ahead is left to hold: a block, or half what it can
 * hold when that is less (a pipe fills by pages, and a write that does
 * not fit the last page's room takes a new one: full, it holds less than
 * its size); where the pipe's size is not known, nothing: it is read
 * whenever bytes are there. */
static size_t
fill_mark(int fd, size_t blocksize)
{
#ifdef F_GETPIPE_SZ
	int cap = fcntl(fd, F_GETPIPE_SZ);

	if (cap > 0)
		return (size_t)cap / 2 < blocksize ? (size_t)cap / 2 :
		    blocksize;
#endif
	(void)fd;
	(void)blocksize;
	return 0;
}

/* Under the lock: a next block to read, its slot free, nobody reading? */
static int
next_slot_free(const struct ahead *a)
{
	return !a->eof && !a->reading &&
	    a->blocks[a->nread % AHEAD_BLOCKS].state == B_FREE;
}

/* May the second thread read now?  With a pipe, while the caller has
 * blocks to work on, only when a whole block waits: see ahead.h.  The
 * pipe is asked with the lock let go: under it, the system call kept
 * the caller waiting for the lock at the end of its blocks, asleep (a
 * pipe's count of futex waits halved, cat | stream-agg 3% faster).  -1
 * when the caller woke the thread meanwhile: a wait now would miss it. */
static int
second_may_read(struct ahead *a)
{
	uint64_t woken = a->nwoken;
	int waiting = 0, rc;

	if (a->quiet || !next_slot_free(a))
		return 0;
	if (!a->pipe || a->nread == a->ntaken)
		return 1;
	pthread_mutex_unlock(&a->mu);
	rc = ioctl(a->r->fd, FIONREAD, &waiting);
	pthread_mutex_lock(&a->mu);
	if (a->nwoken != woken)
		return -1;	/* a wake-up came meanwhile: look again */
	if (a->quiet || !next_slot_free(a))
		return 0;
	if (rc < 0 || waiting < 0)
		return 1;		/* the read will say what is wrong */
	return ahead_read_now(a->pipe, a->nread - a->ntaken, (size_t)waiting,
	    a->carry.len, a->fill);
}

/* May the caller, with no block to take, read the next itself rather than
 * wait?  A pipe's, when nobody reads (the second thread may be parsing,
 * even the caller's next block, or waking): its writer's wake-ups
 * would put the second thread on the writer's processor, where the two
 * take turns while the caller waits (a file's second thread keeps up by
 * itself).  Not while the second thread waits in poll on the pipe: it is
 * woken by what comes, to read it. */
static int
caller_may_read(struct ahead *a)
{
	return a->pipe && !a->starved && next_slot_free(a) &&
	    input_ready(a->r->fd);
}

/*
 * A pipe's second thread runs AHEAD_PIPE_NICE below the caller: the
 * pipe's writer comes first on its processor.  At the same priority the
 * two took turns, the writer fell behind, the caller waited for input
 * with its processor idle, and there the kernel put the writer, to take
 * turns with the caller from then on (perf sched: in 2 of 8 runs of cat |
 * stream-agg, 30% slower).  What the second thread leaves unparsed the
 * caller parses; what the writer does not write, nobody reads.  Linux
 * alone gives a thread its own priority.
 */
static void
yield_to_writer(void)
{
#if defined(__linux__) && defined(SYS_gettid)
	id_t tid = (id_t)syscall(SYS_gettid);
	int was;

	errno = 0;
	was = getpriority(PRIO_PROCESS, tid);
	if (was != -1 || errno == 0)
		(void)setpriority(PRIO_PROCESS, tid, was + AHEAD_PIPE_NICE);
#endif
}

static void *
second_thread(void *arg)
{
	struct ahead *a = arg;
	struct ahead_block *b;

	if (a->pipe)
		yield_to_writer();
	pthread_mutex_lock(&a->mu);
	while (!a->stop) {
		int may = second_may_read(a);

		if (may < 0)
			continue;
		if (may) {
			read_next(a);
			tell_caller(a);
		} else if ((b = newest_unclaimed(a)) != NULL) {
			b->state = B_WORKER;
			pthread_mutex_unlock(&a->mu);
			parse_block(a, b);
			pthread_mutex_lock(&a->mu);
			b->state = B_PARSED;
			tell_caller(a);
		} else if (a->eof)
			break;	/* all read, all claimed */
		else if (a->quiet && a->ntaken == a->nread)
			await_pipe(a);
		else {
			/* a slot to be freed (a file's caller wakes us when
			 * AHEAD_WAKE_SLOTS are); or a pipe empty for now while
			 * the caller has blocks to take: read again when it
			 * takes one, more will have come by then, at the cost
			 * of one wake-up and not one a write */
			a->nslot_waits += !a->quiet &&
			    a->blocks[a->nread % AHEAD_BLOCKS].state != B_FREE;
			pthread_cond_wait(&a->work, &a->mu);
			a->quiet = 0;
		}
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

static void
release(struct ahead *a)
{
	size_t i;

	for (i = 0; i < AHEAD_BLOCKS; i++) {
		free(a->blocks[i].buf);
		free(a->blocks[i].marks);
		free(a->blocks[i].vals);
		buf_release(&a->blocks[i].errs);
	}
	buf_release(&a->carry);
	parser_release(&a->wps);
	fieldset_release(&a->fs);
	if (a->pipe) {
		close(a->sv[0]);
		close(a->sv[1]);
	}
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->work);
	pthread_cond_destroy(&a->ready);
}

/* The socket pair the two threads wake each other through: never blocks,
 * and no program the tool runs inherits it.  0, or -1. */
static int
wake_pair(int sv[2])
{
	int i;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	for (i = 0; i < 2; i++)
		if (fcntl(sv[i], F_SETFD, FD_CLOEXEC) < 0 ||
		    fcntl(sv[i], F_SETFL, O_NONBLOCK) < 0) {
			close(sv[0]);
			close(sv[1]);
			return -1;
		}
	return 0;
}

int
ahead_start(struct ahead *a, struct reader *r, struct parser *ps,
    struct val *v, size_t max_line, int after_tab, size_t blocksize)
{
	sigset_t all, old;
	size_t i, nv = ps->fs->n;
	off_t off;
	int rc;

	memset(a, 0, sizeof *a);
	a->pipe = !r->isreg;
	if (a->pipe ? wake_pair(a->sv) < 0 : (a->base = file_base(r)) < 0)
		return -1;
	a->r = r;
	a->ps = ps;
	a->v = v;
	a->nv = nv;
	a->max_line = max_line;
	a->after_tab = after_tab;
	a->blocksize = blocksize ? blocksize : BLOCK_DEFAULT;
	/* room for lines of 32 bytes on average: a session stream's lines
	 * are about 35, and at 64 the caller parsed nearly half of each block
	 * itself, on the thread that also keeps the sessions */
	a->capmarks = a->blocksize / 32;
	if (nv > 0 && a->capmarks > MAX_VALS / nv)
		a->capmarks = MAX_VALS / nv;
	if (a->capmarks == 0)
		a->capmarks = 1;
	for (i = 0; i < AHEAD_BLOCKS; i++) {
		struct ahead_block *b = &a->blocks[i];

		b->buf = xmalloc(a->blocksize);
		b->marks = xmalloc(a->capmarks * sizeof *b->marks);
		b->vals = xmalloc((nv ? nv : 1) * a->capmarks * sizeof *b->vals);
		buf_init(&b->errs);
	}
	buf_init(&a->carry);
	fieldset_copy(&a->fs, ps->fs);
	parser_init(&a->wps, ps->fmt, &a->fs);
	a->readoff = off = reader_offset(r);
	if (a->pipe) {
		a->fill = fill_mark(r->fd, a->blocksize);
		/* what r read and did not hand on cannot be read again */
		buf_add(&a->carry, r->buf + r->start, r->end - r->start);
		a->readoff = r->offset + (off_t)r->end;
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->work, NULL);
	pthread_cond_init(&a->ready, NULL);
	/* signals are the caller's to take */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&a->thread, NULL, second_thread, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		release(a);
		return -1;
	}
	/* what r had buffered past its last line is read again, or the
	 * second thread's carry */
	r->offset = off;
	r->start = r->end = r->scan = r->rec = 0;
	r->eof = 0;
	return 0;
}

/*
 * The caller, every block read handed on and the pipe quiet: as reader.c
 * before a read that would block, the tool's wait, then poll until the
 * second thread says something came, or input comes (which the second
 * thread, woken too, is about to read: no more waits till it has), or a
 * signal.  Called and returns with the lock held.
 */
static void
await_block(struct ahead *a)
{
	struct reader *r = a->r;
	struct pollfd pfd[2] = {
		{ a->sv[0], POLLIN, 0 }, { r->fd, POLLIN, 0 }
	};
	uint64_t gen = a->nstarved;
	int ms, came = 0;

	a->polling = 1;
	pthread_mutex_unlock(&a->mu);
	ms = r->wait ? r->wait(r->wait_arg) : -1;
	if (sig_poll(pfd, 2, ms) > 0)
		came = pfd[1].revents != 0;
	drain(a->sv[0]);
	pthread_mutex_lock(&a->mu);
	a->polling = 0;
	if (came)
		a->seen = gen;
}

/*
 * Should the caller wake the second thread, having freed a slot or taken
 * a block?  A file's second thread waits only for a free slot (it never
 * finds its file quiet, and only a pipe's caller reads), so fewer than
 * AHEAD_WAKE_SLOTS free: not yet.  Woken then, it reads that many blocks
 * in a row, and sleeps and wakes that many times less, each waking a
 * chance for the kernel to queue it behind a running thread while the
 * other processor idles.  A pipe's is woken at once: held back, it lets
 * the pipe fill and its writer wait.  The caller never waits while the
 * second thread does: with no block to take, it has freed every slot, or
 * the second thread parses its next.  The free slots are those neither
 * read and not yet taken, nor the caller's.
 */
static int
worth_waking(const struct ahead *a)
{
	uint64_t held = a->nread - a->ntaken + (a->cur != NULL);

	return a->pipe || AHEAD_BLOCKS - held >= AHEAD_WAKE_SLOTS;
}

/* Finish the caller's block and claim the next: 1, or ahead_next's end. */
static int
next_block(struct ahead *a)
{
	struct ahead_block *b;

	/* the caller's block is about to go back to the ring: outside the
	 * lock, since what the caller does there may block on a write */
	if (a->cur && a->r->moving)
		a->r->moving(a->r->moving_arg);
	pthread_mutex_lock(&a->mu);
	if (a->cur) {
		a->cur->state = B_FREE;
		a->cur = NULL;
		if (worth_waking(a))
			wake_second(a);
	}
	for (;;) {
		if (sig_stopped()) {	/* the blocks not begun go unread */
			pthread_mutex_unlock(&a->mu);
			a->r->eof = a->r->cut = 1;
			return 0;
		}
		if (a->ntaken < a->nread) {
			b = &a->blocks[a->ntaken % AHEAD_BLOCKS];
			if (b->state == B_READ) {
				b->state = B_PARSED;	/* all of it here */
				b->nmarks = 0;
				break;
			}
			if (b->state == B_PARSED)
				break;
		} else if (a->eof) {
			pthread_mutex_unlock(&a->mu);
			if (a->err) {
				errno = a->err;
				return -1;
			}
			if (a->bail)
				return AHEAD_SERIAL;
			a->r->eof = 1;
			a->r->cut = a->cut;
			return 0;
		}
		if (caller_may_read(a)) {
			read_next(a);
			a->nself++;
			wake_second(a);
		} else if (a->starved && a->ntaken == a->nread &&
		    a->seen != a->nstarved)
			await_block(a);
		else
			pthread_cond_wait(&a->ready, &a->mu);
	}
	a->ntaken++;
	a->cur = b;
	a->mark = 0;
	a->pos = 0;
	if (worth_waking(a))	/* a block taken: see second_thread */
		wake_second(a);
	pthread_mutex_unlock(&a->mu);
	return 1;
}

int
ahead_next(struct ahead *a, struct ahead_line *l)
{
	struct ahead_block *b = a->cur;
	size_t e, next;
	int rc;

	while (b == NULL || (a->mark == b->nmarks && a->pos == b->len)) {
		if ((rc = next_block(a)) != 1)
			return rc;
		b = a->cur;
	}
	if (a->mark < b->nmarks) {
		const struct ahead_mark *m = &b->marks[a->mark];

		l->line = b->buf + m->off;
		l->len = m->len;
		l->kind = m->kind;
		l->rc = m->rc;
		l->err = l->rc == PARSE_ERROR ? b->errs.data + m->err : NULL;
		l->v = b->vals + a->mark * a->nv;
		a->mark++;
		a->pos = m->next;
	} else {
		e = line_end(b->buf, a->pos, b->len, &next);
		l->line = b->buf + a->pos;
		l->len = e - a->pos;
		l->v = a->v;
		l->rc = PARSE_OK;
		l->err = NULL;
		l->kind = prepare(a, a->ps, &l->line, &l->len, a->v, &l->rc,
		    &l->err);
		a->pos = next;
	}
	a->r->lineno++;
	a->r->offset = b->offset + (off_t)a->pos;
	return 1;
}

/* A pipe's bytes read and not handed on go back to the reader, in order:
 * the rest of the caller's block, the blocks not begun, the carry. */
static void
give_back(struct ahead *a)
{
	struct reader *r = a->r;
	uint64_t s;

	if (a->cur)
		reader_push(r, a->cur->buf + a->pos, a->cur->len - a->pos);
	for (s = a->ntaken; s < a->nread; s++) {
		const struct ahead_block *b = &a->blocks[s % AHEAD_BLOCKS];

		reader_push(r, b->buf, b->len);
	}
	reader_push(r, a->carry.data, a->carry.len);
	r->eof |= a->ended || a->cut;
	r->cut |= a->cut;
}

void
ahead_stop(struct ahead *a)
{
	struct reader *r = a->r;

	if (r->moving)
		r->moving(r->moving_arg);
	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	wake_second(a);
	pthread_mutex_unlock(&a->mu);
	if (a->pipe)
		wake(a->sv[0]);
	pthread_join(a->thread, NULL);
	/* the reader goes on from the last line handed back */
	r->start = r->end = r->scan = r->rec = 0;
	if (a->pipe)
		give_back(a);
	else
		(void)lseek(r->fd, a->base + r->offset, SEEK_SET);
	release(a);
}
