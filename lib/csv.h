/*
 * csv.h - split a CSV (RFC 4180) or TSV line into cells, zero-copy.  A
 * cell is a slice of the line: surrounding quotes are stripped, but
 * doubled quotes (CSV) and backslash escapes (TSV) stay in place and are
 * only flagged in esc, for val_text() to decode if a tool wants the text.
 * This module owns cell boundaries only; the header and the column map
 * are lib/parser's.  Nothing is allocated and no byte past the line is
 * read.
 */
#ifndef CSV_H
#define CSV_H

#include <stddef.h>

#include "record.h"

/* Split a CSV (sep ',') or TSV (sep '\t') line into cells, storing the
 * first max in cells; returns the number of cells in the whole line, or
 * PARSE_MORE (CSV: a quoted cell is still open at the end) or
 * PARSE_ERROR with a short static message in *err. */
long csv_split(const char *line, size_t len, int tsv, struct val *cells,
    size_t max, const char **err);

#endif
