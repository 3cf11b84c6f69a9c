/*
 * fuzz_time.c - every time format, strptime-like patterns and durations.
 * The first byte picks the format; with a pattern, the text up to the
 * first NUL is the pattern and the rest the time.
 */
#include "fuzz.h"
#include "clock.h"
#include "time.h"
#include "timefmt.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = { "auto", "rfc3339", "epoch",
	    "epoch-ms", "epoch-us", "epoch-ns", "clf", "syslog" };
	struct timefmt tf;
	char *text, *s;
	const char *nul;
	evtime t;
	int64_t us;
	size_t k;

	if (size == 0)
		return 0;
	text = fuzz_copy(data + 1, size - 1);
	k = data[0] % 10;
	if (k < 8) {
		if (timefmt_init(&tf, kinds[k], wall_now()) == 0) {
			time_parse(&tf, text, size - 1, &t);
			timefmt_release(&tf);
		}
	} else if (k == 8 && (nul = memchr(text, 0, size - 1)) != NULL) {
		if (timefmt_init(&tf, text, wall_now()) == 0) {
			time_parse(&tf, nul + 1, size - 1 - (size_t)(nul + 1 - text), &t);
			timefmt_release(&tf);
		}
	} else {
		s = malloc(size);
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		duration_parse(s, &us);
		free(s);
	}
	free(text);
	return 0;
}
