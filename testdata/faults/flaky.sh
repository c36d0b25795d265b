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

state=$1
lock="$state/lock"
while ! mkdir "$lock" 2>/dev/null; do
	sleep 0.01
done
trap 'rmdir "$lock"' EXIT

n=0
[ -f "$state/count" ] && n=$(cat "$state/count")
n=$((n + 1))
echo "$n" >"$state/count.new"
mv "$state/count.new" "$state/count" # readers never see it half written

if [ -e "$state/fail" ]; then
	echo "flaky.sh: broker unavailable (run $n)" >&2
	sleep 0.02
	exit 1
fi

life=3600
[ -f "$state/life" ] && life=$(cat "$state/life")
exp=$(($(date -u +%s) + life))
expiration=$(date -u -d "@$exp" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null ||
	date -u -r "$exp" +%Y-%m-%dT%H:%M:%SZ)
echo "$n $expiration" >>"$state/keys"

printf '{"Version":1,"AccessKeyId":"AKIDFLAKY%05d","SecretAccessKey":"%s","SessionToken":"%s-%d","Expiration":"%s"}\n' \
	"$n" "fAuLtSeCrEtKeY/9876543210zyxwvutsrqponmlk" \
	"fAuLtSeSsIoNtOkEn+BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB==" "$n" "$expiration"
