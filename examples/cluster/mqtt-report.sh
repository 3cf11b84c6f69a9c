# Second step, every five minutes from cron: what is new in the file,
# counted per minute; each minute is written to the report once, even
# when a run is killed, since the next run cuts the report back to what
# the state knew.
stream-agg --state alerts.state -O alerts-per-minute.log \
    -t time --tumbling 1m --max-delay 1m -g status count alerts.log
