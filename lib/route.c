/*
 * route.c - event-route's rules, and the routing of records by them (see
 * route.h).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count.h"
#include "dest.h"
#include "diag.h"
#include "hash.h"
#include "metrics.h"
#include "route.h"
#include "table.h"

/* stdout was written: what it took since is delivered, or failed. */
static void
stdout_flushed(void *arg, int ok)
{
	struct router *r = arg;

	dests_pending_settle(&r->dests, &r->stdout_pending, ok);
}

void
router_init(struct router *r, struct out *stdout_out)
{
	memset(r, 0, sizeof *r);
	dests_init(&r->dests);
	r->stdout_out = stdout_out;
	buf_init(&r->path);
	buf_init(&r->key);
	buf_init(&r->scratch);
}

static char *
trimmed(const char *p, size_t n)
{
	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return xmemdup(p, n);
}

/* The "->" that ends the predicate: the first outside quotes. */
static const char *
arrow(const char *s)
{
	char quote = 0;

	for (; *s; s++) {
		if (quote) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == quote)
				quote = 0;
		} else if (*s == '"' || *s == '\'')
			quote = *s;
		else if (s[0] == '-' && s[1] == '>')
			return s;
	}
	return NULL;
}

int
router_is_rule(const char *text)
{
	return arrow(text) != NULL;
}

/* The {field} templates of a file name, as slots. */
static void
templates(struct rule *ru, struct fieldset *fs)
{
	const char *p = ru->target, *e;

	while ((p = strchr(p, '{')) != NULL && (e = strchr(p, '}')) != NULL) {
		if (e > p + 1) {
			ru->slots = xrealloc(ru->slots,
			    (ru->nslots + 1) * sizeof *ru->slots);
			ru->slots[ru->nslots++] = fieldset_add(fs, p + 1,
			    (size_t)(e - p - 1));
		}
		p = e + 1;
	}
}

/* The destination of ru from text d (at column col of the rule). */
static int
destination(struct rule *ru, const char *d, size_t col, struct fieldset *fs,
    char *err, size_t errlen)
{
	if (strcmp(d, "-") == 0)
		ru->kind = DEST_STDOUT;
	else if (d[0] == '>') {
		ru->kind = DEST_FILE;
		ru->append = d[1] == '>';
		ru->target = trimmed(d + 1 + ru->append,
		    strlen(d + 1 + ru->append));
		if (*ru->target == '\0') {
			snprintf(err, errlen, "at %zu: expected a file after "
			    "'%s'", col + 2 + ru->append, ru->append ? ">>" :
			    ">");
			return -1;
		}
		templates(ru, fs);
	} else if (d[0] == '|') {
		ru->kind = DEST_PIPE;
		ru->target = trimmed(d + 1, strlen(d + 1));
		if (*ru->target == '\0') {
			snprintf(err, errlen, "at %zu: expected a command after "
			    "'|'", col + 2);
			return -1;
		}
	} else if (d[0] == '!') {
		ru->kind = DEST_EXEC;
		ru->target = trimmed(d + 1, strlen(d + 1));
		if (*ru->target == '\0') {
			snprintf(err, errlen, "at %zu: expected a command after "
			    "'!'", col + 2);
			return -1;
		}
	} else {
		snprintf(err, errlen, "at %zu: expected a destination: -, "
		    ">>FILE, >FILE, |CMD or !CMD", col + 1);
		return -1;
	}
	return 0;
}

static struct rule *
new_rule(struct router *r, const char *text)
{
	struct rule *ru;

	r->rules = xrealloc(r->rules, (r->nrules + 1) * sizeof *r->rules);
	ru = &r->rules[r->nrules++];
	memset(ru, 0, sizeof *ru);
	ru->text = xstrdup(text);
	ru->nshards = 1;
	return ru;
}

int
router_add(struct router *r, const char *text, struct fieldset *fs,
    char *err, size_t errlen)
{
	const char *a = arrow(text);
	char *pred, *dest, perr[200];
	struct rule *ru;
	int at, rc = 0;

	if (a == NULL) {
		snprintf(err, errlen, "at %zu: expected 'PREDICATE -> "
		    "DESTINATION'", strlen(text) + 1);
		return -1;
	}
	pred = trimmed(text, (size_t)(a - text));
	dest = trimmed(a + 2, strlen(a + 2));
	ru = new_rule(r, text);
	if (*pred == '\0')
		snprintf(err, errlen, "at 1: expected a predicate or else "
		    "before '->'"), rc = -1;
	else if (strcmp(pred, "else") != 0 &&
	    (ru->pred = pred_compile(pred, fs, perr, sizeof perr)) == NULL) {
		/* the predicate's position, in the whole rule */
		size_t lead = strspn(text, " \t");

		if (sscanf(perr, "at %d:", &at) == 1)
			snprintf(err, errlen, "at %zu:%s", lead + (size_t)at,
			    strchr(perr, ':') + 1);
		else
			snprintf(err, errlen, "%s", perr);
		rc = -1;
	} else if (*dest == '\0')
		snprintf(err, errlen, "at %zu: expected a destination after "
		    "'->'", (size_t)(a - text) + 3), rc = -1;
	else
		rc = destination(ru, dest, (size_t)(a + 2 + strspn(a + 2,
		    " \t") - text), fs, err, errlen);
	free(pred);
	free(dest);
	return rc;
}

int
router_add_shard(struct router *r, const char *spec, const char *dest,
    struct fieldset *fs, char *err, size_t errlen)
{
	const char *colon = strrchr(spec, ':'), *p, *comma;
	struct rule *ru = new_rule(r, spec);
	uint64_t n;

	if (colon == NULL || colon == spec ||
	    count_parse(colon + 1, 1, 65536, &n) != COUNT_OK) {
		snprintf(err, errlen, "--shard '%s': expected FIELDS:N, N from 1 "
		    "to 65536", spec);
		return -1;
	}
	ru->nshards = (size_t)n;
	for (p = spec; p < colon; p = comma + 1) {
		comma = memchr(p, ',', (size_t)(colon - p));
		if (comma == NULL)
			comma = colon;
		if (comma == p) {
			snprintf(err, errlen, "--shard '%s': an empty field",
			    spec);
			return -1;
		}
		ru->keyslots = xrealloc(ru->keyslots,
		    (ru->nkeys + 1) * sizeof *ru->keyslots);
		ru->keyslots[ru->nkeys++] = fieldset_add(fs, p,
		    (size_t)(comma - p));
	}
	if (strstr(dest, "{}") == NULL && strcmp(dest, "-") != 0) {
		snprintf(err, errlen, "--shard: '%s' has no {} for the shard "
		    "number", dest);
		return -1;
	}
	return destination(ru, dest, 0, fs, err, errlen);
}

/* A command with {} as the shard number. */
static char *
with_shard(const char *cmd, size_t shard)
{
	struct buf b = BUF_INIT;
	const char *p;

	while ((p = strstr(cmd, "{}")) != NULL) {
		buf_add(&b, cmd, (size_t)(p - cmd));
		buf_addf(&b, "%zu", shard);
		cmd = p + 2;
	}
	buf_addstr(&b, cmd);
	return buf_detach(&b, NULL);
}

int
router_start(struct router *r, char *err, size_t errlen)
{
	size_t i, k;

	if (r->table == NULL) {	/* a table's records: table_written */
		r->stdout_out->flushed = stdout_flushed;
		r->stdout_out->flushed_arg = r;
	}
	r->dests.wait_out = r->stdout_out;
	r->hits = xcalloc(r->nrules + 1, sizeof *r->hits);
	r->stdout_only = r->nrules > 0;
	for (i = 0; i < r->nrules; i++)
		if (r->rules[i].kind != DEST_STDOUT)
			r->stdout_only = 0;

	for (i = 0; i < r->nrules; i++) {
		struct rule *ru = &r->rules[i];
		char *cmd;

		if (ru->kind == DEST_PIPE) {
			ru->handlers = xcalloc(ru->nshards,
			    sizeof *ru->handlers);
			if (r->measure)
				ru->count.wait = summary_new(0);
		} else if (ru->kind == DEST_EXEC) {
			ru->cmds = xcalloc(ru->nshards, sizeof *ru->cmds);
			if (r->measure)
				ru->count.handling = summary_new(0);
		} else
			continue;
		for (k = 0; k < ru->nshards; k++) {
			cmd = ru->nkeys ? with_shard(ru->target, k) :
			    xstrdup(ru->target);
			if (ru->kind == DEST_PIPE)
				ru->handlers[k] = dests_handler(&r->dests, cmd,
				    &ru->count);
			else	/* a shard's commands keep its keys' order */
				ru->cmds[k] = dests_command(&r->dests, cmd,
				    &ru->count, ru->nkeys > 0);
			free(cmd);
		}
	}
	return dests_start(&r->dests, err, errlen);
}

int
router_dead(const struct router *r)
{
	return r->stdout_only && r->stdout_out->err != 0;
}

/* The file name of ru for rec: its templates filled, '/' and a leading
 * '.' of a value made '_', a missing field "_". */
static const char *
file_name(struct router *r, const struct rule *ru, const struct record *rec,
    size_t shard)
{
	const char *p = ru->target, *e, *v;
	size_t k = 0, n, i;

	buf_reset(&r->path);
	while ((e = strchr(p, '{')) != NULL && strchr(e, '}') != NULL) {
		buf_add(&r->path, p, (size_t)(e - p));
		p = strchr(e, '}') + 1;
		if (p == e + 2) {		/* {}: the shard */
			buf_addf(&r->path, "%zu", shard);
			continue;
		}
		buf_reset(&r->scratch);
		v = val_text(&rec->v[ru->slots[k++]], &r->scratch, &n);
		if (v == NULL || n == 0) {
			buf_addc(&r->path, '_');
			continue;
		}
		for (i = 0; i < n; i++)
			buf_addc(&r->path, v[i] == '/' || v[i] == '\0' ||
			    (i == 0 && v[i] == '.') ? '_' : v[i]);
	}
	buf_addstr(&r->path, p);
	return r->path.data;
}

int
route_key(const struct record *rec, const int *slots, size_t n,
    struct buf *key, struct buf *scratch, const char **p, size_t *len)
{
	size_t k, tn;

	buf_reset(key);
	for (k = 0; k < n; k++) {
		const struct val *v = &rec->v[slots[k]];
		const char *text;

		if (v->type == VAL_MISSING ||
		    (text = val_text(v, scratch, &tn)) == NULL)
			return -1;
		if (v->type == VAL_NULL)
			tn = 0;
		if (n == 1) {
			*p = text;
			*len = tn;
			return 0;
		}
		for (size_t m = tn; ; m >>= 7) {	/* LEB128 */
			buf_addc(key, (int)((m & 0x7f) | (m > 0x7f ? 0x80 : 0)));
			if (m <= 0x7f)
				break;
		}
		buf_add(key, text, tn);
	}
	*p = key->data;
	*len = key->len;
	return 0;
}

size_t
route_shard(const char *key, size_t len, size_t n)
{
	return (size_t)(hash_bytes(key, len) % n);
}

/* The shard of rec under ru; an event without the key: shard 0. */
static size_t
shard_of(struct router *r, const struct rule *ru, const struct record *rec)
{
	const char *key;
	size_t len;

	if (route_key(rec, ru->keyslots, ru->nkeys, &r->key, &r->scratch,
	    &key, &len) < 0)
		return 0;
	return route_shard(key, len, ru->nshards);
}

/*
 * Give rec to ru's destination: its outcome (enum dest_outcome).  When
 * the event has a ticket (*t), a file, a handler or stdout that took it
 * holds a reference and settles it when the event is written, or lost.
 */
static int
deliver(struct router *r, struct rule *ru, const struct record *rec,
    struct dest_ticket **t)
{
	size_t shard = ru->nkeys ? shard_of(r, ru, rec) : 0;
	const char *path;
	size_t id;

	switch (ru->kind) {
	case DEST_STDOUT:
		if (r->table)
			table_line(r->table, r->dests.event_fmt, rec->line,
			    rec->len, NULL, 0);
		else {
			out_write(r->stdout_out, rec->line, rec->len);
			out_putc(r->stdout_out, '\n');
		}
		if (!r->to_stdout)	/* one taker, however many rules */
			dests_event_taken(&r->dests, &r->stdout_pending);
		r->to_stdout = 1;
		dests_pending_add(&r->stdout_pending, &ru->count, *t);
		return DEST_DELIVERED;
	case DEST_FILE:
		if (ru->file && ru->file_generation == r->dests.generation)
			id = ru->file - 1;	/* no templates: the same */
		else {
			path = file_name(r, ru, rec, shard);
			id = dests_file(&r->dests, path, r->path.len);
			if (ru->nslots == 0 && ru->nkeys == 0) {
				ru->file = id + 1;
				ru->file_generation = r->dests.generation;
			}
		}
		return dests_write_file(&r->dests, id, ru->append, rec->line,
		    rec->len, &ru->count, *t);
	case DEST_PIPE:
		return dests_send(&r->dests, ru->handlers[shard], rec->line,
		    rec->len, *t);
	default:
		return dests_run(&r->dests, ru->cmds[shard], rec->line,
		    rec->len, t);
	}
}

/* ru takes rec: counted, given; the best outcome so far in *best. */
static void
take(struct router *r, struct rule *ru, const struct record *rec,
    struct dest_ticket **t, int *best)
{
	int rc;

	ru->matched++;
	rc = deliver(r, ru, rec, t);
	if (ru->kind == DEST_STDOUT || ru->kind == DEST_FILE) {
		if (rc == DEST_DELIVERED)
			ru->count.delivered++;
		else
			ru->count.failed++;
	}
	/* one that holds the ticket tells the outcome there later */
	if (rc == DEST_DELIVERED && *t != NULL && ru->kind != DEST_EXEC)
		return;
	if (rc != DEST_PENDING && rc > *best)
		*best = rc;
}

size_t
router_route(struct router *r, const struct record *rec)
{
	struct dest_ticket *t = NULL;
	size_t i, n = 0;
	int best = DEST_NONE;

	r->routed++;
	r->to_stdout = 0;
	buf_reset(&r->scratch);
	dests_event_begin(&r->dests);
	for (i = 0; i < r->nrules && !(r->first && n); i++) {
		struct rule *ru = &r->rules[i];

		if (ru->pred == NULL ? ru->nkeys == 0 :
		    !pred_eval(ru->pred, rec, &r->scratch))
			continue;	/* else, or no match */
		r->hits[n++] = i;
	}
	if (n == 0)		/* else: what no other rule took */
		for (i = 0; i < r->nrules && !(r->first && n); i++)
			if (r->rules[i].pred == NULL && r->rules[i].nkeys == 0)
				r->hits[n++] = i;
	/* taken more than once: counted when every taker has settled it */
	if (n > 1)
		t = dests_ticket(&r->dests);
	for (i = 0; i < n; i++)
		take(r, &r->rules[r->hits[i]], rec, &t, &best);
	if (n == 0)
		r->unmatched++;
	else if (t)
		dests_ticket_done(&r->dests, t, best);
	else
		r->dests.records[best]++;
	dests_event_end(&r->dests, t != NULL);
	return n;
}

/*
 * -o table: write the records the table holds, and settle what the
 * standard output took by how the write went (its own flushes while
 * the table holds records do not: they are not written yet).
 */
static void
table_written(struct router *r)
{
	table_flush(r->table);
	dests_pending_settle(&r->dests, &r->stdout_pending,
	    out_flush(r->stdout_out) == 0);
}

void
router_flush(struct router *r)
{
	dests_flush(&r->dests);
	if (r->table)
		table_written(r);
}

int
router_finish(struct router *r, int64_t grace)
{
	if (r->table)
		table_written(r);
	else	/* its failures count in the ledger */
		out_flush(r->stdout_out);
	return dests_finish(&r->dests, grace);
}

/* What became of the events routed: delivered, unmatched,
 * dead-lettered, dropped, failed. */
static void
outcomes(const struct router *r, uintmax_t count[5])
{
	const uintmax_t *n = r->dests.records;

	count[0] = n[DEST_DELIVERED];
	count[1] = r->unmatched;
	count[2] = n[DEST_DEAD];
	count[3] = n[DEST_DROPPED];
	count[4] = n[DEST_FAILED] + n[DEST_NONE];
}

void
router_print(const struct router *r, const char *prog)
{
	uintmax_t count[5];
	size_t i;

	for (i = 0; i < r->nrules; i++)
		fprintf(stderr, "%s: rule %zu '%s': matched=%ju delivered=%ju "
		    "failed=%ju dropped=%ju dead-lettered=%ju\n", prog, i + 1,
		    r->rules[i].text, r->rules[i].matched,
		    r->rules[i].count.delivered, r->rules[i].count.failed,
		    r->rules[i].count.dropped, r->rules[i].count.dead);
	outcomes(r, count);
	fprintf(stderr, "%s: routed=%ju delivered=%ju unmatched=%ju "
	    "dead-lettered=%ju dropped=%ju failed=%ju\n", prog, r->routed,
	    count[0], count[1], count[2], count[3], count[4]);
}

/* One family of a count per rule. */
static void
rule_family(const struct router *r, struct prom *p, const char *name,
    const char *help, size_t off)
{
	char num[24];
	const char *labels[] = { "rule", num, NULL };
	size_t i;

	prom_family(p, name, "counter", help);
	for (i = 0; i < r->nrules; i++) {
		snprintf(num, sizeof num, "%zu", i + 1);
		prom_sample(p, name, labels, (double)*(const uintmax_t *)
		    ((const char *)&r->rules[i] + off));
	}
}

void
router_metrics(void *arg, struct prom *p)
{
	const struct router *r = arg;
	const char *const outcome[] = { "delivered", "unmatched",
	    "dead_lettered", "dropped", "failed" };
	uintmax_t count[5];
	char num[24];
	const char *labels[] = { "rule", num, "text", NULL, NULL };
	size_t i, k;

	prom_family(p, "streamkit_rule_info", "gauge", "A rule of "
	    "event-route, by its number (from 1) and its text.");
	for (i = 0; i < r->nrules; i++) {
		snprintf(num, sizeof num, "%zu", i + 1);
		labels[3] = r->rules[i].text;
		prom_sample(p, "streamkit_rule_info", labels, 1);
	}
	rule_family(r, p, "streamkit_rule_matched_total", "Events a rule "
	    "matched.", offsetof(struct rule, matched));
	rule_family(r, p, "streamkit_rule_delivered_total", "Events of a "
	    "rule its destination took.", offsetof(struct rule,
	    count.delivered));
	rule_family(r, p, "streamkit_rule_failed_total", "Events of a rule "
	    "its destination lost.", offsetof(struct rule, count.failed));
	rule_family(r, p, "streamkit_rule_dropped_total", "Events of a rule "
	    "dropped by --drop-when-full.", offsetof(struct rule,
	    count.dropped));
	rule_family(r, p, "streamkit_rule_dead_lettered_total", "Events of a "
	    "rule kept in --dead-letter.", offsetof(struct rule, count.dead));
	rule_family(r, p, "streamkit_rule_retried_total", "Runs again of a "
	    "rule's command that failed (--retry).", offsetof(struct rule,
	    count.retried));
	for (i = 0, k = 0; i < r->nrules; i++) {
		const struct rule *ru = &r->rules[i];
		const char *rule[] = { "rule", num, NULL };
		size_t unread = 0, s;

		if (ru->kind != DEST_PIPE || ru->handlers == NULL)
			continue;
		if (k++ == 0)
			prom_family(p, "streamkit_handler_unread_bytes", "gauge",
			    "Bytes of events a rule's handlers have not read "
			    "yet: in event-route's buffer and in their pipes.");
		for (s = 0; s < ru->nshards; s++)
			if (ru->handlers[s])
				unread += dests_handler_unread(ru->handlers[s]);
		snprintf(num, sizeof num, "%zu", i + 1);
		prom_sample(p, "streamkit_handler_unread_bytes", rule,
		    (double)unread);
	}
	for (i = 0, k = 0; i < r->nrules; i++) {
		const char *rule[] = { "rule", num, NULL };

		if (r->rules[i].count.wait == NULL)
			continue;
		if (k++ == 0)
			prom_family(p, "streamkit_handler_wait_seconds",
			    "summary", "A handler's events, from when each was "
			    "given to it until it read it (a sample when many "
			    "wait).");
		snprintf(num, sizeof num, "%zu", i + 1);
		prom_summary(p, "streamkit_handler_wait_seconds", rule,
		    r->rules[i].count.wait);
	}
	for (i = 0, k = 0; i < r->nrules; i++) {
		const char *rule[] = { "rule", num, NULL };

		if (r->rules[i].count.handling == NULL)
			continue;
		if (k++ == 0)
			prom_family(p, "streamkit_handling_seconds", "summary",
			    "A per-event command's runs, from start to exit.");
		snprintf(num, sizeof num, "%zu", i + 1);
		prom_summary(p, "streamkit_handling_seconds", rule,
		    r->rules[i].count.handling);
	}
	outcomes(r, count);
	prom_family(p, "streamkit_events_total", "counter", "Events routed, "
	    "by what became of them in the end.");
	for (i = 0; i < sizeof count / sizeof count[0]; i++) {
		labels[0] = "outcome";
		labels[1] = outcome[i];
		labels[2] = NULL;
		prom_sample(p, "streamkit_events_total", labels,
		    (double)count[i]);
	}
}

void
router_lines(void *arg, struct buf *b)
{
	const struct router *r = arg;
	size_t i;

	for (i = 0; i < r->nrules; i++) {
		const struct dest_count *c = &r->rules[i].count;

		if (c->handling && c->handling->count > 0) {
			buf_addf(b, "%s: rule %zu handling ", diag_prog, i + 1);
			metrics_quantiles(b, c->handling);
			buf_addc(b, '\n');
		}
		if (c->wait && c->wait->count > 0) {
			buf_addf(b, "%s: rule %zu wait ", diag_prog, i + 1);
			metrics_quantiles(b, c->wait);
			buf_addc(b, '\n');
		}
	}
}

void
router_release(struct router *r)
{
	size_t i;

	dests_release(&r->dests);
	for (i = 0; i < r->nrules; i++) {
		struct rule *ru = &r->rules[i];

		free(ru->handlers);
		free(ru->cmds);
		summary_free(ru->count.handling);
		summary_free(ru->count.wait);
		pred_free(ru->pred);
		free(ru->text);
		free(ru->target);
		free(ru->slots);
		free(ru->keyslots);
	}
	free(r->rules);
	free(r->hits);
	dests_pending_release(&r->stdout_pending);
	r->stdout_out->flushed = NULL;
	buf_release(&r->path);
	buf_release(&r->key);
	buf_release(&r->scratch);
}
