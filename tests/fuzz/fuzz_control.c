/*
 * fuzz_control.c - control lines: punctuation, strategy lines, and the
 * exact-sum text of partial state.
 */
#include "fuzz.h"
#include "fsum.h"
#include "punct.h"
#include "strategy.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct punct p;
	struct strategy st;
	struct fsum f;
	struct buf b = BUF_INIT;
	const char *err;
	char why[256], *line = fuzz_copy(data, size);

	if (punct_parse(line, size, &p, &err) == 0)
		punct_write(&b, &p);
	strategy_init(&st);
	if (strategy_parse(&st, line, size, why, sizeof why) == 0)
		strategy_write(&b, &st);
	strategy_release(&st);
	if (fsum_parse(&f, line, size) == 0) {
		fsum_write(&b, &f);
		(void)fsum_value(&f);
		fsum_release(&f);
	}
	buf_release(&b);
	free(line);
	return 0;
}
