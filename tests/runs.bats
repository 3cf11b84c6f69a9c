#!/usr/bin/env bats
# Run lines: stream-window's word on the records that follow it in a
# pipe, and stream-trigger passing those records on unread.

load helper

stream_window() { "$STREAMKIT_BIN/stream-window" "$@"; }
stream_trigger() { "$STREAMKIT_BIN/stream-trigger" "$@"; }
export -f stream_window stream_trigger

W='-t ts --tumbling 10s --max-delay 2s --time-output epoch'

# events N [LATE]: N records over N/100 seconds, a little out of order,
# every 97th two seconds behind, and with LATE every 1000th twenty (late);
# about 60 bytes each, so that a window's records make runs of 16 kB and
# more.
events() {
	awk -v n="$1" -v late="${2:-0}" 'BEGIN {
		for (i = 0; i < n; i++) {
			t = i * 10 + (i * 7919) % 9
			if (i % 97 == 0) t -= 2000
			if (late && i % 1000 == 999) t -= 20000
			if (t < 0) t = 0
			printf "{\"ts\":%d.%03d,\"user\":\"u%d\",\"status\":%d}\n",
			    t / 1000, t % 1000, i % 13, i % 7 == 0 ? 500 : 200
		}
	}'
}

# check_runs FILE: every run line in FILE tells the truth of the bytes
# after it; prints "runs N records M" of them.
check_runs() {
	awk '
	function num(k,   s) {
		s = $0; sub(".*\"" k "\":", "", s); sub("[,}].*", "", s)
		return s + 0
	}
	left > 0 {
		t = $0; sub(/.*"_t":/, "", t); sub(/}$/, "", t); t += 0
		bytes += length($0) + 1; n++
		if (t < lo || t > hi || length($0) > longest ||
		    int(t / 10000000) != win || /^\{"_punct":/) bad = 1
		if (length($0) > seen) seen = length($0)
		if (--left == 0 && (bytes != want || seen != longest)) bad = 1
		next
	}
	/^\{"_punct":"run",/ {
		if (length($0) != 255 || $0 !~ /"pipe":"[0-9]+:[0-9]+" *}$/)
			bad = 1
		left = num("records"); want = num("bytes"); lo = num("min_t")
		hi = num("max_t"); longest = num("longest")
		bytes = 0; seen = 0; win = int(lo / 10000000)
		runs++; records += left
	}
	END {
		if (bad || left) { print "a run line lied"; exit 1 }
		printf "runs %d records %d\n", runs, records
	}' "$1"
}

@test "stream-window writes run lines to a pipe, for records of a tumbling window, and each tells the truth" {
	cd "$BATS_TEST_TMPDIR"
	events 20000 > e.jsonl
	stream_window $W e.jsonl | cat > piped.out
	stream_window $W e.jsonl > file.out
	# to a file, none; to a pipe, the same lines and run lines
	! grep -q '^{"_punct":"run"' file.out
	grep -v '^{"_punct":"run"' piped.out | cmp - file.out
	run check_runs piped.out
	[ "$status" -eq 0 ]
	# most records are in runs, 16 kB or more each
	[[ "$output" =~ ^runs\ ([0-9]+)\ records\ ([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" -ge 20 ]
	[ "${BASH_REMATCH[2]}" -ge 15000 ]
	# no run lines for other windows, or other formats
	stream_window -t ts --sliding 10s --every 5s e.jsonl | cat > sliding.out
	stream_window -t ts --session 5s e.jsonl | cat > session.out
	{ echo ts,user,status; tr -d '{}"' < e.jsonl | sed 's/[a-z]*://g'; } > e.csv
	stream_window -i csv -t ts --tumbling 10s e.csv | cat > csv.out
	[ "$(grep -vc '^{' csv.out)" -eq 20001 ]
	! grep -q '"_punct":"run"' sliding.out session.out csv.out
}

@test "stream-trigger passes a run's records on unread: the same output, late records and exit as when it reads them" {
	cd "$BATS_TEST_TMPDIR"
	events 20000 late > e.jsonl
	for trig in watermark 'watermark(late=count(1))' 'count(50)'; do
		rc=0
		stream_window $W e.jsonl |
		    stream_trigger --allowed-lateness 5s --late-output runs.late "$trig" > runs.out 2> runs.err || rc=$?
		rc2=0
		stream_window $W e.jsonl | cat |
		    stream_trigger --allowed-lateness 5s --late-output read.late "$trig" > read.out 2> read.err || rc2=$?
		[ "$rc" -eq "$rc2" ]
		cmp runs.out read.out
		cmp runs.err read.err
		cmp runs.late read.late
		! grep -q '"_punct":"run"' runs.out
	done
	[ "$(wc -l < runs.late)" -ge 10 ]
	# and the whole pipeline answers as the one process does
	events 20000 > e.jsonl
	stream_window $W e.jsonl | stream_trigger | stream_agg -g status count > pipe.out
	stream_agg $W -g status count e.jsonl > inproc.out
	cmp pipe.out inproc.out
	[ "$(wc -l < pipe.out)" -ge 40 ]
}

# A stream-window strategy line, for streams written by hand.
strategy() {
	printf '{"t":1}\n' | stream_window -t t --tumbling 10s --max-delay 0 --time-output epoch | head -n 1
}

# runline RECORDS BYTES MIN MAX LONGEST PIPE
runline() {
	printf '{"_punct":"run","records":%d,"bytes":%d,"min_t":%d,"max_t":%d,"longest":%d,"pipe":"%s"}\n' "$@"
}

@test "a run line is taken at its word by the reader of the pipe it names, and by no other" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo p
	id=$(stat -c %d:%i p)
	two='{"i":"a","_t":15000000}
{"i":"b","_t":16000000}
'
	# the line says the two records are of [0,10): it is believed
	for pipe in "$id" "0:0"; do
		{
			strategy
			printf '{"i":"first","_t":1000000}\n'
			runline 2 ${#two} 2000000 3000000 23 "$pipe"
			printf '%s' "$two"
			printf '{"i":"after","_t":4000000}\n'
		} > p &
		rc=0
		stream_trigger < p > "out.$pipe" 2> "err.$pipe" || rc=$?
		wait
		echo "$rc" > "rc.$pipe"
	done
	# believed: all four in [0,10), none late, one on-time pane
	[ "$(cat "rc.$id")" -eq 0 ]
	[ "$(grep -c '^{"i":' "out.$id")" -eq 4 ]
	[ "$(grep -c '"_punct":"fire"' "out.$id")" -eq 1 ]
	[ ! -s "err.$id" ]
	# another pipe's line: the records are read, [0,10) fires at 15,
	# and the record at 4 is late
	[ "$(cat rc.0:0)" -eq 1 ]
	[ "$(grep -c '^{"i":' out.0:0)" -eq 3 ]
	grep -q '1 late record dropped' err.0:0
	! grep -q '"_punct":"run"' "out.$id" out.0:0
}

@test "a filter between the tools: the run lines pass it and are not believed behind it" {
	cd "$BATS_TEST_TMPDIR"
	events 20000 > e.jsonl
	stream_window $W e.jsonl | grep -v '"user":"u3"' | stream_trigger |
	    stream_agg -g status count > pipe.out
	grep -v '"user":"u3"' e.jsonl | stream_agg $W -g status count > inproc.out
	cmp pipe.out inproc.out
	# jq passes them, as any control line
	stream_window $W e.jsonl | jq -c . | stream_trigger |
	    stream_agg -g status count > jq.out
	stream_agg $W -g status count e.jsonl > all.out
	cmp jq.out all.out
}

@test "stream-trigger writes a run line for each run it passes on to a pipe, and each tells the truth" {
	cd "$BATS_TEST_TMPDIR"
	events 20000 > e.jsonl
	stream_window $W e.jsonl | stream_trigger | cat > piped.out
	stream_window $W e.jsonl | stream_trigger > file.out
	# to a file, none; to a pipe, the same lines and run lines
	! grep -q '^{"_punct":"run"' file.out
	grep -v '^{"_punct":"run"' piped.out | cmp - file.out
	run check_runs piped.out
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^runs\ ([0-9]+)\ records\ ([0-9]+)$ ]]
	[ "${BASH_REMATCH[1]}" -ge 20 ]
	[ "${BASH_REMATCH[2]}" -ge 15000 ]
	# each names the pipe it was written to
	pipe=$(grep -m 1 '^{"_punct":"run"' piped.out | sed 's/.*"pipe":"\([0-9:]*\)".*/\1/')
	[ "$(grep '^{"_punct":"run"' piped.out | grep -vc "\"pipe\":\"$pipe\"")" -eq 0 ]
}

# A strategy line as stream-trigger writes it, 20 s of delay.
trigger_strategy() {
	printf '{"t":1}\n' | stream_window -t t --tumbling 10s --max-delay 20s --time-output epoch |
	    stream_trigger | head -n 1
}

# fire START END: stream-trigger's final on-time fire line, in seconds.
fire() {
	printf '{"_punct":"fire","start":%d,"end":%d,"pane":0,"timing":"on_time","final":true}\n' $(($1 * 1000000)) $(($2 * 1000000))
}

@test "stream-agg takes a run line at its word from the pipe it names, and from no other" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo p
	id=$(stat -c %d:%i p)
	two='{"k":"a","_t":15000000}
{"k":"b","_t":16000000}
'
	# the line says the two records are of [0,10): it is believed
	for pipe in "$id" "0:0"; do
		{
			trigger_strategy
			printf '{"k":"a","_t":1000000}\n'
			runline 2 ${#two} 2000000 3000000 23 "$pipe"
			printf '%s' "$two"
			fire 0 10
			fire 10 20
			printf '{"_punct":"watermark","end":true}\n'
		} > p &
		stream_agg --time-output epoch -g k count < p > "out.$pipe"
		wait
	done
	[ "$(cat "out.$id")" = '{"window_start":0,"window_end":10,"k":"a","count":2}
{"window_start":0,"window_end":10,"k":"b","count":1}' ]
	[ "$(cat out.0:0)" = '{"window_start":0,"window_end":10,"k":"a","count":1}
{"window_start":10,"window_end":20,"k":"a","count":1}
{"window_start":10,"window_end":20,"k":"b","count":1}' ]
}

@test "stream-agg reads a run's records as it reads them one by one: the same output, diagnostics and ledger" {
	cd "$BATS_TEST_TMPDIR"
	# every 500th record's status is not a number
	events 20000 | awk 'NR % 500 == 0 { sub(/"status":[0-9]+/, "\"status\":\"x\"") } 1' > e.jsonl
	stream_window $W e.jsonl | stream_trigger | cat > t.out
	[ "$(grep -c '"_punct":"run"' t.out)" -ge 20 ]
	# _t named by the user is read in runs too, where the tool's own
	# reading of it is skipped
	for opts in '-g status count' '--accumulate count' "--where status==500 -g user count sum:status" '-g status min:_t max:_t' '--where _t>100000000 -g status count' '--stats -g user sum:status'; do
		rc=0; stream_window $W e.jsonl | stream_trigger | stream_agg $opts > a.out 2> a.err || rc=$?
		rc2=0; stream_agg $opts < t.out > b.out 2> b.err || rc2=$?
		[ "$rc" -eq "$rc2" ]
		cmp a.out b.out
		# all but --stats' rate, a matter of time
		diff <(grep -v '^stream-agg: rate' a.err) <(grep -v '^stream-agg: rate' b.err)
		[ "$(wc -l < a.out)" -ge 2 ]
	done
	grep -q '^stream-agg: stats read=20000 aggregated=19960 filtered=0 rejected=40 late=0 written=260$' a.err
	grep -q "^stream-agg: <stdin>:[0-9]*: field 'status' is not a number" a.err
}

@test "stream-agg --state keeps the watermark of the records it kept, in runs as one by one" {
	cd "$BATS_TEST_TMPDIR"
	events 20000 > e.jsonl
	# the input ends inside a window, the last records dropped by --where
	for n in 15556 15561; do
		head -n "$n" e.jsonl > h.jsonl
		stream_window $W h.jsonl | stream_trigger |
		    stream_agg --state a.state --where 'status == 500' -g user count > a.out
		stream_window $W h.jsonl | stream_trigger | cat |
		    stream_agg --state b.state --where 'status == 500' -g user count > b.out
		cmp a.out b.out
		cmp a.state b.state
		grep -q '^watermark 155547000 ' a.state
	done
}

@test "input that ends inside a run: what came is passed on with a newline, a diagnostic, exit 1" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo p
	id=$(stat -c %d:%i p)
	{
		strategy
		printf '{"i":"first","_t":1000000}\n'
		runline 3 9000 2000000 3000000 30 "$id"
		printf '{"i":"a","_t":2000000}\n{"i":"b","_t"'
	} > p &
	run --separate-stderr stream_trigger < p
	wait
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-trigger: <stdin>:3: input ended 36 bytes into the 9000 bytes of the run line's last 3 records; passed on as they came, with a newline" ]
	[ "${lines[2]}" = '{"i":"a","_t":2000000}' ]
	[ "${lines[3]}" = '{"i":"b","_t"' ]
	[ "${lines[4]}" = '{"_punct":"fire","start":0,"end":10000000,"pane":0,"timing":"on_time","final":true}' ]
	# stream-window killed while it wrote: stream-trigger's output
	# still has whole fire and watermark lines
	events 20000 > e.jsonl
	stream_window $W e.jsonl > p &
	cat p > whole
	wait
	head -c 500000 whole > cut
	cat cut > p &
	rc=0; stream_trigger < p > out 2> err || rc=$?
	wait
	[ "$rc" -eq 1 ]
	grep -q 'input ended .* bytes into the .* passed on as they came, with a newline$' err
	[ "$(grep -c '^{"_punct":"fire"' out)" -ge 1 ]
	! grep -q '.{"_punct"' out
}

@test "a record that keeps a carriage return is in no run: read, it loses it, as any" {
	cd "$BATS_TEST_TMPDIR"
	awk 'BEGIN { for (i = 0; i < 3000; i++)
		printf "{\"ts\":%d.%03d,\"u\":\"xxxxxxxxxx\"}\r\r\n", i / 100, (i % 100) * 10 }' > cr.jsonl
	stream_window $W cr.jsonl | stream_trigger > a.out
	stream_window $W cr.jsonl | cat | stream_trigger > b.out
	cmp a.out b.out
	[ "$(tr -cd '\r' < a.out | wc -c)" -eq 0 ]
	# stream-window's own output keeps them, with no run lines
	stream_window $W cr.jsonl | cat > w.out
	! grep -q '"_punct":"run"' w.out
	[ "$(tr -cd '\r' < w.out | wc -c)" -eq 3000 ]
}

@test "a run's bytes reach a file opened to append, and lines longer than --max-line-bytes are still skipped" {
	cd "$BATS_TEST_TMPDIR"
	events 20000 > e.jsonl
	stream_window $W e.jsonl | stream_trigger > new.out
	: > app.out
	stream_window $W e.jsonl | stream_trigger >> app.out
	cmp new.out app.out
	# a run whose longest line is over the limit is read line by line
	{ events 3000; printf '{"ts":29.5,"pad":"%0300d"}\n' 0; } > long.jsonl
	rc=0; stream_window $W long.jsonl | stream_trigger --max-line-bytes 200 > a.out 2> a.err || rc=$?
	rc2=0; stream_window $W long.jsonl | cat | stream_trigger --max-line-bytes 200 > b.out 2> b.err || rc2=$?
	[ "$rc" -eq 1 ] && [ "$rc2" -eq 1 ]
	cmp a.out b.out
	cmp a.err b.err
	grep -q 'line longer than --max-line-bytes (200), skipped' a.err
}

@test "the tools behind drop run lines: stream-agg --punct does not pass them, a second stream-window writes its own" {
	cd "$BATS_TEST_TMPDIR"
	events 20000 > e.jsonl
	stream_window $W e.jsonl | stream_agg --punct -g status count > agg.out
	grep -q '^{"_punct":"watermark","end":true}$' agg.out
	! grep -q '"_punct":"run"' agg.out
	stream_window $W e.jsonl |
	    stream_window -t _t --time-format epoch-us --tumbling 10s --time-output epoch | cat > again.out
	[ "$(grep -c '"_punct":"run"' again.out)" -ge 20 ]
	run check_runs again.out
	[ "$status" -eq 0 ]
}

@test "SIGTERM while a run is moved: the run goes whole, then the input ends there" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo p
	id=$(stat -c %d:%i p)
	"$STREAMKIT_BIN/stream-trigger" < p > out 2> err &
	pid=$!
	exec 7> p
	a='{"i":"a","_t":2000000}'
	b='{"i":"b","_t":3000000}'
	{
		strategy
		printf '{"i":"first","_t":1000000}\n'
		runline 2 $(( ${#a} + ${#b} + 2 )) 2000000 3000000 22 "$id"
		printf '%s\n{"i":"b",' "$a"
	} >&7
	wait_lines out 3
	kill -TERM "$pid"
	# the signal taken (pending no more), the rest of the run comes
	for ((i = 0; i < 1000; i++)); do
		! grep -Eq '^(Shd|Sig)Pnd:.*[1-9a-f]' "/proc/$pid/status" && break
		sleep 0.01
	done
	printf '"_t":3000000}\n' >&7
	# it ends there, while fd 7 is still open: not at the end of input
	ended=0
	for ((i = 0; i < 1000; i++)); do
		case $(ps -o stat= -p "$pid") in
		''|Z*)	ended=1; break ;;
		esac
		sleep 0.01
	done
	exec 7>&-
	rc=0; wait "$pid" || rc=$?
	[ "$ended" -eq 1 ]
	[ "$rc" -eq 0 ]
	[ "$(sed -n 3,4p out)" = "$a
$b" ]
	[ "$(tail -n 1 out)" = '{"_punct":"watermark","end":true}' ]
}
