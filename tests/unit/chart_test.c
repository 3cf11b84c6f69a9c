/*
 * chart_test.c - lib/chart: a window's bars (scaled to the width, in
 * eighths or in ASCII, negative values, zero, keys cut), its title, the
 * sparklines at the end (gaps, one window, none, downsampled past
 * CHART_POINTS windows), and the locale and width it draws for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "check.h"
#include "testio.h"

static FILE *file;
static struct out o;
static struct chart c;
static char *start_name = "s", *end_name = "e";

static void
open_chart(size_t width, int utf8)
{
	static const char *const other[] = { "sum" };

	file = tmpfile();
	out_init(&o, fileno(file), "chart");
	chart_init(&c, &o, "count", &start_name, &end_name, other, 1);
	c.width = width;
	c.utf8 = utf8;
}

static const char *
close_chart(void)
{
	out_flush(&o);
	chart_release(&c);
	out_release(&o);
	return drain(file);
}

/*
 * Records as lines of name=value fields separated by '|', as stream-agg
 * writes them; a line "." ends a window (stream-agg's table is written),
 * "$" ends the input.
 */
static void
feed(const char *spec)
{
	char line[512], *p, *f, *eq;

	while (*spec) {
		size_t n = strcspn(spec, "\n");

		memcpy(line, spec, n);
		line[n] = '\0';
		spec += n + (spec[n] == '\n');
		if (strcmp(line, ".") == 0) {
			chart_window_end(&c);
			continue;
		}
		if (strcmp(line, "$") == 0) {
			chart_finish(&c);
			continue;
		}
		c.sink.begin(c.sink.arg);
		for (p = line; (f = strsep(&p, "|")) != NULL;) {
			eq = strchr(f, '=');
			c.sink.field(c.sink.arg, f, (size_t)(eq - f), eq + 1,
			    strlen(eq + 1), OV_STR);
		}
		c.sink.end(c.sink.arg);
	}
}

static const struct {
	const char *what;
	size_t width;
	int utf8;
	const char *in, *out;
} cases[] = {
	{ "ASCII bars: the largest fills the room, the rest in proportion",
	  30, 0,
	  "s=A|e=B|k=a|count=10|sum=7\ns=A|e=B|k=bb|count=5|sum=1\n.",
	  "count, A to B\n"
	  "a  10 ########################\n"
	  "bb  5 ############\n" },
	{ "UTF-8 bars in eighths of a cell",
	  20, 1,
	  "s=A|e=B|k=a|count=16\ns=A|e=B|k=b|count=1\n.",
	  "count, A to B\n"
	  "a 16 \u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588"
	  "\u2588\u2588\u2588\u2588\u2588\n"
	  "b  1 \u2588\n" },
	{ "a value of 0 has no bar; a tiny one is still seen",
	  24, 1,
	  "s=A|e=B|k=a|count=1000\ns=A|e=B|k=b|count=0\n"
	  "s=A|e=B|k=c|count=1\n.",
	  "count, A to B\n"
	  "a 1000 \u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588"
	  "\u2588\u2588\u2588\u2588\u2588\u2588\u2588\n"
	  "b    0\n"
	  "c    1 \u258f\n" },
	{ "negative values: their magnitude, drawn apart",
	  24, 0,
	  "s=A|e=B|k=up|count=8\ns=A|e=B|k=down|count=-4\n.",
	  "count, A to B\n"
	  "up    8 ################\n"
	  "down -4 --------\n" },
	{ "negative values in UTF-8: light shade",
	  20, 1,
	  "s=A|e=B|k=d|count=-2\n.",
	  "count, A to B\n"
	  "d -2 \u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591\u2591"
	  "\u2591\u2591\u2591\u2591\u2591\n" },
	{ "all zero: no bars, nothing divided by zero",
	  20, 0,
	  "s=A|e=B|k=a|count=0\n.",
	  "count, A to B\na 0\n" },
	{ "a value that is not a number: a dash, no bar",
	  20, 0,
	  "s=A|e=B|k=a|count=\ns=A|e=B|k=b|count=2\n.",
	  "count, A to B\n"
	  "a -\n"
	  "b 2 ################\n" },
	{ "a long key is cut to two fifths of the width",
	  20, 0,
	  "s=A|e=B|k=abcdefghijklmnop|count=3\n.",
	  "count, A to B\n"
	  "abcdefg~ 3 #########\n" },
	{ "the title drops the end, then the start, to fit",
	  20, 0,
	  "s=2026-11-24T10:00|e=2026-11-24T10:01|k=a|count=1\n.",
	  "count\n"
	  "a 1 ################\n" },
	{ "no key fields: the key is the field's name",
	  20, 0,
	  "s=A|e=B|count=3\n.",
	  "count, A to B\n"
	  "count 3 ############\n" },
	{ "two key fields, joined by a blank",
	  20, 0,
	  "s=A|e=B|m=GET|k=200|count=3\n.",
	  "count, A to B\n"
	  "GET 200 3 ##########\n" },
	{ "a new window's bounds end the one before",
	  20, 0,
	  "s=A|e=B|k=a|count=1\ns=B|e=C|k=a|count=2\n.",
	  "count, A to B\n"
	  "a 1 ################\n"
	  "\n"
	  "count, B to C\n"
	  "a 2 ################\n" },
	{ "a retraction is not charted",
	  20, 0,
	  "s=A|e=B|k=a|count=9|retract=true\ns=A|e=B|k=a|count=2\n.",
	  "count, A to B\n"
	  "a 2 ################\n" },
	{ "sparklines: one per key, its gaps blank, min and max",
	  40, 0,
	  "s=A|e=B|k=a|count=1\ns=A|e=B|k=b|count=5\n.\n"
	  "s=B|e=C|k=a|count=8\n.\n"
	  "s=C|e=D|k=a|count=4\ns=C|e=D|k=b|count=6\n.\n$",
	  "count, A to B\n"
	  "a 1 #######\n"
	  "b 5 ####################################\n"
	  "\n"
	  "count, B to C\n"
	  "a 8 ####################################\n"
	  "\n"
	  "count, C to D\n"
	  "a 4 ########################\n"
	  "b 6 ####################################\n"
	  "\n"
	  "count, 3 windows, A to D\n"
	  "a .@= min 1 max 8\n"
	  "b . @ min 5 max 6\n" },
	{ "sparklines in UTF-8; one window is mid-height",
	  40, 1,
	  "s=A|e=B|k=a|count=3\n.\n$",
	  "count, A to B\n"
	  "a 3 \u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588"
	  "\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588"
	  "\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588\u2588"
	  "\u2588\u2588\u2588\u2588\u2588\u2588\n"
	  "\n"
	  "count, 1 window, A to B\n"
	  "a \u2584 min 3 max 3\n" },
	{ "the same window again (an early pane, then on time): once, last",
	  40, 0,
	  "s=A|e=B|k=a|count=1\n.\ns=A|e=B|k=a|count=4\n.\n"
	  "s=B|e=C|k=a|count=2\n.\n$",
	  "count, A to B\n"
	  "a 1 ####################################\n"
	  "\n"
	  "count, A to B\n"
	  "a 4 ####################################\n"
	  "\n"
	  "count, B to C\n"
	  "a 2 ####################################\n"
	  "\n"
	  "count, 2 windows, A to C\n"
	  "a @. min 2 max 4\n" },
	{ "a window again after another (a late pane): its last value",
	  20, 0,
	  "s=A|e=B|k=a|count=1\n.\ns=B|e=C|k=a|count=5\n.\n"
	  "s=A|e=B|k=a|count=3\n.\n$",
	  "count, A to B\n"
	  "a 1 ################\n"
	  "\n"
	  "count, B to C\n"
	  "a 5 ################\n"
	  "\n"
	  "count, A to B\n"
	  "a 3 ################\n"
	  "\n"
	  "count, 2 windows, A\n"
	  "a .@ min 3 max 5\n" },
	{ "no window: nothing at all",
	  40, 1,
	  "$",
	  "" },
	{ "the end of input ends the window being taken",
	  20, 0,
	  "s=A|e=B|k=a|count=2\n$",
	  "count, A to B\n"
	  "a 2 ################\n"
	  "\n"
	  "count, 1 window, A\n"
	  "a = min 2 max 2\n" },
};

static void
test_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got;

		open_chart(cases[i].width, cases[i].utf8);
		feed(cases[i].in);
		got = close_chart();
		if (strcmp(got, cases[i].out) != 0)
			fprintf(stderr, "case: %s\n", cases[i].what);
		CHECK_STR(got, cases[i].out);
	}
}

/* Past CHART_POINTS windows, points merge in pairs: the sparkline fits
 * the width, and its minimum and maximum stay exact. */
static void
test_many_windows(void)
{
	char rec[128];
	const char *got, *last;
	int i, n = CHART_POINTS * 3 + 5;

	open_chart(60, 0);
	for (i = 0; i < n; i++) {
		snprintf(rec, sizeof rec, "s=%d|e=%d|k=a|count=%d\n.", i, i + 1,
		    i == 100 ? -7 : i == 500 ? 1000 : i % 10);
		feed(rec);
	}
	CHECK_INT(c.span, 4);
	CHECK_INT(c.nwin, n);
	feed("$");
	got = close_chart();
	last = strrchr(got, '\n');
	while (last > got && last[-1] != '\n')
		last--;
	CHECK(strstr(last, " min -7 max 1000\n") != NULL);
	CHECK_INT(strchr(last, '\n') - last, 60);
}

/* More keys than CHART_KEYS: the rest have bars, not sparklines. */
static void
test_many_keys(void)
{
	char rec[128];
	const char *got;
	int i;

	open_chart(40, 0);
	for (i = 0; i < CHART_KEYS + 3; i++) {
		snprintf(rec, sizeof rec, "s=A|e=B|k=%d|count=1", i);
		feed(rec);
	}
	feed(".\n$");
	CHECK_INT(c.nseries, CHART_KEYS);
	got = close_chart();
	CHECK(strstr(got, "\n1002 1 #") != NULL);
	CHECK(strstr(got, "\n1002 = ") == NULL);
	CHECK(strstr(got, "\n(keys past the first 1000: no sparkline)\n") !=
	    NULL);
}

static const struct {
	const char *lc_all, *lc_ctype, *lang;
	int utf8;
} locales[] = {
	{ NULL, NULL, NULL, 0 },
	{ "C", NULL, "en_US.UTF-8", 0 },		/* LC_ALL wins */
	{ "", "C.UTF-8", "C", 1 },			/* empty: not set */
	{ NULL, NULL, "en_US.utf8", 1 },
	{ NULL, NULL, "de_DE.UTF-8@euro", 1 },
	{ NULL, "POSIX", "en_US.UTF-8", 0 },
	{ "en_US.ISO-8859-1", NULL, NULL, 0 },
	{ "C.utf-8", NULL, NULL, 1 },
	{ "UTF-8", NULL, NULL, 0 },			/* no codeset */
	{ "xx.utf-80", NULL, NULL, 0 },
};

static void
set(const char *name, const char *v)
{
	if (v)
		setenv(name, v, 1);
	else
		unsetenv(name);
}

static void
test_locale(void)
{
	size_t i;

	for (i = 0; i < sizeof locales / sizeof locales[0]; i++) {
		set("LC_ALL", locales[i].lc_all);
		set("LC_CTYPE", locales[i].lc_ctype);
		set("LANG", locales[i].lang);
		CHECK_INT(chart_utf8_locale(), locales[i].utf8);
	}
}

static void
test_width(void)
{
	FILE *f = tmpfile();

	setenv("COLUMNS", "50", 1);
	CHECK_INT(chart_term_width(fileno(f)), 50);
	setenv("COLUMNS", "5", 1);
	CHECK_INT(chart_term_width(fileno(f)), CHART_MIN_WIDTH);
	setenv("COLUMNS", "12x", 1);	/* not a number: the terminal's */
	CHECK(chart_term_width(fileno(f)) >= CHART_MIN_WIDTH);
	unsetenv("COLUMNS");
	fclose(f);
}

int
main(void)
{
	test_cases();
	test_many_windows();
	test_many_keys();
	test_locale();
	test_width();
	return check_done("chart");
}
