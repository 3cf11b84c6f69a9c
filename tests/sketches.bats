#!/usr/bin/env bats
# stream-agg's sketches: quantiles, approx-distinct and top:K, their error
# bounds on data with a known answer, --exact, their partial state.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	PATH=$STREAMKIT_BIN:$PATH
}

# within GOT WANT BOUND: |GOT - WANT| <= BOUND * |WANT|
within() {
	awk -v g="$1" -v w="$2" -v b="$3" 'BEGIN {
		d = g - w; if (d < 0) d = -d; a = w < 0 ? -w : w
		if (d > b * a) { printf "%s is not within %s of %s\n", g, b, w; exit 1 }
	}'
}

# field NAME: the number after "NAME": in the output's first line
field() {
	printf '%s\n' "${lines[0]}" | sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p"
}

@test "quantiles: median, pNN, quantile:Q, each within 1% of R's type 7" {
	seq 1 100000 | sed 's/.*/{"x":&}/' > x.jsonl
	run --separate-stderr stream_agg median:x p99:x p99.9:x quantile:0.25:x p0:x p100:x x.jsonl
	[ "$status" -eq 0 ]
	# ranks q(n-1) from 0: 50000.5, 99000.01, 99900.001, 25000.75
	within "$(field x_median)" 50000.5 0.01
	within "$(field x_p99)" 99000.01 0.01
	within "$(field x_p99.9)" 99900.001 0.01
	within "$(field x_p25)" 25000.75 0.01
	[ "$(field x_p0)" = 1 ]		# the extremes are kept exactly
	[ "$(field x_p100)" = 100000 ]
	run --separate-stderr stream_agg --exact median:x p99:x quantile:0.25:x x.jsonl
	[ "$output" = '{"x_median":50000.5,"x_p99":99000.01,"x_p25":25000.75}' ]
}

@test "quantiles of latencies over many decades, negatives and zeros" {
	awk 'BEGIN { srand(7); for (i = 0; i < 50000; i++)
		printf "{\"x\":%.6g}\n", (i % 7 == 0 ? 0 : (rand() - 0.2) * 10 ^ (rand() * 8 - 3)) }' > x.jsonl
	run --separate-stderr stream_agg --exact p1:x p10:x median:x p90:x p99:x x.jsonl
	exact=$output
	run --separate-stderr stream_agg p1:x p10:x median:x p90:x p99:x x.jsonl
	for q in p1 p10 median p90 p99; do
		want=$(lines=("$exact"); field "x_$q")
		within "$(field "x_$q")" "$want" 0.01
	done
}

@test "quantiles: one value, no value, nulls skipped, sorted keys" {
	feed '{"k":"a","x":3}\n{"k":"b","x":null}\n{"k":"a","x":null}\n' stream_agg -g k median:x p99:x
	[ "$status" -eq 0 ]
	[ "$output" = '{"k":"a","x_median":3,"x_p99":3}
{"k":"b","x_median":null,"x_p99":null}' ]
	feed '{"x":"4"}\n{"x":1}\n{"x":2}\n{"x":3}\n' stream_agg --exact median:x=mid
	[ "$output" = '{"mid":2.5}' ]
}

@test "approx-distinct: exact to 256, then within 2% on a known answer" {
	seq 1 256 | sed 's/.*/{"u":"u&"}/' > u.jsonl
	cat u.jsonl u.jsonl > twice.jsonl
	run --separate-stderr stream_agg approx-distinct:u twice.jsonl
	[ "$output" = '{"u_approx_distinct":256}' ]
	seq 1 100000 | sed 's/.*/{"u":"u&","n":&}/' > u.jsonl
	run --separate-stderr stream_agg approx-distinct:u approx-distinct:n u.jsonl
	within "$(field u_approx_distinct)" 100000 0.02
	within "$(field n_approx_distinct)" 100000 0.02
	run --separate-stderr stream_agg --exact approx-distinct:u u.jsonl
	[ "$output" = '{"u_approx_distinct":100000}' ]
	# values compare by their text: 7 and "7" are one
	feed '{"u":7}\n{"u":"7"}\n{"u":7.0}\n' stream_agg approx-distinct:u
	[ "$output" = '{"u_approx_distinct":2}' ]
}

@test "top:K: the most frequent values, ties by text, in every output format" {
	feed '{"p":"/a"}\n{"p":"/b"}\n{"p":"/a"}\n{"p":200}\n{"p":"/b"}\n{"p":"/a"}\n{"p":"/c"}\n' stream_agg top:2:p top:9:p=all
	[ "$status" -eq 0 ]
	[ "$output" = '{"p_top":[{"value":"/a","count":3},{"value":"/b","count":2}],"all":[{"value":"/a","count":3},{"value":"/b","count":2},{"value":"/c","count":1},{"value":200,"count":1}]}' ]
	feed 'p=/a\np=/b\np=/a\n' stream_agg top:2:p
	[ "$output" = 'p_top=/a:2,/b:1' ]
	feed 'p\n/a\n/b\n/a\n' stream_agg -i csv top:1:p
	[ "$output" = 'p_top
/a:2' ]
}

@test "top:K beyond its counters: the heavy values found, counts within n/m" {
	# value i (0..999) comes 1000/(i+1) times: 7,485 records, 1,000 values
	awk 'BEGIN { for (i = 0; i < 1000; i++) for (j = 0; j < int(1000 / (i + 1)); j++) printf "{\"v\":\"v%d\"}\n", i }' > v.jsonl
	shuf --random-source=v.jsonl v.jsonl > s.jsonl
	run --separate-stderr stream_agg top:3:v s.jsonl
	[ "$status" -eq 0 ]
	# true counts 1000, 500, 333; 256 counters: at most 7485/256 = 29 over
	[[ "$output" =~ ^'{"v_top":[{"value":"v0","count":'([0-9]+)'},{"value":"v1","count":'([0-9]+)'},{"value":"v2","count":'([0-9]+)'}]}'$ ]]
	c=("${BASH_REMATCH[@]:1}")
	[ "${c[0]}" -ge 1000 ] && [ "${c[0]}" -le 1029 ]
	[ "${c[1]}" -ge 500 ] && [ "${c[1]}" -le 529 ]
	[ "${c[2]}" -ge 333 ] && [ "${c[2]}" -le 362 ]
	run --separate-stderr stream_agg --exact top:3:v s.jsonl
	[ "$output" = '{"v_top":[{"value":"v0","count":1000},{"value":"v1","count":500},{"value":"v2","count":333}]}' ]
}

@test "sketches merge to one run's state, bit for bit, in any order" {
	"$STREAMKIT_BIN/../gen" -n 30000 > e.jsonl
	A="p50:latency_ms p99:latency_ms quantile:0.9:bytes approx-distinct:user approx-distinct:path top:5:path"
	stream_agg -g host $A e.jsonl > one
	stream_agg --partial -g host $A e.jsonl > one.state
	split -n l/3 -d -a 1 e.jsonl part.
	for i in 0 1 2; do stream_agg --partial --part $i -g host $A part.$i > state.$i; done
	cat state.2 state.0 state.1 | stream_agg --merge -g host $A > merged
	cmp one merged
	# the merged state is the one run's state, sketch for sketch
	cat state.1 state.2 state.0 | stream_agg --merge --partial -g host $A | sed 's/"_first":[0-9]*,//' | sort > ms
	sed 's/"_first":[0-9]*,//' one.state | sort > os
	cmp ms os
	# and with --exact
	stream_agg --exact -g host $A e.jsonl > one
	for i in 0 1 2; do stream_agg --exact --partial --part $i -g host $A part.$i > state.$i; done
	cat state.1 state.0 state.2 | stream_agg --exact --merge -g host $A > merged
	cmp one merged
}

@test "a sketch's memory does not grow with its values" {
	seq 1 800000 | awk '{ printf "{\"x\":%d.5,\"u\":\"u%d\"}\n", $1 % 997, $1 }' > big.jsonl
	# 50,000 lines: over 1 MB, so both are read on two threads; the
	# 750,000 more values would take some 8 MB if they were kept
	head -n 50000 big.jsonl > small.jsonl
	rss() { "$STREAMKIT_BIN/../runstat" -i "$1" -o /dev/null -- "$STREAMKIT_BIN/stream-agg" p99:x approx-distinct:u top:5:x | cut -d ' ' -f 2; }
	small=$(rss small.jsonl)
	big=$(rss big.jsonl)
	slack=2048		# KB: the same, give or take (a second
				# thread's blocks, as the machine goes)
	[[ $STREAMKIT_BIN != *tsan* ]] || slack=16384	# its shadow of what was read
	[ "$big" -lt $((small + slack)) ]
}

@test "bad sketches: parameters, values and partial state" {
	feed '' stream_agg p101:x
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: unknown aggregation 'p101'" ]
	feed '' stream_agg quantile:1.5:x
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: quantile '1.5': not a number from 0 to 1" ]
	feed '' stream_agg quantile:x
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: 'quantile:x' needs a quantile and a field: quantile:Q:FIELD" ]
	feed '' stream_agg top:0:x
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: top '0': not a whole number from 1 to 100000" ]
	feed '' stream_agg top:2.5:x
	[ "$status" -eq 2 ]
	feed '' stream_agg median:
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: 'median:' needs a field: median:FIELD" ]
	feed '{"x":1}\n{"x":"fast"}\n{"x":3}\n' stream_agg --stats median:x
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "stream-agg: <stdin>:2: field 'x' is not a number: '{\"x\":\"fast\"}'" ]
	[ "$output" = '{"x_median":2}' ]
	[[ "${stderr_lines[1]}" == "stream-agg: stats read=3 aggregated=2 filtered=0 rejected=1 "* ]]
	# state: damaged, and from a run with --exact into one without
	printf '{"x":1}\n{"x":2}\n' | stream_agg --partial p99:x top:2:x > ok.state
	sed 's/"pos":\[/"pos":[x/' ok.state > bad.state
	run --separate-stderr stream_agg --merge p99:x top:2:x bad.state
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "stream-agg: bad.state:1: bad partial state for 'x_p99': '{\"_first\":1,\"x_p99\":{\"n\":2,\"min\":1,\"max\"'..." ]
	run --separate-stderr stream_agg --exact --merge p99:x top:2:x ok.state
	[ "$status" -eq 1 ]
	[[ "${stderr_lines[0]}" == "stream-agg: ok.state:1: partial state for 'x_p99' from a run without --exact: "* ]]
	# a top:K state that counts values it holds none of (a fuzzer's find)
	printf '[]\t{"_first":1,"x_top":{"n":3,"counters":256,"items":[]}}\n' > empty.state
	run --separate-stderr stream_agg --merge top:2:x empty.state
	[ "$status" -eq 1 ]
	[[ "${stderr_lines[0]}" == "stream-agg: empty.state:1: bad partial state for 'x_top': "* ]]
	run --separate-stderr stream_agg --merge p99:x top:2:x ok.state
	[ "$status" -eq 0 ]
	[ "$output" = '{"x_p99":1.99,"x_top":[{"value":1,"count":1},{"value":2,"count":1}]}' ]
}

@test "quantile state: -0 and 0 are one value, whichever comes first" {
	a=$(printf '{"x":0}\n{"x":-0.0}\n' | stream_agg --partial median:x)
	b=$(printf '{"x":-0.0}\n{"x":0}\n' | stream_agg --partial median:x)
	[ "$a" = "$b" ]
	a=$(printf '{"x":0}\n{"x":-0.0}\n' | stream_agg --exact --partial median:x)
	b=$(printf '{"x":-0.0}\n{"x":0}\n' | stream_agg --exact --partial median:x)
	[ "$a" = "$b" ]
	[[ "$a" == *'"values":[0,0]'* ]]
}
