#!/usr/bin/env bats
# stream-window: windows, annotations, the watermark, bad input.

load helper

stream_window() { "$STREAMKIT_BIN/stream-window" "$@"; }
export -f stream_window

# Records only: drop the strategy and watermark lines.
records() { grep -v '^{"_punct":'; }
export -f records

@test "tumbling: each record gets its event time, last; --bounds adds its window's bounds" {
	feed '{"ts":"2026-11-24T10:00:05Z"}\n{"ts":"2026-11-24T10:01:00Z"}\n' \
	    stream_window -t ts --tumbling 1m
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '{"ts":"2026-11-24T10:00:05Z","_t":1795514405000000}' ]
	[ "${lines[2]}" = '{"ts":"2026-11-24T10:01:00Z","_t":1795514460000000}' ]
	[[ "${lines[0]}" != *'"bounds"'* ]]
	feed '{"ts":"2026-11-24T10:00:05Z"}\n{"ts":"2026-11-24T10:01:00Z"}\n' \
	    stream_window -t ts --tumbling 1m --bounds
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == *',"bounds":true}' ]]
	[ "${lines[1]}" = '{"ts":"2026-11-24T10:00:05Z","window_start":"2026-11-24T10:00:00.000Z","window_end":"2026-11-24T10:01:00.000Z","_t":1795514405000000}' ]
	[ "${lines[2]}" = '{"ts":"2026-11-24T10:01:00Z","window_start":"2026-11-24T10:01:00.000Z","window_end":"2026-11-24T10:02:00.000Z","_t":1795514460000000}' ]
}

@test "_t goes in before the closing brace, whatever blanks and CR the line has" {
	feed '{"t":1}\n{"t":2 }\n{"t":3}  \n{ "t":4,"a":{"b":[1]}}\n{"t":-5}\r\n{"t":6,"s":"}"}\n' \
	    stream_window -t t --tumbling 10s --max-delay 1h
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '{"t":1,"_t":1000000}' ]
	[ "${lines[2]}" = '{"t":2 ,"_t":2000000}' ]
	[ "${lines[3]}" = '{"t":3,"_t":3000000}  ' ]
	[ "${lines[4]}" = '{ "t":4,"a":{"b":[1]},"_t":4000000}' ]
	[ "${lines[5]}" = '{"t":-5,"_t":-5000000}' ]
	[ "${lines[6]}" = '{"t":6,"s":"}","_t":6000000}' ]
}

@test "lean annotation: _t in every format; a sliding line's window by its start, _w" {
	feed 't=5 k=a\n' stream_window -t t --tumbling 10s
	[ "${lines[1]}" = 't=5 k=a _t=5000000' ]
	feed 't,k\n5,a\n' stream_window -i csv -t t --tumbling 10s
	[ "$(printf '%s\n' "$output" | records)" = 't,k,_t
5,a,5000000' ]
	feed '{"t":25}\n' stream_window -t t --sliding 30s --every 10s
	[ "$(printf '%s\n' "$output" | records)" = '{"t":25,"_w":0,"_t":25000000}
{"t":25,"_w":10000000,"_t":25000000}
{"t":25,"_w":20000000,"_t":25000000}' ]
	feed 't,k\n25,a\n' stream_window -i csv -t t --sliding 20s --every 10s
	[ "$(printf '%s\n' "$output" | records)" = 't,k,_w,_t
25,a,10000000,25000000
25,a,20000000,25000000' ]
	# what the tools behind read: the same results either way
	in='{"t":1,"k":"a"}\n{"t":12,"k":"b"}\n{"t":25,"k":"a"}\n'
	for w in "--tumbling 10s" "--sliding 20s --every 10s" "--session 5s --key k" "--global"; do
		a=$(printf "$in" | stream_window -t t $w | "$STREAMKIT_BIN/stream-agg" -g k count)
		b=$(printf "$in" | stream_window -t t $w --bounds | "$STREAMKIT_BIN/stream-agg" -g k count)
		[ -n "$a" ]
		[ "$a" = "$b" ] || { echo "differ: $w"; false; }
	done
	# a sliding line that does not say its window is rejected downstream
	feed '{"_punct":"strategy","window":"sliding","size":20000000,"every":10000000,"offset":0,"tz":null,"time":"t","time_format":"auto","time_field":"_t","key":null,"start_field":"window_start","end_field":"window_end","time_output":"rfc3339","max_delay":0,"allowed_lateness":0,"trigger":"watermark","mode":"discard"}\n{"t":25,"_t":25000000}\n' "$STREAMKIT_BIN/stream-agg" count
	[ "$status" -eq 1 ]
	[[ "${stderr_lines[0]}" == *"missing field '_w'"* ]]
}

@test "the strategy line comes first, the end of input last" {
	feed '{"ts":1}\n' stream_window -t ts --tumbling 10s --max-delay 2s
	[ "${lines[0]}" = '{"_punct":"strategy","window":"tumbling","size":10000000,"offset":0,"tz":null,"time":"ts","time_format":"auto","time_field":"_t","key":null,"start_field":"window_start","end_field":"window_end","time_output":"rfc3339","max_delay":2000000,"allowed_lateness":0,"trigger":"watermark","mode":"discard"}' ]
	[ "${lines[2]}" = '{"_punct":"watermark","end":true}' ]
	[ "${#lines[@]}" -eq 3 ]
}

@test "an offset shifts the windows" {
	feed '{"t":10}\n{"t":20}\n' stream_window --bounds -t t --tumbling 1m --offset 15s --time-output epoch
	[ "${lines[1]}" = '{"t":10,"window_start":-45,"window_end":15,"_t":10000000}' ]
	[ "${lines[2]}" = '{"t":20,"window_start":15,"window_end":75,"_t":20000000}' ]
}

@test "times before the epoch fall in the right window" {
	feed '{"t":-1}\n{"t":"1969-12-31T23:59:00Z"}\n' stream_window --bounds -t t --tumbling 1m --time-output epoch
	[ "${lines[1]}" = '{"t":-1,"window_start":-60,"window_end":0,"_t":-1000000}' ]
	[ "${lines[2]}" = '{"t":"1969-12-31T23:59:00Z","window_start":-60,"window_end":0,"_t":-60000000}' ]
}

@test "sliding: one line per window, oldest first" {
	feed '{"t":25}\n' stream_window --bounds -t t --sliding 30s --every 10s --time-output epoch
	[ "$(printf '%s\n' "$output" | records)" = '{"t":25,"window_start":0,"window_end":30,"_t":25000000}
{"t":25,"window_start":10,"window_end":40,"_t":25000000}
{"t":25,"window_start":20,"window_end":50,"_t":25000000}' ]
}

@test "session: the proto-window [t, t+gap)" {
	feed '{"t":1,"u":"a"}\n' stream_window --bounds -t t --session 10s --key u --time-output epoch
	[[ "${lines[0]}" == *'"window":"session","gap":10000000,'*'"key":"u"'* ]]
	[ "${lines[1]}" = '{"t":1,"u":"a","window_start":1,"window_end":11,"_t":1000000}' ]
}

@test "global: one window for all time" {
	feed '{"t":1}\n' stream_window --bounds -t t --global --time-output epoch-us
	[ "${lines[1]}" = '{"t":1,"window_start":-9223372036854775808,"window_end":9223372036854775807,"_t":1000000}' ]
}

@test "window fields can be renamed, times written in epoch-ms" {
	feed '{"t":61}\n' stream_window --bounds -t t --tumbling 1m --start-field ws --end-field we --time-output epoch-ms
	[ "${lines[1]}" = '{"t":61,"ws":60000,"we":120000,"_t":61000000}' ]
}

@test "-o takes table alone: records pass on in their own format, annotated in its syntax" {
	for f in json csv tsv logfmt text; do
		feed '{"t":5}\n' stream_window -t t --tumbling 10s -o "$f"
		[ "$status" -eq 2 ]
		[ "$output" = "" ]
		[ "${stderr_lines[0]}" = "stream-window: -o $f: not a format stream-window writes (it passes records on as they came; -o table shows them)" ]
	done
	# -o auto is the default: each record in its own syntax
	feed '{"t":5}\n' stream_window -t t --tumbling 10s -o auto
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = '{"t":5,"_t":5000000}' ]
	feed 't,k\n5,a\n' stream_window -i csv -t t --tumbling 10s --output-format auto
	[ "$(printf '%s\n' "$output" | records)" = 't,k,_t
5,a,5000000' ]
	feed '{"t":5}\n' stream_window -t t --tumbling 10s -o table
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 't window_start             window_end' ]
	# the tools behind refuse them alike
	feed '' "$STREAMKIT_BIN/stream-trigger" -o csv
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" == *"-o csv: not a format stream-trigger writes"* ]]
	feed '' "$STREAMKIT_BIN/event-route" -o json 'else -> -'
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" == *"-o json: not a format event-route writes"* ]]
}

@test "a day window in Europe/Berlin on 2026-03-29 is 23 hours long" {
	feed '{"t":"2026-03-29T12:00:00Z"}\n{"t":"2026-10-25T12:00:00Z"}\n' \
	    stream_window --bounds -t t --tumbling 1d --tz Europe/Berlin --time-output local
	[ "${lines[1]}" = '{"t":"2026-03-29T12:00:00Z","window_start":"2026-03-29T00:00:00.000+01:00","window_end":"2026-03-30T00:00:00.000+02:00","_t":1774785600000000}' ]
	[ "${lines[2]}" = '{"t":"2026-10-25T12:00:00Z","window_start":"2026-10-25T00:00:00.000+02:00","window_end":"2026-10-26T00:00:00.000+01:00","_t":1792929600000000}' ]
}

@test "with --tz, sizes are whole days" {
	feed '' stream_window -t t --tumbling 1h --tz Europe/Berlin
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-window: with --tz, sizes are whole days or weeks" ]
	feed '' stream_window -t t --tumbling 1d --tz Mars/Olympus
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-window: --tz 'Mars/Olympus': no such time zone" ]
}

@test "logfmt and csv records get the fields as pairs and as columns" {
	feed 't=5 k=a\n' stream_window --bounds -t t --tumbling 10s --time-output epoch
	[ "${lines[1]}" = 't=5 k=a window_start=0 window_end=10 _t=5000000' ]
	feed 't,k\n5,"a,b"\n' stream_window --bounds -i csv -t t --tumbling 10s --time-output epoch
	[ "${lines[1]}" = 't,k,window_start,window_end,_t' ]
	[ "${lines[2]}" = '5,"a,b",0,10,5000000' ]
}

@test "access log lines get key=value pairs at the end" {
	feed '1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5\n' \
	    stream_window --bounds -t time --tumbling 1h
	[ "${lines[1]}" = '1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 window_start=2026-11-24T10:00:00.000Z window_end=2026-11-24T11:00:00.000Z _t=1795514400000000' ]
}

@test "late records pass on unless --drop-late, which counts them" {
	in='{"t":100}\n{"t":5}\n{"t":101}\n'
	feed "$in" stream_window -t t --tumbling 10s --max-delay 0 --stats
	[ "$(printf '%s\n' "$output" | records | wc -l)" -eq 3 ]
	human_stats
	[ "$stderr" = "stream-window: stats read=3 windowed=3 filtered=0 rejected=0 late=0 written=3" ]
	feed "$in" stream_window -t t --tumbling 10s --max-delay 0 --drop-late --stats
	[ "$(printf '%s\n' "$output" | records | wc -l)" -eq 2 ]
	human_stats
	[ "$stderr" = "stream-window: stats read=3 windowed=2 filtered=0 rejected=0 late=1 written=2" ]
}

@test "out of order within --max-delay is not late; beyond it is" {
	# at t=100 the watermark is 100 - max-delay; 85's window ends at 90
	in='{"t":100}\n{"t":85}\n'
	feed "$in" stream_window -t t --tumbling 10s --max-delay 15s --drop-late --stats
	human_stats
	[ "$stderr" = "stream-window: stats read=2 windowed=2 filtered=0 rejected=0 late=0 written=2" ]
	feed "$in" stream_window -t t --tumbling 10s --max-delay 10s --drop-late --stats
	human_stats
	[ "$stderr" = "stream-window: stats read=2 windowed=1 filtered=0 rejected=0 late=1 written=1" ]
}

@test "--allowed-lateness keeps a late record's window open" {
	feed '{"t":100}\n{"t":95}\n' stream_window -t t --tumbling 10s --allowed-lateness 10s --drop-late --stats
	human_stats
	[ "$stderr" = "stream-window: stats read=2 windowed=2 filtered=0 rejected=0 late=0 written=2" ]
}

@test "--max-jump rejects a wild timestamp instead of moving the watermark" {
	in='{"t":"2026-11-24T10:00:00Z"}\n{"t":"2027-11-24T10:00:00Z"}\n{"t":"2026-11-24T10:00:01Z"}\n'
	feed "$in" stream_window -t t --tumbling 1m --max-jump 1h --drop-late --stats
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "stream-window: <stdin>:2: event time more than --max-jump ahead of the watermark: '{\"t\":\"2027-11-24T10:00:00Z\"}'" ]
	[ "${stderr_lines[1]}" = "stream-window: stats read=3 windowed=2 filtered=0 rejected=1 late=0 written=2" ]
}

@test "without --max-jump, a far jump of the watermark is warned about" {
	in='{"t":"2026-11-24T10:00:00Z"}\n{"t":"2027-11-24T10:00:00Z"}\n{"t":"2026-11-24T10:00:01Z"}\n'
	feed "$in" stream_window -t t --tumbling 1m --max-delay 0 --drop-late --stats
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "stream-window: <stdin>:2: watermark jumped from 2026-11-24T10:00:00.000Z to 2027-11-24T10:00:00.000Z; --max-jump rejects such records" ]
	[ "${stderr_lines[1]}" = "stream-window: stats read=3 windowed=2 filtered=0 rejected=0 late=1 written=2" ]
}

@test "a missing or unparseable time is a diagnostic with file and line" {
	feed '{"x":1}\n{"t":"soon"}\n{"t":3}\n' stream_window -t t --tumbling 10s
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-window: <stdin>:1: missing field 't': '{\"x\":1}'
stream-window: <stdin>:2: field 't' is not a time: '{\"t\":\"soon\"}'" ]
	[ "$(printf '%s\n' "$output" | records | wc -l)" -eq 1 ]
}

@test "--time-format names the time's format" {
	feed '{"t":"24/Nov/2026:10:00:05 +0100"}\n' stream_window --bounds -t t --time-format clf --tumbling 1m
	[[ "${lines[1]}" == *'"window_start":"2026-11-24T09:00:00.000Z"'* ]]
	feed '{"t":"2026.11.24 10:00"}\n' stream_window --bounds -t t --time-format '%Y.%m.%d %H:%M' --tumbling 1h
	[[ "${lines[1]}" == *'"window_start":"2026-11-24T10:00:00.000Z"'* ]]
	feed '' stream_window --bounds -t t --time-format 'when' --tumbling 1h
	[ "$status" -eq 2 ]
}

@test "--where selects records before windowing" {
	feed '{"t":1,"l":"a"}\n{"t":2,"l":"b"}\n' stream_window --bounds -t t --tumbling 10s --where 'l == b' --stats
	[ "$(printf '%s\n' "$output" | records)" = '{"t":2,"l":"b","window_start":"1970-01-01T00:00:00.000Z","window_end":"1970-01-01T00:00:10.000Z","_t":2000000}' ]
	human_stats
	[ "$stderr" = "stream-window: stats read=2 windowed=1 filtered=1 rejected=0 late=0 written=1" ]
}

@test "without --time, event time is the arrival time" {
	feed '{"x":1}\n' env STREAMKIT_NOW=2026-11-24T10:00:30Z "$STREAMKIT_BIN/stream-window" --bounds --tumbling 1m
	[ "${lines[1]}" = '{"x":1,"window_start":"2026-11-24T10:00:00.000Z","window_end":"2026-11-24T10:01:00.000Z","_t":1795514430000000}' ]
}

@test "an upstream watermark moves ours and is passed on" {
	feed '{"_punct":"watermark","t":100000000}\n{"t":5}\n' stream_window -t t --tumbling 10s --drop-late --stats
	[ "${lines[1]}" = '{"_punct":"watermark","t":100000000}' ]
	human_stats
	[ "$stderr" = "stream-window: stats read=1 windowed=0 filtered=0 rejected=0 late=1 written=0" ]
}

@test "--idle moves the watermark with the wall clock while input is silent" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo in
	STREAMKIT_NOW=2026-11-24T10:05:00Z "$STREAMKIT_BIN/stream-window" -t t --tumbling 1m --max-delay 0 --idle 50ms < in > out &
	pid=$!
	exec {fd}> in
	printf '{"t":"2026-11-24T10:00:00Z"}\n' >&"$fd"
	wait_lines out 3
	exec {fd}>&-
	wait "$pid"
	[ "$(sed -n 3p out)" = '{"_punct":"watermark","t":1795514700000000}' ]
}

@test "usage errors: no window kind, two kinds, --sliding without --every" {
	feed '' stream_window -t t
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-window: a window kind is needed: --tumbling, --sliding, --session or --global" ]
	feed '' stream_window --tumbling 1m --session 1m
	[ "$status" -eq 2 ]
	feed '' stream_window --sliding 1m
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-window: --sliding needs --every" ]
	feed '' stream_window --tumbling 1x
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-window: --tumbling '1x': not a duration" ]
	feed '' stream_window --sliding 1m --every 2m
	[ "$status" -eq 2 ]
}

@test "stream-window --help and --version" {
	run stream_window --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: stream-window "* ]]
	run stream_window --version
	[[ "$output" == "stream-window "[0-9]* ]]
}

@test "a write error is reported, exit 1" {
	run --separate-stderr bash -c 'printf "{\"t\":1}\n" | "$0" -t t --tumbling 1m > /dev/full' "$STREAMKIT_BIN/stream-window"
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-window: write error: No space left on device" ]
}

@test "streamkit.7's jq recipe gives a lean record its window's bounds, as --bounds does" {
	command -v jq >/dev/null 2>&1 || [ -z "${CI:-}" ] || { echo "jq is missing" >&2; false; }
	command -v jq >/dev/null 2>&1 || skip "jq is not installed"
	cd "$BATS_TEST_TMPDIR"
	printf '{"ts":"2026-11-24T10:00:05Z"}\n{"ts":"2026-11-24T10:01:30Z"}\n' > log.jsonl
	awk '/^With jq, for one-minute windows/ { on = 1; next }
	    on && /^\.Bd/ { inb = 1; next } inb && /^\.Ed/ { exit } inb { print }' \
	    "$TOP/man/streamkit.7" > recipe.sh
	[ "$(wc -l < recipe.sh)" -eq 4 ]
	PATH=$STREAMKIT_BIN:$PATH run bash -e recipe.sh
	[ "$status" -eq 0 ]
	[ "$output" = '{"ts":"2026-11-24T10:00:05Z","_t":1795514405000000,"window_start":"2026-11-24T10:00:00Z","window_end":"2026-11-24T10:01:00Z"}
{"ts":"2026-11-24T10:01:30Z","_t":1795514490000000,"window_start":"2026-11-24T10:01:00Z","window_end":"2026-11-24T10:02:00Z"}' ]
	# the same bounds as --bounds gives, but for the milliseconds
	run stream_window -t ts --tumbling 1m --bounds log.jsonl
	[[ "${lines[1]}" == *'"window_start":"2026-11-24T10:00:00.000Z","window_end":"2026-11-24T10:01:00.000Z"'* ]]
}

@test "full buffers to a pipe: every byte to a slow reader, a quiet end by SIGPIPE for one that goes" {
	cd "$BATS_TEST_TMPDIR"
	awk 'BEGIN { for (i = 0; i < 200000; i++) printf "{\"ts\":%d,\"n\":%d}\n", i / 100, i }' > e.jsonl
	stream_window -t ts --tumbling 10s e.jsonl > file.out
	# a reader that starts late: the pipe fills and the writes wait
	stream_window -t ts --tumbling 10s e.jsonl | { sleep 0.2; cat; } | grep -v '^{"_punct":"run"' > pipe.out
	cmp file.out pipe.out
	[ "$(wc -l < file.out)" -gt 200000 ]
	export -f stream_window
	run --separate-stderr bash -c "stream_window -t ts --tumbling 10s e.jsonl | head -n 2; echo \${PIPESTATUS[0]}"
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[2]}" = 141 ]
	[ -z "$stderr" ]
}
