#!/usr/bin/env bats
# Beam's empty panes in stream-agg, in-process (--trigger) and behind
# stream-trigger: the on-time pane of a group whose records all went out
# in early panes, --on-time if-non-empty, --closing always.

load helper

stream_window() { "$STREAMKIT_BIN/stream-window" "$@"; }
stream_trigger() { "$STREAMKIT_BIN/stream-trigger" "$@"; }
export -f stream_window stream_trigger

# a and b in [0,10): a count(2) early pane of a and b, then a's 3 and 4;
# 12 takes the watermark past 10.
E='{"t":1,"k":"a","v":1}\n{"t":2,"k":"b","v":2}\n{"t":3,"k":"a","v":3}\n{"t":4,"k":"a","v":4}\n{"t":12,"k":"a","v":5}\n'

# both OPTION...: stream-agg --trigger in-process and the pipeline, which
# must agree; prints the answer.
both() {
	local a b
	a=$(printf "$E" | stream_agg -t t --tumbling 10s --max-delay 0 --time-output epoch --pane-info "$@" -g k count collect:v) || return 1
	b=$(printf "$E" | stream_window -t t --tumbling 10s --max-delay 0 --time-output epoch |
	    stream_trigger --pane-info "${@/#--trigger=/}" | stream_agg -g k count collect:v) || return 1
	[ "$a" = "$b" ] || { printf 'in-process:\n%s\npipeline:\n%s\n' "$a" "$b"; return 1; }
	printf '%s\n' "$a"
}

@test "the on-time pane after early panes: a row per group, count 0 and collect [], in both forms" {
	run both --trigger='watermark(early=count(2))' --discard
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"a","count":1,"v_collect":[1]}
{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"b","count":1,"v_collect":[2]}
{"window_start":0,"window_end":10,"pane":1,"timing":"early","final":false,"k":"a","count":2,"v_collect":[3,4]}
{"window_start":0,"window_end":10,"pane":2,"timing":"on_time","final":true,"k":"a","count":0,"v_collect":[]}
{"window_start":0,"window_end":10,"pane":2,"timing":"on_time","final":true,"k":"b","count":0,"v_collect":[]}
{"window_start":10,"window_end":20,"pane":0,"timing":"on_time","final":true,"k":"a","count":1,"v_collect":[5]}' ]
}

@test "--on-time if-non-empty: no empty on-time pane, in both forms" {
	run both --trigger='watermark(early=count(2))' --on-time if-non-empty
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"a","count":1,"v_collect":[1]}
{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"b","count":1,"v_collect":[2]}
{"window_start":0,"window_end":10,"pane":1,"timing":"early","final":false,"k":"a","count":2,"v_collect":[3,4]}
{"window_start":10,"window_end":20,"pane":0,"timing":"on_time","final":true,"k":"a","count":1,"v_collect":[5]}' ]
}

@test "a pane that is not kept when empty leaves out the groups with nothing new" {
	# the on-time pane has a's 3 but nothing of b: b is written, empty,
	# only because the pane is on time; the late pane has b's 5 only
	E='{"t":1,"k":"a","v":1}\n{"t":2,"k":"b","v":2}\n{"t":3,"k":"a","v":3}\n{"t":12,"k":"a","v":6}\n{"t":5,"k":"b","v":5}\n'
	run both --trigger='watermark(early=count(2),late=count(1))' --allowed-lateness 10s
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"a","count":1,"v_collect":[1]}
{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"b","count":1,"v_collect":[2]}
{"window_start":0,"window_end":10,"pane":1,"timing":"on_time","final":false,"k":"a","count":1,"v_collect":[3]}
{"window_start":0,"window_end":10,"pane":1,"timing":"on_time","final":false,"k":"b","count":0,"v_collect":[]}
{"window_start":0,"window_end":10,"pane":2,"timing":"late","final":false,"k":"b","count":1,"v_collect":[5]}
{"window_start":10,"window_end":20,"pane":0,"timing":"on_time","final":true,"k":"a","count":1,"v_collect":[6]}' ]
}

@test "--closing always: the closing pane of a trigger that did not finish, with every group, in both forms" {
	run both --trigger='repeat(count(2))' --closing always
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"a","count":1,"v_collect":[1]}
{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"b","count":1,"v_collect":[2]}
{"window_start":0,"window_end":10,"pane":1,"timing":"early","final":false,"k":"a","count":2,"v_collect":[3,4]}
{"window_start":0,"window_end":10,"pane":2,"timing":"on_time","final":true,"k":"a","count":0,"v_collect":[]}
{"window_start":0,"window_end":10,"pane":2,"timing":"on_time","final":true,"k":"b","count":0,"v_collect":[]}
{"window_start":10,"window_end":20,"pane":0,"timing":"on_time","final":true,"k":"a","count":1,"v_collect":[5]}' ]
	# and without it, a trigger that does not fire writes nothing
	run both --trigger='repeat(count(2))'
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"a","count":1,"v_collect":[1]}
{"window_start":0,"window_end":10,"pane":0,"timing":"early","final":false,"k":"b","count":1,"v_collect":[2]}
{"window_start":0,"window_end":10,"pane":1,"timing":"early","final":false,"k":"a","count":2,"v_collect":[3,4]}' ]
}

@test "--closing without --trigger runs the default trigger in-process, as stream-trigger would" {
	E='{"t":1,"k":"a","v":1}\n{"t":12,"k":"b","v":2}\n{"t":5,"k":"a","v":3}\n{"t":25,"k":"b","v":4}\n'
	run both --allowed-lateness 10s --closing always
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":0,"window_end":10,"pane":0,"timing":"on_time","final":false,"k":"a","count":1,"v_collect":[1]}
{"window_start":0,"window_end":10,"pane":1,"timing":"late","final":false,"k":"a","count":1,"v_collect":[3]}
{"window_start":0,"window_end":10,"pane":2,"timing":"late","final":true,"k":"a","count":0,"v_collect":[]}
{"window_start":10,"window_end":20,"pane":0,"timing":"on_time","final":false,"k":"b","count":1,"v_collect":[2]}
{"window_start":10,"window_end":20,"pane":1,"timing":"late","final":true,"k":"b","count":0,"v_collect":[]}
{"window_start":20,"window_end":30,"pane":0,"timing":"on_time","final":true,"k":"b","count":1,"v_collect":[4]}' ]
}

@test "accumulating panes hold the window so far: an on-time pane with nothing new repeats it" {
	run both --trigger='watermark(early=count(2))' --accumulate
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '"timing":"on_time","final":true,"k":"a","count":3,"v_collect":\[1,3,4\]')" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c '"timing":"on_time","final":true,"k":"b","count":1,"v_collect":\[2\]')" -eq 1 ]
}

@test "sessions: the empty on-time pane per group of the session, in both forms" {
	S='{"t":1,"u":"x","v":1}\n{"t":2,"u":"x","v":2}\n{"t":3,"u":"x","v":3}\n{"t":20,"u":"y","v":4}\n'
	a=$(printf "$S" | stream_agg -t t --session 5s --key u --time-output epoch --trigger 'watermark(early=count(3))' --pane-info -g u count collect:v)
	b=$(printf "$S" | stream_window -t t --session 5s --key u --time-output epoch | stream_trigger --pane-info 'watermark(early=count(3))' | stream_agg -g u count collect:v)
	[ "$a" = "$b" ]
	[ "$a" = '{"window_start":1,"window_end":8,"pane":0,"timing":"early","final":false,"u":"x","count":3,"v_collect":[1,2,3]}
{"window_start":1,"window_end":8,"pane":1,"timing":"on_time","final":true,"u":"x","count":0,"v_collect":[]}
{"window_start":20,"window_end":25,"pane":0,"timing":"on_time","final":true,"u":"y","count":1,"v_collect":[4]}' ]
}

@test "--state: a group kept for the on-time pane survives between runs" {
	st="$BATS_TEST_TMPDIR/state"
	printf '{"t":1,"k":"a"}\n{"t":2,"k":"b"}\n' > "$BATS_TEST_TMPDIR/1.jsonl"
	printf '{"t":12,"k":"a"}\n' > "$BATS_TEST_TMPDIR/2.jsonl"
	run stream_agg -t t --tumbling 10s --max-delay 0 --time-output epoch --trigger 'watermark(early=count(2))' --pane-info --state "$st" -g k count "$BATS_TEST_TMPDIR/1.jsonl"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	grep -q '"_empty":true' "$st"
	cat "$BATS_TEST_TMPDIR/2.jsonl" >> "$BATS_TEST_TMPDIR/1.jsonl"
	run stream_agg -t t --tumbling 10s --max-delay 0 --time-output epoch --trigger 'watermark(early=count(2))' --pane-info --state "$st" -g k count "$BATS_TEST_TMPDIR/1.jsonl"
	[ "$status" -eq 0 ]
	[ "$output" = '{"window_start":0,"window_end":10,"pane":1,"timing":"on_time","final":true,"k":"a","count":0}
{"window_start":0,"window_end":10,"pane":1,"timing":"on_time","final":true,"k":"b","count":0}' ]
}
