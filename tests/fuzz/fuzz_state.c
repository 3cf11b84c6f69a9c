/*
 * fuzz_state.c - --state files: loading any bytes, walking the lines,
 * resuming the inputs it names, and saving it again.
 */
#include <stdio.h>
#include <unistd.h>

#include "fuzz.h"
#include "state.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[] = "/tmp/fuzz_state.XXXXXX";
	static int made;
	struct state s;
	struct state_piece piece[2];
	char err[256], *file;
	const char *kw, *rest;
	size_t pos = 0, kl, rl, i;
	FILE *f;
	int n, k;

	if (!made) {
		int fd = mkstemp(path);

		if (fd < 0)
			abort();
		close(fd);
		made = 1;
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	state_init(&s);
	if (state_load(&s, path, "stream-agg", err, sizeof err) == 0) {
		while (state_next(&s, &pos, &kw, &kl, &rest, &rl))
			;
		for (i = 0; i < s.nin; i++) {
			/* only files under /nonexistent: nothing is opened */
			file = malloc(strlen(s.in[i].path) + 13);
			strcpy(file, "/nonexistent");
			strcat(file, s.in[i].path);
			n = state_resume(&s.in[i], file, piece);
			for (k = 0; k < n; k++) {
				close(piece[k].fd);
				free(piece[k].name);
			}
			free(file);
		}
		state_save(&s, path, "stream-agg", err, sizeof err);
	}
	state_release(&s);
	return 0;
}
