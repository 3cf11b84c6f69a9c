/*
 * prom_test.c - the Prometheus text format: families, labels and their
 * escapes, values, summaries from a sketch, and the atomic commit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "prom.h"

static const struct {
	double v;
	const char *text;
} values[] = {
	{ 0, "0" }, { 42, "42" }, { -7, "-7" }, { 2000000, "2000000" },
	{ 0.25, "0.25" }, { 1e-6, "1e-06" }, { 0.1, "0.1" },
	{ 1e300, "1e+300" }, { NAN, "NaN" }, { INFINITY, "+Inf" },
	{ -INFINITY, "-Inf" },
};

static void
test_values(void)
{
	size_t i;

	for (i = 0; i < sizeof values / sizeof values[0]; i++) {
		struct prom p;
		char want[128];

		prom_init(&p, "t");
		prom_sample(&p, "x", NULL, values[i].v);
		snprintf(want, sizeof want, "x{tool=\"t\"} %s\n",
		    values[i].text);
		CHECK_MEM(p.text.data, p.text.len, want);
		prom_release(&p);
	}
}

static void
test_families(void)
{
	const char *const rule[] = { "rule", "1", NULL };
	const char *const odd[] = { "rule", "a \"q\" \\ b\nc", "x", "y",
	    NULL };
	struct prom p;

	prom_init(&p, "event-route");
	prom_family(&p, "streamkit_records_read_total", "counter",
	    "Records read, control lines not counted.\nA \\ too.");
	prom_sample(&p, "streamkit_records_read_total", NULL, 12);
	prom_family(&p, "streamkit_rule_matched_total", "counter", "Matched.");
	prom_sample(&p, "streamkit_rule_matched_total", rule, 3);
	prom_sample(&p, "streamkit_rule_matched_total", odd, 4);
	CHECK_MEM(p.text.data, p.text.len,
	    "# HELP streamkit_records_read_total Records read, control lines "
	    "not counted.\\nA \\\\ too.\n"
	    "# TYPE streamkit_records_read_total counter\n"
	    "streamkit_records_read_total{tool=\"event-route\"} 12\n"
	    "# HELP streamkit_rule_matched_total Matched.\n"
	    "# TYPE streamkit_rule_matched_total counter\n"
	    "streamkit_rule_matched_total{tool=\"event-route\",rule=\"1\"} 3\n"
	    "streamkit_rule_matched_total{tool=\"event-route\",rule=\"a "
	    "\\\"q\\\" \\\\ b\\nc\",x=\"y\"} 4\n");
	prom_reset(&p);
	CHECK_INT(p.text.len, 0);
	prom_release(&p);
}

static void
test_summary(void)
{
	struct summary *s = summary_new(0);
	struct prom p;
	int i;

	prom_init(&p, "t");
	prom_summary(&p, "d", NULL, s);
	CHECK_MEM(p.text.data, p.text.len,
	    "d{tool=\"t\",quantile=\"0.5\"} NaN\n"
	    "d{tool=\"t\",quantile=\"0.9\"} NaN\n"
	    "d{tool=\"t\",quantile=\"0.99\"} NaN\n"
	    "d_sum{tool=\"t\"} 0\nd_count{tool=\"t\"} 0\n");
	for (i = 1; i <= 100; i++)
		summary_add(s, i);
	prom_reset(&p);
	prom_summary(&p, "d", NULL, s);
	/* within the sketch's 1% of 50.5, 90.1, 99.01 */
	CHECK_MEM(p.text.data, p.text.len,
	    "d{tool=\"t\",quantile=\"0.5\"} 50.2098\n"
	    "d{tool=\"t\",quantile=\"0.9\"} 90.5217\n"
	    "d{tool=\"t\",quantile=\"0.99\"} 98.0729\n"
	    "d_sum{tool=\"t\"} 5050\nd_count{tool=\"t\"} 100\n");
	prom_release(&p);
	summary_free(s);
}

static void
test_commit(void)
{
	char dir[] = "/tmp/prom_testXXXXXX", path[64], bad[96], err[256];
	char got[256];
	struct prom p;
	FILE *f;
	size_t n;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/m.prom", dir);
	prom_init(&p, "t");
	prom_sample(&p, "a", NULL, 1);
	CHECK_INT(prom_commit(&p, path, err, sizeof err), 0);
	prom_sample(&p, "b", NULL, 2);
	CHECK_INT(prom_commit(&p, path, err, sizeof err), 0);
	f = fopen(path, "r");
	CHECK(f != NULL);
	n = f ? fread(got, 1, sizeof got, f) : 0;
	if (f)
		fclose(f);
	CHECK_MEM(got, n, "a{tool=\"t\"} 1\nb{tool=\"t\"} 2\n");
	snprintf(bad, sizeof bad, "%s/no/such/dir/m.prom", dir);
	CHECK_INT(prom_commit(&p, bad, err, sizeof err), -1);
	CHECK(strstr(err, "cannot open") != NULL);
	prom_release(&p);
	CHECK_INT(unlink(path), 0);
	CHECK_INT(rmdir(dir), 0);	/* no temporary file left behind */
}

int
main(void)
{
	test_values();
	test_families();
	test_summary();
	test_commit();
	return check_done("prom_test");
}
