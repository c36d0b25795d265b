# runs.sh: sourced by the credential_process fixtures that count their runs
# (faults/flaky.sh, rotate/rotate.sh).

# next_run STATE_DIR takes the next run number, stores it in
# STATE_DIR/count and sets n to it. A mkdir lock, released when the script
# exits, keeps concurrent runs from sharing a number; the count is replaced
# whole, so readers never see it half written.
next_run() {
	lock="$1/lock"
	while ! mkdir "$lock" 2>/dev/null; do
		sleep 0.01
	done
	trap 'rmdir "$lock"' EXIT

	n=0
	[ -f "$1/count" ] && n=$(cat "$1/count")
	n=$((n + 1))
	echo "$n" >"$1/count.new"
	mv "$1/count.new" "$1/count"
}

# expiration SECONDS prints the time SECONDS from now in UTC, RFC 3339,
# truncated to the second (GNU date, then BSD date).
expiration() {
	exp=$(($(date -u +%s) + $1))
	date -u -d "@$exp" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null ||
		date -u -r "$exp" +%Y-%m-%dT%H:%M:%SZ
}
