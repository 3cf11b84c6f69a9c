/*
 * runline.c - run lines in front of the records they speak for (see
 * runline.h).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "punct.h"
#include "runline.h"

size_t
runline_pipe(int fd, char *name, size_t size)
{
	struct stat st;
	int n;

	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return 0;
	n = snprintf(name, size, "%ju:%ju", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* The out is about to write its buffer: the run in it ends there. */
static void
flushing(void *arg)
{
	runw_cut(arg);
}

void
runw_init(struct runw *w, struct out *o)
{
	memset(w, 0, sizeof *w);
	w->o = o;
	buf_init(&w->line);
	w->pipelen = runline_pipe(o->fd, w->pipe, sizeof w->pipe);
	if (w->pipelen > 0) {
		o->flushing = flushing;
		o->flushing_arg = w;
		/* runs as long as a window's stretch: fewer run lines,
		 * moves and wakings of the reader */
		out_grow(o, RUNW_BUFFER);
		out_pipe_size(o, RUNW_PIPE);	/* the buffer and its lines */
	}
}

void
runw_release(struct runw *w)
{
	if (w->o && w->o->flushing == flushing)
		w->o->flushing = NULL;
	buf_release(&w->line);
}

void
runw_cut(struct runw *w)
{
	struct punct p;

	if (w->n > 0 && w->bytes >= RUNW_MIN_BYTES) {
		memset(&p, 0, sizeof p);
		p.kind = PUNCT_RUN;
		p.records = w->n;
		p.bytes = w->bytes;
		p.longest = w->longest;
		p.min_t = w->min_t;
		p.max_t = w->max_t;
		p.pipe = w->pipe;
		p.pipelen = w->pipelen;
		buf_reset(&w->line);
		punct_write(&w->line, &p);
		out_mark(w->o, w->off, w->line.data, w->line.len);
	}
	w->n = 0;
}

void
runw_record(struct runw *w, size_t off, uintmax_t writes, evtime t,
    evtime win)
{
	uint64_t len;

	if (w->pipelen == 0 || writes != w->o->writes)
		return;		/* no runs; or it went out, not in one */
	len = w->o->len - off;
	/* a JSON object and "\n", as a reader behind reads a record by
	 * its tail (a "\r" would stay, where reading drops it) */
	if (len < 3 || w->o->buf[off] != '{' ||
	    w->o->buf[off + len - 2] != '}') {
		runw_cut(w);
		return;
	}
	if (w->n > 0 && (win != w->win || off != w->off + w->bytes))
		runw_cut(w);
	if (w->n == 0) {
		w->off = off;
		w->win = win;
		w->bytes = 0;
		w->longest = 0;
		w->min_t = w->max_t = t;
	}
	w->n++;
	w->bytes += len;
	if (len - 1 > w->longest)
		w->longest = len - 1;
	if (t < w->min_t)
		w->min_t = t;
	if (t > w->max_t)
		w->max_t = t;
}
