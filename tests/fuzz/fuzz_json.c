/*
 * fuzz_json.c - the JSON field finder, with top-level, dotted and
 * escaped names, and the decoding of what it finds.
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
	struct val v[8];
	const char *err, *t;
	char *line = fuzz_copy(data, size);
	size_t i, n;
	double d;

	for (i = 0; i < 8; i++)
		fieldset_add(&fs, names[i], strlen(names[i]));
	if (json_parse(line, size, &fs, v, &err) == PARSE_OK)
		for (i = 0; i < fs.n; i++) {
			t = val_text(&v[i], &scratch, &n);
			if (t != NULL)
				utf8_valid(t, n);
			val_num(&v[i], &d, NULL, NULL);
		}
	json_skip_value(line, line + size, &err);
	buf_release(&scratch);
	fieldset_release(&fs);
	free(line);
	return 0;
}
