/*
 * gen - deterministic web-server events for benchmarks and examples.
 *
 *   gen [-f json|combined] [-n lines] [-s seed]
 *
 * json: one NDJSON object per line, about 160 bytes, with an RFC 3339
 * "ts" that advances about 25 ms a line and is jittered up to 2 s into
 * the past, so events arrive out of order as real ones do.
 * combined: nginx combined log lines, a few seconds apart.
 * The same seed always gives the same bytes, on every machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t state = 0x2545f4914f6cdd1dULL;

static uint64_t
next(void)		/* splitmix64 */
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned
below(unsigned n)
{
	return (unsigned)(next() % n);
}

static const char *const methods[] = { "GET", "GET", "GET", "GET", "GET",
	"GET", "POST", "POST", "PUT", "DELETE" };
static const char *const paths[] = {
	"/", "/index.html", "/login", "/logout", "/search", "/cart",
	"/checkout", "/static/app.js", "/static/app.css", "/favicon.ico",
	"/api/v1/users", "/api/v1/users/42", "/api/v1/items", "/api/v1/items/7",
	"/api/v1/orders", "/api/v1/orders/1001", "/api/v2/search",
	"/api/v2/recommendations", "/healthz", "/metrics"
};
static const char *const agents[] = {
	"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) Safari/605.1.15",
	"curl/8.5.0", "Go-http-client/1.1", "kube-probe/1.29",
	"Mozilla/5.0 (compatible; \\\"Bot\\\"/2.1)"
};
static const char *const referers[] = { "-", "-", "-",
	"https://example.com/", "https://example.com/search?q=shoes" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static int
status(void)
{
	unsigned r = below(1000);

	if (r < 800) return 200;
	if (r < 830) return 201;
	if (r < 850) return 204;
	if (r < 870) return 301;
	if (r < 900) return 304;
	if (r < 920) return 400;
	if (r < 970) return 404;
	if (r < 980) return 500;
	if (r < 990) return 502;
	return 503;
}

/* Civil date of a day count since 1970 (Hinnant). */
static void
civil(int64_t z, int *y, int *m, int *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static void
json_line(int64_t ms)
{
	int y, mo, d, st = status();
	int64_t day = ms / 86400000, rem = ms % 86400000;
	const char *level = st >= 500 ? "error" : st >= 400 ? "warn" : "info";
	unsigned lat = below(100) < 90 ? below(2000) : below(50000);
	unsigned user = below(4) ? below(1000) : below(100000);

	civil(day, &y, &mo, &d);
	printf("{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\",\"host\":\"web-%02u\","
	    "\"method\":\"%s\",\"path\":\"%s\",\"status\":%d,\"latency_ms\":%u.%u,"
	    "\"bytes\":%u,\"user\":\"u%u\",\"level\":\"%s\",\"msg\":\"%s\"}\n",
	    y, mo, d, (int)(rem / 3600000), (int)(rem / 60000 % 60),
	    (int)(rem / 1000 % 60), (int)(rem % 1000), below(20) + 1,
	    methods[below(10)], paths[below(20)], st, lat / 10 + 1, lat % 10,
	    below(20000) + 100, user, level,
	    st >= 500 ? "upstream \\\"api\\\" timed out" :
	    st >= 400 ? "client error" : "ok");
}

static void
combined_line(int64_t ms)
{
	int y, mo, d, st = status();
	int64_t day = ms / 86400000, rem = ms % 86400000;

	civil(day, &y, &mo, &d);
	printf("203.0.113.%u - %s [%02d/%s/%04d:%02d:%02d:%02d +0000] "
	    "\"%s %s HTTP/1.1\" %d ", below(40) + 1,
	    below(10) ? "-" : "alice", d, months[mo - 1], y,
	    (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
	    methods[below(10)], paths[below(20)], st);
	if (st == 304 || st == 204)
		printf("-");
	else
		printf("%u", below(20000) + 100);
	printf(" \"%s\" \"%s\"\n", referers[below(5)], agents[below(6)]);
}

int
main(int argc, char **argv)
{
	long lines = 2000000, i;
	int combined = 0, ch;
	int64_t t;
	static char obuf[1 << 20];

	while ((ch = getopt(argc, argv, "f:n:s:")) != -1) {
		switch (ch) {
		case 'f':
			combined = strcmp(optarg, "combined") == 0;
			if (!combined && strcmp(optarg, "json") != 0) {
				fprintf(stderr, "gen: -f json|combined\n");
				return 2;
			}
			break;
		case 'n':
			lines = atol(optarg);
			break;
		case 's':
			state = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: gen [-f json|combined] [-n lines] [-s seed]\n");
			return 2;
		}
	}
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	/* 2026-11-24T00:00:00Z, or 10:00 for the access log */
	t = INT64_C(1795478400000) + (combined ? 36000000 : 0);
	for (i = 0; i < lines; i++) {
		if (combined) {
			t += below(7000);
			combined_line(t);
		} else {
			t += below(50);
			json_line(t - below(2000));
		}
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
