#!/usr/bin/env bats
# Live streams: SIGINT and SIGTERM end the input as if it had ended;
# SIGUSR1 prints the ledger so far and goes on; --progress on a terminal.
# Live input through a FIFO; every wait is on an outcome, never a guessed
# time.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	mkfifo in
}

# caught PID: wait until PID catches SIGUSR1 (10 s), so that the first
# one cannot kill it before it has installed its handlers.
caught() {
	local i mask
	for ((i = 0; i < 1000; i++)); do
		mask=$(sed -n 's/^SigCgt:\t*//p' "/proc/$1/status" 2>/dev/null)
		[ -n "$mask" ] && (( 0x$mask & 0x200 )) && return 0
		sleep 0.01
	done
	echo "$1 never caught SIGUSR1" >&2
	return 1
}

# usr1_until PID FILE TEXT: send SIGUSR1 until FILE holds TEXT (10 s).
usr1_until() {
	local i
	caught "$1"
	for ((i = 0; i < 200; i++)); do
		kill -USR1 "$1"
		grep -q -- "$3" "$2" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "no '$3' in $2" >&2
	return 1
}

@test "stream-agg: SIGUSR1 shows the ledger so far, SIGTERM ends the input" {
	"$STREAMKIT_BIN/stream-agg" --stats -g k count < in > out 2> err &
	pid=$!
	exec {fd}> in
	printf '{"k":1}\n{"k":2}\n{"k":1}\n' >&"$fd"
	usr1_until "$pid" err "read=3"
	[ "$(grep read=3 err | head -n 1)" = "stream-agg: stats read=3 aggregated=3 filtered=0 rejected=0 late=0 written=0" ]
	[ ! -s out ]
	kill -TERM "$pid"
	wait "$pid"		# exit status 0: it finished as at end of input
	exec {fd}>&-
	[ "$(cat out)" = '{"k":1,"count":2}
{"k":2,"count":1}' ]
	human_stats_in err
	[ "$(tail -n 1 err)" = "stream-agg: stats read=3 aggregated=3 filtered=0 rejected=0 late=0 written=2" ]
}

@test "SIGTERM in the middle of a line: the input ends at the last whole one" {
	"$STREAMKIT_BIN/stream-agg" --stats -g k count < in > out 2> err &
	pid=$!
	exec {fd}> in
	printf '{"k":1}\n{"k":2}\n{"k":' >&"$fd"
	usr1_until "$pid" err "read=2"
	kill -TERM "$pid"
	wait "$pid"		# 0: the cut line was not read, so not rejected
	exec {fd}>&-
	[ "$(cat out)" = '{"k":1,"count":1}
{"k":2,"count":1}' ]
	human_stats_in err
	[ "$(tail -n 1 err)" = "stream-agg: stats read=2 aggregated=2 filtered=0 rejected=0 late=0 written=2" ]
}

@test "stream-agg with windows: SIGINT fires every open window" {
	"$STREAMKIT_BIN/stream-agg" -t t --tumbling 10s --max-delay 0 --time-output epoch count < in > out 2> err &
	pid=$!
	exec {fd}> in
	printf '{"t":1}\n{"t":12}\n' >&"$fd"
	wait_lines out 1
	kill -INT "$pid"
	wait "$pid"
	exec {fd}>&-
	[ "$(cat out)" = '{"window_start":0,"window_end":10,"count":1}
{"window_start":10,"window_end":20,"count":1}' ]
}

@test "stream-window: SIGTERM ends the stream with its end watermark" {
	"$STREAMKIT_BIN/stream-window" --stats -t t --tumbling 10s --time-output epoch < in > out 2> err &
	pid=$!
	exec {fd}> in
	printf '{"t":1}\n' >&"$fd"
	usr1_until "$pid" err "read=1"
	kill -TERM "$pid"
	wait "$pid"
	exec {fd}>&-
	[ "$(sed -n 2p out)" = '{"t":1,"_t":1000000}' ]
	[ "$(tail -n 1 out)" = '{"_punct":"watermark","end":true}' ]
}

@test "--progress: nothing when stderr is not a terminal" {
	run --separate-stderr stream_agg --progress -g status count "$EXAMPLES/access.log"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run --separate-stderr "$STREAMKIT_BIN/stream-window" --progress -t time --tumbling 1h "$EXAMPLES/access.log"
	[ -z "$stderr" ]
}

@test "--progress: bytes, records, rate and watermark on a terminal" {
	command -v script
	run script -qec "'$STREAMKIT_BIN/stream-agg' --progress -t time --tumbling 1h count '$EXAMPLES/access.log' > out" /dev/null
	[ "$status" -eq 0 ]
	last=$(printf '%s' "$output" | tr '\r' '\n' | grep records | tail -n 1)
	[[ "$last" == "stream-agg: 0.3 MB, 2000 records, "*" MB/s, watermark 2026-11-24T1"* ]]
	[ "$(wc -l < out)" -eq 2 ]
	run script -qec "'$STREAMKIT_BIN/stream-window' --progress -t time --tumbling 1h '$EXAMPLES/access.log' > out" /dev/null
	last=$(printf '%s' "$output" | tr '\r' '\n' | grep records | tail -n 1)
	[[ "$last" == "stream-window: 0.3 MB, 2000 records, "* ]]
}

# polling PID: wait until PID sleeps in poll(2), waiting for input (10 s).
polling() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[ "$(cat "/proc/$1/wchan" 2>/dev/null)" = poll_schedule_timeout.constprop.0 ] && return 0
		grep -q poll "/proc/$1/wchan" 2>/dev/null && return 0
		sleep 0.01
	done
	echo "$1 never waited in poll" >&2
	return 1
}

@test "--idle counts quiet from the start: records that come after a wait are not late" {
	STREAMKIT_NOW=2030-01-01T00:00:00Z "$STREAMKIT_BIN/stream-agg" --stats -t t --tumbling 10s --idle 2s --time-output epoch count < in > out 2> err &
	pid=$!
	exec {fd}> in
	polling "$pid"
	printf '{"t":1}\n{"t":2}\n' >&"$fd"
	exec {fd}>&-
	wait "$pid"
	[ "$(cat out)" = '{"window_start":0,"window_end":10,"count":2}' ]
	human_stats_in err
	[ "$(cat err)" = "stream-agg: stats read=2 aggregated=2 filtered=0 rejected=0 late=0 written=1" ]
}

@test "a window's result leaves all four tools as soon as a record closes it" {
	B=$STREAMKIT_BIN
	run "$B/../latency" -n 10 -- "'$B/stream-window' -t t --tumbling 1s --max-delay 0 --time-output epoch | '$B/stream-trigger' | '$B/stream-agg' count | '$B/event-route' 'has count -> -'"
	[ "$status" -eq 0 ]
	worst=$(echo "$output" | cut -d' ' -f2)
	# generous: the bench reports the figure, a loaded CI box is slow
	awk -v w="$worst" 'BEGIN { exit !(w < 1000) }'
}

# tasks PID: how many threads PID runs.
tasks() {
	ls "/proc/$1/task" | wc -l
}

# threads PID N: wait until PID runs N threads or more (10 s).
threads() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[ "$(ls "/proc/$1/task" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
		sleep 0.01
	done
	echo "$1 never ran $2 threads" >&2
	return 1
}

@test "a pipe that keeps its reader busy is parsed on two threads, and still answers at once when it goes quiet" {
	awk 'BEGIN { for (i = 0; i < 200000; i++) printf "{\"t\":%d.%06d,\"pad\":\"abcdefghijklmnopqrstuvwxyz\"}\n", i / 100000, i % 100000 * 10 }' > bulk.jsonl
	# a regex to match on every record: the tool slower than cat, so
	# that cat keeps it busy however fast the machine is that day
	"$STREAMKIT_BIN/stream-agg" --stats --metrics m.prom --metrics-every 100ms -w 'pad ~ "^a[a-z]*z$"' -t t --tumbling 1s --max-delay 0 --time-output epoch count < in > out 2> err &
	pid=$!
	exec 7> in
	polling "$pid"
	alone=$(tasks "$pid")	# ThreadSanitizer may run one of its own
	cat bulk.jsonl >&7
	# 7 MB at the speed of cat: a bulk source, parsed ahead
	if [ "$(nproc)" -ge 2 ]; then
		threads "$pid" $((alone + 1))
	fi
	# quiet now: --metrics' timer still runs, and counts every record
	for ((i = 0; i < 1000; i++)); do
		grep -q '^streamkit_records_read_total{[^}]*} 200000$' m.prom 2>/dev/null && break
		sleep 0.01
	done
	grep -q '^streamkit_records_read_total{[^}]*} 200000$' m.prom
	# the pipe goes quiet, its writer still open: a record that closes
	# windows is answered now, not when more input or the end comes
	printf '{"t":5,"pad":"az"}\n' >&7
	wait_lines out 2
	[ "$(cat out)" = '{"window_start":0,"window_end":1,"count":100000}
{"window_start":1,"window_end":2,"count":100000}' ]
	# the ledger while quiet, then SIGTERM ends the input
	usr1_until "$pid" err "read=200001"
	kill -TERM "$pid"
	wait "$pid"
	exec 7>&-
	[ "$(tail -n 1 out)" = '{"window_start":5,"window_end":6,"count":1}' ]
	human_stats_in err
	[ "$(tail -n 1 err)" = "stream-agg: stats read=200001 aggregated=200001 filtered=0 rejected=0 late=0 written=3" ]
}

@test "on two processors, a busy pipe that brings another tool's stream (a strategy line) is read on one thread, even a saved stream at cat's speed" {
	awk 'BEGIN { for (i = 0; i < 200000; i++) printf "{\"t\":%d.%06d,\"pad\":\"abcdefghijklmnopqrstuvwxyz\"}\n", i / 100000, i % 100000 * 10 }' |
	    "$STREAMKIT_BIN/stream-window" -t t --tumbling 1s --max-delay 0 --time-output epoch > windowed.jsonl
	taskset -c 0,1 "$STREAMKIT_BIN/stream-agg" --metrics m.prom --metrics-every 100ms -w 'pad ~ "^a[a-z]*z$"' count < in > out 2> err &
	pid=$!
	exec 7> in
	polling "$pid"
	alone=$(tasks "$pid")
	cat windowed.jsonl >&7
	for ((i = 0; i < 1000; i++)); do
		grep -q '^streamkit_records_read_total{[^}]*} 200000$' m.prom 2>/dev/null && break
		sleep 0.01
	done
	grep -q '^streamkit_records_read_total{[^}]*} 200000$' m.prom
	[ "$(tasks "$pid")" -eq "$alone" ]
	exec 7>&-
	wait "$pid"
	[ "$(cat out)" = '{"window_start":0,"window_end":1,"count":100000}
{"window_start":1,"window_end":2,"count":100000}' ]
}

@test "a slow pipe stays on one thread, each record answered before the writer closes" {
	"$STREAMKIT_BIN/event-route" 'has n -> -' < in > out 2> err &
	pid=$!
	exec 7> in
	polling "$pid"
	alone=$(tasks "$pid")
	for i in 1 2 3; do
		printf '{"n":%d}\n' "$i" >&7
		wait_lines out "$i"
	done
	[ "$(tasks "$pid")" -eq "$alone" ]
	exec 7>&-
	wait "$pid"
	[ "$(cat out)" = '{"n":1}
{"n":2}
{"n":3}' ]
}
