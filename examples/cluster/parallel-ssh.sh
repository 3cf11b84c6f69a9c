# The same partial runs on other machines over ssh, two at a time on
# each: each shard is copied there, its state copied back, and both are
# removed there.  The merge runs here.
split -n l/4 -d -a 1 access.log shard.
parallel -S 2/127.0.0.1 --transferfile {} --return state.{#} --cleanup \
    'stream-agg --partial --part {#} -t time --tumbling 1m --max-delay 1m -g status count p99:bytes distinct:host {} > state.{#}' \
    ::: shard.?
cat state.? | stream-agg --merge --sort -g status count p99:bytes distinct:host
