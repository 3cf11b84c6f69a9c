/*
 * winstate.c - open windows and their aggregates (see winstate.h).
 */
#include <stdlib.h>
#include <string.h>

#include "winstate.h"

void
winstate_init(struct winstate *s, const struct aggspec *spec, size_t nspec,
    const int *keyslot, char *const *keyname, size_t nkey)
{
	memset(s, 0, sizeof *s);
	s->spec = spec;
	s->nspec = nspec;
	s->keyslot = keyslot;
	s->keyname = keyname;
	s->nkey = nkey;
}

void
winstate_release(struct winstate *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		aggtab_release(&s->open[i].tab);
	free(s->open);
	s->open = NULL;
	s->n = s->cap = 0;
}

static int
cmp(const struct window *a, const struct window *b)
{
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return 0;
}

struct aggtab *
winstate_get(struct winstate *s, const struct window *w)
{
	size_t lo = 0, hi = s->n;
	struct open_window *o;

	/* most records fall in the newest window: try the back first */
	if (s->n && cmp(&s->open[s->n - 1].w, w) == 0)
		return &s->open[s->n - 1].tab;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp(&s->open[mid].w, w);

		if (c == 0)
			return &s->open[mid].tab;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	s->open = xgrowarray(s->open, &s->cap, s->n + 1, sizeof *s->open);
	o = &s->open[lo];
	memmove(o + 1, o, (s->n - lo) * sizeof *o);
	s->n++;
	o->w = *w;
	aggtab_init(&o->tab, s->spec, s->nspec, s->keyslot, s->keyname,
	    s->nkey);
	o->tab.max_groups = s->max_groups;
	return &o->tab;
}

size_t
winstate_fire(struct winstate *s, evtime wm,
    void (*emit)(void *arg, const struct window *w, struct aggtab *t),
    void *arg)
{
	size_t k = 0, i;

	while (k < s->n && s->open[k].w.end <= wm) {
		emit(arg, &s->open[k].w, &s->open[k].tab);
		aggtab_release(&s->open[k].tab);
		k++;
	}
	if (k == 0)
		return 0;
	for (i = k; i < s->n; i++)
		s->open[i - k] = s->open[i];
	s->n -= k;
	return k;
}
