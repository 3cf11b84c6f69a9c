/*
 * text.h - find wanted fields in plain text and in web server access
 * logs, zero-copy.  Text is split awk style into blank-separated words
 * named by their number ("0" is the whole line).  Common and combined log
 * lines (Apache, nginx) are checked part by part, strictly enough to
 * tell them from other text, and their parts are named (host, status,
 * agent, ...); quoted parts keep their backslash escapes in place,
 * flagged ESC_LOGFMT for val_text().  Owns nothing.
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

#include "record.h"

/* Each fills v[slot] for every slot of fs: PARSE_OK, or PARSE_ERROR with
 * a short static message in *err. */
int text_parse(const char *line, size_t len, const struct fieldset *fs,
    struct val *v, const char **err);
int clf_parse(const char *line, size_t len, int combined,
    const struct fieldset *fs, struct val *v, const char **err);
/* Call fn with each part of a web server log line, and its trailing
 * key=value pairs, in order: 0, or -1 when the line is not one. */
int clf_each(const char *line, size_t len, int combined, void (*fn)(void *arg,
    const char *name, size_t nlen, const struct val *v), void *arg);

#endif
