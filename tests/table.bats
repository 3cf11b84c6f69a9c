#!/usr/bin/env bats
# -o table: aligned columns, the header once, widths from the records
# held (until the input waits or ends), the header again when a column
# grows or the fields change; in stream-agg, stream-window, stream-trigger
# and event-route.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp "$EXAMPLES/access.log" .
}

@test "stream-agg -o table: results without windows, aligned" {
	run --separate-stderr stream_agg -g status --sort -o table count sum:bytes access.log
	[ "$status" -eq 0 ]
	[ "$output" = 'status count bytes_sum
200    1581  15888544
201    62    666586
204    38    0
301    54    554704
304    57    0
400    49    475393
404    94    970453
500    30    342437
502    14    134072
503    21    243665' ]
}

@test "stream-agg -o table: the widths come from every record of a file" {
	printf '{"t":1,"k":"a"}\n{"t":61,"k":"a-much-longer-key"}\n' > in.jsonl
	run --separate-stderr stream_agg -t t --tumbling 1m --time-output epoch -g k -o table count in.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = 'window_start window_end k                 count
0            60         a                 1
60           120        a-much-longer-key 1' ]
}

@test "stream-agg -o table: the windows of the bench data, one header, aligned" {
	"$STREAMKIT_BIN/../gen" -n 20000 > e.jsonl
	run --separate-stderr stream_agg -t ts --tumbling 1m -g status count -o table e.jsonl
	[ "$status" -eq 0 ]	# the default delay: none of the generator's disorder is late
	[ "${lines[0]}" = 'window_start             window_end               status count' ]
	[ "${lines[1]}" = '2026-11-23T23:59:00.000Z 2026-11-24T00:00:00.000Z 200    32' ]
	[ "$(grep -c '^window_start' <<<"$output")" -eq 1 ]
	# as many rows as the JSON output has results, each column where
	# the header has it
	[ "$((${#lines[@]} - 1))" -eq "$(stream_agg -t ts --tumbling 1m -g status count e.jsonl 2>/dev/null | wc -l)" ]
	awk 'substr($0, 50, 1) != " " || substr($0, 51, 1) == " " ||
	    substr($0, 57, 1) != " " || substr($0, 58, 1) == " " { bad++ }
	    END { exit bad > 0 }' <<<"$output"
}

@test "stream-agg -o table: past 1000 records held, they are written; a wider one brings the header back" {
	seq -f '{"k":"%g"}' 1 1001 > many.jsonl
	printf '{"k":"a-much-longer-key"}\n' >> many.jsonl
	run --separate-stderr stream_agg -g k -o table count many.jsonl
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p <<<"$output")" = 'k    count' ]
	[ "$(sed -n 2p <<<"$output")" = '1    1' ]
	[ "$(sed -n 1001p <<<"$output")" = '1000 1' ]
	[ "$(sed -n 1002p <<<"$output")" = '' ]
	[ "$(sed -n 1003p <<<"$output")" = 'k                 count' ]
	[ "$(sed -n 1004p <<<"$output")" = '1001              1' ]
	[ "$(sed -n 1005p <<<"$output")" = 'a-much-longer-key 1' ]
	[ "$(wc -l <<<"$output")" -eq 1005 ]
}

@test "stream-agg -o table, live: what came is written when the input waits; the header again when a column grows" {
	mkfifo in
	stream_agg -t t --tumbling 10s --max-delay 0 --time-output epoch -g k -o table count < in > out 2> err &
	pid=$!
	exec {fd}> in
	printf '{"t":1,"k":"a"}\n{"t":12,"k":"a"}\n' >&"$fd"
	wait_lines out 2
	[ "$(cat out)" = 'window_start window_end k count
0            10         a 1' ]
	printf '{"t":25,"k":"b"}\n' >&"$fd"	# closes [10,20): as wide
	wait_lines out 3
	printf '{"t":31,"k":"longer"}\n' >&"$fd"	# closes [20,30)
	wait_lines out 4
	exec {fd}>&-
	wait "$pid"
	[ "$(cat out)" = 'window_start window_end k count
0            10         a 1
10           20         a 1
20           30         b 1

window_start window_end k      count
30           40         longer 1' ]
}

@test "stream-agg -o table: a null is a dash" {
	printf '{"k":"a","v":1}\n{"k":"b","v":null}\n' > in.jsonl
	run --separate-stderr stream_agg -g k -o table count first:v in.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = 'k count v_first
a 1     1
b 1     -' ]
}

@test "stream-agg -o table: nothing in, nothing out" {
	run --separate-stderr stream_agg -t t --tumbling 1m -g k -o table count < /dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "stream-agg -o table: --partial is refused; a write error is reported" {
	run --separate-stderr stream_agg --partial -o table count access.log
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-o table and --partial do not mix"* ]]
	run --separate-stderr bash -c '"$STREAMKIT_BIN/stream-agg" -g status -o table count access.log > /dev/full'
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"write error"* ]]
}

@test "stream-window -o table: the record's fields and its window, no control lines" {
	run --separate-stderr "$STREAMKIT_BIN/stream-window" -t time --tumbling 1m -o table access.log
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'host         ident user  time                       request                                 method path                    protocol status bytes referer                            agent                                                        window_start             window_end' ]
	[ "${lines[1]}" = '203.0.113.25 -     -     24/Nov/2026:10:00:05 +0000 GET /index.html HTTP/1.1                GET    /index.html             HTTP/1.1 200    4961  https://example.com/               curl/8.5.0                                                   2026-11-24T10:00:00.000Z 2026-11-24T10:01:00.000Z' ]
	[ "${#lines[@]}" -eq 2001 ]
	[[ "$output" != *_punct* ]]
}

@test "stream-window -o table: JSON escapes decoded, sliding windows a line each" {
	printf '{"t":5,"msg":"a\\"b\\u00e9","n":1}\n' > in.jsonl
	run --separate-stderr "$STREAMKIT_BIN/stream-window" -t t --sliding 10s --every 5s --time-output epoch -o table in.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = 't msg  n window_start window_end
5 a"bé 1 0            10
5 a"bé 1 5            15' ]
}

@test "stream-window -o table: CSV by its header, text by word number" {
	printf 'ts,"the k"\n1,"x,y"\n70,z\n' > in.csv
	run --separate-stderr "$STREAMKIT_BIN/stream-window" -i csv -t ts --tumbling 1m --time-output epoch -o table in.csv
	[ "$status" -eq 0 ]
	[ "$output" = 'ts the k window_start window_end
1  x,y   0            60
70 z     60           120' ]
	printf '1 GET /a\n2 PUT /bb\n' > in.txt
	run --separate-stderr "$STREAMKIT_BIN/stream-window" -i text -t 1 --tumbling 1m --time-output epoch -o table in.txt
	[ "$status" -eq 0 ]
	[ "$output" = '1 2   3   window_start window_end
1 GET /a  0            60
2 PUT /bb 0            60' ]
}

@test "stream-window -o table: records with other fields begin a table of their own" {
	printf '{"t":1,"a":1}\n{"t":2,"a":22}\n{"t":3,"b":"x"}\n{"t":4,"a":3}\n' > in.jsonl
	run --separate-stderr "$STREAMKIT_BIN/stream-window" -t t --tumbling 1m --time-output epoch -o table in.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = 't a  window_start window_end
1 1  0            60
2 22 0            60

t b window_start window_end
3 x 0            60

t a window_start window_end
4 3 0            60' ]
}

@test "stream-window -o table, live: each record as the input waits, the header again when a column grows" {
	mkfifo in
	"$STREAMKIT_BIN/stream-window" -t t --tumbling 10s --time-output epoch -o table < in > out 2> err &
	pid=$!
	exec {fd}> in
	printf '{"t":1,"k":"a"}\n' >&"$fd"
	wait_lines out 2
	[ "$(cat out)" = 't k window_start window_end
1 a 0            10' ]
	printf '{"t":12,"k":"bcd"}\n' >&"$fd"
	wait_lines out 5
	exec {fd}>&-
	wait "$pid"
	[ "$(cat out)" = 't k window_start window_end
1 a 0            10

t  k   window_start window_end
12 bcd 10           20' ]
}

# A windowed stream of JSON records for stream-trigger, as stream-window
# writes it (epoch bounds, no delay).
window_json() {
	"$STREAMKIT_BIN/stream-window" -t t --time-output epoch --max-delay 0 "$@"
}

@test "stream-trigger -o table: the records it passes on, as stream-window's table shows them" {
	"$STREAMKIT_BIN/stream-window" -t time --tumbling 1m access.log > windowed
	run --separate-stderr "$STREAMKIT_BIN/stream-trigger" -o table < windowed
	[ "$status" -eq 0 ]
	[ "$output" = "$("$STREAMKIT_BIN/stream-window" -t time --tumbling 1m -o table access.log)" ]
	[ "${#lines[@]}" -eq 2001 ]
	[[ "$output" != *_punct* ]]
	[[ "$output" != *_t* ]]
}

@test "stream-trigger -o table: no fire lines however often a pane fires, sliding lines each with its window" {
	printf '{"t":5,"k":"a"}\n{"t":12,"k":"bb"}\n' > in.jsonl
	window_json --sliding 10s --every 5s in.jsonl > windowed
	run --separate-stderr "$STREAMKIT_BIN/stream-trigger" -o table 'repeat(count(1))' windowed
	[ "$status" -eq 0 ]
	[ "$output" = 't  k  window_start window_end
5  a  0            10
5  a  5            15
12 bb 5            15
12 bb 10           20' ]
	# the same stream without -o table: the fire lines it leaves out
	run --separate-stderr "$STREAMKIT_BIN/stream-trigger" 'repeat(count(1))' windowed
	[ "$(grep -c '"_punct":"fire"' <<<"$output")" -eq 4 ]
}

@test "stream-trigger -o table: CSV by its header, the annotation left out; late records kept as they came" {
	printf 'ts,k\n60,a\n5,late\n70,\n' > in.csv
	"$STREAMKIT_BIN/stream-window" -i csv -t ts --tumbling 1m --time-output epoch --max-delay 0 in.csv > windowed
	run --separate-stderr "$STREAMKIT_BIN/stream-trigger" -i csv -o table --late-output late.csv < windowed
	[ "$status" -eq 0 ]
	[ "$output" = 'ts k window_start window_end
60 a 60           120
70 - 60           120' ]
	[ "$(cat late.csv)" = '5,late,5000000' ]
}

@test "stream-trigger -o table, live: each record as the input waits, the header again when a column grows" {
	printf '{"t":1,"k":"a"}\n{"t":12,"k":"bcd"}\n' > in.jsonl
	window_json --tumbling 10s in.jsonl > windowed
	mkfifo in
	"$STREAMKIT_BIN/stream-trigger" -o table < in > out 2> err &
	pid=$!
	exec 7> in
	sed -n 1,2p windowed >&7	# the strategy, the first record
	wait_lines out 2
	[ "$(cat out)" = 't k window_start window_end
1 a 0            10' ]
	sed -n 3p windowed >&7		# fires [0,10): no line for it
	wait_lines out 5
	exec 7>&-
	wait "$pid"
	[ "$(cat out)" = 't k window_start window_end
1 a 0            10

t  k   window_start window_end
12 bcd 10           20' ]
	[ ! -s err ]
}

@test "stream-trigger: -o chart is refused; -o table's write error is reported" {
	window_json --tumbling 10s <<<'{"t":1}' > windowed
	run --separate-stderr "$STREAMKIT_BIN/stream-trigger" -o chart < windowed
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-o chart: not a format stream-trigger writes"* ]]
	run --separate-stderr bash -c '"$STREAMKIT_BIN/stream-trigger" -o table < windowed > /dev/full'
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"write error"* ]]
}

@test "event-route -o table: the standard output's events as a table, a file's as they came" {
	run --separate-stderr "$STREAMKIT_BIN/event-route" -o table 'status >= 500 -> -' 'else -> >rest.log' access.log
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'host         ident user  time                       request                                 method path                    protocol status bytes referer                            agent' ]
	[ "${lines[1]}" = '203.0.113.34 -     alice 24/Nov/2026:10:03:15 +0000 GET /login HTTP/1.1                     GET    /login                  HTTP/1.1 502    18753 https://example.com/search?q=shoes Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) Safari/605.1.15' ]
	[ "${#lines[@]}" -eq 66 ]
	[ "$(cat rest.log)" = "$(awk '$9 < 500' access.log)" ]
}

@test "event-route -o table: handlers read the events as they came; a windowed stream's _t and control lines left out" {
	printf '{"t":5,"k":"a"}\n{"t":12,"k":"bb"}\n' > in.jsonl
	window_json --tumbling 10s in.jsonl > windowed
	run --separate-stderr "$STREAMKIT_BIN/event-route" -o table 'has k -> -' 'has k -> |cat > handled' windowed
	[ "$status" -eq 0 ]
	[ "$output" = 't  k
5  a
12 bb' ]
	[ "$(cat handled)" = "$(grep -v _punct windowed)" ]
	# CSV by its header
	printf 'a,b\n1,x\n22,\n' > in.csv
	run --separate-stderr "$STREAMKIT_BIN/event-route" -i csv -o table 'a > 0 -> -' in.csv
	[ "$status" -eq 0 ]
	[ "$output" = 'a  b
1  x
22 -' ]
}

@test "event-route -o table, live: each event as the input waits, the header again when a column grows" {
	mkfifo in
	"$STREAMKIT_BIN/event-route" -o table 'has k -> -' < in > out 2> err &
	pid=$!
	exec 7> in
	printf '{"k":"a","n":1}\n' >&7
	wait_lines out 2
	[ "$(cat out)" = 'k n
a 1' ]
	printf '{"k":"bcd","n":2}\n' >&7
	wait_lines out 5
	exec 7>&-
	wait "$pid"
	[ "$(cat out)" = 'k n
a 1

k   n
bcd 2' ]
	[ ! -s err ]
}

@test "event-route -o table: --punct and -o chart are refused; the ledger counts a table's events delivered, or failed on a write error" {
	run --separate-stderr "$STREAMKIT_BIN/event-route" -o table --punct 'else -> -' access.log
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-o table and --punct do not mix"* ]]
	run --separate-stderr "$STREAMKIT_BIN/event-route" -o chart 'else -> -' access.log
	[ "$status" -eq 2 ]
	run --separate-stderr "$STREAMKIT_BIN/event-route" --stats -o table 'status >= 500 -> -' access.log
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"routed=2000 delivered=65 unmatched=1935 "* ]]
	run --separate-stderr bash -c '"$STREAMKIT_BIN/event-route" --stats -o table "status >= 500 -> -" access.log > /dev/full'
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"routed=2000 delivered=0 unmatched=1935 dead-lettered=0 dropped=0 failed=65"* ]]
	[[ "$stderr" == *"write error: No space left on device"* ]]
}

# The display under "-o table" in man page PAGE, unescaped: a command
# ("$ " and its indented lines), then what it prints.
table_display() {
	awk '/^\.It Fl o Cm table$/ { item = 1; next }
	    item && /^\.Bd -literal/ { shown = 1; next }
	    shown && /^\.Ed/ { exit }
	    shown' "$TOP/man/$1" | sed 's/\\e/\\/g'
}

# run_display PAGE: run the display's command; its output is to be the
# display's, which "$want" holds.
run_display() {
	local display cmd
	display=$(table_display "$1")
	cmd=$(awk '/^\$ / { sub(/^\$ /, ""); print; next } /^    / { print; next } { exit }' <<<"$display")
	want=$(awk 'done { print; next } /^\$ / || /^    / { next } { done = 1; print }' <<<"$display")
	[ -n "$cmd" ] && [ -n "$want" ]
	run --separate-stderr env PATH="$STREAMKIT_BIN:$PATH" bash -c "$cmd"
}

@test "stream-trigger.1: the -o table display is what it prints" {
	run_display stream-trigger.1
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	[ "$output" = 't  k  window_start window_end
5  a  0            10
12 bb 10           20' ]
}

@test "event-route.1: the -o table display is what it prints, the file's events as they came" {
	run_display event-route.1
	[ "$status" -eq 0 ]
	[ "$output" = "$want" ]
	[ "$output" = 'level msg
error disk full
error -' ]
	[ "$(cat rest.jsonl)" = '{"level":"info","msg":"ok"}' ]
}
