#!/usr/bin/env bats
# The watermark's default delay: a log minutes out of order loses nothing,
# from a file or a pipe; a live stream is told, once, what it waits for.

load helper

stream_window() { "$STREAMKIT_BIN/stream-window" "$@"; }

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# disordered N MAXBACK: N records one a second, each shifted back by up
# to MAXBACK seconds (deterministic), with a status of five.
disordered() {
	awk -v n="$1" -v back="$2" 'BEGIN {
		for (i = 0; i < n; i++) {
			t = 1795514400 + i - (i * 7919) % (back + 1)
			printf "{\"t\":%d,\"status\":%d}\n", t, 200 + (i * 31) % 5
		}
	}'
}

# totals: the counts of windowed output summed per status, sorted
totals() {
	sed 's/.*"status":\([0-9]*\),"count":\([0-9]*\).*/\1 \2/' |
	    awk '{ n[$1] += $2 } END { for (s in n) print s, n[s] }' | sort
}

@test "records four minutes out of order: every one counted, from a file and from a pipe, exit 0" {
	disordered 20000 240 > log.jsonl
	stream_agg -g status count log.jsonl | totals > want
	[ "$(wc -l < want)" -eq 5 ]
	run --separate-stderr stream_agg -t t --tumbling 1m --stats -g status count log.jsonl
	[ "$status" -eq 0 ]
	human_stats
	[ "$stderr" = "stream-agg: stats read=20000 aggregated=20000 filtered=0 rejected=0 late=0 written=$(printf '%s\n' "$output" | wc -l)" ]
	[ "$(printf '%s\n' "$output" | totals)" = "$(cat want)" ]
	file=$output
	run --separate-stderr bash -c "cat log.jsonl | '$STREAMKIT_BIN/stream-agg' -t t --tumbling 1m -g status count"
	[ "$status" -eq 0 ]
	[ "$output" = "$file" ]
	[ -z "$stderr" ]
	# and the pipeline, which takes the delay from stream-window's strategy
	run bash -c "'$STREAMKIT_BIN/stream-window' -t t --tumbling 1m log.jsonl | '$STREAMKIT_BIN/stream-trigger' | '$STREAMKIT_BIN/stream-agg' -g status count"
	[ "$status" -eq 0 ]
	[ "$output" = "$file" ]
}

@test "the default is 5m for event time, written in the strategy; 0 for processing time" {
	run bash -c "printf '{\"t\":1}\n' | '$STREAMKIT_BIN/stream-window' -t t --tumbling 1m | head -n 1"
	[[ "$output" == *'"max_delay":300000000,'* ]]
	run bash -c "printf '{\"t\":1}\n' | '$STREAMKIT_BIN/stream-window' --tumbling 1m | head -n 1"
	[[ "$output" == *'"max_delay":0,'* ]]
	run bash -c "printf '{\"t\":1}\n' | '$STREAMKIT_BIN/stream-window' -t t --tumbling 1m --max-delay 0 | head -n 1"
	[[ "$output" == *'"max_delay":0,'* ]]
}

@test "past the default delay a record is late: counted, said, exit 1, kept with --late-output" {
	printf '{"t":0,"status":200}\n{"t":400,"status":200}\n{"t":30,"status":500}\n' > log.jsonl
	run --separate-stderr stream_agg -t t --tumbling 1m --time-output epoch --stats -g status count log.jsonl
	[ "$status" -eq 1 ]
	human_stats
	[ "$output" = '{"window_start":0,"window_end":60,"status":200,"count":1}
{"window_start":360,"window_end":420,"status":200,"count":1}' ]
	[ "${stderr_lines[0]}" = "stream-agg: 1 late record dropped; --late-output keeps it" ]
	[ "${stderr_lines[1]}" = "stream-agg: stats read=3 aggregated=2 filtered=0 rejected=0 late=1 written=2" ]
	run stream_agg -t t --tumbling 1m --late-output late.jsonl -g status count log.jsonl
	[ "$status" -eq 0 ]
	[ "$(cat late.jsonl)" = '{"t":30,"status":500}' ]
}

# told FILE: wait (10 s) until FILE holds the default-delay notice
told() {
	local i
	for ((i = 0; i < 1000; i++)); do
		grep -q 'input waits' "$1" 2>/dev/null && return 0
		sleep 0.01
	done
	echo "no notice in $1:" >&2
	cat "$1" >&2
	return 1
}

@test "a live stream on the default is told once what it waits for; its windows wait for it" {
	mkfifo in
	"$STREAMKIT_BIN/stream-agg" -t t --tumbling 10s --time-output epoch count < in > out 2> err &
	pid=$!
	exec 7> in
	printf '{"t":1}\n{"t":15}\n' >&7
	told err
	[ "$(cat err)" = "stream-agg: input waits; windows close once records are 5m past their end (no --max-delay given)" ]
	[ ! -s out ]		# [10,20) waits for a record at 320 s
	printf '{"t":321}\n' >&7
	wait_lines out 2
	printf '{"t":322}\n' >&7
	exec 7>&-
	wait "$pid"
	[ "$(grep -c 'input waits' err)" -eq 1 ]
	[ "$(cat out)" = '{"window_start":0,"window_end":10,"count":1}
{"window_start":10,"window_end":20,"count":1}
{"window_start":320,"window_end":330,"count":2}' ]
}

@test "a live stream with --max-delay: no notice, each window as the delay says" {
	mkfifo in
	"$STREAMKIT_BIN/stream-agg" -t t --tumbling 10s --max-delay 2s --time-output epoch count < in > out 2> err &
	pid=$!
	exec 7> in
	printf '{"t":1}\n{"t":12}\n' >&7
	wait_lines out 1
	[ "$(cat out)" = '{"window_start":0,"window_end":10,"count":1}' ]
	exec 7>&-
	wait "$pid"
	[ ! -s err ]
}

@test "stream-window tells a live stream; stream-agg behind it, reading the strategy, does not" {
	mkfifo in
	stream_window -t t --tumbling 10s < in 2> werr | "$STREAMKIT_BIN/stream-agg" count > out 2> aerr &
	exec 7> in
	printf '{"t":1}\n' >&7
	told werr
	exec 7>&-
	wait
	[ "$(cat werr)" = "stream-window: input waits; windows close once records are 5m past their end (no --max-delay given)" ]
	[ ! -s aerr ]
	[ "$(wc -l < out)" -eq 1 ]
}
