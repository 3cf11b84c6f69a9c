# Exactly once on the consuming side, first step: a persistent session
# (-c -i) appends every message to a file; the broker keeps for it what
# comes while it is away.
mosquitto_sub -c -i alerts-store -q 1 -t alerts >> alerts.log
