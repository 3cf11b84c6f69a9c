#!/usr/bin/env bats
# --metrics: the Prometheus text file every tool writes, its values
# against the ledger and known delays, its timing, and node_exporter
# serving it.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
}

tool() { "$STREAMKIT_BIN/$1" "${@:2}"; }

# value FILE NAME: the value of the sample NAME{tool=...} in FILE.
value() {
	sed -n "s/^$2{[^}]*} //p" "$1"
}

# promtool checks the format where it is installed (CI installs it).
valid() {
	if command -v promtool >/dev/null 2>&1; then
		promtool check metrics < "$1"
	elif [ -n "${CI:-}" ]; then
		echo "promtool is missing" >&2
		return 1
	fi
}

@test "the counters are the ledger's, in every tool" {
	printf '{"t":1,"k":"a"}\nnot json\n{"t":2,"k":"b"}\n{"t":3,"k":"a"}\n' > in.jsonl
	run --separate-stderr tool stream-agg --stats --on-error skip -w 'k == "a"' --metrics m.prom -g k count in.jsonl
	[ "$status" -eq 0 ]
	human_stats
	[ "$stderr" = "stream-agg: stats read=4 aggregated=2 filtered=1 rejected=1 late=0 written=1" ]
	[ "$(value m.prom streamkit_records_read_total)" = 4 ]
	[ "$(value m.prom streamkit_records_kept_total)" = 2 ]
	[ "$(value m.prom streamkit_records_filtered_total)" = 1 ]
	[ "$(value m.prom streamkit_records_rejected_total)" = 1 ]
	[ "$(value m.prom streamkit_records_late_total)" = 0 ]
	[ "$(value m.prom streamkit_records_written_total)" = 1 ]
	[ "$(value m.prom streamkit_read_bytes_total)" = "$(wc -c < in.jsonl)" ]
	grep -q '^streamkit_records_read_total{tool="stream-agg"} 4$' m.prom
	# no event time: no watermark and no delay, not zeros
	! grep -q 'watermark\|propagation' m.prom
	valid m.prom
	for t in stream-window stream-trigger event-route; do
		case $t in
		stream-window) args=(-t t --tumbling 1m) ;;
		stream-trigger) args=() ;;
		event-route) args=('k == "a" -> -') ;;
		esac
		if [ $t = stream-trigger ]; then
			tool stream-window -t t --tumbling 1m in.jsonl 2>/dev/null > w.jsonl || true
			run --separate-stderr tool stream-trigger --stats --on-error skip --metrics $t.prom watermark w.jsonl
		else
			run --separate-stderr tool $t --stats --on-error skip --metrics $t.prom "${args[@]}" in.jsonl
		fi
		grep -q "^streamkit_records_read_total{tool=\"$t\"} " $t.prom
		read_=$(printf '%s\n' "$stderr" | sed -n 's/.*stats read=\([0-9]*\) .*/\1/p' | tail -n 1)
		[ -n "$read_" ]
		[ "$(value $t.prom streamkit_records_read_total)" = "$read_" ]
		valid $t.prom
	done
}

@test "event-route: each rule's counts, as --stats gives them, and the rules' texts" {
	printf '{"level":"error","n":1}\n{"level":"info","n":2}\n{"level":"error","n":3}\n{"n":4}\n' > in.jsonl
	run --separate-stderr tool event-route --stats --metrics r.prom --dead-letter dead 'level == "error" -> >>err.jsonl' 'level == "info" -> !false' in.jsonl
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "event-route: rule 1 'level == \"error\" -> >>err.jsonl': matched=2 delivered=2 failed=0 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[1]}" = "event-route: rule 2 'level == \"info\" -> !false': matched=1 delivered=0 failed=0 dropped=0 dead-lettered=1" ]
	grep -qx 'streamkit_rule_info{tool="event-route",rule="1",text="level == \\"error\\" -> >>err.jsonl"} 1' r.prom
	grep -qx 'streamkit_rule_info{tool="event-route",rule="2",text="level == \\"info\\" -> !false"} 1' r.prom
	grep -qx 'streamkit_rule_matched_total{tool="event-route",rule="1"} 2' r.prom
	grep -qx 'streamkit_rule_delivered_total{tool="event-route",rule="1"} 2' r.prom
	grep -qx 'streamkit_rule_matched_total{tool="event-route",rule="2"} 1' r.prom
	grep -qx 'streamkit_rule_dead_lettered_total{tool="event-route",rule="2"} 1' r.prom
	grep -qx 'streamkit_rule_failed_total{tool="event-route",rule="2"} 0' r.prom
	grep -qx 'streamkit_rule_retried_total{tool="event-route",rule="2"} 0' r.prom
	grep -qx 'streamkit_events_total{tool="event-route",outcome="delivered"} 2' r.prom
	grep -qx 'streamkit_events_total{tool="event-route",outcome="unmatched"} 1' r.prom
	grep -qx 'streamkit_events_total{tool="event-route",outcome="dead_lettered"} 1' r.prom
	grep -qx 'streamkit_records_read_total{tool="event-route"} 4' r.prom
	valid r.prom
}

@test "propagation delay: events 2 s old are 2 s old, in each tool that knows event time" {
	now=1796400000
	printf '{"t":%d,"k":"a"}\n{"t":%d,"k":"b"}\n{"t":%d,"k":"a"}\n' \
	    $((now - 2)) $((now - 2)) $((now - 3)) > in.jsonl
	export STREAMKIT_NOW=$now
	run tool stream-agg -t t --tumbling 1m --max-delay 5s --metrics agg.prom count in.jsonl
	[ "$status" -eq 0 ]
	[ "$(value agg.prom streamkit_propagation_delay_seconds_count)" = 3 ]
	[ "$(value agg.prom streamkit_propagation_delay_seconds_sum)" = 7 ]
	grep -q '^streamkit_propagation_delay_seconds{tool="stream-agg",quantile="0.5"} 2' agg.prom
	grep -q '^streamkit_propagation_delay_seconds{tool="stream-agg",quantile="0.99"} [23]' agg.prom
	[ "$(value agg.prom streamkit_watermark_seconds)" = $((now - 7)) ]
	[ "$(value agg.prom streamkit_watermark_lag_seconds)" = 7 ]
	tool stream-window -t t --tumbling 1m --metrics win.prom in.jsonl > w.jsonl
	[ "$(value win.prom streamkit_propagation_delay_seconds_sum)" = 7 ]
	tool stream-trigger --metrics trig.prom < w.jsonl > /dev/null
	[ "$(value trig.prom streamkit_propagation_delay_seconds_count)" = 3 ]
	valid agg.prom && valid win.prom && valid trig.prom
	# _count and _sum take every record, past the quantiles' sample
	seq 1 5000 | sed "s/.*/{\"t\":$((now - 2))}/" > many.jsonl
	tool stream-agg -t t --tumbling 1m --metrics many.prom count many.jsonl > /dev/null
	[ "$(value many.prom streamkit_propagation_delay_seconds_count)" = 5000 ]
	[ "$(value many.prom streamkit_propagation_delay_seconds_sum)" = 10000 ]
	grep -q '^streamkit_propagation_delay_seconds{tool="stream-agg",quantile="0.99"} 2$' many.prom
	# on the real clock: at least the 2 s
	unset STREAMKIT_NOW
	t=$(( $(date +%s) - 2 ))
	printf '{"t":%d}\n' $t > now.jsonl
	tool stream-agg -t t --tumbling 1m --metrics real.prom count now.jsonl
	awk -v v="$(value real.prom streamkit_propagation_delay_seconds_sum)" 'BEGIN { exit !(v >= 2 && v < 60) }'
}

@test "event-route -t: the delay of each routed event; none without -t, or without a time" {
	now=1796400000
	printf '{"ts":%d,"level":"error"}\n{"ts":"%s","level":"info"}\n{"level":"error"}\n{"ts":"soon","level":"error"}\n' \
	    $((now - 2)) "$(date -u -d @$((now - 5)) +%Y-%m-%dT%H:%M:%SZ)" > in.jsonl
	STREAMKIT_NOW=$now run --separate-stderr tool event-route -t ts --metrics r.prom 'level == "error" -> -' in.jsonl
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]	# all routed, measured or not
	[ "$(value r.prom streamkit_propagation_delay_seconds_count)" = 2 ]
	[ "$(value r.prom streamkit_propagation_delay_seconds_sum)" = 7 ]
	valid r.prom
	STREAMKIT_NOW=$now tool event-route --metrics n.prom 'level == "error" -> -' in.jsonl > /dev/null
	! grep -q propagation n.prom
	run --separate-stderr tool event-route -t ts --time-format epoch-ms --metrics ms.prom 'has level -> -' in.jsonl
	[ "$(value ms.prom streamkit_propagation_delay_seconds_count)" = 1 ]
	run --separate-stderr tool event-route --time-format bogus 'has x -> -' in.jsonl
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "event-route: --time-format 'bogus': unknown format" ]
}

@test "stream-agg: open windows and groups, and panes by timing" {
	printf '{"t":1,"k":"a"}\n{"t":12,"k":"a"}\n{"t":5,"k":"b"}\n{"t":25,"k":"a"}\n{"t":26,"k":"c"}\n' > in.jsonl
	tool stream-agg -t t --tumbling 10s --max-delay 0 --allowed-lateness 10s --metrics late.prom -g k count in.jsonl > /dev/null
	grep -qx 'streamkit_panes_total{tool="stream-agg",timing="on_time"} 3' late.prom
	grep -qx 'streamkit_panes_total{tool="stream-agg",timing="late"} 1' late.prom
	grep -qx 'streamkit_panes_total{tool="stream-agg",timing="early"} 0' late.prom
	# with --state the last window stays open: one window, two groups
	tool stream-agg -t t --tumbling 10s --max-delay 0 --allowed-lateness 10s --state st --metrics open.prom -g k count in.jsonl > /dev/null
	[ "$(value open.prom streamkit_open_windows)" = 1 ]
	[ "$(value open.prom streamkit_open_groups)" = 2 ]
	tool stream-agg -t t --tumbling 10s --max-delay 10s --trigger 'watermark(early=count(1))' --metrics early.prom count in.jsonl > /dev/null
	grep -qx 'streamkit_panes_total{tool="stream-agg",timing="early"} 5' early.prom
	grep -qx 'streamkit_panes_total{tool="stream-agg",timing="on_time"} 3' early.prom
	# stream-trigger fires the same panes
	tool stream-window -t t --tumbling 10s --max-delay 10s in.jsonl |
	    tool stream-trigger --metrics trig.prom 'watermark(early=count(1))' > /dev/null
	grep -qx 'streamkit_panes_total{tool="stream-trigger",timing="early"} 5' trig.prom
	grep -qx 'streamkit_panes_total{tool="stream-trigger",timing="on_time"} 3' trig.prom
	grep -qx 'streamkit_open_windows{tool="stream-trigger"} 0' trig.prom
	valid trig.prom
	# without windows: the groups, and no windows or panes
	tool stream-agg --metrics g.prom -g k count in.jsonl > /dev/null
	[ "$(value g.prom streamkit_open_groups)" = 3 ]
	! grep -q 'open_windows\|panes_total' g.prom
	valid late.prom && valid open.prom && valid early.prom && valid g.prom
}

@test "event-route: a command that sleeps 50 ms is handled in 50 ms or more" {
	seq 1 6 | sed 's/.*/{"n":&}/' > in.jsonl
	run --separate-stderr tool event-route -P 2 --metrics h.prom 'has n -> !sleep 0.05' 'has n -> >>copy.jsonl' in.jsonl
	[ "$status" -eq 0 ]
	[ "$(value h.prom streamkit_handling_seconds_count)" = 6 ]
	awk '/^streamkit_handling_seconds\{tool="event-route",rule="1",quantile="0.5"\} / { ok = $2 >= 0.05 && $2 < 5 } END { exit !ok }' h.prom
	awk '/^streamkit_handling_seconds_sum/ { ok = $2 >= 0.3 } END { exit !ok }' h.prom
	# a command retried: each run again counted, and timed
	printf '{"n":1}\n{"n":2}\n' > two.jsonl
	tool event-route --retry 2 --dead-letter dl --metrics rt.prom 'has n -> !test "$EVENT_n" = 1' two.jsonl
	grep -qx 'streamkit_rule_retried_total{tool="event-route",rule="1"} 2' rt.prom
	grep -qx 'streamkit_rule_dead_lettered_total{tool="event-route",rule="1"} 1' rt.prom
	[ "$(value rt.prom streamkit_handling_seconds_count)" = 4 ]
	# only commands are timed: rule 2, a file, has none
	! grep -q 'handling_seconds.*rule="2"' h.prom
	valid h.prom
	tool event-route 'has n -> !true' in.jsonl
	tool event-route --metrics none.prom 'has n -> >>copy2.jsonl' in.jsonl
	! grep -q handling none.prom
}

@test "event-route: what a handler has not read yet, while it does not read" {
	mkfifo in
	tool event-route --metrics h.prom --metrics-every 100ms 'has n -> |while [ ! -e go ]; do sleep 0.01; done; cat > got' < in &
	pid=$!
	exec 7> in
	printf '{"n":1}\n{"n":2}\n{"n":3}\n' >&7
	for ((i = 0; i < 1000; i++)); do
		grep -qx 'streamkit_handler_unread_bytes{tool="event-route",rule="1"} 24' h.prom 2>/dev/null && break
		sleep 0.01
	done
	grep -qx 'streamkit_handler_unread_bytes{tool="event-route",rule="1"} 24' h.prom
	touch go
	exec 7>&-
	wait $pid
	[ "$(wc -l < got)" -eq 3 ]
	grep -qx 'streamkit_handler_unread_bytes{tool="event-route",rule="1"} 0' h.prom
	valid h.prom
}

@test "event-route: a handler that sleeps 300 ms before it reads: its events waited 200 ms or more" {
	seq 1 3 | sed 's/.*/{"n":&}/' > in.jsonl
	run --separate-stderr tool event-route --metrics w.prom 'has n -> |sleep 0.3; cat > /dev/null' 'n > 1 -> |cat > got' 'has n -> >>copy.jsonl' in.jsonl
	[ "$status" -eq 0 ]
	[ "$(wc -l < got)" -eq 2 ]
	grep -qx 'streamkit_handler_wait_seconds_count{tool="event-route",rule="1"} 3' w.prom
	grep -qx 'streamkit_handler_wait_seconds_count{tool="event-route",rule="2"} 2' w.prom
	for q in 0.5 0.9 0.99; do
		awk -v q=$q '$1 == "streamkit_handler_wait_seconds{tool=\"event-route\",rule=\"1\",quantile=\"" q "\"}" { ok = $2 >= 0.2 } END { exit !ok }' w.prom
	done
	awk '/^streamkit_handler_wait_seconds_sum\{tool="event-route",rule="1"\} / { ok = $2 >= 0.6 } END { exit !ok }' w.prom
	# only handlers wait: rule 3, a file, has none
	! grep -q 'wait_seconds.*rule="3"' w.prom
	valid w.prom
	# the shards of one rule are one summary
	tool event-route --metrics s.prom --shard n:2 '|sleep 0.3; cat > shard{}' in.jsonl
	[ "$(cat shard0 shard1 | wc -l)" -eq 3 ]
	grep -qx 'streamkit_handler_wait_seconds_count{tool="event-route",rule="1"} 3' s.prom
	awk '/^streamkit_handler_wait_seconds\{tool="event-route",rule="1",quantile="0.5"\} / { ok = $2 >= 0.2 } END { exit !ok }' s.prom
	valid s.prom
	tool event-route --metrics none.prom 'has n -> !true' in.jsonl
	! grep -q wait_seconds none.prom
}

@test "event-route: a handler's waits while the input is live, each event read as it comes" {
	mkfifo in
	tool event-route --metrics h.prom 'has n -> |while read -r l; do echo "$l" >> got; done' < in &
	pid=$!
	exec 7> in
	for n in 1 2 3; do
		printf '{"n":%d}\n' $n >&7
		wait_lines got $n
	done
	exec 7>&-
	wait $pid
	grep -qx 'streamkit_handler_wait_seconds_count{tool="event-route",rule="1"} 3' h.prom
	valid h.prom
}

# seconds "45.2 ms": a duration of --stats' lines, in seconds.
seconds() {
	awk -v d="$1" 'BEGIN {
		split(d, a, " ")
		u["us"] = 1e-6; u["ms"] = 1e-3; u["s"] = 1; u["min"] = 60; u["h"] = 3600; u["d"] = 86400
		if (!(a[2] in u)) exit 1
		print a[1] * u[a[2]]
	}'
}

# quantile LINE P: the duration after "pP " in a line of --stats.
quantile() {
	[[ $1 =~ \ p$2\ (-?[0-9.]+\ [a-z]+) ]] && echo "${BASH_REMATCH[1]}"
}

@test "--stats: the rate, and the delay's quantiles from the figures of --metrics" {
	now=1796400000
	printf '{"t":%d,"k":"a"}\n{"t":%d,"k":"b"}\n{"t":%d,"k":"a"}\n' \
	    $((now - 2)) $((now - 2)) $((now - 3)) > in.jsonl
	export STREAMKIT_NOW=$now
	run --separate-stderr tool stream-agg --stats --metrics agg.prom -t t --tumbling 1m --max-delay 5s count in.jsonl
	[ "$status" -eq 0 ]
	[ "${#stderr_lines[@]}" -eq 3 ]
	[ "${stderr_lines[0]}" = "stream-agg: stats read=3 aggregated=3 filtered=0 rejected=0 late=0 written=1" ]
	[[ ${stderr_lines[1]} =~ ^stream-agg:\ rate\ [0-9.]+[kMG]?\ records/s,\ [0-9.]+\ [kMG]?B/s:\ 3\ records,\ $(wc -c < in.jsonl)\ B\ in\ [0-9.]+\ (us|ms|s)$ ]]
	# the delay: 2, 2 and 3 s, as the summary of --metrics has them
	[ "${stderr_lines[2]}" = "stream-agg: delay p50 2 s  p90 2.8 s  p99 2.98 s" ]
	grep -qx 'streamkit_propagation_delay_seconds{tool="stream-agg",quantile="0.9"} 2.8' agg.prom
	human_stats
	# the same without --metrics; in each tool that knows event time
	run --separate-stderr tool stream-window --stats -t t --tumbling 1m in.jsonl
	[ "${stderr_lines[2]}" = "stream-window: delay p50 2 s  p90 2.8 s  p99 2.98 s" ]
	human_stats
	[ "$stderr" = "stream-window: stats read=3 windowed=3 filtered=0 rejected=0 late=0 written=3" ]
	printf '%s\n' "$output" > w.jsonl
	run --separate-stderr tool stream-trigger --stats watermark w.jsonl
	[ "${stderr_lines[2]}" = "stream-trigger: delay p50 2 s  p90 2.8 s  p99 2.98 s" ]
	human_stats
	run --separate-stderr tool event-route --stats -t t 'has k -> -' in.jsonl
	[ "$(printf '%s\n' "${stderr_lines[@]}" | grep delay)" = "event-route: delay p50 2 s  p90 2.8 s  p99 2.98 s" ]
	human_stats
	# no event time: a rate, no delay
	run --separate-stderr tool stream-agg --stats -g k count in.jsonl
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ ${stderr_lines[1]} == "stream-agg: rate "*" records/s, "*"B/s: 3 records, 75 B in "* ]]
	human_stats
	# a bigger input: every record counted, a rate of them
	unset STREAMKIT_NOW
	seq 1 100000 | sed 's/.*/{"n":&}/' > many.jsonl
	run --separate-stderr tool stream-agg --stats count many.jsonl
	[[ ${stderr_lines[1]} =~ ^stream-agg:\ rate\ [0-9.]+[kMG]\ records/s,\ [0-9.]+\ [kMG]B/s:\ 100000\ records,\ 1.19\ MB\ in\  ]]
	human_stats
}

@test "--stats: event-route's commands as they ran and its handlers' waits" {
	seq 1 6 | sed 's/.*/{"n":&}/' > in.jsonl
	run --separate-stderr tool event-route --stats -P 2 'has n -> !sleep 0.05' 'has n -> |sleep 0.3; cat > /dev/null' 'has n -> >>copy.jsonl' in.jsonl
	[ "$status" -eq 0 ]
	[ "${stderr_lines[4]}" = "event-route: stats read=6 routed=6 filtered=0 rejected=0 late=0 written=6" ]
	[[ ${stderr_lines[5]} == "event-route: rate "* ]]
	[[ ${stderr_lines[6]} == "event-route: rule 1 handling p50 "* ]]
	[[ ${stderr_lines[7]} == "event-route: rule 2 wait p50 "* ]]
	[ "${#stderr_lines[@]}" -eq 8 ]
	for p in 50 90 99; do
		awk -v s="$(seconds "$(quantile "${stderr_lines[6]}" $p)")" 'BEGIN { exit !(s >= 0.05) }'
		awk -v s="$(seconds "$(quantile "${stderr_lines[7]}" $p)")" 'BEGIN { exit !(s >= 0.2) }'
	done
	human_stats
	[ "${#stderr_lines[@]}" -eq 5 ]
	# no command, no handler: no such lines
	run --separate-stderr tool event-route --stats 'has n -> >>copy2.jsonl' in.jsonl
	human_stats
	[ "${#stderr_lines[@]}" -eq 3 ]
}

@test "the file is written while a live input is silent, and at exit" {
	mkfifo in
	tool stream-agg --metrics m.prom --metrics-every 100ms count < in > out &
	pid=$!
	exec 7> in
	printf '{"n":1}\n{"n":2}\n' >&7
	# the tool waits for more input: the file comes by the timer
	for ((i = 0; i < 1000; i++)); do
		[ "$(value m.prom streamkit_records_read_total 2>/dev/null)" = 2 ] && break
		sleep 0.01
	done
	[ "$(value m.prom streamkit_records_read_total)" = 2 ]
	[ "$(value m.prom streamkit_records_written_total)" = 0 ]
	printf '{"n":3}\n' >&7
	exec 7>&-
	wait $pid
	[ "$(value m.prom streamkit_records_read_total)" = 3 ]
	[ "$(value m.prom streamkit_records_written_total)" = 1 ]
	[ "$(cat out)" = '{"count":3}' ]
	ls -a | grep -v '^\.\.\?$' | sort | tr '\n' ' ' | grep -qx 'in m.prom out ' || { ls -a; false; }
}

@test "a reader never sees half a file: it is replaced, not rewritten" {
	seq 1 200000 | sed 's/.*/{"n":&}/' > in.jsonl
	mkfifo in
	tool stream-agg --metrics m.prom --metrics-every 1ms -g n count < in > /dev/null &
	pid=$!
	# feed slowly in pieces, so that many files are written meanwhile
	( for i in 1 2 3 4 5 6 7 8 9 10; do sed -n "$(( (i - 1) * 20000 + 1 )),$(( i * 20000 ))p" in.jsonl; sleep 0.05; done ) > in &
	seen=0
	while kill -0 $pid 2>/dev/null; do
		if [ -f m.prom ]; then
			cat m.prom > snap 2>/dev/null || continue
			tail -n 1 snap | grep -q '^streamkit_metrics_written_timestamp_seconds{tool="stream-agg"} ' ||
			    { echo "half a file:"; cat snap; false; }
			seen=$((seen + 1))
		fi
	done
	wait $pid
	[ "$seen" -gt 0 ]
	[ "$(value m.prom streamkit_records_read_total)" = 200000 ]
}

@test "bad --metrics-every is a usage error; an unwritable file a runtime one" {
	run --separate-stderr tool stream-agg --metrics m.prom --metrics-every 0 count /dev/null
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --metrics-every '0': not a duration" ]
	run --separate-stderr tool stream-window -t t --tumbling 1m --metrics-every x /dev/null
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-window: --metrics-every 'x': not a duration" ]
	printf '{"k":1}\n' > in.jsonl
	run --separate-stderr tool stream-agg --metrics no/such/dir/m.prom count in.jsonl
	[ "$status" -eq 1 ]
	[ "$output" = '{"count":1}' ]
	[[ "${stderr_lines[0]}" == "stream-agg: --metrics: cannot open 'no/such/dir/m.prom.tmp."* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "node_exporter's textfile collector serves the metrics" {
	exporter=$(command -v prometheus-node-exporter || command -v node_exporter || true)
	if [ -z "$exporter" ]; then
		[ -z "${CI:-}" ] || { echo "node_exporter is missing" >&2; false; }
		skip "node_exporter is not installed"
	fi
	mkdir textfile
	printf '{"t":1,"status":200}\n{"t":2,"status":500}\n' > in.jsonl
	tool stream-agg -t t --tumbling 1m --metrics textfile/status.prom -g status count in.jsonl > /dev/null
	for try in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 20000))
		"$exporter" --web.listen-address=127.0.0.1:$port \
		    --collector.disable-defaults --collector.textfile \
		    --collector.textfile.directory=textfile > exporter.log 2>&1 &
		epid=$!
		for ((i = 0; i < 500; i++)); do
			curl -sf "http://127.0.0.1:$port/metrics" > scraped 2>/dev/null && break
			kill -0 $epid 2>/dev/null || break
			sleep 0.02
		done
		[ -s scraped ] && break
		kill $epid 2>/dev/null; wait $epid 2>/dev/null || true
	done
	kill $epid 2>/dev/null; wait $epid 2>/dev/null || true
	[ -s scraped ] || { cat exporter.log; false; }
	grep -q '^streamkit_records_read_total{tool="stream-agg"} 2$' scraped || { cat scraped; false; }
	grep -q '^streamkit_propagation_delay_seconds_count{tool="stream-agg"} 2$' scraped
	grep -q '^node_textfile_scrape_error 0$' scraped
}

@test "README recipe: a live dashboard's metrics for node_exporter" {
	recipe metrics > metrics.sh
	grep -q -- '--metrics /var/lib/prometheus/node-exporter/status.prom' metrics.sh
	# here, not in node_exporter's directory, and at once, not in 10 s
	sed -i "s#/var/lib/prometheus/node-exporter/#$PWD/#; s#--metrics #--metrics-every 100ms --metrics #" metrics.sh
	head -n 1000 "$EXAMPLES/access.log" > access.log
	PATH=$STREAMKIT_BIN:$PATH bash metrics.sh > out 2>&1 3>&- &
	pid=$!
	for ((i = 0; i < 1000; i++)); do
		[ "$(value status.prom streamkit_records_read_total 2>/dev/null)" = 1000 ] && break
		sleep 0.01
	done
	pkill -TERM -P "$pid"
	wait "$pid" || true
	[ "$(value status.prom streamkit_records_read_total)" -ge 1000 ]
	grep -q '^streamkit_propagation_delay_seconds_count{tool="stream-agg"} ' status.prom
	valid status.prom
}

@test "streamkit(7)'s worked example: errors mailed, the rest kept, the run watched" {
	sed -n '/^A worked example/,/^\.Ed/p' "$TOP/man/streamkit.7" |
	    sed -n '/^\.Bd/,/^\.Ed/p' | sed '1d;$d; s/\\e/\\/g' > example.sh
	grep -q 'event-route -t ts' example.sh
	# here: the metrics beside us, at once, the mail into a file, and
	# the log from its start (tail -n 0 might open it after our lines)
	sed -i "s#/var/lib/prometheus/node-exporter/#$PWD/#; s#--metrics #--metrics-every 100ms --metrics #; s#mail -s \"app errors\" ops@example.com#cat >> mailed#; s#tail -n 0 #tail -n +1 #" example.sh
	: > app.log
	PATH=$STREAMKIT_BIN:$PATH bash example.sh 2>err &
	pid=$!
	now=$(date +%s)
	printf '{"ts":%d,"level":"error","msg":"a"}\n{"ts":%d,"level":"info"}\n{"ts":%d,"level":"error","msg":"b"}\n' \
	    $((now - 2)) $((now - 2)) $((now - 2)) >> app.log
	for ((i = 0; i < 1000; i++)); do
		grep -q '^streamkit_rule_matched_total{tool="event-route",rule="1"} 2$' app-route.prom 2>/dev/null && break
		sleep 0.01
	done
	pkill -TERM -P "$pid"
	wait "$pid" || true
	grep -q '^streamkit_rule_matched_total{tool="event-route",rule="1"} 2$' app-route.prom
	grep -q '^streamkit_rule_matched_total{tool="event-route",rule="2"} 1$' app-route.prom
	grep -qF 'streamkit_rule_info{tool="event-route",rule="1",text="level == \"error\" -> |cat >> mailed"} 1' app-route.prom
	[ "$(wc -l < mailed)" -eq 2 ]
	[ "$(cat other.jsonl)" = "{\"ts\":$((now - 2)),\"level\":\"info\"}" ]
	awk '/^streamkit_propagation_delay_seconds_sum/ { ok = $2 >= 6 } END { exit !ok }' app-route.prom
	valid app-route.prom
}
