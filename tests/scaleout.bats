#!/usr/bin/env bats
# stream-agg --partial and --merge: partial runs merge to what one run
# gives, in any order and any grouping, and the README's recipes work.

load helper

ALL="count rate sum:bytes avg:bytes min:bytes max:bytes first:path last:path distinct:host var:bytes stddev:bytes collect:method median:bytes p99:bytes quantile:0.3:bytes approx-distinct:host top:3:path"

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp "$EXAMPLES/access.log" .
	PATH=$STREAMKIT_BIN:$PATH
}

# partials FILE N ARGS...: N partial runs over the parts of FILE, as
# state.0 ... state.N-1.
partials() {
	local file=$1 n=$2 i
	shift 2
	split -n "l/$n" -d -a 1 "$file" part.
	for ((i = 0; i < n; i++)); do
		stream-agg --partial --part "$i" "$@" "part.$i" > "state.$i"
	done
}

@test "merged partials equal one run, for every aggregation, in any order" {
	stream-agg -o json -g status $ALL access.log > one
	partials access.log 4 -g status $ALL
	cat state.3 state.1 state.0 state.2 | stream-agg --merge -g status $ALL > merged
	cmp one merged
	sort -r state.* | stream-agg --merge -g status $ALL > merged
	cmp one merged
}

@test "merging is associative: partials of partials merge to the same" {
	stream-agg -o json -g method,status $ALL access.log > one
	partials access.log 5 -g method,status $ALL
	cat state.0 state.4 | stream-agg --merge --partial -g method,status $ALL > ab
	cat state.2 state.3 state.1 | stream-agg --merge --partial -g method,status $ALL > cde
	cat cde ab | stream-agg --merge -g method,status $ALL > merged
	cmp one merged
}

@test "windowed partials keep their bounds and merge per window" {
	"$STREAMKIT_BIN/../gen" -n 20000 > e.jsonl
	for opts in "--tumbling 1m" "--sliding 2m --every 30s" "--global"; do
		stream-agg -t ts $opts --max-delay 5s -g status count sum:latency_ms var:latency_ms first:user p99:latency_ms approx-distinct:user top:2:path e.jsonl > one
		partials e.jsonl 4 -t ts $opts --max-delay 5s -g status count sum:latency_ms var:latency_ms first:user p99:latency_ms approx-distinct:user top:2:path
		cat state.2 state.0 state.3 state.1 | stream-agg --merge -g status count sum:latency_ms var:latency_ms first:user p99:latency_ms approx-distinct:user top:2:path > merged
		cmp one merged || { echo "differ: $opts"; false; }
	done
	# bounds in microseconds, and the key first, before a tab
	head -n 1 state.0 | grep -q $'^\\["-9223372036854775808","9223372036854775807","[0-9]*"\\]\t{"window_start":-9223372036854775808,'
}

@test "--merge writes the --time-output and -o asked for" {
	printf '{"t":1,"k":"a"}\n{"t":12,"k":"b"}\n' | stream-agg --partial -t t --tumbling 10s -g k count > s
	run --separate-stderr stream-agg --merge --time-output epoch -o csv -g k count s
	[ "$status" -eq 0 ]
	[ "$output" = 'window_start,window_end,k,count
0,10,a,1
10,20,b,1' ]
}

@test "a partial line is KEY, a tab, then JSON; the key is text whatever the type" {
	printf '{"s":200}\n{"s":"200"}\n' | stream-agg --partial -g s count > s
	[ "$(cat s)" = $'["200"]\t{"s":200,"_first":1,"count":2}' ]
}

@test "bad partial input: a clear diagnostic with file and line, the ledger balances" {
	printf '["x"]\t{"s":1,"_first":1,"count":"x"}\n{"s":1}\ngarbage\n["y"]\t{"s":2,"_first":4,"count":3}\n' > bad
	run --separate-stderr stream-agg --merge --stats -g s count bad
	[ "$status" -eq 1 ]
	[ "$output" = '{"s":2,"count":3}' ]
	[ "${stderr_lines[0]}" = "stream-agg: bad:1: bad partial state for 'count': '{\"s\":1,\"_first\":1,\"count\":\"x\"}'" ]
	[ "${stderr_lines[1]}" = "stream-agg: bad:2: not a partial record: no '_first': '{\"s\":1}'" ]
	[ "${stderr_lines[2]}" = "stream-agg: bad:3: expected '{': 'garbage'" ]
	[ "${stderr_lines[3]}" = "stream-agg: stats read=4 aggregated=1 filtered=0 rejected=3 late=0 written=1" ]
}

@test "an escaped group key survives long states (a fuzzer's find)" {
	long=$(printf 'v%.0s' $(seq 300))
	printf '{"k":"x\\ny","_first":1,"d":{"set":["%s1","%s2","%s3"]}}\n' "$long" "$long" "$long" > s
	run --separate-stderr stream-agg --merge -g k distinct:v=d s
	[ "$status" -eq 0 ]
	[ "$output" = '{"k":"x\ny","d":3}' ]
}

@test "usage errors: --merge with windows or --where, a bad --part" {
	run --separate-stderr stream-agg --merge --tumbling 1m count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --merge takes the aggregations and -g of the partial runs, not windows, --where or --emit-every" ]
	run --separate-stderr stream-agg --merge -w 'a == 1' count
	[ "$status" -eq 2 ]
	run --separate-stderr stream-agg --partial --part 99999999 count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --part '99999999': more than 16777215" ]
	run --separate-stderr stream-agg --partial --part x count
	[ "$status" -eq 2 ]
}

@test "README recipe: four partial runs in the background, then a merge" {
	stream-agg -o json -g status count sum:bytes access.log > one
	recipe split > recipe.sh
	[ -s recipe.sh ]
	bash -e recipe.sh > merged
	cmp one merged
}

@test "README recipe: GNU parallel --pipe, then a merge" {
	stream-agg -o json -g status count sum:bytes access.log > one
	recipe parallel > recipe.sh
	[ -s recipe.sh ]
	if ! command -v parallel >/dev/null; then
		# a stand-in with the same contract: blocks of whole lines, in
		# order, {#} the block's number from 1
		parallel() {
			local cmd=${*: -1} n=0
			split -C 64k -d -a 4 - blk.
			for f in blk.*; do
				n=$((n + 1))
				bash -c "${cmd//\{#\}/$n}" < "$f"
			done
		}
		export -f parallel
	fi
	bash -e recipe.sh > merged
	cmp one merged
}

@test "README recipe: the Hadoop Streaming job's mapper and reducer, sort as the shuffle" {
	recipe hadoop > job
	mapper=$(sed -n "s/.*-mapper '\(.*\)' .*/\1/p" job)
	reducer=$(sed -n "s/.*-reducer '\(.*\)' .*/\1/p" job)
	[ -n "$mapper" ] && [ -n "$reducer" ]
	split -n l/3 -d -a 1 access.log in.
	for f in in.?; do bash -c "$mapper" < "$f" > "map.$f"; done
	# two reducers: the partitioner sends each key to one of them
	cat map.* | sort | awk -F '\t' '{ print > ("shuffle." (length($1) % 2)) }'
	for f in shuffle.*; do bash -c "$reducer" < "$f"; done | sort > merged
	stream-agg -o json -g status count sum:bytes access.log | sort > one
	cmp one merged
}
