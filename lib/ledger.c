/*
 * ledger.c - the error policy and the ledger (see ledger.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "ledger.h"

static const char *const on_error_names[] = { "warn", "skip", "fail" };

int
on_error_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof on_error_names / sizeof on_error_names[0]; i++)
		if (strcmp(name, on_error_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *
on_error_name(int policy)
{
	return policy >= 0 && policy <= ON_ERROR_FAIL ?
	    on_error_names[policy] : "?";
}

void
ledger_init(struct ledger *l, const char *kept_name)
{
	memset(l, 0, sizeof *l);
	l->kept_name = kept_name;
}

int
ledger_reject(struct ledger *l, const char *file, uintmax_t line,
    const char *text, size_t len, const char *fmt, ...)
{
	char msg[512], ex[DIAG_EXCERPT_SIZE];
	va_list ap;

	l->rejected++;
	if (l->rejects && text != NULL) {
		out_write(l->rejects, text, len);
		out_putc(l->rejects, '\n');
	}
	if (l->on_error == ON_ERROR_SKIP)
		return 0;
	l->status = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (text == NULL)
		diag_at(file, line, "%s", msg);
	else
		diag_at(file, line, "%s: %s", msg, diag_excerpt(ex, text, len));
	return l->on_error == ON_ERROR_FAIL ? -1 : 0;
}

void
ledger_print(const struct ledger *l)
{
	fprintf(stderr, "%s: stats read=%ju %s=%ju filtered=%ju rejected=%ju "
	    "late=%ju written=%ju\n", diag_prog, l->read, l->kept_name, l->kept,
	    l->filtered, l->rejected, l->late, l->written);
}

void
ledger_warn_dropped(const struct ledger *l)
{
	if (l->late > 0)
		diag_warn("%ju late record%s dropped; --late-output keeps %s",
		    l->late, l->late == 1 ? "" : "s",
		    l->late == 1 ? "it" : "them");
}
