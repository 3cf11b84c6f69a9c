/*
 * input.c - the read loop of every tool (see input.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "input.h"
#include "punct.h"
#include "sig.h"

void
input_init(struct input *in, int progress)
{
	memset(in, 0, sizeof *in);
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
}

void
input_done(struct input *in)
{
	progress_done(&in->progress, input_bytes(in), in->ledger->read,
	    shown_watermark(in));
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

/* A control line: counted, checked, and to the tool when well-formed. */
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

/* The loop over one reader: -1 when stopped. */
static int
read_lines(struct reader *r, void *arg)
{
	struct input *in = arg;
	struct ledger *l = in->ledger;
	struct parser ps;
	struct record rec;
	const char *line, *err, *sep;
	size_t len, nv = in->fs->n;
	int got, rc, stop = 0;
	unsigned lines = 0;

	r->wait = in->wait;
	r->wait_arg = in->arg;
	r->max_line = in->max_line;
	in->cur = r;
	rec.v = xcalloc(nv ? nv : 1, sizeof *rec.v);
	rec.file = r->name;
	parser_init(&ps, in->fmt, in->fs);
	while (!stop && ((got = reader_next(r, &line, &len)) > 0 ||
	    got == READER_TOOLONG)) {
		if (in->note_time)
			in->last_line = mono_now();
		if ((++lines & 63) == 0)	/* waiting does it too */
			input_housekeeping(in);
		if (got == READER_TOOLONG) {
			l->read++;
			stop = ledger_reject(l, r->name, r->lineno, NULL, 0,
			    "line longer than --max-line-bytes (%zu), skipped",
			    in->max_line) < 0;
			continue;
		}
		if (punct_is(line, len)) {
			control(in, r, line, len);
			if (in->fs->n > nv) {	/* a strategy added fields */
				nv = in->fs->n;
				rec.v = xrealloc(rec.v, nv * sizeof *rec.v);
			}
			continue;
		}
		if (in->after_tab && len > 0 && *line != '{' &&
		    (sep = memchr(line, '\t', len)) != NULL) {
			len -= (size_t)(sep + 1 - line);
			line = sep + 1;
		}
		rec.line = line;
		rec.len = len;
		rec.lineno = r->lineno;
		l->read++;
		rc = parse(r, &ps, &rec, &err);
		if (rc == PARSE_HEADER) {
			l->read--;	/* a header is not a record */
			if (in->header)
				in->header(in->arg, &rec, &ps);
		} else if (rc == PARSE_ERROR)
			stop = ledger_reject(l, rec.file, rec.lineno, rec.line,
			    rec.len, "%s", err) < 0;
		else
			stop = in->record(in->arg, &rec, &ps) < 0;
	}
	if (!stop && got == -1) {
		diag_warn("%s: read error: %s", r->name, strerror(errno));
		l->status = 1;
	}
	parser_release(&ps);
	free(rec.v);
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
