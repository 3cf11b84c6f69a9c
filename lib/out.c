/*
 * out.c - buffered output and record writers (see out.h).
 */
#define _GNU_SOURCE		/* F_SETPIPE_SZ, where Linux has it */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "out.h"
#include "sig.h"
#include "record.h"

#define OUT_BUF OUT_ROOM_MAX
#ifndef IOV_MAX
#define IOV_MAX 1024		/* POSIX's least is 16; Linux has 1024 */
#endif

struct out_mark {
	size_t at;		/* goes out before buf[at] */
	size_t off, len;	/* its text in o->marks */
};

/* out_behind's thread, and what it shares with the caller under mu */
struct out_writer {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *todo;		/* a full buffer for the thread, or NULL */
	size_t todolen;
	char *spare;		/* the one it wrote last, free for the caller */
	int err;		/* errno of its first failed write */
	int quit;
};

void
out_pipe_size(struct out *o, size_t size)
{
#ifdef F_SETPIPE_SZ
	struct stat st;

	if (fstat(o->fd, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    size <= INT_MAX)
		(void)fcntl(o->fd, F_SETPIPE_SZ, (int)size);
#else
	(void)o;
	(void)size;
#endif
}

void
out_init(struct out *o, int fd, const char *name)
{
	memset(o, 0, sizeof *o);
	o->fd = fd;
	o->name = name;
	o->cap = OUT_BUF;
	o->buf = xmalloc(o->cap);
	buf_init(&o->marks);
	/* a pipeline of the tools moves fewer, larger blocks */
	out_pipe_size(o, OUT_BUF);
}

void
out_grow(struct out *o, size_t cap)
{
	if (cap <= o->cap || o->writer)
		return;
	o->buf = xrealloc(o->buf, cap);
	o->cap = cap;
}

int
out_open(struct out *o, const char *path, int append)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC |
	    (append ? O_APPEND : O_TRUNC), 0666);

	if (fd < 0)
		return -1;
	out_init(o, fd, path);
	o->owns_fd = 1;
	return 0;
}

/* A write that failed: its error is o's, but for one a signal
 * interrupted while the grace goes on (the caller writes again). */
static void
write_refused(struct out *o)
{
	if (errno != EINTR)
		o->err = errno;
	else if (sig_give_up())
		o->err = ETIME;
}

static void
write_all(struct out *o, const char *p, size_t n)
{
	o->writes++;
	/* once stopped, the grace clock runs (this starts it): a write
	 * that blocks later is interrupted when it is over */
	(void)sig_give_up();
	while (n > 0 && o->err == 0) {
		ssize_t w = write(o->fd, p, n);

		/* a write that blocks (interrupted, or cut short by a
		 * signal) gives up once stopped and --grace is over */
		if (w < 0) {
			write_refused(o);
			continue;
		}
		if ((size_t)w < n && sig_give_up())
			o->err = ETIME;
		p += w;
		n -= (size_t)w;
	}
}

/* Wait till the thread has written what it was given; its error is
 * then o's. */
static void
writer_wait(struct out *o)
{
	struct out_writer *wr = o->writer;

	pthread_mutex_lock(&wr->mu);
	while (wr->todo != NULL)
		pthread_cond_wait(&wr->cv, &wr->mu);
	if (wr->err && o->err == 0)
		o->err = wr->err;
	pthread_mutex_unlock(&wr->mu);
}

void
out_mark(struct out *o, size_t at, const char *line, size_t len)
{
	struct out_mark *m;

	if (o->nmark == o->markcap)
		o->mark = xgrowarray(o->mark, &o->markcap, o->nmark + 1,
		    sizeof *o->mark);
	m = &o->mark[o->nmark++];
	m->at = at;
	m->off = o->marks.len;
	m->len = len;
	buf_add(&o->marks, line, len);
}

/* v[0..n), all of it, the error as write_all's; a short write goes on
 * from where it stopped. */
static void
writev_all(struct out *o, struct iovec *v, size_t n)
{
	ssize_t w;

	o->writes++;
	(void)sig_give_up();	/* as write_all */
	while (n > 0 && o->err == 0) {
		if ((w = writev(o->fd, v, n < IOV_MAX ? (int)n : IOV_MAX)) < 0) {
			write_refused(o);
			continue;
		}
		for (; n > 0 && (size_t)w >= v->iov_len; v++, n--)
			w -= (ssize_t)v->iov_len;
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
			if (sig_give_up())
				o->err = ETIME;
		}
	}
}

/* The buffer with its marks in their places, in one writev. */
static void
write_marked(struct out *o)
{
	size_t i, at = 0, n = 0;

	o->iov = xgrowarray(o->iov, &o->iovcap, 2 * o->nmark + 1,
	    sizeof *o->iov);
	for (i = 0; i <= o->nmark; i++) {
		size_t to = i < o->nmark ? o->mark[i].at : o->len;

		if (to > at) {
			o->iov[n].iov_base = o->buf + at;
			o->iov[n++].iov_len = to - at;
			at = to;
		}
		if (i < o->nmark) {
			o->iov[n].iov_base = o->marks.data + o->mark[i].off;
			o->iov[n++].iov_len = o->mark[i].len;
		}
	}
	writev_all(o, o->iov, n);
	o->nmark = 0;
	buf_reset(&o->marks);
}

int
out_flush(struct out *o)
{
	int wrote = o->len > 0;

	if (wrote && o->flushing)
		o->flushing(o->flushing_arg);
	if (o->writer)
		writer_wait(o);
	if (wrote && o->nmark > 0)
		write_marked(o);
	else if (wrote)
		write_all(o, o->buf, o->len);
	o->len = 0;
	o->nmark = 0;
	/* a line too long for the buffer, written past it, is followed by
	 * its newline here: its error is seen at this flush */
	if (wrote && o->flushed)
		o->flushed(o->flushed_arg, o->err == 0);
	return o->err ? -1 : 0;
}

/* The buffer is full: written out, or given to the thread for the
 * spare one once the thread is done with the last.  A buffer with
 * marks is written here, in one writev, as out_flush does: marks are
 * rare on a file (no tool marks one), and the thread stays simple. */
static void
spill(struct out *o)
{
	struct out_writer *wr = o->writer;
	char *full = o->buf;

	if (wr == NULL || o->nmark > 0) {
		out_flush(o);
		return;
	}
	if (o->len > 0 && o->flushing)
		o->flushing(o->flushing_arg);
	writer_wait(o);
	if (o->err == 0) {
		pthread_mutex_lock(&wr->mu);
		o->buf = wr->spare;
		wr->spare = NULL;
		wr->todo = full;
		wr->todolen = o->len;
		o->writes++;
		pthread_cond_broadcast(&wr->cv);
		pthread_mutex_unlock(&wr->mu);
	}
	o->len = 0;
}

void
out_write(struct out *o, const void *p, size_t n)
{
	if (n > o->cap - o->len) {
		if (n >= o->cap) {
			out_flush(o);
			write_all(o, p, n);
			return;
		}
		spill(o);
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

char *
out_room(struct out *o, size_t n)
{
	if (n > o->cap - o->len)
		spill(o);
	return o->buf + o->len;
}

void
out_putc(struct out *o, int c)
{
	if (o->len == o->cap)
		spill(o);
	o->buf[o->len++] = (char)c;
}

void
out_puts(struct out *o, const char *s)
{
	out_write(o, s, strlen(s));
}

static void *
writer_thread(void *arg)
{
	struct out *o = arg;
	struct out_writer *wr = o->writer;

	pthread_mutex_lock(&wr->mu);
	for (;;) {
		char *p;
		size_t n, done = 0;
		int err = 0;

		while (wr->todo == NULL && !wr->quit)
			pthread_cond_wait(&wr->cv, &wr->mu);
		if (wr->todo == NULL)
			break;
		p = wr->todo;
		n = wr->todolen;
		pthread_mutex_unlock(&wr->mu);
		while (done < n && err == 0) {
			ssize_t w = write(o->fd, p + done, n - done);

			if (w < 0)
				err = errno == EINTR ? 0 : errno;
			else
				done += (size_t)w;
		}
		pthread_mutex_lock(&wr->mu);
		if (err && wr->err == 0)
			wr->err = err;
		wr->spare = p;
		wr->todo = NULL;
		pthread_cond_broadcast(&wr->cv);
	}
	pthread_mutex_unlock(&wr->mu);
	return NULL;
}

static void
writer_free(struct out_writer *wr)
{
	pthread_mutex_destroy(&wr->mu);
	pthread_cond_destroy(&wr->cv);
	free(wr->spare);
	free(wr);
}

void
out_behind(struct out *o)
{
	struct out_writer *wr;
	struct stat st;
	sigset_t all, old;
	int rc;

	if (o->writer || o->flushed || fstat(o->fd, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	wr = xcalloc(1, sizeof *wr);
	wr->spare = xmalloc(o->cap);
	pthread_mutex_init(&wr->mu, NULL);
	pthread_cond_init(&wr->cv, NULL);
	o->writer = wr;
	/* signals are the caller's to take */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&wr->thread, NULL, writer_thread, o);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {		/* no thread: the caller writes, as before */
		o->writer = NULL;
		writer_free(wr);
	}
}

static void
writer_stop(struct out *o)
{
	struct out_writer *wr = o->writer;

	pthread_mutex_lock(&wr->mu);
	wr->quit = 1;
	pthread_cond_broadcast(&wr->cv);
	pthread_mutex_unlock(&wr->mu);
	pthread_join(wr->thread, NULL);
	writer_free(wr);
	o->writer = NULL;
}

int
out_release(struct out *o)
{
	int rc = out_flush(o);

	if (o->writer)
		writer_stop(o);
	if (o->owns_fd && close(o->fd) < 0 && rc == 0) {
		o->err = errno;
		rc = -1;
	}
	free(o->buf);
	o->buf = NULL;
	free(o->mark);
	o->mark = NULL;
	free(o->iov);
	o->iov = NULL;
	o->iovcap = 0;
	o->nmark = o->markcap = 0;
	buf_release(&o->marks);
	return rc;
}

/* Record writers */

/* The first byte of s[0..n) that JSON must escape, or n: eight bytes at
 * a time, since most text has none. */
static size_t
json_plain_span(const char *s, size_t n)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	const uint64_t highs = UINT64_C(0x8080808080808080);
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t x, q, bs;

		memcpy(&x, s + i, 8);
		q = x ^ (ones * '"');
		bs = x ^ (ones * '\\');
		if ((((x - ones * 0x20) & ~x) | ((q - ones) & ~q) |
		    ((bs - ones) & ~bs)) & highs)
			break;
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == '"' || c == '\\')
			break;
	}
	return i;
}

void
json_quote(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	buf_addc(b, '"');
	while ((i = json_plain_span(s, n)) < n) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;

		buf_add(b, s, i);
		switch (c) {
		case '"': rep = "\\\""; break;
		case '\\': rep = "\\\\"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\t': rep = "\\t"; break;
		case '\b': rep = "\\b"; break;
		case '\f': rep = "\\f"; break;
		}
		if (rep)
			buf_add(b, rep, 2);
		else {
			char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			buf_add(b, u, 6);
		}
		s += i + 1;
		n -= i + 1;
	}
	buf_add(b, s, n);
	buf_addc(b, '"');
}

void
recw_init(struct recw *w, struct out *o, int fmt)
{
	memset(w, 0, sizeof *w);
	w->o = o;
	/* records we create cannot be written as log lines: use logfmt */
	w->fmt = (fmt == FMT_COMBINED || fmt == FMT_COMMON || fmt == FMT_AUTO) ?
	    FMT_LOGFMT : fmt;
	buf_init(&w->names);
	buf_init(&w->header);
	buf_init(&w->vals);
	buf_init(&w->qnames);
}

void
recw_set_sink(struct recw *w, const struct recw_sink *sink)
{
	w->sink = sink;
}

void
recw_release(struct recw *w)
{
	buf_release(&w->names);
	buf_release(&w->qnames);
	buf_release(&w->header);
	buf_release(&w->vals);
}

void
recw_begin(struct recw *w)
{
	buf_reset(&w->names);
	buf_reset(&w->vals);
	w->nfields = 0;
	if (w->fmt == FMT_JSON)
		buf_addc(&w->vals, '{');
	else if (w->sink)
		w->sink->begin(w->sink->arg);
}

static int
needs_csv_quotes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			return 1;
	return 0;
}

static void
add_csv(struct buf *b, const char *s, size_t n)
{
	const char *e = s + n, *q;

	if (!needs_csv_quotes(s, n)) {
		buf_add(b, s, n);
		return;
	}
	buf_addc(b, '"');
	while ((q = memchr(s, '"', (size_t)(e - s))) != NULL) {
		buf_add(b, s, (size_t)(q - s) + 1);
		buf_addc(b, '"');
		s = q + 1;
	}
	buf_add(b, s, (size_t)(e - s));
	buf_addc(b, '"');
}

static void
add_tsv(struct buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case '\t': buf_add(b, "\\t", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		default: buf_addc(b, s[i]);
		}
	}
}

static int
needs_logfmt_quotes(const char *s, size_t n)
{
	if (n == 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '=' || s[i] == '"' ||
		    s[i] == '\\')
			return 1;
	return 0;
}

static void
add_logfmt(struct buf *b, const char *s, size_t n)
{
	if (!needs_logfmt_quotes(s, n)) {
		buf_add(b, s, n);
		return;
	}
	json_quote(b, s, n);	/* JSON's escapes are logfmt's */
}

/* The quoted name the cache keeps at place i, and its ':'. */
static void
cached_name(struct recw *w, size_t i)
{
	buf_add(&w->vals, w->qnames.data + w->qname[i].off + w->qname[i].nlen,
	    w->qname[i].qlen);
}

/*
 * ,"name": (the comma from the second field), from the cache when the
 * field at this place had this name in the record before.  named, when
 * not NULL, is name kept at its address (recw_field_named): the cache
 * knows it by that, and nlen is found here when it does not.
 */
static void
json_name(struct recw *w, const char *name, size_t nlen, const char *named)
{
	size_t i = w->nfields;
	struct buf *q = &w->qnames;

	if (i > 0)
		buf_addc(&w->vals, ',');
	if (named != NULL) {
		if (i < w->nqname && w->qname[i].named == named) {
			cached_name(w, i);
			return;
		}
		nlen = strlen(name);
	}
	if (i < w->nqname && w->qname[i].nlen == nlen &&
	    memcmp(q->data + w->qname[i].off, name, nlen) == 0) {
		w->qname[i].named = named;
		cached_name(w, i);
		return;
	}
	if (q->len > 4096) {		/* names that keep changing */
		buf_reset(q);
		w->nqname = 0;
	}
	if (i >= RECW_QNAMES || i > w->nqname) {
		json_quote(&w->vals, name, nlen);
		buf_addc(&w->vals, ':');
		return;
	}
	w->qname[i].named = named;
	w->qname[i].off = q->len;
	w->qname[i].nlen = nlen;
	buf_add(q, name, nlen);
	json_quote(q, name, nlen);
	buf_addc(q, ':');
	w->qname[i].qlen = q->len - w->qname[i].off - nlen;
	w->nqname = i + 1;		/* the places after it may differ */
	cached_name(w, i);
}

/* A JSON field, its name as json_name takes it. */
static void
json_field(struct recw *w, const char *name, size_t nlen, const char *named,
    const char *val, size_t vlen, int kind)
{
	json_name(w, name, nlen, named);
	w->nfields++;
	if (kind == OV_STR)
		json_quote(&w->vals, val, vlen);
	else if (kind == OV_NULL)
		buf_add(&w->vals, "null", 4);
	else
		buf_add(&w->vals, val, vlen);
}

void
recw_field(struct recw *w, const char *name, size_t nlen, const char *val,
    size_t vlen, int kind)
{
	struct buf *b = &w->vals;

	if (w->fmt == FMT_CSV || w->fmt == FMT_TSV) {
		buf_add(&w->names, name, nlen);
		buf_addc(&w->names, '\0');
	}
	if (w->fmt == FMT_JSON) {
		json_field(w, name, nlen, NULL, val, vlen, kind);
		return;
	}
	if (w->nfields++ > 0)
		buf_addc(b, w->fmt == FMT_JSON || w->fmt == FMT_CSV ? ',' :
		    w->fmt == FMT_TSV ? '\t' : ' ');
	if (kind == OV_NULL)
		val = "", vlen = 0;
	switch (w->fmt) {
	case FMT_LOGFMT:
		buf_add(b, name, nlen);
		buf_addc(b, '=');
		add_logfmt(b, val, vlen);
		break;
	case FMT_CSV:
		add_csv(b, val, vlen);
		break;
	case FMT_TSV:
		add_tsv(b, val, vlen);
		break;
	default:	/* text: a blank-separated column must not vanish */
		if (w->sink)
			w->sink->field(w->sink->arg, name, nlen, val, vlen,
			    kind);
		else if (vlen == 0)
			buf_addc(b, '-');
		else
			buf_add(b, val, vlen);
	}
}

void
recw_field_named(struct recw *w, const char *name, const char *val,
    size_t vlen, int kind)
{
	if (w->fmt != FMT_JSON) {
		recw_field(w, name, strlen(name), val, vlen, kind);
		return;
	}
	json_field(w, name, 0, name, val, vlen, kind);
}

static void
write_header(struct recw *w)
{
	struct buf line = BUF_INIT;
	const char *p = w->names.data, *e = p + w->names.len;

	for (; p < e; p += strlen(p) + 1) {
		if (p != w->names.data)
			buf_addc(&line, w->fmt == FMT_CSV ? ',' : '\t');
		if (w->fmt == FMT_CSV)
			add_csv(&line, p, strlen(p));
		else
			add_tsv(&line, p, strlen(p));
	}
	buf_addc(&line, '\n');
	/* a new header after the first is set apart, as Miller does */
	if (w->wrote_header)
		out_putc(w->o, '\n');
	out_write(w->o, line.data, line.len);
	buf_release(&line);
	buf_reset(&w->header);
	buf_add(&w->header, w->names.data, w->names.len);
	w->wrote_header = 1;
}

void
recw_end(struct recw *w)
{
	if (w->fmt == FMT_CSV || w->fmt == FMT_TSV) {
		if (!w->wrote_header || w->header.len != w->names.len ||
		    memcmp(w->header.data, w->names.data, w->names.len) != 0)
			write_header(w);
	} else if (w->sink) {
		w->sink->end(w->sink->arg);
		return;
	}
	if (w->fmt == FMT_JSON)
		buf_addc(&w->vals, '}');
	buf_addc(&w->vals, '\n');
	out_write(w->o, w->vals.data, w->vals.len);
}

void
annotate_format(struct buf *b, int fmt, const struct addfield *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (fmt) {
		case FMT_JSON:
			buf_addc(b, ',');
			json_quote(b, f[i].name, strlen(f[i].name));
			buf_addc(b, ':');
			if (f[i].kind == OV_STR)
				json_quote(b, f[i].val, f[i].vlen);
			else
				buf_add(b, f[i].val, f[i].vlen);
			break;
		case FMT_CSV:
			buf_addc(b, ',');
			add_csv(b, f[i].val, f[i].vlen);
			break;
		case FMT_TSV:
			buf_addc(b, '\t');
			add_tsv(b, f[i].val, f[i].vlen);
			break;
		default:
			buf_addc(b, ' ');
			buf_addstr(b, f[i].name);
			buf_addc(b, '=');
			add_logfmt(b, f[i].val, f[i].vlen);
		}
	}
}

/* p[0..n) at dst; returns the end of it. */
static char *
put(char *dst, const char *p, size_t n)
{
	memcpy(dst, p, n);
	return dst + n;
}

/* put of a few bytes (a key, a closing brace), without the call: two
 * overlapping loads and stores cover 4 to 16. */
static inline char *
put_short(char *dst, const char *p, size_t n)
{
	uint64_t a, b;
	uint32_t c, d;

	if (n > 16)
		return put(dst, p, n);
	if (n >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + n - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&c, p, 4);
		memcpy(&d, p + n - 4, 4);
		memcpy(dst, &c, 4);
		memcpy(dst + n - 4, &d, 4);
	} else if (n > 0) {
		dst[0] = p[0];
		dst[n / 2] = p[n / 2];
		dst[n - 1] = p[n - 1];
	}
	return dst + n;
}

/* Where an added field goes into line: in JSON inside the closing brace
 * (*comma 0 when the object is empty, so that the field's leading comma
 * goes), else at the end. */
static inline size_t
insert_at(int fmt, const char *line, size_t len, int *comma)
{
	size_t end = len, k;

	*comma = 1;
	if (fmt != FMT_JSON)
		return len;
	while (end > 0 && line[end - 1] != '}')
		end--;
	end = end ? end - 1 : len;
	for (k = end; k > 0 && (line[k - 1] == ' ' || line[k - 1] == '\t');
	    k--)
		;
	*comma = !(k > 0 && line[k - 1] == '{');
	return end;
}

void
out_insert(struct out *o, int fmt, const char *line, size_t len,
    const char *add, size_t addlen)
{
	int comma;
	size_t end = insert_at(fmt, line, len, &comma);
	char *p, *start;

	if (!comma && addlen > 0) {
		add++;
		addlen--;
	}
	if (len + addlen + 1 > OUT_ROOM_MAX) {	/* a line past the buffer */
		out_write(o, line, end);
		out_write(o, add, addlen);
		out_write(o, line + end, len - end);
		out_putc(o, '\n');
		return;
	}
	/* the common line: one copy, straight into the buffer */
	p = start = out_room(o, len + addlen + 1);
	p = put(p, line, end);
	p = put(p, add, addlen);
	p = put(p, line + end, len - end);
	*p++ = '\n';
	out_wrote(o, (size_t)(p - start));
}

/*
 * JSON's line with key and a number inside its closing brace, straight
 * into the buffer (the line and what it gains fit there): the number
 * int_format's text of v, or with eight, int_format8's of v (its last
 * eight digits; the key ends in the first ones).
 */
static inline void
insert_number(struct out *o, const char *line, size_t len, const char *key,
    size_t keylen, int64_t v, int eight)
{
	size_t end;
	int comma;
	char *p, *start;

	end = insert_at(FMT_JSON, line, len, &comma);
	if (!comma && keylen > 0) {
		key++;
		keylen--;
	}
	p = start = out_room(o, len + keylen + INT_FORMAT_MAX + 1);
	p = put(p, line, end);
	p = put_short(p, key, keylen);
	if (eight) {
		int_format8((uint32_t)v, p);
		p += 8;
	} else
		p += int_format(v, p);
	p = put_short(p, line + end, len - end);
	*p++ = '\n';
	out_wrote(o, (size_t)(p - start));
}

void
out_insert_int(struct out *o, const char *line, size_t len,
    const char *key, size_t keylen, int64_t v)
{
	struct buf b = BUF_INIT;

	if (len + keylen + INT_FORMAT_MAX + 1 <= OUT_ROOM_MAX) {
		insert_number(o, line, len, key, keylen, v, 0);
		return;
	}
	buf_add(&b, key, keylen);
	buf_grow(&b, INT_FORMAT_MAX);
	b.len += int_format(v, b.data + b.len);
	out_insert(o, FMT_JSON, line, len, b.data, b.len);
	buf_release(&b);
}

void
out_intkey_init(struct out_intkey *k, const char *key, size_t keylen)
{
	if (keylen > OUT_INTKEY_MAX)
		abort();	/* the caller's key is a constant's */
	memcpy(k->text, key, keylen);
	k->keylen = keylen;
	k->hi = -1;
}

void
out_insert_intkey(struct out *o, const char *line, size_t len,
    struct out_intkey *k, int64_t v)
{
	int64_t hi = v / 100000000;

	if (v < INT64_C(1000000000000000) || v >= INT64_C(10000000000000000) ||
	    len + k->keylen + 8 + INT_FORMAT_MAX + 1 > OUT_ROOM_MAX) {
		out_insert_int(o, line, len, k->text, k->keylen, v);
		return;
	}
	if (hi != k->hi) {
		int_format8((uint32_t)hi, k->text + k->keylen);
		k->hi = hi;
	}
	insert_number(o, line, len, k->text, k->keylen + 8, v % 100000000, 1);
}

void
out_annotate(struct out *o, int fmt, const char *line, size_t len,
    const struct addfield *f, size_t n)
{
	static struct buf b = BUF_INIT;

	buf_reset(&b);
	annotate_format(&b, fmt, f, n);
	out_insert(o, fmt, line, len, b.data, b.len);
}

void
out_annotate_header(struct out *o, int fmt, const char *line, size_t len,
    const struct addfield *f, size_t n)
{
	static struct buf b = BUF_INIT;
	size_t i;

	buf_reset(&b);
	buf_add(&b, line, len);
	for (i = 0; i < n; i++) {
		buf_addc(&b, fmt == FMT_TSV ? '\t' : ',');
		if (fmt == FMT_TSV)
			add_tsv(&b, f[i].name, strlen(f[i].name));
		else
			add_csv(&b, f[i].name, strlen(f[i].name));
	}
	buf_addc(&b, '\n');
	out_write(o, b.data, b.len);
}
