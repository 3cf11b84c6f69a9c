/*
 * aggsave.c - stream-agg's --state lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggsave.h"
#include "diag.h"
#include "json.h"

/* The kinds of saved tables: winstate's, and --retract's last panes (of
 * sessions, with the session that will retract them). */
enum { LAST_PANE = WS_SESSION + 1, LAST_SESSION_PANE, GROUPS };
static const char *const kind_words[] = { "window", "slice", "session",
    "last", "slast", "group" };

void
partial_slots_add(struct partial_slots *ps, struct fieldset *fs,
    const struct aggspec *spec, size_t nspec, const char *start_field,
    const char *end_field, int sessions)
{
	aggspec_partial_fields((struct aggspec *)spec, nspec, fs);
	ps->first = fieldset_add(fs, "_first", 6);
	ps->empty = fieldset_add(fs, "_empty", 6);
	ps->start = fieldset_add(fs, start_field, strlen(start_field));
	ps->end = fieldset_add(fs, end_field, strlen(end_field));
	ps->sstart = ps->send = -1;
	if (sessions) {
		ps->sstart = fieldset_add(fs, "_session_start", 14);
		ps->send = fieldset_add(fs, "_session_end", 12);
	}
}

void
aggsave_config(struct aggsave *sv, char *const *keyname, size_t nkey,
    const struct aggspec *spec, size_t nspec)
{
	struct buf *b = &sv->config;
	size_t i;

	buf_reset(b);
	buf_addstr(b, "-g ");
	for (i = 0; i < nkey; i++)
		buf_addf(b, "%s%s", i ? "," : "", keyname[i]);
	for (i = 0; i < nspec; i++)
		buf_addf(b, " %s%s%s=%s", aggspec_op_name(&spec[i]),
		    spec[i].field ? ":" : "", spec[i].field ?
		    spec[i].field : "", spec[i].name);
}

static void __attribute__((noreturn))
bad_state(const struct aggsave *sv, const char *why)
{
	diag_fatal(1, "state '%s': %s", sv->path, why);
}

/* The line of keyword kw in the state, or NULL. */
static const char *
state_line(const struct state *s, const char *kw, size_t *len)
{
	size_t pos = 0, kl;
	const char *k;
	const char *rest;

	while (state_next(s, &pos, &k, &kl, &rest, len))
		if (kl == strlen(kw) && memcmp(k, kw, kl) == 0)
			return rest;
	return NULL;
}

uint64_t
aggsave_check(const struct aggsave *sv, const struct state *s)
{
	const char *p;
	size_t n;
	unsigned long long v;

	if ((p = state_line(s, "config", &n)) == NULL ||
	    n != sv->config.len || memcmp(p, sv->config.data, n) != 0)
		bad_state(sv, "written for other aggregations or groups; "
		    "give another --state file");
	if ((p = state_line(s, "seq", &n)) == NULL ||
	    sscanf(p, "%llu", &v) != 1)
		bad_state(sv, "no record count");
	return v;
}

/* The window bounds of fields a and b of rec, microseconds. */
static void
bounds_of(const struct aggsave *sv, const struct record *rec, int a, int b,
    struct window *w)
{
	const struct val *x = &rec->v[a], *y = &rec->v[b];
	int isint;

	if (num_parse(x->p, x->n, NULL, &isint, &w->start) < 0 || !isint ||
	    num_parse(y->p, y->n, NULL, &isint, &w->end) < 0 || !isint)
		bad_state(sv, "a window without bounds");
}

/* The table a saved line of kind goes to, opened. */
static struct aggtab *
table_of(const struct aggsave *sv, int kind, const struct record *rec,
    uint64_t first)
{
	const struct partial_slots *ps = &sv->slots;
	struct aggtab *t = sv->tab;
	struct window w = { 0, 0 }, sw;
	char why[256];

	if (kind == GROUPS)
		return t;
	bounds_of(sv, rec, ps->start, ps->end, &w);
	switch (kind) {
	case WS_WINDOW:
		return winstate_table(sv->ws, &w);
	case WS_SLICE:
		return winstate_slice_table(sv->ws, &w);
	case WS_SESSION:
		t = winstate_session_table(sv->ws, rec, &w, first, why,
		    sizeof why);
		break;
	case LAST_PANE:
		return winstate_table(sv->prevs, &w);
	case LAST_SESSION_PANE:
		bounds_of(sv, rec, ps->sstart, ps->send, &sw);
		t = winstate_session_last_table(sv->ws, rec, &sw, &w, first,
		    why, sizeof why);
		break;
	}
	if (t == NULL)
		bad_state(sv, why);
	return t;
}

/* Fold one saved partial line into the table of its kind. */
static void
restore_line(const struct aggsave *sv, int kind, const char *line,
    size_t len, struct record *rec)
{
	const char *err, *sep = memchr(line, '\t', len);
	const struct val *f;
	char why[256];
	uint64_t first = 0;
	int64_t i;
	int isint;

	if (sep) {
		len -= (size_t)(sep + 1 - line);
		line = sep + 1;
	}
	rec->line = line;
	rec->len = len;
	if (json_parse(line, len, sv->fields, rec->v, &err) != PARSE_OK)
		bad_state(sv, err);
	f = &rec->v[sv->slots.first];
	if (kind != GROUPS && num_parse(f->p, f->n, NULL, &isint, &i) == 0 &&
	    isint && i >= 0)
		first = (uint64_t)i;
	if (aggtab_merge_partial(table_of(sv, kind, rec, first), rec,
	    sv->slots.first, sv->slots.empty, why, sizeof why) != AGG_OK)
		bad_state(sv, why);
}

/* The saved tables of kind back into memory. */
static void
restore_tables(const struct aggsave *sv, const struct state *s, int kind)
{
	struct record rec = { NULL, 0, sv->path, 0, NULL };
	const char *kw, *rest, *want = kind_words[kind];
	size_t pos = 0, kl, rl;

	rec.v = xcalloc(sv->fields->n ? sv->fields->n : 1, sizeof *rec.v);
	while (state_next(s, &pos, &kw, &kl, &rest, &rl))
		if (kl == strlen(want) && memcmp(kw, want, kl) == 0)
			restore_line(sv, kind, rest, rl, &rec);
	free(rec.v);
}

/* --trigger in-process: each window's panes and trigger state. */
static void
restore_panes(const struct aggsave *sv, const struct state *s)
{
	const char *kw, *rest;
	size_t pos = 0, kl, rl;

	while (state_next(s, &pos, &kw, &kl, &rest, &rl))
		if (kl == 4 && memcmp(kw, "pane", 4) == 0 &&
		    panes_restore(sv->panes, rest, rl) < 0)
			bad_state(sv, "a bad pane line");
}

static void
restore_windows(const struct aggsave *sv, const struct state *s)
{
	struct buf want = BUF_INIT;
	const char *p;
	size_t n;
	long long a, b, f;

	strategy_write(&want, sv->st);
	if ((p = state_line(s, "strategy", &n)) == NULL ||
	    n + 1 != want.len || memcmp(p, want.data, n) != 0)
		bad_state(sv, "written for other windows; give another "
		    "--state file");
	buf_release(&want);
	if ((p = state_line(s, "watermark", &n)) == NULL ||
	    sscanf(p, "%lld %lld %lld", &a, &b, &f) != 3)
		bad_state(sv, "no watermark");
	sv->wm->max_seen = a;
	sv->wm->wm = b;
	sv->ws->fired_end = f;
	restore_tables(sv, s, WS_WINDOW);
	restore_tables(sv, s, WS_SLICE);
	restore_tables(sv, s, WS_SESSION);
	if (sv->st->retract) {
		restore_tables(sv, s, LAST_PANE);
		restore_tables(sv, s, LAST_SESSION_PANE);
	}
	if (sv->panes)
		restore_panes(sv, s);
}

void
aggsave_restore(const struct aggsave *sv, const struct state *s)
{
	if (s->body.len == 0)
		return;		/* a first run */
	if (sv->st)
		restore_windows(sv, s);
	else
		restore_tables(sv, s, GROUPS);
}

struct save_ctx {
	const struct aggsave *sv;
	struct buf *b;
};

static void
save_table(void *arg, int kind, const struct window *w, struct aggtab *t)
{
	struct save_ctx *c = arg;
	const struct strategy *st = c->sv->st;
	char start[INT_FORMAT_MAX], end[INT_FORMAT_MAX], prefix[16];
	struct addfield pre[2] = {
		{ st->start_field, start, int_format(w->start, start), OV_NUM },
		{ st->end_field, end, int_format(w->end, end), OV_NUM }
	};

	snprintf(prefix, sizeof prefix, "%s ", kind_words[kind]);
	aggtab_partial_buf(t, c->b, prefix, pre, 2, AGG_EMPTY_MARK);
}

/* --retract: the last pane of each window, for the next to retract. */
static void
save_last_pane(void *arg, int kind, const struct window *w, struct aggtab *t)
{
	(void)kind;
	save_table(arg, LAST_PANE, w, t);
}

/* And of sessions: each with the session that will retract it. */
static void
save_session_pane(void *arg, const struct window *sw, const struct window *w,
    struct aggtab *t)
{
	struct save_ctx *c = arg;
	const struct strategy *st = c->sv->st;
	char start[INT_FORMAT_MAX], end[INT_FORMAT_MAX];
	char sstart[INT_FORMAT_MAX], send[INT_FORMAT_MAX];
	struct addfield pre[4] = {
		{ st->start_field, start, int_format(w->start, start), OV_NUM },
		{ st->end_field, end, int_format(w->end, end), OV_NUM },
		{ "_session_start", sstart, int_format(sw->start, sstart),
		    OV_NUM },
		{ "_session_end", send, int_format(sw->end, send), OV_NUM }
	};

	aggtab_partial_buf(t, c->b, "slast ", pre, 4, AGG_EMPTY_MARK);
}

void
aggsave_write(const struct aggsave *sv, struct buf *b, uint64_t seq)
{
	struct save_ctx c = { sv, b };

	buf_reset(b);
	buf_addstr(b, "config ");
	buf_add(b, sv->config.data, sv->config.len);
	buf_addf(b, "\nseq %ju\n", (uintmax_t)seq);
	if (sv->st == NULL) {
		aggtab_partial_buf(sv->tab, b, "group ", NULL, 0,
		    AGG_EMPTY_MARK);
		return;
	}
	buf_addstr(b, "strategy ");
	strategy_write(b, sv->st);
	buf_addf(b, "watermark %lld %lld %lld\n", (long long)sv->wm->max_seen,
	    (long long)sv->wm->wm, (long long)sv->ws->fired_end);
	winstate_each(sv->ws, save_table, &c);
	if (sv->st->retract) {
		winstate_each(sv->prevs, save_last_pane, &c);
		winstate_each_last(sv->ws, save_session_pane, &c);
	}
	if (sv->panes)
		panes_save(sv->panes, b);
}
