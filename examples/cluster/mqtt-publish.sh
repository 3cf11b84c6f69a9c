# On each web server: every request that failed, published to the broker
# as one message (QoS 1) by a long-lived mosquitto_pub, which is run again
# with what it had not read if it ends.  Put `tail -n 0 -F access.log |`
# in front, without the file, to publish as they come.
event-route --restart 'status >= 400 -> |mosquitto_pub -t alerts -q 1 -l' access.log
