/*
 * pred.h - the predicate language of --where and event-route's rules.
 *
 *   expr   := or
 *   or     := and { "or" and }
 *   and    := not { "and" not }
 *   not    := "not" not | "(" expr ")" | "has" FIELD | FIELD OP VALUE
 *   OP     := == != < <= > >= ~ !~
 *   VALUE  := number | "string" | 'string' | true | false | null | bareword
 *
 * "&&", "||" and "!" are accepted for and, or, not.  A comparison is
 * numeric when both sides are numbers, else it compares the decoded text
 * bytewise.  ~ and !~ match a POSIX extended regular expression.  Any
 * comparison with a missing field is false, != and !~ included; "has"
 * tests presence.
 *
 * pred_compile adds the fields it reads to the caller's fieldset and owns
 * everything it allocates; pred_free releases it.
 */
#ifndef PRED_H
#define PRED_H

#include <stddef.h>

#include "buf.h"
#include "record.h"

struct pred;

/*
 * Compile expr.  On error returns NULL and writes to err (errlen bytes) a
 * message that names the position, as "at 12: expected a value after '=='".
 */
struct pred *pred_compile(const char *expr, struct fieldset *fs, char *err,
    size_t errlen);
/* 1 when rec matches, else 0.  scratch is used for decoding and reset by
 * the caller as it likes; pred_eval only appends to it. */
int pred_eval(const struct pred *p, const struct record *rec,
    struct buf *scratch);
void pred_free(struct pred *p);

#endif
