# The same, a command per event: an event is delivered when the broker
# has acknowledged it; one it never did, after three more tries, is kept
# in unsent.log (publish that file the same way later), and --stats
# counts both.  --grace: the time the last tries get after the input ends.
event-route -P 2 --retry 3 --dead-letter unsent.log --grace 1m --stats \
    'status >= 400 -> !mosquitto_pub -t alerts -q 1 -m "$(cat)"' access.log
