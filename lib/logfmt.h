/*
 * logfmt.h - find wanted fields in a logfmt line (key=value pairs
 * separated by blanks) in one pass, zero-copy.  A quoted value keeps its
 * backslash escapes in place, flagged ESC_LOGFMT for val_text(); a bare
 * key is the boolean true; the last of duplicate keys wins.  The whole
 * line is checked even once every wanted field is found, so that a
 * malformed line is rejected whatever the tool asks for.  Owns nothing.
 */
#ifndef LOGFMT_H
#define LOGFMT_H

#include <stddef.h>

#include "record.h"

/* Fill v[slot] for every slot of fs: PARSE_OK, or PARSE_ERROR with a
 * short static message in *err. */
int logfmt_parse(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err);
/* Call fn with each field of the line, in order: 0, or -1 when the line
 * does not read (json_each in json.h does it for JSON). */
int logfmt_each(const char *line, size_t len, void (*fn)(void *arg,
    const char *name, size_t nlen, const struct val *v), void *arg);

#endif
