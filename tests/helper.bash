# Shared set-up for the bats suites.  STREAMKIT_BIN points at the tools
# under test (tests/run sets it; the default is the normal build).
bats_require_minimum_version 1.5.0
: "${STREAMKIT_BIN:=$BATS_TEST_DIRNAME/../build/bin}"
export STREAMKIT_BIN
TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
EXAMPLES=$TOP/examples

stream_agg() { "$STREAMKIT_BIN/stream-agg" "$@"; }
export -f stream_agg

# feed TEXT CMD...: run CMD with TEXT (printf %b) on stdin.
feed() {
	local input=$1
	shift
	run --separate-stderr bash -c 'printf "%b" "$0" | "$@"' "$input" "$@"
}

# wait_lines FILE N: wait until FILE has at least N lines; fail after 10 s.
# For live behaviour: it waits on an outcome, not for a guessed time.
wait_lines() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ] && return 0
		sleep 0.01
	done
	echo "timed out waiting for $2 lines in $1" >&2
	return 1
}

# The ```sh block after "<!-- recipe: NAME -->" in the README.
recipe() {
	awk -v name="$1" '
	$0 == "<!-- recipe: " name " -->" { want = 1; next }
	want && /^```sh$/ { inblock = 1; next }
	inblock && /^```$/ { exit }
	inblock { print }
	' "$TOP/README.md"
}
