#!/usr/bin/env bats
# The hostile-input corpus (tests/hostile/): each item gives a clear
# diagnostic with file and line or a right answer, never a crash or a
# silent loss, and the ledger balances: read = kept + rejected (+ late).

load helper

H=$BATS_TEST_DIRNAME/hostile

stream_window() { "$STREAMKIT_BIN/stream-window" "$@"; }
export -f stream_window

setup() {
	cd "$H"
}

@test "truncated JSON: each broken line rejected, the rest counted" {
	run --separate-stderr stream_agg --stats sum:k truncated.jsonl
	[ "$status" -eq 1 ]
	[ "$output" = '{"k_sum":4}' ]
	[ "${stderr_lines[0]}" = "stream-agg: truncated.jsonl:2: expected a value: '{\"k\":'" ]
	[ "${stderr_lines[1]}" = "stream-agg: truncated.jsonl:3: truncated object: '{\"k\":2,\"a\":[1,2'" ]
	[ "${stderr_lines[2]}" = "stream-agg: stats read=4 aggregated=2 filtered=0 rejected=2 late=0 written=1" ]
}

@test "10,000 levels of nesting: rejected as too deep, in arrays and objects" {
	cd "$BATS_TEST_TMPDIR"
	{
		printf '{"a":'; printf '[%.0s' $(seq 10000); printf ']%.0s' $(seq 10000); printf ',"k":1}\n'
		printf '{"k":'; printf '{"a":%.0s' $(seq 10000); printf 1; printf '}%.0s' $(seq 10000); printf '}\n'
		printf '{"k":2}\n'
	} > deep.jsonl
	run --separate-stderr stream_agg --stats -g k count deep.jsonl
	[ "$status" -eq 1 ]
	[ "$output" = '{"k":2,"count":1}' ]
	[[ "${stderr_lines[0]}" == "stream-agg: deep.jsonl:1: nesting too deep: "* ]]
	[[ "${stderr_lines[1]}" == "stream-agg: deep.jsonl:2: nesting too deep: "* ]]
	[ "${stderr_lines[2]}" = "stream-agg: stats read=3 aggregated=1 filtered=0 rejected=2 late=0 written=1" ]
}

@test "duplicate keys: the first wins, even with a key inside a string" {
	run --separate-stderr stream_agg --stats -g level count duplicate-keys.jsonl
	[ "$output" = '{"level":"x","count":1}' ]
	[ "${stderr_lines[1]}" = "stream-agg: stats read=2 aggregated=1 filtered=0 rejected=1 late=0 written=1" ]
	run --separate-stderr stream_agg -g k count duplicate-keys.jsonl
	[ "${lines[0]}" = '{"k":"a","count":1}' ]
}

@test "every escape in keys and values; bad ones are diagnostics" {
	run --separate-stderr stream_agg --stats -g kA sum:v escapes.jsonl
	[ "$status" -eq 1 ]
	[ "$output" = '{"kA":"\"\\/\b\f\n\r\té😀","v_sum":1}' ]
	[ "${stderr_lines[0]}" = "stream-agg: escapes.jsonl:2: bad escape in field 'kA': '{\"kA\":\"\\\\ud800\",\"v\":2}'" ]
	[ "${stderr_lines[1]}" = "stream-agg: escapes.jsonl:3: bad escape in field 'kA': '{\"kA\":\"bad \\\\x escape\",\"v\":3}'" ]
	[ "${stderr_lines[2]}" = "stream-agg: stats read=3 aggregated=1 filtered=0 rejected=2 late=0 written=1" ]
}

@test "invalid UTF-8, overlongs and surrogates in a key: rejected, quoted as hex" {
	run --separate-stderr stream_agg --stats -g k count invalid-utf8.jsonl
	[ "$output" = '{"k":"ok","count":1}' ]
	[ "${stderr_lines[0]}" = "stream-agg: invalid-utf8.jsonl:1: invalid UTF-8 in group key: '{\"k\":\"a\\xff\"}'" ]
	[ "${stderr_lines[1]}" = "stream-agg: invalid-utf8.jsonl:2: invalid UTF-8 in group key: '{\"k\":\"\\xc0\\xaf\"}'" ]
	[ "${stderr_lines[2]}" = "stream-agg: invalid-utf8.jsonl:3: invalid UTF-8 in group key: '{\"k\":\"\\xed\\xa0\\x80\"}'" ]
	[ "${stderr_lines[3]}" = "stream-agg: stats read=4 aggregated=1 filtered=0 rejected=3 late=0 written=1" ]
}

@test "overlong numbers sum exactly; 1e999 is not a number" {
	run --separate-stderr stream_agg --stats sum:x max:x numbers.jsonl
	[ "$output" = '{"x_sum":1.2345678902156905e+29,"x_max":1.2345678901234568e+29}' ]
	[ "${stderr_lines[0]}" = "stream-agg: numbers.jsonl:2: field 'x' is not a number: '{\"x\":1e999}'" ]
	[ "${stderr_lines[1]}" = "stream-agg: numbers.jsonl:3: field 'x' is not a number: '{\"x\":-1e999}'" ]
	[ "${stderr_lines[2]}" = "stream-agg: stats read=7 aggregated=5 filtered=0 rejected=2 late=0 written=1" ]
}

@test "NUL bytes inside a line do not cut it" {
	run --separate-stderr stream_agg --stats -g k count nul.jsonl
	[ "$output" = '{"k":"a\u0000b","count":2}
{"k":"a","count":1}' ]
	human_stats
	[ "$stderr" = "stream-agg: stats read=3 aggregated=3 filtered=0 rejected=0 late=0 written=2" ]
}

@test "a 100 MB line: read whole in memory near its size; or refused by --max-line-bytes" {
	cd "$BATS_TEST_TMPDIR"
	{ printf '{"k":"a","pad":"'; head -c 100000000 /dev/zero | tr '\0' x; printf '"}\n{"k":"b"}\n'; } > big.jsonl
	r=$("$STREAMKIT_BIN/../runstat" -i big.jsonl -o out -- "$STREAMKIT_BIN/stream-agg" -g k count)
	[ "$(cat out)" = '{"k":"a","count":1}
{"k":"b","count":1}' ]
	rss=$(echo "$r" | cut -d' ' -f2)
	limit=300000			# kB: three times the line
	[[ $STREAMKIT_BIN != *[at]san* ]] || limit=600000	# sanitizers keep freed blocks
	[ "$rss" -lt "$limit" ]
	run --separate-stderr stream_agg --stats --max-line-bytes 1M --rejects rej -g k count big.jsonl
	[ "$status" -eq 1 ]
	[ "$output" = '{"k":"b","count":1}' ]
	[ "${stderr_lines[0]}" = "stream-agg: big.jsonl:1: line longer than --max-line-bytes (1048576), skipped" ]
	[ "${stderr_lines[1]}" = "stream-agg: stats read=2 aggregated=1 filtered=0 rejected=1 late=0 written=1" ]
	[ ! -s rej ]
	r=$("$STREAMKIT_BIN/../runstat" -i big.jsonl -o out -- "$STREAMKIT_BIN/stream-agg" --max-line-bytes 1M -g k count)
	[ "$(echo "$r" | cut -d' ' -f2)" -lt 40000 ]
}

@test "--max-line-bytes: sizes and bad values" {
	feed '{"k":"abcdefgh"}\n{"k":"a"}\n' stream_agg --max-line-bytes 12 --on-error skip --stats -g k count
	[ "$output" = '{"k":"a","count":1}' ]
	human_stats
	[ "$stderr" = "stream-agg: stats read=2 aggregated=1 filtered=0 rejected=1 late=0 written=1" ]
	feed '' stream_agg --max-line-bytes 1x count
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "stream-agg: --max-line-bytes '1x': not a size" ]
	feed '{"t":1,"k":"abcdefghijkl"}\n' stream_window --max-line-bytes 1k -t t --tumbling 1s --bounds --time-output epoch
	[ "${lines[1]}" = '{"t":1,"k":"abcdefghijkl","window_start":1,"window_end":2,"_t":1000000}' ]
	feed '{"t":1,"k":"abcdefghijkl"}\n' stream_window --max-line-bytes 10 --stats -t t --tumbling 1s
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "stream-window: <stdin>:1: line longer than --max-line-bytes (10), skipped" ]
}

@test "a file that does not end in a newline, and CRLF mixed with LF" {
	run --separate-stderr stream_agg --stats -g k count crlf-mixed.logfmt
	[ "$output" = 'k=a count=3
k=b count=1' ]
	human_stats
	[ "$stderr" = "stream-agg: stats read=4 aggregated=4 filtered=0 rejected=0 late=0 written=2" ]
}

@test "CSV with quotes and newlines inside cells; an open quote at the end" {
	run --separate-stderr stream_agg -i csv -o json --stats -g k sum:v embedded.csv
	[ "$status" -eq 1 ]
	[ "$output" = '{"k":"a\nb","v_sum":4}
{"k":"c\"d","v_sum":2}' ]
	[ "${stderr_lines[0]}" = "stream-agg: embedded.csv:7: unterminated quoted field: '\"open,4'" ]
	[ "${stderr_lines[1]}" = "stream-agg: stats read=4 aggregated=3 filtered=0 rejected=1 late=0 written=2" ]
}

@test "logfmt with an unbalanced quote" {
	run --separate-stderr stream_agg --stats -g k sum:x unbalanced.logfmt
	[ "$output" = 'k=ok x_sum=2
k="esc\"aped" x_sum=3' ]
	[ "${stderr_lines[0]}" = "stream-agg: unbalanced.logfmt:1: unterminated quoted value: 'k=\"unbalanced x=1'" ]
	[ "${stderr_lines[1]}" = "stream-agg: stats read=3 aggregated=2 filtered=0 rejected=1 late=0 written=2" ]
}

@test "times at year 0001 and 9999, a leap second, negative epochs; year 10000 refused" {
	run --separate-stderr stream_window --stats -t t --tumbling 1d --bounds --time-output epoch times.jsonl
	[ "$status" -eq 1 ]
	[ "${lines[1]}" = '{"t":"0001-01-01T00:00:00Z","window_start":-62135596800,"window_end":-62135510400,"_t":-62135596800000000}' ]
	[ "${lines[2]}" = '{"t":"9999-12-31T23:59:59.999Z","window_start":253402214400,"window_end":253402300800,"_t":253402300799999000}' ]
	[ "${lines[3]}" = '{"t":"2016-12-31T23:59:60Z","window_start":1483142400,"window_end":1483228800,"_t":1483228799999999}' ]
	[ "${lines[4]}" = '{"t":-1.5,"window_start":-86400,"window_end":0,"_t":-1500000}' ]
	[ "${stderr_lines[1]}" = "stream-window: times.jsonl:5: field 't' is not a time: '{\"t\":\"10000-01-01T00:00:00Z\"}'" ]
	[ "${stderr_lines[2]}" = "stream-window: stats read=6 windowed=5 filtered=0 rejected=1 late=0 written=5" ]
	# the last day of 9999 ends in 10000: both forms still agree
	run --separate-stderr bash -c 'head -n 2 times.jsonl | tail -n 1 | "$STREAMKIT_BIN/stream-window" -t t --tumbling 1d | "$STREAMKIT_BIN/stream-agg" count'
	[ "$output" = '{"window_start":"9999-12-31T00:00:00.000Z","window_end":"10000-01-01T00:00:00.000Z","count":1}' ]
}

@test "a DST overlap: the day lasts 25 hours and holds both 02:30s" {
	run --separate-stderr stream_agg -t t --tumbling 1d --tz Europe/Berlin --time-output local count dst-overlap.jsonl
	[ "$output" = '{"window_start":"2026-10-25T00:00:00.000+02:00","window_end":"2026-10-26T00:00:00.000+01:00","count":4}
{"window_start":"2026-10-26T00:00:00.000+01:00","window_end":"2026-10-27T00:00:00.000+01:00","count":1}' ]
}

@test "a DST gap: the day lasts 23 hours" {
	run --separate-stderr stream_agg -t t --tumbling 1d --tz Europe/Berlin --time-output local count dst-gap.jsonl
	[ "$output" = '{"window_start":"2026-03-29T00:00:00.000+01:00","window_end":"2026-03-30T00:00:00.000+02:00","count":3}
{"window_start":"2026-03-30T00:00:00.000+02:00","window_end":"2026-03-31T00:00:00.000+02:00","count":1}' ]
}

@test "input that is a directory: a read error with its name, exit 1, the rest still read" {
	run --separate-stderr stream_agg --stats count "$H" truncated.jsonl
	[ "$status" -eq 1 ]
	[ "$output" = '{"count":2}' ]
	[ "${stderr_lines[0]}" = "stream-agg: $H: read error: Is a directory" ]
}

@test "a closed stdout: a write error, exit 1, for both tools" {
	run --separate-stderr bash -c 'printf "{\"k\":1}\n" | "$0" count >&-' "$STREAMKIT_BIN/stream-agg"
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-agg: write error: Bad file descriptor" ]
	run --separate-stderr bash -c 'printf "{\"t\":1}\n" | "$0" -t t --tumbling 1s >&-' "$STREAMKIT_BIN/stream-window"
	[ "$status" -eq 1 ]
	[ "$stderr" = "stream-window: write error: Bad file descriptor" ]
}
