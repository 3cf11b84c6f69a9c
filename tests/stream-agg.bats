#!/usr/bin/env bats
# stream-agg without windows: aggregations, formats, errors, the ledger.

load helper

J='{"status":200,"host":"a","ms":10}\n{"status":404,"host":"b","ms":5}\n{"status":"200","host":"a","ms":2.5}\n{"status":500,"host":"c","ms":100}\n{"status":200,"host":"b","ms":7}\n'

@test "count by status, keys in first-seen order" {
	feed "$J" stream_agg -g status count
	[ "$status" -eq 0 ]
	[ "$output" = '{"status":200,"count":3}
{"status":404,"count":1}
{"status":500,"count":1}' ]
	[ -z "$stderr" ]
}

@test "200 and \"200\" are one key, written as first seen" {
	feed '{"s":"200"}\n{"s":200}\n' stream_agg -g s count
	[ "$output" = '{"s":"200","count":2}' ]
}

@test "count is the default aggregation" {
	feed "$J" stream_agg -g host
	[ "$output" = '{"host":"a","count":2}
{"host":"b","count":2}
{"host":"c","count":1}' ]
}

@test "without -g one record for all input" {
	feed "$J" stream_agg count sum:ms
	[ "$output" = '{"count":5,"ms_sum":124.5}' ]
}

@test "sum avg min max of integers and decimals" {
	feed "$J" stream_agg -g host sum:ms avg:ms min:ms max:ms
	[ "$output" = '{"host":"a","ms_sum":12.5,"ms_avg":6.25,"ms_min":2.5,"ms_max":10}
{"host":"b","ms_sum":12,"ms_avg":6,"ms_min":5,"ms_max":7}
{"host":"c","ms_sum":100,"ms_avg":100,"ms_min":100,"ms_max":100}' ]
}

@test "mean is a synonym of avg" {
	feed '{"x":1}\n{"x":2}\n' stream_agg mean:x
	[ "$output" = '{"x_avg":1.5}' ]
}

@test "sums of integers stay exact past 2^53" {
	feed '{"x":9007199254740993}\n{"x":1}\n' stream_agg sum:x
	[ "$output" = '{"x_sum":9007199254740994}' ]
}

@test "sums of decimals are exact, then rounded once" {
	feed '{"x":0.1}\n{"x":0.1}\n{"x":0.1}\n{"x":0.1}\n{"x":0.1}\n{"x":0.1}\n{"x":0.1}\n{"x":0.1}\n{"x":0.1}\n{"x":0.1}\n' stream_agg sum:x avg:x
	[ "$output" = '{"x_sum":1,"x_avg":0.1}' ]
	feed '{"x":1e300}\n{"x":1}\n{"x":-1e300}\n{"x":9223372036854775807}\n{"x":1}\n' stream_agg sum:x
	[ "$output" = '{"x_sum":9.223372036854776e+18}' ]
}

@test "a result past the range of a double is null, never inf" {
	feed '{"x":1e308}\n{"x":1e308}\n{"x":-1}\n' stream_agg sum:x avg:x min:x
	[ "$output" = '{"x_sum":null,"x_avg":null,"x_min":-1}' ]
}

@test "first last distinct collect keep the values' types" {
	feed '{"k":1,"v":"x"}\n{"k":1,"v":2}\n{"k":1,"v":"x"}\n{"k":1,"v":true}\n' \
	    stream_agg first:v last:v distinct:v collect:v
	[ "$output" = '{"v_first":"x","v_last":true,"v_distinct":3,"v_collect":["x",2,"x",true]}' ]
}

@test "stddev and var are the sample statistics" {
	feed '{"x":2}\n{"x":4}\n{"x":4}\n{"x":4}\n{"x":5}\n{"x":5}\n{"x":7}\n{"x":9}\n' \
	    stream_agg var:x stddev:x
	[ "$output" = '{"x_var":4.571428571428571,"x_stddev":2.138089935299395}' ]
	# far from zero, no digits lost to cancellation
	feed '{"x":1000000001.5}\n{"x":1000000002.5}\n{"x":1000000003.5}\n' stream_agg var:x
	[ "$output" = '{"x_var":1}' ]
}

@test "var of one value is null, avg of only nulls is null" {
	feed '{"x":3,"y":null}\n' stream_agg var:x avg:y sum:y count
	[ "$output" = '{"x_var":null,"y_avg":null,"y_sum":0,"count":1}' ]
}

@test "OP:FIELD=NAME names the output field" {
	feed "$J" stream_agg -g host avg:ms=latency count=n
	[ "${lines[0]}" = '{"host":"a","latency":6.25,"n":2}' ]
}

@test "several group-by fields, comma-separated or repeated" {
	feed "$J" stream_agg -g host,status count
	[ "$output" = '{"host":"a","status":200,"count":2}
{"host":"b","status":404,"count":1}
{"host":"c","status":500,"count":1}
{"host":"b","status":200,"count":1}' ]
	feed "$J" stream_agg -g host -g status count
	[ "${lines[3]}" = '{"host":"b","status":200,"count":1}' ]
}

@test "--sort orders numbers by value, before text" {
	feed '{"k":10}\n{"k":"b"}\n{"k":9}\n{"k":"a"}\n{"k":-1.5}\n' stream_agg -g k --sort count
	[ "$output" = '{"k":-1.5,"count":1}
{"k":9,"count":1}
{"k":10,"count":1}
{"k":"a","count":1}
{"k":"b","count":1}' ]
}

@test "nested fields by dotted path" {
	feed '{"req":{"method":"GET","n":1}}\n{"req":{"method":"PUT","n":2}}\n{"req":{"method":"GET","n":3}}\n' \
	    stream_agg -g req.method sum:req.n
	[ "$output" = '{"req.method":"GET","req.n_sum":4}
{"req.method":"PUT","req.n_sum":2}' ]
}

@test "a key inside a string value is not a key" {
	feed '{"msg":"\\"level\\":\\"x\\"","level":"info"}\n' stream_agg -g level
	[ "$output" = '{"level":"info","count":1}' ]
}

@test "escapes in keys and values are decoded" {
	feed '{"h\\u006fst":"caf\\u00e9"}\n{"host":"café"}\n' stream_agg -g host
	[ "$output" = '{"host":"café","count":2}' ]
}

@test "no input, no output" {
	feed '' stream_agg -g status count
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "output formats: csv, tsv, logfmt, text" {
	feed '{"h":"a,b","n":1}\n{"h":"x y","n":2}\n' stream_agg -g h -o csv sum:n
	[ "$output" = 'h,n_sum
"a,b",1
x y,2' ]
	feed '{"h":"a\\tb","n":1}\n' stream_agg -g h -o tsv sum:n
	[ "$output" = 'h	n_sum
a\tb	1' ]
	feed '{"h":"x y","n":1}\n{"h":"z","n":2}\n' stream_agg -g h -o logfmt sum:n
	[ "$output" = 'h="x y" n_sum=1
h=z n_sum=2' ]
	feed '{"h":"z","n":2}\n' stream_agg -g h -o text sum:n
	[ "$output" = 'z 2' ]
}

@test "-o combined and -o common are refused: an access log is read, not written" {
	for f in combined common; do
		feed '{"h":"z","n":2}\n' stream_agg -g h -o "$f" sum:n
		[ "$status" -eq 2 ]
		[ "$output" = "" ]
		[ "${stderr_lines[0]}" = "stream-agg: -o $f: not a format stream-agg writes (an input format: what is read from it is written as logfmt)" ]
	done
	# what is read from one is written as logfmt, by default
	feed '127.0.0.1 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5\n' stream_agg -i common -g status count
	[ "$status" -eq 0 ]
	[ "$output" = 'status=200 count=1' ]
}

@test "collect in text formats joins with commas" {
	feed '{"v":1}\n{"v":"a"}\n' stream_agg -o csv collect:v
	[ "$output" = 'v_collect
"1,a"' ]
}

@test "logfmt input, output in logfmt" {
	feed 'level=info ms=3 msg="a b"\nlevel=error ms=5\nlevel=info ms=4\n' stream_agg -g level sum:ms
	[ "$output" = 'level=info ms_sum=7
level=error ms_sum=5' ]
}

@test "csv input with header, quotes and an embedded newline" {
	feed 'host,bytes,note\na,10,"x, y"\nb,5,"two\nlines"\na,1,""""\n' stream_agg -i csv -g host sum:bytes
	[ "$status" -eq 0 ]
	[ "$output" = 'host,bytes_sum
a,11
b,5' ]
}

@test "csv columns by number, json output" {
	feed 'h,n\na,1\na,2\n' stream_agg -i csv -o json -g 1 sum:2
	[ "$output" = '{"1":"a","2_sum":3}' ]
}

@test "csv row with the wrong field count is rejected with its line" {
	feed 'h,n\na,1\nb\na,2\n' stream_agg -i csv -g h sum:n
	[ "$status" -eq 1 ]
	[ "$output" = 'h,n_sum
a,3' ]
	[ "$stderr" = "stream-agg: <stdin>:3: expected 2 fields, found 1: 'b'" ]
}

@test "csv with an unterminated quote at end of input" {
	feed 'h,n\na,"1\n' stream_agg -i csv -g h
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"<stdin>:2: unterminated quoted field"* ]]
}

@test "tsv input with escapes" {
	feed 'h\tn\na\\tb\t1\na\\tb\t2\n' stream_agg -i tsv -o json -g h sum:n
	[ "$output" = '{"h":"a\tb","n_sum":3}' ]
}

@test "text input: fields by number, awk style" {
	feed 'GET /a 200\nPUT  /b  500\nGET /c 200\n' stream_agg -i text -g 1 count
	[ "$output" = 'GET 2
PUT 1' ]
}

@test "combined log input is detected and written as logfmt" {
	run --separate-stderr stream_agg -g status --sort count "$EXAMPLES/access.log"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "status=200 count=$(grep -c '" 200 ' "$EXAMPLES/access.log")" ]
}

@test "file operands, - for stdin, in order" {
	tmp=$BATS_TEST_TMPDIR
	printf '{"k":"f1"}\n' > "$tmp/a.jsonl"
	printf '{"k":"f2"}\n' > "$tmp/b.jsonl"
	feed '{"k":"in"}\n' stream_agg -g k "$tmp/a.jsonl" - "$tmp/b.jsonl"
	[ "$output" = '{"k":"f1","count":1}
{"k":"in","count":1}
{"k":"f2","count":1}' ]
}

@test "a file that cannot be opened is reported, the others still read" {
	printf '{"k":1}\n' > "$BATS_TEST_TMPDIR/a.jsonl"
	run --separate-stderr stream_agg -g k count "$BATS_TEST_TMPDIR/none.jsonl" "$BATS_TEST_TMPDIR/a.jsonl"
	[ "$status" -eq 1 ]
	[ "$output" = '{"k":1,"count":1}' ]
	[ "$stderr" = "stream-agg: cannot open '$BATS_TEST_TMPDIR/none.jsonl': No such file or directory" ]
}

@test "a directory operand is a read error" {
	run --separate-stderr stream_agg count "$BATS_TEST_TMPDIR"
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-agg: $BATS_TEST_TMPDIR: read error: Is a directory" ]
}

@test "CRLF line ends, and a last line without newline" {
	feed '{"k":1}\r\n{"k":1}\r\n{"k":2}' stream_agg -g k
	[ "$output" = '{"k":1,"count":2}
{"k":2,"count":1}' ]
}

@test "a NUL byte inside a line does not cut it" {
	feed 'k=a\0b n=1\nk=c n=2\n' stream_agg -i logfmt sum:n
	[ "$output" = 'n_sum=3' ]
}

@test "a 50 MB line is read whole" {
	head -c 52428800 /dev/zero | tr '\0' 'x' > "$BATS_TEST_TMPDIR/big"
	{ printf '{"k":"'; cat "$BATS_TEST_TMPDIR/big"; printf '","n":1}\n{"k":"s","n":2}\n'; } > "$BATS_TEST_TMPDIR/big.jsonl"
	run --separate-stderr stream_agg sum:n count "$BATS_TEST_TMPDIR/big.jsonl"
	[ "$status" -eq 0 ]
	[ "$output" = '{"n_sum":3,"count":2}' ]
}

@test "malformed JSON is reported with file and line, the rest aggregated" {
	printf '{"k":1}\n{"k":\n{"k":"x}\n{"k":1}\n' > "$BATS_TEST_TMPDIR/in.jsonl"
	run --separate-stderr stream_agg -g k "$BATS_TEST_TMPDIR/in.jsonl"
	[ "$status" -eq 1 ]
	[ "$output" = '{"k":1,"count":2}' ]
	[ "$stderr" = "stream-agg: $BATS_TEST_TMPDIR/in.jsonl:2: expected a value: '{\"k\":'
stream-agg: $BATS_TEST_TMPDIR/in.jsonl:3: unterminated string: '{\"k\":\"x}'" ]
}

@test "a missing field is a diagnostic, not a silent skip" {
	feed '{"k":1,"n":1}\n{"n":2}\n{"k":1}\n' stream_agg -g k sum:n
	[ "$status" -eq 1 ]
	[ "$output" = '{"k":1,"n_sum":1}' ]
	[ "$stderr" = "stream-agg: <stdin>:2: missing field 'k': '{\"n\":2}'
stream-agg: <stdin>:3: missing field 'n': '{\"k\":1}'" ]
}

@test "a non-numeric value in a numeric aggregate is a diagnostic, not a zero" {
	feed '{"n":1}\n{"n":"abc"}\n{"n":"2"}\n' stream_agg sum:n avg:n
	[ "$status" -eq 1 ]
	[ "$output" = '{"n_sum":3,"n_avg":1.5}' ]
	[ "$stderr" = "stream-agg: <stdin>:2: field 'n' is not a number: '{\"n\":\"abc\"}'" ]
}

@test "an empty line is a diagnostic" {
	feed '{"k":1}\n\n{"k":1}\n' stream_agg -g k
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-agg: <stdin>:2: empty line: ''" ]
}

@test "invalid UTF-8 in a group key is a diagnostic" {
	feed '{"k":"a\xffb"}\n{"k":"ok"}\n' stream_agg -g k
	[ "$status" -eq 1 ]
	[ "$output" = '{"k":"ok","count":1}' ]
	[ "$stderr" = "stream-agg: <stdin>:1: invalid UTF-8 in group key: '{\"k\":\"a\\xffb\"}'" ]
}

@test "--on-error skip counts without a word and exits 0" {
	feed '{"k":1}\nbad\n{"k":1}\n' stream_agg --on-error skip --stats -g k
	[ "$status" -eq 0 ]
	[ "$output" = '{"k":1,"count":2}' ]
	human_stats
	[ "$stderr" = "stream-agg: stats read=3 aggregated=2 filtered=0 rejected=1 late=0 written=1" ]
}

@test "--on-error fail stops at the first bad record" {
	feed '{"k":1}\nbad\n{"k":1}\n' stream_agg --on-error fail --stats -g k
	[ "$status" -eq 1 ]
	[ "$output" = '{"k":1,"count":1}' ]
	[ "${stderr_lines[0]}" = "stream-agg: <stdin>:2: expected '{': 'bad'" ]
	[ "${stderr_lines[1]}" = "stream-agg: stats read=2 aggregated=1 filtered=0 rejected=1 late=0 written=1" ]
}

@test "--on-error takes only warn, skip or fail" {
	feed '' stream_agg --on-error maybe count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --on-error 'maybe': not warn, skip or fail" ]
}

@test "--rejects keeps rejected lines verbatim" {
	feed '{"k":1}\nbad line\n{"k":\n{"k":2}\n' stream_agg --on-error skip --rejects "$BATS_TEST_TMPDIR/rej" -g k
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/rej")" = 'bad line
{"k":' ]
}

@test "--stats: read equals aggregated + filtered + rejected" {
	feed '{"k":1}\n{"k":2}\nbad\n{"k":3}\n' stream_agg --stats --where 'k >= 2' -g k
	[ "$status" -eq 1 ]
	[ "${stderr_lines[1]}" = "stream-agg: stats read=4 aggregated=2 filtered=1 rejected=1 late=0 written=2" ]
}

@test "--where filters with the predicate language" {
	feed "$J" stream_agg --where 'status >= 400 or host == "a"' -g status count
	[ "$output" = '{"status":200,"count":2}
{"status":404,"count":1}
{"status":500,"count":1}' ]
	feed "$J" stream_agg -w 'host ~ "^[ab]$" and not status == 404' count
	[ "$output" = '{"count":3}' ]
}

@test "a bad --where is a usage error that points at the position" {
	feed '' stream_agg --where 'status >=' count
	[ "$status" -eq 2 ]
	[[ "${stderr_lines[0]}" == "stream-agg: --where: at "*": expected a value"* ]]
}

@test "unknown aggregation, format or option is a usage error" {
	feed '' stream_agg nope:x
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: unknown aggregation 'nope'" ]
	feed '' stream_agg -i yaml count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: -i 'yaml': unknown format" ]
	feed '' stream_agg --bogus
	[ "$status" -eq 2 ]
	feed '' stream_agg sum:
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: 'sum:' needs a field: sum:FIELD" ]
	feed '' stream_agg --max-groups -3 count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --max-groups '-3': not a count" ]
}

@test "--help prints the usage on stdout and exits 0" {
	run --separate-stderr stream_agg --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: stream-agg "* ]]
}

@test "--max-groups turns runaway cardinality into a clear error" {
	feed '{"k":1}\n{"k":2}\n{"k":1}\n{"k":3}\n' stream_agg --max-groups 2 -g k
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-agg: <stdin>:4: more than 2 groups: raise --max-groups" ]
}

@test "a write error such as a full disk is reported, exit 1" {
	run --separate-stderr bash -c 'printf "{\"k\":1}\n" | "$0" -g k > /dev/full' "$STREAMKIT_BIN/stream-agg"
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-agg: write error: No space left on device" ]
}

@test "a closed pipe on stdout ends it quietly" {
	run --separate-stderr bash -c 'seq 1 200000 | sed "s/.*/{\"k\":&}/" | "$0" -g k | head -n 1' "$STREAMKIT_BIN/stream-agg"
	[ "$output" = '{"k":1,"count":1}' ]
	[ -z "$stderr" ]
}

@test "control lines are read, not printed, unless --punct" {
	in='{"_punct":"watermark","t":5}\n{"k":1}\n{"_punct":"watermark","end":true}\n'
	feed "$in" stream_agg --stats -g k
	[ "$status" -eq 0 ]
	[ "$output" = '{"k":1,"count":1}' ]
	human_stats
	[ "$stderr" = "stream-agg: stats read=1 aggregated=1 filtered=0 rejected=0 late=0 written=1" ]
	feed "$in" stream_agg --punct -g k
	[ "$output" = '{"_punct":"watermark","t":5}
{"_punct":"watermark","end":true}
{"k":1,"count":1}' ]
}

@test "control lines are recognised in every input format" {
	feed 'h,n\n{"_punct":"watermark","t":5}\na,1\n' stream_agg -i csv --punct sum:n
	[ "$output" = '{"_punct":"watermark","t":5}
n_sum
1' ]
}

@test "a malformed control line is a diagnostic" {
	feed '{"_punct":"watermark","t":"x"}\n{"k":1}\n' stream_agg -g k
	[ "$status" -eq 1 ]
	[ "$output" = '{"k":1,"count":1}' ]
	[ "$stderr" = "stream-agg: <stdin>:1: bad control line: watermark needs an integer t or end:true: '{\"_punct\":\"watermark\",\"t\":\"x\"}'" ]
}

@test "--emit-every prints running results while the input is quiet" {
	cd "$BATS_TEST_TMPDIR"
	mkfifo in
	"$STREAMKIT_BIN/stream-agg" --emit-every 50ms -g k count < in > out 2> err &
	pid=$!
	exec {fd}> in
	printf '{"k":"a"}\n{"k":"a"}\n{"k":"b"}\n' >&"$fd"
	wait_lines out 2
	[ "$(cat out)" = '{"k":"a","count":2}
{"k":"b","count":1}' ]
	printf '{"k":"b"}\n' >&"$fd"
	wait_lines out 4
	[ "$(sed -n 3,4p out)" = '{"k":"a","count":2}
{"k":"b","count":2}' ]
	exec {fd}>&-
	wait "$pid"
	# the final results at end of input, and nothing else
	[ "$(sed -n '5,$p' out)" = '{"k":"a","count":2}
{"k":"b","count":2}' ]
	[ ! -s err ]
}

@test "--emit-every takes a duration" {
	feed '' stream_agg --emit-every soon count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --emit-every 'soon': not a duration" ]
}

@test "README: behind tail -F, --emit-every shows running results live" {
	cd "$BATS_TEST_TMPDIR"
	: > app.log
	mkfifo pipe
	tail -F app.log > pipe 2>/dev/null &
	tailpid=$!
	"$STREAMKIT_BIN/stream-agg" --emit-every 20ms -g level count < pipe > out &
	aggpid=$!
	printf '{"level":"info"}\n{"level":"error"}\n' >> app.log
	wait_lines out 2
	printf '{"level":"info"}\n' >> app.log
	wait_lines out 4
	kill "$tailpid"
	wait "$aggpid"
	[ "$(sed -n 1,2p out)" = '{"level":"info","count":1}
{"level":"error","count":1}' ]
	[ "$(sed -n 3,4p out)" = '{"level":"info","count":2}
{"level":"error","count":1}' ]
}

@test "every kind of bad input at once: each reported, the ledger balances" {
	printf '%s\n' '{"k":"a","n":1}' '{"k":"a","n":' $'{"k":"a\xff","n":1}' \
	    '{"n":2}' '{"k":"a","n":"x"}' '' '{"k":"b","n":"3"}' '{"k":"c","n":1,"x":"open}' \
	    '{"k":"a","n":2}' > "$BATS_TEST_TMPDIR/bad.jsonl"
	run --separate-stderr stream_agg --stats -g k sum:n "$BATS_TEST_TMPDIR/bad.jsonl"
	[ "$status" -eq 1 ]
	[ "$output" = '{"k":"a","n_sum":3}
{"k":"b","n_sum":3}' ]
	human_stats
	[ "${#stderr_lines[@]}" -eq 7 ]
	[[ "${stderr_lines[0]}" == *"bad.jsonl:2: expected a value"* ]]
	[[ "${stderr_lines[1]}" == *"bad.jsonl:3: invalid UTF-8 in group key"* ]]
	[[ "${stderr_lines[2]}" == *"bad.jsonl:4: missing field 'k'"* ]]
	[[ "${stderr_lines[3]}" == *"bad.jsonl:5: field 'n' is not a number"* ]]
	[[ "${stderr_lines[4]}" == *"bad.jsonl:6: empty line"* ]]
	[[ "${stderr_lines[5]}" == *"bad.jsonl:8: unterminated string"* ]]
	[ "${stderr_lines[6]}" = "stream-agg: stats read=9 aggregated=3 filtered=0 rejected=6 late=0 written=2" ]
}

@test "logfmt with an unbalanced quote is rejected with its line" {
	feed 'a=1 k=x\nk="open a=2\nk=x a=3\n' stream_agg -g k sum:a
	[ "$status" -eq 1 ]
	[ "$output" = 'k=x a_sum=4' ]
	[ "$stderr" = "stream-agg: <stdin>:2: unterminated quoted value: 'k=\"open a=2'" ]
}

@test "a common log line that is not one is rejected under -i common" {
	feed '1.2.3.4 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5\nnot a log line\n' \
	    stream_agg -i common -g status
	[ "$status" -eq 1 ]
	[ "$output" = 'status=200 count=1' ]
	[ "$stderr" = "stream-agg: <stdin>:2: expected '[' before time: 'not a log line'" ]
}

@test "a large file parsed on two threads: the aggregates, windows and rejects of one" {
	cd "$BATS_TEST_TMPDIR"
	"$STREAMKIT_BIN/../gen" -n 20000 > e.jsonl
	# bad lines among them, a file of 3.5 MB
	awk 'NR % 4999 == 0 { print "{\"status\":" } { print }' e.jsonl > in.jsonl
	for how in file pipe; do
		mkdir "$how"
		if [ "$how" = file ]; then
			src() { "$@" < in.jsonl; }
		else
			src() { cat in.jsonl | "$@"; }
		fi
		src "$STREAMKIT_BIN/stream-agg" --stats -g host count sum:bytes p99:latency_ms > "$how/agg" 2> "$how/agg.err" || true
		human_stats_in "$how/agg.err"	# the rate differs
		src "$STREAMKIT_BIN/stream-agg" -t ts --tumbling 10s -g status count > "$how/win" 2> "$how/win.err" || true
		src "$STREAMKIT_BIN/stream-window" -t ts --sliding 1m --every 10s > "$how/sw" 2> "$how/sw.err" || true
	done
	diff -r file pipe
	[ "$(awk -F'"count":' '{ split($2, a, ","); n += a[1] } END { print n }' file/agg)" -eq 20000 ]
	grep -q -x 'stream-agg: stats read=20004 aggregated=20000 filtered=0 rejected=4 late=0 written=20' file/agg.err
	grep -q -x "stream-agg: <stdin>:19999: expected a value: '{\"status\":'" file/agg.err
	[ "$(grep -c '"_t":' file/sw)" -eq 120000 ]
	# a descriptor not at the file's start: a shell's read took a line
	seq 0 99999 | sed 's/.*/{"n":&}/' > off.jsonl
	[ "$( { read -r _; "$STREAMKIT_BIN/stream-agg" count sum:n; } < off.jsonl)" = '{"count":99999,"n_sum":4999950000}' ]
	# a file whose escaped keys both threads decode
	awk 'BEGIN { for (i = 0; i < 60000; i++) printf "{\"\\u0078\":\"zz\",\"\\u006b\":\"%c\",\"\\u006e\":%d}\n", 97 + i % 5, i }' > esc.jsonl
	"$STREAMKIT_BIN/stream-agg" --stats -g k count sum:n < esc.jsonl > esc.out 2> esc.err
	cat esc.jsonl | "$STREAMKIT_BIN/stream-agg" --stats -g k count sum:n > esc.want 2> esc.want.err
	human_stats_in esc.err
	human_stats_in esc.want.err
	cat esc.want.err >> esc.want
	cat esc.err >> esc.out
	diff esc.want esc.out
	grep -q -x 'stream-agg: stats read=60000 aggregated=60000 filtered=0 rejected=0 late=0 written=5' esc.err
}

@test "a file's windows are written in large writes, not one write a window" {
	command -v strace >/dev/null 2>&1 || [ -z "${CI:-}" ] || { echo "strace is missing" >&2; false; }
	command -v strace >/dev/null 2>&1 || skip "strace is not installed"
	cd "$BATS_TEST_TMPDIR"
	awk 'BEGIN { for (i = 0; i < 2000; i++) printf "{\"t\":%d,\"k\":\"u%d\"}\n", i, i }' > s.jsonl
	# (LeakSanitizer cannot run under ptrace: no leak check here)
	ASAN_OPTIONS=detect_leaks=0 strace -f -o trace -e trace=write "$STREAMKIT_BIN/stream-agg" -t t --session 30s --key k count s.jsonl > out
	[ "$(wc -l < out)" -eq 2000 ]
	# 2,000 sessions fire one by one; 100 kB of results: a few writes
	[ "$(grep -c '^[0-9]* *write(1,' trace)" -le 4 ]
	ASAN_OPTIONS=detect_leaks=0 strace -f -o trace2 -e trace=write "$STREAMKIT_BIN/stream-agg" -t t --tumbling 1s count s.jsonl > out2
	[ "$(wc -l < out2)" -eq 2000 ]
	[ "$(grep -c '^[0-9]* *write(1,' trace2)" -le 4 ]
}
