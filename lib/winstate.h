/*
 * winstate.h - the open windows of a stream and the aggregates of each.
 *
 * A struct winstate owns one aggtab per open window, kept in order of
 * end, then start, so that firing takes windows from the front: a window
 * fires when the watermark reaches its end, and its state is freed then.
 * Memory is bounded by open windows times groups, never by records.
 */
#ifndef WINSTATE_H
#define WINSTATE_H

#include "agg.h"
#include "window.h"

struct open_window {
	struct window w;
	struct aggtab tab;
};

struct winstate {
	const struct aggspec *spec;
	size_t nspec;
	const int *keyslot;
	char *const *keyname;
	size_t nkey, max_groups;
	struct open_window *open;	/* by end, then start */
	size_t n, cap;
};

void winstate_init(struct winstate *s, const struct aggspec *spec,
    size_t nspec, const int *keyslot, char *const *keyname, size_t nkey);
void winstate_release(struct winstate *s);
/* The aggregates of window w, opening it when it is not open. */
struct aggtab *winstate_get(struct winstate *s, const struct window *w);
/*
 * Fire, in end order, every window whose end is at or before wm: call
 * emit for it, then free it.  Returns how many fired.
 */
size_t winstate_fire(struct winstate *s, evtime wm,
    void (*emit)(void *arg, const struct window *w, struct aggtab *t),
    void *arg);

#endif
