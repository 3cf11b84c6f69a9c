/*
 * reader.c - lines from a file descriptor in large blocks (see reader.h).
 */
#ifdef __linux__
#define _GNU_SOURCE		/* F_SETPIPE_SZ, splice */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "count.h"
#include "reader.h"
#include "sig.h"

#define READ_BLOCK (256 * 1024)
/* A bulk pipe's buffer: Linux's default limit for anyone.  Through a
 * pipe of 64 kB, cat moved 350 MB in 0.4 s; through 1 MB, in 0.12 s. */
#define BULK_PIPE_SIZE (1 << 20)

void
reader_fdopen(struct reader *r, int fd, const char *name)
{
	struct stat st;

	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->tee = -1;
	r->name = name;
	r->max_line = READER_MAX_LINE_DEFAULT;
	if (fstat(fd, &st) == 0) {
		r->isreg = S_ISREG(st.st_mode);
		r->ispipe = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
	}
}

int
reader_open(struct reader *r, const char *path)
{
	int fd;

	if (strcmp(path, "-") == 0) {
		reader_fdopen(r, 0, "<stdin>");
		return 0;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	reader_fdopen(r, fd, path);
	r->owns_fd = 1;
	return 0;
}

void
reader_close(struct reader *r)
{
	if (r->owns_fd)
		close(r->fd);
	free(r->buf);
	r->buf = NULL;
}

/* poll(2) of fd for input, for ms (-1: until there is some); a stop
 * ends the wait (sig_poll). */
static int
poll_in(int fd, int ms)
{
	struct pollfd pfd = { fd, POLLIN, 0 };

	return sig_poll(&pfd, 1, ms);
}

/* Block in poll until input is ready, letting the tool work meanwhile:
 * 1 when none was ready at first. */
static int
await_input(struct reader *r)
{
	if (r->isreg || poll_in(r->fd, 0) > 0)
		return 0;
	while (r->wait != NULL && !sig_stopped()) {
		int ms = r->wait(r->wait_arg), n;

		if (sig_stopped() || (n = poll_in(r->fd, ms)) > 0 ||
		    (n < 0 && errno != EINTR))
			break;		/* read says what went wrong */
	}
	return 1;
}

/* A pipe that keeps its reader busy gets a larger buffer: fewer and
 * larger reads and writes, on both sides (a refusal is no matter). */
static void
grow_pipe(struct reader *r)
{
#ifdef F_SETPIPE_SZ
	int size = fcntl(r->fd, F_GETPIPE_SZ);

	if (size >= 0 && size < BULK_PIPE_SIZE)
		(void)fcntl(r->fd, F_SETPIPE_SZ, BULK_PIPE_SIZE);
#else
	(void)r;
#endif
}

/* Count what a pipe gave without making the reader wait. */
static void
note_ready(struct reader *r, int waited, ssize_t n)
{
	int was_bulk = reader_bulk(r);

	if (!r->ispipe || n <= 0)
		return;
	r->ready_bytes = waited ? 0 : r->ready_bytes + (uint64_t)n;
	if (!was_bulk && reader_bulk(r))
		grow_pipe(r);
}

/*
 * One read of at most n bytes into p, the bytes first copied to r->tee
 * when it is set: tee(2) takes what the pipe holds without reading it,
 * then read(2) takes as much.  A tee that fails (its pipe full) ends
 * the copying, and read goes on alone.
 */
static ssize_t
read_some(struct reader *r, char *p, size_t n)
{
#ifdef SPLICE_F_NONBLOCK
	ssize_t got, m;

	if (r->tee >= 0) {
		/* nothing to take yet: wait, as read would (the side pipe
		 * full is the other reason, and ends the copying) */
		while ((m = tee(r->fd, r->tee, n, SPLICE_F_NONBLOCK)) < 0 &&
		    errno == EAGAIN && poll_in(r->fd, 0) == 0)
			if (poll_in(r->fd, -1) < 0)
				return -1;	/* EINTR: fill sees to it */
		if (m < 0 && errno != EINTR) {
			r->tee = -1;
			return read(r->fd, p, n);
		}
		for (got = 0; m > 0 && got < m; ) {
			ssize_t k = read(r->fd, p + got, (size_t)(m - got));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {	/* cannot be: the bytes are there */
				r->tee = -1;
				return got > 0 ? got : k;
			}
			got += k;
		}
		if (m > 0)
			r->teed += m;
		return m;
	}
#endif
	return read(r->fd, p, n);
}

/* Read more bytes, keeping buf[rec..end); 0 at end of input, -1 error. */
static int
fill(struct reader *r)
{
	ssize_t n;
	size_t want;
	int waited;

	if (r->moving)
		r->moving(r->moving_arg);
	if (r->rec > 0) {
		memmove(r->buf, r->buf + r->rec, r->end - r->rec);
		r->offset += (off_t)r->rec;
		r->start -= r->rec;
		r->scan -= r->rec;
		r->end -= r->rec;
		r->rec = 0;
	}
	if (r->cap - r->end < READ_BLOCK / 2) {
		r->cap = r->cap ? r->cap * 2 : READ_BLOCK;
		r->buf = xrealloc(r->buf, r->cap);
	}
	waited = await_input(r);
	want = r->cap - r->end;
	if (r->read_max > 0 && r->read_max < want)
		want = r->read_max;
	if (r->peek > 0 && r->peek < want)
		want = r->peek;
	r->peek = 0;
	/* SIGINT or SIGTERM: the input ends here */
	do
		n = sig_stopped() ? 0 : read_some(r, r->buf + r->end, want);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	note_ready(r, waited, n);
	if (n == 0) {
		r->eof = 1;
		r->cut = sig_stopped();
	}
	r->end += (size_t)n;
	return n > 0;
}

/* Find the end of the line that starts the unread bytes; the line is
 * buf[rec..*nl) with *nl the "\n" or the end of input. */
static int
find_eol(struct reader *r, size_t *nl)
{
	for (;;) {
		char *p = NULL;
		int got;

		if (r->end > r->scan)
			p = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		if (p) {
			*nl = (size_t)(p - r->buf);
			return 1;
		}
		r->scan = r->end;
		if (r->max_line && r->end - r->rec > r->max_line &&
		    r->end - r->rec - r->max_line > 1) {
			/* too long, "\r" or not: let its bytes go as they
			 * come */
			r->skipping = 1;
			r->rec = r->start = r->scan = r->end;
		}
		if (r->eof) {
			*nl = r->end;
			if ((r->hold_partial || r->cut) && !r->skipping)
				return 0;
			return r->end > r->start || r->skipping;
		}
		if ((got = fill(r)) < 0)
			return -1;
	}
}

static void
take_line(struct reader *r, size_t nl, const char **line, size_t *len)
{
	size_t e = nl;

	if (e > r->start && r->buf[e - 1] == '\r')
		e--;
	r->start = r->scan = nl < r->end ? nl + 1 : nl;
	r->lineno++;
	*line = r->buf + r->rec;
	*len = e - r->rec;
}

int
reader_next(struct reader *r, const char **line, size_t *len)
{
	size_t nl;
	int got;

	r->rec = r->start;
	if ((got = find_eol(r, &nl)) <= 0)
		return got;
	take_line(r, nl, line, len);
	if (r->skipping || (r->max_line && *len > r->max_line)) {
		r->skipping = 0;
		return READER_TOOLONG;
	}
	return 1;
}

int
reader_more(struct reader *r, const char **line, size_t *len)
{
	size_t nl;
	int got;

	if ((got = find_eol(r, &nl)) <= 0)
		return got;
	take_line(r, nl, line, len);
	if (r->skipping || (r->max_line && *len > r->max_line)) {
		r->skipping = 0;
		return READER_TOOLONG;
	}
	return 1;
}

int
reader_size_parse(const char *s, size_t *n)
{
	uint64_t v;

	if (count_parse_size(s, SIZE_MAX, &v) != COUNT_OK)
		return -1;
	*n = (size_t)v;
	return 0;
}

void
reader_push(struct reader *r, const char *p, size_t n)
{
	if (n == 0)
		return;
	if (r->cap - r->end < n) {
		r->cap = r->end + n > READ_BLOCK ? r->end + n : READ_BLOCK;
		r->buf = xrealloc(r->buf, r->cap);
	}
	memcpy(r->buf + r->end, p, n);
	r->end += n;
}

#ifdef SPLICE_F_MOVE
/* n bytes from fd to out by splice(2): how many moved, and in *err what
 * stopped it short (0: the end of input; ETIME: a stop, the grace over;
 * EINVAL before a byte: splice cannot move between the two) */
static size_t
splice_bytes(int fd, int out, size_t n, int *err)
{
	size_t done = 0;
	ssize_t k;

	*err = 0;
	while (done < n) {
		if ((k = splice(fd, NULL, out, NULL, n - done,
		    SPLICE_F_MOVE)) > 0)
			done += (size_t)k;
		else if (k == 0)
			break;
		else if (errno != EINTR || sig_give_up()) {
			*err = errno == EINTR ? ETIME : errno;
			break;
		}
	}
	return done;
}
#else
static size_t
splice_bytes(int fd, int out, size_t n, int *err)
{
	(void)fd;
	(void)out;
	(void)n;
	*err = EINVAL;
	return 0;
}
#endif

/* The same, read and written, for what splice cannot move (the count
 * is of what was read). */
static size_t
copy_bytes(int fd, int out, size_t n, int *err)
{
	char tmp[16384];
	size_t done = 0, at;
	ssize_t k, w;

	*err = 0;
	while (done < n) {
		k = read(fd, tmp, n - done < sizeof tmp ? n - done :
		    sizeof tmp);
		if (k < 0 && errno == EINTR && !sig_give_up())
			continue;
		if (k <= 0) {
			if (k < 0)
				*err = errno == EINTR ? ETIME : errno;
			break;
		}
		done += (size_t)k;
		for (at = 0; at < (size_t)k; at += (size_t)w)
			while ((w = write(out, tmp + at, (size_t)k - at)) < 0)
				if (errno != EINTR || sig_give_up()) {
					*err = errno == EINTR ? ETIME : errno;
					return done;
				}
	}
	return done;
}

ssize_t
reader_splice(struct reader *r, int out, size_t n, size_t peek)
{
	size_t moved;
	int err;

	if (r->moving)
		r->moving(r->moving_arg);
	r->offset += (off_t)r->end;
	r->start = r->end = r->rec = r->scan = 0;
	r->peek = peek;
	(void)sig_give_up();	/* as a write: a stop starts the grace */
	moved = splice_bytes(r->fd, out, n, &err);
	if (moved == 0 && err == EINVAL)
		moved = copy_bytes(r->fd, out, n, &err);
	r->offset += (off_t)moved;
	note_ready(r, 0, (ssize_t)moved);	/* moved bytes were ready */
	if (err) {
		errno = err;
		return -1;
	}
	return (ssize_t)moved;
}

int
reader_bulk(const struct reader *r)
{
	return r->ready_bytes >= READER_BULK;
}

off_t
reader_offset(const struct reader *r)
{
	return r->offset + (off_t)r->start;
}
