#!/usr/bin/env bash
# Builds the test binaries of the given packages for Windows and runs them
# under Wine. Debian's Wine 8.0 lacks bcryptprimitives.dll, without which no
# Go 1.24+ program starts, so a shim exporting its one function the Go
# runtime needs (ProcessPrng) is built from bcryptprimitives.c into a fresh
# Wine prefix first. Needs wine64 and x86_64-w64-mingw32-gcc.
set -euo pipefail
# Debian installs the loader as /usr/lib/wine/wine64 and wine-stable, not
# always as wine64 on PATH.
wine=${WINE:-$(command -v wine64 || command -v wine-stable || echo /usr/lib/wine/wine64)}
wineserver=${WINESERVER:-$(command -v wineserver || command -v wineserver-stable || echo /usr/lib/wine/wineserver)}
cd "$(dirname "$0")/../.."
if [ -n "${WINE_OUT:-}" ]; then
	out=$WINE_OUT
	mkdir -p "$out"
else
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
fi
export WINEPREFIX=${WINEPREFIX:-$out/prefix} WINEDEBUG=-all WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}

x86_64-w64-mingw32-gcc -shared -o "$out/bcryptprimitives.dll" \
	tools/wine/bcryptprimitives.c tools/wine/bcryptprimitives.def -lbcrypt
if [ ! -d "$WINEPREFIX/drive_c/windows/system32" ]; then
	"$wine" wineboot --init >/dev/null 2>&1
	"$wineserver" -w
fi
cp "$out/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"

status=0
for arg in "$@"; do
	# PKG:REGEXP runs only the tests of PKG that REGEXP matches (-test.run).
	pkg=${arg%%:*} run=
	[ "$pkg" = "$arg" ] || run=${arg#*:}
	# The root package is ".": its binary is root.test.exe, since cmd.exe
	# reads a name that starts with ".." as a parent directory.
	name=$(echo "$pkg" | tr / _)
	[ "$pkg" != . ] || name=root
	bin="$out/$name.test.exe"
	GOOS=windows GOARCH=amd64 go test -c -o "$bin" "./$pkg"
	echo "== $pkg (windows/amd64 under $("$wine" --version))"
	# -test.timeout bounds a hung Wine; the package's own tests bound their runs.
	for attempt in 1 2; do
		rc=0
		(cd "$pkg" && "$wine" "$bin" -test.v -test.count=1 -test.timeout=10m ${run:+-test.run="$run"}) >"$out/log" 2>&1 || rc=$?
		# Wine under load now and then fails to start a program at all: a
		# binary that failed without printing a line never ran a test, and
		# gets one more try. A test that ran and failed does not.
		if [ $rc = 0 ] || [ -s "$out/log" ] || [ $attempt = 2 ]; then break; fi
		echo "   (the binary exited $rc without output: Wine did not start it; once more)"
	done
	# Verbose output is kept for a failure; otherwise the verdicts suffice.
	if [ $rc = 0 ]; then
		grep -E '^(--- |ok|PASS|FAIL)' "$out/log" || true
	else
		cat "$out/log"
		echo "== $pkg: exit status $rc"
		status=1
	fi
done
"$wineserver" -k 2>/dev/null || true
exit $status
