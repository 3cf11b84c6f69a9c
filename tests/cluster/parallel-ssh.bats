#!/usr/bin/env bats
# The GNU parallel --sshlogin recipe of examples/cluster, against a real
# sshd on 127.0.0.1: shards copied over ssh, partial runs there, states
# copied back and removed there, then a merge equal to one process.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp "$EXAMPLES/access.log" .
	# parallel keeps its own files under ~/.parallel: here, not in a home
	export HOME=$BATS_TEST_TMPDIR
}

# remote CMD: run CMD on the "remote" side, as parallel does.
remote() {
	$PARALLEL_SSH 127.0.0.1 "$@"
}

@test "GNU parallel -S over ssh: partial runs there, a merge here, equal one process" {
	need sshd
	stream-agg --sort -o json -t time --tumbling 1m --max-delay 1m \
	    -g status count p99:bytes distinct:host access.log > one
	login=$(remote pwd)
	[ -n "$login" ]
	remote ls -A "$login" > before
	run --separate-stderr bash -e "$RECIPES/parallel-ssh.sh"
	[ "$status" -eq 0 ] || { echo "$stderr" >&2; false; }
	printf '%s\n' "$output" > merged
	[ "$(wc -l < one)" -gt 400 ]
	cmp one merged
	# the states came back; the shards and states there were removed
	[ "$(ls state.? | wc -l)" -eq 4 ]
	remote ls -A "$login" > after
	diff before after
	# and the runs were there: sshd let in one session per job, at least
	[ "$(grep -c 'Accepted publickey' "$CLUSTER_DIR/ssh/sshd.log")" -ge 4 ]
}
