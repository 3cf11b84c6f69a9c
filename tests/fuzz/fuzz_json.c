/*
 * fuzz_json.c - the JSON field finder, with top-level, dotted and
 * escaped names, and the decoding of what it finds; its quick walk (and
 * the first member read at once, for one field) must agree with the
 * member walk, a line that holds together read as trusted with the
 * walk, and json_key_at's two widths, and the check of a line's rest in
 * SSE2 blocks and in the widest words, with each other.
 */
#include "fuzz.h"
#include "json.h"
#include "record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "a", "level", "a.b", "a.b.c",
	    "msg", "x\"y", "k\xc3\xa9", "status" };
	struct fieldset fs = FIELDSET_INIT;
	struct buf scratch = BUF_INIT;
	struct val v[8], w[8];
	const char *err, *werr, *t;
	int rc;
	char *line = fuzz_copy(data, size);
	size_t i, n;
	double d;

	for (i = 0; i < 8; i++)
		fieldset_add(&fs, names[i], strlen(names[i]));
	rc = json_parse(line, size, &fs, v, &err);
	/* the quick walk must agree with the member walk */
	if (json_parse_walk(line, size, &fs, w, &werr) != rc ||
	    (rc != PARSE_OK && strcmp(err, werr) != 0))
		abort();
	for (i = 0; rc == PARSE_OK && i < fs.n; i++)
		if (v[i].type != w[i].type || v[i].p != w[i].p ||
		    v[i].n != w[i].n || v[i].esc != w[i].esc)
			abort();
	if (rc == PARSE_OK)
		for (i = 0; i < fs.n; i++) {
			t = val_text(&v[i], &scratch, &n);
			if (t != NULL)
				utf8_valid(t, n);
			val_num(&v[i], &d, NULL, NULL);
		}
	/* a line that holds together, read as a streamkit tool's (its keys
	 * by their bytes, json_key_at, a key it lacks seen so): the same */
	if (rc == PARSE_OK) {
		fs.trusted = 1;
		if (json_parse(line, size, &fs, w, &werr) != PARSE_OK)
			abort();
		for (i = 0; i < fs.n; i++)
			if (v[i].type != w[i].type || v[i].p != w[i].p ||
			    v[i].n != w[i].n || v[i].esc != w[i].esc)
				abort();
		fs.trusted = 0;
	}
	/* a trusted line's keys by their bytes: the 16-byte steps and the
	 * widest the processor takes find the same */
	for (i = 0; i < fs.n; i++) {
		json_narrow(1);
		t = json_key_at(line, size, &fs.f[i]);
		json_narrow(0);
		if (json_key_at(line, size, &fs.f[i]) != t)
			abort();
	}
	/* one field wanted, read at once when it is the first member
	 * (parse_first): as the member walk has it */
	{
		struct fieldset one = FIELDSET_INIT;

		fieldset_add(&one, "a", 1);
		rc = json_parse(line, size, &one, v, &err);
		if (json_parse_walk(line, size, &one, w, &werr) != rc ||
		    (rc != PARSE_OK && strcmp(err, werr) != 0) ||
		    (rc == PARSE_OK && (v[0].type != w[0].type ||
		    v[0].p != w[0].p || v[0].n != w[0].n ||
		    v[0].esc != w[0].esc)))
			abort();
		/* the rest in SSE2 blocks, as in the widest words */
		json_narrow(1);
		if (json_parse(line, size, &one, w, &werr) != rc ||
		    (rc != PARSE_OK && strcmp(err, werr) != 0))
			abort();
		json_narrow(0);
		fieldset_release(&one);
	}
	json_skip_value(line, line + size, &err);
	buf_release(&scratch);
	fieldset_release(&fs);
	free(line);
	return 0;
}
