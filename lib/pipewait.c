/*
 * pipewait.c - the waits of the events in a pipe (see pipewait.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pipewait.h"

void
pipewait_init(struct pipewait *w)
{
	memset(w, 0, sizeof *w);
}

void
pipewait_release(struct pipewait *w)
{
	free(w->ring);
	pipewait_init(w);
}

int
pipewait_stamp(struct pipewait *w, uint64_t end, int64_t t)
{
	if (w->n == PIPEWAIT_RING) {
		w->unstamped++;
		return 0;
	}
	if (w->ring == NULL)
		w->ring = xcalloc(PIPEWAIT_RING, sizeof *w->ring);
	w->ring[(w->head + w->n++) % PIPEWAIT_RING] =
	    (struct pipewait_stamp){ end, t };
	return 1;
}

size_t
pipewait_read(struct pipewait *w, uint64_t consumed, int64_t now,
    struct summary *s)
{
	size_t k = 0;

	while (w->n > 0 && w->ring[w->head].end <= consumed) {
		summary_add(s, (double)(now - w->ring[w->head].t) / 1e6);
		w->head = (w->head + 1) % PIPEWAIT_RING;
		w->n--;
		k++;
	}
	return k;
}

void
pipewait_clear(struct pipewait *w)
{
	w->head = w->n = 0;
}

int
pipewait_next(const struct pipewait *w, uint64_t written, int64_t now)
{
	int64_t ms;

	if (w->n == 0 || w->ring[w->head].end > written)
		return -1;
	ms = (now - w->ring[w->head].t) / 8000;
	return ms < 1 ? 1 : ms > 1000 ? 1000 : (int)ms;
}
