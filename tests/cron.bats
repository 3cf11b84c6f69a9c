#!/usr/bin/env bats
# --state and -O: a cron job over a growing, rotated log reads only what
# is new, emits every window once, and survives kill -9 at any moment.

load helper

A="-t ts --tumbling 10s --max-delay 5s -g status count sum:bytes"

setup() {
	cd "$BATS_TEST_TMPDIR"
	# events, then one far ahead that closes every window but its own
	"$STREAMKIT_BIN/../gen" -n "${EVENTS:-3000}" > all.jsonl
	printf '{"ts":"2030-01-01T00:00:00Z","status":0,"bytes":0}\n' >> all.jsonl
	split -n l/5 -d -a 1 all.jsonl chunk.
	# what one run gives, but the window a later record would still close
	stream_agg $A all.jsonl | sed '$d' > want
	[ "$(wc -l < want)" -gt 20 ]
}

run_cron() {
	stream_agg $A --state st "$@" app.log
}

@test "cron: append, run, append, run, rotate, append, run: one run's windows, each once" {
	cat chunk.0 > app.log
	run_cron > out.0
	cat chunk.1 >> app.log
	run_cron > out.1
	mv app.log app.log.1			# rotated: renamed, a new file
	cat chunk.2 >> app.log.1		# written to the old one still
	cat chunk.3 > app.log
	run_cron > out.2
	cat chunk.4 >> app.log
	run_cron > out.3
	cat out.0 out.1 out.2 out.3 > union
	cmp want union
	[ -s out.0 ] && [ -s out.3 ]
}

@test "cron: copytruncate is followed too" {
	cat chunk.0 chunk.1 > app.log
	run_cron > out.0
	cp app.log app.log.1 && : > app.log	# copied, then truncated
	cat chunk.2 >> app.log.1
	cat chunk.3 chunk.4 >> app.log
	run_cron > out.1
	cat out.0 out.1 > union
	cmp want union
}

@test "cron: a last line still being written is left for the next run" {
	head -c -20 chunk.0 > app.log		# the last line cut short
	run_cron --stats > out.0 2> err
	n=$(wc -l < app.log)		# the lines that end in "\n"
	grep -q "read=$n " err
	tail -c 20 chunk.0 >> app.log
	cat chunk.1 chunk.2 chunk.3 chunk.4 >> app.log
	run_cron > out.1
	cat out.0 out.1 > union
	cmp want union
}

@test "cron: -O and --state emit every window exactly once through kill -9 (seeded)" {
	EVENTS=20000 setup
	RANDOM=4242
	: > app.log
	for c in 0 1 2 3 4; do
		cat chunk.$c >> app.log
		for try in 1 2 3; do	# killed at a random moment, maybe done
			"$STREAMKIT_BIN/stream-agg" $A --state st -O result app.log &
			pid=$!
			sleep "0.0$((RANDOM % 40))"
			kill -9 "$pid" 2>/dev/null || true
			wait "$pid" || true
		done
		run_cron -O result	# and once to the end
	done
	cmp want result
	[ ! -e st.tmp ]			# the last save was whole
}

@test "cron: without windows, each run writes the totals so far" {
	cat chunk.0 > app.log
	stream_agg --state st -g status count app.log > /dev/null
	cat chunk.1 chunk.2 chunk.3 chunk.4 >> app.log
	stream_agg --state st -g status count app.log > two
	stream_agg -g status count all.jsonl > one
	cmp one two
}

@test "a corrupt, cut or foreign state file is a clear error, never a fresh start" {
	cat chunk.0 > app.log
	run_cron > /dev/null
	cp st good
	head -c -4 good > st
	run --separate-stderr stream_agg $A --state st app.log
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-agg: state 'st': truncated" ]
	printf 'hello\n' > st
	run --separate-stderr stream_agg $A --state st app.log
	[ "$stderr" = "stream-agg: state 'st': not a streamkit state file" ]
	cp good st
	run --separate-stderr stream_agg -t ts --tumbling 10s -g status count --state st app.log
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-agg: state 'st': written for other aggregations or groups; give another --state file" ]
	run --separate-stderr stream_agg -t ts --tumbling 1m --max-delay 5s -g status count sum:bytes --state st app.log
	[ "$stderr" = "stream-agg: state 'st': written for other windows; give another --state file" ]
	sed '1s/stream-agg/stream-window/' good > st
	run --separate-stderr stream_agg $A --state st app.log
	[ "$stderr" = "stream-agg: state 'st': written by streamkit-state 1 stream-window, not stream-agg version 1" ]
}

@test "README recipe: the cron job, run three times over a growing log" {
	recipe cron > job.sh
	[ -s job.sh ]
	head -n 700 "$EXAMPLES/access.log" > access.log
	PATH=$STREAMKIT_BIN:$PATH bash -e job.sh
	sed -n '701,1400p' "$EXAMPLES/access.log" >> access.log
	PATH=$STREAMKIT_BIN:$PATH bash -e job.sh
	sed -n '1401,$p' "$EXAMPLES/access.log" >> access.log
	PATH=$STREAMKIT_BIN:$PATH bash -e job.sh
	# every window once, as one run gives them; the windows of the last
	# five minutes wait for the next run
	cp "$EXAMPLES/access.log" whole.log
	stream_agg -t time --tumbling 5m -g status count --state one.state whole.log > want5
	cmp want5 status.log
	stream_agg -t time --tumbling 5m -g status count "$EXAMPLES/access.log" > all
	[ "$(wc -l < status.log)" -lt "$(wc -l < all)" ]
	# the newest window ends in the last five minutes, so it waits
	last=$(tail -n 1 all | sed 's/ status=.*//')
	! grep -q -F "$last " status.log
}

# but_last WANT: the windows of a whole run less the last, which a live
# stream leaves open.
but_last() {
	awk '{ w = $1; line[NR] = $0; win[NR] = w } END {
		for (i = 1; i <= NR; i++) if (win[i] != w) print line[i] }'
}

@test "README recipe: the live dashboard behind tail -F" {
	recipe live > live.sh
	[ -s live.sh ]
	head -n 1000 "$EXAMPLES/access.log" > access.log
	PATH=$STREAMKIT_BIN:$PATH bash live.sh > out 2>&1 3>&- &
	pid=$!
	stream_agg -t time --tumbling 1m -g status count access.log | but_last > want1
	wait_lines out "$(wc -l < want1)"
	# what is appended reaches the dashboard too
	sed -n '1001,$p' "$EXAMPLES/access.log" >> access.log
	stream_agg -t time --tumbling 1m -g status count access.log | but_last > want2
	wait_lines out "$(wc -l < want2)"
	pkill -TERM -P "$pid"		# tail and stream-agg
	wait "$pid" || true
	head -n "$(wc -l < want2)" out > got
	cmp want2 got
}

@test "cron, the pipeline form: stream-window --state | stream-agg --state -O" {
	pipeline() {
		"$STREAMKIT_BIN/stream-window" -t ts --tumbling 10s --max-delay 5s --state sw app.log |
		    "$STREAMKIT_BIN/stream-agg" -g status count sum:bytes --state sa -O result
	}
	cat chunk.0 > app.log
	pipeline
	cat chunk.1 >> app.log
	pipeline
	mv app.log app.log.1
	cat chunk.2 >> app.log.1
	cat chunk.3 > app.log
	pipeline
	cat chunk.4 >> app.log
	pipeline
	cmp want result
	# stream-window's state is its own: a strategy and a watermark
	grep -q '^watermark [0-9]* [0-9]*$' sw
	printf '{"ts":"2026-11-24T00:00:00Z"}\n' > app.log
	run --separate-stderr "$STREAMKIT_BIN/stream-window" -t ts --tumbling 1m --state sw app.log
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-window: state 'sw': written for other windows; give another --state file" ]
}

@test "README recipe: the alert mails once per minute with three 5xx or more" {
	recipe alert > alert.sh
	[ -s alert.sh ]
	mkdir bin
	printf '#!/bin/sh\n{ echo "to $3: $2"; cat; } >> "%s/mailed"\n' "$PWD" > bin/mail
	chmod +x bin/mail
	: > access.log
	PATH=$PWD/bin:$STREAMKIT_BIN:$PATH bash alert.sh 3>&- &
	pid=$!
	# tail must be following the file before lines are appended
	for ((i = 0; i < 1000; i++)); do
		t=$(pgrep -P "$pid" -x tail) && ls -l "/proc/$t/fd" | grep -q access.log && break
		sleep 0.01
	done
	cat "$EXAMPLES/access.log" >> access.log
	wait_lines mailed 6
	pkill -TERM -P "$pid"
	wait "$pid" || true
	[ "$(cat mailed)" = 'to ops@example.com: 5xx spike
window_start=2026-11-24T10:03:00.000Z window_end=2026-11-24T10:04:00.000Z count=3
to ops@example.com: 5xx spike
window_start=2026-11-24T11:23:00.000Z window_end=2026-11-24T11:24:00.000Z count=3
to ops@example.com: 5xx spike
window_start=2026-11-24T11:40:00.000Z window_end=2026-11-24T11:41:00.000Z count=3' ]
}

@test "cron through stream-trigger: three --state stages, early panes and on-time panes once each" {
	T='watermark(early=count(100))'
	pipeline() {
		"$STREAMKIT_BIN/stream-window" -t ts --tumbling 10s --max-delay 5s --state sw app.log |
		    "$STREAMKIT_BIN/stream-trigger" --state st "$T" |
		    "$STREAMKIT_BIN/stream-agg" -g status count --state sa -O result
	}
	stream_window() { "$STREAMKIT_BIN/stream-window" "$@"; }
	stream_window -t ts --tumbling 10s --max-delay 5s all.jsonl |
	    "$STREAMKIT_BIN/stream-trigger" "$T" | stream_agg -g status count |
	    grep -v '"window_start":"2030-' > want3
	cat chunk.0 > app.log
	pipeline
	cat chunk.1 chunk.2 >> app.log
	pipeline
	cat chunk.3 >> app.log
	pipeline
	cat chunk.4 >> app.log
	pipeline
	cmp want3 result
	grep -q '^pane ' st
	# more than the on-time panes: the early ones came through too
	[ "$(wc -l < want3)" -gt "$(stream_agg -t ts --tumbling 10s --max-delay 5s -g status count all.jsonl | grep -vc '"window_start":"2030-')" ]
}

@test "cron through stream-trigger --retract: each pane's retraction, across runs too" {
	T='watermark(early=count(50),late=count(1))'
	pipeline() {
		"$STREAMKIT_BIN/stream-window" -t ts --tumbling 10s --max-delay 5s --allowed-lateness 30s --state sw app.log |
		    "$STREAMKIT_BIN/stream-trigger" --retract --state st "$T" |
		    "$STREAMKIT_BIN/stream-agg" -g status count --state sa -O result
	}
	"$STREAMKIT_BIN/stream-window" -t ts --tumbling 10s --max-delay 5s --allowed-lateness 30s all.jsonl |
	    "$STREAMKIT_BIN/stream-trigger" --retract "$T" | stream_agg -g status count |
	    grep -v '"window_start":"2030-' > want3
	grep -q '"retract":true' want3
	cat chunk.0 > app.log
	pipeline
	cat chunk.1 chunk.2 >> app.log
	pipeline
	cat chunk.3 >> app.log
	pipeline
	cat chunk.4 >> app.log
	pipeline
	cmp want3 result
	grep -q '^last ' sa
}

@test "cron with stream-agg --trigger --state: the panes of one run, sessions and retractions too" {
	for W in "--tumbling 10s --accumulate" "--session 3s --key status --accumulate" "--session 3s --key status --retract"; do
		T='watermark(early=count(50),late=count(1))'
		B="-t ts $W --max-delay 5s --allowed-lateness 30s --trigger $T --pane-info -g status count"
		stream_agg $B all.jsonl | grep -v '"window_start":"2030-' > want3
		rm -f sa result
		cat chunk.0 > app.log
		stream_agg $B --state sa -O result app.log
		cat chunk.1 chunk.2 >> app.log
		stream_agg $B --state sa -O result app.log
		cat chunk.3 chunk.4 >> app.log
		stream_agg $B --state sa -O result app.log
		grep -q '^pane ' sa
		# a session's key is kept as the JSON of its texts
		case $W in --session*) grep -q '^pane .* key=\["[0-9]*"\]$' sa ;; esac
		cmp want3 result || { echo "differ: $W"; false; }
	done
}

@test "cron through stream-trigger --retract with sessions: merged sessions' panes retracted across runs" {
	T='watermark(early=count(20),late=count(1))'
	W='-t ts --session 2s --key status --max-delay 5s --allowed-lateness 30s'
	pipeline() {
		"$STREAMKIT_BIN/stream-window" $W --state sw app.log |
		    "$STREAMKIT_BIN/stream-trigger" --retract --state st "$T" |
		    "$STREAMKIT_BIN/stream-agg" -g status count --state sa -O result
	}
	"$STREAMKIT_BIN/stream-window" $W all.jsonl | "$STREAMKIT_BIN/stream-trigger" --retract "$T" |
	    stream_agg -g status count | grep -v '"window_start":"2030-' > want3
	grep -q '"retract":true' want3
	cat chunk.0 > app.log
	pipeline
	cat chunk.1 chunk.2 >> app.log
	pipeline
	cat chunk.3 chunk.4 >> app.log
	pipeline
	cmp want3 result
	grep -q '^slast ' sa
}
