/*
 * csv.c - CSV and TSV cells.
 */
#include <string.h>

#include "csv.h"


struct split {
	struct val *cells;
	size_t max;
	long n;			/* cells seen, stored or not */
	long rc;		/* PARSE_MORE or PARSE_ERROR when a cell fails */
	const char **err;
};

static void
put(struct split *s, const char *p, size_t n, int esc)
{
	if ((size_t)s->n < s->max)
		s->cells[s->n] = (struct val){ p, n, VAL_STR,
		    (unsigned char)esc };
	s->n++;
}

/*
 * TSV has no quoting: cells end at tabs.  bs is the next backslash at or
 * after p (e when none), looked up again only once p has passed it, so
 * the two memchr scans each read the line once.
 */
static long
tsv_cells(const char *p, const char *e, struct split *s)
{
	const char *t, *bs = NULL;

	for (;;) {
		if ((t = memchr(p, '\t', (size_t)(e - p))) == NULL)
			t = e;
		if (bs == NULL || bs < p)
			if ((bs = memchr(p, '\\', (size_t)(e - p))) == NULL)
				bs = e;
		put(s, p, (size_t)(t - p), bs < t ? ESC_TSV : ESC_NONE);
		if (t == e)
			return s->n;
		p = t + 1;
	}
}

/*
 * p is just past an opening quote.  Stores the cell and returns the byte
 * after the closing quote, or NULL with s->rc set.  A quote followed by a
 * quote is a literal one; the cell may hold separators and newlines.
 */
static const char *
quoted(const char *p, const char *e, struct split *s)
{
	const char *q = p;
	int esc = ESC_NONE;

	while ((q = memchr(q, '"', (size_t)(e - q))) != NULL) {
		if (q + 1 < e && q[1] == '"') {
			esc = ESC_CSV;
			q += 2;
			continue;
		}
		put(s, p, (size_t)(q - p), esc);
		if (++q < e && *q != ',') {
			*s->err = "unexpected character after closing quote";
			s->rc = PARSE_ERROR;
			return NULL;
		}
		return q;
	}
	/* the reader appends the next line and calls again */
	*s->err = "unterminated quoted field";
	s->rc = PARSE_MORE;
	return NULL;
}

static long
csv_cells(const char *p, const char *e, struct split *s)
{
	const char *c;

	for (;;) {
		if (p < e && *p == '"') {
			if ((p = quoted(p + 1, e, s)) == NULL)
				return s->rc;
		} else {
			/* unquoted: a quote inside is taken literally */
			if ((c = memchr(p, ',', (size_t)(e - p))) == NULL)
				c = e;
			put(s, p, (size_t)(c - p), ESC_NONE);
			p = c;
		}
		if (p == e)
			return s->n;
		p++;		/* the separator */
	}
}

long
csv_split(const char *line, size_t len, int tsv, struct val *cells,
    size_t max, const char **err)
{
	struct split s = { cells, max, 0, 0, err };

	if (tsv)
		return tsv_cells(line, line + len, &s);
	return csv_cells(line, line + len, &s);
}
