#!/usr/bin/env bats
# Windowed stream-agg: in-process and behind stream-window, firing,
# lateness, and the two forms deciding alike.

load helper

stream_window() { "$STREAMKIT_BIN/stream-window" "$@"; }
export -f stream_window

E='{"t":1,"k":"a"}\n{"t":5,"k":"b"}\n{"t":9,"k":"a"}\n{"t":12,"k":"a"}\n{"t":25,"k":"b"}\n'

@test "tumbling windows fire in end order, keys in first-seen order" {
	feed "$E" stream_agg -t t --tumbling 10s --time-output epoch -g k count
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":0,"window_end":10,"k":"a","count":2}
{"window_start":0,"window_end":10,"k":"b","count":1}
{"window_start":10,"window_end":20,"k":"a","count":1}
{"window_start":20,"window_end":30,"k":"b","count":1}' ]
}

@test "the pipeline form gives the same output as the in-process form" {
	feed "$E" bash -c 'stream_window -t t --tumbling 10s --time-output epoch | stream_agg -g k count'
	[ "$output" = '{"window_start":0,"window_end":10,"k":"a","count":2}
{"window_start":0,"window_end":10,"k":"b","count":1}
{"window_start":10,"window_end":20,"k":"a","count":1}
{"window_start":20,"window_end":30,"k":"b","count":1}' ]
}

@test "both forms agree on real data, window kind by window kind" {
	"$STREAMKIT_BIN/../gen" -n 20000 > "$BATS_TEST_TMPDIR/e.jsonl"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/e.jsonl")" -eq 20000 ]
	for opts in "--tumbling 1m --max-delay 2s" "--tumbling 10s" \
	    "--sliding 2m --every 30s --max-delay 1s" "--tumbling 1d --tz Europe/Berlin" \
	    "--global" "--tumbling 7s --offset 3s --time-output epoch-ms" \
	    "--session 2s --max-delay 2s" "--session 500ms --key host" \
	    "--sliding 50s --every 20s --offset 3s --allowed-lateness 5s"; do
		# the results; the late counts differ by design (lines, records)
		a=$(stream_agg -t ts $opts -g status count sum:bytes "$BATS_TEST_TMPDIR/e.jsonl" 2>/dev/null || true)
		b=$(stream_window -t ts $opts "$BATS_TEST_TMPDIR/e.jsonl" | stream_agg -g status count sum:bytes 2>/dev/null || true)
		[ -n "$a" ]
		[ "$a" = "$b" ] || { echo "differ: $opts"; false; }
	done
}

@test "results appear as soon as the window closes, not at end of input" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo in
	"$STREAMKIT_BIN/stream-agg" -t t --tumbling 10s --max-delay 0 --time-output epoch count < in > out &
	pid=$!
	exec {fd}> in
	printf '{"t":1}\n{"t":2}\n' >&"$fd"
	printf '{"t":10}\n' >&"$fd"
	wait_lines out 1
	[ "$(cat out)" = '{"window_start":0,"window_end":10,"count":2}' ]
	exec {fd}>&-
	wait "$pid"
	[ "$(sed -n 2p out)" = '{"window_start":10,"window_end":20,"count":1}' ]
}

@test "within --max-delay, out-of-order records join their window" {
	feed '{"t":1}\n{"t":12}\n{"t":3}\n{"t":21}\n' stream_agg -t t --tumbling 10s --max-delay 5s --time-output epoch count
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":0,"window_end":10,"count":2}
{"window_start":10,"window_end":20,"count":1}
{"window_start":20,"window_end":30,"count":1}' ]
}

@test "records for expired windows are dropped, counted, and make exit 1" {
	feed '{"t":1}\n{"t":12}\n{"t":3}\n' stream_agg --stats -t t --tumbling 10s --max-delay 0 --time-output epoch count
	[ "$status" -eq 1 ]
	[ "$output" = '{"window_start":0,"window_end":10,"count":1}
{"window_start":10,"window_end":20,"count":1}' ]
	[ "${stderr_lines[0]}" = "stream-agg: 1 late record dropped; --late-output keeps it" ]
	[ "${stderr_lines[1]}" = "stream-agg: stats read=3 aggregated=2 filtered=0 rejected=0 late=1 written=2" ]
}

@test "--late-output keeps late records verbatim, exit 0" {
	feed '{"t":1}\n{"t":12}\n{"t":3, "x":"y"}\n' stream_agg -t t --tumbling 10s --max-delay 0 --late-output "$BATS_TEST_TMPDIR/late" count
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(cat "$BATS_TEST_TMPDIR/late")" = '{"t":3, "x":"y"}' ]
}

@test "within --allowed-lateness a late record fires a late pane of its own" {
	feed '{"t":1}\n{"t":12}\n{"t":3}\n{"t":25}\n' stream_agg -t t --tumbling 10s --max-delay 0 --allowed-lateness 10s --time-output epoch count
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":0,"window_end":10,"count":1}
{"window_start":0,"window_end":10,"count":1}
{"window_start":10,"window_end":20,"count":1}
{"window_start":20,"window_end":30,"count":1}' ]
}

@test "sliding windows: each record counts in size/period windows" {
	feed '{"t":25}\n{"t":31}\n' stream_agg -t t --sliding 30s --every 10s --time-output epoch count
	[ "$output" = '{"window_start":0,"window_end":30,"count":1}
{"window_start":10,"window_end":40,"count":2}
{"window_start":20,"window_end":50,"count":2}
{"window_start":30,"window_end":60,"count":1}' ]
}

@test "the global window fires once, at end of input" {
	feed "$E" stream_agg -t t --global -g k count
	[ "$output" = '{"window_start":"-290308-12-21T19:59:05.224Z","window_end":"294247-01-10T04:00:54.775Z","k":"a","count":3}
{"window_start":"-290308-12-21T19:59:05.224Z","window_end":"294247-01-10T04:00:54.775Z","k":"b","count":2}' ]
}

@test "day windows follow local midnight with --tz" {
	feed '{"t":"2026-03-28T23:30:00Z"}\n{"t":"2026-03-29T21:59:59Z"}\n{"t":"2026-03-29T22:00:00Z"}\n' \
	    stream_agg -t t --tumbling 1d --tz Europe/Berlin --time-output local count
	[ "$output" = '{"window_start":"2026-03-29T00:00:00.000+01:00","window_end":"2026-03-30T00:00:00.000+02:00","count":2}
{"window_start":"2026-03-30T00:00:00.000+02:00","window_end":"2026-03-31T00:00:00.000+02:00","count":1}' ]
}

@test "negative times window by floor" {
	feed '{"t":-1}\n{"t":-10}\n{"t":-11}\n' stream_agg -t t --tumbling 10s --max-delay 1m --time-output epoch count
	[ "$output" = '{"window_start":-20,"window_end":-10,"count":1}
{"window_start":-10,"window_end":0,"count":2}' ]
}

@test "a bad or missing time is rejected with file and line; the ledger balances" {
	feed '{"t":1}\n{"x":2}\n{"t":"later"}\n{"t":2}\n' stream_agg --stats -t t --tumbling 10s count
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "stream-agg: <stdin>:2: missing field 't': '{\"x\":2}'" ]
	[ "${stderr_lines[1]}" = "stream-agg: <stdin>:3: field 't' is not a time: '{\"t\":\"later\"}'" ]
	[ "${stderr_lines[2]}" = "stream-agg: stats read=4 aggregated=2 filtered=0 rejected=2 late=0 written=1" ]
}

@test "--max-jump rejects a wild timestamp in-process" {
	feed '{"t":1}\n{"t":99999999}\n{"t":2}\n' stream_agg -t t --tumbling 10s --max-jump 1h --time-output epoch count
	[ "$status" -eq 1 ]
	[ "$output" = '{"window_start":0,"window_end":10,"count":2}' ]
	[[ "$stderr" == *"<stdin>:2: event time more than --max-jump ahead of the watermark"* ]]
}

@test "window options and a windowed input do not mix" {
	feed '{"t":1}\n' bash -c 'stream_window -t t --tumbling 10s | stream_agg -t t --tumbling 1m count'
	[ "$status" -eq 2 ]
	[ "$stderr" = "stream-agg: <stdin>:1: the input is windowed already: drop the window options" ]
}

@test "usage errors: window options without a window, --emit-every, a bad --key" {
	feed '' stream_agg -t t count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: window options need a window: --tumbling, --sliding or --global" ]
	feed '' stream_agg -t t --session 0s count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: the session gap must be positive" ]
	feed '{"t":1}\n' stream_agg -t t --session 10s --key 'a,,b' count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --key 'a,,b': empty field name" ]
	feed '' stream_agg -t t --tumbling 1m --emit-every 1s count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --emit-every is for aggregates without windows" ]
	feed '' stream_agg --tumbling 1m --every 10s count
	[ "$status" -eq 2 ]
}

@test "a watermark line from upstream fires windows" {
	feed '{"_punct":"strategy","window":"tumbling","size":10000000,"start_field":"window_start","end_field":"window_end","time_field":"_t","time_output":"epoch"}\n{"window_start":0,"window_end":10,"_t":1000000}\n{"_punct":"watermark","t":10000000}\n' \
	    stream_agg --punct count
	[ "${lines[1]}" = '{"_punct":"watermark","t":10000000}' ]
	[ "${lines[2]}" = '{"window_start":0,"window_end":10,"count":1}' ]
}

@test "a bad strategy line is a clear error" {
	feed '{"_punct":"strategy","window":"hexagonal"}\n' stream_agg count
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-agg: <stdin>:1: bad strategy line: no window kind" ]
}

@test "access logs behind stream-window: the pairs it appends are read back" {
	a=$(stream_agg -t time --tumbling 1h -g status --sort count "$EXAMPLES/access.log")
	b=$(stream_window -t time --tumbling 1h "$EXAMPLES/access.log" | stream_agg -g status --sort count)
	[ "$(printf '%s\n' "$a" | head -n 1)" = 'window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T11:00:00.000Z status=200 count=823' ]
	[ "$a" = "$b" ]
}

@test "sessions: per key, overlapping proto-windows merge, in end order" {
	feed '{"t":1,"k":"a"}\n{"t":5,"k":"a"}\n{"t":3,"k":"b"}\n{"t":20,"k":"a"}\n' stream_agg -t t --session 10s --time-output epoch -g k count
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":3,"window_end":13,"k":"b","count":1}
{"window_start":1,"window_end":15,"k":"a","count":2}
{"window_start":20,"window_end":30,"k":"a","count":1}' ]
}

@test "sessions: windows that only touch stay apart" {
	feed '{"t":1}\n{"t":11}\n' stream_agg -t t --session 10s --time-output epoch count
	[ "$output" = '{"window_start":1,"window_end":11,"count":1}
{"window_start":11,"window_end":21,"count":1}' ]
}

@test "sessions: a record that bridges two sessions merges them; first and last by arrival" {
	feed '{"t":1,"v":"p"}\n{"t":15,"v":"q"}\n{"t":10,"v":"r"}\n' stream_agg -t t --session 10s --max-delay 30s --time-output epoch count first:v last:v collect:v
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":1,"window_end":25,"count":3,"v_first":"p","v_last":"r","v_collect":["p","q","r"]}' ]
}

@test "sessions: --key fields lead the results; the pipeline form agrees" {
	in='{"t":1,"u":"x","p":"/a"}\n{"t":2,"u":"y","p":"/a"}\n{"t":4,"u":"x","p":"/b"}\n{"t":30,"u":"x","p":"/a"}\n'
	want='{"window_start":2,"window_end":12,"u":"y","p":"/a","count":1}
{"window_start":1,"window_end":14,"u":"x","p":"/a","count":1}
{"window_start":1,"window_end":14,"u":"x","p":"/b","count":1}
{"window_start":30,"window_end":40,"u":"x","p":"/a","count":1}'
	feed "$in" stream_agg -t t --session 10s --key u --time-output epoch -g p count
	[ "$output" = "$want" ]
	feed "$in" bash -c 'stream_window -t t --session 10s --key u --time-output epoch | stream_agg -g p count'
	[ "$output" = "$want" ]
}

@test "sessions: a late record within the lateness merges into the fired session" {
	feed '{"t":1}\n{"t":30}\n{"t":5}\n' stream_agg -t t --session 10s --max-delay 0 --allowed-lateness 20s --time-output epoch count
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":1,"window_end":11,"count":1}
{"window_start":1,"window_end":15,"count":1}
{"window_start":30,"window_end":40,"count":1}' ]
}

@test "sessions: a record whose proto-window expired is late" {
	feed '{"t":1}\n{"t":30}\n{"t":5}\n' stream_agg --stats -t t --session 10s --max-delay 0 --time-output epoch count
	[ "$status" -eq 1 ]
	[ "$output" = '{"window_start":1,"window_end":11,"count":1}
{"window_start":30,"window_end":40,"count":1}' ]
	[ "${stderr_lines[1]}" = "stream-agg: stats read=3 aggregated=2 filtered=0 rejected=0 late=1 written=2" ]
}

@test "sliding slices: first, last and collect keep arrival order across slices" {
	feed '{"t":25,"v":"x"}\n{"t":5,"v":"y"}\n' stream_agg -t t --sliding 30s --every 10s --max-delay 30s --time-output epoch count first:v last:v collect:v
	[ "${lines[2]}" = '{"window_start":0,"window_end":30,"count":2,"v_first":"x","v_last":"y","v_collect":["x","y"]}' ]
}

@test "sliding slices: a late record fires a late pane for its fired window only" {
	in='{"t":25}\n{"t":5}\n{"t":41}\n{"t":3}\n'
	want='{"window_start":-20,"window_end":10,"count":1}
{"window_start":-20,"window_end":10,"count":1}
{"window_start":-10,"window_end":20,"count":2}
{"window_start":0,"window_end":30,"count":3}
{"window_start":10,"window_end":40,"count":1}
{"window_start":20,"window_end":50,"count":2}
{"window_start":30,"window_end":60,"count":1}
{"window_start":40,"window_end":70,"count":1}'
	feed "$in" stream_agg -t t --sliding 30s --every 10s --max-delay 30s --allowed-lateness 10s --time-output epoch count
	[ "$output" = "$want" ]
	feed "$in" bash -c 'stream_window -t t --sliding 30s --every 10s --max-delay 30s --allowed-lateness 10s --time-output epoch | stream_agg --stats count'
	[ "$output" = "$want" ]
	human_stats
	[ "$stderr" = "stream-agg: stats read=12 aggregated=12 filtered=0 rejected=0 late=0 written=8" ]
}

@test "sliding slices: windows with a gap in the data fire only where there are records" {
	feed '{"t":5}\n{"t":1000}\n' stream_agg -t t --sliding 20s --every 10s --time-output epoch count
	[ "$output" = '{"window_start":-10,"window_end":10,"count":1}
{"window_start":0,"window_end":20,"count":1}
{"window_start":990,"window_end":1010,"count":1}
{"window_start":1000,"window_end":1020,"count":1}' ]
}

@test "sliding slices are exact: sum, avg and var of a window equal the tumbling window over the same span" {
	"$STREAMKIT_BIN/../gen" -n 5000 > "$BATS_TEST_TMPDIR/e.jsonl"
	sliding=$(stream_agg -t ts --sliding 2m --every 20s --max-delay 5s --time-output epoch -g status sum:latency_ms avg:latency_ms var:latency_ms "$BATS_TEST_TMPDIR/e.jsonl" |
	    awk -F'"window_start":' '{ split($2, a, ","); if (a[1] % 120 == 0) print }' | sort)
	tumbling=$(stream_agg -t ts --tumbling 2m --max-delay 5s --time-output epoch -g status sum:latency_ms avg:latency_ms var:latency_ms "$BATS_TEST_TMPDIR/e.jsonl" | sort)
	[ -n "$tumbling" ]
	[ "$sliding" = "$tumbling" ]
}

@test "rate: records per second of the window; null without an end" {
	feed '{"t":1}\n{"t":2}\n{"t":3}\n{"t":12}\n' stream_agg -t t --tumbling 10s --time-output epoch count rate
	[ "$output" = '{"window_start":0,"window_end":10,"count":3,"rate":0.3}
{"window_start":10,"window_end":20,"count":1,"rate":0.1}' ]
	feed '{"t":1}\n{"t":2}\n{"t":3}\n{"t":12}\n' stream_agg -t t --session 5s --time-output epoch rate=rps
	[ "$output" = '{"window_start":1,"window_end":8,"rps":0.42857142857142855}
{"window_start":12,"window_end":17,"rps":0.2}' ]
	feed '{"t":1}\n' stream_agg -t t --global rate
	[ "$output" = '{"window_start":"-290308-12-21T19:59:05.224Z","window_end":"294247-01-10T04:00:54.775Z","rate":null}' ]
	feed '{"t":1}\n' stream_agg rate:x
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: rate takes no field: 'rate:x'" ]
}

@test "a record that holds a _t of its own: the one stream-window added counts downstream" {
	feed '{"_t":5,"ts":"2026-11-24T10:00:05Z"}\n' bash -c '"$STREAMKIT_BIN/stream-window" -t ts --tumbling 1m --time-output epoch | "$STREAMKIT_BIN/stream-agg" count'
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":1795514400,"window_end":1795514460,"count":1}' ]
}
