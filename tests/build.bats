#!/usr/bin/env bats
# The build's user-facing targets: install, uninstall, demo, --version.

load helper

@test "make install puts binaries and man pages under DESTDIR/PREFIX" {
	d=$BATS_TEST_TMPDIR/root
	run make -s -C "$TOP" BUILD="${BUILD:-build}" DESTDIR="$d" PREFIX=/usr install
	[ "$status" -eq 0 ]
	[ -x "$d/usr/bin/stream-agg" ]
	[ -x "$d/usr/bin/stream-window" ]
	[ -f "$d/usr/share/man/man1/stream-agg.1" ]
	[ -f "$d/usr/share/man/man1/stream-window.1" ]
	[ -f "$d/usr/share/man/man7/streamkit.7" ]
	run make -s -C "$TOP" BUILD="${BUILD:-build}" DESTDIR="$d" PREFIX=/usr uninstall
	[ "$status" -eq 0 ]
	[ ! -e "$d/usr/bin/stream-agg" ]
	[ ! -e "$d/usr/bin/stream-window" ]
	[ ! -e "$d/usr/share/man/man1/stream-agg.1" ]
	[ ! -e "$d/usr/share/man/man7/streamkit.7" ]
}

@test "the demo runs real pipelines over the shipped log" {
	run --separate-stderr env BIN="$STREAMKIT_BIN" sh "$EXAMPLES/demo"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "# requests and bytes by status" ]
	[[ "${lines[1]}" == "status=200 count="*" bytes_sum="* ]]
	[[ "$output" == *"path,count"* ]]
	[[ "$output" == *'{"host":'* ]]
	[[ "$output" == *"window_end=2026-11-24T10:30:00.000Z status=500 count=8"* ]]
	[[ "$output" == *"host=203.0.113.26 count=68"* ]]
}

@test "--version names the tool" {
	run stream_agg --version
	[ "$status" -eq 0 ]
	[[ "$output" == "stream-agg "[0-9]* ]]
}
