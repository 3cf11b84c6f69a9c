/*
 * fuzz.h - what the libFuzzer targets share: each target is one file
 * that defines LLVMFuzzerTestOneInput over one parser, and copies the
 * input so that reading one byte past it is caught by AddressSanitizer.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A heap copy of exactly size bytes (none past it), for the parsers. */
static inline char *
fuzz_copy(const uint8_t *data, size_t size)
{
	char *p = malloc(size ? size : 1);

	if (p == NULL)
		abort();
	memcpy(p, data, size);
	return p;
}

#endif
