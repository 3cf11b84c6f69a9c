#!/usr/bin/env bats
# -o chart: a window's bars as it closes, sparklines per key at the end;
# the terminal's width (COLUMNS), ASCII outside a UTF-8 locale; live
# behind tail -F; the usage errors.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp "$EXAMPLES/access.log" .
}

# chart ARGS...: stream-agg ARGS on 40 columns in the C locale.
chart() {
	run --separate-stderr env COLUMNS=40 LC_ALL=C "$STREAMKIT_BIN/stream-agg" "$@"
}

@test "-o chart: bars per window, then sparklines, in ASCII on 40 columns" {
	chart -t time --tumbling 30m -w 'status >= 500' -g status count -o chart access.log
	[ "$status" -eq 0 ]
	[ "$output" = 'count, 2026-11-24T10:00:00.000Z
502 5 #####################
503 3 #############
500 8 ##################################

count, 2026-11-24T10:30:00.000Z
500 8 ##################################
503 6 ##########################
502 4 #################

count, 2026-11-24T11:00:00.000Z
503 6 ##################################
502 4 #######################
500 5 ############################

count, 2026-11-24T11:30:00.000Z
503 6 #######################
500 9 ##################################
502 1 ####

count, 4 windows
502 @**. min 1 max 5
503 .@@@ min 3 max 6
500 **.@ min 5 max 9' ]
}

@test "-o chart on the bench data: a block per window, every line in the width" {
	"$STREAMKIT_BIN/../gen" -n 20000 > e.jsonl
	run --separate-stderr env COLUMNS=80 LC_ALL=C "$STREAMKIT_BIN/stream-agg" -t ts --tumbling 1m -g status count -o chart e.jsonl
	[ "$status" -eq 0 ]	# the default delay: none of the generator's disorder is late
	[ "${lines[0]}" = 'count, 2026-11-23T23:59:00.000Z to 2026-11-24T00:00:00.000Z' ]
	[ "${lines[1]}" = '200 32 #########################################################################' ]
	windows=$(stream_agg -t ts --tumbling 1m count e.jsonl 2>/dev/null | wc -l)
	[ "$(grep -c '^count, 2026' <<<"$output")" -eq "$windows" ]
	grep -qx "count, $windows windows, 2026-11-23T23:59:00.000Z to 2026-11-24T00:09:00.000Z" <<<"$output"
	awk 'length($0) > 80 { bad++ } END { exit bad > 0 }' <<<"$output"
	# in UTF-8, the same lines with blocks
	run --separate-stderr env COLUMNS=80 LC_ALL=C.UTF-8 "$STREAMKIT_BIN/stream-agg" -t ts --tumbling 1m -g status count -o chart e.jsonl
	[ "${lines[1]}" = '200 32 █████████████████████████████████████████████████████████████████████████' ]
	[ "${lines[2]}" = '500  1 ██▎' ]
}

@test "-o chart: a UTF-8 locale as libc picks it: LC_ALL, then LC_CTYPE, then LANG" {
	printf '{"t":1,"k":"a"}\n{"t":2,"k":"a"}\n{"t":3,"k":"b"}\n' > in.jsonl
	agg() { env -u LC_ALL -u LC_CTYPE -u LANG COLUMNS=20 "$@" "$STREAMKIT_BIN/stream-agg" -t t --tumbling 1m --time-output epoch -g k -o chart count in.jsonl | sed -n 3p; }
	[ "$(agg LANG=C.UTF-8)" = 'b 1 ████████' ]
	[ "$(agg LANG=en_US.UTF-8 LC_CTYPE=C)" = 'b 1 ########' ]
	[ "$(agg LANG=C LC_CTYPE=C.UTF-8)" = 'b 1 ████████' ]
	[ "$(agg LC_ALL=POSIX LC_CTYPE=C.UTF-8)" = 'b 1 ########' ]
	[ "$(agg LC_ALL= LC_CTYPE=C.utf8)" = 'b 1 ████████' ]
	[ "$(agg)" = 'b 1 ########' ]
}

@test "-o chart: the width is COLUMNS, else the terminal's, else 80" {
	printf '{"t":1,"k":"a"}\n' > in.jsonl
	run bash -c 'env -u COLUMNS LC_ALL=C "$STREAMKIT_BIN/stream-agg" -t t --tumbling 1m --time-output epoch -g k -o chart count in.jsonl 2>/dev/null | sed -n 2p'
	[ "${#output}" -eq 80 ]
	run bash -c 'COLUMNS=33 LC_ALL=C "$STREAMKIT_BIN/stream-agg" -t t --tumbling 1m --time-output epoch -g k -o chart count in.jsonl | sed -n 2p'
	[ "${#output}" -eq 33 ]
	command -v script >/dev/null 2>&1 || [ -z "${CI:-}" ] || { echo "script is missing" >&2; false; }
	if command -v script >/dev/null 2>&1; then
		# on a terminal 50 columns wide, COLUMNS not set
		run script -qec 'stty cols 50; env -u COLUMNS LC_ALL=C "$STREAMKIT_BIN/stream-agg" -t t --tumbling 1m --time-output epoch -g k -o chart count in.jsonl' /dev/null
		[ "$(printf '%s\n' "$output" | tr -d '\r' | sed -n 2p | tr -d '\n' | wc -c)" -eq 50 ]
	fi
}

@test "-o chart: one key" {
	printf '{"t":1}\n{"t":2}\n{"t":61}\n' > in.jsonl
	chart -t t --tumbling 1m --time-output epoch -o chart count in.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = 'count, 0 to 60
count 2 ################################

count, 60 to 120
count 1 ################################

count, 2 windows, 0 to 120
count @. min 1 max 2' ]
}

@test "-o chart: no window, nothing written" {
	chart -t t --tumbling 1m -g k -o chart count < /dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
}

@test "-o chart: zero and negative values, a key missing in a window" {
	printf '%s\n' '{"t":1,"k":"a","v":-3}' '{"t":2,"k":"b","v":6}' '{"t":3,"k":"c","v":0}' \
	    '{"t":61,"k":"b","v":2}' '{"t":62,"k":"c","v":0}' '{"t":125,"k":"a","v":1}' > in.jsonl
	run --separate-stderr env COLUMNS=30 LC_ALL=C "$STREAMKIT_BIN/stream-agg" -t t --tumbling 1m --time-output epoch -g k -o chart sum:v in.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = 'v_sum, 0 to 60
a -3 -------------
b  6 #########################
c  0

v_sum, 60 to 120
b 2 ##########################
c 0

v_sum, 120 to 180
a 1 ##########################

v_sum, 3 windows, 0 to 180
a . @ min -3 max 1
b @.  min 2 max 6
c ==  min 0 max 0' ]
	# in UTF-8, the negative bar is shaded
	run --separate-stderr env COLUMNS=30 LC_ALL=C.UTF-8 "$STREAMKIT_BIN/stream-agg" -t t --tumbling 1m --time-output epoch -g k -o chart sum:v in.jsonl
	[ "${lines[1]}" = 'a -3 ░░░░░░░░░░░░░' ]
	[ "${lines[2]}" = 'b  6 █████████████████████████' ]
}

@test "-o chart: very long keys on 40 columns are cut, every line fits" {
	long=$(printf 'k%.0s' $(seq 1 60))
	printf '{"t":1,"k":"%s"}\n{"t":2,"k":"short"}\n{"t":3,"k":"%s"}\n' "$long" "$long" > in.jsonl
	chart -t t --tumbling 1m --time-output epoch -g k -o chart count in.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = 'count, 0 to 60
kkkkkkkkkkkkkkk~ 2 #####################
short            1 ###########

count, 1 window, 0 to 60
kkkkkkkkkkkkkkk~ = min 2 max 2
short            = min 1 max 1' ]
	awk 'length($0) > 40 { bad++ } END { exit bad > 0 }' <<<"$output"
}

@test "-o chart: --chart picks the aggregate; the first number by default" {
	printf '{"t":1,"k":"a","v":5,"p":"/x"}\n{"t":2,"k":"b","v":10,"p":"/y"}\n' > in.jsonl
	chart -t t --tumbling 1m --time-output epoch -g k -o chart first:p count sum:v in.jsonl
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'count, 0 to 60' ]
	chart -t t --tumbling 1m --time-output epoch -g k --chart v_sum first:p count sum:v in.jsonl
	[ "$status" -eq 0 ]
	[ "$output" = 'v_sum, 0 to 60
a  5 ##################
b 10 ###################################

v_sum, 1 window, 0 to 60
a = min 5 max 5
b = min 10 max 10' ]
}

@test "-o chart behind stream-window, and with a trigger's early panes" {
	printf '{"t":1,"k":"a"}\n{"t":2,"k":"a"}\n{"t":61,"k":"a"}\n' > in.jsonl
	run --separate-stderr bash -c '"$STREAMKIT_BIN/stream-window" -t t --tumbling 1m --time-output epoch in.jsonl |
	    COLUMNS=30 LC_ALL=C "$STREAMKIT_BIN/stream-agg" -g k -o chart count'
	[ "$status" -eq 0 ]
	[ "$output" = 'count, 0 to 60
a 2 ##########################

count, 60 to 120
a 1 ##########################

count, 2 windows, 0 to 120
a @. min 1 max 2' ]
	# an early pane at each record, then the window on time: the
	# sparkline counts each window once, with its last value
	run --separate-stderr env COLUMNS=30 LC_ALL=C "$STREAMKIT_BIN/stream-agg" -t t --tumbling 1m --time-output epoch \
	    --trigger 'watermark(early=count(1))' --accumulate -g k -o chart count in.jsonl
	[ "$status" -eq 0 ]
	[ "$(grep -c '^count, 0 to 60$' <<<"$output")" -ge 2 ]
	[ "$(tail -n 2 <<<"$output")" = 'count, 2 windows, 0 to 120
a @. min 1 max 2' ]
}

@test "-o chart, live behind tail -F: a window's bars as it closes, the sparklines at SIGINT" {
	mkfifo pipe
	: > live.log
	tail -n +1 -F live.log > pipe 2>/dev/null &
	tailpid=$!
	COLUMNS=30 LC_ALL=C "$STREAMKIT_BIN/stream-agg" -t t --tumbling 10s --max-delay 0 --time-output epoch -g k -o chart count < pipe > out 2> err &
	pid=$!
	printf '{"t":1,"k":"a"}\n{"t":2,"k":"b"}\n{"t":3,"k":"a"}\n{"t":12,"k":"a"}\n' >> live.log
	wait_lines out 3
	[ "$(cat out)" = 'count, 0 to 10
a 2 ##########################
b 1 #############' ]
	printf '{"t":25,"k":"b"}\n' >> live.log
	wait_lines out 6
	kill -INT "$pid"
	wait "$pid"
	# tail ends by itself once its reader has gone (GNU tail watches
	# for a broken pipe), or here
	kill "$tailpid" 2>/dev/null || true
	wait "$tailpid" || true
	[ "$(cat out)" = 'count, 0 to 10
a 2 ##########################
b 1 #############

count, 10 to 20
a 1 ##########################

count, 20 to 30
b 1 ##########################

count, 3 windows, 0 to 30
a @.  min 1 max 2
b = = min 1 max 1' ]
}

@test "-o chart usage errors: no windows, no number, --partial, --emit-every" {
	chart -g status -o chart count access.log
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-o chart charts windows: give --tumbling, --sliding, --session or --global"* ]]
	[ -z "$output" ]
	chart -g status -o chart count < /dev/null
	[ "$status" -eq 2 ]
	chart -t time --tumbling 1m -g status -o chart first:path top:2:path access.log
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-o chart: no aggregation gives a number to chart"* ]]
	chart -t time --tumbling 1m -g status --chart path_first count first:path access.log
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--chart 'path_first': first gives text, not a number to chart"* ]]
	chart -t time --tumbling 1m -g status --chart nope count access.log
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--chart 'nope': not the name of an aggregation here"* ]]
	chart -t time --tumbling 1m -o json --chart count count access.log
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"--chart goes with -o chart"* ]]
	chart --partial -t time --tumbling 1m -o chart count access.log
	[ "$status" -eq 2 ]
	chart --emit-every 1s -o chart count access.log
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-o chart charts windows, not --emit-every's running results"* ]]
}

# The width and height in the IHDR chunk of PNG file $1, as WxH.
png_size() {
	od -An -tu1 -j16 -N8 "$1" | awk '{
	    printf "%dx%d\n", (($1 * 256 + $2) * 256 + $3) * 256 + $4,
	        (($5 * 256 + $6) * 256 + $7) * 256 + $8 }'
}

@test "the README's plot recipe: gnuplot draws requests per minute by status as a 900x450 PNG" {
	# CI installs gnuplot-nox: there, this never skips
	if ! command -v gnuplot >/dev/null 2>&1; then
		[ -z "${CI:-}" ] || { echo "gnuplot is missing" >&2; false; }
		skip "gnuplot is not installed"
	fi
	recipe plot > plot.sh
	grep -q 'stream-agg .* -o tsv count access.log' plot.sh
	run --separate-stderr env PATH="$STREAMKIT_BIN:$PATH" sh plot.sh
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(od -An -c -N4 per-minute.png | tr -d ' ')" = '211PNG' ]
	[ "$(png_size per-minute.png)" = 900x450 ]
	# a line per status, from every minute of every status
	[ "$(cut -f 3 per-minute.tsv | uniq | tr '\n' ' ')" = '200 201 204 301 304 400 404 500 502 503 ' ]
	[ "$(wc -l < per-minute.tsv)" -eq "$(stream_agg -t time --tumbling 1m -g status count access.log | wc -l)" ]
}
