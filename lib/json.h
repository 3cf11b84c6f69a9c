/*
 * json.h - JSON text: finding fields in one line without building a tree
 * (json_parse, declared in record.h with the other finders), and the small
 * pieces other modules need to read JSON they did not parse as a record.
 *
 * The finder reads the top-level object strictly (keys, colons, commas,
 * values) and skips nested values it does not need, checking only that
 * their strings end and their brackets balance.  A key may occur twice:
 * the first occurrence wins (so the finder may stop looking once it has
 * every field it wants).  Nested objects are reached by
 * dotted paths ("a.b.c"); a top-level key that itself holds a dot
 * ("a.b") matches the same path.  Nothing is allocated per line.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#include "record.h"

/* Nesting deeper than this is reported as "nesting too deep". */
#define JSON_MAX_DEPTH 4096

/*
 * Skip one JSON value starting at p (after blanks); returns a pointer
 * just past it, or NULL with *err set.  Never reads at or past e.
 */
const char *json_skip_value(const char *p, const char *e, const char **err);

#endif
