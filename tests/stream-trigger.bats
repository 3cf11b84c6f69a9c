#!/usr/bin/env bats
# stream-trigger: Beam's triggers over a stream-window stream, pane by
# pane, and stream-agg writing the panes the fire lines ask for.

load helper

stream_window() { "$STREAMKIT_BIN/stream-window" "$@"; }
stream_trigger() { "$STREAMKIT_BIN/stream-trigger" "$@"; }
export -f stream_window stream_trigger

# Records at 1 2 3 (window [0,10)), 12 (moves the watermark past 10), 4
# (late, within 10 s of lateness), 25 (past [0,10)'s lateness), 6 (too
# late).
E='{"t":1}\n{"t":2}\n{"t":3}\n{"t":12}\n{"t":4}\n{"t":25}\n{"t":6}\n'

# panes TRIGGER [OPTION...]: the fire lines, shortened to
# "start-end pane timing final", one a line.
panes() {
	printf "%b" "$E" | stream_window -t t --tumbling 10s --max-delay 0 --time-output epoch --allowed-lateness 10s |
	    stream_trigger "$@" 2>/dev/null | grep '^{"_punct":"fire"' |
	    tr -d '{}"' | tr ',:' '  ' |
	    awk '{ printf "%d-%d %s %s %s\n", $4 / 1e6, $6 / 1e6, $8, $10, $12 }'
}

@test "the default trigger: on time, then once for each late record within the lateness" {
	run panes
	[ "$output" = '0-10 0 on_time false
0-10 1 late false
10-20 0 on_time false
20-30 0 on_time true' ]
}

@test "watermark without late: final on time, and later data for the window is dropped" {
	run panes watermark
	[ "$output" = '0-10 0 on_time true
10-20 0 on_time true
20-30 0 on_time true' ]
	run --separate-stderr bash -c "printf '$E' | stream_window -t t --tumbling 10s --max-delay 0 --allowed-lateness 10s | stream_trigger --stats watermark"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "stream-trigger: 2 late records dropped; --late-output keeps them" ]
	[ "${stderr_lines[1]}" = "stream-trigger: stats read=7 passed=5 filtered=0 rejected=0 late=2 written=5" ]
}

@test "empty panes: the on-time one is written unless --on-time if-non-empty; a closing one with --closing always (the man page's table)" {
	run panes 'watermark(early=count(3))'
	[ "$output" = '0-10 0 early false
0-10 1 on_time true
10-20 0 on_time true
20-30 0 on_time true' ]
	run panes --on-time if-non-empty 'watermark(early=count(3))'
	[ "$output" = '0-10 0 early false
10-20 0 on_time true
20-30 0 on_time true' ]
	# --closing keeps the final pane that --on-time would drop
	run panes --on-time if-non-empty --closing always 'watermark(early=count(3))'
	[ "$output" = '0-10 0 early false
0-10 1 on_time true
10-20 0 on_time true
20-30 0 on_time true' ]
	run panes --closing always 'repeat(count(2))'
	[ "$output" = '0-10 0 early false
0-10 1 on_time false
0-10 2 late true
10-20 0 on_time true
20-30 0 on_time true' ]
	run panes --closing always 'count(2)'
	[ "$output" = '0-10 0 early true
10-20 0 on_time true
20-30 0 on_time true' ]
	run panes --closing if-non-empty 'count(2)'
	[ "$output" = '0-10 0 early true' ]
	# the default trigger: a closing pane for each window, at its expiry
	run panes --closing always
	[ "$output" = '0-10 0 on_time false
0-10 1 late false
0-10 2 late true
10-20 0 on_time false
10-20 1 late true
20-30 0 on_time true' ]
}

@test "--on-time and --closing: into the strategy line; bad values are usage errors" {
	run bash -c "printf '{\"t\":1}\n' | stream_window -t t --tumbling 10s | stream_trigger --closing always | head -n 1"
	[[ "$output" == *'"on_time":"always","closing":"always"}' ]]
	run bash -c "printf '{\"t\":1}\n' | stream_window -t t --tumbling 10s | stream_trigger | head -n 1"
	[[ "$output" == *'"on_time":"always","closing":"if-non-empty"}' ]]
	run --separate-stderr stream_trigger --on-time never
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-trigger: --on-time 'never': not always or if-non-empty" ]
	run --separate-stderr stream_trigger --closing ''
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-trigger: --closing '': not always or if-non-empty" ]
	run --separate-stderr "$STREAMKIT_BIN/stream-agg" --on-time Always count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --on-time 'Always': not always or if-non-empty" ]
	run --separate-stderr "$STREAMKIT_BIN/stream-agg" --closing always count
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" == *"window options need a window"* ]]
}

@test "count(N) finishes after firing; a window that never reaches N never fires" {
	run panes 'count(2)'
	[ "$output" = '0-10 0 early true' ]
}

@test "repeat resets its child" {
	run panes 'repeat(count(2))'
	[ "$output" = '0-10 0 early false
0-10 1 on_time false' ]
}

@test "early firings, and the on-time pane fires even when empty" {
	run panes 'watermark(early=count(1))'
	[ "$output" = '0-10 0 early false
0-10 1 early false
0-10 2 early false
10-20 0 early false
0-10 3 on_time true
20-30 0 early false
10-20 1 on_time true
20-30 1 on_time true' ]
}

@test "early and late firings together" {
	run panes 'watermark(early=count(2),late=count(1))'
	[ "$output" = '0-10 0 early false
0-10 1 on_time false
0-10 2 late false
10-20 0 on_time false
20-30 0 on_time true' ]
}

@test "any, all, each and until" {
	run panes 'any(count(3),watermark)'
	[ "$output" = '0-10 0 early true
10-20 0 on_time true
20-30 0 on_time true' ]
	run panes 'all(count(2),watermark)'
	[ "$output" = '0-10 0 on_time true' ]
	run panes 'each(count(1),count(2))'
	[ "$output" = '0-10 0 early false
0-10 1 early true
10-20 0 early false
20-30 0 early false' ]
	run panes 'until(repeat(count(1)),count(2))'
	[ "$output" = '0-10 0 early false
0-10 1 early true
10-20 0 early false
20-30 0 early false' ]
}

@test "stream-agg writes each pane: discarding gives what is new, accumulating the whole" {
	in='{"t":1,"k":"a"}\n{"t":2,"k":"b"}\n{"t":3,"k":"a"}\n{"t":12,"k":"a"}\n{"t":5,"k":"b"}\n'
	feed "$in" bash -c "stream_window -t t --tumbling 10s --max-delay 0 --time-output epoch --allowed-lateness 10s | stream_trigger --pane-info 'watermark(early=count(2),late=count(1))' | stream_agg -g k count"
	[ "$output" = '{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"a","count":1}
{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"b","count":1}
{"window_start":0,"window_end":10,"pane":1,"timing":"on_time","final":false,"k":"a","count":1}
{"window_start":0,"window_end":10,"pane":1,"timing":"on_time","final":false,"k":"b","count":0}
{"window_start":0,"window_end":10,"pane":2,"timing":"late","final":false,"k":"b","count":1}
{"window_start":10,"window_end":20,"pane":0,"timing":"on_time","final":true,"k":"a","count":1}' ]
	feed "$in" bash -c "stream_window -t t --tumbling 10s --max-delay 0 --time-output epoch --allowed-lateness 10s | stream_trigger --accumulate 'watermark(early=count(2),late=count(1))' | stream_agg -g k count"
	[ "$output" = '{"window_start":0,"window_end":10,"k":"a","count":1}
{"window_start":0,"window_end":10,"k":"b","count":1}
{"window_start":0,"window_end":10,"k":"a","count":2}
{"window_start":0,"window_end":10,"k":"b","count":1}
{"window_start":0,"window_end":10,"k":"a","count":2}
{"window_start":0,"window_end":10,"k":"b","count":2}
{"window_start":10,"window_end":20,"k":"a","count":1}' ]
}

@test "the default trigger behind stream-trigger gives what stream-agg alone gives" {
	"$STREAMKIT_BIN/../gen" -n 5000 > "$BATS_TEST_TMPDIR/e.jsonl"
	for opts in "--tumbling 1m --max-delay 2s" "--sliding 2m --every 30s --max-delay 1s"; do
		a=$(stream_agg -t ts $opts -g status count sum:bytes "$BATS_TEST_TMPDIR/e.jsonl" 2>/dev/null || true)
		b=$(stream_window -t ts $opts "$BATS_TEST_TMPDIR/e.jsonl" | stream_trigger 2>/dev/null | stream_agg -g status count sum:bytes)
		[ -n "$a" ]
		[ "$a" = "$b" ] || { echo "differ: $opts"; false; }
	done
}

@test "after(D): processing time, moved by a test clock, fires while input is silent" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo in
	echo 2026-11-24T10:00:00Z > clock
	STREAMKIT_CLOCK=$PWD/clock stream_trigger 'repeat(after(30s))' < in > out &
	pid=$!
	exec {fd}> in
	printf '%s\n' "$(printf '{"t":1}\n' | stream_window -t t --tumbling 1h | head -n 2)" >&"$fd"
	wait_lines out 2
	[ "$(grep -c "_punct\":\"fire" out)" -eq 0 ]
	echo 2026-11-24T10:00:29Z > clock
	echo 2026-11-24T10:00:30Z > clock
	wait_lines out 3
	[ "$(sed -n 3p out)" = '{"_punct":"fire","start":0,"end":3600000000,"pane":0,"timing":"early","final":false}' ]
	exec {fd}>&-
	wait "$pid"
}

@test "--late-output keeps what was too late, exit 0" {
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr bash -c "printf '$E' | stream_window -t t --tumbling 10s --max-delay 0 --allowed-lateness 10s | stream_trigger --late-output late watermark > /dev/null"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(cut -c1-8 late)" = '{"t":4,"
{"t":6,"' ]
}

@test "bad input: no strategy line, a bad trigger, sessions" {
	feed '{"t":1}\n' stream_trigger
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-trigger: <stdin>:1: not a windowed stream: no strategy line first (run stream-window before)" ]
	feed '' stream_trigger 'count(0)'
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-trigger: trigger 'count(0)': at 7: expected a count of 1 or more" ]
	feed '{"t":1}\n' bash -c 'stream_window -t t --session 5s | stream_trigger'
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-trigger: <stdin>:1: session windows without a key: stream-trigger merges sessions per key (stream-window --key)" ]
	feed '{"t":1}\n' bash -c 'stream_window -t t --tumbling 5s | stream_trigger | stream_trigger'
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-trigger: <stdin>:1: the stream has been through stream-trigger already" ]
}

@test "stream-agg --trigger in-process gives what the pipeline gives" {
	in='{"t":1,"k":"a"}\n{"t":2,"k":"b"}\n{"t":3,"k":"a"}\n{"t":12,"k":"a"}\n{"t":5,"k":"b"}\n{"t":25,"k":"a"}\n{"t":6,"k":"a"}\n'
	for T in 'repeat(watermark)' watermark 'count(2)' 'repeat(count(2))' \
	    'watermark(early=count(1))' 'watermark(early=count(2),late=count(1))' \
	    'any(count(3),watermark)' 'each(count(1),count(2))'; do
		for M in --discard --accumulate; do
			a=$(printf "$in" | stream_agg -t t --tumbling 10s --allowed-lateness 10s --time-output epoch --trigger "$T" $M --pane-info -g k count 2>/dev/null || true)
			b=$(printf "$in" | stream_window -t t --tumbling 10s --allowed-lateness 10s --time-output epoch | stream_trigger $M --pane-info "$T" 2>/dev/null | stream_agg -g k count)
			[ -n "$a" ]
			[ "$a" = "$b" ] || { echo "differ: $T $M"; false; }
		done
	done
	"$STREAMKIT_BIN/../gen" -n 5000 > "$BATS_TEST_TMPDIR/e.jsonl"
	for opts in "--tumbling 1m --max-delay 2s" "--sliding 2m --every 30s --max-delay 1s --allowed-lateness 5s"; do
		a=$(stream_agg -t ts $opts --trigger 'watermark(early=count(100))' --pane-info -g status count sum:bytes "$BATS_TEST_TMPDIR/e.jsonl" 2>/dev/null || true)
		b=$(stream_window -t ts $opts "$BATS_TEST_TMPDIR/e.jsonl" | stream_trigger --pane-info 'watermark(early=count(100))' 2>/dev/null | stream_agg -g status count sum:bytes)
		[ -n "$a" ]
		[ "$a" = "$b" ] || { echo "differ: $opts"; false; }
	done
}

@test "stream-agg --trigger: usage errors" {
	feed '' stream_agg --trigger 'count(2)' count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: window options need a window: --tumbling, --sliding or --global" ]
	feed '' stream_agg -t t --tumbling 1m --trigger 'count(' count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --trigger 'count(': at 7: expected a count of 1 or more" ]
	feed '' stream_agg -t t --tumbling 1m --trigger 'count(2)' --partial count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --trigger does not go with --partial: merge partial runs, then trigger" ]
}

@test "--retract: before each new pane, the one before it, marked, to subtract" {
	in='{"t":1,"k":"a"}\n{"t":2,"k":"b"}\n{"t":3,"k":"a"}\n{"t":12,"k":"a"}\n{"t":5,"k":"b"}\n'
	want='{"window_start":0,"window_end":10,"k":"a","count":1}
{"window_start":0,"window_end":10,"k":"b","count":1}
{"window_start":0,"window_end":10,"retract":true,"k":"a","count":1}
{"window_start":0,"window_end":10,"retract":true,"k":"b","count":1}
{"window_start":0,"window_end":10,"k":"a","count":2}
{"window_start":0,"window_end":10,"k":"b","count":1}
{"window_start":0,"window_end":10,"retract":true,"k":"a","count":2}
{"window_start":0,"window_end":10,"retract":true,"k":"b","count":1}
{"window_start":0,"window_end":10,"k":"a","count":2}
{"window_start":0,"window_end":10,"k":"b","count":2}
{"window_start":10,"window_end":20,"k":"a","count":1}'
	feed "$in" bash -c "stream_window -t t --tumbling 10s --max-delay 0 --time-output epoch --allowed-lateness 10s | stream_trigger --retract 'watermark(early=count(2),late=count(1))' | stream_agg -g k count"
	[ "$output" = "$want" ]
	feed "$in" stream_agg -t t --tumbling 10s --max-delay 0 --time-output epoch --allowed-lateness 10s --trigger 'watermark(early=count(2),late=count(1))' --retract -g k count
	[ "$output" = "$want" ]
	feed "$in" bash -c "stream_window -t t --tumbling 10s --max-delay 0 | stream_trigger --retract | head -n 1"
	[[ "$output" == *'"mode":"retract"'* ]]
}

# Sessions of gap 5 s per k, 10 s of lateness: a's 1 and 3 merge, b's 5
# comes after b's on-time pane and merges late, 9 grows it past the
# watermark again, 11 comes past a's lateness.
S='{"t":1,"k":"a"}\n{"t":2,"k":"b"}\n{"t":3,"k":"a"}\n{"t":12,"k":"a"}\n{"t":5,"k":"b"}\n{"t":9,"k":"b"}\n{"t":30,"k":"b"}\n{"t":11,"k":"a"}\n'

@test "sessions: merged per key, early, on-time and late panes, the index from 0 after a merge" {
	run --separate-stderr bash -c "printf '$S' | stream_window -t t --session 5s --max-delay 0 --key k --allowed-lateness 10s --time-output epoch | stream_trigger --pane-info 'watermark(early=count(2),late=count(1))' | grep '\"fire\"'"
	[ "$status" -eq 0 ]
	[ "$output" = '{"_punct":"fire","start":1000000,"end":8000000,"pane":0,"timing":"early","final":false,"key":["a"]}
{"_punct":"fire","start":2000000,"end":7000000,"pane":0,"timing":"on_time","final":false,"key":["b"]}
{"_punct":"fire","start":1000000,"end":8000000,"pane":1,"timing":"on_time","final":false,"key":["a"]}
{"_punct":"fire","start":2000000,"end":10000000,"pane":0,"timing":"late","final":false,"key":["b"]}
{"_punct":"fire","start":2000000,"end":14000000,"pane":0,"timing":"on_time","final":false,"key":["b"]}
{"_punct":"fire","start":12000000,"end":17000000,"pane":0,"timing":"on_time","final":false,"key":["a"]}
{"_punct":"fire","start":30000000,"end":35000000,"pane":0,"timing":"on_time","final":true,"key":["b"]}' ]
	[ "$stderr" = "stream-trigger: 1 late record dropped; --late-output keeps it" ]
	# stream-agg merges the sessions as stream-trigger did, and writes each pane
	run --separate-stderr bash -c "printf '$S' | stream_window -t t --session 5s --max-delay 0 --key k --allowed-lateness 10s --time-output epoch | stream_trigger --accumulate --pane-info 'watermark(early=count(2),late=count(1))' 2>/dev/null | stream_agg -g k count"
	[ "$output" = '{"window_start":1,"window_end":8,"pane":0,"timing":"early","final":false,"k":"a","count":2}
{"window_start":2,"window_end":7,"pane":0,"timing":"on_time","final":false,"k":"b","count":1}
{"window_start":1,"window_end":8,"pane":1,"timing":"on_time","final":false,"k":"a","count":2}
{"window_start":2,"window_end":10,"pane":0,"timing":"late","final":false,"k":"b","count":2}
{"window_start":2,"window_end":14,"pane":0,"timing":"on_time","final":false,"k":"b","count":3}
{"window_start":12,"window_end":17,"pane":0,"timing":"on_time","final":false,"k":"a","count":1}
{"window_start":30,"window_end":35,"pane":0,"timing":"on_time","final":true,"k":"b","count":1}' ]
}

@test "sessions: a finished trigger drops what comes for its session; past the lateness, dropped too" {
	cd "$BATS_TEST_TMPDIR"
	# count(1) finishes at each session's first record: a's 3 and b's 5
	# would merge into closed sessions; b's 9 starts one of its own; a's 11
	# is past the lateness
	run --separate-stderr bash -c "printf '$S' | stream_window -t t --session 5s --key k --allowed-lateness 10s --time-output epoch | stream_trigger --late-output late 'count(1)' | grep '\"fire\"' | cut -d, -f2-3"
	[ "$status" -eq 0 ]
	[ "$output" = '"start":1000000,"end":6000000
"start":2000000,"end":7000000
"start":12000000,"end":17000000
"start":9000000,"end":14000000
"start":30000000,"end":35000000' ]
	[ "$(cut -d, -f1 late)" = '{"t":3
{"t":5
{"t":11' ]
}

@test "sessions: stream-agg --trigger in-process gives what the pipeline gives" {
	for T in 'repeat(watermark)' watermark 'count(2)' 'repeat(count(2))' \
	    'watermark(early=count(1))' 'watermark(early=count(2),late=count(1))' \
	    'any(count(3),watermark)' 'each(count(1),count(2))'; do
		for M in --discard --accumulate; do
			a=$(printf "$S" | stream_agg -t t --session 5s --key k --allowed-lateness 10s --time-output epoch --trigger "$T" $M --pane-info -g k count 2>/dev/null || true)
			b=$(printf "$S" | stream_window -t t --session 5s --key k --allowed-lateness 10s --time-output epoch | stream_trigger $M --pane-info "$T" 2>/dev/null | stream_agg -g k count)
			[ -n "$a" ]
			[ "$a" = "$b" ] || { echo "differ: $T $M"; false; }
		done
	done
	"$STREAMKIT_BIN/../gen" -n 5000 > "$BATS_TEST_TMPDIR/e.jsonl"
	a=$(stream_agg -t ts --session 2s --key host --max-delay 1s --allowed-lateness 5s --trigger 'watermark(early=count(10),late=count(1))' --accumulate --pane-info -g host,status count sum:bytes "$BATS_TEST_TMPDIR/e.jsonl" 2>/dev/null || true)
	b=$(stream_window -t ts --session 2s --key host --max-delay 1s --allowed-lateness 5s "$BATS_TEST_TMPDIR/e.jsonl" | stream_trigger --accumulate --pane-info 'watermark(early=count(10),late=count(1))' 2>/dev/null | stream_agg -g host,status count sum:bytes)
	[ "$(printf '%s\n' "$a" | wc -l)" -gt 1000 ]
	[ "$a" = "$b" ]
	# and the default trigger gives what stream-agg's own sessions give
	a=$(stream_agg -t ts --session 2s --key host --max-delay 1s -g host count "$BATS_TEST_TMPDIR/e.jsonl" 2>/dev/null || true)
	b=$(stream_window -t ts --session 2s --key host --max-delay 1s "$BATS_TEST_TMPDIR/e.jsonl" | stream_trigger 2>/dev/null | stream_agg -g host count)
	[ "$a" = "$b" ]
}

@test "sessions: --state carries merged sessions and their triggers to the next run" {
	cd "$BATS_TEST_TMPDIR"
	T='watermark(early=count(2),late=count(1))'
	printf "$S" | stream_window -t t --session 5s --key k --allowed-lateness 10s > w.jsonl
	stream_trigger "$T" < w.jsonl 2>/dev/null | grep '"fire"' > one
	head -n 5 w.jsonl | stream_trigger --state st "$T" 2>/dev/null | grep '"fire"' > two
	grep -q 'key=\["a"\]' st
	{ head -n 1 w.jsonl; tail -n +6 w.jsonl; } | stream_trigger --state st "$T" 2>/dev/null | grep '"fire"' >> two
	cmp one two
}

@test "sessions: a fire line for a session stream-agg does not hold writes nothing" {
	feed '{"_punct":"strategy","window":"session","gap":5000000,"time":"t","time_field":"_t","key":"k","trigger":"count(1)","fire_lines":true}\n{"t":1,"k":"a","_t":1000000}\n{"_punct":"fire","start":1000000,"end":6000000,"pane":0,"timing":"early","final":false,"key":["b"]}\n{"_punct":"fire","start":1000000,"end":7000000,"pane":0,"timing":"early","final":false,"key":["a"]}\n{"_punct":"fire","start":1000000,"end":6000000,"pane":0,"timing":"early","final":false,"key":["a"]}\n' stream_agg --time-output epoch count
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":1,"window_end":6,"k":"a","count":1}' ]
	feed '{"_punct":"strategy","window":"session","gap":5000000,"time":"t","time_field":"_t","key":"k","trigger":"count(1)","fire_lines":true}\n{"_punct":"fire","start":1,"end":6,"key":"a"}\n' stream_agg count
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "stream-agg: <stdin>:2: bad control line: a fire line's key must be an array: '{\"_punct\":\"fire\",\"start\":1,\"end\":6,\"key\"'..." ]
}

@test "bad input: a watermark line that goes back is reported, and goes no further" {
	run --separate-stderr bash -c "printf '{\"t\":1}\n{\"t\":30}\n' | stream_window -t t --tumbling 10s --time-output epoch | sed '2a {\"_punct\":\"watermark\",\"t\":20000000}\n{\"_punct\":\"watermark\",\"t\":1000}' | stream_trigger | stream_agg count"
	[ "$status" -eq 0 ]	# the last stage's
	[ "$output" = '{"window_start":0,"window_end":10,"count":1}
{"window_start":30,"window_end":40,"count":1}' ]
	[ "$stderr" = "stream-trigger: <stdin>:4: watermark goes back, from 20000000 to 1000: ignored" ]
	feed '{"_punct":"watermark","t":5}\n{"_punct":"watermark","t":4}\n' stream_agg count
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-agg: <stdin>:2: watermark goes back, from 5 to 4: ignored" ]
}

@test "stream-trigger.1's worked examples: each trigger's panes, as the page gives them" {
	local page="$TOP/man/stream-trigger.1" n=0 T want
	cd "$BATS_TEST_TMPDIR"
	# the table: a trigger, then its panes, indented, one a line
	sed -n '/^\.Ss Worked examples/,/^\.Ed/p' "$page" | sed -n '/^\.Bd/,/^\.Ed/p' | sed '1d;$d' |
	    awk '/^[^ ]/ { t = $1; sub(/^[^ ]+ +/, "") } { sub(/^ +/, ""); print t "\t" $0 }' > table
	for T in $(cut -f 1 table | uniq); do
		want=$(awk -F '\t' -v t="$T" '$1 == t { print $2 }' table)
		[ "$want" = "(none: no time passes)" ] && want=""
		[ "$(panes "$T")" = "$want" ] || { echo "differ: $T"; false; }
		n=$((n + 1))
	done
	[ "$n" -eq 11 ]
}

@test "sessions: a late record's time moves the watermark downstream too, by a watermark line" {
	# 37 is late (its session closed under count(1)), and 39 had made
	# a's [36,39) expire: both ways agree on 37's own session
	in='{"t":38,"k":"b"}\n{"t":36,"k":"a"}\n{"t":39,"k":"b"}\n{"t":37,"k":"a"}\n{"t":38,"k":"a"}\n'
	a=$(printf "$in" | stream_agg -t t --session 3s --max-delay 0 --key k --time-output epoch --trigger 'count(1)' -g k count 2>/dev/null || true)
	run --separate-stderr bash -c "printf '$in' | stream_window -t t --session 3s --max-delay 0 --key k --time-output epoch | stream_trigger 'count(1)'"
	[[ "$output" == *'{"_punct":"watermark","t":39000000}'* ]]
	b=$(printf "$in" | stream_window -t t --session 3s --max-delay 0 --key k --time-output epoch | stream_trigger 'count(1)' 2>/dev/null | stream_agg -g k count)
	[ "$a" = "$b" ]
	[ "$a" = '{"window_start":38,"window_end":41,"k":"b","count":1}
{"window_start":36,"window_end":39,"k":"a","count":1}
{"window_start":37,"window_end":40,"k":"a","count":1}' ]
}

@test "sessions: the default trigger and stream-agg alone: the same windows, in the same order" {
	in='{"t":1,"k":"a"}\n{"t":10,"k":"b"}\n{"t":20,"k":"b"}\n{"t":20,"k":"a"}\n{"t":125,"k":"c"}\n{"t":118,"k":"b"}\n{"t":120,"k":"b"}\n'
	a=$(printf "$in" | stream_agg -t t --session 3s --max-delay 0 --key k --allowed-lateness 8s --time-output epoch -g k count 2>/dev/null || true)
	b=$(printf "$in" | stream_window -t t --session 3s --max-delay 0 --key k --allowed-lateness 8s --time-output epoch | stream_trigger 2>/dev/null | stream_agg -g k count)
	[ "$a" = "$b" ]
	# 118 opens a session behind the watermark: a late pane at once,
	# and 120 merges into it for another
	[ "$a" = '{"window_start":1,"window_end":4,"k":"a","count":1}
{"window_start":10,"window_end":13,"k":"b","count":1}
{"window_start":20,"window_end":23,"k":"b","count":1}
{"window_start":20,"window_end":23,"k":"a","count":1}
{"window_start":118,"window_end":121,"k":"b","count":1}
{"window_start":118,"window_end":123,"k":"b","count":1}
{"window_start":125,"window_end":128,"k":"c","count":1}' ]
}

@test "sessions: keys that come and go are forgotten, and the windows stay the same" {
	cd "$BATS_TEST_TMPDIR"
	# 7,000 keys, each back every 7,000 s, long after its session expired:
	# the tables of keys are rebuilt several times on the way
	seq 1 30000 | awk '{ printf "{\"t\":%d,\"k\":\"k%d\"}\n", $1, $1 % 7000 }' > keys.jsonl
	stream_agg -t t --session 2s --key k --time-output epoch -g k count keys.jsonl > a
	[ "$(wc -l < a)" -eq 30000 ]
	stream_window -t t --session 2s --key k --time-output epoch keys.jsonl | stream_trigger | stream_agg -g k count > b
	stream_agg -t t --session 2s --key k --time-output epoch --trigger 'repeat(watermark)' -g k count keys.jsonl > c
	cmp a b
	cmp a c
}

@test "sessions with --retract: the panes of the sessions a merge takes are retracted first" {
	cd "$BATS_TEST_TMPDIR"
	in='{"t":1,"k":"a"}\n{"t":9,"k":"a"}\n{"t":5,"k":"a"}\n{"t":2,"k":"b"}\n{"t":4,"k":"b"}\n'
	want='{"window_start":1,"window_end":6,"k":"a","count":1}
{"window_start":9,"window_end":14,"k":"a","count":1}
{"window_start":1,"window_end":6,"retract":true,"k":"a","count":1}
{"window_start":9,"window_end":14,"retract":true,"k":"a","count":1}
{"window_start":1,"window_end":14,"k":"a","count":3}
{"window_start":2,"window_end":7,"k":"b","count":1}
{"window_start":2,"window_end":7,"retract":true,"k":"b","count":1}
{"window_start":2,"window_end":9,"k":"b","count":2}'
	run --separate-stderr bash -c "printf '$in' | stream_window -t t --session 5s --key k --allowed-lateness 10s --time-output epoch | stream_trigger --retract 'repeat(count(1))' | stream_agg count"
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	run --separate-stderr bash -c "printf '$in' | stream_agg -t t --session 5s --key k --allowed-lateness 10s --time-output epoch --trigger 'repeat(count(1))' --retract count"
	[ "$output" = "$want" ]
	# the panes less the retractions: each session once
	printf "$in" | stream_agg -t t --session 5s --key k --allowed-lateness 10s --time-output epoch --trigger 'repeat(count(1))' --retract count |
	    awk '{ n = $0; sub(/.*"count":/, "", n); sub(/}/, "", n); total += /"retract":true/ ? -n : n } END { print total }' > sum
	[ "$(cat sum)" = 5 ]
}

@test "behind stream-window a record is read only as far as the trigger needs: its _t, from the end" {
	cd "$BATS_TEST_TMPDIR"
	st=$(printf '{"t":1}\n' | stream_window -t t --tumbling 10s --max-delay 0 | head -n 1)
	# the middle of this line is not JSON: stream-window would have
	# refused it; behind it, only _t is read, and the line passes as is
	printf '%s\n{"a":[1,"b":2,"_t":5000000}\n{"x":1,"_t":12000000}\n' "$st" > in.jsonl
	run --separate-stderr stream_trigger --stats 'repeat(watermark)' in.jsonl
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '{"a":[1,"b":2,"_t":5000000}' ]
	[ "${lines[2]}" = '{"x":1,"_t":12000000}' ]
	[ "${lines[3]}" = '{"_punct":"fire","start":0,"end":10000000,"pane":0,"timing":"on_time","final":false}' ]
	[ "${stderr_lines[0]}" = "stream-trigger: stats read=2 passed=2 filtered=0 rejected=0 late=0 written=2" ]
	# a field the stage does use is still checked
	printf '%s\n{"a":[1,"_t":"soon"}\n' "$st" > bad.jsonl
	run --separate-stderr stream_trigger 'repeat(watermark)' bad.jsonl
	[ "$status" -eq 1 ]
	[[ "${stderr_lines[0]}" == *"bad.jsonl:2:"* ]]
}

@test "CSV and TSV: the header is passed on before the records, so stream-agg behind reads them" {
	cd "$BATS_TEST_TMPDIR"
	printf 'ts,status\n1,200\n2,200\n12,500\n' > in.csv
	run --separate-stderr bash -c "stream_window -i csv -t ts --tumbling 10s --max-delay 0 --time-output epoch in.csv | stream_trigger -i csv | stream_agg -i csv -g status count"
	[ "$status" -eq 0 ]
	[ "$output" = 'window_start,window_end,status,count
0,10,200,2
10,20,500,1' ]
	[ -z "$stderr" ]
	run --separate-stderr bash -c "stream_window -i csv -t ts --tumbling 10s --max-delay 0 --time-output epoch in.csv | stream_trigger -i csv | sed -n 2p"
	[ "$output" = 'ts,status,_t' ]
	tr , '\t' < in.csv > in.tsv
	run --separate-stderr bash -c "stream_window -i tsv -t ts --tumbling 10s --max-delay 0 --time-output epoch in.tsv | stream_trigger -i tsv | stream_agg -i tsv -g status count"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "$(printf '0\t10\t200\t2')" ]
}

# runs_input: a windowed stream of 6000 records a second apart, of
# lengths that put the ends of the reader's blocks (256 kB) anywhere in
# a line, with a late record, a rejected one, one ending in CR-LF and a
# watermark line among them, and a last line without its newline.
# runs_expected: what stream-trigger writes for it, by the rule: each
# record passed as it came, the fire line of the window the watermark
# (max-delay 0) passed right after the record that moved it.
runs_input() {
	printf '{"t":1}\n' | stream_window -t t --tumbling 10s --max-delay 0 | head -n 1
	awk 'BEGIN {
		for (i = 0; i < 6000; i++) {
			pad = sprintf("%*s", (i * 37) % 500, "")
			gsub(/ /, "x", pad)
			printf "{\"i\":%d,\"pad\":\"%s\",\"_t\":%.0f}\n", i, pad, i * 1000000
			if (i == 1500)
				print "{\"i\":\"late\",\"_t\":0}"
			if (i == 2500)
				print "{\"i\":\"bad\",\"_t\":\"soon\"}"
			if (i == 3500)
				printf "{\"i\":\"crlf\",\"_t\":%.0f}\r\n", i * 1000000
			if (i == 4500)
				printf "{\"_punct\":\"watermark\",\"t\":%.0f}\n", i * 1000000
		}
		printf "{\"i\":\"last\",\"_t\":6000000000}"
	}'
}
runs_expected() {
	awk 'function fire(s, fin) {
		printf "{\"_punct\":\"fire\",\"start\":%.0f,\"end\":%.0f,\"pane\":0,\"timing\":\"on_time\",\"final\":%s}\n", s, s + 10000000, fin
	}
	NR == 1 || /"late"|"bad"/ { next }
	/_punct/ { print; next }
	{
		sub(/\r$/, "")
		print
		t = $0
		sub(/.*"_t":/, "", t)
		sub(/}/, "", t)
		t += 0
		if (NR == 2)
			start = 0
		if (t >= start + 10000000) {
			fire(start, "false")
			start = t - t % 10000000
		}
	}
	END { fire(start, "true"); print "{\"_punct\":\"watermark\",\"end\":true}" }'
}

runs_check() {
	run --separate-stderr "$@"
	[ "$status" -eq 1 ]
	printf '%s\n' "${lines[@]:1}" > got
	cmp got want
	[[ "${stderr_lines[0]}" == *":2504: field '_t' is not a time"* ]]
	[ "${stderr_lines[2]}" = "stream-trigger: stats read=6004 passed=6002 filtered=0 rejected=1 late=1 written=6002" ]
}

@test "passed records go out as runs of the input's bytes: across blocks, around late, rejected and CR-LF records and control lines" {
	cd "$BATS_TEST_TMPDIR"
	runs_input > in.jsonl
	runs_expected < in.jsonl > want
	[ "$(wc -l < want)" -eq 6605 ]
	# from a file, and from a pipe (bulk: read ahead by a second thread
	# once -w wants a field of its own)
	runs_check stream_trigger --stats 'repeat(watermark)' in.jsonl
	runs_check stream_trigger --stats -w 'has i' 'repeat(watermark)' in.jsonl
	runs_check bash -c "cat in.jsonl | stream_trigger --stats"
	runs_check bash -c "cat in.jsonl | stream_trigger --stats -w 'has i'"
}

@test "passed records go out as runs: CSV, with a quoted cell over two lines in the middle of one" {
	cd "$BATS_TEST_TMPDIR"
	printf 'ts,note\n' > in.csv
	awk 'BEGIN { for (i = 0; i < 20000; i++) {
		if (i == 9000)
			printf "%d,\"two\nlines\"\n", i
		else
			printf "%d,%*s\n", i, (i * 13) % 90 + 1, "n"
	} }' >> in.csv
	stream_window -i csv -t ts --tumbling 1d --max-delay 0 --time-output epoch in.csv > w.csv
	run --separate-stderr bash -c "cat w.csv | stream_trigger -i csv"
	[ "$status" -eq 0 ]
	# the header, then every record as stream-window wrote it
	[ "$(printf '%s\n' "${lines[@]:1:20002}")" = "$(sed '1d;$d' w.csv)" ]
	[ "${lines[20003]}" = '{"_punct":"fire","start":0,"end":86400000000,"pane":0,"timing":"on_time","final":true}' ]
}

@test "passed records from a pipe to a pipe: megabytes of late records between two runs, and a reader that stops early" {
	cd "$BATS_TEST_TMPDIR"
	{
		printf '{"t":1}\n' | stream_window -t t --tumbling 10s --max-delay 0 | head -n 1
		printf '{"i":"first","_t":1000000000}\n'
		awk 'BEGIN { for (i = 0; i < 12000; i++)
			printf "{\"i\":%d,\"pad\":\"%0200d\",\"_t\":5000000}\n", i, i }'
		printf '{"i":"next","_t":1001000000}\n{"i":"last","_t":1002000000}\n'
	} > late.jsonl
	[ "$(wc -c < late.jsonl)" -gt 2500000 ]
	run --separate-stderr bash -c "set -o pipefail; cat late.jsonl | stream_trigger --stats | cat"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 6 ]
	[ "${lines[1]}" = '{"i":"first","_t":1000000000}' ]
	[ "${lines[2]}" = '{"i":"next","_t":1001000000}' ]
	[ "${lines[3]}" = '{"i":"last","_t":1002000000}' ]
	[ "${lines[4]}" = '{"_punct":"fire","start":1000000000,"end":1010000000,"pane":0,"timing":"on_time","final":true}' ]
	[ "${stderr_lines[1]}" = "stream-trigger: stats read=12003 passed=3 filtered=0 rejected=0 late=12000 written=3" ]
	# the reader behind goes after two lines: the rest is not written
	export -f runs_input
	run bash -c "runs_input | stream_trigger 2>/dev/null | head -n 2; echo \${PIPESTATUS[1]}"
	[ "${lines[1]}" = '{"i":0,"pad":"","_t":0}' ]
	[ "${lines[2]}" = 141 ]
}

@test "records read by their _t alone and records read whole: the same output, exit and diagnostics, from a file and from a pipe" {
	cd "$BATS_TEST_TMPDIR"
	{
		printf '{"t":1}\n' | stream_window -t t --tumbling 10s --max-delay 0 --time-output epoch | head -n 1
		awk 'BEGIN { for (i = 0; i < 3000; i++)
			printf "{\"i\":%d,\"_t\":%d}\n", i, 1000000 + (i * 7919) % 8000000 }'
		printf '{"i":"crlf","_t":2000000}\r\n'
		printf '{"_punct":"watermark","t":1500000}\n'
		printf '{"i":"blank","_t":3000000} \n'
		printf '{"i":"long","pad":"%0500d","_t":4000000}\n' 0
		printf 'x,"i":"no brace","_t":4500000}\n'
		awk 'BEGIN { for (i = 0; i < 3000; i++)
			printf "{\"i\":%d,\"_t\":%d}\n", i, 12000000 + (i * 7919) % 7000000 }'
		printf '{"i":"late","_t":5000000}\n'
		printf '{"i":"end","_t":19500000}'
	} > s.jsonl
	# by _t alone where it can (not under --stats, whose delays need
	# each record read); -w and --stats read every record whole
	rc=0; stream_trigger --max-line-bytes 400 < s.jsonl > fast.out 2> fast.err || rc=$?
	[ "$rc" -eq 1 ]
	rc=0; stream_trigger --max-line-bytes 400 -w 'has _t' < s.jsonl > whole.out 2> whole.err || rc=$?
	[ "$rc" -eq 1 ]
	rc=0; stream_trigger --max-line-bytes 400 --stats < s.jsonl > stats.out 2> stats.err || rc=$?
	[ "$rc" -eq 1 ]
	rc=0; cat s.jsonl | stream_trigger --max-line-bytes 400 > pipe.out 2> pipe.err || rc=$?
	[ "$rc" -eq 1 ]
	cmp fast.out whole.out
	cmp fast.out stats.out
	cmp fast.out pipe.out
	cmp fast.err whole.err
	cmp fast.err pipe.err
	[ "$(wc -l < fast.out)" -eq 6008 ]
	[ "$(sed -n 3002,3004p fast.out)" = '{"i":"crlf","_t":2000000}
{"_punct":"watermark","t":1500000}
{"i":"blank","_t":3000000} ' ]
	# the record that moves the watermark past 10 s, then the fire
	[ "$(sed -n 3005,3006p fast.out)" = '{"i":0,"_t":12000000}
{"_punct":"fire","start":0,"end":10000000,"pane":0,"timing":"on_time","final":false}' ]
	[ "$(tail -n 2 fast.out | head -n 1)" = '{"_punct":"fire","start":10000000,"end":20000000,"pane":0,"timing":"on_time","final":true}' ]
	grep -q ':3005: line longer than --max-line-bytes (400), skipped$' fast.err
	grep -q ":3006: expected '{'" fast.err
	grep -q '^stream-trigger: stats read=6006 passed=6003 filtered=0 rejected=2 late=1 written=6003$' stats.err
}
