# Anywhere: the failures of every server, counted per minute and status
# by their own time (they come from several servers, so up to a minute
# out of order), each minute with three or more sent on as a page and
# the others kept in a file.
mosquitto_sub -t alerts -q 1 |
    stream-agg -t time --tumbling 1m --max-delay 1m -g status count |
    event-route 'count >= 3 -> |mosquitto_pub -t pages -q 1 -l' 'else -> >>quiet-minutes.log'
