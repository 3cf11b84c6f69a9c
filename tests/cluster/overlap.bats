#!/usr/bin/env bats
# The rule the scale-out recipes rest on, without a service: partial runs
# over shards that overlap in event time, and are out of order within,
# merge to the answer of one run over the whole input when --max-delay
# covers the disorder; below it, every run counts its late records and
# exits 1, so that a difference is never silent.

load helper

AGGS="-g status count p99:bytes distinct:host"

setup() {
	cd "$BATS_TEST_TMPDIR"
	# each run of ten requests reversed: out of order by up to half a minute
	awk '{ b[NR % 10] = $0 } NR % 10 == 0 { for (i = 10; i >= 1; i--) print b[i % 10] }' \
	    "$EXAMPLES/access.log" > access.log
	# a shard per client host: every shard spans the whole log
	event-route --shard host:4 '>shard.{}' access.log
}

# partials DELAY: a partial run per shard; their exit statuses in rcs.
partials() {
	local i rc
	: > rcs
	for i in 0 1 2 3; do
		rc=0
		stream-agg --partial --part "$i" --stats -t time --tumbling 1m --max-delay "$1" \
		    $AGGS "shard.$i" > "state.$i" 2>> stats || rc=$?
		echo "$rc" >> rcs
	done
}

@test "overlapping, disordered shards merge to one run when --max-delay covers the disorder" {
	partials 1m
	[ "$(sort -u rcs)" = 0 ]
	[ "$(grep -c ' late=0 ' stats)" -eq 4 ]
	cat state.? | stream-agg --merge --sort $AGGS > merged
	stream-agg --sort -o json -t time --tumbling 1m --max-delay 1m $AGGS access.log > one
	[ "$(wc -l < one)" -gt 400 ]
	cmp one merged
	# without --sort the same results, keys in another order
	cat state.? | stream-agg --merge $AGGS | sort > merged
	stream-agg -o json -t time --tumbling 1m --max-delay 1m $AGGS access.log | sort > one
	cmp one merged
}

@test "below the disorder, every run counts its late records and exits 1" {
	partials 0
	[ "$(sort -u rcs)" = 1 ]
	run --separate-stderr stream-agg --stats -t time --tumbling 1m --max-delay 0 $AGGS access.log
	[ "$status" -eq 1 ]
	[[ "$stderr" =~ stats\ read=2000\ aggregated=([0-9]+)\ filtered=0\ rejected=0\ late=([0-9]+) ]]
	[ "${BASH_REMATCH[2]}" -gt 0 ]
	# each partial run's ledger balances: read = aggregated + late
	while read -r line; do
		[[ "$line" =~ read=([0-9]+)\ aggregated=([0-9]+)\ filtered=0\ rejected=0\ late=([1-9][0-9]*) ]]
		[ "${BASH_REMATCH[1]}" -eq $((BASH_REMATCH[2] + BASH_REMATCH[3])) ]
	done < <(grep 'stats read=' stats)
}
