/*
 * fuzz_formats.c - logfmt, CSV, TSV, text and access-log lines, the
 * format guesser, and the decoding of each value found.  The first byte
 * picks the format.  The field enumerators (logfmt_each, clf_each) must
 * agree with the parsers on which lines read.
 */
#include "fuzz.h"
#include "csv.h"
#include "json.h"
#include "logfmt.h"
#include "parser.h"
#include "record.h"
#include "text.h"

/* Touch every byte of a field, as the EVENT_ variables do. */
static void
each_field(void *arg, const char *name, size_t nlen, const struct val *v)
{
	struct buf *scratch = arg;
	size_t n;

	(void)name;
	(void)nlen;
	val_text(v, scratch, &n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "level", "msg", "1", "3",
	    "status", "time", "a b", "request" };
	struct fieldset fs = FIELDSET_INIT;
	struct buf scratch = BUF_INIT;
	struct val v[8], cells[4];
	const char *err, *t;
	char *line;
	size_t i, n;
	int rc = PARSE_ERROR;

	if (size == 0)
		return 0;
	line = fuzz_copy(data + 1, size - 1);
	size--;
	for (i = 0; i < 8; i++)
		fieldset_add(&fs, names[i], strlen(names[i]));
	switch (data[0] % 7) {
	case 0:
		rc = logfmt_parse(line, size, &fs, v, &err);
		if ((logfmt_each(line, size, each_field, &scratch) == 0) !=
		    (rc == PARSE_OK))
			abort();
		break;
	case 1:
		rc = text_parse(line, size, &fs, v, &err);
		break;
	case 2:
	case 3:
		rc = clf_parse(line, size, data[0] % 7 == 2, &fs, v, &err);
		if ((clf_each(line, size, data[0] % 7 == 2, each_field,
		    &scratch) == 0) != (rc == PARSE_OK))
			abort();
		break;
	case 4:
	case 5: {
		long nc = csv_split(line, size, data[0] % 7 == 5, cells, 4,
		    &err);

		for (i = 0; nc > 0 && i < (size_t)nc && i < 4; i++)
			val_text(&cells[i], &scratch, &n);
		break;
	}
	case 6:
		fmt_detect(line, size);
		break;
	}
	if (rc == PARSE_OK)
		for (i = 0; i < fs.n; i++)
			if ((t = val_text(&v[i], &scratch, &n)) != NULL)
				utf8_valid(t, n);
	buf_release(&scratch);
	fieldset_release(&fs);
	free(line);
	return 0;
}
