#!/bin/sh
# drip.sh: writes one byte of a JSON document every 100 ms and never
# finishes, so only the timeout ends it.
while :; do
	printf '{'
	sleep 0.1
done
