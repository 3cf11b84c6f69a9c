/*
 * metrics.c - --metrics: the common families and the file's timing.
 */
#include <string.h>

#include "clock.h"
#include "diag.h"
#include "human.h"
#include "metrics.h"

void
metrics_init(struct metrics *m, const char *tool, const struct ledger *ledger)
{
	memset(m, 0, sizeof *m);
	m->tool = tool;
	m->ledger = ledger;
	m->every = METRICS_EVERY_DEFAULT;
	m->wm = EVTIME_MIN;
	prom_init(&m->prom, tool);
	buf_init(&m->report);
}

void
metrics_start(struct metrics *m)
{
	if (!metrics_on(m))
		return;
	m->delay = summary_new(0);
	m->now = wall_now();
	m->started = mono_now();
	m->next.us = m->started.us + m->every;
}

void
metrics_release(struct metrics *m)
{
	summary_free(m->delay);
	prom_release(&m->prom);
	buf_release(&m->report);
	m->delay = NULL;
}

void
metrics_delay_sample(struct metrics *m, evtime t)
{
	summary_add(m->delay, (double)(m->now - t) / 1e6);
}

static void
ledger_families(struct metrics *m)
{
	const struct ledger *l = m->ledger;
	const struct {
		const char *name, *help;
		uintmax_t v;
	} counters[] = {
		{ "streamkit_records_read_total", "Records read (control lines "
		    "not counted): kept, filtered, rejected or late.", l->read },
		{ "streamkit_records_kept_total", "Records the tool kept: "
		    "aggregated, passed on or delivered.", l->kept },
		{ "streamkit_records_filtered_total", "Records --where left "
		    "out.", l->filtered },
		{ "streamkit_records_rejected_total", "Records rejected as bad "
		    "input.", l->rejected },
		{ "streamkit_records_late_total", "Records behind the watermark "
		    "past the allowed lateness.", l->late },
		{ "streamkit_records_written_total", "Records written to the "
		    "output.", l->written },
		{ "streamkit_read_bytes_total", "Bytes of input read.",
		    m->bytes },
	};
	size_t i;

	for (i = 0; i < sizeof counters / sizeof counters[0]; i++)
		prom_single(&m->prom, counters[i].name, "counter",
		    counters[i].help, (double)counters[i].v);
}

static void
time_families(struct metrics *m)
{
	struct prom *p = &m->prom;

	if (m->wm != EVTIME_MIN && m->wm != EVTIME_MAX) {
		prom_single(p, "streamkit_watermark_seconds", "gauge", "The "
		    "watermark, as Unix time: no record before it is expected "
		    "any more.", (double)m->wm / 1e6);
		prom_single(p, "streamkit_watermark_lag_seconds", "gauge",
		    "The clock less the watermark.",
		    (double)(m->now - m->wm) / 1e6);
	}
	if (m->delay->count == 0)
		return;		/* no event time: absent, not zero */
	prom_family(p, "streamkit_propagation_delay_seconds", "summary",
	    "The clock less a record's event time when it was written or "
	    "taken.");
	prom_summary(p, "streamkit_propagation_delay_seconds", NULL,
	    m->delay);
}

void
metrics_panes(struct prom *p, const uintmax_t fired[3])
{
	const char *labels[] = { "timing", NULL, NULL };
	int i;

	prom_family(p, "streamkit_panes_total", "counter", "Panes fired, by "
	    "when: before the window's end, at it, or after.");
	for (i = TIMING_EARLY; i <= TIMING_LATE; i++) {
		labels[1] = pane_timing_name(i);
		prom_sample(p, "streamkit_panes_total", labels,
		    (double)fired[i]);
	}
}

void
metrics_open_windows(struct prom *p, size_t n)
{
	prom_single(p, "streamkit_open_windows", "gauge", "Windows, slices "
	    "and sessions open.", (double)n);
}

int
metrics_write(struct metrics *m)
{
	char err[256];

	if (m->path == NULL)
		return 0;
	m->now = wall_now();
	prom_reset(&m->prom);
	ledger_families(m);
	time_families(m);
	if (m->families)
		m->families(m->arg, &m->prom);
	prom_single(&m->prom, "streamkit_metrics_written_timestamp_seconds",
	    "gauge", "When this file was written, as Unix time.",
	    (double)m->now / 1e6);
	if (prom_commit(&m->prom, m->path, err, sizeof err) < 0) {
		if (!m->failed)
			diag_warn("--metrics: %s", err);
		m->failed = 1;
	}
	return m->failed ? -1 : 0;
}

void
metrics_quantiles(struct buf *b, const struct summary *s)
{
	static const double q[] = { 0.5, 0.9, 0.99 };
	char t[HUMAN_MAX];
	size_t i;

	for (i = 0; i < sizeof q / sizeof q[0]; i++)
		buf_addf(b, "%sp%g %s", i ? "  " : "", q[i] * 100,
		    human_seconds(qsketch_quantile(s->q, q[i]), t));
}

/* --stats' lines: the rate over the run, the delay, the tool's own. */
static void
report(struct metrics *m)
{
	double secs = (double)(mono_now().us - m->started.us) / 1e6;
	double n = (double)m->ledger->read, bytes = (double)m->bytes;
	char rate[HUMAN_MAX], bps[HUMAN_MAX], size[HUMAN_MAX], took[HUMAN_MAX];

	if (secs < 1e-6)
		secs = 1e-6;
	buf_addf(&m->report, "%s: rate %s records/s, %s/s: %ju record%s, "
	    "%s in %s\n", diag_prog, human_count(n / secs, rate),
	    human_bytes(bytes / secs, bps), m->ledger->read,
	    m->ledger->read == 1 ? "" : "s", human_bytes(bytes, size),
	    human_seconds(secs, took));
	if (m->delay->count > 0) {
		buf_addf(&m->report, "%s: delay ", diag_prog);
		metrics_quantiles(&m->report, m->delay);
		buf_addc(&m->report, '\n');
	}
	if (m->lines)
		m->lines(m->arg, &m->report);
}

int
metrics_final(struct metrics *m)
{
	int rc;

	if (m->final)
		return 0;
	rc = metrics_write(m);
	if (m->stats && m->delay)
		report(m);
	m->final = 1;
	m->path = NULL;
	return rc;
}

int
metrics_tick(struct metrics *m, uintmax_t bytes, evtime wm)
{
	struct monotime t;

	if (m == NULL || m->final || !metrics_on(m))
		return -1;
	m->now = wall_now();
	m->bytes = bytes;
	m->wm = wm;
	if (m->path == NULL)
		return -1;
	t = mono_now();
	if (t.us >= m->next.us) {
		metrics_write(m);
		m->next.us = t.us + m->every;
	}
	return (int)((m->next.us - t.us + 999) / 1000);
}
