/*
 * fuzz_partial.c - partial state as stream-agg --merge reads it: every
 * aggregation's state fields, merged into a table and written out.
 */
#include "fuzz.h"
#include "agg.h"
#include "json.h"
#include "out.h"
#include "record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const aggs[] = { "count", "sum:x", "avg:x",
	    "min:x", "max:x", "first:x", "last:x", "distinct:x", "var:x",
	    "stddev:x", "collect:x", "rate" };
	enum { NAGG = sizeof aggs / sizeof aggs[0] };
	struct aggspec spec[NAGG];
	struct fieldset fs = FIELDSET_INIT;
	struct aggtab tab;
	struct out o;
	struct recw w;
	struct val v[64];
	struct record rec;
	char err[200], *keyname = "k", *line = fuzz_copy(data, size);
	const char *perr;
	int keyslot, first, i;

	for (i = 0; i < NAGG; i++)
		aggspec_parse(aggs[i], &spec[i], err, sizeof err);
	keyslot = fieldset_add(&fs, "k", 1);
	aggspec_partial_fields(spec, NAGG, &fs);
	first = fieldset_add(&fs, "_first", 6);
	aggtab_init(&tab, spec, NAGG, &keyslot, &keyname, 1);
	rec = (struct record){ line, size, "f", 1, v };
	if (fs.n <= 64 && json_parse(line, size, &fs, v, &perr) == PARSE_OK &&
	    aggtab_merge_partial(&tab, &rec, first, err, sizeof err) == AGG_OK) {
		out_open(&o, "/dev/null", 0);
		recw_init(&w, &o, FMT_JSON);
		aggtab_emit(&tab, &w, 0, NULL, 0);
		aggtab_partial(&tab, &o, NULL, 0);
		recw_release(&w);
		out_release(&o);
	}
	aggtab_release(&tab);
	for (i = 0; i < NAGG; i++)
		aggspec_release(&spec[i]);
	fieldset_release(&fs);
	free(line);
	return 0;
}
