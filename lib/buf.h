/*
 * buf.h - growable byte buffers and the allocation policy.
 *
 * A struct buf owns its bytes.  Invariants, after buf_init or BUF_INIT:
 * data is never NULL (it points at a shared empty string until the first
 * growth), len < cap whenever cap > 0, and data[len] == '\0', so the
 * contents can always be handed to a C string function.  buf_detach hands
 * the allocation to the caller and leaves the buffer empty.  Pointers into
 * data are invalidated by any call that may grow the buffer.
 *
 * Allocation failure is not recoverable in a filter: xmalloc and friends
 * print "PROG: out of memory" and exit 1.
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b);
/* Free the bytes and return to the BUF_INIT state. */
void buf_release(struct buf *b);
/* Make room for extra more bytes (plus the terminating NUL). */
void buf_grow(struct buf *b, size_t extra);
/* Empty the buffer, keeping its allocation. */
void buf_reset(struct buf *b);
static inline void buf_add(struct buf *b, const void *p, size_t n);
static inline void buf_addc(struct buf *b, int c);
void buf_addstr(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Hand the allocation to the caller (free() it); *len may be NULL. */
char *buf_detach(struct buf *b, size_t *len);

/* What the x functions do when memory runs out: exit 1, saying so. */
void oom(void) __attribute__((noreturn));
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xmemdup(const void *p, size_t n);	/* adds a NUL */
/*
 * n bytes on cache lines of their own (CACHE_LINE aligned, the size
 * rounded up), for what one thread reads at every record while another
 * writes its own data: malloc's neighbours would share the lines.
 * free() it.
 */
#define CACHE_LINE 64
void *xmalloc_lines(size_t n);
/* Grow an array of nmemb elements of size to at least want elements. */
void *xgrowarray(void *p, size_t *nmemb, size_t want, size_t size);

/* Inline: the record writers call these per byte and per field. */
static inline void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->cap - b->len <= n)
		buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static inline void
buf_addc(struct buf *b, int c)
{
	if (b->cap - b->len <= 1)
		buf_grow(b, 1);
	b->data[b->len++] = (char)c;
	b->data[b->len] = '\0';
}

/* Ask the cache for the line at p, for memory the caller reads soon (a
 * hint: no effect on what any read returns). */
static inline void
mem_prefetch(const void *p)
{
#if defined(__GNUC__) || defined(__clang__)
	__builtin_prefetch(p);
#else
	(void)p;
#endif
}

#endif
