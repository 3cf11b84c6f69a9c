#!/usr/bin/env bats
# The man pages: they lint clean, every EXAMPLES line runs and prints what
# is written here, and the SYNOPSIS says what --help says.

load helper

setup() {
	cp "$EXAMPLES/access.log" "$BATS_TEST_TMPDIR/"
}

# The .Dl lines of the EXAMPLES section of PAGE, unescaped.
examples_of() {
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$TOP/man/$1" | sed -n 's/^\.Dl //p' |
	    sed 's/\\(dq/"/g; s/\\(aq/'"'"'/g; s/\\e/\\/g; s/\\-/-/g'
}

# run_example PAGE N: run the Nth example of PAGE in a scratch directory.
run_example() {
	local cmd
	cmd=$(examples_of "$1" | sed -n "${2}p")
	[ -n "$cmd" ]
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr env PATH="$STREAMKIT_BIN:$PATH" bash -c "$cmd"
}

lint() {
	if command -v mandoc >/dev/null 2>&1; then
		mandoc -T lint -W warning "$TOP/man/$1"
	else
		groff -mandoc -ww -z "$TOP/man/$1"
	fi
}

@test "stream-agg.1 lints clean" {
	run lint stream-agg.1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "stream-window.1 lints clean" {
	run lint stream-window.1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "event-route.1 lints clean" {
	run lint event-route.1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "stream-trigger.1 lints clean" {
	run lint stream-trigger.1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "streamkit.7 lints clean" {
	run lint streamkit.7
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "every example in the man pages has a test here" {
	[ "$(examples_of stream-agg.1 | wc -l)" -eq 12 ]
	[ "$(examples_of stream-window.1 | wc -l)" -eq 3 ]
	[ "$(examples_of stream-trigger.1 | wc -l)" -eq 4 ]
	[ "$(examples_of event-route.1 | wc -l)" -eq 5 ]
	[ "$(examples_of streamkit.7 | wc -l)" -eq 4 ]
}

# synopsis_matches TOOL: every option of TOOL --help is in its SYNOPSIS;
# prints how many there were.
synopsis_matches() {
	local n=0 opt usage synopsis
	usage=$("$STREAMKIT_BIN/$1" --help) || return 1
	synopsis=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$TOP/man/$1.1")
	for opt in $(printf '%s\n' "$usage" | grep -o -- '\[-[-a-zA-Z]*' | tr -d '[' | sort -u); do
		case $opt in
		--*) grep -q "Fl \\\\-${opt#--}\( \|$\)" <<<"$synopsis" ;;
		-*) grep -q "^\.Op Fl ${opt#-}\( \|$\)" <<<"$synopsis" ;;
		esac || { echo "not in the SYNOPSIS of $1.1: $opt"; return 1; }
		n=$((n + 1))
	done
	echo "$n"
}

# help_examples_in_man TOOL: --help ends with examples, each one a line
# of the EXAMPLES of TOOL.1 (which the tests below run); prints how many.
help_examples_in_man() {
	local n=0 cmd usage
	usage=$("$STREAMKIT_BIN/$1" --help) || return 1
	sed -n '/^examples, from /,$p' <<<"$usage" | grep -q . || return 1
	while IFS= read -r cmd; do
		examples_of "$1.1" | grep -qxF -- "$cmd" ||
		    { echo "not in the EXAMPLES of $1.1: $cmd"; return 1; }
		n=$((n + 1))
	done < <(sed -n '/^examples, from /,$p' <<<"$usage" | sed -n 's/^    //p')
	echo "$n"
}

@test "--help ends with examples of each man page, word for word" {
	for t in stream-agg stream-window stream-trigger event-route; do
		run help_examples_in_man "$t"
		[ "$status" -eq 0 ]
		[ "$output" -ge 2 ]
	done
	# and only --help: a usage error does not drown the message
	run --separate-stderr "$STREAMKIT_BIN/stream-agg" --no-such-option
	[ "$status" -eq 2 ]
	[[ "$stderr" != *examples* ]]
}

@test "the SYNOPSIS of stream-agg.1 names every option of --help" {
	run synopsis_matches stream-agg
	[ "$status" -eq 0 ]
	[ "$output" -eq 40 ]
}

@test "the SYNOPSIS of event-route.1 names every option of --help" {
	run synopsis_matches event-route
	[ "$status" -eq 0 ]
	[ "$output" -ge 11 ]
}

@test "the SYNOPSIS of stream-trigger.1 names every option of --help" {
	run synopsis_matches stream-trigger
	[ "$status" -eq 0 ]
	[ "$output" -ge 12 ]
}

@test "the SYNOPSIS of stream-window.1 names every option of --help" {
	run synopsis_matches stream-window
	[ "$status" -eq 0 ]
	[ "$output" -eq 30 ]
}

@test "stream-agg.1 example 1: requests and bytes by status" {
	run_example stream-agg.1 1
	[ "$status" -eq 0 ]
	[ "$output" = "status=200 count=1581 bytes_sum=15888544
status=201 count=62 bytes_sum=666586
status=204 count=38 bytes_sum=0
status=301 count=54 bytes_sum=554704
status=304 count=57 bytes_sum=0
status=400 count=49 bytes_sum=475393
status=404 count=94 bytes_sum=970453
status=500 count=30 bytes_sum=342437
status=502 count=14 bytes_sum=134072
status=503 count=21 bytes_sum=243665" ]
}

@test "stream-agg.1 example 2: server errors by method as CSV" {
	run_example stream-agg.1 2
	[ "$status" -eq 0 ]
	[ "$output" = "method,count
GET,43
DELETE,6
PUT,9
POST,7" ]
}

@test "stream-agg.1 example 3: mean and slowest per level" {
	run_example stream-agg.1 3
	[ "$status" -eq 0 ]
	[ "$output" = '{"level":"error","ms_avg":21,"slowest":30}' ]
}

@test "stream-agg.1 example 4: skip, keep and count bad lines" {
	run_example stream-agg.1 4
	[ "$status" -eq 0 ]
	[ "$output" = '{"k_sum":1}' ]
	human_stats
	[ "$stderr" = "stream-agg: stats read=2 aggregated=1 filtered=0 rejected=1 late=0 written=1" ]
	[ "$(cat "$BATS_TEST_TMPDIR/bad.txt")" = "oops" ]
}

@test "stream-agg.1 example 5: requests per status in hourly windows" {
	run_example stream-agg.1 5
	[ "$status" -eq 0 ]
	[ "$output" = 'window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T11:00:00.000Z status=200 count=823
window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T11:00:00.000Z status=201 count=30
window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T11:00:00.000Z status=204 count=20' ]
}

@test "stream-agg.1 example 6: the same behind stream-window" {
	run_example stream-agg.1 6
	[ "$status" -eq 0 ]
	[ "$output" = 'window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T11:00:00.000Z status=200 count=823
window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T11:00:00.000Z status=201 count=30
window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T11:00:00.000Z status=204 count=20' ]
}

@test "stream-agg.1 example 7: distinct clients per method as JSON" {
	run_example stream-agg.1 7
	[ "$status" -eq 0 ]
	[ "$output" = '{"method":"GET","host_distinct":40,"time_first":"24/Nov/2026:10:00:05 +0000"}
{"method":"POST","host_distinct":40,"time_first":"24/Nov/2026:10:00:11 +0000"}
{"method":"DELETE","host_distinct":40,"time_first":"24/Nov/2026:10:00:15 +0000"}
{"method":"PUT","host_distinct":40,"time_first":"24/Nov/2026:10:00:29 +0000"}' ]
}

@test "stream-agg.1 example 8: visits per client, as sessions" {
	run_example stream-agg.1 8
	[ "$status" -eq 0 ]
	[ "$output" = 'window_start=2026-11-24T10:04:19.000Z window_end=2026-11-24T12:15:28.000Z host=203.0.113.4 count=31
window_start=2026-11-24T10:05:34.000Z window_end=2026-11-24T12:16:29.000Z host=203.0.113.13 count=57' ]
}

@test "stream-agg.1 example 9: quantiles, distinct clients, top paths" {
	run_example stream-agg.1 9
	[ "$status" -eq 0 ]
	[ "$output" = 'method=GET bytes_median=9711.5 bytes_p99=19937.7 host_approx_distinct=40 path_top=/favicon.ico:78,/api/v1/items/7:70
method=POST bytes_median=10107.4 bytes_p99=19937.7 host_approx_distinct=40 path_top=/:34,/api/v1/users:27
method=DELETE bytes_median=7952.64 bytes_p99=19922 host_approx_distinct=40 path_top=/static/app.js:15,/api/v2/recommendations:14
method=PUT bytes_median=10107.4 bytes_p99=19937.7 host_approx_distinct=40 path_top=/favicon.ico:21,/static/app.css:16' ]
	# each within 1% of the exact answer
	run --separate-stderr "$STREAMKIT_BIN/stream-agg" --exact -g method median:bytes access.log
	[ "${lines[0]}" = 'method=GET bytes_median=9652' ]
}

# display_of PAGE N: the Nth literal display of the section "Tables and
# charts" of PAGE, its block characters (\[u2588] ...) as UTF-8.
display_of() {
	sed -n '/^\.Ss Tables and charts/,/^\.S[sh] /p' "$TOP/man/$1" |
	    awk -v n="$2" '/^\.Bd -literal/ { k++; shown = 1; next }
	        /^\.Ed/ { shown = 0; next } shown && k == n' |
	    sed 's/\\\[u2581\]/▁/g; s/\\\[u2582\]/▂/g; s/\\\[u2583\]/▃/g;
	        s/\\\[u2584\]/▄/g; s/\\\[u2585\]/▅/g; s/\\\[u2586\]/▆/g;
	        s/\\\[u2587\]/▇/g; s/\\\[u2588\]/█/g; s/\\\[u2589\]/▉/g;
	        s/\\\[u258A\]/▊/g; s/\\\[u258B\]/▋/g; s/\\\[u258C\]/▌/g;
	        s/\\\[u258D\]/▍/g; s/\\\[u258E\]/▎/g; s/\\\[u258F\]/▏/g;
	        s/\\\[u2591\]/░/g'
}

@test "stream-agg.1 example 10: a table, as Tables and charts shows it" {
	run_example stream-agg.1 10
	[ "$status" -eq 0 ]
	[ "$output" = 'window_start             window_end               status count
2026-11-24T10:00:00.000Z 2026-11-24T10:01:00.000Z 200    11
2026-11-24T10:00:00.000Z 2026-11-24T10:01:00.000Z 304    2
2026-11-24T10:00:00.000Z 2026-11-24T10:01:00.000Z 404    2
2026-11-24T10:01:00.000Z 2026-11-24T10:02:00.000Z 200    14' ]
	[ "$output" = "$(display_of stream-agg.1 1)" ]
}

@test "stream-agg.1 example 11: sparklines on 40 columns, in ASCII" {
	run_example stream-agg.1 11
	[ "$status" -eq 0 ]
	[ "$output" = 'count, 2 windows
200 @. min 758 max 823
304 @. min 25 max 32
404 @. min 37 max 57
201 .@ min 30 max 32
502 @. min 5 max 9
503 .@ min 9 max 12
500 @. min 14 max 16
301 @. min 26 max 28
400 .@ min 21 max 28
204 @. min 18 max 20' ]
}

@test "stream-agg.1 example 12: a chart, as Tables and charts shows it" {
	run_example stream-agg.1 12
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'count, 2026-11-24T10:00:00.000Z to 2026-11-24T10:30:00.000Z' ]
	[ "${lines[1]}" = '502 5 ████████████████████████████████████▎' ]
	[ "$output" = "$(display_of stream-agg.1 2)" ]
	[ "$(display_of stream-agg.1 2 | wc -l)" -eq 24 ]
}

@test "stream-window.1 example 1: hourly windows over an nginx log" {
	run_example stream-window.1 1
	[ "$status" -eq 0 ]
	[ "$output" = '203.0.113.25 - - [24/Nov/2026:10:00:05 +0000] "GET /index.html HTTP/1.1" 200 4961 "https://example.com/" "curl/8.5.0" _t=1795514405000000' ]
}

@test "stream-window.1 example 2: a record in five sliding windows" {
	run_example stream-window.1 2
	[ "$status" -eq 0 ]
	[ "$output" = 5 ]
}

@test "stream-window.1 example 3: a 23-hour day in Berlin" {
	run_example stream-window.1 3
	[ "$status" -eq 0 ]
	[ "$output" = '{"ts":"2026-03-29T12:00:00Z","window_start":"2026-03-29T00:00:00.000+01:00","window_end":"2026-03-30T00:00:00.000+02:00","_t":1774785600000000}' ]
}

@test "streamkit.7 example 1: requests per method in an nginx log" {
	run_example streamkit.7 1
	[ "$status" -eq 0 ]
	[ "$output" = 'method=DELETE count=199
method=GET count=1177
method=POST count=411
method=PUT count=213' ]
}

@test "streamkit.7 example 2: server errors in a JSON Lines stream" {
	run_example streamkit.7 2
	[ "$status" -eq 0 ]
	[ "$output" = '{"count":1}' ]
}

@test "streamkit.7 example 3: a CSV cell over two lines" {
	run_example streamkit.7 3
	[ "$status" -eq 0 ]
	[ "$output" = 'host,bytes_sum
a,10
b,5' ]
}

@test "streamkit.7 example 4: the run's metrics, for node_exporter" {
	run_example streamkit.7 4
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T10:01:00.000Z status=200 count=11' ]
	grep -qx 'streamkit_records_read_total{tool="stream-agg"} 2000' status.prom
	grep -qx 'streamkit_records_kept_total{tool="stream-agg"} 2000' status.prom
	grep -qx "streamkit_records_written_total{tool=\"stream-agg\"} ${#lines[@]}" status.prom
	if command -v promtool >/dev/null 2>&1; then
		promtool check metrics < status.prom
	fi
}

@test "stream-trigger.1 example 1: an early count every 500 requests" {
	run_example stream-trigger.1 1
	[ "$status" -eq 0 ]
	[ "$output" = 'window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T10:01:00.000Z status=200 count=11
window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T10:01:00.000Z status=304 count=2' ]
}

@test "stream-trigger.1 example 2: accumulating panes with their information" {
	run_example stream-trigger.1 2
	[ "$status" -eq 0 ]
	[ "$output" = 'window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T10:10:00.000Z pane=0 timing=early final=false count=100
window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T10:10:00.000Z pane=1 timing=on_time final=true count=170' ]
}

@test "stream-trigger.1 example 3: a pane every thousand requests" {
	run_example stream-trigger.1 3
	[ "$status" -eq 0 ]
	[ "$output" = 'window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T11:00:00.000Z count=1000' ]
}

@test "stream-trigger.1 example 4: sessions per client, early every 20 requests" {
	run_example stream-trigger.1 4
	[ "$status" -eq 0 ]
	[ "$output" = 'window_start=2026-11-24T10:01:35.000Z window_end=2026-11-24T10:13:18.000Z host=203.0.113.2 count=2
window_start=2026-11-24T10:00:34.000Z window_end=2026-11-24T10:30:51.000Z host=203.0.113.26 count=20
window_start=2026-11-24T10:00:29.000Z window_end=2026-11-24T10:32:01.000Z host=203.0.113.38 count=20' ]
}

@test "event-route.1 example 1: server errors out, the rest by status" {
	run_example event-route.1 1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '203.0.113.34 - alice [24/Nov/2026:10:03:15 +0000] "GET /login HTTP/1.1" 502 18753 "https://example.com/search?q=shoes" "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) Safari/605.1.15"' ]
	[ "$(ls by-status | wc -l)" -eq 10 ]
	[ "$(cat by-status/*.log | wc -l)" -eq 2000 ]
}

@test "event-route.1 example 2: mail the server errors" {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\necho "$*" > "%s/subject"; cat > "%s/mailed"\n' "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR" > "$BATS_TEST_TMPDIR/bin/mail"
	chmod +x "$BATS_TEST_TMPDIR/bin/mail"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH run_example event-route.1 2
	[ "$status" -eq 0 ]
	[ "$(cat subject)" = "-s errors ops@example.com" ]
	[ "$(wc -l < mailed)" -eq 65 ]
}

@test "event-route.1 example 3: four workers by client, then a merge" {
	run_example event-route.1 3
	[ "$status" -eq 0 ]
	[ "$output" = '{"host":"203.0.113.25","count":49}
{"host":"203.0.113.27","count":61}' ]
}

@test "event-route.1 example 4: a file per client" {
	run_example event-route.1 4
	[ "$status" -eq 0 ]
	[ "$output" = '203.0.113.1.log
203.0.113.10.log
203.0.113.11.log' ]
	[ "$(ls by-host | wc -l)" -eq 40 ]
	[ "$(cat by-host/*.log | wc -l)" -eq 2000 ]
	[ "$(cat by-host/203.0.113.25.log | cut -d' ' -f1 | sort -u)" = 203.0.113.25 ]
}

@test "event-route.1 example 5: a command per server error, retried, then kept" {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	# a logger that fails the first time it sees an event, one in three
	cat > "$BATS_TEST_TMPDIR/bin/logger" <<-EOF
	#!/bin/sh
	cd "$BATS_TEST_TMPDIR" || exit 2
	echo "\$*" > args
	l=\$(cat)
	n=\$(cat seen 2>/dev/null | wc -l)
	if ! grep -q -F -x -e "\$l" seen 2>/dev/null && [ \$((n % 3)) = 0 ]; then
		echo "\$l" >> seen
		exit 1
	fi
	echo "\$l" >> seen
	echo "\$l" >> logged
	EOF
	chmod +x "$BATS_TEST_TMPDIR/bin/logger"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH run_example event-route.1 5
	[ "$status" -eq 0 ]
	[ "$(cat args)" = "-t web -p user.err" ]
	[ "$(awk '$9 >= 500' access.log | sort)" = "$(sort logged)" ]
	[ "$(wc -l < logged)" -eq 65 ]
	[ "$(wc -l < seen)" -gt 65 ]	# some were tried again
	[ -f unsent.log ] && [ ! -s unsent.log ]
}
