#!/bin/sh
# drip-valid.sh: writes ok.json in 40-byte pieces, 100 ms apart, and exits:
# slow output that still ends well within the timeout.
dir=$(dirname "$0")
for i in 1 41 81 121 161 201 241; do
	cut -c "$i-$((i + 39))" "$dir/ok.json" | tr -d '\n'
	sleep 0.1
done
echo
