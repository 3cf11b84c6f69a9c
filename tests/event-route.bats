#!/usr/bin/env bats
# event-route: predicates to destinations, fan-out, --first, else,
# file templates and the descriptor LRU, handlers, shards, the ledger.

load helper

E='{"level":"error","host":"a","m":1}\n{"level":"info","host":"b","m":2}\n{"level":"warn","host":"a","m":3}\n{"host":"c","m":4}\n'

event_route() { "$STREAMKIT_BIN/event-route" "$@"; }
export -f event_route

# The events line of --stats, from the last run's stderr.
routed_line() {
	printf '%s\n' "${stderr_lines[@]}" | grep '^event-route: routed='
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "fan-out: every matching rule gets the event" {
	feed "$E" event_route 'level == "error" -> -' 'host == "a" -> >>a.jsonl'
	[ "$status" -eq 0 ]
	[ "$output" = '{"level":"error","host":"a","m":1}' ]
	[ "$(cat a.jsonl)" = '{"level":"error","host":"a","m":1}
{"level":"warn","host":"a","m":3}' ]
}

@test "--first: only the first matching rule" {
	feed "$E" event_route --first 'host == "a" -> >>a.jsonl' 'level == "error" -> -'
	[ -z "$output" ]
	[ "$(wc -l < a.jsonl)" -eq 2 ]
	# options may follow the rules, as with other filters; -- ends them
	feed "$E" event_route 'host == "a" -> >>b.jsonl' 'level == "error" -> -' --first
	[ -z "$output" ]
	[ "$(wc -l < b.jsonl)" -eq 2 ]
	printf '{"n":1}\n' > ./--stats
	run event_route 'has n -> -' -- --stats
	[ "$output" = '{"n":1}' ]
	# shards come first, and take every event
	feed "$E" event_route --first --shard host:2 '>>s.{}' 'level == "error" -> -'
	[ -z "$output" ]
	[ "$(cat s.* | wc -l)" -eq 4 ]
}

@test "else takes what no other rule took; a record the predicate cannot read is unmatched" {
	feed "$E" event_route 'level == "error" -> >>e.jsonl' 'else -> -'
	[ "$output" = '{"level":"info","host":"b","m":2}
{"level":"warn","host":"a","m":3}
{"host":"c","m":4}' ]
	feed "$E" event_route --stats 'level != "error" -> >>x.jsonl'
	[ "$(wc -l < x.jsonl)" -eq 2 ]	# the record without level matches no comparison
	[ "${stderr_lines[1]}" = "event-route: routed=4 delivered=2 unmatched=2 dead-lettered=0 dropped=0 failed=0" ]
	# a value of the wrong type for the comparison is unmatched too
	feed '{"status":"abc"}\n{"status":null}\n{"status":true}\n{"status":{"x":1}}\n{"status":200}\n{"status":"503"}\n' \
	    event_route 'status >= 500 -> -' 'status != 500 -> >>ne' 'else -> >>e'
	[ "$status" -eq 0 ]
	[ "$output" = '{"status":"503"}' ]
	[ "$(cat ne)" = '{"status":200}
{"status":"503"}' ]
	[ "$(cat e)" = '{"status":"abc"}
{"status":null}
{"status":true}
{"status":{"x":1}}' ]
}

@test "file templates: directories made, values kept from escaping them, > truncates once" {
	feed '{"host":"a","level":"x"}\n{"host":"../../etc","level":"y"}\n{"level":"z"}\n{"host":"a","level":"x"}\n' event_route 'has level -> >out/{host}/{level}.jsonl'
	[ "$status" -eq 0 ]
	# a value's '/' and leading '.' are '_': no way out of out/
	[ "$(find out -type f | LC_ALL=C sort)" = 'out/_._.._etc/y.jsonl
out/_/z.jsonl
out/a/x.jsonl' ]
	[ "$(wc -l < out/a/x.jsonl)" -eq 2 ]
	feed '{"host":"a","level":"x"}\n' event_route 'has level -> >out/{host}/{level}.jsonl'
	[ "$(wc -l < out/a/x.jsonl)" -eq 1 ]
}

@test "ten thousand files under a limit of 64 open descriptors" {
	seq 1 10000 | sed 's/.*/{"n":&}/' > in.jsonl
	seq 1 10000 | sed 's/.*/{"n":&}/' >> in.jsonl
	run --separate-stderr bash -c 'ulimit -n 64; "$0" --max-open 40 "has n -> >>f/{n}" in.jsonl' "$STREAMKIT_BIN/event-route"
	[ "$status" -eq 0 ]
	[ "$(ls f | wc -l)" -eq 10000 ]
	[ "$(cat f/1)" = '{"n":1}
{"n":1}' ]
	[ "$(cat f/* | wc -l)" -eq 20000 ]
	# > empties a file the first time only, however many came between
	{ seq 1 3000; seq 1 3000; } | sed 's/.*/{"n":&}/' > twice.jsonl
	run --separate-stderr bash -c 'ulimit -n 64; "$0" --max-open 40 "has n -> >g/{n}" twice.jsonl' "$STREAMKIT_BIN/event-route"
	[ "$status" -eq 0 ]
	[ "$(cat g/2999)" = '{"n":2999}
{"n":2999}' ]
	[ "$(cat g/* | wc -l)" -eq 6000 ]
	# nor a file >> opened first and > wrote after
	{ echo '{"a":1}'; echo '{"b":1,"n":2}'; seq 1 3000 | sed 's/.*/{"f":&}/'; echo '{"b":1,"n":3}'; } > mixed.jsonl
	run event_route --max-open 4 'has a -> >>x.log' 'has b -> >x.log' 'has f -> >>t/{f}.log' mixed.jsonl
	[ "$status" -eq 0 ]
	[ "$(cat x.log)" = '{"a":1}
{"b":1,"n":2}
{"b":1,"n":3}' ]
}

@test "ever new file names: the closed ones are forgotten, memory stays flat" {
	seq 1 1500 | sed 's/.*/{"n":&}/' > small.jsonl
	seq 1 12000 | sed 's/.*/{"n":&}/' > big.jsonl
	# AddressSanitizer keeps what is freed, and pads what is not: no
	# quarantine, and a wider bound (without forgetting: +5 MB there)
	limit=1024
	grep -q __asan_init "$STREAMKIT_BIN/event-route" && limit=3072
	export ASAN_OPTIONS=quarantine_size_mb=0:${ASAN_OPTIONS:-}
	small=$("$STREAMKIT_BIN/../runstat" -i small.jsonl -o /dev/null -- "$STREAMKIT_BIN/event-route" --max-open 8 'has n -> >>a/{n}.log')
	big=$("$STREAMKIT_BIN/../runstat" -i big.jsonl -o /dev/null -- "$STREAMKIT_BIN/event-route" --max-open 8 'has n -> >>b/{n}.log')
	[ "$(ls b | wc -l)" -eq 12000 ]
	[ "$(cat b/11999.log)" = '{"n":11999}' ]
	# eight times the files, not a MB more (each known file cost 225 bytes)
	[ $(( $(echo "$big" | cut -d' ' -f2) - $(echo "$small" | cut -d' ' -f2) )) -lt "$limit" ]
}

@test "|CMD: one long-lived handler per rule reads the matching events" {
	feed "$E" event_route 'has level -> |wc -l > count' 'host == "a" -> |cat > a'
	[ "$status" -eq 0 ]
	[ "$(cat count | tr -d ' ')" = 3 ]
	[ "$(wc -l < a)" -eq 2 ]
}

@test "a handler that fails or stops reading is reported, exit 1, and counted" {
	seq 1 100000 | sed 's/.*/{"n":&}/' > in.jsonl
	run --separate-stderr event_route --stats 'has n -> |head -n 1 > /dev/null' in.jsonl
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"event-route: handler 'head -n 1 > /dev/null' stopped reading its input"* ]]
	[[ "$stderr" == *"failed="[1-9]* ]]
	run --separate-stderr event_route 'has n -> |exit 3' in.jsonl
	[ "$status" -eq 1 ]
}

@test "--shard: a key always goes to the same shard, and keys do not split" {
	"$STREAMKIT_BIN/../gen" -n 20000 > e.jsonl
	run event_route --shard host:4 '>>shard-{}.jsonl' e.jsonl
	[ "$status" -eq 0 ]
	[ "$(cat shard-*.jsonl | wc -l)" -eq 20000 ]
	total=0
	for f in shard-*.jsonl; do
		total=$((total + $(stream_agg -g host count "$f" | wc -l)))
	done
	[ "$total" -eq "$(stream_agg -g host count e.jsonl | wc -l)" ]
	# the same key, the same shard, run after run: the hash is stable
	mkdir again && cd again
	event_route --shard host:4 '>>shard-{}.jsonl' ../e.jsonl
	for f in shard-*.jsonl; do cmp "$f" "../$f"; done
}

@test "--shard: the hash is the one the man page gives, in every release" {
	# computed by hand from event-route(1), not by the tool
	printf '%s\n' '{"k":"a"}' '{"k":"c"}' '{"k":"host1"}' '{"k":"10.0.0.1"}' \
	    '{"k":"zz"}' '{"k":"0123456789abcdef"}' '{"k":""}' '{"k":null}' \
	    '{"k":200}' '{"k":"200"}' '{"x":1}' > k.jsonl
	event_route --shard k:7 '>>s7.{}' --shard k:1000 '>>s1000.{}' k.jsonl
	[ "$(cat s7.0)" = '{"k":"a"}
{"k":"c"}
{"k":"zz"}
{"x":1}' ]
	[ "$(cat s7.2)" = '{"k":""}
{"k":null}' ]
	[ "$(cat s7.3)" = '{"k":"10.0.0.1"}' ]
	[ "$(cat s7.4)" = '{"k":"0123456789abcdef"}' ]
	[ "$(cat s7.6)" = '{"k":"host1"}
{"k":200}
{"k":"200"}' ]
	[ "$(cat s1000.572)" = '{"k":"a"}' ]
	[ "$(cat s1000.402)" = '{"k":"host1"}' ]
	[ "$(cat s1000.8)" = '{"k":"10.0.0.1"}' ]
	[ "$(cat s1000.798)" = '{"k":"0123456789abcdef"}' ]
	[ "$(cat s1000.926)" = '{"k":""}
{"k":null}' ]
	[ "$(cat s1000.0)" = '{"x":1}' ]
	[ "$(cat s1000.167)" = '{"k":200}
{"k":"200"}' ]
	[ ! -e s7.1 ] && [ ! -e s7.5 ]
	# two fields: each text after its length
	printf '{"h":"web","p":42}\n' | event_route --shard h,p:1000 '>>two.{}'
	[ -s two.237 ]
}

@test "--shard into handlers, then stream-agg --merge: the scale-out recipe" {
	"$STREAMKIT_BIN/../gen" -n 20000 > e.jsonl
	PATH=$STREAMKIT_BIN:$PATH event_route --shard host:3 '|stream-agg --partial -g host count sum:bytes > part.{}' e.jsonl
	[ "$(ls part.* | wc -l)" -eq 3 ]
	cat part.* | stream_agg --merge -g host count sum:bytes | sort > merged
	stream_agg -o json -g host count sum:bytes e.jsonl | sort > one
	cmp one merged
}

@test "a bad rule is a usage error that points at the position" {
	feed '' event_route 'level == -> -'
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "event-route: rule 'level == -> -': at 9: expected a value after '=='" ]
	feed '' event_route 'level == "a" -> ?x'
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "event-route: rule 'level == \"a\" -> ?x': at 17: expected a destination: -, >>FILE, >FILE, |CMD or !CMD" ]
	feed '' event_route ' -> -'
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "event-route: rule ' -> -': at 1: expected a predicate or else before '->'" ]
	feed '' event_route
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "event-route: no rule: give PREDICATE -> DESTINATION" ]
	feed '' event_route --shard host:0 '>>s{}'
	[ "$status" -eq 2 ]
	feed '' event_route 'has x -> !'
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "event-route: rule 'has x -> !': at 11: expected a command after '!'" ]
	feed '' event_route -P 0 'has x -> !true'
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "event-route: -P '0': not a count" ]
	# no '->' outside quotes, and no such file: a rule gone wrong
	feed '' event_route 'has n => -' 'else -> -'
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "event-route: 'has n => -': neither a file nor a rule (a rule is PREDICATE -> DESTINATION, '->' outside quotes)" ]
	feed '' event_route "x == 'a -> -" 'else -> -'
	[ "$status" -eq 2 ]
	# a file of that name is a file
	printf '{"n":1}\n' > 'has n => -'
	feed '' event_route 'has n -> -' 'has n => -'
	[ "$status" -eq 0 ]
	[ "$output" = '{"n":1}' ]
}

@test "an unparseable record follows the error policy; the ledger balances" {
	feed '{"level":"error"}\nnot json\n{"level":"info"}\n' event_route -i json --stats 'level == "error" -> >>e.jsonl'
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "event-route: <stdin>:2: expected '{': 'not json'" ]
	[ "${stderr_lines[1]}" = "event-route: rule 1 'level == \"error\" -> >>e.jsonl': matched=1 delivered=1 failed=0 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[2]}" = "event-route: routed=2 delivered=1 unmatched=1 dead-lettered=0 dropped=0 failed=0" ]
	[ "${stderr_lines[3]}" = "event-route: stats read=3 routed=2 filtered=0 rejected=1 late=0 written=1" ]
	# skip: counted, not said; fail: stop at once; --rejects keeps them
	feed '{"level":"error"}\nnot json\n{"level":"info"}\n' event_route -i json --on-error skip --rejects rej --stats 'level == "error" -> >>s.jsonl'
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "event-route: rule 1 'level == \"error\" -> >>s.jsonl': matched=1 delivered=1 failed=0 dropped=0 dead-lettered=0" ]
	[ "$(cat rej)" = 'not json' ]
	feed '{"level":"error"}\nnot json\n{"level":"error"}\n' event_route -i json --on-error fail 'level == "error" -> >>f.jsonl'
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "event-route: <stdin>:2: expected '{': 'not json'" ]
	[ "$(cat f.jsonl)" = '{"level":"error"}' ]
}

@test "the design's example rules parse and route" {
	mkdir bin && printf '#!/bin/sh\ncat >> "%s/mailed"\n' "$PWD" > bin/mail && chmod +x bin/mail
	feed '{"level":"error","type":"x","status":200}\n{"level":"info","type":"login","status":200}\n{"level":"info","type":"y","status":503}\n{"level":"debug","type":"z","status":200}\n' \
	    env PATH="$PWD/bin:$PATH" "$STREAMKIT_BIN/event-route" \
	    'level == "error" -> |mail -s "app errors" ops@example.com' \
	    'type == "login"  -> >>logins.jsonl' \
	    'status >= 500    -> >>errors5xx.jsonl' \
	    'else             -> >>other.jsonl'
	[ "$status" -eq 0 ]
	[ "$(cat mailed)" = '{"level":"error","type":"x","status":200}' ]
	[ "$(cat logins.jsonl)" = '{"level":"info","type":"login","status":200}' ]
	[ "$(cat errors5xx.jsonl)" = '{"level":"info","type":"y","status":503}' ]
	[ "$(cat other.jsonl)" = '{"level":"debug","type":"z","status":200}' ]
}

@test "!CMD: one run per event, the event on stdin, its fields as EVENT_ variables" {
	feed '{"level":"error","msg":"disk \\"full\\"","n":1,"a-b":"x"}\n{"level":"info","n":2}\n' \
	    event_route 'level == "error" -> !printf "%s|%s|%s|%s|%s\\n" "$EVENT_level" "$EVENT_n" "$EVENT_msg" "$EVENT_a_b" "$(cat)" >> ran'
	[ "$status" -eq 0 ]
	[ "$(cat ran)" = 'error|1|disk "full"|x|{"level":"error","msg":"disk \"full\"","n":1,"a-b":"x"}' ]
	# logfmt's pairs and a web server log's parts are fields too
	feed 'level=error msg="disk \\"full\\"" a-b=x flag\n' \
	    event_route -i logfmt 'level == error -> !printf "%s|%s|%s|%s\\n" "$EVENT_level" "$EVENT_msg" "$EVENT_a_b" "$EVENT_flag" >> lf'
	[ "$status" -eq 0 ]
	[ "$(cat lf)" = 'error|disk "full"|x|true' ]
	head -n 1 "$EXAMPLES/access.log" > one.log
	run event_route 'status == 200 -> !printf "%s|%s|%s|%s\\n" "$EVENT_host" "$EVENT_status" "$EVENT_path" "$EVENT_agent" >> clf' one.log
	[ "$status" -eq 0 ]
	[ "$(cat clf)" = '203.0.113.25|200|/index.html|curl/8.5.0' ]
	# and the pairs after them, as --where reads them: a part's name is
	# the part's
	printf '%s rt=0.25 up="a \\"b\\"" status=999\n' "$(cat one.log)" > pairs.log
	run event_route 'rt > 0.1 -> !printf "%s|%s|%s\\n" "$EVENT_rt" "$EVENT_up" "$EVENT_status" >> pl' pairs.log
	[ "$status" -eq 0 ]
	[ "$(cat pl)" = '0.25|a "b"|200' ]
	# a NUL in a value starts no variable of its own
	feed '{"msg":"hi\\u0000PATH=/nowhere"}\n' event_route 'has msg -> !printf "%s|%s\\n" "$EVENT_msg" "$PATH" >> nul'
	[ "$(cat nul)" = "hiPATH=/nowhere|$PATH" ]
	# an escaped key is named as --where reads it
	feed '{"h\\u0041":1}\n' event_route 'hA == 1 -> !env | grep "^EVENT_h" >> esc'
	[ "$status" -eq 0 ]
	[ "$(cat esc)" = 'EVENT_hA=1' ]
	# one of each name: the event's last over the rest and over ours
	feed '{"a-b":"1","a.b":"2"}\n' env EVENT_a_b=ours EVENT_z=kept \
	    "$STREAMKIT_BIN/event-route" 'has a-b -> !env | grep "^EVENT_" | sort >> names'
	[ "$(cat names)" = 'EVENT_a_b=2
EVENT_z=kept' ]
}

@test "!CMD -P 2: at most two at once, every event run" {
	seq 1 200 | sed 's/.*/{"n":&}/' > in.jsonl
	run --separate-stderr event_route --stats -P 2 'has n -> !echo "$EVENT_n" >> seen' in.jsonl
	[ "$status" -eq 0 ]
	[ "$(sort -n seen | tr '\n' ' ')" = "$(seq 1 200 | tr '\n' ' ')" ]
	[ "${stderr_lines[0]}" = "event-route: rule 1 'has n -> !echo \"\$EVENT_n\" >> seen': matched=200 delivered=200 failed=0 dropped=0 dead-lettered=0" ]
	seq 1 12 | sed 's/.*/{"n":&}/' > in12.jsonl
	at_once 2
	at_once 3
}

# Run event-route -P n over 12 events whose commands each count those
# running as it starts, then hold until the test releases them: n run at
# once, never more, whatever the machine's load.
at_once() {
	rm -rf running release conc && mkdir running
	event_route -P "$1" 'has n -> !touch running/$EVENT_n; ls running | wc -l >> conc; i=0; while [ ! -e release ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i + 1)); done; rm running/$EVENT_n' in12.jsonl &
	pid=$!
	i=0
	while [ "$(ls running | wc -l)" -lt "$1" ] && [ $i -lt 3000 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	[ "$(ls running | wc -l)" -eq "$1" ]	# n at once, the rest waiting
	touch release
	wait "$pid"
	[ "$(wc -l < conc)" -eq 12 ]
	[ "$(sort -n conc | tail -n 1)" -eq "$1" ]	# never more than n
}

@test "--retry and --dead-letter: a failing command is retried, then its event kept" {
	feed '{"n":1}\n{"n":2}\n' event_route --stats --retry 2 --dead-letter dead 'has n -> !echo x >> tries; test "$EVENT_n" = 1'
	[ "$status" -eq 0 ]
	[ "$(cat dead)" = '{"n":2}' ]
	[ "$(wc -l < tries)" -eq 4 ]	# 1 once, 2 three times
	[ "${stderr_lines[0]}" = "event-route: rule 1 'has n -> !echo x >> tries; test \"\$EVENT_n\" = 1': matched=2 delivered=1 failed=0 dropped=0 dead-lettered=1" ]
	feed '{"n":2}\n' event_route 'has n -> !false'
	[ "$status" -eq 1 ]
	feed '{"n":2}\n' event_route --keep-going 'has n -> !false'
	[ "$status" -eq 0 ]
}

@test "--dead-letter that cannot be written: the event is failed, not dead-lettered" {
	feed '{"n":1}\n{"n":2}\n' event_route --stats --dead-letter /dev/full 'has n -> !false'
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "event-route: command 'false' failed (exit status 1): its event is lost, the dead letter cannot be written" ]
	[ "${stderr_lines[2]}" = "event-route: rule 1 'has n -> !false': matched=2 delivered=0 failed=2 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[3]}" = "event-route: routed=2 delivered=0 unmatched=0 dead-lettered=0 dropped=0 failed=2" ]
	[ "${stderr_lines[4]}" = "event-route: '/dev/full': write error: No space left on device" ]
}

@test "a handler that never reads nor ends: --grace bounds the wait, then it is killed" {
	SECONDS=0
	feed '{"n":1}\n' event_route --grace 200ms 'has n -> |sleep 1000'
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "event-route: handler 'sleep 1000' did not end within --grace: killed" ]
	[ "$SECONDS" -lt 5 ]
	feed '' event_route --grace soon 'has n -> -'
	[ "$status" -eq 2 ]
}

@test "SIGTERM: stop reading, deliver what came, wait for the handlers, exit" {
	mkfifo in
	"$STREAMKIT_BIN/event-route" 'has n -> |cat > got' 'has n -> >>file' < in 2> err &
	pid=$!
	exec {fd}> in
	printf '{"n":1}\n{"n":2}\n' >&"$fd"
	wait_lines file 2
	kill -TERM "$pid"
	wait "$pid"
	exec {fd}>&-
	[ "$(cat got)" = '{"n":1}
{"n":2}' ]
	[ ! -s err ]
}

@test "a second SIGTERM ends the grace at once: what runs is killed, the ledger said" {
	mkfifo in
	n=$((100000 + RANDOM))	# a sleep of our own to look for
	# the handler reads to the end of its input, says so, and stays
	"$STREAMKIT_BIN/event-route" --grace 60s --stats "has n -> |cat > got; touch eof; exec sleep $n" 'has n -> >>file' < in 2> err &
	pid=$!
	exec {fd}> in
	printf '{"n":1}\n{"n":2}\n' >&"$fd"
	wait_lines file 2
	kill -TERM "$pid"
	wait_lines eof 0	# the first: input ended, the handler's too
	kill -TERM "$pid"
	SECONDS=0
	st=0
	wait "$pid" || st=$?
	exec {fd}>&-
	[ "$SECONDS" -lt 10 ]	# not the 60 s of --grace
	[ "$st" -eq 1 ]
	grep -q -x "event-route: handler 'cat > got; touch eof; exec sleep $n' did not end within --grace: killed" err
	grep -q -x 'event-route: routed=2 delivered=2 unmatched=0 dead-lettered=0 dropped=0 failed=0' err
	[ "$(cat got)" = '{"n":1}
{"n":2}' ]
	for ((i = 0; i < 500; i++)); do pgrep -f "sleep $n" > /dev/null || break; sleep 0.01; done
	! pgrep -f "sleep $n"
}

@test "SIGTERM while standard output is blocked: --grace bounds the wait, the rest is failed" {
	seq 1 100000 | sed 's/.*/{"n":&}/' > many.jsonl
	# a reader that takes a byte, or 10 kB (so that the blocked write
	# ends short, not with EINTR), and then no more
	for took in 1 10000; do
		rm -f out err
		mkfifo out
		exec {r}<> out
		"$STREAMKIT_BIN/event-route" --grace 300ms --stats 'has n -> -' many.jsonl > out 2> err 3>&- &
		pid=$!
		head -c "$took" <&"$r" > /dev/null
		kill -TERM "$pid"
		for ((i = 0; i < 500; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
		gone=1
		kill -0 "$pid" 2>/dev/null && gone=0 && kill -KILL "$pid"
		st=0
		wait "$pid" || st=$?
		exec {r}>&-
		[ "$gone" -eq 1 ]	# within 5 s, not when a reader came
		[ "$st" -eq 1 ]
		grep -q -x "event-route: write error: still blocked when the grace was over" err
		line=$(grep '^event-route: routed=' err)
		[[ "$line" =~ ^"event-route: routed="([0-9]+)" delivered="([0-9]+)" unmatched=0 dead-lettered=0 dropped=0 failed="([1-9][0-9]*)$ ]]
		[ $(( BASH_REMATCH[2] + BASH_REMATCH[3] )) -eq "${BASH_REMATCH[1]}" ]
	done
}

@test "standard output closed by its reader: no error said, reading stops, the rejects and the ledger still written" {
	{ echo bad; seq 1 100000 | sed 's/.*/{"n":&}/'; } > in.jsonl
	run --separate-stderr bash -c '"$0" -i json --on-error skip --rejects rej --stats "has n -> -" in.jsonl | head -n 1; exit "${PIPESTATUS[0]}"' "$STREAMKIT_BIN/event-route"
	[ "$status" -eq 1 ]
	[ "$output" = '{"n":1}' ]
	[ "$(cat rej)" = bad ]
	[[ "$stderr" != *"write error"* ]]
	# stdout was its one destination: it read no further
	[[ "${stderr_lines[2]}" =~ ^"event-route: stats read="([0-9]+)" routed="([0-9]+)" filtered=0 rejected=1 late=0 written="[0-9]+$ ]]
	[ "${BASH_REMATCH[1]}" -lt 100001 ]
	[ "${BASH_REMATCH[2]}" -eq $((BASH_REMATCH[1] - 1)) ]
	# with a file too, it reads on: the file gets every event
	run --separate-stderr bash -c '"$0" -i json --on-error skip "has n -> -" "has n -> >>all" in.jsonl | head -n 1; exit "${PIPESTATUS[0]}"' "$STREAMKIT_BIN/event-route"
	[ "$status" -eq 1 ]
	[ "$(wc -l < all)" -eq 100000 ]
}

@test "SIGINT ends input as SIGTERM does; --keep-going keeps a handler's failure out of the status" {
	mkfifo in
	"$STREAMKIT_BIN/event-route" 'has n -> |cat > got' < in 2> err &
	pid=$!
	exec {fd}> in
	printf '{"n":1}\n{"n":2}\n' >&"$fd"
	wait_lines got 2
	kill -INT "$pid"
	wait "$pid"
	exec {fd}>&-
	[ "$(cat got)" = '{"n":1}
{"n":2}' ]
	[ ! -s err ]
	printf '{"n":1}\n' > one.jsonl
	run event_route 'has n -> |exit 3' one.jsonl
	[ "$status" -eq 1 ]
	run --separate-stderr event_route --keep-going 'has n -> |exit 3' one.jsonl
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "event-route: handler 'exit 3' failed (exit status 3)" ]
	# a file that cannot be written still makes it 1
	run event_route --keep-going 'has n -> >>/dev/full' one.jsonl
	[ "$status" -eq 1 ]
}

@test "a stuck handler: back-pressure waits; --drop-when-full drops and counts, the others still get theirs" {
	seq 1 60000 | sed 's/.*/{"n":&,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}/' > in.jsonl
	run --separate-stderr event_route --stats --drop-when-full --grace 300ms 'has n -> |sleep 1000' 'has n -> >>all' in.jsonl
	[ "$status" -eq 1 ]
	[ "$(wc -l < all)" -eq 60000 ]
	[ "${stderr_lines[0]}" = "event-route: handler 'sleep 1000' did not end within --grace: killed" ]
	# what it held when it was killed is failed, what did not fit dropped
	[[ "${stderr_lines[1]}" =~ ^"event-route: handler 'sleep 1000': "([0-9]+)" events not delivered"$ ]]
	lost=${BASH_REMATCH[1]}
	[[ "${stderr_lines[2]}" =~ ^"event-route: rule 1 'has n -> |sleep 1000': matched=60000 delivered=0 failed=$lost dropped="([0-9]+)" dead-lettered=0"$ ]]
	[ "$((lost + BASH_REMATCH[1]))" -eq 60000 ]
	# without it, a slow handler is waited for, and gets every event
	run --separate-stderr event_route --stats 'has n -> |sleep 0.2; wc -l > count' in.jsonl
	[ "$status" -eq 0 ]
	[ "$(tr -d ' ' < count)" = 60000 ]
}

@test "while a full handler holds the router up, files and stdout get what they have waiting" {
	pad=$(printf '%01000d' 0)
	seq 1 3000 | sed "s/.*/{\"n\":&,\"pad\":\"$pad\"}/" > big.jsonl
	"$STREAMKIT_BIN/event-route" --grace 200ms 'n == 1 -> >>first' 'n == 2 -> -' 'has n -> |sleep 1000' big.jsonl > out 2> err 3>&- &
	pid=$!
	# 3 MB for a handler that never reads: it waits, they do not
	got=0
	wait_lines first 1 && wait_lines out 1 && got=1
	kill -TERM "$pid"
	wait "$pid" || true
	[ "$got" -eq 1 ]
	[ "$(cut -c1-8 first)" = '{"n":1,"' ]
	[ "$(cut -c1-8 out)" = '{"n":2,"' ]
}

@test "--restart: a handler that ends is run again, and what it lost is said" {
	mkfifo in
	"$STREAMKIT_BIN/event-route" --restart 'has n -> |head -n 1 >> got' < in 2> err &
	pid=$!
	exec {fd}> in
	printf '{"n":1}\n' >&"$fd"
	wait_lines got 1
	# the first one read its line and ended; the next event finds it gone
	for ((i = 0; i < 500; i++)); do
		kill -0 "$(pgrep -P "$pid" -x head)" 2>/dev/null || break
		sleep 0.01
	done
	printf '{"n":2}\n' >&"$fd"
	wait_lines got 2
	exec {fd}>&-
	wait "$pid" || true
	[ "$(cat got)" = '{"n":1}
{"n":2}' ]
	grep -q "event-route: handler 'head -n 1 >> got' ended; run again in 100 ms" err
}

@test "a file that cannot be written: reported with what it lost, exit 1" {
	feed '{"a":1}\n{"a":2}\n' event_route 'has a -> >>/dev/full'
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "event-route: '/dev/full': write error: No space left on device (2 events lost)" ]
	feed '{"a":1}\n' bash -c 'event_route "has a -> -" > /dev/full'
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "event-route: write error: No space left on device" ]
	# what even root cannot open: a directory, a path through a file
	mkdir d && touch f
	feed '{"a":1}\n{"a":2}\n' event_route --stats 'has a -> >>d' 'has a -> >>f/x/y'
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "event-route: cannot open 'd': Is a directory" ]
	[ "${stderr_lines[1]}" = "event-route: cannot open 'f/x/y': Not a directory" ]
	[ "${stderr_lines[2]}" = "event-route: rule 1 'has a -> >>d': matched=2 delivered=0 failed=2 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[3]}" = "event-route: rule 2 'has a -> >>f/x/y': matched=2 delivered=0 failed=2 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[4]}" = "event-route: routed=2 delivered=0 unmatched=0 dead-lettered=0 dropped=0 failed=2" ]
}

@test "a handler that ends early: what it never read is counted and said; --restart gives it to the next run" {
	printf '{"n":1}\n{"n":2}\n{"n":3}\n' > in.jsonl
	# the shell's read takes one line, byte by byte, and leaves the rest
	run --separate-stderr event_route --stats 'has n -> |read -r l; echo "$l" >> got' in.jsonl
	[ "$status" -eq 1 ]
	[ "$(cat got)" = '{"n":1}' ]
	[ "${stderr_lines[0]}" = "event-route: handler 'read -r l; echo \"\$l\" >> got': 2 events not delivered" ]
	[ "${stderr_lines[1]}" = "event-route: rule 1 'has n -> |read -r l; echo \"\$l\" >> got': matched=3 delivered=1 failed=2 dropped=0 dead-lettered=0" ]
	rm got
	run --separate-stderr event_route --restart 'has n -> |read -r l; echo "$l" >> got' in.jsonl
	[ "$status" -eq 1 ]
	[ "$(cat got)" = '{"n":1}
{"n":2}
{"n":3}' ]
	[ "${stderr_lines[0]}" = "event-route: handler 'read -r l; echo \"\$l\" >> got' ended; run again in 100 ms, with the events it had not read" ]
	[ "${stderr_lines[1]}" = "event-route: handler 'read -r l; echo \"\$l\" >> got' ended; run again in 200 ms, with the events it had not read" ]
}

@test "live input: a slow handler gets what waits for it while the input is quiet" {
	mkfifo in
	# 2,000 events of 100 bytes: more than its pipe holds while it sleeps
	seq 1 2000 | awk '{ printf "{\"n\":%d,\"pad\":\"%080d\"}\n", $1, 0 }' > ev.jsonl
	"$STREAMKIT_BIN/event-route" 'has n -> |sleep 0.2; cat > got' < in 2> err &
	pid=$!
	exec {fd}> in
	cat ev.jsonl >&"$fd"
	wait_lines got 2000	# the input is still open, and quiet
	exec {fd}>&-
	wait "$pid"
	cmp ev.jsonl got
}

@test "a stuck command holds up neither the others nor SIGTERM; --grace, then its events are dead letters" {
	mkfifo in
	"$STREAMKIT_BIN/event-route" --grace 200ms --dead-letter dead 'has n -> !sleep 1000' 'has n -> >>all' < in 2> err &
	pid=$!
	exec {fd}> in
	printf '{"n":1}\n{"n":2}\n{"n":3}\n' >&"$fd"
	wait_lines all 3
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	exec {fd}>&-
	[ "$status" -eq 1 ]
	[ "$(cat err)" = "event-route: command 'sleep 1000' did not end within --grace: killed
event-route: command 'sleep 1000': events not run within --grace" ]
	[ "$(cat dead)" = '{"n":1}
{"n":2}
{"n":3}' ]
}

@test "a failing command is retried without holding up the other destinations" {
	mkfifo in
	"$STREAMKIT_BIN/event-route" --retry 3 --dead-letter dead 'has n -> !exit 1' 'has n -> >>all' < in 2> err &
	pid=$!
	exec {fd}> in
	printf '{"n":1}\n' >&"$fd"
	printf '{"n":2}\n' >&"$fd"
	wait_lines all 2	# while n 1 waits 10, 20, 40 ms between runs
	wait_lines dead 2
	exec {fd}>&-
	wait "$pid"
	[ ! -s err ]
}

@test "--shard with !CMD: {} is the shard, and each shard's events run in order" {
	seq 1 60 | awk '{ printf "{\"k\":\"k%d\",\"n\":%d}\n", $1 % 5, $1 }' > in.jsonl
	run --separate-stderr event_route -P 4 --shard k:3 '!echo "$EVENT_n" >> out.{}' in.jsonl
	[ "$status" -eq 0 ]
	[ "$(cat out.* | wc -l)" -eq 60 ]
	for f in out.*; do
		[ "$(cat "$f")" = "$(sort -n "$f")" ]	# in order, per shard
	done
	# and the same keys as files would get
	event_route --shard k:3 '>>file.{}' in.jsonl
	for i in 0 1 2; do
		[ "$(sed 's/.*"n":\([0-9]*\).*/\1/' "file.$i")" = "$(cat "out.$i")" ]
	done
}

@test "control lines go nowhere, unless --punct" {
	feed '{"_punct":"watermark","t":1795514400000000}\n{"a":1}\n' event_route 'has a -> -'
	[ "$status" -eq 0 ]
	[ "$output" = '{"a":1}' ]
	feed '{"_punct":"watermark","t":1795514400000000}\n{"a":1}\n' event_route --punct 'has a -> -'
	[ "${lines[0]}" = '{"_punct":"watermark","t":1795514400000000}' ]
	[ "${lines[1]}" = '{"a":1}' ]
}

@test "a handler run again by --restart gets the end of input too" {
	printf '{"n":1}\n{"n":2}\n{"n":3}\n' > in.jsonl
	# the first run reads one event and ends; the second reads to the end
	SECONDS=0
	run --separate-stderr event_route --restart --grace 5s 'has n -> |if [ -e flag ]; then cat >> got; else touch flag; read -r l; echo "$l" >> got; fi' in.jsonl
	[ "$SECONDS" -lt 4 ]	# not killed at the end of --grace
	[ "$(cat got)" = '{"n":1}
{"n":2}
{"n":3}' ]
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "descriptors: commands get them before open files, and inherit none of ours" {
	seq 1 100 | sed 's/.*/{"n":&}/' > in.jsonl
	run --separate-stderr bash -c 'ulimit -n 20; event_route --stats "has n -> >>tpl/{n}" "has n -> !cat > /dev/null" in.jsonl'
	[ "$status" -eq 0 ]
	[ "${stderr_lines[1]}" = "event-route: rule 2 'has n -> !cat > /dev/null': matched=100 delivered=100 failed=0 dropped=0 dead-lettered=0" ]
	[ "$(ls tpl | wc -l)" -eq 100 ]
	echo '{"n":1}' > one.jsonl
	event_route --rejects rej -O outf 'has n -> !ls -l /proc/self/fd/ > fds' one.jsonl
	! grep -e rej -e outf -e one.jsonl fds
}

@test "the ledger: an event a handler or file loses later is failed there, unless another took it" {
	printf '{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n{"n":5}\n' > in.jsonl
	run --separate-stderr event_route --stats --grace 200ms 'has n -> |sleep 1000' 'n > 3 -> >>f' in.jsonl
	[ "$status" -eq 1 ]
	[ "${stderr_lines[2]}" = "event-route: rule 1 'has n -> |sleep 1000': matched=5 delivered=0 failed=5 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[3]}" = "event-route: rule 2 'n > 3 -> >>f': matched=2 delivered=2 failed=0 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[4]}" = "event-route: routed=5 delivered=2 unmatched=0 dead-lettered=0 dropped=0 failed=3" ]
	run --separate-stderr event_route --stats 'has n -> >>/dev/full' in.jsonl
	[ "$status" -eq 1 ]
	[ "${stderr_lines[1]}" = "event-route: rule 1 'has n -> >>/dev/full': matched=5 delivered=0 failed=5 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[2]}" = "event-route: routed=5 delivered=0 unmatched=0 dead-lettered=0 dropped=0 failed=5" ]
	# two rules that write one file: each its own counts
	run --separate-stderr event_route --stats 'has n -> >>/dev/full' 'n > 3 -> >>/dev/full' in.jsonl
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "event-route: '/dev/full': write error: No space left on device (7 events lost)" ]
	[ "${stderr_lines[1]}" = "event-route: rule 1 'has n -> >>/dev/full': matched=5 delivered=0 failed=5 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[2]}" = "event-route: rule 2 'n > 3 -> >>/dev/full': matched=2 delivered=0 failed=2 dropped=0 dead-lettered=0" ]
	# two rules to standard output: one taker of each event
	run --separate-stderr sh -c '"$STREAMKIT_BIN/event-route" --stats "has n -> -" "n > 3 -> -" in.jsonl > /dev/full'
	[ "$status" -eq 1 ]
	[ "${stderr_lines[1]}" = "event-route: rule 2 'n > 3 -> -': matched=2 delivered=0 failed=2 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[2]}" = "event-route: routed=5 delivered=0 unmatched=0 dead-lettered=0 dropped=0 failed=5" ]
	# an event lost everywhere it went is failed; lost in one place of
	# two, delivered; a command's own outcome is kept
	run --separate-stderr event_route --stats 'has n -> >>/dev/full' 'has n -> >>/dev/full' in.jsonl
	[ "$(routed_line)" = "event-route: routed=5 delivered=0 unmatched=0 dead-lettered=0 dropped=0 failed=5" ]
	run --separate-stderr event_route --stats 'has n -> >>/dev/full' 'n > 3 -> >>f2' in.jsonl
	[ "$(routed_line)" = "event-route: routed=5 delivered=2 unmatched=0 dead-lettered=0 dropped=0 failed=3" ]
	run --separate-stderr sh -c '"$STREAMKIT_BIN/event-route" --stats "has n -> -" "n > 3 -> >>/dev/full" in.jsonl > /dev/full'
	[ "$(routed_line)" = "event-route: routed=5 delivered=0 unmatched=0 dead-lettered=0 dropped=0 failed=5" ]
	run --separate-stderr sh -c '"$STREAMKIT_BIN/event-route" --stats --dead-letter dl "has n -> -" "n > 3 -> !false" in.jsonl > /dev/full'
	[ "$(routed_line)" = "event-route: routed=5 delivered=0 unmatched=0 dead-lettered=2 dropped=0 failed=3" ]
	[ "$(cat dl)" = '{"n":4}
{"n":5}' ]
	run --separate-stderr event_route --stats --grace 200ms 'has n -> |sleep 1000' 'n > 1 -> |sleep 999' 'n > 4 -> >>f3' in.jsonl
	[ "$(routed_line)" = "event-route: routed=5 delivered=1 unmatched=0 dead-lettered=0 dropped=0 failed=4" ]
	run --separate-stderr event_route --stats 'has n -> |cat > /dev/null' 'n > 2 -> |cat > /dev/null' 'n > 3 -> >>f4' in.jsonl
	[ "$status" -eq 0 ]
	[ "$(routed_line)" = "event-route: routed=5 delivered=5 unmatched=0 dead-lettered=0 dropped=0 failed=0" ]
	# many, through handlers' buffers: a handler that ends early loses
	# only what the other did not take as well
	seq 1 100000 | sed 's/.*/{"n":&}/' > many.jsonl
	run --separate-stderr event_route --stats 'has n -> |cat > /dev/null' 'n > 50000 -> >>f5' many.jsonl
	[ "$status" -eq 0 ]
	[ "$(routed_line)" = "event-route: routed=100000 delivered=100000 unmatched=0 dead-lettered=0 dropped=0 failed=0" ]
	run --separate-stderr event_route --stats 'has n -> |head -c 1000 > /dev/null' 'n > 50000 -> |cat > /dev/null' many.jsonl
	[ "$status" -eq 1 ]
	line=$(routed_line)
	[[ "$line" =~ ^"event-route: routed=100000 delivered="([0-9]+)" unmatched=0 dead-lettered=0 dropped=0 failed="([0-9]+)$ ]]
	[ $(( BASH_REMATCH[1] + BASH_REMATCH[2] )) -eq 100000 ]
	[ "${BASH_REMATCH[1]}" -ge 50000 ] && [ "${BASH_REMATCH[1]}" -lt 60000 ]
	# standard output too, over many writes of its buffer
	seq 1 100000 | sed 's/.*/{"n":&}/' > many.jsonl
	run --separate-stderr sh -c '"$STREAMKIT_BIN/event-route" --stats "has n -> -" "n > 99990 -> >>f" many.jsonl > /dev/full'
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "event-route: rule 1 'has n -> -': matched=100000 delivered=0 failed=100000 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[1]}" = "event-route: rule 2 'n > 99990 -> >>f': matched=10 delivered=10 failed=0 dropped=0 dead-lettered=0" ]
	[ "${stderr_lines[2]}" = "event-route: routed=100000 delivered=10 unmatched=0 dead-lettered=0 dropped=0 failed=99990" ]
	[ "${stderr_lines[3]}" = "event-route: write error: No space left on device" ]
	[ "${stderr_lines[4]}" = "event-route: stats read=100000 routed=100000 filtered=0 rejected=0 late=0 written=10" ]
}

@test "CSV records with newlines in them are counted as events, and resent whole" {
	printf 'a,b\n1,"x\ny"\n2,"p\nq"\n3,"r\ns"\n' > c.csv
	run --separate-stderr event_route -i csv --stats 'has a -> |sleep 0.2; exit 3' c.csv
	[ "$status" -eq 1 ]
	[ "${stderr_lines[1]}" = "event-route: handler 'sleep 0.2; exit 3': 3 events not delivered" ]
	[ "${stderr_lines[3]}" = "event-route: routed=3 delivered=0 unmatched=0 dead-lettered=0 dropped=0 failed=3" ]
	# 9 bytes: the first record and a byte of the second, which is lost
	run --separate-stderr event_route -i csv --restart 'has a -> |head -c 9 >> got' c.csv
	[ "$(cat got)" = '1,"x
y"
23,"r
s"' ]
	[ "${stderr_lines[0]}" = "event-route: handler 'head -c 9 >> got' ended; run again in 100 ms, with the events it had not read (one it had read in part is lost)" ]
	[ "${stderr_lines[1]}" = "event-route: handler 'head -c 9 >> got': 1 event not delivered" ]
}

@test "a large regular file is parsed by a second thread from the start, a pipe by the one until it proves a bulk source" {
	awk 'BEGIN { for (i = 0; i < 300000; i++) printf "{\"n\":%d,\"pad\":\"%s\"}\n", i, "abcdefghijklmnopqrstuvwxyz0123456789" }' > big.jsonl
	# the handler reads one event and looks; the router cannot end
	# before it reads the rest, nor its second thread before the router;
	# from the pipe it has read far less than a megabyte by then (the
	# handler's pipe is full), so it is still on one thread
	handler='IFS= read -r x; ls /proc/$PPID/task | wc -l > tasks; exec cat > /dev/null'
	cat big.jsonl | event_route "has n -> |$handler"
	alone=$(cat tasks)
	rm tasks
	event_route "has n -> |$handler" < big.jsonl
	[ "$alone" -eq 1 ]
	if [ "$(nproc)" -ge 2 ]; then
		[ "$(cat tasks)" -ge 2 ]	# ThreadSanitizer adds one of its own
	else
		[ "$(cat tasks)" -eq 1 ]
	fi
	# one processor to run on: one thread
	rm tasks
	taskset -c 0 "$STREAMKIT_BIN/event-route" "has n -> |$handler" < big.jsonl
	[ "$(cat tasks)" -eq "$alone" ]
}

@test "parsed ahead or not: the same events, rejects, line numbers and ledger" {
	# lines across blocks, bad ones, CRLF, control lines, a line longer
	# than a block (the rest is read by one thread), no last "\n"
	awk 'BEGIN {
		for (i = 1; i <= 60000; i++) {
			if (i % 9973 == 0) print "{\"broken\":"
			else if (i % 7919 == 0) printf "{\"_punct\":\"watermark\",\"t\":%d}\n", 1795514400000000 + i
			else if (i % 5 == 0) printf "{\"level\":\"warn\",\"n\":%d}\r\n", i
			else printf "{\"level\":\"%s\",\"n\":%d,\"msg\":\"%s\"}\n", (i % 3 ? "info" : "error"), i, substr("abcdefghijklmnopqrstuvwxyz", 1, i % 26)
			if (i == 40000) {
				printf "{\"level\":\"error\",\"long\":\""
				for (j = 0; j < 30000; j++) printf "yyyyyyyyyy"
				print "\"}"
			}
		}
		printf "{\"level\":\"error\",\"n\":\"last\"}"
	}' > mixed.jsonl
	k=0
	for opts in "" "--max-line-bytes 100 -w n>30000"; do
		k=$((k + 1))
		for how in file pipe; do
			mkdir "$how$k"
			(
				cd "$how$k"
				route() {
					# shellcheck disable=SC2086
					"$STREAMKIT_BIN/event-route" --stats --punct $opts 'level == "error" -> >>error.jsonl' 'level == "warn" -> >>warn.jsonl' 'else -> -' > out 2> err
				}
				if [ "$how" = file ]; then
					route < ../mixed.jsonl
				else
					cat ../mixed.jsonl | route
				fi
				human_stats_in err	# the rate differs
			) || true
		done
		diff -r "file$k" "pipe$k"
	done
	# and what they agree on is right
	grep -q -x "event-route: <stdin>:49866: expected a value: '{\"broken\":'" file1/err
	[ "$(grep -c '"long"' file1/error.jsonl)" -eq 1 ]
	[ "$(wc -l < file1/warn.jsonl)" -eq 11998 ]
	[ "$(grep -c _punct file1/out)" -eq 7 ]
	[ "$(tail -n 1 file1/error.jsonl)" = '{"level":"error","n":"last"}' ]
	grep -q -x 'event-route: stats read=59995 routed=59989 filtered=0 rejected=6 late=0 written=59989' file1/err
	grep -q -x 'event-route: <stdin>:40001: line longer than --max-line-bytes (100), skipped' file2/err
	grep -q -x 'event-route: stats read=59995 routed=29993 filtered=29995 rejected=7 late=0 written=29993' file2/err
}
