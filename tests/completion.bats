#!/usr/bin/env bats
# The shell completions (completion/): bash's through complete -p and
# the function it names, zsh's in an interactive zsh on a pty
# (tests/complete.zsh).  Their options and names come from the tools'
# hidden --list-options.

load helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	printf '{"ts":"2026-11-24T10:00:00Z","status":200,"path":"/a"}\n' > ev.json
	printf 'level=info ms=3 msg="a b"\n' > app.log
	printf 'host\tstatus\tbytes\n' > t.tsv
	printf 'method,"status code"\n' > t.csv
}

# complete_bash LINE: the candidates, one a line, bash's completion
# gives with the cursor at the end of LINE.
complete_bash() {
	run bash -c '
		source "$1/completion/streamkit.bash"
		PATH=$STREAMKIT_BIN:$PATH
		COMP_LINE=$2 COMP_POINT=${#2}
		read -r -a COMP_WORDS <<<"$2"
		[[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		fn=$(complete -p "${COMP_WORDS[0]}" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		[ -n "$fn" ] || exit 3
		"$fn" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$TOP" "$1"
}

@test "--list-options lists the options each tool parses, and no more" {
	for t in event-route stream-agg stream-trigger stream-window; do
		run "$STREAMKIT_BIN/$t" --list-options
		[ "$status" -eq 0 ]
		[[ "$output" == *"option --help -h -"* ]]
		[[ "$output" == *"option --version -V -"* ]]
		[[ "$output" == *"option --input-format -i format"* ]]
		[[ "$output" == *"option --on-error - on-error"* ]]
	done
	run "$STREAMKIT_BIN/stream-agg" --list-options
	[[ "$output" == *"option --time -t field"* ]]
	[[ "$output" == *"option --tumbling - arg"* ]]
	[[ "$output" == *"option --group-by -g fields"* ]]
	[[ "$output" == *"option --trigger - trigger"* ]]
	run "$STREAMKIT_BIN/event-route" --list-options
	[[ "$output" == *"option --dead-letter - file"* ]]
	[[ "$output" != *"--tumbling"* ]]
}

@test "--list-options gives the names the parsers take" {
	run "$STREAMKIT_BIN/stream-agg" --list-options
	[ "$status" -eq 0 ]
	[ "$(grep '^value format ' <<<"$output" | cut -d' ' -f3 | tr '\n' ' ')" = "auto json logfmt csv tsv text combined common " ]
	[ "$(grep '^value on-error ' <<<"$output" | cut -d' ' -f3 | tr '\n' ' ')" = "warn skip fail " ]
	[ "$(grep '^value time-output ' <<<"$output" | cut -d' ' -f3 | tr '\n' ' ')" = "rfc3339 epoch epoch-ms epoch-us local " ]
	[ "$(grep '^value trigger ' <<<"$output" | cut -d' ' -f3 | tr '\n' ' ')" = "watermark count after repeat any all each until " ]
	[ "$(grep -c '^value aggregation ' <<<"$output")" -eq 15 ]
	[ "$(grep -c '^value time-format ' <<<"$output")" -eq 9 ]
	# every name listed is one the tool takes
	for f in $(grep '^value format ' <<<"$output" | cut -d' ' -f3); do
		"$STREAMKIT_BIN/stream-agg" -i "$f" count < /dev/null
	done
	for a in $(grep '^value aggregation ' <<<"$output" | cut -d' ' -f3); do
		case $a in count|rate) spec=$a ;; quantile) spec=quantile:0.5:x ;;
		top) spec=top:2:x ;; *) spec=$a:x ;; esac
		"$STREAMKIT_BIN/stream-agg" "$spec" < /dev/null
	done
	for p in $(grep '^value on-error ' <<<"$output" | cut -d' ' -f3); do
		"$STREAMKIT_BIN/stream-agg" --on-error "$p" count < /dev/null
	done
	for t in $(grep '^value trigger ' <<<"$output" | cut -d' ' -f3); do
		case $t in watermark) spec=$t ;; count) spec='count(2)' ;;
		after) spec='after(1s)' ;; repeat) spec='repeat(count(2))' ;;
		*) spec="$t(count(2),count(3))" ;; esac
		"$STREAMKIT_BIN/stream-trigger" "$spec" < /dev/null
	done
	for t in $(grep '^value time-format ' <<<"$output" | cut -d' ' -f3); do
		"$STREAMKIT_BIN/stream-window" -t ts --tumbling 1m --time-format "$t" < /dev/null
	done
}

@test "bash: complete -p names the function for each tool" {
	run bash -c 'source "$1/completion/streamkit.bash"; complete -p stream-agg stream-window stream-trigger event-route' _ "$TOP"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "complete -F _streamkit stream-agg" ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "bash: stream-agg --tu completes to --tumbling" {
	complete_bash "stream-agg --tu"
	[ "$status" -eq 0 ]
	[ "$output" = "--tumbling" ]
}

@test "bash: options of event-route, and none of the window ones" {
	complete_bash "event-route --d"
	[ "$output" = "--dead-letter
--drop-when-full
--discard" ] || [ "$output" = "--dead-letter
--drop-when-full" ]
	complete_bash "event-route --tum"
	[ -z "$output" ]
}

@test "bash: an aggregation prefix, and a field after op:" {
	complete_bash "stream-agg app"
	[ "$output" = "approx-distinct
app.log" ]
	complete_bash "stream-agg st"
	[ "$output" = "stddev" ]
	# bash replaces what follows the colon, a word break
	complete_bash "stream-agg sum:p"
	[ -z "$output" ]
	complete_bash "stream-agg ev.json sum:p"
	[ "$output" = "path" ]
}

@test "bash: -i and -o complete the formats, --on-error its policies" {
	complete_bash "stream-agg -i "
	[ "$output" = "$(printf '%s\n' auto json logfmt csv tsv text combined common)" ]
	complete_bash "stream-agg -o ts"
	[ "$output" = "tsv" ]
	complete_bash "event-route --on-error "
	[ "$output" = "$(printf '%s\n' warn skip fail)" ]
	complete_bash "stream-agg --on-error=f"
	[ "$output" = "fail" ]
	complete_bash "stream-window --time-format epoch-"
	[ "$output" = "$(printf '%s\n' epoch-ms epoch-us epoch-ns)" ]
	complete_bash "stream-window --time-output l"
	[ "$output" = "local" ]
}

@test "bash: trigger function names, as an operand and for --trigger" {
	complete_bash "stream-trigger re"
	[ "$output" = "repeat" ]
	complete_bash "stream-agg --trigger a"
	[ "$output" = "$(printf '%s\n' after any all)" ]
}

@test "bash: field names from the first line of a file" {
	complete_bash "stream-agg ev.json -g "
	[ "$output" = "$(printf '%s\n' ts status path)" ]
	complete_bash "stream-agg ev.json -g status,p"
	[ "$output" = "status,path" ]
	complete_bash "stream-window app.log -t m"
	[ "$output" = "$(printf '%s\n' ms msg)" ]
	complete_bash "stream-agg t.tsv --key=b"
	[ "$output" = "bytes" ]
	complete_bash "stream-agg t.csv -g "
	[ "$output" = "$(printf '%s\n' method 'status code')" ]
}

@test "bash: files after an option that takes one" {
	complete_bash "stream-agg --rejects ap"
	[ "$output" = "app.log" ]
}

@test "bash: -o offers table in every tool, the record formats and chart in stream-agg alone" {
	complete_bash "stream-agg -o "
	[ "$output" = "$(printf '%s\n' auto json logfmt csv tsv text table chart)" ]
	complete_bash "stream-window --output-format=t"
	[ "$output" = "table" ]
	complete_bash "event-route -o t"
	[ "$output" = "table" ]
	complete_bash "stream-trigger -o "
	[ "$output" = "$(printf '%s\n' auto table)" ]
	complete_bash "stream-agg -i t"
	[ "$output" = "$(printf '%s\n' tsv text)" ]
	# and what is offered is taken; what is not, is refused
	run --separate-stderr "$STREAMKIT_BIN/stream-window" -t ts --tumbling 1m -o table ev.json
	[ "$status" -eq 0 ]
	run --separate-stderr "$STREAMKIT_BIN/event-route" -o table 'else -> -' ev.json
	[ "$status" -eq 0 ]
	run --separate-stderr "$STREAMKIT_BIN/event-route" -o chart 'else -> -' ev.json
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-o chart: not a format event-route writes"* ]]
	run --separate-stderr "$STREAMKIT_BIN/stream-window" -t ts --tumbling 1m -o chart ev.json
	[ "$status" -eq 2 ]
	run --separate-stderr "$STREAMKIT_BIN/stream-agg" -i table count ev.json
	[ "$status" -eq 2 ]
	[[ "$stderr" == *"-i 'table': unknown format"* ]]
}

# complete_zsh LINE: the matches zsh's completion offers for LINE<TAB>.
complete_zsh() {
	run timeout 20 zsh -f "$TOP/tests/complete.zsh" "$TOP" "$1"
}

@test "zsh: options, aggregations, formats and fields" {
	command -v zsh
	complete_zsh "stream-agg --tu"
	[ "$status" -eq 0 ]
	[ "$output" = "--tumbling" ]
	complete_zsh "stream-agg appr"
	[ "$output" = "approx-distinct" ]
	complete_zsh "stream-agg -i "
	[ "$output" = "$(printf '%s\n' auto json logfmt csv tsv text combined common)" ]
	complete_zsh "stream-agg -o ch"
	[ "$output" = "chart" ]
	complete_zsh "stream-agg --on-error=s"
	[ "$output" = "skip" ]
	complete_zsh "stream-agg ev.json sum:p"
	[ "$output" = "path" ]
	complete_zsh "stream-agg app.log -g level,m"
	[ "$output" = "$(printf '%s\n' ms msg)" ]
	complete_zsh "stream-trigger unt"
	[ "$output" = "until" ]
	complete_zsh "stream-window --rejects ev."
	[ "$output" = "ev.json" ]
}

@test "make install puts the completions where bash and zsh look" {
	d=$BATS_TEST_TMPDIR/root
	run make -s -C "$TOP" BUILD="${BUILD:-build}" DESTDIR="$d" PREFIX=/usr ZSHCOMPDIR=/usr/share/zsh/vendor-completions install
	[ "$status" -eq 0 ]
	for t in event-route stream-agg stream-trigger stream-window; do
		cmp "$TOP/completion/streamkit.bash" "$d/usr/share/bash-completion/completions/$t"
	done
	cmp "$TOP/completion/_streamkit" "$d/usr/share/zsh/vendor-completions/_streamkit"
	# bash-completion's loader finds it by the command's name
	run bash -c 'source /usr/share/bash-completion/bash_completion
		XDG_DATA_DIRS=$1/usr/share PATH=$STREAMKIT_BIN:$PATH
		__load_completion stream-window && complete -p stream-window' _ "$d"
	[ "$output" = "complete -F _streamkit stream-window" ]
	# and zsh's compinit by its #compdef line
	run zsh -f -c 'fpath=($1/usr/share/zsh/vendor-completions $fpath)
		autoload -U compinit && compinit -D
		print -r -- $_comps[event-route] $_comps[stream-agg]' _ "$d"
	[ "$output" = "_streamkit _streamkit" ]
	run make -s -C "$TOP" BUILD="${BUILD:-build}" DESTDIR="$d" PREFIX=/usr ZSHCOMPDIR=/usr/share/zsh/vendor-completions uninstall
	[ "$status" -eq 0 ]
	[ -z "$(find "$d/usr/share/bash-completion" "$d/usr/share/zsh" -type f)" ]
	run make -s -C "$TOP" BUILD="${BUILD:-build}" DESTDIR="$d" PREFIX=/opt/sk install
	[ -f "$d/opt/sk/share/bash-completion/completions/stream-agg" ]
	[ -f "$d/opt/sk/share/zsh/site-functions/_streamkit" ]
}
