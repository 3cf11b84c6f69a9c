#!/usr/bin/env bats
# The MQTT recipes of examples/cluster, against a real mosquitto on
# 127.0.0.1: event-route publishes the failed requests, a consumer on the
# other side of the broker counts them per minute by event time, out of
# order as they come, and routes the busy minutes onward through the
# broker again.  What arrives is what stream-agg gives from the log.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	need mosquitto
	# this test's clients: the recipe's consumer ends after N messages
	mkdir xdg
	cp "$XDG_CONFIG_HOME"/mosquitto_pub "$XDG_CONFIG_HOME"/mosquitto_sub xdg/
}

teardown() {
	local pid
	for pid in ${STARTED:-}; do stop_pid "$pid"; done
}

@test "MQTT: events out of order through the broker give the windows of the log" {
	# the log, each run of ten requests reversed: out of order by up to
	# half a minute, as the requests of several servers would come
	awk '{ b[NR % 10] = $0 } NR % 10 == 0 { for (i = 10; i >= 1; i--) print b[i % 10] }' \
	    "$EXAMPLES/access.log" > access.log
	[ "$(wc -l < access.log)" -eq 2000 ]
	run --separate-stderr stream-agg -t time --tumbling 1m --max-delay 0 --stats count access.log
	[[ "$stderr" != *" late=0 "* ]]		# in order, it would not show
	stream-agg --where 'status >= 400' -t time --tumbling 1m -g status count \
	    "$EXAMPLES/access.log" > one
	n=$(stream-agg --where 'status >= 400' count access.log | sed 's/count=//')
	pages=$(awk -F 'count=' '$2 >= 3' one | wc -l)
	[ "$n" -gt 100 ] && [ "$pages" -gt 0 ]

	printf -- '-C %s\n-i streamkit-consume\n' "$n" >> xdg/mosquitto_sub
	XDG_CONFIG_HOME=$PWD/xdg bash -e "$RECIPES/mqtt-consume.sh" > consumer.out 2> consumer.err 3>&- &
	STARTED="$!"
	mosquitto_sub -i streamkit-pages -t pages -q 1 -C "$pages" -W 120 > pages 2> pages.err 3>&- &
	STARTED="$STARTED $!"
	poll 30 subscribed streamkit-consume
	poll 30 subscribed streamkit-pages

	run --separate-stderr bash -e "$RECIPES/mqtt-publish.sh"
	[ "$status" -eq 0 ] || { echo "$stderr" >&2; false; }

	for pid in $STARTED; do
		poll 120 eval '! alive '"$pid" || { cat consumer.err pages.err >&2; false; }
	done
	[ ! -s consumer.err ]
	[ "$(wc -l < pages)" -eq "$pages" ]
	sort quiet-minutes.log pages > got
	sort one | diff - got
}

@test "MQTT: a stored consumer and --state -O write each window once over growing input" {
	head -n 1000 "$EXAMPLES/access.log" > access.log
	n1=$(stream-agg --where 'status >= 400' count access.log | sed 's/count=//')
	store=$(grep -v '^#' "$RECIPES/mqtt-store.sh")
	bash -c "exec $store" 2> store.err 3>&- &
	STARTED="$!"
	poll 30 subscribed alerts-store
	bash -e "$RECIPES/mqtt-publish.sh"
	poll 60 eval '[ "$(wc -l < alerts.log)" -eq '"$n1"' ]'
	bash -e "$RECIPES/mqtt-report.sh"
	first=$(wc -l < alerts-per-minute.log)
	[ "$first" -gt 0 ]

	tail -n +1001 "$EXAMPLES/access.log" > access.log
	n=$(stream-agg --where 'status >= 400' count "$EXAMPLES/access.log" | sed 's/count=//')
	bash -e "$RECIPES/mqtt-publish.sh"
	poll 60 eval '[ "$(wc -l < alerts.log)" -eq '"$n"' ]'
	bash -e "$RECIPES/mqtt-report.sh"
	[ "$(wc -l < alerts-per-minute.log)" -gt "$first" ]

	# what one run of the report over all that came writes, no window twice
	stream-agg --state once.state -O once.log \
	    -t time --tumbling 1m --max-delay 1m -g status count alerts.log
	cmp once.log alerts-per-minute.log
	[ -z "$(sort alerts-per-minute.log | uniq -d)" ]
	# and those are the closed minutes of the log's failures
	stream-agg --where 'status >= 400' -t time --tumbling 1m -g status count \
	    "$EXAMPLES/access.log" | head -n "$(wc -l < once.log)" | cmp - once.log
}
