#!/bin/sh
# background-child.sh: prints ok.json and exits 0, leaving a background
# child that holds stdout open for a minute.
sleep 60 &
cat "$(dirname "$0")/ok.json"
