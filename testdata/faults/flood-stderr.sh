#!/bin/sh
# flood-stderr.sh STATUS: writes 64 MiB to stderr between a first and a last
# line, then prints ok.json and exits 0 if STATUS is 0, or exits STATUS.
echo "FLOOD START" >&2
head -c 67108864 /dev/zero | tr '\0' e >&2
echo "" >&2
echo "FLOOD END" >&2
[ "$1" = 0 ] || exit "$1"
cat "$(dirname "$0")/ok.json"
