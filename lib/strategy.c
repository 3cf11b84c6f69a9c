/*
 * strategy.c - the windowing strategy and its control line (see
 * strategy.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diag.h"
#include "json.h"
#include "out.h"
#include "record.h"
#include "punct.h"
#include "strategy.h"
#include "timefmt.h"
#include "trigger.h"

enum {
	SO_TIME = STRATEGY_OPT_BASE, SO_TIME_FORMAT, SO_TUMBLING, SO_SLIDING,
	SO_EVERY, SO_OFFSET, SO_SESSION, SO_KEY, SO_GLOBAL, SO_TZ,
	SO_MAX_DELAY, SO_MAX_JUMP, SO_IDLE, SO_LATENESS, SO_TIME_OUTPUT,
	SO_START_FIELD, SO_END_FIELD
};

const struct option strategy_options[] = {
	{ "time", required_argument, NULL, SO_TIME },
	{ "time-format", required_argument, NULL, SO_TIME_FORMAT },
	{ "tumbling", required_argument, NULL, SO_TUMBLING },
	{ "sliding", required_argument, NULL, SO_SLIDING },
	{ "every", required_argument, NULL, SO_EVERY },
	{ "offset", required_argument, NULL, SO_OFFSET },
	{ "session", required_argument, NULL, SO_SESSION },
	{ "key", required_argument, NULL, SO_KEY },
	{ "global", no_argument, NULL, SO_GLOBAL },
	{ "tz", required_argument, NULL, SO_TZ },
	{ "max-delay", required_argument, NULL, SO_MAX_DELAY },
	{ "max-jump", required_argument, NULL, SO_MAX_JUMP },
	{ "idle", required_argument, NULL, SO_IDLE },
	{ "allowed-lateness", required_argument, NULL, SO_LATENESS },
	{ "time-output", required_argument, NULL, SO_TIME_OUTPUT },
	{ "start-field", required_argument, NULL, SO_START_FIELD },
	{ "end-field", required_argument, NULL, SO_END_FIELD },
	{ NULL, 0, NULL, 0 }
};

struct option *
strategy_merge_options(const struct option *own)
{
	size_t n = 0, m = 0;
	struct option *all;

	while (own[n].name)
		n++;
	while (strategy_options[m].name)
		m++;
	all = xcalloc(n + m + 1, sizeof *all);
	memcpy(all, own, n * sizeof *all);
	memcpy(all + n, strategy_options, (m + 1) * sizeof *all);
	return all;
}

static const char *
opt_name(int opt)
{
	size_t i;

	for (i = 0; strategy_options[i].name; i++)
		if (strategy_options[i].val == opt)
			return strategy_options[i].name;
	return "?";
}

static int
set_kind(struct strategy *s, int kind, char *err, size_t errlen)
{
	if (s->win.kind != WINDOW_NONE && s->win.kind != kind) {
		snprintf(err, errlen, "one window kind: --tumbling, --sliding, "
		    "--session or --global");
		return -1;
	}
	s->win.kind = kind;
	return 0;
}

static void
set_str(char **dst, const char *arg)
{
	free(*dst);
	*dst = xstrdup(arg);
}

int
strategy_option(struct strategy *s, int opt, const char *arg, char *err,
    size_t errlen)
{
	int64_t d = 0;

	switch (opt) {
	case SO_TUMBLING: case SO_SLIDING: case SO_EVERY: case SO_OFFSET:
	case SO_SESSION: case SO_MAX_DELAY: case SO_MAX_JUMP: case SO_IDLE:
	case SO_LATENESS:
		if (duration_parse(arg, &d) < 0) {
			snprintf(err, errlen, "--%s '%s': not a duration",
			    opt_name(opt), arg);
			return -1;
		}
	}
	switch (opt) {
	case SO_TIME: set_str(&s->time_field, arg); break;
	case SO_TIME_FORMAT: set_str(&s->time_format, arg); break;
	case SO_KEY: set_str(&s->key, arg); break;
	case SO_TZ: set_str(&s->tzname, arg); break;
	case SO_START_FIELD: set_str(&s->start_field, arg); break;
	case SO_END_FIELD: set_str(&s->end_field, arg); break;
	case SO_TUMBLING:
		s->win.size = d;
		return set_kind(s, WINDOW_TUMBLING, err, errlen);
	case SO_SLIDING:
		s->win.size = d;
		return set_kind(s, WINDOW_SLIDING, err, errlen);
	case SO_SESSION:
		s->win.gap = d;
		return set_kind(s, WINDOW_SESSION, err, errlen);
	case SO_GLOBAL:
		return set_kind(s, WINDOW_GLOBAL, err, errlen);
	case SO_EVERY: s->win.period = d; break;
	case SO_OFFSET: s->win.offset = d; break;
	case SO_MAX_DELAY:
		s->max_delay = d;
		s->delay_given = 1;
		break;
	case SO_MAX_JUMP: s->max_jump = d; break;
	case SO_IDLE: s->idle = d; break;
	case SO_LATENESS: s->allowed_lateness = d; break;
	case SO_TIME_OUTPUT:
		if ((s->time_output = time_output_from_name(arg)) < 0) {
			snprintf(err, errlen, "--time-output '%s': not rfc3339, "
			    "epoch, epoch-ms, epoch-us or local", arg);
			return -1;
		}
		break;
	default:
		snprintf(err, errlen, "unknown option");
		return -1;
	}
	return 0;
}

int
strategy_finish(struct strategy *s, char *err, size_t errlen)
{
	const char *why;

	if (s->win.kind == WINDOW_SLIDING && s->win.period == 0) {
		snprintf(err, errlen, "--sliding needs --every");
		return -1;
	}
	if (s->win.kind != WINDOW_SLIDING && s->win.period != 0) {
		snprintf(err, errlen, "--every goes with --sliding");
		return -1;
	}
	if (s->tzname) {
		if (tz_load(&s->tz, s->tzname, &why) < 0) {
			snprintf(err, errlen, "--tz '%s': %s", s->tzname, why);
			return -1;
		}
		s->win.tz = &s->tz;
	}
	if (window_check(&s->win, &why) < 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (s->time_output == TOUT_LOCAL && s->win.tz == NULL) {
		snprintf(err, errlen, "--time-output local needs --tz");
		return -1;
	}
	if (!s->delay_given && s->time_field == NULL)
		s->max_delay = 0;	/* processing time is in order */
	return 0;
}

int
strategy_tell_delay(struct strategy *s, int64_t quiet)
{
	struct buf d = BUF_INIT;

	if (s->delay_given || s->delay_told || s->max_delay == 0)
		return -1;
	if (quiet < STRATEGY_TELL_AFTER)
		return (int)((STRATEGY_TELL_AFTER - quiet + 999) / 1000);
	duration_format(&d, s->max_delay);
	diag_warn("input waits; windows close once records are %s past their "
	    "end (no --max-delay given)", d.data);
	buf_release(&d);
	s->delay_told = 1;
	return -1;
}

void
strategy_init(struct strategy *s)
{
	memset(s, 0, sizeof *s);
	s->start_field = xstrdup("window_start");
	s->end_field = xstrdup("window_end");
	s->empty_rules = EMPTY_DEFAULT;
	s->max_delay = STRATEGY_DEFAULT_DELAY;
}

void
strategy_release(struct strategy *s)
{
	free(s->time_field);
	free(s->time_format);
	free(s->key);
	free(s->start_field);
	free(s->end_field);
	free(s->tzname);
	free(s->trigger);
	if (s->win.tz)
		tz_release(&s->tz);
	memset(s, 0, sizeof *s);
}

static const char *const tout_names[] = { "rfc3339", "epoch", "epoch-ms",
    "epoch-us", "local" };

int
time_output_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof tout_names / sizeof tout_names[0]; i++)
		if (strcmp(name, tout_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
time_output_name(int tout)
{
	return tout >= 0 && tout <= TOUT_LOCAL ? tout_names[tout] : "?";
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

size_t
strategy_format_time(const struct strategy *s, evtime t, char *dst)
{
	int64_t off;
	size_t n;

	switch (s->time_output) {
	case TOUT_EPOCH:
		return int_format(floor_div(t, US_PER_SEC), dst);
	case TOUT_EPOCH_MS:
		return int_format(floor_div(t, 1000), dst);
	case TOUT_EPOCH_US:
		return int_format(t, dst);
	case TOUT_LOCAL:
		if (s->win.tz == NULL)
			break;
		off = tz_offset(s->win.tz, t) / US_PER_SEC;
		n = time_format_rfc3339(t + off * US_PER_SEC, dst) - 1;
		n += (size_t)snprintf(dst + n, TIME_RFC3339_MAX - n,
		    "%c%02d:%02d", off < 0 ? '-' : '+',
		    (int)(llabs(off) / 3600), (int)(llabs(off) / 60 % 60));
		return n;
	}
	return time_format_rfc3339(t, dst);
}

static void
add_key(struct buf *b, const char *name)
{
	buf_addc(b, ',');
	json_quote(b, name, strlen(name));
	buf_addc(b, ':');
}

static void
add_str(struct buf *b, const char *name, const char *val)
{
	add_key(b, name);
	if (val)
		json_quote(b, val, strlen(val));
	else
		buf_addstr(b, "null");
}

static void
add_int(struct buf *b, const char *name, int64_t v)
{
	add_key(b, name);
	buf_addf(b, "%lld", (long long)v);
}

void
strategy_write(struct buf *b, const struct strategy *s)
{
	const struct windowing *w = &s->win;

	buf_addstr(b, PUNCT_PREFIX "\"strategy\"");
	add_str(b, "window", window_kind_name(w->kind));
	if (w->kind == WINDOW_TUMBLING || w->kind == WINDOW_SLIDING) {
		add_int(b, "size", w->size);
		if (w->kind == WINDOW_SLIDING)
			add_int(b, "every", w->period);
		add_int(b, "offset", w->offset);
	}
	if (w->kind == WINDOW_SESSION)
		add_int(b, "gap", w->gap);
	add_str(b, "tz", w->tz ? s->tz.name : NULL);
	add_str(b, "time", s->time_field);
	add_str(b, "time_format", s->time_format ? s->time_format : "auto");
	add_str(b, "time_field", STRATEGY_TIME_FIELD);
	add_str(b, "key", s->key);
	add_str(b, "start_field", s->start_field);
	add_str(b, "end_field", s->end_field);
	add_str(b, "time_output", time_output_name(s->time_output));
	add_int(b, "max_delay", s->max_delay);
	add_int(b, "allowed_lateness", s->allowed_lateness);
	add_str(b, "trigger", s->trigger ? s->trigger : "watermark");
	add_str(b, "mode", s->retract ? "retract" : s->accumulate ?
	    "accumulate" : "discard");
	if (s->bounds)
		buf_addstr(b, ",\"bounds\":true");
	if (s->trigger) {		/* a stream-trigger stream */
		buf_addstr(b, ",\"fire_lines\":true");
		if (s->pane_info)
			buf_addstr(b, ",\"pane_info\":true");
		add_str(b, "on_time", trigger_empty_rule_name(s->empty_rules &
		    EMPTY_ON_TIME));
		add_str(b, "closing", trigger_empty_rule_name(s->empty_rules &
		    EMPTY_CLOSING));
	}
	buf_addstr(b, "}\n");
}

enum { P_WINDOW, P_SIZE, P_EVERY, P_OFFSET, P_GAP, P_TZ, P_TIME, P_TFMT,
	P_TFIELD, P_KEY, P_START, P_END, P_TOUT, P_DELAY, P_LATENESS,
	P_TRIGGER, P_MODE, P_FIRE_LINES, P_PANE_INFO, P_ON_TIME, P_CLOSING,
	P_BOUNDS, P_N };

static const char *const pnames[P_N] = {
	"window", "size", "every", "offset", "gap", "tz", "time", "time_format",
	"time_field", "key", "start_field", "end_field", "time_output",
	"max_delay", "allowed_lateness", "trigger", "mode", "fire_lines",
	"pane_info", "on_time", "closing", "bounds"
};

static int
is_true(const struct val *v)
{
	return v->type == VAL_BOOL && v->p[0] == 't';
}

/* A string field of the line into *dst (NULL for null or absent). */
static int
get_str(const struct val *v, char **dst, struct buf *scratch)
{
	const char *t;
	size_t n;

	if (v->type == VAL_MISSING || v->type == VAL_NULL)
		return 0;
	if (v->type != VAL_STR || (t = val_text(v, scratch, &n)) == NULL)
		return -1;
	free(*dst);
	*dst = xmemdup(t, n);
	return 0;
}

static int
get_int(const struct val *v, int64_t *dst)
{
	int isint;

	if (v->type == VAL_MISSING)
		return 0;
	return val_num(v, NULL, &isint, dst) == 0 && isint && *dst >= 0 ?
	    0 : -1;
}

/* The strategy line's on_time and closing (absent: the defaults). */
static int
get_empty_rules(struct strategy *s, const char *on_time, const char *closing)
{
	int a = on_time ? trigger_empty_rule(on_time) : 1;
	int b = closing ? trigger_empty_rule(closing) : 0;

	if (a < 0 || b < 0)
		return 1;
	s->empty_rules = (a ? EMPTY_ON_TIME : 0) | (b ? EMPTY_CLOSING : 0);
	return 0;
}

int
strategy_parse(struct strategy *s, const char *line, size_t len, char *err,
    size_t errlen)
{
	static struct fieldset fs = FIELDSET_INIT;
	struct buf scratch = BUF_INIT;
	struct val v[P_N];
	const char *why;
	char *kind = NULL, *tout = NULL, *tfield = NULL, *trigger = NULL;
	char *mode = NULL, *on_time = NULL, *closing = NULL;
	int i, bad = 0;

	if (fs.n == 0)
		for (i = 0; i < P_N; i++)
			fieldset_add(&fs, pnames[i], strlen(pnames[i]));
	if (json_parse(line, len, &fs, v, &why) != PARSE_OK) {
		snprintf(err, errlen, "bad strategy line: %s", why);
		return -1;
	}
	bad |= get_str(&v[P_WINDOW], &kind, &scratch);
	bad |= get_int(&v[P_SIZE], &s->win.size);
	bad |= get_int(&v[P_EVERY], &s->win.period);
	bad |= get_int(&v[P_OFFSET], &s->win.offset);
	bad |= get_int(&v[P_GAP], &s->win.gap);
	bad |= get_str(&v[P_TZ], &s->tzname, &scratch);
	bad |= get_str(&v[P_TIME], &s->time_field, &scratch);
	bad |= get_str(&v[P_TFMT], &s->time_format, &scratch);
	bad |= get_str(&v[P_TFIELD], &tfield, &scratch);
	bad |= get_str(&v[P_KEY], &s->key, &scratch);
	bad |= get_str(&v[P_START], &s->start_field, &scratch);
	bad |= get_str(&v[P_END], &s->end_field, &scratch);
	bad |= get_str(&v[P_TOUT], &tout, &scratch);
	s->max_delay = 0;	/* the line says, whatever our default */
	s->delay_given = 1;
	bad |= get_int(&v[P_DELAY], &s->max_delay);
	bad |= get_int(&v[P_LATENESS], &s->allowed_lateness);
	bad |= get_str(&v[P_TRIGGER], &trigger, &scratch);
	bad |= get_str(&v[P_MODE], &mode, &scratch);
	bad |= get_str(&v[P_ON_TIME], &on_time, &scratch);
	bad |= get_str(&v[P_CLOSING], &closing, &scratch);
	bad |= get_empty_rules(s, on_time, closing);
	s->bounds = is_true(&v[P_BOUNDS]);
	if (is_true(&v[P_FIRE_LINES])) {
		s->trigger = trigger;
		trigger = NULL;
		s->retract = mode && strcmp(mode, "retract") == 0;
		s->accumulate = s->retract ||
		    (mode && strcmp(mode, "accumulate") == 0);
		s->pane_info = is_true(&v[P_PANE_INFO]);
	}
	free(trigger);
	free(mode);
	free(on_time);
	free(closing);
	buf_release(&scratch);
	for (i = WINDOW_TUMBLING; kind && i <= WINDOW_GLOBAL; i++)
		if (strcmp(kind, window_kind_name(i)) == 0)
			s->win.kind = i;
	if (tout && (s->time_output = time_output_from_name(tout)) < 0)
		bad = 1;
	if (tfield && strcmp(tfield, STRATEGY_TIME_FIELD) != 0)
		bad = 1;
	if (bad || s->win.kind == WINDOW_NONE || !s->start_field ||
	    !s->end_field)
		snprintf(err, errlen, "bad strategy line: %s",
		    s->win.kind == WINDOW_NONE ? "no window kind" :
		    "a field of the wrong type");
	free(kind);
	free(tout);
	free(tfield);
	if (bad || s->win.kind == WINDOW_NONE || !s->start_field ||
	    !s->end_field)
		return -1;
	return strategy_finish(s, err, errlen);
}

void
stamper_init(struct stamper *sp, const struct strategy *st, int annotated,
    struct fieldset *fs)
{
	static const char *const bound_fmt[] = { "rfc3339", "epoch",
	    "epoch-ms", "epoch-us", "rfc3339" };
	const char *tname = annotated ? STRATEGY_TIME_FIELD : st->time_field;

	memset(sp, 0, sizeof *sp);
	sp->st = st;
	sp->annotated = annotated;
	sp->tslot = sp->sslot = sp->eslot = -1;
	buf_init(&sp->scratch);
	if (tname)
		sp->tslot = fieldset_add(fs, tname, strlen(tname));
	if (annotated) {	/* stream-window writes it last */
		fs->tail = sp->tslot + 1;
		fs->trusted = 1;
	}
	timefmt_init(&sp->tf, annotated ? "epoch-us" :
	    st->time_format ? st->time_format : "auto", wall_now());
	/* a sliding stream's line says which of the record's windows it is:
	 * by its start in _w, or with --bounds by both bounds */
	if (annotated && st->win.kind == WINDOW_SLIDING && !st->bounds) {
		sp->sslot = fieldset_add(fs, STRATEGY_WINDOW_FIELD,
		    strlen(STRATEGY_WINDOW_FIELD));
		timefmt_init(&sp->boundf, "epoch-us", wall_now());
	} else if (annotated && st->win.kind == WINDOW_SLIDING) {
		sp->sslot = fieldset_add(fs, st->start_field,
		    strlen(st->start_field));
		sp->eslot = fieldset_add(fs, st->end_field,
		    strlen(st->end_field));
		timefmt_init(&sp->boundf, bound_fmt[st->time_output],
		    wall_now());
	}
}

void
stamper_release(struct stamper *sp)
{
	timefmt_release(&sp->tf);
	timefmt_release(&sp->boundf);
	buf_release(&sp->scratch);
}

/* The name of the field in slot, for messages. */
static const char *
field_name(const struct stamper *sp, int slot)
{
	const struct strategy *st = sp->st;

	if (slot == sp->tslot)
		return sp->annotated || st->time_field == NULL ?
		    STRATEGY_TIME_FIELD : st->time_field;
	if (slot == sp->sslot)
		return st->bounds ? st->start_field : STRATEGY_WINDOW_FIELD;
	return st->end_field;
}

static int
field_time(struct stamper *sp, const struct record *rec, int slot,
    const struct timefmt *tf, evtime *t, char *why, size_t whylen)
{
	const struct val *v = &rec->v[slot];
	const char *text;
	size_t n;

	if (v->type == VAL_MISSING) {
		snprintf(why, whylen, "missing field '%s'",
		    field_name(sp, slot));
		return -1;
	}
	buf_reset(&sp->scratch);
	text = val_text(v, &sp->scratch, &n);
	if (text == NULL || time_parse(tf, text, n, t) < 0) {
		snprintf(why, whylen, "field '%s' is not a time",
		    field_name(sp, slot));
		return -1;
	}
	return 0;
}

/* A window bound: records of one window repeat its text, so the last
 * one read is kept and reused. */
static int
bound_time(struct stamper *sp, const struct record *rec, int slot,
    struct stamper_bound *last, evtime *t, char *why, size_t whylen)
{
	const struct val *v = &rec->v[slot];

	if (last->n > 0 && v->n == last->n && v->type == last->type &&
	    v->esc == ESC_NONE && memcmp(v->p, last->text, v->n) == 0) {
		*t = last->t;
		return 0;
	}
	if (field_time(sp, rec, slot, &sp->boundf, t, why, whylen) < 0)
		return -1;
	if (v->esc == ESC_NONE && v->n <= sizeof last->text) {
		memcpy(last->text, v->p, v->n);
		last->n = v->n;
		last->type = v->type;
		last->t = *t;
	}
	return 0;
}

int
stamper_plain_time(const struct val *v, evtime *t)
{
	int64_t n;

	/* [-]digits, 19 at most, and not EVTIME_MIN: as stream-window
	 * writes it */
	if (v->type != VAL_NUM || v->n == 0 || v->p[0] == '+' ||
	    v->n > 19 + (size_t)(v->p[0] == '-') ||
	    int_parse(v->p, v->n, &n) < 0 || n == EVTIME_MIN)
		return 0;
	*t = n;
	return 1;
}

int
stamper_time(struct stamper *sp, const struct record *rec, evtime *t,
    char *why, size_t whylen)
{
	if (sp->tslot < 0) {
		*t = wall_now();	/* processing time */
		return 0;
	}
	if (sp->annotated && stamper_plain_time(&rec->v[sp->tslot], t))
		return 0;
	return field_time(sp, rec, sp->tslot, &sp->tf, t, why, whylen);
}

size_t
stamper_windows(struct stamper *sp, const struct record *rec, evtime t,
    struct window *out, char *why, size_t whylen)
{
	size_t n;

	/* from _t, as stream-window computed them, but for the one window
	 * of a sliding stream's line */
	if (!sp->annotated || sp->st->win.kind != WINDOW_SLIDING) {
		if ((n = window_assign_last(&sp->st->win, t, out,
		    &sp->last)) == 0)
			snprintf(why, whylen, "event time out of range");
		return n;
	}
	if (bound_time(sp, rec, sp->sslot, &sp->last_start, &out[0].start,
	    why, whylen) < 0)
		return 0;
	if (sp->eslot < 0)		/* lean: the start says it */
		out[0].end = out[0].start > EVTIME_MAX - sp->st->win.size ?
		    EVTIME_MAX : out[0].start + sp->st->win.size;
	else if (bound_time(sp, rec, sp->eslot, &sp->last_end, &out[0].end,
	    why, whylen) < 0)
		return 0;
	if (out[0].end <= out[0].start) {
		snprintf(why, whylen, "window ends before it starts");
		return 0;
	}
	return 1;
}
