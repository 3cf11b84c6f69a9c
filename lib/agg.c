/*
 * agg.c - aggregations over groups (see agg.h).
 *
 * Every aggregation is a row of kinds[] below and the functions it points
 * at; the table code (aggtab_*) goes through the rows and never asks
 * which aggregation it holds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "fsum.h"
#include "hll.h"
#include "json.h"
#include "qsketch.h"
#include "topk.h"

struct num_acc {
	uint64_t n;
	int64_t i;		/* the sum (or extreme) while exact */
	double d;		/* the extreme, once not exact */
	struct fsum sum;	/* the sum, once not exact: still exact */
	int exact;		/* every value so far an integer, no overflow */
};

union acc {
	uint64_t count;					/* count rate */
	struct num_acc num;				/* sum avg min max */
	struct moments {
		uint64_t n;
		struct fsum s1, s2;	/* sums of x and x^2, exact */
		int overflow;		/* some x^2 passed DBL_MAX */
	} w;						/* var stddev */
	struct {
		char *p;
		size_t len, cap;
		uint64_t seq;		/* the record it came from */
		unsigned char type, set;
	} str;						/* first last */
	struct buf list;	/* collect: (type, seq, len, bytes) each */
	struct keytab *set;				/* distinct */
	struct qsketch *qs;				/* quantile */
	struct hll *hll;				/* approx-distinct */
	struct topk *top;				/* top */
};

/* A record's value for one aggregation, converted before any update. */
struct agg_value {
	const char *p;
	size_t n;
	int type;		/* val_type; VAL_NULL means "skip me" */
	int isint;
	int64_t i;
	double d;
};

/* What an aggregation reads of its field. */
enum agg_input {
	IN_NONE,		/* no field: count, rate */
	IN_NUM,			/* a number: d, and i when isint */
	IN_TEXT			/* the decoded, valid UTF-8 text: p, n */
};

/*
 * One aggregation.  An accumulator starts as zero bytes, then init; add
 * takes one record's value (never a null), merge another accumulator of
 * the same spec, load a saved state into a started one (v[k] the value
 * of state[k]); release frees what it holds, whatever add, merge or load
 * left.  The members marked optional may be NULL; a row lacking any
 * other stops aggspec_parse (kinds_check).
 */
struct agg_kind {
	const char *name;	/* as written before ':' */
	const char *form;	/* the argument: "quantile:Q:FIELD" */
	int input;		/* enum agg_input */
	/* the partial state's fields, under the aggregation's name ("" is
	 * the name itself); NULL after the last */
	const char *state[AGG_STATE_MAX];

	/* optional */
	/* another name for it: 1 when arg[0..n) is one, setting a->q or
	 * a->opname (else opname is the row's name) */
	int (*alias)(struct aggspec *a, const char *arg, size_t n);
	/* OP:PARAM:FIELD: param_name says what PARAM is, param reads it */
	const char *param_name;
	int (*param)(struct aggspec *a, const char *p, size_t n, char *err,
	    size_t errlen);
	/* the default name's FIELD_ suffix; NULL: the op as written */
	void (*suffix)(const struct aggspec *a, struct buf *name);

	/* required */
	void (*init)(union acc *a, const struct aggspec *s);
	void (*add)(union acc *a, const struct aggspec *s,
	    const struct agg_value *v, uint64_t seq);
	void (*merge)(union acc *a, const union acc *b,
	    const struct aggspec *s);
	void (*result)(struct recw *w, const struct aggspec *s,
	    const union acc *a, double span);
	void (*save)(struct buf *b, const struct aggspec *s,
	    const union acc *a);
	/* 0, -1 when malformed, or STATE_EXACT */
	int (*load)(struct aggtab *t, const struct aggspec *s,
	    const struct val *const *v, union acc *a);
	void (*release)(union acc *a, const struct aggspec *s);
};

/* A state with the wrong exactness, from a run with or without --exact. */
#define STATE_EXACT -2

/* top:K counts with 8K counters, at least 256 (stream-agg(1)): a count
 * is then off by at most n / 8K for n values. */
#define TOP_COUNTERS(k) ((k) < 32 ? 256 : 8 * (k))
#define TOP_MAX 100000

/* Text forms, shared by the aggregations */

static void
put_len(struct buf *b, size_t n)
{
	do {
		buf_addc(b, (int)((n & 0x7f) | (n > 0x7f ? 0x80 : 0)));
		n >>= 7;
	} while (n);
}

static const char *
get_len(const char *p, size_t *n)
{
	unsigned shift = 0;

	*n = 0;
	do {
		*n |= (size_t)(*p & 0x7f) << shift;
		shift += 7;
	} while (*p++ & 0x80);
	return p;
}

/* One collected value: its type, the sequence of its record (so that
 * merged lists keep arrival order), its length, its bytes. */
static void
put_item(struct buf *b, int type, uint64_t seq, const char *p, size_t n)
{
	buf_addc(b, type);
	buf_add(b, &seq, sizeof seq);
	put_len(b, n);
	buf_add(b, p, n);
}

static const char *
get_item(const char *p, int *type, uint64_t *seq, const char **v, size_t *n)
{
	*type = (unsigned char)*p++;
	memcpy(seq, p, sizeof *seq);
	p = get_len(p + sizeof *seq, n);
	*v = p;
	return p + *n;
}

static void
put_value(struct buf *b, int type, const char *p, size_t n)
{
	if (type == VAL_STR)
		json_quote(b, p, n);
	else if (type == VAL_NULL)
		buf_addstr(b, "null");
	else
		buf_add(b, p, n);
}

static void
put_int(struct buf *b, const char *name, int64_t v)
{
	char s[INT_FORMAT_MAX];

	buf_addstr(b, name);
	buf_add(b, s, int_format(v, s));
}

static void
put_fsum(struct buf *b, const char *name, const struct fsum *f)
{
	buf_addstr(b, name);
	buf_addc(b, '"');
	fsum_write(b, f);
	buf_addc(b, '"');
}

static int
get_uint(const struct val *v, uint64_t *u)
{
	int64_t i;
	int isint;
	double d;

	if (v->type != VAL_NUM || num_parse(v->p, v->n, &d, &isint, &i) < 0 ||
	    !isint || i < 0)
		return -1;
	*u = (uint64_t)i;
	return 0;
}

static int
get_fsum(const struct val *v, struct fsum *f)
{
	if (v->type != VAL_STR || v->esc != ESC_NONE)
		return -1;
	return fsum_parse(f, v->p, v->n);
}

/* The next element of the JSON array text [p, e): 1 with its slice,
 * 0 at the end, -1 when malformed.  *p starts just past '['. */
static int
next_element(const char **p, const char *e, const char **v, size_t *n)
{
	const char *q = *p, *err;

	while (q < e && (*q == ' ' || *q == ',' || *q == '\t'))
		q++;
	if (q < e && *q == ']') {
		*p = q + 1;
		return 0;
	}
	if ((*p = json_skip_value(q, e, &err)) == NULL)
		return -1;
	*v = q;
	*n = (size_t)(*p - q);
	return 1;
}

/* A JSON scalar as a val: strings without their quotes. */
static int
scalar(const char *p, size_t n, struct val *v)
{
	if (n >= 2 && *p == '"') {
		*v = (struct val){ p + 1, n - 2, VAL_STR, ESC_JSON };
		return 0;
	}
	if (n == 4 && memcmp(p, "null", 4) == 0)
		*v = (struct val){ p, n, VAL_NULL, ESC_NONE };
	else if ((n == 4 && memcmp(p, "true", 4) == 0) ||
	    (n == 5 && memcmp(p, "false", 5) == 0))
		*v = (struct val){ p, n, VAL_BOOL, ESC_NONE };
	else if (num_parse(p, n, NULL, NULL, NULL) == 0)
		*v = (struct val){ p, n, VAL_NUM, ESC_NONE };
	else
		return -1;
	return 0;
}

/* The elements of the array value v: each through fn; -1 if malformed. */
static int
each_element(struct aggtab *t, const struct val *v, union acc *a,
    int (*fn)(struct aggtab *, union acc *, const char *, size_t))
{
	const char *p = v->p, *e = v->p + v->n, *x;
	size_t n;
	int rc;

	if (v->type != VAL_STR || v->n < 2 || *p != '[')
		return -1;
	p++;
	while ((rc = next_element(&p, e, &x, &n)) == 1)
		if (fn(t, a, x, n) < 0)
			return -1;
	return rc;
}

/* A sketch's own text: the raw JSON object of the field. */
static int
sketch_text(const struct val *v, const char **p, size_t *n)
{
	if (v->type != VAL_STR || v->esc != ESC_NONE || v->n < 2 ||
	    v->p[0] != '{')
		return -1;
	*p = v->p;
	*n = v->n;
	return 0;
}

static int
kind_of(int type)
{
	switch (type) {
	case VAL_NUM:
		return OV_NUM;
	case VAL_BOOL:
		return OV_BOOL;
	case VAL_NULL:
		return OV_NULL;
	}
	return OV_STR;
}

static void
field_int(struct recw *w, const char *name, long long v)
{
	char s[INT_FORMAT_MAX];

	recw_field_named(w, name, s, int_format(v, s), OV_NUM);
}

static void
field_double(struct recw *w, const char *name, double d)
{
	char s[40];

	if (!isfinite(d)) {	/* past a double's range: no number to write */
		recw_field_named(w, name, "", 0, OV_NULL);
		return;
	}
	recw_field_named(w, name, s, num_format(d, s, sizeof s),
	    OV_NUM);
}

static void
field_null(struct recw *w, const char *name)
{
	recw_field_named(w, name, "", 0, OV_NULL);
}

/* For the accumulators that start as zero bytes and hold nothing to free. */
static void
acc_nothing(union acc *a, const struct aggspec *s)
{
	(void)a;
	(void)s;
}

/* count, rate: the records of the group */

static void
count_add(union acc *a, const struct aggspec *s, const struct agg_value *v,
    uint64_t seq)
{
	(void)s;
	(void)v;
	(void)seq;
	a->count++;
}

static void
count_merge(union acc *a, const union acc *b, const struct aggspec *s)
{
	(void)s;
	a->count += b->count;
}

static void
count_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	(void)span;
	field_int(w, s->name, (long long)a->count);
}

/* per second of the window */
static void
rate_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	if (span > 0)
		field_double(w, s->name, (double)a->count / span);
	else
		field_null(w, s->name);
}

static void
count_save(struct buf *b, const struct aggspec *s, const union acc *a)
{
	(void)s;
	put_int(b, "", (int64_t)a->count);
}

static int
count_load(struct aggtab *t, const struct aggspec *s,
    const struct val *const *v, union acc *a)
{
	(void)t;
	(void)s;
	return get_uint(v[0], &a->count);
}

/* sum, avg, min, max: integers while they fit, then exact sums */

static void
num_init(union acc *a, const struct aggspec *s)
{
	(void)s;
	a->num.exact = 1;
}

/* Integers add in an int64_t while they fit; then everything goes to an
 * exact sum, so that no order of records or of merges changes a bit. */
static int
int_fits(int64_t a, int64_t b)
{
	return !((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b));
}

static void
inexact(struct num_acc *a)
{
	if (a->exact) {
		fsum_add_int(&a->sum, a->i);
		a->exact = 0;
	}
}

static void
sum_add(union acc *acc, const struct aggspec *s, const struct agg_value *v,
    uint64_t seq)
{
	struct num_acc *a = &acc->num;

	(void)s;
	(void)seq;
	a->n++;
	if (a->exact && v->isint && int_fits(a->i, v->i)) {
		a->i += v->i;
		return;
	}
	inexact(a);
	if (v->isint)
		fsum_add_int(&a->sum, v->i);
	else
		fsum_add(&a->sum, v->d);
}

static void
sum_merge(union acc *acc, const union acc *bacc, const struct aggspec *s)
{
	struct num_acc *a = &acc->num;
	const struct num_acc *b = &bacc->num;

	(void)s;
	a->n += b->n;
	if (a->exact && b->exact && int_fits(a->i, b->i)) {
		a->i += b->i;
		return;
	}
	inexact(a);
	if (b->exact)
		fsum_add_int(&a->sum, b->i);
	else
		fsum_merge(&a->sum, &b->sum);
}

static void
sum_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	(void)span;
	if (a->num.exact)
		field_int(w, s->name, a->num.i);
	else
		field_double(w, s->name, fsum_value(&a->num.sum));
}

static void
avg_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	const struct num_acc *num = &a->num;

	(void)span;
	if (num->n == 0)
		field_null(w, s->name);
	else
		field_double(w, s->name, (num->exact ? (double)num->i :
		    fsum_value(&num->sum)) / (double)num->n);
}

/* The state of sum and avg ("x", the exact sum) or of min and max ("d",
 * the extreme as a number), once not an integer ("i"). */
static void
num_save(struct buf *b, const struct num_acc *a, int sum)
{
	char d[40];

	put_int(b, "{\"n\":", (int64_t)a->n);
	if (a->n == 0)
		;
	else if (a->exact)
		put_int(b, ",\"i\":", a->i);
	else if (sum)
		put_fsum(b, ",\"x\":", &a->sum);
	else {
		buf_addstr(b, ",\"d\":");
		buf_add(b, d, num_format(a->d, d, sizeof d));
	}
	buf_addc(b, '}');
}

static int
num_load(const struct val *const *v, struct num_acc *a, int sum)
{
	int64_t i;
	int isint;

	if (get_uint(v[0], &a->n) < 0)
		return -1;
	a->exact = 1;
	if (a->n == 0)
		return 0;
	if (v[1]->type != VAL_MISSING) {
		if (v[1]->type != VAL_NUM || num_parse(v[1]->p, v[1]->n,
		    &a->d, &isint, &i) < 0 || !isint)
			return -1;
		a->i = i;
		return 0;
	}
	a->exact = 0;
	if (sum)
		return get_fsum(v[2], &a->sum);
	return v[2]->type == VAL_NUM ? num_parse(v[2]->p, v[2]->n, &a->d,
	    NULL, NULL) : -1;
}

static void
sum_save(struct buf *b, const struct aggspec *s, const union acc *a)
{
	(void)s;
	num_save(b, &a->num, 1);
}

static int
sum_load(struct aggtab *t, const struct aggspec *s,
    const struct val *const *v, union acc *a)
{
	(void)t;
	(void)s;
	return num_load(v, &a->num, 1);
}

static void
sum_release(union acc *a, const struct aggspec *s)
{
	(void)s;
	fsum_release(&a->num.sum);
}

static int
avg_alias(struct aggspec *a, const char *arg, size_t n)
{
	(void)a;
	return n == 4 && memcmp(arg, "mean", 4) == 0;
}

static void
add_extreme(struct num_acc *a, const struct agg_value *v, int max)
{
	int better;

	if (a->n++ == 0)
		better = 1;
	else if (a->exact && v->isint)
		better = max ? v->i > a->i : v->i < a->i;
	else
		better = max ? v->d > a->d : v->d < a->d;
	if (better) {
		a->d = v->d;
		a->i = v->i;
		a->exact = v->isint;
	}
}

static void
merge_extreme(struct num_acc *a, const struct num_acc *b, int max)
{
	int better;

	if (b->n == 0)
		return;
	if (a->n == 0)
		better = 1;
	else if (a->exact && b->exact)
		better = max ? b->i > a->i : b->i < a->i;
	else
		better = max ? b->d > a->d : b->d < a->d;
	a->n += b->n;
	if (better) {
		a->d = b->d;
		a->i = b->i;
		a->exact = b->exact;
	}
}

static void
min_add(union acc *a, const struct aggspec *s, const struct agg_value *v,
    uint64_t seq)
{
	(void)s;
	(void)seq;
	add_extreme(&a->num, v, 0);
}

static void
max_add(union acc *a, const struct aggspec *s, const struct agg_value *v,
    uint64_t seq)
{
	(void)s;
	(void)seq;
	add_extreme(&a->num, v, 1);
}

static void
min_merge(union acc *a, const union acc *b, const struct aggspec *s)
{
	(void)s;
	merge_extreme(&a->num, &b->num, 0);
}

static void
max_merge(union acc *a, const union acc *b, const struct aggspec *s)
{
	(void)s;
	merge_extreme(&a->num, &b->num, 1);
}

static void
extreme_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	(void)span;
	if (a->num.n == 0)
		field_null(w, s->name);
	else if (a->num.exact)
		field_int(w, s->name, a->num.i);
	else
		field_double(w, s->name, a->num.d);
}

static void
extreme_save(struct buf *b, const struct aggspec *s, const union acc *a)
{
	(void)s;
	num_save(b, &a->num, 0);
}

static int
extreme_load(struct aggtab *t, const struct aggspec *s,
    const struct val *const *v, union acc *a)
{
	(void)t;
	(void)s;
	return num_load(v, &a->num, 0);
}

/* var, stddev */

/*
 * Variance from exact sums of x and x^2 (x^2 split into its double and
 * the rounding error fma gives back): the state is exact, so merging in
 * any order gives the same bits, and the final formula loses nothing to
 * cancellation that matters.
 */
static void
moments_add(union acc *a, const struct aggspec *s, const struct agg_value *v,
    uint64_t seq)
{
	struct moments *m = &a->w;
	double x = v->d, sq = x * x;

	(void)s;
	(void)seq;
	m->n++;
	fsum_add(&m->s1, x);
	if (!isfinite(sq)) {
		m->overflow = 1;
		return;
	}
	fsum_add(&m->s2, sq);
	fsum_add(&m->s2, fma(x, x, -sq));
}

static void
moments_merge(union acc *a, const union acc *b, const struct aggspec *s)
{
	(void)s;
	a->w.n += b->w.n;
	fsum_merge(&a->w.s1, &b->w.s1);
	fsum_merge(&a->w.s2, &b->w.s2);
	a->w.overflow |= b->w.overflow;
}

/* Add a * b to s, its rounding error included. */
static void
add_product(struct fsum *s, double a, double b)
{
	double p = a * b;

	if (!isfinite(p))
		return;
	fsum_add(s, p);
	fsum_add(s, fma(a, b, -p));
}

/* sum (x - mean)^2, as S2 - 2 m S1 + n m^2 with m the rounded mean. */
static double
moments_m2(const struct moments *w)
{
	struct fsum acc = FSUM_INIT, rest = FSUM_INIT;
	double n = (double)w->n, hi, lo, m, nm, q;

	hi = fsum_value(&w->s1);
	fsum_merge(&rest, &w->s1);
	fsum_add(&rest, -hi);
	lo = fsum_value(&rest);
	m = hi / n;
	fsum_merge(&acc, &w->s2);
	add_product(&acc, -2 * m, hi);
	add_product(&acc, -2 * m, lo);
	nm = n * m;
	add_product(&acc, nm, m);
	add_product(&acc, fma(n, m, -nm), m);
	q = fsum_value(&acc);
	fsum_release(&acc);
	fsum_release(&rest);
	return q < 0 ? 0 : q;
}

/* The sample variance, or -1 when there is none. */
static double
moments_var(const struct moments *w)
{
	if (w->n < 2 || w->overflow)
		return -1;
	return moments_m2(w) / (double)(w->n - 1);
}

static void
var_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	double var = moments_var(&a->w);

	(void)span;
	if (var < 0)
		field_null(w, s->name);
	else
		field_double(w, s->name, var);
}

static void
stddev_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	double var = moments_var(&a->w);

	(void)span;
	if (var < 0)
		field_null(w, s->name);
	else
		field_double(w, s->name, sqrt(var));
}

static void
moments_save(struct buf *b, const struct aggspec *s, const union acc *a)
{
	(void)s;
	put_int(b, "{\"n\":", (int64_t)a->w.n);
	put_fsum(b, ",\"s1\":", &a->w.s1);
	put_fsum(b, ",\"s2\":", &a->w.s2);
	put_int(b, ",\"o\":", a->w.overflow);
	buf_addc(b, '}');
}

static int
moments_load(struct aggtab *t, const struct aggspec *s,
    const struct val *const *v, union acc *a)
{
	(void)t;
	(void)s;
	if (get_uint(v[0], &a->w.n) < 0 || get_fsum(v[1], &a->w.s1) < 0 ||
	    get_fsum(v[2], &a->w.s2) < 0)
		return -1;
	a->w.overflow = v[3]->type == VAL_NUM && v[3]->n == 1 &&
	    v[3]->p[0] == '1';
	return 0;
}

static void
moments_release(union acc *a, const struct aggspec *s)
{
	(void)s;
	fsum_release(&a->w.s1);
	fsum_release(&a->w.s2);
}

/* first, last: a value and the sequence of its record */

static void
set_str(union acc *a, const struct agg_value *v, uint64_t seq)
{
	if (v->n + 1 > a->str.cap) {
		a->str.cap = v->n + 1;
		a->str.p = xrealloc(a->str.p, a->str.cap);
	}
	memcpy(a->str.p, v->p, v->n);
	a->str.len = v->n;
	a->str.type = (unsigned char)v->type;
	a->str.seq = seq;
	a->str.set = 1;
}

static void
copy_str(union acc *a, const union acc *b)
{
	struct agg_value v = { b->str.p, b->str.len, b->str.type, 0, 0, 0 };

	set_str(a, &v, b->str.seq);
}

static void
first_add(union acc *a, const struct aggspec *s, const struct agg_value *v,
    uint64_t seq)
{
	(void)s;
	if (!a->str.set)
		set_str(a, v, seq);
}

static void
last_add(union acc *a, const struct aggspec *s, const struct agg_value *v,
    uint64_t seq)
{
	(void)s;
	set_str(a, v, seq);
}

static void
first_merge(union acc *a, const union acc *b, const struct aggspec *s)
{
	(void)s;
	if (b->str.set && (!a->str.set || b->str.seq < a->str.seq))
		copy_str(a, b);
}

static void
last_merge(union acc *a, const union acc *b, const struct aggspec *s)
{
	(void)s;
	if (b->str.set && (!a->str.set || b->str.seq > a->str.seq))
		copy_str(a, b);
}

static void
str_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	(void)span;
	if (!a->str.set)
		field_null(w, s->name);
	else
		recw_field_named(w, s->name, a->str.p, a->str.len,
		    kind_of(a->str.type));
}

static void
str_save(struct buf *b, const struct aggspec *s, const union acc *a)
{
	(void)s;
	buf_addc(b, '{');
	if (a->str.set) {
		put_int(b, "\"seq\":", (int64_t)a->str.seq);
		buf_addstr(b, ",\"v\":");
		put_value(b, a->str.type, a->str.p, a->str.len);
	}
	buf_addc(b, '}');
}

static int
str_load(struct aggtab *t, const struct aggspec *s,
    const struct val *const *v, union acc *a)
{
	struct agg_value av;

	(void)s;
	if (v[0]->type == VAL_MISSING && v[1]->type == VAL_MISSING)
		return 0;
	if (get_uint(v[0], &a->str.seq) < 0 || v[1]->type == VAL_MISSING)
		return -1;
	av.type = v[1]->type;
	if ((av.p = val_text(v[1], &t->scratch, &av.n)) == NULL)
		return -1;
	set_str(a, &av, a->str.seq);
	return 0;
}

static void
str_release(union acc *a, const struct aggspec *s)
{
	(void)s;
	free(a->str.p);
}

/* collect: every value, in the order of their records */

static void
collect_init(union acc *a, const struct aggspec *s)
{
	(void)s;
	buf_init(&a->list);
}

static void
collect_add(union acc *a, const struct aggspec *s, const struct agg_value *v,
    uint64_t seq)
{
	(void)s;
	put_item(&a->list, v->type, seq, v->p, v->n);
}

/* Two collected lists into one, in the order their records came. */
static void
collect_merge(union acc *acc, const union acc *bacc, const struct aggspec *s)
{
	struct buf *a = &acc->list, m = BUF_INIT;
	const struct buf *b = &bacc->list;
	const char *p = a->data, *pe = p + a->len;
	const char *q = b->data, *qe = q + b->len;
	const char *pv = NULL, *qv = NULL, *pn, *qn;
	uint64_t ps = 0, qs = 0;
	size_t pl = 0, ql = 0;
	int pt = 0, qt = 0;

	(void)s;
	if (b->len == 0)
		return;
	if (a->len > 0) {	/* the usual case: b came after a */
		const char *last = p, *v;
		uint64_t ls;
		size_t n;
		int t;

		while ((v = get_item(last, &t, &ls, &pv, &n)) < pe)
			last = v;
		get_item(q, &qt, &qs, &qv, &ql);
		if (ls < qs) {
			buf_add(a, b->data, b->len);
			return;
		}
	}
	while (p < pe || q < qe) {
		pn = p < pe ? get_item(p, &pt, &ps, &pv, &pl) : NULL;
		qn = q < qe ? get_item(q, &qt, &qs, &qv, &ql) : NULL;
		if (qn == NULL || (pn != NULL && ps < qs)) {
			put_item(&m, pt, ps, pv, pl);
			p = pn;
		} else {
			put_item(&m, qt, qs, qv, ql);
			q = qn;
		}
	}
	buf_release(a);
	*a = m;
}

static void
collect_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	struct buf b = BUF_INIT;
	const char *p = a->list.data, *e = p + a->list.len;
	int json = w->fmt == FMT_JSON;

	(void)span;
	if (json)
		buf_addc(&b, '[');
	while (p < e) {
		const char *v;
		uint64_t seq;
		size_t n;
		int type;

		p = get_item(p, &type, &seq, &v, &n);
		if (b.len > (size_t)json)
			buf_addc(&b, ',');
		if (json && type == VAL_STR)
			json_quote(&b, v, n);
		else
			buf_add(&b, v, n);
	}
	if (json)
		buf_addc(&b, ']');
	recw_field_named(w, s->name, b.data, b.len,
	    json ? OV_RAW : OV_STR);
	buf_release(&b);
}

static void
collect_save(struct buf *b, const struct aggspec *s, const union acc *a)
{
	const char *p, *e, *v;
	uint64_t seq;
	size_t n;
	int type;

	(void)s;
	buf_addstr(b, "{\"items\":[");
	for (p = a->list.data, e = p + a->list.len; p < e;) {
		if (p > a->list.data)
			buf_addc(b, ',');
		p = get_item(p, &type, &seq, &v, &n);
		put_int(b, "[", (int64_t)seq);
		buf_addc(b, ',');
		put_value(b, type, v, n);
		buf_addc(b, ']');
	}
	buf_addstr(b, "]}");
}

/* One [seq, value] of collect's state. */
static int
item_element(struct aggtab *t, union acc *a, const char *p, size_t n)
{
	const char *q = p + 1, *e = p + n, *x, *text;
	struct val sv, vv;
	uint64_t seq;
	size_t xn, len;

	if (n < 2 || *p != '[' || next_element(&q, e, &x, &xn) != 1 ||
	    scalar(x, xn, &sv) < 0 || get_uint(&sv, &seq) < 0 ||
	    next_element(&q, e, &x, &xn) != 1 || scalar(x, xn, &vv) < 0 ||
	    next_element(&q, e, &x, &xn) != 0 ||
	    (text = val_text(&vv, &t->scratch, &len)) == NULL)
		return -1;
	put_item(&a->list, vv.type, seq, text, len);
	return 0;
}

static int
collect_load(struct aggtab *t, const struct aggspec *s,
    const struct val *const *v, union acc *a)
{
	(void)s;
	return each_element(t, v[0], a, item_element);
}

static void
collect_release(union acc *a, const struct aggspec *s)
{
	(void)s;
	buf_release(&a->list);
}

/* distinct: the set of texts */

static void
set_add(union acc *a, const char *p, size_t n, uint64_t h)
{
	int added;

	if (a->set == NULL) {
		a->set = xmalloc(sizeof *a->set);
		keytab_init(a->set);
	}
	keytab_intern(a->set, p, n, h, &added);
}

static void
distinct_add(union acc *a, const struct aggspec *s, const struct agg_value *v,
    uint64_t seq)
{
	(void)s;
	(void)seq;
	set_add(a, v->p, v->n, hash_bytes(v->p, v->n));
}

static void
distinct_merge(union acc *a, const union acc *b, const struct aggspec *s)
{
	size_t i;

	(void)s;
	for (i = 0; b->set && i < b->set->n; i++)
		set_add(a, b->set->keys[i].p, b->set->keys[i].n,
		    b->set->keys[i].h);
}

static void
distinct_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	(void)span;
	field_int(w, s->name, a->set ? (long long)a->set->n : 0);
}

static void
distinct_save(struct buf *b, const struct aggspec *s, const union acc *a)
{
	size_t i;

	(void)s;
	buf_addstr(b, "{\"set\":[");
	for (i = 0; a->set && i < a->set->n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		json_quote(b, a->set->keys[i].p, a->set->keys[i].n);
	}
	buf_addstr(b, "]}");
}

static int
set_element(struct aggtab *t, union acc *a, const char *p, size_t n)
{
	struct val v;
	const char *text;
	size_t len;

	if (scalar(p, n, &v) < 0 || v.type != VAL_STR ||
	    (text = val_text(&v, &t->scratch, &len)) == NULL)
		return -1;
	set_add(a, text, len, hash_bytes(text, len));
	return 0;
}

static int
distinct_load(struct aggtab *t, const struct aggspec *s,
    const struct val *const *v, union acc *a)
{
	(void)s;
	return each_element(t, v[0], a, set_element);
}

static void
distinct_release(union acc *a, const struct aggspec *s)
{
	(void)s;
	if (a->set) {
		keytab_release(a->set);
		free(a->set);
	}
}

/* A decimal number p[0..n), digits and one point only: 0, or -1. */
static int
plain_number(const char *p, size_t n, double *d)
{
	char tmp[32];
	size_t i, points = 0;

	if (n == 0 || n >= sizeof tmp)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] == '.')
			points++;
		else if (p[i] < '0' || p[i] > '9')
			return -1;
	}
	if (points > 1 || p[0] == '.' || p[n - 1] == '.')
		return -1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	*d = strtod(tmp, NULL);
	return 0;
}

/* quantile:Q, median and pNN: a quantile sketch (every value, --exact) */

static int
quantile_alias(struct aggspec *a, const char *arg, size_t n)
{
	double pct;

	if (n == 6 && memcmp(arg, "median", 6) == 0)
		a->q = 0.5;
	else if (n >= 2 && arg[0] == 'p' &&
	    plain_number(arg + 1, n - 1, &pct) == 0 && pct <= 100)
		a->q = pct / 100;
	else
		return 0;
	snprintf(a->opname, sizeof a->opname, "%.*s", (int)n, arg);
	return 1;	/* median and pNN as written */
}

static int
quantile_param(struct aggspec *a, const char *p, size_t n, char *err,
    size_t errlen)
{
	double d;

	if (plain_number(p, n, &d) < 0 || d > 1) {
		snprintf(err, errlen, "quantile '%.*s': not a number from 0 "
		    "to 1", (int)n, p);
		return -1;
	}
	a->q = d;
	return 0;
}

static void
quantile_suffix(const struct aggspec *a, struct buf *name)
{
	char pct[40];

	if (a->opname[0] != 'q') {	/* median, pNN */
		buf_addstr(name, a->opname);
		return;
	}
	/* quantile:0.999 is p99.9, without binary's 99.899... */
	num_format(round(a->q * 1e11) / 1e9, pct, sizeof pct);
	buf_addf(name, "p%s", pct);
}

static void
quantile_add(union acc *a, const struct aggspec *s, const struct agg_value *v,
    uint64_t seq)
{
	(void)seq;
	if (a->qs == NULL)
		a->qs = qsketch_new(s->exact);
	qsketch_add(a->qs, v->d);
}

/* both sides of one spec: never refused */
static void
quantile_merge(union acc *a, const union acc *b, const struct aggspec *s)
{
	if (b->qs == NULL)
		return;
	if (a->qs == NULL)
		a->qs = qsketch_new(s->exact);
	qsketch_merge(a->qs, b->qs);
}

static void
quantile_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	(void)span;
	if (a->qs == NULL || qsketch_count(a->qs) == 0)
		field_null(w, s->name);
	else
		field_double(w, s->name, qsketch_quantile(a->qs, s->q));
}

static void
quantile_save(struct buf *b, const struct aggspec *s, const union acc *a)
{
	if (a->qs)
		qsketch_write(a->qs, b);
	else
		buf_addstr(b, s->exact ? "{\"n\":0,\"values\":[]}" :
		    "{\"n\":0,\"zero\":0,\"pos\":[],\"neg\":[]}");
}

/* The sketch is read, then merged into one of the spec's kind, which
 * refuses the other kind. */
static int
quantile_load(struct aggtab *t, const struct aggspec *s,
    const struct val *const *v, union acc *a)
{
	struct qsketch *q;
	const char *p;
	size_t n;
	int rc;

	(void)t;
	if (sketch_text(v[0], &p, &n) < 0 || (q = qsketch_read(p, n)) == NULL)
		return -1;
	a->qs = qsketch_new(s->exact);
	rc = qsketch_merge(a->qs, q);
	qsketch_free(q);
	return rc < 0 ? STATE_EXACT : 0;
}

static void
quantile_release(union acc *a, const struct aggspec *s)
{
	(void)s;
	qsketch_free(a->qs);
}

/* approx-distinct: HyperLogLog (every hash, --exact) */

static void
approx_distinct_suffix(const struct aggspec *a, struct buf *name)
{
	(void)a;
	buf_addstr(name, "approx_distinct");
}

static void
approx_distinct_add(union acc *a, const struct aggspec *s,
    const struct agg_value *v, uint64_t seq)
{
	(void)seq;
	if (a->hll == NULL)
		a->hll = hll_new(s->exact);
	hll_add(a->hll, hash_bytes(v->p, v->n));
}

static void
approx_distinct_merge(union acc *a, const union acc *b,
    const struct aggspec *s)
{
	if (b->hll == NULL)
		return;
	if (a->hll == NULL)
		a->hll = hll_new(s->exact);
	hll_merge(a->hll, b->hll);
}

static void
approx_distinct_result(struct recw *w, const struct aggspec *s,
    const union acc *a, double span)
{
	(void)span;
	field_int(w, s->name, a->hll ? (long long)hll_estimate(a->hll) : 0);
}

static void
approx_distinct_save(struct buf *b, const struct aggspec *s,
    const union acc *a)
{
	if (a->hll)
		hll_write(a->hll, b);
	else
		buf_addstr(b, s->exact ? "{\"exact\":\"\"}" :
		    "{\"sparse\":\"\"}");
}

static int
approx_distinct_load(struct aggtab *t, const struct aggspec *s,
    const struct val *const *v, union acc *a)
{
	struct hll *h;
	const char *p;
	size_t n;
	int rc;

	(void)t;
	if (sketch_text(v[0], &p, &n) < 0 || (h = hll_read(p, n)) == NULL)
		return -1;
	a->hll = hll_new(s->exact);
	rc = hll_merge(a->hll, h);
	hll_free(h);
	return rc < 0 ? STATE_EXACT : 0;
}

static void
approx_distinct_release(union acc *a, const struct aggspec *s)
{
	(void)s;
	hll_free(a->hll);
}

/* top:K: Space-Saving (every value, --exact) */

static int
top_param(struct aggspec *a, const char *p, size_t n, char *err,
    size_t errlen)
{
	double d;

	if (plain_number(p, n, &d) < 0 || d < 1 || d > TOP_MAX ||
	    d != (size_t)d) {
		snprintf(err, errlen, "top '%.*s': not a whole number from 1 "
		    "to %d", (int)n, p, TOP_MAX);
		return -1;
	}
	a->k = (size_t)d;
	return 0;
}

static void
top_suffix(const struct aggspec *a, struct buf *name)
{
	(void)a;
	buf_addstr(name, "top");
}

static size_t
top_counters(const struct aggspec *s)
{
	return s->exact ? 0 : TOP_COUNTERS(s->k);
}

static void
top_add(union acc *a, const struct aggspec *s, const struct agg_value *v,
    uint64_t seq)
{
	(void)seq;
	if (a->top == NULL)
		a->top = topk_new(top_counters(s));
	topk_add(a->top, v->p, v->n, hash_bytes(v->p, v->n), v->type);
}

static void
top_merge(union acc *a, const union acc *b, const struct aggspec *s)
{
	if (b->top == NULL)
		return;
	if (a->top == NULL)
		a->top = topk_new(top_counters(s));
	topk_merge(a->top, b->top);
}

/* [{"value":V,"count":N}, ...] in JSON, else "V:N,V:N". */
static void
top_result(struct recw *w, const struct aggspec *s, const union acc *a,
    double span)
{
	struct buf b = BUF_INIT;
	const struct topk_item *it = NULL;
	int json = w->fmt == FMT_JSON;
	size_t i, n = 0;

	(void)span;
	if (a->top)
		it = topk_items(a->top, &n);
	if (n > s->k)
		n = s->k;
	if (json)
		buf_addc(&b, '[');
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(&b, ',');
		if (json) {
			buf_addstr(&b, "{\"value\":");
			put_value(&b, it[i].tag, it[i].v, it[i].len);
			put_int(&b, ",\"count\":", (int64_t)it[i].count);
			buf_addc(&b, '}');
		} else {
			buf_add(&b, it[i].v, it[i].len);
			put_int(&b, ":", (int64_t)it[i].count);
		}
	}
	if (json)
		buf_addc(&b, ']');
	recw_field_named(w, s->name, b.data, b.len,
	    json ? OV_RAW : OV_STR);
	buf_release(&b);
}

/* The values added, the counters, then [value, count, error] each. */
static void
top_save(struct buf *b, const struct aggspec *s, const union acc *a)
{
	const struct topk_item *it;
	struct topk *t = a->top;
	size_t i, n = 0;

	it = t ? topk_items(t, &n) : NULL;
	put_int(b, "{\"n\":", t ? (int64_t)topk_total(t) : 0);
	put_int(b, ",\"counters\":", (int64_t)top_counters(s));
	buf_addstr(b, ",\"items\":[");
	for (i = 0; i < n; i++) {
		buf_addstr(b, i ? ",[" : "[");
		put_value(b, it[i].tag, it[i].v, it[i].len);
		put_int(b, ",", (int64_t)it[i].count);
		put_int(b, ",", (int64_t)it[i].err);
		buf_addc(b, ']');
	}
	buf_addstr(b, "]}");
}

/* One [value, count, error] of top:K's state. */
static int
top_element(struct aggtab *t, union acc *a, const char *p, size_t n)
{
	const char *q = p + 1, *e = p + n, *x, *text;
	struct val vv, cv, ev;
	uint64_t count, err;
	size_t xn, len;

	if (n < 2 || *p != '[' || next_element(&q, e, &x, &xn) != 1 ||
	    scalar(x, xn, &vv) < 0 || next_element(&q, e, &x, &xn) != 1 ||
	    scalar(x, xn, &cv) < 0 || get_uint(&cv, &count) < 0 ||
	    next_element(&q, e, &x, &xn) != 1 || scalar(x, xn, &ev) < 0 ||
	    get_uint(&ev, &err) < 0 || next_element(&q, e, &x, &xn) != 0 ||
	    (text = val_text(&vv, &t->scratch, &len)) == NULL)
		return -1;
	topk_restore_item(a->top, text, len, hash_bytes(text, len), vv.type,
	    count, err);
	return 0;
}

static int
top_load(struct aggtab *t, const struct aggspec *s,
    const struct val *const *v, union acc *a)
{
	uint64_t total, counters, cap = top_counters(s);

	a->top = topk_new(cap);
	if (get_uint(v[0], &total) < 0 || get_uint(v[1], &counters) < 0)
		return -1;
	if ((counters == 0) != (cap == 0))
		return STATE_EXACT;
	if (counters != cap)
		return -1;
	return each_element(t, v[2], a, top_element) < 0 ||
	    topk_restore_end(a->top, total) < 0 ? -1 : 0;
}

static void
top_release(union acc *a, const struct aggspec *s)
{
	(void)s;
	topk_free(a->top);
}

/* The table */

#define NUM_STATE { "n", "i", "x", NULL }	/* "x": an exact sum */
#define EXTREME_STATE { "n", "i", "d", NULL }	/* "d": a double */

static const struct agg_kind kinds[] = {
	{ .name = "count", .form = "count", .input = IN_NONE,
	  .state = { "" },
	  .init = acc_nothing, .add = count_add, .merge = count_merge,
	  .result = count_result, .save = count_save, .load = count_load,
	  .release = acc_nothing },
	{ .name = "sum", .form = "sum:FIELD", .input = IN_NUM,
	  .state = NUM_STATE,
	  .init = num_init, .add = sum_add, .merge = sum_merge,
	  .result = sum_result, .save = sum_save, .load = sum_load,
	  .release = sum_release },
	{ .name = "avg", .form = "avg:FIELD", .input = IN_NUM,
	  .state = NUM_STATE, .alias = avg_alias,
	  .init = num_init, .add = sum_add, .merge = sum_merge,
	  .result = avg_result, .save = sum_save, .load = sum_load,
	  .release = sum_release },
	{ .name = "min", .form = "min:FIELD", .input = IN_NUM,
	  .state = EXTREME_STATE,
	  .init = num_init, .add = min_add, .merge = min_merge,
	  .result = extreme_result, .save = extreme_save,
	  .load = extreme_load, .release = acc_nothing },
	{ .name = "max", .form = "max:FIELD", .input = IN_NUM,
	  .state = EXTREME_STATE,
	  .init = num_init, .add = max_add, .merge = max_merge,
	  .result = extreme_result, .save = extreme_save,
	  .load = extreme_load, .release = acc_nothing },
	{ .name = "first", .form = "first:FIELD", .input = IN_TEXT,
	  .state = { "seq", "v" },
	  .init = acc_nothing, .add = first_add, .merge = first_merge,
	  .result = str_result, .save = str_save, .load = str_load,
	  .release = str_release },
	{ .name = "last", .form = "last:FIELD", .input = IN_TEXT,
	  .state = { "seq", "v" },
	  .init = acc_nothing, .add = last_add, .merge = last_merge,
	  .result = str_result, .save = str_save, .load = str_load,
	  .release = str_release },
	{ .name = "distinct", .form = "distinct:FIELD", .input = IN_TEXT,
	  .state = { "set" },
	  .init = acc_nothing, .add = distinct_add, .merge = distinct_merge,
	  .result = distinct_result, .save = distinct_save,
	  .load = distinct_load, .release = distinct_release },
	{ .name = "stddev", .form = "stddev:FIELD", .input = IN_NUM,
	  .state = { "n", "s1", "s2", "o" },
	  .init = acc_nothing, .add = moments_add, .merge = moments_merge,
	  .result = stddev_result, .save = moments_save,
	  .load = moments_load, .release = moments_release },
	{ .name = "var", .form = "var:FIELD", .input = IN_NUM,
	  .state = { "n", "s1", "s2", "o" },
	  .init = acc_nothing, .add = moments_add, .merge = moments_merge,
	  .result = var_result, .save = moments_save,
	  .load = moments_load, .release = moments_release },
	{ .name = "collect", .form = "collect:FIELD", .input = IN_TEXT,
	  .state = { "items" },
	  .init = collect_init, .add = collect_add, .merge = collect_merge,
	  .result = collect_result, .save = collect_save,
	  .load = collect_load, .release = collect_release },
	{ .name = "rate", .form = "rate", .input = IN_NONE,
	  .state = { "" },
	  .init = acc_nothing, .add = count_add, .merge = count_merge,
	  .result = rate_result, .save = count_save, .load = count_load,
	  .release = acc_nothing },
	{ .name = "quantile", .form = "quantile:Q:FIELD", .input = IN_NUM,
	  .state = { "" },			/* the sketch's own text */
	  .alias = quantile_alias, .param_name = "quantile",
	  .param = quantile_param, .suffix = quantile_suffix,
	  .init = acc_nothing, .add = quantile_add, .merge = quantile_merge,
	  .result = quantile_result, .save = quantile_save,
	  .load = quantile_load, .release = quantile_release },
	{ .name = "approx-distinct", .form = "approx-distinct:FIELD",
	  .input = IN_TEXT, .state = { "" },	/* the sketch's own text */
	  .suffix = approx_distinct_suffix,
	  .init = acc_nothing, .add = approx_distinct_add,
	  .merge = approx_distinct_merge, .result = approx_distinct_result,
	  .save = approx_distinct_save, .load = approx_distinct_load,
	  .release = approx_distinct_release },
	{ .name = "top", .form = "top:K:FIELD", .input = IN_TEXT,
	  .state = { "n", "counters", "items" },
	  .param_name = "count", .param = top_param, .suffix = top_suffix,
	  .init = acc_nothing, .add = top_add, .merge = top_merge,
	  .result = top_result, .save = top_save, .load = top_load,
	  .release = top_release },
};

#define NKINDS (sizeof kinds / sizeof kinds[0])

/* A row that lacks what the table code calls is a bug: stop before it
 * is called. */
static void
kinds_check(void)
{
	size_t i;

	for (i = 0; i < NKINDS; i++) {
		const struct agg_kind *k = &kinds[i];

		if (k->name && k->form && k->state[0] && k->init && k->add &&
		    k->merge && k->result && k->save && k->load &&
		    k->release && (k->param == NULL) == (k->param_name == NULL))
			continue;
		fprintf(stderr, "agg: aggregation %zu ('%s') lacks a function "
		    "or a name in its row\n", i, k->name ? k->name : "?");
		abort();
	}
}

const char *
agg_kind_form(size_t i)
{
	return i < NKINDS ? kinds[i].form : NULL;
}

const char *
agg_op_name(int i)
{
	return i >= 0 && (size_t)i < NKINDS ? kinds[i].name : "?";
}

/* Parsing */

/* The aggregation named arg[0..n), its alias noted in *alias. */
static const struct agg_kind *
find_kind(struct aggspec *a, const char *arg, size_t n, int *alias)
{
	size_t i;

	*alias = 0;
	for (i = 0; i < NKINDS; i++)
		if (strlen(kinds[i].name) == n &&
		    memcmp(kinds[i].name, arg, n) == 0)
			return &kinds[i];
	*alias = 1;
	for (i = 0; i < NKINDS; i++)
		if (kinds[i].alias && kinds[i].alias(a, arg, n))
			return &kinds[i];
	return NULL;
}

/* FIELD_OP, Miller's default name. */
static char *
default_name(const struct aggspec *a)
{
	struct buf name = BUF_INIT;

	buf_addf(&name, "%s_", a->field);
	if (a->kind->suffix)
		a->kind->suffix(a, &name);
	else
		buf_addstr(&name, a->opname);
	return buf_detach(&name, NULL);
}

/* OP:PARAM: its PARAM; rest is past OP, and is moved past PARAM. */
static int
parse_param(struct aggspec *a, const char *arg, const char **rest,
    char *err, size_t errlen)
{
	const struct agg_kind *kind = a->kind;
	const char *r = *rest;
	size_t n = *r == ':' ? strcspn(r + 1, ":=") : 0;

	if (*r != ':' || r[1 + n] != ':') {
		snprintf(err, errlen, "'%s' needs a %s and a field: %s", arg,
		    kind->param_name, kind->form);
		return -1;
	}
	if (kind->param(a, r + 1, n, err, errlen) < 0)
		return -1;
	snprintf(a->opname, sizeof a->opname, "%s:%.*s", kind->name, (int)n,
	    r + 1);
	*rest = r + 1 + n;
	return 0;
}

int
aggspec_parse(const char *arg, struct aggspec *a, char *err, size_t errlen)
{
	size_t oplen = strcspn(arg, ":=");
	const char *rest = arg + oplen, *colon, *eq;
	int alias;

	kinds_check();
	memset(a, 0, sizeof *a);
	if ((a->kind = find_kind(a, arg, oplen, &alias)) == NULL) {
		snprintf(err, errlen, "unknown aggregation '%.*s'", (int)oplen,
		    arg);
		return -1;
	}
	if (a->opname[0] == '\0')	/* mean is avg */
		snprintf(a->opname, sizeof a->opname, "%s", a->kind->name);
	if (a->kind->param && !alias &&
	    parse_param(a, arg, &rest, err, errlen) < 0)
		return -1;
	colon = *rest == ':' ? rest : NULL;
	if (a->kind->input == IN_NONE) {
		eq = strchr(arg, '=');
		if (colon) {
			snprintf(err, errlen, "%s takes no field: '%s'",
			    a->kind->name, arg);
			return -1;
		}
		if (eq && eq[1] == '\0') {
			snprintf(err, errlen, "empty name after '=' in '%s'", arg);
			return -1;
		}
		a->name = xstrdup(eq ? eq + 1 : a->kind->name);
		return 0;
	}
	if (colon == NULL || colon[1] == '\0' || colon[1] == '=') {
		snprintf(err, errlen, "'%s' needs a field: %.*s:FIELD", arg,
		    (int)(rest - arg), arg);
		return -1;
	}
	eq = strchr(colon + 1, '=');
	a->field = eq ? xmemdup(colon + 1, (size_t)(eq - colon - 1)) :
	    xstrdup(colon + 1);
	if (eq && eq[1] == '\0') {
		snprintf(err, errlen, "empty name after '=' in '%s'", arg);
		aggspec_release(a);
		return -1;
	}
	a->name = eq ? xstrdup(eq + 1) : default_name(a);
	return 0;
}

const char *
aggspec_op_name(const struct aggspec *a)
{
	return a->opname;
}

void
aggspec_release(struct aggspec *a)
{
	free(a->field);
	free(a->name);
	a->field = a->name = NULL;
}

/* The table of groups */

_Static_assert(sizeof(struct agg_value) <= sizeof(union acc),
    "group_room puts tmp in one group's room");

/*
 * Room for need groups in acc, first, keytype and empty, with tmp in
 * front, in one allocation that tmp starts: a session's table of one
 * group is then a line or two that firing reads, not five allocations.
 * It grows by realloc, which moves a large one's pages rather than
 * copying them, and the arrays after acc move up within it.
 */
static void
group_room(struct aggtab *t, size_t need)
{
	size_t ns = t->nspec ? t->nspec : 1, nk = t->nkey ? t->nkey : 1;
	size_t old = t->accgroups, cap = old ? old : 1;
	/* a group's bytes before each array: its acc, then its first, then
	 * its keytype; empty is last */
	size_t to_first = ns * sizeof(union acc);
	size_t to_keytype = to_first + sizeof(uint64_t);
	size_t to_empty = to_keytype + nk, head = to_first;	/* tmp's room */
	char *b;

	if (need <= old)
		return;
	while (cap < need)
		cap = cap < 8 ? 8 : cap * 2;
	if (cap > (SIZE_MAX - head) / (to_empty + 1))
		oom();		/* as xgrowarray: it ran out long before */
	b = xrealloc(t->tmp, head + cap * (to_empty + 1));
	if (old == 0)		/* count's tmp stays VAL_MISSING */
		memset(b, 0, head);
	/* from the top down, each to where cap groups put it */
	memmove(b + head + cap * to_empty, b + head + old * to_empty, old);
	memmove(b + head + cap * to_keytype, b + head + old * to_keytype,
	    old * nk);
	memmove(b + head + cap * to_first, b + head + old * to_first,
	    old * sizeof(uint64_t));
	t->tmp = (struct agg_value *)(void *)b;
	t->acc = (union acc *)(void *)(b + head);
	t->first = (uint64_t *)(void *)(b + head + cap * to_first);
	t->keytype = (unsigned char *)(b + head + cap * to_keytype);
	t->empty = (unsigned char *)(b + head + cap * to_empty);
	t->accgroups = cap;
}

void
aggtab_init(struct aggtab *t, const struct aggspec *spec, size_t nspec,
    const int *keyslot, char *const *keyname, size_t nkey)
{
	memset(t, 0, sizeof *t);
	t->spec = spec;
	t->nspec = nspec;
	t->keyslot = keyslot;
	t->keyname = keyname;
	t->nkey = nkey;
	keytab_init(&t->groups);
	buf_init(&t->key);
	buf_init(&t->scratch);
	/* room for one group: a session's table holds one or a few, and
	 * thousands are open at once; more grow from there */
	group_room(t, 1);
}

/* What every group's accumulators hold. */
static void
release_groups(struct aggtab *t)
{
	size_t g, j;

	for (g = 0; g < t->groups.n; g++)
		for (j = 0; j < t->nspec; j++)
			t->spec[j].kind->release(&t->acc[g * t->nspec + j],
			    &t->spec[j]);
}

void
aggtab_release(struct aggtab *t)
{
	release_groups(t);
	keytab_release(&t->groups);
	free(t->tmp);		/* and the group arrays */
	free(t->loaded);
	buf_release(&t->key);
	buf_release(&t->scratch);
}

/* A table cleared keeps the room of this many groups: a session window's
 * table is cleared when it fires and reused by the next session. */
#define KEPT_GROUPS 64

void
aggtab_prefetch(const struct aggtab *t)
{
	if (t->groups.n == 0)
		return;
	mem_prefetch(t->acc);
	mem_prefetch(t->keytype);
	mem_prefetch(t->groups.keys);
	mem_prefetch(t->groups.slots);
	if (t->first != NULL)
		mem_prefetch(t->first);
}

void
aggtab_prefetch_key(const struct aggtab *t)
{
	if (t->groups.n > 0)
		mem_prefetch(t->groups.keys[0].p);
}

void
aggtab_clear(struct aggtab *t)
{
	release_groups(t);
	keytab_clear(&t->groups);
	if (t->accgroups > KEPT_GROUPS) {
		free(t->tmp);
		t->tmp = NULL;
		t->accgroups = 0;
		group_room(t, 1);
	}
	t->nempty = 0;
	t->span = 0;
	t->changed = 0;
	t->merged = 0;
}

void
aggtab_empty(struct aggtab *t)
{
	size_t g, j;

	for (g = 0; g < t->groups.n; g++)
		for (j = 0; j < t->nspec; j++) {
			union acc *a = &t->acc[g * t->nspec + j];

			t->spec[j].kind->release(a, &t->spec[j]);
			memset(a, 0, sizeof *a);
			t->spec[j].kind->init(a, &t->spec[j]);
		}
	memset(t->empty, 1, t->groups.n);
	t->nempty = t->groups.n;
	t->changed = 0;
}

size_t
aggtab_count(const struct aggtab *t)
{
	return t->groups.n;
}

size_t
aggtab_written(const struct aggtab *t, int empty)
{
	return empty == AGG_EMPTY_SKIP ? t->groups.n - t->nempty :
	    t->groups.n;
}

/* A record or a state came to group id. */
static inline void
filled(struct aggtab *t, size_t id)
{
	if (t->nempty > 0 && t->empty[id]) {
		t->empty[id] = 0;
		t->nempty--;
	}
}

/* Group id (isnew: just made) got a state, empty or not. */
static void
got_state(struct aggtab *t, size_t id, int isnew, int empty)
{
	if (!empty)
		filled(t, id);
	else if (isnew) {
		t->empty[id] = 1;
		t->nempty++;
	}
}

/* Convert the values of every aggregation; -1 with why on a bad one. */
static int
convert(struct aggtab *t, const struct record *rec, char *why, size_t wl)
{
	size_t j;

	for (j = 0; j < t->nspec; j++) {
		const struct aggspec *s = &t->spec[j];
		struct agg_value *a = &t->tmp[j];
		const struct val *v;

		if (s->kind->input == IN_NONE)
			continue;
		v = &rec->v[s->slot];
		a->type = v->type;
		if (v->type == VAL_MISSING) {
			snprintf(why, wl, "missing field '%s'", s->field);
			return -1;
		}
		if (v->type == VAL_NULL)
			continue;
		if (s->kind->input == IN_NUM) {
			if (val_num(v, &a->d, &a->isint, &a->i) < 0) {
				snprintf(why, wl, "field '%s' is not a number",
				    s->field);
				return -1;
			}
			continue;
		}
		a->p = val_text(v, &t->scratch, &a->n);
		if (a->p == NULL || !utf8_valid(a->p, a->n)) {
			snprintf(why, wl, "%s in field '%s'", a->p == NULL ?
			    "bad escape" : "invalid UTF-8", s->field);
			return -1;
		}
	}
	return 0;
}

/* The text of a key's field: a null's is empty.  NULL with why. */
static const char *
key_text(const struct val *v, const char *name, struct buf *scratch,
    size_t *tn, char *why, size_t wl)
{
	const char *text;

	if (v->type == VAL_MISSING) {
		snprintf(why, wl, "missing field '%s'", name);
		return NULL;
	}
	if ((text = val_text(v, scratch, tn)) == NULL) {
		snprintf(why, wl, "bad escape in field '%s'", name);
		return NULL;
	}
	if (v->type == VAL_NULL)
		*tn = 0;
	return text;
}

int
agg_key(const struct record *rec, const int *slot, char *const *name,
    size_t n, struct buf *key, struct buf *scratch, const char **p,
    size_t *len, char *why, size_t wl)
{
	size_t k;

	buf_reset(key);
	for (k = 0; k < n; k++) {
		const char *text;
		size_t tn;

		if ((text = key_text(&rec->v[slot[k]], name[k], scratch, &tn,
		    why, wl)) == NULL)
			return -1;
		if (n == 1) {
			*p = text;
			*len = tn;
			return 0;
		}
		put_len(key, tn);
		buf_add(key, text, tn);
	}
	*p = key->data;
	*len = key->len;
	return 0;
}

int
agg_key_array(const struct record *rec, const int *slot, char *const *name,
    size_t n, struct buf *out, struct buf *scratch, char *why, size_t wl)
{
	const char *text;
	size_t k, tn;

	buf_reset(out);
	buf_addc(out, '[');
	for (k = 0; k < n; k++) {
		if ((text = key_text(&rec->v[slot[k]], name[k], scratch, &tn,
		    why, wl)) == NULL)
			return -1;
		if (k > 0)
			buf_addc(out, ',');
		json_quote(out, text, tn);
	}
	buf_addc(out, ']');
	return 0;
}

void
agg_key_to_json(const char *key, size_t len, size_t n, struct buf *out)
{
	const char *p = key, *e = key + len;
	size_t k, part;

	buf_addc(out, '[');
	for (k = 0; k < n; k++) {
		if (k > 0)
			buf_addc(out, ',');
		if (n == 1)
			part = len;
		else if (p < e)
			p = get_len(p, &part);
		else
			part = 0;
		if (part > (size_t)(e - p))
			part = (size_t)(e - p);
		json_quote(out, p, part);
		p += part;
	}
	buf_addc(out, ']');
}

int
agg_key_from_json(const char *json, size_t jlen, size_t n, struct buf *key,
    struct buf *scratch, const char **p, size_t *len)
{
	const char *q = json + 1, *e = json + jlen, *x, *text;
	struct val v;
	size_t xn, k, tn;

	buf_reset(key);
	if (jlen < 2 || json[0] != '[')
		return -1;
	for (k = 0; k < n; k++) {
		if (next_element(&q, e, &x, &xn) != 1 || scalar(x, xn, &v) < 0 ||
		    v.type != VAL_STR ||
		    (text = val_text(&v, scratch, &tn)) == NULL)
			return -1;
		if (n == 1) {
			*p = text;
			*len = tn;
		} else {
			put_len(key, tn);
			buf_add(key, text, tn);
		}
	}
	if (next_element(&q, e, &x, &xn) != 0)
		return -1;
	if (n > 1) {
		*p = key->data;
		*len = key->len;
	}
	return 0;
}

/* Build the group key in t->key (or point at the one key's text). */
static int
build_key(struct aggtab *t, const struct record *rec, const char **key,
    size_t *keylen, char *why, size_t wl)
{
	return agg_key(rec, t->keyslot, t->keyname, t->nkey, &t->key,
	    &t->scratch, key, keylen, why, wl);
}

/* Room for group id: accumulators started, key types and first set by
 * the caller. */
static void
new_group(struct aggtab *t, size_t id, uint64_t seq)
{
	size_t j;

	group_room(t, id + 1);
	t->first[id] = seq;
	t->empty[id] = 0;
	memset(&t->acc[id * t->nspec], 0, t->nspec * sizeof *t->acc);
	for (j = 0; j < t->nspec; j++)
		t->spec[j].kind->init(&t->acc[id * t->nspec + j], &t->spec[j]);
}

int
aggtab_check(struct aggtab *t, const struct record *rec, char *why,
    size_t whylen)
{
	const char *key = "";
	size_t keylen = 0;

	buf_reset(&t->scratch);
	if (build_key(t, rec, &key, &keylen, why, whylen) < 0 ||
	    convert(t, rec, why, whylen) < 0)
		return AGG_REJECT;
	if (!utf8_valid(key, keylen)) {
		snprintf(why, whylen, "invalid UTF-8 in group key");
		return AGG_REJECT;
	}
	return AGG_OK;
}

int
aggtab_add(struct aggtab *t, const struct record *rec, uint64_t seq,
    char *why, size_t whylen)
{
	return aggtab_add_keyed(t, rec, seq, NULL, 0, 0, why, whylen);
}

int
aggtab_add_keyed(struct aggtab *t, const struct record *rec, uint64_t seq,
    const char *key, size_t keylen, uint64_t h, char *why, size_t whylen)
{
	/* one group, and no key to look up */
	int one = t->groups.n == 1 && (t->nkey == 0 || t->one_group), added;
	size_t id, j;

	buf_reset(&t->scratch);
	if (!one && key == NULL) {
		if (build_key(t, rec, &key, &keylen, why, whylen) < 0)
			return AGG_REJECT;
		h = hash_bytes(key, keylen);
	}
	if (convert(t, rec, why, whylen) < 0)
		return AGG_REJECT;
	id = one ? 0 : keytab_find(&t->groups, key, keylen, h);
	if (id == (size_t)-1) {
		if (!utf8_valid(key, keylen)) {
			snprintf(why, whylen, "invalid UTF-8 in group key");
			return AGG_REJECT;
		}
		if (t->max_groups && t->groups.n >= t->max_groups)
			return AGG_FULL;
		id = keytab_intern(&t->groups, key, keylen, h, &added);
		new_group(t, id, seq);
		for (j = 0; j < t->nkey; j++)
			t->keytype[id * t->nkey + j] =
			    rec->v[t->keyslot[j]].type;
	} else
		filled(t, id);
	/* a null is no value, as in SQL; count has no field, and its tmp
	 * stays VAL_MISSING */
	for (j = 0; j < t->nspec; j++) {
		const struct aggspec *s = &t->spec[j];

		if (t->tmp[j].type != VAL_NULL)
			s->kind->add(&t->acc[id * t->nspec + j], s, &t->tmp[j],
			    seq);
	}
	t->changed = 1;
	return AGG_OK;
}

/* Merging */

int
aggtab_merge(struct aggtab *dst, const struct aggtab *src)
{
	size_t g, id, j;
	int added;

	for (g = 0; g < src->groups.n; g++) {
		const struct keytab_key *k = &src->groups.keys[g];
		int isnew = 0;

		id = keytab_find(&dst->groups, k->p, k->n, k->h);
		if (id == (size_t)-1) {
			if (dst->max_groups && dst->groups.n >= dst->max_groups)
				return AGG_FULL;
			id = keytab_intern(&dst->groups, k->p, k->n, k->h,
			    &added);
			new_group(dst, id, src->first[g]);
			memcpy(&dst->keytype[id * dst->nkey],
			    &src->keytype[g * src->nkey], dst->nkey);
			isnew = 1;
		} else if (src->first[g] < dst->first[id])
			dst->first[id] = src->first[g];
		got_state(dst, id, isnew, src->nempty > 0 && src->empty[g]);
		for (j = 0; j < dst->nspec; j++)
			dst->spec[j].kind->merge(&dst->acc[id * dst->nspec + j],
			    &src->acc[g * src->nspec + j], &dst->spec[j]);
	}
	if (src->groups.n > 0) {
		dst->merged = 1;
		dst->changed = 1;
	}
	return AGG_OK;
}

/* Partial state: stream-agg --partial and --merge */

static void key_part(const struct aggtab *t, size_t id, size_t k,
    const char **p, size_t *n);

void
aggspec_partial_fields(struct aggspec *a, size_t n, struct fieldset *fs)
{
	struct buf name = BUF_INIT;
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < AGG_STATE_MAX; k++) {
			const char *f = a[i].kind->state[k];

			a[i].pslot[k] = -1;
			if (f == NULL)
				continue;
			buf_reset(&name);
			buf_addstr(&name, a[i].name);
			if (*f) {
				buf_addc(&name, '.');
				buf_addstr(&name, f);
			}
			a[i].pslot[k] = fieldset_add(fs, name.data, name.len);
		}
	buf_release(&name);
}

/* Whether group id is left out of what is written with empty. */
static int
left_out(const struct aggtab *t, size_t id, int empty)
{
	return empty == AGG_EMPTY_SKIP && t->nempty > 0 && t->empty[id];
}

void
aggtab_partial_buf(struct aggtab *t, struct buf *out, const char *prefix,
    const struct addfield *pre, size_t npre, int empty)
{
	struct buf b = BUF_INIT;
	size_t id, j, k;

	for (id = 0; id < t->groups.n; id++) {
		const char *p;
		size_t n;

		if (left_out(t, id, empty))
			continue;

		/* the key, for Hadoop's key-then-tab: texts, whatever types */
		buf_reset(&b);
		buf_addstr(&b, prefix);
		buf_addc(&b, '[');
		for (k = 0; k < npre + t->nkey; k++) {
			if (k > 0)
				buf_addc(&b, ',');
			if (k < npre)
				json_quote(&b, pre[k].val, pre[k].vlen);
			else {
				key_part(t, id, k - npre, &p, &n);
				json_quote(&b, p, n);
			}
		}
		buf_addstr(&b, "]\t{");
		for (k = 0; k < npre; k++) {
			json_quote(&b, pre[k].name, strlen(pre[k].name));
			buf_addc(&b, ':');
			put_value(&b, pre[k].kind == OV_STR ? VAL_STR : VAL_NUM,
			    pre[k].val, pre[k].vlen);
			buf_addc(&b, ',');
		}
		for (k = 0; k < t->nkey; k++) {
			key_part(t, id, k, &p, &n);
			json_quote(&b, t->keyname[k], strlen(t->keyname[k]));
			buf_addc(&b, ':');
			put_value(&b, t->keytype[id * t->nkey + k], p, n);
			buf_addc(&b, ',');
		}
		put_int(&b, "\"_first\":", (int64_t)t->first[id]);
		if (empty == AGG_EMPTY_MARK && t->nempty > 0 && t->empty[id])
			buf_addstr(&b, ",\"_empty\":true");
		for (j = 0; j < t->nspec; j++) {
			buf_addc(&b, ',');
			json_quote(&b, t->spec[j].name, strlen(t->spec[j].name));
			buf_addc(&b, ':');
			t->spec[j].kind->save(&b, &t->spec[j],
			    &t->acc[id * t->nspec + j]);
		}
		buf_addstr(&b, "}\n");
		buf_add(out, b.data, b.len);
	}
	buf_release(&b);
}

void
aggtab_partial(struct aggtab *t, struct out *o, const struct addfield *pre,
    size_t npre, int empty)
{
	struct buf b = BUF_INIT;

	aggtab_partial_buf(t, &b, "", pre, npre, empty);
	out_write(o, b.data, b.len);
	buf_release(&b);
}

/* Reading a partial record back */

/* Read one accumulator's state from its fields rec->v[pslot[k]]. */
static int
load_state(struct aggtab *t, const struct aggspec *s,
    const struct record *rec, union acc *a)
{
	const struct val *v[AGG_STATE_MAX];
	size_t k;

	for (k = 0; k < AGG_STATE_MAX; k++)
		v[k] = s->pslot[k] >= 0 ? &rec->v[s->pslot[k]] : NULL;
	return s->kind->load(t, s, v, a);
}

int
aggtab_merge_partial(struct aggtab *t, const struct record *rec,
    int first_slot, int empty_slot, char *why, size_t whylen)
{
	const char *key = "";
	size_t keylen = 0, id, j;
	union acc *tmp;
	uint64_t first;
	int added, got, rc = AGG_OK, isnew = 0;
	int empty = empty_slot >= 0 && rec->v[empty_slot].type == VAL_BOOL &&
	    rec->v[empty_slot].p[0] == 't';

	if (get_uint(&rec->v[first_slot], &first) < 0) {
		snprintf(why, whylen, "not a partial record: no '_first'");
		return AGG_REJECT;
	}
	/* read every state before touching the table; they keep copies */
	if (t->loaded == NULL)	/* only a merging table needs it */
		t->loaded = xcalloc(t->nspec ? t->nspec : 1,
		    sizeof *t->loaded);
	tmp = t->loaded;
	memset(tmp, 0, t->nspec * sizeof *tmp);
	for (j = 0; j < t->nspec; j++)
		t->spec[j].kind->init(&tmp[j], &t->spec[j]);
	for (j = 0; j < t->nspec; j++) {
		buf_reset(&t->scratch);
		if ((got = load_state(t, &t->spec[j], rec, &tmp[j])) < 0) {
			if (got == STATE_EXACT)
				snprintf(why, whylen, "partial state for '%s' "
				    "from a run %s --exact", t->spec[j].name,
				    t->spec[j].exact ? "without" : "with");
			else
				snprintf(why, whylen, "bad partial state for "
				    "'%s'", t->spec[j].name);
			rc = AGG_REJECT;
			break;
		}
	}
	/* the key last: it may point into scratch */
	buf_reset(&t->scratch);
	if (rc == AGG_OK && build_key(t, rec, &key, &keylen, why, whylen) < 0)
		rc = AGG_REJECT;
	if (rc == AGG_OK) {
		uint64_t h = hash_bytes(key, keylen);

		id = keytab_find(&t->groups, key, keylen, h);
		if (id == (size_t)-1) {
			if (t->max_groups && t->groups.n >= t->max_groups)
				rc = AGG_FULL;
			else {
				id = keytab_intern(&t->groups, key, keylen, h,
				    &added);
				new_group(t, id, first);
				for (j = 0; j < t->nkey; j++)
					t->keytype[id * t->nkey + j] =
					    rec->v[t->keyslot[j]].type;
				isnew = 1;
			}
		} else if (first < t->first[id])
			t->first[id] = first;
		if (rc == AGG_OK) {
			got_state(t, id, isnew, empty);
			for (j = 0; j < t->nspec; j++)
				t->spec[j].kind->merge(&t->acc[id * t->nspec +
				    j], &tmp[j], &t->spec[j]);
			t->merged = 1;
			t->changed = 1;
		}
	}
	for (j = 0; j < t->nspec; j++)
		t->spec[j].kind->release(&tmp[j], &t->spec[j]);
	return rc;
}

/* Output */

/* The k-th part of a group key. */
static void
key_part(const struct aggtab *t, size_t id, size_t k, const char **p,
    size_t *n)
{
	const struct keytab_key *key = &t->groups.keys[id];
	const char *q = key->p;
	size_t i;

	if (t->nkey == 1) {
		*p = key->p;
		*n = key->n;
		return;
	}
	for (i = 0;; i++) {
		q = get_len(q, n);
		if (i == k)
			break;
		q += *n;
	}
	*p = q;
}

static void
emit_group(struct aggtab *t, struct recw *w, size_t id,
    const struct addfield *pre, size_t npre)
{
	size_t j, k;

	recw_begin(w);
	for (k = 0; k < npre; k++)
		recw_field_named(w, pre[k].name, pre[k].val,
		    pre[k].vlen, pre[k].kind);
	for (k = 0; k < t->nkey; k++) {
		const char *p;
		size_t n;

		key_part(t, id, k, &p, &n);
		recw_field_named(w, t->keyname[k], p, n,
		    kind_of(t->keytype[id * t->nkey + k]));
	}
	for (j = 0; j < t->nspec; j++)
		t->spec[j].kind->result(w, &t->spec[j],
		    &t->acc[id * t->nspec + j], t->span);
	recw_end(w);
}

static const struct aggtab *sort_tab;	/* qsort has no context argument */

static int
cmp_first(const void *pa, const void *pb)
{
	uint64_t a = sort_tab->first[*(const size_t *)pa];
	uint64_t b = sort_tab->first[*(const size_t *)pb];

	return (a > b) - (a < b);
}

static int
cmp_part(const char *a, size_t an, const char *b, size_t bn)
{
	double x, y;
	int xa = num_parse(a, an, &x, NULL, NULL) == 0;
	int yb = num_parse(b, bn, &y, NULL, NULL) == 0;
	int c;

	if (xa && yb)
		return (x > y) - (x < y);
	if (xa != yb)
		return xa ? -1 : 1;	/* numbers before text */
	c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

static int
cmp_groups(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb, k;

	for (k = 0; k < sort_tab->nkey; k++) {
		const char *x, *y;
		size_t xn, yn;
		int c;

		key_part(sort_tab, a, k, &x, &xn);
		key_part(sort_tab, b, k, &y, &yn);
		if ((c = cmp_part(x, xn, y, yn)) != 0)
			return c;
	}
	return (a > b) - (a < b);
}

void
aggtab_emit(struct aggtab *t, struct recw *w, int sort,
    const struct addfield *pre, size_t npre, int empty)
{
	size_t i, n = t->groups.n, *order;

	t->changed = 0;
	if (!sort && !t->merged) {
		for (i = 0; i < n; i++)
			if (!left_out(t, i, empty))
				emit_group(t, w, i, pre, npre);
		return;
	}
	order = xcalloc(n ? n : 1, sizeof *order);
	for (i = 0; i < n; i++)
		order[i] = i;
	sort_tab = t;
	qsort(order, n, sizeof *order, sort ? cmp_groups : cmp_first);
	for (i = 0; i < n; i++)
		if (!left_out(t, order[i], empty))
			emit_group(t, w, order[i], pre, npre);
	free(order);
}
