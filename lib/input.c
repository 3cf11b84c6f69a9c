/*
 * input.c - the read loop of every tool (see input.h).
 */
#ifdef __linux__
#define _GNU_SOURCE		/* pipe2, splice, F_SETPIPE_SZ */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ahead.h"
#include "clock.h"
#include "diag.h"
#include "input.h"
#include "json.h"
#include "punct.h"
#include "sig.h"

#define AHEAD_NEVER ((off_t)INT64_MAX)

void
input_init(struct input *in, int progress)
{
	memset(in, 0, sizeof *in);
	in->side[0] = in->side[1] = -1;
	in->fmt = FMT_AUTO;
	in->max_line = READER_MAX_LINE_DEFAULT;
	progress_init(&in->progress, progress);
	in->last_line = mono_now();
}

uintmax_t
input_bytes(const struct input *in)
{
	return in->bytes_before +
	    (in->cur ? (uintmax_t)reader_offset(in->cur) : 0);
}

static evtime
shown_watermark(struct input *in)
{
	return in->watermark ? in->watermark(in->arg) : EVTIME_MIN;
}

void
input_housekeeping(struct input *in)
{
	if (sig_report())
		ledger_print(in->ledger);
	progress_tick(&in->progress, input_bytes(in), in->ledger->read,
	    shown_watermark(in));
	metrics_tick(in->metrics, input_bytes(in), shown_watermark(in));
}

/* Input is about to block: the tool's wait, and --metrics' timer. */
static int
input_wait(void *arg)
{
	struct input *in = arg;
	int ms = in->wait ? in->wait(in->arg) : -1;
	int due = metrics_tick(in->metrics, input_bytes(in),
	    shown_watermark(in));

	return due >= 0 && (ms < 0 || due < ms) ? due : ms;
}

void
input_done(struct input *in)
{
	progress_done(&in->progress, input_bytes(in), in->ledger->read,
	    shown_watermark(in));
	if (in->metrics) {	/* for the last write, at the tool's end */
		in->metrics->bytes = input_bytes(in);
		in->metrics->wm = shown_watermark(in);
	}
}

/*
 * Passing runs from a pipe to a pipe: write(2) copies a run the reader
 * copied in; splice(2) moves the pipe's pages that tee(2) took from the
 * input as it was read, and that cost half as much (a 390 MB stream:
 * 75 ms against 135 ms of a process's time).  The side pipe holds the
 * input's bytes from side_off to the reader's teed, and is emptied of
 * the ones not passed as the reader moves on.
 */
#if defined(SPLICE_F_NONBLOCK) && defined(F_SETPIPE_SZ)
#define SIDE_SIZE (1 << 20)

static int tail_only(const struct fieldset *fs);

static void
side_close(struct input *in, struct reader *r)
{
	if (in->side[0] < 0)
		return;
	close(in->side[0]);
	close(in->side[1]);
	in->side[0] = in->side[1] = -1;
	r->tee = -1;
}

/* Tee the rest of r, if it and the output are pipes and its lines are
 * read alone (a stream whose one field is its tail). */
static void
side_start(struct input *in, struct reader *r)
{
	struct stat st;

	in->side_tried = 1;
	if (!r->ispipe || in->state || !tail_only(in->fs) ||
	    fstat(in->pass->fd, &st) < 0 || !S_ISFIFO(st.st_mode) ||
	    pipe2(in->side, O_CLOEXEC) < 0)
		return;
	(void)fcntl(in->side[0], F_SETPIPE_SZ, SIDE_SIZE);
	r->tee = in->side[1];
	r->teed = r->offset + (off_t)r->end;
	in->side_off = r->teed;
}

/* Drop n bytes of the side pipe: 0, or -1. */
static int
side_skip(struct input *in, off_t n)
{
	char junk[16384];
	ssize_t k;

	while (n > 0) {
		k = read(in->side[0], junk, n < (off_t)sizeof junk ?
		    (size_t)n : sizeof junk);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		n -= k;
		in->side_off += k;
	}
	return 0;
}

/* The run, moved from the side pipe to the output: 1, or 0 when it is
 * not there (it began before the tee, or the tee stopped before it). */
static int
side_splice(struct input *in)
{
	struct reader *r = (struct reader *)in->cur;
	struct out *o = in->pass;
	off_t at, n;
	ssize_t k;

	if (in->side[0] < 0 || in->run < r->buf || in->run >= r->buf + r->end)
		return 0;
	at = r->offset + (off_t)(in->run - r->buf);
	n = (off_t)in->runlen;
	if (at < in->side_off || at + n > r->teed)
		return 0;
	if (side_skip(in, at - in->side_off) < 0) {
		side_close(in, r);
		return 0;
	}
	out_flush(o);
	(void)sig_give_up();	/* as out.c: a stop starts the grace */
	while (n > 0 && o->err == 0) {
		k = splice(in->side[0], NULL, o->fd, NULL, (size_t)n, 0);
		if (k < 0 && errno == EINTR) {
			if (sig_give_up())
				o->err = ETIME;
			continue;
		}
		if (k <= 0) {
			o->err = k < 0 ? errno : EIO;
			break;
		}
		n -= k;
		in->side_off += k;
	}
	if (n > 0)		/* an error: what is left is not wanted */
		side_close(in, r);
	return 1;
}

/* The reader moves on: what it is done with goes from the side pipe. */
static void
side_forget(struct input *in)
{
	struct reader *r = (struct reader *)in->cur;
	off_t done = r->offset + (off_t)r->rec;

	if (in->side[0] >= 0 && done > in->side_off && done <= r->teed &&
	    side_skip(in, done - in->side_off) < 0)
		side_close(in, r);
}
#else
static void side_close(struct input *in, struct reader *r)
{ (void)in; (void)r; }
static void side_start(struct input *in, struct reader *r)
{ in->side_tried = 1; (void)r; }
static int side_splice(struct input *in) { (void)in; return 0; }
static void side_forget(struct input *in) { (void)in; }
#endif

void
input_pass_flush(struct input *in)
{
	if (in->runlen > 0 && !side_splice(in))
		out_write(in->pass, in->run, in->runlen);
	in->runlen = 0;
}

/* The reader is about to move its bytes on: the run goes out first. */
static void
pass_moving(void *arg)
{
	input_pass_flush(arg);
	side_forget(arg);
}

void
input_pass(struct input *in, const struct record *rec)
{
	const char *end = rec->line + rec->len;

	if (!in->side_tried)
		side_start(in, (struct reader *)in->cur);

	if (end + 1 != in->line_next || *end != '\n') {
		/* "\r\n", or no "\n" at the end of input: written anew */
		input_pass_flush(in);
		out_write(in->pass, rec->line, rec->len);
		out_putc(in->pass, '\n');
		return;
	}
	if (in->runlen == 0 || in->run + in->runlen != rec->line) {
		input_pass_flush(in);
		in->run = rec->line;
	}
	in->runlen = (size_t)(in->line_next - in->run);
}

/* Parse one record, extending it over lines while a CSV cell is open;
 * returns the parser's verdict, with err for PARSE_ERROR. */
static int
parse(struct reader *r, struct parser *ps, struct record *rec,
    const char **err)
{
	const char *line;
	size_t len;
	int rc, got;

	while ((rc = parser_parse(ps, rec, err)) == PARSE_MORE) {
		if ((got = reader_more(r, &line, &len)) <= 0) {
			*err = got == READER_TOOLONG ? "record longer than "
			    "--max-line-bytes" : "unterminated quoted field";
			return PARSE_ERROR;
		}
		rec->line = line;
		rec->len = len;
	}
	return rc;
}

/* A run whose first records the tool would not take is read after so
 * many: a run line that promised what the tool cannot use. */
#define PROMISE_TRIES 3

/* Whether run line p speaks of the pipe read. */
static int
ours(const struct input *in, const struct punct *p)
{
	return in->pipelen > 0 && p->pipelen == in->pipelen &&
	    memcmp(p->pipe, in->pipe, in->pipelen) == 0;
}

/* A run line: kept when it speaks of the pipe read, and the tool may
 * take its records by their times. */
static void
promise(struct input *in, const struct reader *r, const struct punct *p)
{
	in->promise.on = in->fast_run && ours(in, p) && p->records > 0 &&
	    (r->max_line == 0 || p->longest <= r->max_line);
	in->promise.records = p->records;
	in->promise.bytes = p->bytes;
	in->promise.lo = p->min_t;
	in->promise.hi = p->max_t;
	in->promise.longest = p->longest;
	in->promise.from = reader_offset(r);
	in->promise.lineno = r->lineno;
	in->promise.tries = 0;
}

/* A control line: counted, checked, and to the tool when well-formed;
 * a run line goes no further. */
static void
control(struct input *in, const struct reader *r, const char *line,
    size_t len)
{
	char ex[DIAG_EXCERPT_SIZE];
	const char *err;
	struct punct p;

	in->ledger->control++;
	if (punct_parse(line, len, &p, &err) < 0) {
		diag_at(r->name, r->lineno, "bad control line: %s: %s", err,
		    diag_excerpt(ex, line, len));
		in->ledger->status = 1;
		return;
	}
	if (p.kind == PUNCT_RUN) {	/* for this reader, if for any */
		promise(in, r, &p);
		in->run_left = in->runs && ours(in, &p) ? p.records : 0;
		in->run_lo = p.min_t;
		in->run_hi = p.max_t;
		in->run_serial++;
		return;
	}
	if (p.kind == PUNCT_WATERMARK && !p.at_end) {
		if (in->have_line_wm && p.t < in->line_wm) {
			diag_at(r->name, r->lineno, "watermark goes back, "
			    "from %lld to %lld: ignored", (long long)in->line_wm,
			    (long long)p.t);
			in->ledger->status = 1;
			return;
		}
		in->line_wm = p.t;
		in->have_line_wm = 1;
	}
	in->control(in->arg, &p, r->name, r->lineno, line, len);
}

/*
 * The next line from the reader, into l as ahead_next gives one, a
 * record parsed into rec (lineno its first line's): 1, 0 at the end of
 * input, -1 on a read error.
 */
static int
next_line(struct input *in, struct reader *r, struct parser *ps,
    struct record *rec, struct ahead_line *l)
{
	int got = reader_next(r, &l->line, &l->len);

	if (in->note_time && got != 0 && got != -1)
		in->last_line = mono_now();
	if (got == READER_TOOLONG) {
		l->kind = AHEAD_TOOLONG;
		return 1;
	}
	if (got <= 0)
		return got;
	l->kind = ahead_classify(&l->line, &l->len, 0, in->after_tab);
	if (l->kind == AHEAD_RECORD) {
		rec->line = l->line;
		rec->len = l->len;
		rec->lineno = r->lineno;
		l->rc = parse(r, ps, rec, &l->err);
	}
	in->line_next = r->buf + r->start;
	return 1;
}

/* The next line parsed ahead, into l and rec as next_line gives one;
 * AHEAD_SERIAL as ahead_next. */
static int
next_ahead(struct input *in, struct ahead *ah, struct record *rec,
    struct ahead_line *l)
{
	int got = ahead_next(ah, l);

	if (got > 0) {
		if (in->note_time)
			in->last_line = mono_now();
		rec->line = l->line;
		rec->len = l->len;
		rec->lineno = ah->r->lineno;
		rec->v = l->v;
		in->line_next = ah->cur->buf + ah->pos;
	}
	return got;
}

/*
 * The one field wanted is the tail, of lines a streamkit tool wrote
 * (stream-trigger's _t): a record is parsed by a look at its last bytes,
 * less than it costs to hand the record over from another thread, whose
 * bytes would then be in the other processor's cache.
 */
static int
tail_only(const struct fieldset *fs)
{
	return fs->trusted && fs->tail == 1 && fs->n == 1;
}

/* A second thread parses the rest of r, when the format allows and it is
 * worth it (for a pipe, once it has proven a bulk source): 1 when it
 * does. */
static int
start_ahead(struct input *in, struct reader *r, struct parser *ps,
    struct val *v, struct ahead *ah)
{
	/* a strategy line made the fields trusted: the stream is another
	 * tool's, likely running before this one */
	if (in->state || ps->fmt == FMT_AUTO ||
	    ps->fmt == FMT_CSV || ps->fmt == FMT_TSV || tail_only(in->fs) ||
	    !ahead_worth(r, in->fs->trusted))
		return 0;
	if (in->pass)		/* the run is in the reader's buffer */
		input_pass_flush(in);
	return ahead_start(ah, r, ps, v, in->max_line, in->after_tab, 0) == 0;
}

/* n lines the tool took whole, without next_line: the reader is past
 * them. */
static void
took_lines(struct input *in, struct reader *r, uintmax_t n)
{
	r->lineno += n;
	in->ledger->read += n;
	in->line_next = r->buf + r->start;
	if (in->note_time)
		in->last_line = mono_now();
	input_housekeeping(in);
}

/*
 * The lines of a tail-only stream taken in one sweep over what the
 * reader holds: each line's tail read where the line ends and given to
 * in->fast, while the tool takes them, into input_pass's run.  No
 * parser, no record, no call per line but the tool's.  A line it does
 * not take, or that is not a record ending in the field (a control
 * line, one too long), is left for next_line, the reader at it.
 */
static void
pass_fast(struct input *in, struct reader *r)
{
	const struct field *f = &in->fs->f[in->fs->tail - 1];
	const char *first = r->buf + r->start, *p = first;
	const char *e = r->buf + r->end, *nl;
	const char *clear = e;	/* [p, clear) holds no "\n" */
	uintmax_t taken = 0;
	struct val v;

	if (r->skipping)
		return;
	if (!in->side_tried)
		side_start(in, r);
	while (p < e && (nl = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		size_t len = (size_t)(nl - p);

		/* a trusted line still starts with its brace (the parser
		 * says so of one that does not), and json_tail wants one
		 * last: "\r\n" goes the usual way, which passes it anew */
		if ((r->max_line && len > r->max_line) || len == 0 ||
		    *p != '{' || punct_is(p, len) ||
		    !json_tail(p, len, f, &v) || !in->fast(in->arg, &v)) {
			clear = nl;
			break;
		}
		p = nl + 1;
		taken++;
	}
	/* the reader looks for the next line's end from there, not again
	 * from its start */
	if (r->scan < (size_t)(clear - r->buf))
		r->scan = (size_t)(clear - r->buf);
	if (taken == 0)
		return;
	if (in->runlen == 0 || in->run + in->runlen != first) {
		input_pass_flush(in);
		in->run = first;
	}
	in->runlen = (size_t)(p - in->run);
	r->rec = r->start = (size_t)(p - r->buf);
	took_lines(in, r, taken);
}

/*
 * The writer went before it wrote all of a run (it was killed): what
 * came is passed on as it came, with a newline, since its last line may
 * lack one and what follows must not join it.  The records were counted
 * as promised.
 */
static void
cut_short(struct input *in, const struct reader *r, uint64_t n,
    uint64_t got, uint64_t bytes)
{
	if (got > 0)
		out_putc(in->pass, '\n');
	diag_at(r->name, in->promise.lineno, "input ended %ju bytes into the "
	    "%ju bytes of the run line's last %ju records; passed on as they "
	    "came, with a newline", (uintmax_t)got, (uintmax_t)bytes,
	    (uintmax_t)n);
	in->ledger->status = 1;
}

/*
 * A run passed on whole to a pipe is a run there too: its run line, with
 * that pipe's name, goes in front of it, for the tool behind (stream-agg
 * reads the records knowing their window).
 */
static void
pass_run_line(struct input *in, uint64_t n, uint64_t bytes)
{
	struct buf line = BUF_INIT;
	struct punct p;

	if (in->passpipelen == 0 || bytes < RUNW_MIN_BYTES)
		return;
	memset(&p, 0, sizeof p);
	p.kind = PUNCT_RUN;
	p.records = n;
	p.bytes = bytes;
	p.longest = in->promise.longest;
	p.min_t = in->promise.lo;
	p.max_t = in->promise.hi;
	p.pipe = in->passpipe;
	p.pipelen = in->passpipelen;
	punct_write(&line, &p);
	out_write(in->pass, line.data, line.len);
	buf_release(&line);
}

/*
 * What is left of a run line's records (those read since, one by one,
 * are not), given to in->fast_run by their times, and passed on unread
 * when it takes them: what the reader holds of them as a run of
 * input_pass, the rest by reader_splice.  Until it takes them, asked
 * again after each line read, till they are all read.
 */
static void
keep_promise(struct input *in, struct reader *r)
{
	off_t done = reader_offset(r) - in->promise.from;
	uintmax_t lines = r->lineno - in->promise.lineno;
	uint64_t n, bytes;
	size_t held;
	ssize_t k;

	if (done < 0 || (uint64_t)done >= in->promise.bytes ||
	    lines >= in->promise.records) {
		in->promise.on = 0;
		return;
	}
	n = in->promise.records - lines;
	bytes = in->promise.bytes - (uint64_t)done;
	if (!in->fast_run(in->arg, n, in->promise.lo, in->promise.hi)) {
		/* the first record may be the first of its window, or make
		 * a window fire: it goes alone, and its bytes no further
		 * than it are read, till a few have */
		if (++in->promise.tries >= PROMISE_TRIES)
			in->promise.on = 0;
		else
			r->peek = (size_t)in->promise.longest + 1;
		return;
	}
	in->promise.on = 0;
	if (r->read_max == 0)	/* the first run: a pipe behind as large */
		out_pipe_size(in->pass, RUNW_PIPE);
	input_pass_flush(in);
	side_close(in, r);	/* its copy would miss what is moved */
	in->side_tried = 1;
	pass_run_line(in, n, bytes);
	held = r->end - r->start;
	if (held > bytes)
		held = (size_t)bytes;
	in->run = r->buf + r->start;
	in->runlen = held;
	input_pass_flush(in);
	r->rec = r->start += held;
	if (r->scan < r->start)
		r->scan = r->start;
	/* what comes next is read in pieces no larger than a run, of
	 * which a read would take what could have been moved: the next
	 * run line alone, first */
	r->read_max = RUNW_MIN_BYTES;
	r->peek = PUNCT_RUN_LEN;
	/* what the output refused, the reader reads and the tool drops */
	if (held < bytes && out_flush(in->pass) == 0) {
		k = reader_splice(r, in->pass->fd, (size_t)(bytes - held),
		    PUNCT_RUN_LEN);
		if (k < 0 && in->pass->err == 0)
			in->pass->err = errno;
		else if (k >= 0 && (uint64_t)k < bytes - held)
			cut_short(in, r, n, held + (uint64_t)k, bytes);
	}
	took_lines(in, r, n);
}

/* One line, classified and parsed: 1 when the reading must stop. */
static int
take_line(struct input *in, const struct reader *r, struct parser *ps,
    struct record *rec, const struct ahead_line *l)
{
	struct ledger *lg = in->ledger;

	/* a run is records and nothing else: anything else ends it */
	in->in_run = l->kind == AHEAD_RECORD && in->run_left > 0;
	if (in->in_run)
		in->run_left--;
	else
		in->run_left = 0;
	if (l->kind == AHEAD_TOOLONG) {
		lg->read++;
		return ledger_reject(lg, r->name, r->lineno, NULL, 0,
		    "line longer than --max-line-bytes (%zu), skipped",
		    in->max_line) < 0;
	}
	if (l->kind == AHEAD_CONTROL) {
		control(in, r, l->line, l->len);
		return 0;
	}
	if (l->rc == PARSE_HEADER) {	/* a header is not a record */
		if (in->header)
			in->header(in->arg, rec, ps);
		return 0;
	}
	lg->read++;
	if (l->rc == PARSE_ERROR)
		return ledger_reject(lg, rec->file, rec->lineno, rec->line,
		    rec->len, "%s", l->err) < 0;
	return in->record(in->arg, rec, ps) < 0;
}

/* The loop over one reader: -1 when stopped. */
static int
read_lines(struct reader *r, void *arg)
{
	struct input *in = arg;
	struct parser ps;
	struct record rec;
	struct ahead ah;
	struct ahead_line l;
	struct val *own;
	size_t nv = in->fs->n;
	int got, stop = 0, ahead_on = 0, tail = in->fs->tail;
	off_t ahead_from = 0;	/* where to try a second thread (again) */
	unsigned lines = 0;

	if (in->wait || in->metrics) {
		r->wait = input_wait;
		r->wait_arg = in;
	}
	if (in->pass) {
		r->moving = pass_moving;
		r->moving_arg = in;
	}
	r->max_line = in->max_line;
	in->cur = r;
	in->promise.on = 0;
	in->run_left = 0;
	in->pipelen = in->fast_run || in->runs ? runline_pipe(r->fd, in->pipe,
	    sizeof in->pipe) : 0;
	in->passpipelen = in->fast_run && in->pass ? runline_pipe(in->pass->fd,
	    in->passpipe, sizeof in->passpipe) : 0;
	own = xcalloc(nv ? nv : 1, sizeof *own);
	rec.file = r->name;
	parser_init(&ps, in->fmt, in->fs);
	while (!stop) {
		/* once the format is known, it may go ahead */
		if (!ahead_on && ps.fmt != FMT_AUTO &&
		    reader_offset(r) >= ahead_from) {
			ahead_on = start_ahead(in, r, &ps, own, &ah);
			/* a pipe may prove a bulk source later: ask again
			 * once the reader has read more */
			ahead_from = r->ispipe ? r->offset + (off_t)r->end + 1 :
			    AHEAD_NEVER;
		}
		rec.v = own;
		if (!ahead_on && in->fast != NULL && ps.fmt == FMT_JSON &&
		    in->pass != NULL && !in->after_tab && !in->state &&
		    !in->metrics && tail_only(in->fs)) {
			if (in->promise.on && in->fast_run && !r->skipping)
				keep_promise(in, r);
			pass_fast(in, r);
		}
		got = ahead_on ? next_ahead(in, &ah, &rec, &l) :
		    next_line(in, r, &ps, &rec, &l);
		if (got == AHEAD_SERIAL) {
			/* a very long line: read on alone, for a while */
			ahead_stop(&ah);
			ahead_on = 0;
			ahead_from = reader_offset(r) + AHEAD_GAP;
			continue;
		}
		if (got <= 0)
			break;
		if ((++lines & 63) == 0)	/* waiting does it too */
			input_housekeeping(in);
		stop = take_line(in, r, &ps, &rec, &l);
		if (in->fs->n > nv || in->fs->tail != tail) {
			/* a strategy line added fields: what was parsed ahead
			 * lacks them */
			nv = in->fs->n;
			tail = in->fs->tail;
			own = xrealloc(own, nv * sizeof *own);
			if (ahead_on)
				ahead_stop(&ah);
			ahead_on = 0;
			ahead_from = 0;		/* at once, with them */
		}
	}
	if (!stop && got == -1) {
		diag_warn("%s: read error: %s", r->name, strerror(errno));
		in->ledger->status = 1;
	}
	if (ahead_on)
		ahead_stop(&ah);
	if (in->pass) {
		input_pass_flush(in);
		side_close(in, r);
		in->side_tried = 0;
	}
	parser_release(&ps);
	free(own);
	in->bytes_before += (uintmax_t)reader_offset(r);
	in->cur = NULL;
	return stop ? -1 : 0;
}

int
input_read(struct input *in, const char *path)
{
	struct reader r;
	int rc;

	if (in->state && strcmp(path, "-") != 0)
		rc = state_read_operand(in->state, path, read_lines, in);
	else if ((rc = reader_open(&r, path)) == 0) {
		rc = read_lines(&r, in);
		reader_close(&r);
	} else
		rc = -2;
	if (rc == -2) {
		diag_warn("cannot open '%s': %s", path, strerror(errno));
		in->ledger->status = 1;
		return 0;
	}
	return rc;
}
