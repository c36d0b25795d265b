#!/bin/sh
# flaky.sh STATE_DIR: a credential_process that fails while STATE_DIR/fail
# exists and otherwise hands out a new key on every run.
#
# Every run takes the next number N (STATE_DIR/count holds the last; a mkdir
# lock keeps concurrent runs apart). A failing run writes "broker
# unavailable" to stderr, waits 20 ms and exits 1. A good run prints
# AccessKeyId AKIDFLAKY%05d (N), the test secret, session token
# <test token>-N and an Expiration STATE_DIR/life seconds ahead (default
# 3600), truncated to the second, and appends "N EXPIRATION" to
# STATE_DIR/keys.
set -eu
. "$(dirname "$0")/../lib/runs.sh"

state=$1
next_run "$state"

if [ -e "$state/fail" ]; then
	echo "flaky.sh: broker unavailable (run $n)" >&2
	sleep 0.02
	exit 1
fi

life=3600
[ -f "$state/life" ] && life=$(cat "$state/life")
expiration=$(expiration "$life")
echo "$n $expiration" >>"$state/keys"

printf '{"Version":1,"AccessKeyId":"AKIDFLAKY%05d","SecretAccessKey":"%s","SessionToken":"%s-%d","Expiration":"%s"}\n' \
	"$n" "fAuLtSeCrEtKeY/9876543210zyxwvutsrqponmlk" \
	"fAuLtSeSsIoNtOkEn+BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB==" "$n" "$expiration"
