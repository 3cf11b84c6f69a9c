#!/usr/bin/env bats
# The broker goes away in the middle of a run and comes back: every event
# is delivered (by the handler, kept running or run again) or
# dead-lettered, and the --stats ledger says which; none is lost
# silently.  The broker is killed with SIGKILL; its store is saved at
# every change, and the consumers keep their sessions (-c), so that what
# it took is not lost with it.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	need mosquitto
	alive "$(cat "$CLUSTER_DIR/mqtt/pid")" || start_mosquitto
	mkfifo input
}

teardown() {
	local pid
	exec 5>&- || true
	for pid in ${STARTED:-}; do stop_pid "$pid"; done
	# the next test, and the end, find the broker up
	alive "$(cat "$CLUSTER_DIR/mqtt/pid")" || start_mosquitto
}

# consume TOPIC FILE: a durable consumer of TOPIC writing to FILE,
# subscribed when this returns.
consume() {
	mosquitto_sub -c -i "streamkit-$1" -q 1 -t "faults/$1" > "$2" 2> "$2.err" 3>&- &
	STARTED="${STARTED:-} $!"
	poll 30 subscribed "streamkit-$1"
}

# received FILE N: FILE holds N distinct ids.
received() {
	[ "$(ids "$1" | wc -l)" -ge "$2" ]
}

# idle PID: PID has no child running (no command in flight).
idle() {
	[ -z "$(ps -o pid= --ppid "$1")" ]
}

@test "MQTT fault: a long-lived mosquitto_pub rides out a broker killed mid-run" {
	consume a recv
	event-route --restart --stats 'has id -> |mosquitto_pub -t faults/a -q 1 -l' \
	    < input > routed 2> route.err 3>&- &
	router=$!
	STARTED="$STARTED $router"
	exec 5> input
	events 1 100 >&5
	poll 30 received recv 100
	kill_mosquitto
	events 101 200 >&5
	start_mosquitto
	events 201 300 >&5
	exec 5>&-
	poll 60 eval '! alive '"$router"
	wait "$router" || { cat route.err >&2; false; }
	poll 60 received recv 300
	ids recv | diff - <(seq 300)
	grep -qx 'event-route: routed=300 delivered=300 unmatched=0 dead-lettered=0 dropped=0 failed=0' route.err
}

@test "MQTT fault: a publisher that ends while the broker is down is run again" {
	consume b recv
	kill_mosquitto
	event-route --restart --stats 'has id -> |mosquitto_pub -t faults/b -q 1 -l' \
	    < input > routed 2> route.err 3>&- &
	router=$!
	STARTED="$STARTED $router"
	exec 5> input
	events 1 200 >&5
	# the publisher could not connect, and ended: it is run again
	poll 30 grep -q "handler 'mosquitto_pub -t faults/b -q 1 -l' ended; run again" route.err
	start_mosquitto
	events 201 300 >&5
	exec 5>&-
	poll 60 eval '! alive '"$router"
	run wait "$router"
	[ "$status" -eq 1 ]		# a handler that ended is an error all the same
	poll 60 received recv 300
	ids recv | diff - <(seq 300)
	grep -qx 'event-route: routed=300 delivered=300 unmatched=0 dead-lettered=0 dropped=0 failed=0' route.err
}

@test "MQTT fault: a command per event retries, dead-letters while the broker is down, and the dead letters are sent again" {
	consume c recv
	event-route -P 2 --retry 3 --dead-letter dead.jsonl --stats \
	    'has id -> !mosquitto_pub -t faults/c -q 1 -m "$(cat)"' \
	    < input > routed 2> route.err 3>&- &
	router=$!
	STARTED="$STARTED $router"
	exec 5> input
	events 1 50 >&5
	poll 30 received recv 50
	poll 30 idle "$router"		# every command of the first fifty has ended
	kill_mosquitto
	events 51 100 >&5
	poll 60 eval '[ "$(wc -l < dead.jsonl)" -eq 50 ]' 2>/dev/null
	start_mosquitto
	events 101 150 >&5
	exec 5>&-
	poll 60 eval '! alive '"$router"
	wait "$router" || { cat route.err >&2; false; }
	grep -qx 'event-route: routed=150 delivered=100 unmatched=0 dead-lettered=50 dropped=0 failed=0' route.err
	ids dead.jsonl | diff - <(seq 51 100)
	poll 60 received recv 100
	ids recv | diff - <(seq 1 50; seq 101 150)

	# the dead letters, sent again once the broker is back
	run --separate-stderr event-route --stats 'has id -> !mosquitto_pub -t faults/c -q 1 -m "$(cat)"' dead.jsonl
	[ "$status" -eq 0 ]
	[ "${stderr_lines[1]}" = 'event-route: routed=50 delivered=50 unmatched=0 dead-lettered=0 dropped=0 failed=0' ]
	poll 60 received recv 150
	ids recv | diff - <(seq 150)
}

@test "MQTT fault: the per-event recipe dead-letters while the broker is down, then sends the dead letters" {
	cp "$EXAMPLES/access.log" .
	n=$(stream-agg --where 'status >= 400' count access.log | sed 's/count=//')
	mosquitto_sub -c -i streamkit-each -q 1 -t alerts > recv 2> recv.err 3>&- &
	STARTED="$!"
	poll 30 subscribed streamkit-each
	kill_mosquitto
	run --separate-stderr bash -e "$RECIPES/mqtt-publish-each.sh"
	[ "$status" -eq 0 ] || { echo "$stderr" | grep -v 'Connection refused' >&2; false; }
	grep -qx "event-route: routed=2000 delivered=0 unmatched=$((2000 - n)) dead-lettered=$n dropped=0 failed=0" <<<"$stderr"
	[ "$(wc -l < unsent.log)" -eq "$n" ]
	start_mosquitto
	mv unsent.log access.log
	run --separate-stderr bash -e "$RECIPES/mqtt-publish-each.sh"
	[ "$status" -eq 0 ] || { echo "$stderr" | grep -v 'Connection refused' >&2; false; }
	grep -qx "event-route: routed=$n delivered=$n unmatched=0 dead-lettered=0 dropped=0 failed=0" <<<"$stderr"
	[ ! -s unsent.log ]		# no dead letter this time
	poll 60 eval '[ "$(sort -u recv | wc -l)" -eq '"$n"' ]'
	sort -u recv | cmp - <(sort -u access.log)
}
