#!/usr/bin/env bats
# Every example in the README runs: in each ```console block, a line
# "$ CMD" is run beside a copy of examples/access.log, with the tools on
# PATH, and the lines after it, up to the next "$ " or the end of the
# block, are its exact stdout.

load helper

# Print the examples as records: command, NUL, expected output, NUL.
examples() {
	awk '
	/^```console$/ { inblock = 1; next }
	/^```$/ && inblock { if (cmd != "") printf "%s%c%s%c", cmd, 0, out, 0
		inblock = 0; cmd = ""; out = ""; next }
	!inblock { next }
	/^\$ / { if (cmd != "") printf "%s%c%s%c", cmd, 0, out, 0
		cmd = substr($0, 3); out = ""; next }
	{ out = out (out == "" ? "" : "\n") $0 }
	' "$TOP/README.md"
}

@test "README examples print what the README says" {
	local n=0 bad=0 cmd want got
	cp "$EXAMPLES/access.log" "$BATS_TEST_TMPDIR/"	# what they read, away from the tree
	while IFS= read -r -d '' cmd && IFS= read -r -d '' want; do
		n=$((n + 1))
		got=$(cd "$BATS_TEST_TMPDIR" && PATH=$STREAMKIT_BIN:$PATH bash -c "$cmd" 2>/dev/null || true)
		if [ "$got" != "$want" ]; then
			bad=$((bad + 1))
			printf 'README example %d: %s\n--- want\n%s\n--- got\n%s\n' \
			    "$n" "$cmd" "$want" "$got" >&2
		fi
	done < <(examples)
	[ "$n" -ge 3 ]
	[ "$bad" -eq 0 ]
}

@test "README shows each recipe of examples/cluster as it is (make check-cluster runs them)" {
	local f n=0
	for f in "$EXAMPLES"/cluster/*; do
		n=$((n + 1))
		diff <(recipe "cluster/${f##*/}") "$f" ||
		    { echo "README's cluster/${f##*/} is not examples/cluster/${f##*/}" >&2; false; }
	done
	[ "$n" -ge 6 ]
	# and no recipe in the README names a file that is not there
	grep -o '<!-- recipe: cluster/[^ ]* -->' "$TOP/README.md" | sed 's/.*cluster\/\(.*\) -->/\1/' |
	    while read -r f; do [ -f "$EXAMPLES/cluster/$f" ] || { echo "no examples/cluster/$f" >&2; exit 1; }; done
}
