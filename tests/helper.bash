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

# --stats writes, after its ledger line, lines for people: "TOOL: rate
# R records/s, B/s: N records, SIZE in T", "TOOL: delay p50 D  p90 D  p99
# D" with event time, and event-route's "TOOL: rule N handling|wait p50
# ...".  human_stats checks each by its form (right after the ledger,
# the rate's count that of read=, a rate above 0 when records were read)
# and takes them out of stderr and stderr_lines, leaving what scripts
# compare exactly.  It fails when the rate line is missing.
human_stats() {
	local dur='-?[0-9.]+(e[-+][0-9]+)? (us|ms|s|min|h|d)'
	local q="p50 $dur  p90 $dur  p99 $dur"
	local rate_re='^([a-z-]+): rate ([0-9.]+)[kMGTP]? records/s, [0-9.]+ [kMGTP]?B/s: ([0-9]+) records?, [0-9.]+ [kMGTP]?B in [0-9.]+ (us|ms|s|min|h|d)$'
	local line read_= after=0 rates=0 kept=()
	for line in "${stderr_lines[@]}"; do
		if [[ $line =~ :\ stats\ read=([0-9]+)\  ]]; then
			read_=${BASH_REMATCH[1]}
			after=1
			kept+=("$line")
		elif [ "$after" = 1 ] && [[ $line =~ $rate_re ]]; then
			[ "${BASH_REMATCH[3]}" = "$read_" ] ||
			    { echo "rate's count is not read=$read_: $line" >&2; return 1; }
			[ "$read_" = 0 ] || [[ ${BASH_REMATCH[2]} =~ [1-9] ]] ||
			    { echo "no rate: $line" >&2; return 1; }
			rates=$((rates + 1))
			after=2
		elif [ "$after" = 2 ] && [[ $line =~ ^[a-z-]+:\ (delay|rule\ [0-9]+\ (handling|wait))\ $q$ ]]; then
			:
		else
			after=0
			kept+=("$line")
		fi
	done
	[ "$rates" -eq 1 ] || { echo "$rates rate lines in: $stderr" >&2; return 1; }
	stderr_lines=("${kept[@]}")
	stderr=$(printf '%s\n' "${kept[@]}")
}

# human_stats_in FILE: human_stats on a file holding a run's stderr, which
# is rewritten without those lines.
human_stats_in() {
	local stderr stderr_lines
	mapfile -t stderr_lines < "$1"
	human_stats || return 1
	printf '%s' "$stderr${stderr:+$'\n'}" > "$1"
}
