/*
 * pred.c - the predicate language of --where and event-route (see pred.h).
 *
 * A recursive-descent parser builds a small tree once; evaluation walks
 * it per record without allocating.  Every literal is text; a comparison
 * is numeric when both the literal and the field's value read as decimal
 * numbers, else it compares the decoded text bytewise.  So 200, "200"
 * and 200.0 all equal a status of 200, and null, true and false are
 * simply the words a JSON value of that kind reads as.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pred.h"

enum node { N_OR, N_AND, N_NOT, N_HAS, N_CMP };
enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_RE, OP_NRE };

struct pred {
	int node;		/* enum node */
	struct pred *a, *b;	/* operands of or, and, not */
	int slot;		/* has, cmp: the field */
	int op;			/* cmp: enum op */
	char *lit;		/* cmp: the literal's text */
	size_t litlen;
	int litnum;		/* the literal reads as a number */
	double num;
	regex_t re;		/* ~ and !~ */
};

enum tok {
	T_END, T_LP, T_RP, T_WORD, T_STR, T_OP, T_AND, T_OR, T_NOT, T_HAS
};

struct lexer {
	const char *src, *p;
	struct fieldset *fs;
	int tok;		/* the current token */
	const char *start;	/* where it starts, for messages */
	struct buf text;	/* T_WORD, T_STR: its text */
	int op;			/* T_OP */
	char *err;
	size_t errlen;
	int failed;
};

static const char *const op_names[] = {
	"==", "!=", "<", "<=", ">", ">=", "~", "!~"
};

static void
fail(struct lexer *ps, const char *at, const char *fmt, const char *arg)
{
	char msg[200];

	if (ps->failed++)
		return;
	snprintf(msg, sizeof msg, fmt, arg);
	snprintf(ps->err, ps->errlen, "at %d: %s", (int)(at - ps->src) + 1, msg);
}

static int
is_word_char(int c)
{
	return c != '\0' && c != ' ' && c != '\t' && c != '\n' && !strchr("()=!<>~&|\"'", c);
}

static void
lex_string(struct lexer *ps)
{
	char quote = *ps->p++;

	for (; *ps->p && *ps->p != quote; ps->p++) {
		if (quote == '"' && *ps->p == '\\' && ps->p[1]) {
			ps->p++;
			buf_addc(&ps->text, *ps->p == 'n' ? '\n' :
			    *ps->p == 't' ? '\t' : *ps->p);
		} else
			buf_addc(&ps->text, *ps->p);
	}
	if (*ps->p != quote) {
		fail(ps, ps->start, "unterminated string%s", "");
		ps->tok = T_END;
		return;
	}
	ps->p++;
	ps->tok = T_STR;
}

/* Operators, longest first so that "<=" is not "<" then "=". */
static int
lex_op(struct lexer *ps)
{
	static const struct { const char *s; int tok, op; } ops[] = {
		{ "==", T_OP, OP_EQ }, { "!=", T_OP, OP_NE },
		{ "<=", T_OP, OP_LE }, { ">=", T_OP, OP_GE },
		{ "!~", T_OP, OP_NRE }, { "&&", T_AND, 0 }, { "||", T_OR, 0 },
		{ "=", T_OP, OP_EQ }, { "<", T_OP, OP_LT }, { ">", T_OP, OP_GT },
		{ "~", T_OP, OP_RE }, { "!", T_NOT, 0 }
	};
	size_t i;

	for (i = 0; i < sizeof ops / sizeof ops[0]; i++) {
		size_t n = strlen(ops[i].s);

		if (strncmp(ps->p, ops[i].s, n) == 0) {
			ps->p += n;
			ps->tok = ops[i].tok;
			ps->op = ops[i].op;
			return 1;
		}
	}
	return 0;
}

static void
next(struct lexer *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n')
		ps->p++;
	ps->start = ps->p;
	buf_reset(&ps->text);
	if (*ps->p == '\0')
		ps->tok = T_END;
	else if (*ps->p == '(' || *ps->p == ')')
		ps->tok = *ps->p++ == '(' ? T_LP : T_RP;
	else if (*ps->p == '"' || *ps->p == '\'')
		lex_string(ps);
	else if (!lex_op(ps)) {
		while (is_word_char(*ps->p))
			buf_addc(&ps->text, *ps->p++);
		ps->tok = T_WORD;
		if (strcmp(ps->text.data, "and") == 0)
			ps->tok = T_AND;
		else if (strcmp(ps->text.data, "or") == 0)
			ps->tok = T_OR;
		else if (strcmp(ps->text.data, "not") == 0)
			ps->tok = T_NOT;
		else if (strcmp(ps->text.data, "has") == 0)
			ps->tok = T_HAS;
	}
}

static struct pred *
node(int kind, struct pred *a, struct pred *b)
{
	struct pred *p = xcalloc(1, sizeof *p);

	p->node = kind;
	p->a = a;
	p->b = b;
	return p;
}

static struct pred *parse_or(struct lexer *);

static int
field_slot(struct lexer *ps)
{
	return fieldset_add(ps->fs, ps->text.data, ps->text.len);
}

/*
 * What the C library's regcomp is not safe from: stacked duplication
 * symbols ("a++", "a*{2}"), which POSIX leaves undefined, and patterns
 * whose repetitions multiply into millions of states, which glibc
 * compiles by copying.  NULL when re is fine, else why not.
 */
#define REGEX_MAX_STATES 100000

static const char *
regex_check(const char *re)
{
	unsigned long size[64], atom[64];	/* per open group */
	int depth = 0, after_dup = 0;
	const char *p = re, *q;

	size[0] = atom[0] = 0;
	while (*p) {
		unsigned long n = 1, lo, hi;
		char *end;

		switch (*p) {
		case '*': case '+': case '?': case '{':
			if (after_dup)
				return "repeated duplication symbols";
			hi = *p == '?' ? 1 : 2;
			if (*p == '{') {
				lo = hi = strtoul(p + 1, &end, 10);
				if (*end == ',')
					hi = end[1] == '}' ? lo + 1 :
					    strtoul(end + 1, &end, 10);
				if (lo > 255 || hi > 255)
					return "a repetition count above 255";
				if ((p = strchr(p, '}')) == NULL)
					return "unbalanced {";
			}
			size[depth] += atom[depth] * (hi > 1 ? hi - 1 : 0);
			if (size[depth] > REGEX_MAX_STATES)
				return "too large once its repetitions are "
				    "expanded";
			after_dup = 1;
			p++;
			continue;
		case '(':
			if (++depth == 64)
				return "nested too deep";
			size[depth] = atom[depth] = 0;
			after_dup = 0;
			p++;
			continue;
		case ')':
			if (depth == 0)
				return "unbalanced )";
			n = size[depth--] + 1;
			break;
		case '[':	/* a bracket expression is one atom */
			p += p[1] == '^' ? 2 : 1;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (*p == '[' && (p[1] == ':' || p[1] == '.' ||
				    p[1] == '=') && (q = strchr(p + 2, ']')))
					p = q;
				p++;
			}
			if (*p == '\0')
				return "unbalanced [";
			break;
		case '\\':
			if (p[1])
				p++;
			break;
		}
		atom[depth] = n;
		size[depth] += n;
		if (size[depth] > REGEX_MAX_STATES)
			return "too large once its repetitions are expanded";
		after_dup = 0;
		p++;
	}
	return NULL;
}

static struct pred *
parse_cmp(struct lexer *ps)
{
	struct pred *p;
	char name[64];

	if (ps->tok != T_WORD || ps->text.len == 0) {
		fail(ps, ps->start, "expected a field%s", ps->tok == T_END ?
		    ", found the end" : "");
		return NULL;
	}
	p = node(N_CMP, NULL, NULL);
	p->slot = field_slot(ps);
	snprintf(name, sizeof name, "%s", ps->text.data);
	next(ps);
	if (ps->tok != T_OP) {
		fail(ps, ps->start, "expected an operator after '%s'", name);
		return p;
	}
	p->op = ps->op;
	next(ps);
	if (ps->tok != T_WORD && ps->tok != T_STR) {
		fail(ps, ps->start, "expected a value after '%s'",
		    op_names[p->op]);
		return p;
	}
	p->lit = xmemdup(ps->text.data, ps->text.len);
	p->litlen = ps->text.len;
	p->litnum = num_parse(p->lit, p->litlen, &p->num, NULL, NULL) == 0;
	if (p->op == OP_RE || p->op == OP_NRE) {
		const char *unsafe = regex_check(p->lit);
		int rc = unsafe ? -1 :
		    regcomp(&p->re, p->lit, REG_EXTENDED | REG_NOSUB);

		if (unsafe) {
			fail(ps, ps->start, "bad regular expression: %s", unsafe);
			p->op = OP_EQ;
			return p;
		}
		if (rc != 0) {
			char why[128];

			regerror(rc, &p->re, why, sizeof why);
			fail(ps, ps->start, "bad regular expression: %s", why);
			p->op = OP_EQ;	/* nothing to regfree */
			return p;
		}
	}
	next(ps);
	return p;
}

static struct pred *
parse_not(struct lexer *ps)
{
	struct pred *p;

	switch (ps->tok) {
	case T_NOT:
		next(ps);
		return node(N_NOT, parse_not(ps), NULL);
	case T_LP:
		next(ps);
		p = parse_or(ps);
		if (ps->tok != T_RP)
			fail(ps, ps->start, "expected ')'%s", "");
		else
			next(ps);
		return p;
	case T_HAS:
		next(ps);
		if (ps->tok != T_WORD || ps->text.len == 0) {
			fail(ps, ps->start, "expected a field after 'has'%s", "");
			return NULL;
		}
		p = node(N_HAS, NULL, NULL);
		p->slot = field_slot(ps);
		next(ps);
		return p;
	case T_RP:
		fail(ps, ps->start, "unexpected ')'%s", "");
		return NULL;
	}
	return parse_cmp(ps);
}

static struct pred *
parse_and(struct lexer *ps)
{
	struct pred *p = parse_not(ps);

	while (!ps->failed && ps->tok == T_AND) {
		next(ps);
		p = node(N_AND, p, parse_not(ps));
	}
	return p;
}

static struct pred *
parse_or(struct lexer *ps)
{
	struct pred *p = parse_and(ps);

	while (!ps->failed && ps->tok == T_OR) {
		next(ps);
		p = node(N_OR, p, parse_and(ps));
	}
	return p;
}

struct pred *
pred_compile(const char *expr, struct fieldset *fs, char *err, size_t errlen)
{
	struct lexer ps = { expr, expr, fs, T_END, expr, BUF_INIT, 0, err,
	    errlen, 0 };
	struct pred *p;

	next(&ps);
	if (ps.tok == T_END && !ps.failed) {
		snprintf(err, errlen, "empty expression");
		buf_release(&ps.text);
		return NULL;
	}
	p = parse_or(&ps);
	if (!ps.failed && ps.tok != T_END)
		fail(&ps, ps.start, "unexpected '%s' after the expression",
		    ps.tok == T_RP ? ")" : ps.tok == T_WORD || ps.tok == T_STR ?
		    ps.text.data : ps.tok == T_OP ? op_names[ps.op] :
		    ps.tok == T_NOT ? "!" : ps.tok == T_AND ? "and" :
		    ps.tok == T_OR ? "or" : "(");
	buf_release(&ps.text);
	if (ps.failed) {
		pred_free(p);
		return NULL;
	}
	return p;
}

void
pred_free(struct pred *p)
{
	if (p == NULL)
		return;
	pred_free(p->a);
	pred_free(p->b);
	if (p->node == N_CMP && (p->op == OP_RE || p->op == OP_NRE))
		regfree(&p->re);
	free(p->lit);
	free(p);
}

/* memcmp(a, b, n) == 0 for the few bytes of a word, without the call:
 * measured faster here, where values are a handful of bytes */
static inline int
same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y;

	for (; n >= 8; a += 8, b += 8, n -= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		if (x != y)
			return 0;
	}
	while (n > 0 && *a == *b)
		a++, b++, n--;
	return n == 0;
}

static int
ordered(int op, int c)
{
	switch (op) {
	case OP_EQ: return c == 0;
	case OP_NE: return c != 0;
	case OP_LT: return c < 0;
	case OP_LE: return c <= 0;
	case OP_GT: return c > 0;
	default: return c >= 0;
	}
}

static int
eval_cmp(const struct pred *p, const struct val *v, struct buf *scratch)
{
	const char *t;
	size_t n, off;
	double d;
	int c;

	if (v->type == VAL_MISSING)
		return 0;
	/* against a number, a value that is not one is of the wrong type:
	 * it fails, != included, as a missing one does */
	if (p->litnum && p->op != OP_RE && p->op != OP_NRE)
		return val_num(v, &d, NULL, NULL) == 0 &&
		    ordered(p->op, (d > p->num) - (d < p->num));
	/* the usual test, a field equal to a word: no decoding, and most
	 * values differ in length */
	if ((p->op == OP_EQ || p->op == OP_NE) && v->esc == ESC_NONE) {
		c = v->n == p->litlen && same_bytes(v->p, p->lit, v->n);
		return p->op == OP_EQ ? c : !c;
	}
	off = scratch->len;
	if ((t = val_text(v, scratch, &n)) == NULL)
		return 0;
	if (p->op == OP_RE || p->op == OP_NRE) {
		if (t != scratch->data + off) {	/* a slice: terminate a copy */
			off = scratch->len;
			buf_add(scratch, t, n);
			buf_grow(scratch, 0);
			scratch->data[scratch->len] = '\0';
			t = scratch->data + off;
		}
		c = regexec(&p->re, t, 0, NULL, 0) == 0;
		return p->op == OP_RE ? c : !c;
	}
	c = memcmp(t, p->lit, n < p->litlen ? n : p->litlen);
	if (c == 0)
		c = (n > p->litlen) - (n < p->litlen);
	return ordered(p->op, c);
}

int
pred_eval(const struct pred *p, const struct record *rec, struct buf *scratch)
{
	switch (p->node) {
	case N_OR:
		return pred_eval(p->a, rec, scratch) ||
		    pred_eval(p->b, rec, scratch);
	case N_AND:
		return pred_eval(p->a, rec, scratch) &&
		    pred_eval(p->b, rec, scratch);
	case N_NOT:
		return !pred_eval(p->a, rec, scratch);
	case N_HAS:
		return rec->v[p->slot].type != VAL_MISSING;
	}
	return eval_cmp(p, &rec->v[p->slot], scratch);
}
