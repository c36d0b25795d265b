#!/bin/sh
# flood-stdout.sh: writes ok.json over and over, endlessly: megabytes of
# stdout full of secrets, which the output cap must stop.
exec yes "$(cat "$(dirname "$0")/ok.json")"
