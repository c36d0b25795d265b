#!/bin/sh
# rotate.sh: a credential_process that hands out a new key on every run.
#
# Usage: rotate.sh STATE_DIR [same]
#
# Run N prints AccessKeyId AKIDROTATE%04d (N), SecretAccessKey secretN,
# SessionToken tokenN and an Expiration one hour ahead. With "same" as the
# second argument (or ROTATE_SAME=1) every run prints the run-1 key, as a
# helper that caches its own output would. STATE_DIR/count holds the number
# of runs so far; a mkdir lock keeps concurrent runs from sharing a number.
set -eu
. "$(dirname "$0")/../lib/runs.sh"

state=${1:-${ROTATE_STATE:-}}
if [ -z "$state" ]; then
	echo "rotate.sh: no state directory" >&2
	exit 2
fi
same=${2:-}
[ "${ROTATE_SAME:-}" = 1 ] && same=same

mkdir -p "$state"
next_run "$state"

k=$n
[ "$same" = same ] && k=1

expiration=$(expiration 3600)

printf '{"Version":1,"AccessKeyId":"AKIDROTATE%04d","SecretAccessKey":"secret%d","SessionToken":"token%d","Expiration":"%s"}\n' \
	"$k" "$k" "$k" "$expiration"
