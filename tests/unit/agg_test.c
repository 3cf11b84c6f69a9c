/*
 * agg_test.c - every aggregation in agg.c's table, found through
 * agg_kind_form so that a new row is tested without a word here but its
 * known results: it parses; a table fed records gives those results; its
 * partial state saves and loads back to them; tables over parts of the
 * records merge to them in either order.  Then the partial state's
 * reader against bad lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "check.h"
#include "hash.h"
#include "json.h"
#include "out.h"
#include "record.h"

/* Group g, value x: a null (no value) in a, a string in b. */
static const char *const records[] = {
	"{\"g\":\"a\",\"x\":3}",
	"{\"g\":\"b\",\"x\":10}",
	"{\"g\":\"a\",\"x\":1.5}",
	"{\"g\":\"a\",\"x\":null}",
	"{\"g\":\"b\",\"x\":\"7\"}",
	"{\"g\":\"a\",\"x\":3}",
	"{\"g\":\"b\",\"x\":-2}",
	"{\"g\":\"a\",\"x\":8}",
};
#define NRECORDS (sizeof records / sizeof records[0])

/* The records' window, for rate. */
#define SPAN 2

/*
 * Each aggregation's results over records, named v, as stream-agg -g g
 * writes them; exact: with --exact when that differs (the sketches).
 */
static const struct known {
	const char *name;
	const char *want;
	const char *exact;
} knowns[] = {
	{ "count", "{\"g\":\"a\",\"v\":5}\n{\"g\":\"b\",\"v\":3}\n", NULL },
	{ "sum", "{\"g\":\"a\",\"v\":15.5}\n{\"g\":\"b\",\"v\":15}\n", NULL },
	{ "avg", "{\"g\":\"a\",\"v\":3.875}\n{\"g\":\"b\",\"v\":5}\n", NULL },
	{ "min", "{\"g\":\"a\",\"v\":1.5}\n{\"g\":\"b\",\"v\":-2}\n", NULL },
	{ "max", "{\"g\":\"a\",\"v\":8}\n{\"g\":\"b\",\"v\":10}\n", NULL },
	{ "first", "{\"g\":\"a\",\"v\":3}\n{\"g\":\"b\",\"v\":10}\n", NULL },
	{ "last", "{\"g\":\"a\",\"v\":8}\n{\"g\":\"b\",\"v\":-2}\n", NULL },
	{ "distinct", "{\"g\":\"a\",\"v\":3}\n{\"g\":\"b\",\"v\":3}\n", NULL },
	/* a: 3 1.5 3 8, mean 3.875, squares 24.1875 over 3; b: 10 7 -2 */
	{ "stddev", "{\"g\":\"a\",\"v\":2.839454172900137}\n"
	    "{\"g\":\"b\",\"v\":6.244997998398398}\n", NULL },
	{ "var", "{\"g\":\"a\",\"v\":8.0625}\n{\"g\":\"b\",\"v\":39}\n", NULL },
	{ "collect", "{\"g\":\"a\",\"v\":[3,1.5,3,8]}\n"
	    "{\"g\":\"b\",\"v\":[10,\"7\",-2]}\n", NULL },
	{ "rate", "{\"g\":\"a\",\"v\":2.5}\n{\"g\":\"b\",\"v\":1.5}\n", NULL },
	/* the sketch's median is within its 1% of 3 and 7 */
	{ "quantile", "{\"g\":\"a\",\"v\":2.97099}\n{\"g\":\"b\",\"v\":7.0151}\n",
	    "{\"g\":\"a\",\"v\":3}\n{\"g\":\"b\",\"v\":7}\n" },
	{ "approx-distinct", "{\"g\":\"a\",\"v\":3}\n{\"g\":\"b\",\"v\":3}\n",
	    "{\"g\":\"a\",\"v\":3}\n{\"g\":\"b\",\"v\":3}\n" },
	{ "top", "{\"g\":\"a\",\"v\":[{\"value\":3,\"count\":2},"
	    "{\"value\":1.5,\"count\":1},{\"value\":8,\"count\":1}]}\n"
	    "{\"g\":\"b\",\"v\":[{\"value\":-2,\"count\":1},"
	    "{\"value\":10,\"count\":1},{\"value\":\"7\",\"count\":1}]}\n",
	    "{\"g\":\"a\",\"v\":[{\"value\":3,\"count\":2},"
	    "{\"value\":1.5,\"count\":1},{\"value\":8,\"count\":1}]}\n"
	    "{\"g\":\"b\",\"v\":[{\"value\":-2,\"count\":1},"
	    "{\"value\":10,\"count\":1},{\"value\":\"7\",\"count\":1}]}\n" },
};

static const struct known *
known(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof knowns / sizeof knowns[0]; i++)
		if (strcmp(knowns[i].name, name) == 0)
			return &knowns[i];
	return NULL;
}

/* The argument of a form, its parameters filled in: "top:3:x". */
static void
arg_of(const char *form, char *arg, size_t size)
{
	char part[64];
	const char *p = form;
	size_t n;

	arg[0] = '\0';
	for (;;) {
		n = strcspn(p, ":");
		snprintf(part, sizeof part, "%.*s", (int)n, p);
		strncat(arg, strcmp(part, "FIELD") == 0 ? "x" :
		    strcmp(part, "Q") == 0 ? "0.5" : strcmp(part, "K") == 0 ?
		    "3" : part, size - strlen(arg) - 1);
		if (p[n] == '\0')
			break;
		strncat(arg, ":", size - strlen(arg) - 1);
		p += n + 1;
	}
}

static char gname[] = "g";

/* One aggregation over the records, and everything its tables need. */
struct fixture {
	struct aggspec spec;
	struct fieldset fs;
	int gslot, first_slot;
	int empty_slot;		/* "_empty", as a --state has it */
	char *gname;		/* the group field's name, for messages */
	struct val *v;
};

static int
fixture_init(struct fixture *f, const char *arg, int exact)
{
	char err[256];

	memset(f, 0, sizeof *f);
	if (aggspec_parse(arg, &f->spec, err, sizeof err) < 0) {
		fprintf(stderr, "%s: %s\n", arg, err);
		return -1;
	}
	f->spec.exact = exact;
	f->gname = gname;
	f->gslot = fieldset_add(&f->fs, "g", 1);
	if (f->spec.field)
		f->spec.slot = fieldset_add(&f->fs, f->spec.field,
		    strlen(f->spec.field));
	aggspec_partial_fields(&f->spec, 1, &f->fs);
	f->first_slot = fieldset_add(&f->fs, "_first", 6);
	f->empty_slot = fieldset_add(&f->fs, "_empty", 6);
	f->v = calloc(f->fs.n, sizeof *f->v);
	return 0;
}

static void
fixture_release(struct fixture *f)
{
	aggspec_release(&f->spec);
	fieldset_release(&f->fs);
	free(f->v);
}

static void
table_init(struct fixture *f, struct aggtab *t)
{
	aggtab_init(t, &f->spec, 1, &f->gslot, &f->gname, 1);
	t->span = SPAN;
}

static struct record
parse(struct fixture *f, const char *line, size_t len)
{
	struct record rec = { line, len, "test", 1, f->v };
	const char *err;

	if (json_parse(line, len, &f->fs, f->v, &err) != PARSE_OK) {
		fprintf(stderr, "cannot parse '%.*s': %s\n", (int)len, line,
		    err);
		abort();
	}
	return rec;
}

/* How records are split between two tables. */
enum split {
	ALL,		/* no split: every record to part 0 */
	HALVES,		/* the first half, the second half */
	ALTERNATE	/* odd and even records */
};

static size_t
part_of(size_t i, int split)
{
	if (split == HALVES)
		return i >= NRECORDS / 2;
	if (split == ALTERNATE)
		return i % 2;
	return 0;
}

/* The records of part (sequence numbers from 1, as in one stream). */
static void
feed(struct fixture *f, struct aggtab *t, int split, size_t part)
{
	char why[256];
	size_t i;

	for (i = 0; i < NRECORDS; i++) {
		struct record rec;

		if (part_of(i, split) != part)
			continue;
		rec = parse(f, records[i], strlen(records[i]));
		CHECK_INT(aggtab_add(t, &rec, i + 1, why, sizeof why), AGG_OK);
	}
}

/* What aggtab_emit writes, as JSON, into b. */
static void
emit(struct aggtab *t, struct buf *b, int empty)
{
	FILE *fp = tmpfile();
	struct out o;
	struct recw w;
	char chunk[4096];
	size_t n;

	if (fp == NULL)
		abort();
	out_init(&o, fileno(fp), "tmp");
	recw_init(&w, &o, FMT_JSON);
	aggtab_emit(t, &w, 0, NULL, 0, empty);
	recw_release(&w);
	out_release(&o);
	buf_reset(b);
	rewind(fp);
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		buf_add(b, chunk, n);
	fclose(fp);
}

/* Each "KEY<TAB>{...}" line of partial into t: AGG_OK, or the first
 * other answer with why. */
static int
load(struct fixture *f, struct aggtab *t, const struct buf *partial,
    char *why, size_t wl)
{
	const char *p = partial->data, *e = p + partial->len;
	int rc;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *tab = memchr(p, '\t', (size_t)(nl - p));
		struct record rec = parse(f, tab + 1, (size_t)(nl - tab - 1));

		if ((rc = aggtab_merge_partial(t, &rec, f->first_slot,
		    f->empty_slot, why, wl)) != AGG_OK)
			return rc;
		p = nl + 1;
	}
	return AGG_OK;
}

static void
save(struct aggtab *t, struct buf *b)
{
	buf_reset(b);
	aggtab_partial_buf(t, b, "", NULL, 0, AGG_EMPTY_MARK);
}

/* Two tables over the records split, merged both ways, as tables and
 * as partial lines, give want. */
static void
check_merges(struct fixture *f, int split, const struct buf *want)
{
	struct aggtab part[2], m;
	struct buf got = BUF_INIT, state[2] = { BUF_INIT, BUF_INIT };
	char why[256];
	size_t i, order;

	for (i = 0; i < 2; i++) {
		table_init(f, &part[i]);
		feed(f, &part[i], split, i);
		save(&part[i], &state[i]);
	}
	for (order = 0; order < 2; order++) {
		table_init(f, &m);
		CHECK_INT(aggtab_merge(&m, &part[order]), AGG_OK);
		CHECK_INT(aggtab_merge(&m, &part[!order]), AGG_OK);
		emit(&m, &got, AGG_EMPTY_SKIP);
		CHECK_MEM(got.data, got.len, want->data);
		aggtab_release(&m);

		table_init(f, &m);
		CHECK_INT(load(f, &m, &state[order], why, sizeof why), AGG_OK);
		CHECK_INT(load(f, &m, &state[!order], why, sizeof why), AGG_OK);
		emit(&m, &got, AGG_EMPTY_SKIP);
		CHECK_MEM(got.data, got.len, want->data);
		aggtab_release(&m);
	}
	for (i = 0; i < 2; i++) {
		aggtab_release(&part[i]);
		buf_release(&state[i]);
	}
	buf_release(&got);
}

/* One aggregation, --exact or not, through the table and its states. */
static void
check_kind(const char *arg, const char *want, int exact)
{
	struct fixture f;
	struct aggtab all, loaded;
	struct buf got = BUF_INIT, state = BUF_INIT, again = BUF_INIT;
	char why[256];

	if (fixture_init(&f, arg, exact) < 0) {
		CHECK(!"parses");
		return;
	}
	table_init(&f, &all);
	feed(&f, &all, ALL, 0);
	emit(&all, &got, AGG_EMPTY_SKIP);
	CHECK_MEM(got.data, got.len, want);

	/* saved and loaded: the same results, the same state */
	save(&all, &state);
	table_init(&f, &loaded);
	CHECK_INT(load(&f, &loaded, &state, why, sizeof why), AGG_OK);
	emit(&loaded, &got, AGG_EMPTY_SKIP);
	CHECK_MEM(got.data, got.len, want);
	save(&loaded, &again);
	CHECK_MEM(again.data, again.len, state.data);
	aggtab_release(&loaded);

	/* odd and even records too: first, last and collect go by the
	 * records' sequence numbers */
	emit(&all, &got, AGG_EMPTY_SKIP);
	check_merges(&f, HALVES, &got);
	check_merges(&f, ALTERNATE, &got);

	aggtab_release(&all);
	buf_release(&got);
	buf_release(&state);
	buf_release(&again);
	fixture_release(&f);
}

/* A state saved with --exact loads without it only where the two are
 * the same; else the line is refused, saying so. */
static void
check_exactness(const char *arg, int differs)
{
	struct fixture with, without;
	struct aggtab t, u;
	struct buf state = BUF_INIT;
	char why[256], msg[300];

	if (fixture_init(&with, arg, 1) < 0 ||
	    fixture_init(&without, arg, 0) < 0)
		abort();
	table_init(&with, &t);
	feed(&with, &t, ALL, 0);
	save(&t, &state);
	table_init(&without, &u);
	if (differs) {
		snprintf(msg, sizeof msg, "partial state for 'v' from a run "
		    "with --exact");
		CHECK_INT(load(&without, &u, &state, why, sizeof why),
		    AGG_REJECT);
		CHECK_STR(why, msg);
		CHECK_INT(aggtab_count(&u), 0);
	} else
		CHECK_INT(load(&without, &u, &state, why, sizeof why), AGG_OK);
	aggtab_release(&t);
	aggtab_release(&u);
	buf_release(&state);
	fixture_release(&with);
	fixture_release(&without);
}

static void
test_every_kind(void)
{
	char bare[128], arg[sizeof bare + 2], name[64];
	const char *form;
	size_t i;

	for (i = 0; (form = agg_kind_form(i)) != NULL; i++) {
		const struct known *k;
		struct aggspec a;
		char err[256];

		snprintf(name, sizeof name, "%.*s", (int)strcspn(form, ":"),
		    form);
		if ((k = known(name)) == NULL) {
			fprintf(stderr, "agg_test: no known results for '%s'\n",
			    name);
			CHECK(!"every aggregation has known results");
			continue;
		}
		/* the default name: count, else FIELD_something */
		arg_of(form, bare, sizeof bare);
		CHECK_INT(aggspec_parse(bare, &a, err, sizeof err), 0);
		if (a.field)
			CHECK(strncmp(a.name, "x_", 2) == 0);
		else
			CHECK_STR(a.name, name);
		CHECK(strncmp(aggspec_op_name(&a), name, strlen(name)) == 0);
		aggspec_release(&a);

		snprintf(arg, sizeof arg, "%s=v", bare);
		check_kind(arg, k->want, 0);
		check_kind(arg, k->exact ? k->exact : k->want, 1);
		check_exactness(arg, k->exact != NULL);
	}
	CHECK(i == sizeof knowns / sizeof knowns[0]);
}

/* The other names and the parameters, and what is refused. */
static void
test_parse(void)
{
	static const struct {
		const char *arg, *name, *op, *err;
	} cases[] = {
		{ "count", "count", "count", NULL },
		{ "count=n", "n", "count", NULL },
		{ "mean:lat", "lat_avg", "avg", NULL },
		{ "median:lat", "lat_median", "median", NULL },
		{ "p99:lat", "lat_p99", "p99", NULL },
		{ "p99.9:lat=slow", "slow", "p99.9", NULL },
		{ "quantile:0.999:lat", "lat_p99.9", "quantile:0.999", NULL },
		{ "quantile:0.5:lat", "lat_p50", "quantile:0.5", NULL },
		{ "top:5:path", "path_top", "top:5", NULL },
		{ "approx-distinct:path", "path_approx_distinct",
		    "approx-distinct", NULL },
		{ "bogus:x", NULL, NULL, "unknown aggregation 'bogus'" },
		{ "p101:x", NULL, NULL, "unknown aggregation 'p101'" },
		{ "rate:x", NULL, NULL, "rate takes no field: 'rate:x'" },
		{ "count=", NULL, NULL, "empty name after '=' in 'count='" },
		{ "sum", NULL, NULL, "'sum' needs a field: sum:FIELD" },
		{ "p90:=n", NULL, NULL, "'p90:=n' needs a field: p90:FIELD" },
		{ "sum:x=", NULL, NULL, "empty name after '=' in 'sum:x='" },
		{ "quantile:x", NULL, NULL,
		    "'quantile:x' needs a quantile and a field: "
		    "quantile:Q:FIELD" },
		{ "quantile:1.5:x", NULL, NULL,
		    "quantile '1.5': not a number from 0 to 1" },
		{ "top:x", NULL, NULL,
		    "'top:x' needs a count and a field: top:K:FIELD" },
		{ "top:0:x", NULL, NULL,
		    "top '0': not a whole number from 1 to 100000" },
		{ "top:2.5:x", NULL, NULL,
		    "top '2.5': not a whole number from 1 to 100000" },
	};
	struct aggspec a;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		if (cases[i].err) {
			CHECK_INT(aggspec_parse(cases[i].arg, &a, err,
			    sizeof err), -1);
			CHECK_STR(err, cases[i].err);
			continue;
		}
		CHECK_INT(aggspec_parse(cases[i].arg, &a, err, sizeof err), 0);
		CHECK_STR(a.name, cases[i].name);
		CHECK_STR(aggspec_op_name(&a), cases[i].op);
		aggspec_release(&a);
	}
}

/* Hand-made bad states, each refused with its message. */
static void
test_bad_partials(void)
{
	static const struct {
		const char *arg, *line, *err;
	} cases[] = {
		{ "count=v", "{\"g\":\"a\",\"v\":3}",
		    "not a partial record: no '_first'" },
		{ "count=v", "{\"g\":\"a\",\"_first\":-1,\"v\":3}",
		    "not a partial record: no '_first'" },
		{ "count=v", "{\"g\":\"a\",\"_first\":1,\"v\":\"x\"}",
		    "bad partial state for 'v'" },
		{ "count=v", "{\"g\":\"a\",\"_first\":1}",
		    "bad partial state for 'v'" },
		{ "count=v", "{\"_first\":1,\"v\":3}", "missing field 'g'" },
		{ "sum:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"n\":2}}",
		    "bad partial state for 'v'" },
		{ "sum:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"n\":1,"
		    "\"x\":\"zz\"}}", "bad partial state for 'v'" },
		{ "sum:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"n\":1,"
		    "\"i\":1.5}}", "bad partial state for 'v'" },
		{ "max:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"n\":1,"
		    "\"d\":\"1\"}}", "bad partial state for 'v'" },
		{ "var:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"n\":2,"
		    "\"s1\":\"x\",\"s2\":\"x\",\"o\":0}}",
		    "bad partial state for 'v'" },
		{ "first:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"seq\":1}}",
		    "bad partial state for 'v'" },
		{ "last:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"v\":1}}",
		    "bad partial state for 'v'" },
		{ "distinct:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"set\":"
		    "[1]}}", "bad partial state for 'v'" },
		{ "distinct:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"set\":"
		    "\"a\"}}", "bad partial state for 'v'" },
		{ "collect:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"items\":"
		    "[[1]]}}", "bad partial state for 'v'" },
		{ "collect:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"items\":"
		    "[[1,2,3]]}}", "bad partial state for 'v'" },
		{ "collect:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"items\":"
		    "[[\"1\",2]]}}", "bad partial state for 'v'" },
		{ "quantile:0.5:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":"
		    "{\"n\":1}}", "bad partial state for 'v'" },
		{ "quantile:0.5:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":[]}",
		    "bad partial state for 'v'" },
		{ "approx-distinct:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":"
		    "{\"sparse\":\"zz\"}}", "bad partial state for 'v'" },
		{ "top:3:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"n\":1,"
		    "\"counters\":5,\"items\":[]}}", "bad partial state for 'v'" },
		{ "top:3:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"n\":1,"
		    "\"counters\":0,\"items\":[]}}",
		    "partial state for 'v' from a run with --exact" },
		{ "top:3:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"n\":1,"
		    "\"counters\":256,\"items\":[[\"a\",1]]}}",
		    "bad partial state for 'v'" },
		{ "top:3:x=v", "{\"g\":\"a\",\"_first\":1,\"v\":{\"n\":1,"
		    "\"counters\":256,\"items\":[[\"a\",2,0]]}}",
		    "bad partial state for 'v'" },	/* counts past n */
	};
	struct fixture f;
	struct aggtab t;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct record rec;

		if (fixture_init(&f, cases[i].arg, 0) < 0)
			abort();
		table_init(&f, &t);
		rec = parse(&f, cases[i].line, strlen(cases[i].line));
		why[0] = '\0';
		CHECK_INT(aggtab_merge_partial(&t, &rec, f.first_slot, -1, why,
		    sizeof why), AGG_REJECT);
		CHECK_STR(why, cases[i].err);
		CHECK_INT(aggtab_count(&t), 0);
		aggtab_release(&t);
		fixture_release(&f);
	}
}

/*
 * Every aggregation's good state, broken at every byte: the reader takes
 * it or refuses it with a message, the table untouched; never a crash
 * (make check-asan runs this too).
 */
static void
test_broken_states(void)
{
	static const char damage[] = "x[]{}\",:0-9n";
	struct buf state = BUF_INIT, line = BUF_INIT;
	char arg[128], why[256];
	const char *form;
	size_t i, at, d, tried = 0, refused = 0;

	for (i = 0; (form = agg_kind_form(i)) != NULL; i++) {
		struct fixture f;
		struct aggtab all;
		const char *obj;

		arg_of(form, arg, sizeof arg - 2);
		strcat(arg, "=v");
		if (fixture_init(&f, arg, 0) < 0)
			abort();
		table_init(&f, &all);
		feed(&f, &all, ALL, 0);
		save(&all, &state);
		obj = strchr(state.data, '\t') + 1;
		for (at = 0; obj[at] != '\n'; at++)
			for (d = 0; d < sizeof damage - 1; d++) {
				struct aggtab t;
				struct record rec;
				const char *err;
				int rc;

				buf_reset(&line);
				buf_add(&line, obj, strcspn(obj, "\n"));
				line.data[at] = damage[d];
				if (json_parse(line.data, line.len, &f.fs, f.v,
				    &err) != PARSE_OK)
					continue;
				rec = (struct record){ line.data, line.len,
				    "test", 1, f.v };
				table_init(&f, &t);
				why[0] = '\0';
				rc = aggtab_merge_partial(&t, &rec,
				    f.first_slot, -1, why, sizeof why);
				tried++;
				if (rc != AGG_OK) {
					refused++;
					CHECK_INT(rc, AGG_REJECT);
					CHECK(why[0] != '\0');
					CHECK_INT(aggtab_count(&t), 0);
				} else
					CHECK_INT(aggtab_count(&t), 1);
				aggtab_release(&t);
			}
		aggtab_release(&all);
		fixture_release(&f);
	}
	/* the damage reached the readers, and they refused some */
	CHECK(tried > 1000);
	CHECK(refused > 100);
	buf_release(&state);
	buf_release(&line);
}

/*
 * A pane was written: every group starts again but keeps its key, left
 * out of what is written unless asked for (an empty pane that is kept),
 * until a record, a merge or a loaded state that is not empty fills it.
 */
static void
test_empty_groups(void)
{
	static const struct {
		const char *arg, *empty;	/* a group's row when empty */
	} c[] = {
		{ "count", "{\"g\":\"a\",\"count\":0}" },
		{ "sum:x", "{\"g\":\"a\",\"x_sum\":0}" },
		{ "collect:x", "{\"g\":\"a\",\"x_collect\":[]}" },
		{ "distinct:x", "{\"g\":\"a\",\"x_distinct\":0}" },
		{ "avg:x", "{\"g\":\"a\",\"x_avg\":null}" },
		{ "max:x", "{\"g\":\"a\",\"x_max\":null}" },
		{ "first:x", "{\"g\":\"a\",\"x_first\":null}" },
	};
	struct fixture f;
	struct aggtab t, u;
	struct buf out = BUF_INIT, state = BUF_INIT;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct record rec;

		if (fixture_init(&f, c[i].arg, 0) < 0)
			abort();
		table_init(&f, &t);
		feed(&f, &t, ALL, 0);
		aggtab_empty(&t);
		CHECK_INT(aggtab_count(&t), 2);
		CHECK_INT(aggtab_written(&t, AGG_EMPTY_SKIP), 0);
		CHECK_INT(aggtab_written(&t, AGG_EMPTY_WRITE), 2);
		emit(&t, &out, AGG_EMPTY_SKIP);
		CHECK_STR(out.data ? out.data : "", "");
		emit(&t, &out, AGG_EMPTY_WRITE);
		CHECK(strncmp(out.data, c[i].empty, strlen(c[i].empty)) == 0);
		/* a --state keeps the marks */
		save(&t, &state);
		CHECK(strstr(state.data, "\"_empty\":true") != NULL);
		table_init(&f, &u);
		CHECK_INT(load(&f, &u, &state, why, sizeof why), AGG_OK);
		CHECK_INT(aggtab_written(&u, AGG_EMPTY_SKIP), 0);
		CHECK_INT(aggtab_written(&u, AGG_EMPTY_WRITE), 2);
		/* a record fills its group again */
		rec = parse(&f, records[1], strlen(records[1]));	/* b */
		CHECK_INT(aggtab_add(&t, &rec, 100, why, sizeof why), AGG_OK);
		CHECK_INT(aggtab_written(&t, AGG_EMPTY_SKIP), 1);
		emit(&t, &out, AGG_EMPTY_SKIP);
		CHECK(strncmp(out.data, "{\"g\":\"b\"", 8) == 0);
		CHECK(strchr(out.data, '\n') == out.data + out.len - 1);
		/* merging: an empty group stays empty, a full one fills */
		CHECK_INT(aggtab_merge(&u, &t), AGG_OK);
		CHECK_INT(aggtab_written(&u, AGG_EMPTY_SKIP), 1);
		aggtab_clear(&u);
		CHECK_INT(aggtab_merge(&u, &t), AGG_OK);
		CHECK_INT(aggtab_written(&u, AGG_EMPTY_SKIP), 1);
		CHECK_INT(aggtab_count(&u), 2);
		/* cleared, nothing is marked */
		aggtab_clear(&t);
		aggtab_empty(&t);
		CHECK_INT(aggtab_written(&t, AGG_EMPTY_WRITE), 0);
		aggtab_release(&t);
		aggtab_release(&u);
		fixture_release(&f);
	}
	buf_release(&out);
	buf_release(&state);
}

/* A table's groups grow in one allocation (group_room) from one to
 * many, and a table cleared past the size it keeps takes records again:
 * every group's sum, across each growth, as the records gave it. */
static void
test_grow(void)
{
	static const size_t ngroups[] = { 1, 2, 8, 9, 64, 65, 200 };
	struct fixture f;
	struct aggtab t;
	struct buf line = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
	char why[256];
	size_t c, g, round;

	if (fixture_init(&f, "sum:x", 0) < 0)
		abort();
	table_init(&f, &t);
	for (c = 0; c < sizeof ngroups / sizeof ngroups[0]; c++)
		for (round = 0; round < 2; round++) {
			buf_reset(&want);
			for (g = 0; g < ngroups[c]; g++) {
				struct record rec;
				size_t rep;

				/* group g gets g + 1 twice: each new group's
				 * record is converted before the room grows */
				for (rep = 0; rep < 2; rep++) {
					buf_reset(&line);
					buf_addf(&line, "{\"g\":\"g%zu\",\"x\":%zu}",
					    g, g + 1);
					rec = parse(&f, line.data, line.len);
					CHECK_INT(aggtab_add(&t, &rec, 2 * g + rep + 1,
					    why, sizeof why), AGG_OK);
				}
				buf_addf(&want, "{\"g\":\"g%zu\",\"x_sum\":%zu}\n", g,
				    2 * (g + 1));
			}
			CHECK_INT(aggtab_count(&t), ngroups[c]);
			emit(&t, &out, AGG_EMPTY_SKIP);
			CHECK_STR(out.data, want.data);
			aggtab_clear(&t);
			CHECK_INT(aggtab_count(&t), 0);
		}
	aggtab_release(&t);
	fixture_release(&f);
	buf_release(&line);
	buf_release(&out);
	buf_release(&want);
}

/* One record of group g, a string key when g is even, a number when
 * odd, with x = g + 1. */
static void
add_group(struct fixture *f, struct aggtab *t, size_t g, uint64_t seq)
{
	struct buf line = BUF_INIT;
	struct record rec;
	char why[256];

	if (g % 2)
		buf_addf(&line, "{\"g\":%zu,\"x\":%zu}", g, g + 1);
	else
		buf_addf(&line, "{\"g\":\"g%zu\",\"x\":%zu}", g, g + 1);
	rec = parse(f, line.data, line.len);
	CHECK_INT(aggtab_add(t, &rec, seq, why, sizeof why), AGG_OK);
	buf_release(&line);
}

/* The line aggtab_emit writes for group g after add_group's record. */
static void
want_group(struct buf *want, size_t g)
{
	if (g % 2)
		buf_addf(want, "{\"g\":%zu,\"x_sum\":%zu}\n", g, g + 1);
	else
		buf_addf(want, "{\"g\":\"g%zu\",\"x_sum\":%zu}\n", g, g + 1);
}

/* A group's key type and its empty mark move with it when the groups'
 * room grows: old groups emptied, then new ones added past the room,
 * and the first old one again; a key that lost its type would be
 * quoted otherwise, an empty mark lost or left would show or hide a
 * group. */
static void
test_grow_marks(void)
{
	static const size_t nold[] = { 1, 2, 7, 8, 9, 33, 100 };
	struct fixture f;
	struct aggtab t;
	struct buf out = BUF_INIT, want = BUF_INIT;
	size_t c, g;
	uint64_t seq;

	if (fixture_init(&f, "sum:x", 0) < 0)
		abort();
	for (c = 0; c < sizeof nold / sizeof nold[0]; c++) {
		size_t n = nold[c];

		table_init(&f, &t);
		seq = 1;
		for (g = 0; g < n; g++)
			add_group(&f, &t, g, seq++);
		aggtab_empty(&t);
		for (g = n; g < 3 * n + 1; g++)
			add_group(&f, &t, g, seq++);
		add_group(&f, &t, 0, seq++);
		CHECK_INT(aggtab_count(&t), 3 * n + 1);
		buf_reset(&want);
		want_group(&want, 0);
		for (g = n; g < 3 * n + 1; g++)
			want_group(&want, g);
		emit(&t, &out, AGG_EMPTY_SKIP);
		CHECK_STR(out.data, want.data);
		aggtab_release(&t);
	}
	fixture_release(&f);
	buf_release(&out);
	buf_release(&want);
}

/* aggtab_add_keyed, given the key agg_key builds and its hash, keeps
 * the table aggtab_add keeps, for a table of many groups and one of a
 * session's one group. */
static void
test_keyed(void)
{
	static const char *const args[] = { "count", "collect:x", "sum:x" };
	struct fixture f;
	struct aggtab t, u;
	struct buf want = BUF_INIT, got = BUF_INIT, key = BUF_INIT,
	    scratch = BUF_INIT;
	char why[256];
	size_t a, i, one;

	for (a = 0; a < sizeof args / sizeof args[0]; a++)
		for (one = 0; one < 2; one++) {
			if (fixture_init(&f, args[a], 0) < 0)
				abort();
			table_init(&f, &t);
			table_init(&f, &u);
			t.one_group = u.one_group = (int)one;
			for (i = 0; i < NRECORDS; i++) {
				struct record rec;
				const char *k;
				size_t kn;

				if (one && records[i][6] != 'a')
					continue;	/* group a only */
				rec = parse(&f, records[i], strlen(records[i]));
				CHECK_INT(aggtab_add(&t, &rec, i + 1, why,
				    sizeof why), AGG_OK);
				CHECK_INT(agg_key(&rec, &f.gslot, &f.gname, 1,
				    &key, &scratch, &k, &kn, why, sizeof why), 0);
				CHECK_INT(aggtab_add_keyed(&u, &rec, i + 1, k, kn,
				    hash_bytes(k, kn), why, sizeof why), AGG_OK);
			}
			emit(&t, &want, AGG_EMPTY_SKIP);
			emit(&u, &got, AGG_EMPTY_SKIP);
			CHECK_STR(got.data, want.data);
			CHECK_INT(aggtab_count(&u), one ? 1 : 2);
			aggtab_release(&t);
			aggtab_release(&u);
			fixture_release(&f);
		}
	buf_release(&want);
	buf_release(&got);
	buf_release(&key);
	buf_release(&scratch);
}

/* A key as agg_key builds it, written as JSON and read back. */
static void
test_key_json(void)
{
	static const struct {
		const char *line;	/* a record with fields a and b */
		size_t n;		/* key fields: a, or a and b */
		const char *json;
	} c[] = {
		{ "{\"a\":\"x\",\"b\":\"y\"}", 1, "[\"x\"]" },
		{ "{\"a\":\"x\",\"b\":\"y\"}", 2, "[\"x\",\"y\"]" },
		{ "{\"a\":\"\",\"b\":\"\"}", 2, "[\"\",\"\"]" },
		{ "{\"a\":\"q\\\"\\n\\u0000\",\"b\":1}", 2,
		    "[\"q\\\"\\n\\u0000\",\"1\"]" },
		{ "{\"a\":\"\u00e9\",\"b\":null}", 2, "[\"\u00e9\",\"\"]" },
	};
	struct fieldset fs = FIELDSET_INIT;
	char *names[2] = { "a", "b" };
	int slots[2];
	struct val v[2];
	struct buf key = BUF_INIT, scratch = BUF_INIT, json = BUF_INIT;
	struct buf key2 = BUF_INIT, scratch2 = BUF_INIT;
	size_t i;

	slots[0] = fieldset_add(&fs, "a", 1);
	slots[1] = fieldset_add(&fs, "b", 1);
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		struct record rec = { c[i].line, strlen(c[i].line), "t", 1, v };
		const char *err, *k = NULL, *k2 = NULL;
		size_t kn = 0, kn2 = 0;
		char why[128];

		CHECK_INT(json_parse(rec.line, rec.len, &fs, v, &err), PARSE_OK);
		buf_reset(&scratch);
		CHECK_INT(agg_key(&rec, slots, names, c[i].n, &key, &scratch,
		    &k, &kn, why, sizeof why), 0);
		buf_reset(&json);
		agg_key_to_json(k, kn, c[i].n, &json);
		CHECK_MEM(json.data, json.len, c[i].json);
		CHECK_INT(agg_key_from_json(json.data, json.len, c[i].n, &key2,
		    &scratch2, &k2, &kn2), 0);
		CHECK_INT(kn2, kn);
		CHECK(kn2 == kn && memcmp(k2, k, kn) == 0);
	}
	fieldset_release(&fs);
	buf_release(&key);
	buf_release(&scratch);
	buf_release(&json);
	buf_release(&key2);
	buf_release(&scratch2);
}

int
main(void)
{
	test_every_kind();
	test_parse();
	test_bad_partials();
	test_broken_states();
	test_empty_groups();
	test_keyed();
	test_grow();
	test_grow_marks();
	test_key_json();
	return check_done("agg");
}
