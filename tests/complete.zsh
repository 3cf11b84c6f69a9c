# zsh -f tests/complete.zsh TOP LINE: the matches zsh's completion, in an
# interactive zsh on a pty with compinit, finds for LINE<TAB>, one a line.
# compadd is wrapped to write down what the builtin matched (-O).
zmodload zsh/zpty || exit 2
top=$1 line=$2 out=$PWD/zsh-matches
: > $out
zpty z zsh -f -i
zpty -w z "fpath=($top/completion \$fpath); path=($STREAMKIT_BIN \$path)"
zpty -w z 'autoload -U compinit; compinit -D -u'
zpty -w z "compadd() { local -a m; builtin compadd -O m \"\$@\";" \
    "print -rl -- \$m >> ${(q)out}; builtin compadd \"\$@\"; }"
# ^X completes as TAB does, then says so: what is typed while
# completion runs would cut it short
zpty -w z 'tab() { zle complete-word; zle -M "COMPLETED-$((6 * 7))"; }'
zpty -w z 'zle -N tab; bindkey "^X" tab'
# zle drops what is typed before its line is ready: wait for it
zpty -w z 'print -r -- READY-$((6 * 7))'
zpty -r z l '*READY-42*'
zpty -w -n z "$line"$'\x18'
zpty -r z l '*COMPLETED-42*'
zpty -d z
# once each: _files asks compadd more than once
matches=("${(@f)$(<$out)}")
print -rl -- ${(u)matches}
