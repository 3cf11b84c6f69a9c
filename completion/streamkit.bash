# bash completion for the streamkit tools: event-route, stream-agg,
# stream-trigger, stream-window.
#
# The options, and the names their arguments take (formats, --on-error
# policies, time formats, trigger functions, aggregations), come from the
# tool being completed: its hidden --list-options prints the getopt_long
# table it parses with and the parsers' own name tables, so this file
# cannot drift from the tools.  Field names (-g, -t, --key, op:FIELD)
# are read from the first line of the first file named on the command
# line, when it is JSON, logfmt, CSV or TSV.

declare -gA _streamkit_listing

# The --list-options lines of tool $1, run once per tool and shell.
_streamkit_listing() {
	local tool=$1
	if [[ -z ${_streamkit_listing[$tool]+set} ]]; then
		_streamkit_listing[$tool]=$("$tool" --list-options 2>/dev/null)
	fi
	printf '%s\n' "${_streamkit_listing[$tool]}"
}

# The kind of argument option $2 of tool $1 takes: "-" for none, "" when
# it is no option of the tool.
_streamkit_values_of() {
	local kind opt long short
	while IFS=" " read -r kind long short opt; do
		if [[ $kind == option && ( $2 == "$long" || $2 == "$short" ) ]]; then
			printf '%s\n' "$opt"
			return
		fi
	done < <(_streamkit_listing "$1")
}

# The names of value list $2 of tool $1.
_streamkit_names() {
	local kind list name
	while IFS=" " read -r kind list name; do
		[[ $kind == value && $list == "$2" ]] && printf '%s\n' "$name"
	done < <(_streamkit_listing "$1")
}

# The field names of the first line of file $1: JSON keys, logfmt keys,
# or a TSV or CSV header.
_streamkit_fields() {
	local line
	IFS= read -r line < "$1" 2>/dev/null || [[ -n $line ]] || return
	line=${line%$'\r'}
	case $line in
	'{'*)	grep -oE '"[^"\\]*"[[:space:]]*:' <<<"$line" |
		    sed -E 's/^"//; s/"[[:space:]]*:$//' ;;
	*$'\t'*) tr '\t' '\n' <<<"$line" ;;
	*=*)	grep -oE '(^|[[:space:]])[A-Za-z0-9_.@/-]+=' <<<"$line" |
		    sed -E 's/^[[:space:]]*//; s/=$//' ;;
	*,*)	tr ',' '\n' <<<"$line" | sed -E 's/^"(.*)"$/\1/' ;;
	esac
}

# The field names of the first existing file among words $2..
_streamkit_file_fields() {
	local w
	shift
	for w in "$@"; do
		if [[ $w != -* && -f $w && -r $w ]]; then
			_streamkit_fields "$w"
			return
		fi
	done
}

# Candidates for the argument $cur of an option taking values $1.
_streamkit_argument() {
	local values=$1 prefix IFS=$'\n'	# names may hold blanks
	case $values in
	file)	compgen -f -- "$cur" ;;
	field)	compgen -W "$(_streamkit_file_fields "${all[@]}")" -- "$cur" ;;
	fields)	# a comma-separated list: complete its last name
		prefix=
		[[ $cur == *,* ]] && prefix=${cur%,*},
		compgen -P "$prefix" -W "$(_streamkit_file_fields "${all[@]}")" \
		    -- "${cur##*,}" ;;
	-|arg|'') ;;
	*)	compgen -W "$(_streamkit_names "$tool" "$values")" -- "$cur" ;;
	esac
}

# Candidates for the operand $cur: aggregations (op, then op:FIELD) for
# stream-agg, trigger functions for stream-trigger, and files.
_streamkit_operand() {
	local op IFS=$'\n' 
	case ${tool##*/} in
	stream-agg)
		if [[ $cur == *:* ]]; then
			op=${cur%:*}
			compgen -P "$op:" -W "$(_streamkit_file_fields "${all[@]}")" \
			    -- "${cur##*:}"
			return
		fi
		compgen -W "$(_streamkit_names "$tool" aggregation)" -- "$cur" ;;
	stream-trigger)
		compgen -W "$(_streamkit_names "$tool" trigger)" -- "$cur" ;;
	esac
	compgen -f -- "$cur"
}

_streamkit() {
	local line=${COMP_LINE:0:COMP_POINT} cur prev tool values
	local -a words all candidates
	# Words split at blanks only: "sum:bytes" and "--tz=UTC" stay whole
	# whatever COMP_WORDBREAKS says, and are trimmed back below.
	read -r -a words <<<"$line"
	if [[ $line == *[[:space:]] ]]; then
		words+=("")
	fi
	read -r -a all <<<"$COMP_LINE"	# for the files named after cur
	tool=${words[0]}
	cur=${words[${#words[@]} - 1]}
	prev=
	(( ${#words[@]} > 1 )) && prev=${words[${#words[@]} - 2]}

	if [[ $cur == --*=* ]]; then
		values=$(_streamkit_values_of "$tool" "${cur%%=*}")
		mapfile -t candidates < <(cur=${cur#*=}; _streamkit_argument "$values")
		candidates=("${candidates[@]/#/${cur%%=*}=}")
	elif [[ $prev == -* ]] &&
	    values=$(_streamkit_values_of "$tool" "$prev") &&
	    [[ -n $values && $values != - ]]; then
		mapfile -t candidates < <(_streamkit_argument "$values")
	elif [[ $cur == --* ]]; then
		mapfile -t candidates < <(compgen -W "$(_streamkit_listing "$tool" |
		    awk '$1 == "option" && $2 != "--list-options" { print $2 }')" -- "$cur")
	elif [[ $cur == -* ]]; then
		mapfile -t candidates < <(compgen -W "$(_streamkit_listing "$tool" |
		    awk '$1 == "option" && $2 != "--list-options" { print $2;
		        if ($3 != "-") print $3 }')" -- "$cur")
	else
		mapfile -t candidates < <(_streamkit_operand)
	fi
	# bash splits the word being completed at COMP_WORDBREAKS (: and =):
	# the reply replaces only the part after the last of them.
	local trim=${cur%"${cur##*[:=]}"}
	if [[ -n $trim && $COMP_WORDBREAKS == *"${trim: -1}"* ]]; then
		candidates=("${candidates[@]#"$trim"}")
	fi
	COMPREPLY=("${candidates[@]}")
}

complete -F _streamkit event-route stream-agg stream-trigger stream-window
