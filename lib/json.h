/*
 * json.h - JSON text: finding fields in one line without building a tree
 * (json_parse, one of lib/parser's finders), and the small
 * pieces other modules need to read JSON they did not parse as a record.
 *
 * The finder reads the top-level object strictly (keys, colons, commas,
 * values) and skips nested values it does not need, checking only that
 * their strings end and their brackets balance.  A key may occur twice:
 * the first occurrence wins (so the finder may stop looking once it has
 * every field it wants).  Nested objects are reached by
 * dotted paths ("a.b.c"); a top-level key that itself holds a dot
 * ("a.b") matches the same path.  Nothing is allocated per line.
 * A line a streamkit tool upstream checked (a trusted fieldset's) is
 * not checked again: its fields are found by their bytes where that can
 * tell (json_key_at), and the walk stops at the last one.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#include "record.h"

/* Nesting deeper than this is reported as "nesting too deep". */
#define JSON_MAX_DEPTH 4096

/*
 * json_parse by the member walk alone: json_parse tries a quicker walk
 * over a mask of the line's quotes first, and hands the line over when it
 * cannot vouch for it.  The two must agree on every line; this is the
 * reference the tests hold json_parse to.
 */
int json_parse_walk(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err);

/*
 * The integer that ends line[0..len) as ,"NAME":-123} (f's name, its
 * bytes as they are), as a trusted fieldset's tail is read: its text in
 * *v (VAL_NUM), 1; 0 when the line does not end so.  The rest of the
 * line is not looked at, not even its first brace: the caller does.
 */
int json_tail(const char *line, size_t len, const struct field *f,
    struct val *v);

/*
 * Where the value of top-level member f starts in the object line[0..len)
 * a streamkit tool wrote (a trusted fieldset's line), found by the bytes
 * "NAME": alone, without reading the members before it; NULL when they
 * cannot tell (a backslash before them, or a blank or bracket outside a
 * string, a name with a dot or one JSON escapes) or there is no such
 * key.  In a line that holds together it is the member the walk finds.
 * json_parse of a trusted line walks the members only where the bytes
 * could not tell: a line that ends in its closing brace with none of
 * those has no such member, and the field is left missing unwalked.
 */
const char *json_key_at(const char *line, size_t len, const struct field *f);
/* Lines of this thread whose one wanted field json_parse read at once,
 * as the line's first member, so far: for the tests, which hold the
 * quick way to the lines it is for. */
unsigned long json_first_lines(void);
/* 1: json_key_at takes 16 bytes a step even where the processor takes
 * 32, and the check of a line's rest 64 bytes as four SSE2 blocks even
 * where it takes them at once (for the tests, which try both); 0, the
 * default: the widest. */
void json_narrow(int on);

/*
 * Skip one JSON value starting at p (after blanks); returns a pointer
 * just past it, or NULL with *err set.  Never reads at or past e.
 */
const char *json_skip_value(const char *p, const char *e, const char **err);

/*
 * Call fn for each top-level member of the object line[0..len): the key
 * and the value as JSON text (strings with their quotes), in order.
 * Returns 0, or -1 when the line is not an object that holds together.
 */
int json_each(const char *line, size_t len,
    void (*fn)(void *arg, const char *key, size_t klen, int kesc,
    const char *val, size_t vlen), void *arg);

/* Fill v[slot] for every slot of fs from the JSON object line: PARSE_OK,
 * or PARSE_ERROR with a short static message in *err. */
int json_parse(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err);
/* json_parse with scratch to decode escaped keys in, for a thread of its
 * own (json_parse keeps one for the first thread's callers). */
int json_parse_with(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err, struct buf *scratch);

#endif
