/*
 * fuzz_pred.c - the predicate language: compiling any text, and running
 * what compiles against a fixed record.
 */
#include "fuzz.h"
#include "json.h"
#include "pred.h"
#include "record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char line[] = "{\"level\":\"error\",\"status\":503,"
	    "\"a\":{\"b\":\"x\\u00e9\"},\"n\":null,\"t\":true,\"f\":1.5e3}";
	struct fieldset fs = FIELDSET_INIT;
	struct buf scratch = BUF_INIT;
	struct val v[64];
	struct record rec = { line, sizeof line - 1, "f", 1, v };
	const char *perr;
	char err[200], *expr = malloc(size + 1);
	struct pred *p;

	memcpy(expr, data, size);
	expr[size] = '\0';
	p = pred_compile(expr, &fs, err, sizeof err);
	if (p != NULL && fs.n <= 64 &&
	    json_parse(line, sizeof line - 1, &fs, v, &perr) == PARSE_OK)
		pred_eval(p, &rec, &scratch);
	pred_free(p);
	buf_release(&scratch);
	fieldset_release(&fs);
	free(expr);
	return 0;
}
