/*
 * fuzz_sketch.c - the sketches' text forms: the first byte says which
 * (a quantile sketch, a distinct count, a top:3 partial record); what
 * reads back must write the same text again, answer its queries and
 * merge with itself.
 */
#include "fuzz.h"
#include "agg.h"
#include "hll.h"
#include "json.h"
#include "out.h"
#include "qsketch.h"
#include "record.h"

static void
quantiles(const char *p, size_t n)
{
	struct qsketch *s = qsketch_read(p, n), *r;
	struct buf a = BUF_INIT, b = BUF_INIT;

	if (s == NULL)
		return;
	qsketch_write(s, &a);
	if ((r = qsketch_read(a.data, a.len)) == NULL)
		abort();
	qsketch_write(r, &b);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();
	qsketch_quantile(s, 0.5);
	qsketch_quantile(s, 0.99);
	if (qsketch_merge(r, s) < 0)
		abort();
	qsketch_quantile(r, 0.001);
	qsketch_free(s);
	qsketch_free(r);
	buf_release(&a);
	buf_release(&b);
}

static void
distinct(const char *p, size_t n)
{
	struct hll *h = hll_read(p, n), *r;
	struct buf a = BUF_INIT, b = BUF_INIT;

	if (h == NULL)
		return;
	hll_write(h, &a);
	if ((r = hll_read(a.data, a.len)) == NULL)
		abort();
	hll_write(r, &b);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		abort();
	if (hll_merge(r, h) < 0 || hll_estimate(r) != hll_estimate(h))
		abort();
	hll_free(h);
	hll_free(r);
	buf_release(&a);
	buf_release(&b);
}

static void
top(char *line, size_t size)
{
	struct aggspec spec;
	struct fieldset fs = FIELDSET_INIT;
	struct aggtab tab;
	struct out o;
	struct recw w;
	struct val v[8];
	struct record rec;
	char err[200], *keyname = "k";
	const char *perr;
	int keyslot, first;

	aggspec_parse("top:3:x", &spec, err, sizeof err);
	keyslot = fieldset_add(&fs, "k", 1);
	aggspec_partial_fields(&spec, 1, &fs);
	first = fieldset_add(&fs, "_first", 6);
	aggtab_init(&tab, &spec, 1, &keyslot, &keyname, 1);
	rec = (struct record){ line, size, "f", 1, v };
	if (json_parse(line, size, &fs, v, &perr) == PARSE_OK &&
	    aggtab_merge_partial(&tab, &rec, first, err, sizeof err) == AGG_OK &&
	    aggtab_merge_partial(&tab, &rec, first, err, sizeof err) == AGG_OK) {
		out_open(&o, "/dev/null", 0);
		recw_init(&w, &o, FMT_JSON);
		aggtab_emit(&tab, &w, 0, NULL, 0);
		aggtab_partial(&tab, &o, NULL, 0);
		recw_release(&w);
		out_release(&o);
	}
	aggtab_release(&tab);
	aggspec_release(&spec);
	fieldset_release(&fs);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *p;

	if (size < 1)
		return 0;
	p = fuzz_copy(data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		quantiles(p, size - 1);
		break;
	case 1:
		distinct(p, size - 1);
		break;
	default:
		top(p, size - 1);
	}
	free(p);
	return 0;
}
