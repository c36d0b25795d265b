#!/bin/sh
# echo-at.sh STATE AT TOTAL STDOUT STDERR: a producer that echoes its
# secrets to stderr at a chosen offset.
#
# The first run with a STATE directory prints ok.json and exits 0; every
# later run, and every run with STATE "-", fails: it writes AT bytes of
# padding to stderr, then the document's secret values, then padding up to
# TOTAL bytes, prints the document on stdout and exits 1. STDOUT and STDERR
# say how each stream writes the secrets: plain, slashes (escaped as PHP
# escapes them, \/), gson (= as \u003d), env (export
# AWS_SECRET_ACCESS_KEY=... lines, on stderr only) or none (nothing, on
# stdout only).
set -eu
dir=$(dirname "$0")
state=$1 at=$2 total=$3

if [ "$state" != - ] && [ ! -e "$state/ran" ]; then
	: >"$state/ran"
	cat "$dir/ok.json"
	exit 0
fi

# doc FORM prints ok.json with its secrets written as FORM says.
doc() {
	case $1 in
	slashes) sed 's|/|\\/|g' "$dir/ok.json" ;;
	gson) sed 's|=|\\u003d|g' "$dir/ok.json" ;;
	none) ;;
	*) cat "$dir/ok.json" ;;
	esac
}
# secrets FORM prints the document's secret values, unlabelled, or the env
# lines.
secrets() {
	case $1 in
	env) sed 's|.*"SecretAccessKey":"\([^"]*\)","SessionToken":"\([^"]*\)".*|export AWS_SECRET_ACCESS_KEY=\1\
export AWS_SESSION_TOKEN=\2|' "$dir/ok.json" ;;
	*) doc "$1" | sed 's|.*"SecretAccessKey":"\([^"]*\)","SessionToken":"\([^"]*\)".*|debug: \1 \2|' ;;
	esac
}
pad() { head -c "$1" /dev/zero | tr '\0' .; }

text=$(secrets "$5")
rest=$((total - at - ${#text}))
[ "$rest" -gt 0 ] || rest=0
{
	pad "$at"
	printf '%s' "$text"
	pad "$rest"
} >&2
doc "$4"
exit 1
