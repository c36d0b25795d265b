#!/usr/bin/env bash
# Runs the whole test suite against the newest releases the Go module proxy
# serves of every github.com/aws/... module in go.mod's require list
# (direct and indirect: the SDK, config, credentials, the service clients,
# smithy-go and the SDK's internal modules), so that an SDK upgrade that
# breaks the module shows up before go.mod moves to it.
#
# It works in a temporary copy of the tracked files, so the checkout, its
# go.mod and go.sum are untouched; it prints each module's version before
# and after, then runs go mod tidy, go build and go test (without -short,
# as make test does; without -race, to keep it quick). It exits non-zero if
# any step fails. GOTOOLCHAIN defaults to local: a release that needs a
# newer Go fails here instead of fetching another toolchain.
#
# Usage: tools/compat/run.sh [go test flags]   (default: -count=1 -shuffle=on)
set -euo pipefail
cd "$(dirname "$0")/../.."
go=${GO:-go}
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}
flags=("$@")
[ ${#flags[@]} -gt 0 ] || flags=(-count=1 -shuffle=on)

work=$(mktemp -d "${TMPDIR:-/tmp}/credprocess-compat.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$work"
cd "$work"

# The require list, both blocks and single lines.
mapfile -t mods < <(awk '
	/^require \($/ { block = 1; next }
	block && /^\)/ { block = 0; next }
	block && $1 ~ /^github\.com\/aws\// { print $1 }
	/^require github\.com\/aws\// { print $2 }
' go.mod)
if [ ${#mods[@]} -eq 0 ]; then
	echo "compat: no github.com/aws/... module in go.mod" >&2
	exit 1
fi

versions() { "$go" list -m -e -f '{{.Path}} {{with .Version}}{{.}}{{else}}(not required){{end}}' "${mods[@]}"; }
before=$(versions)
gomod=$(cat go.mod)
latest=()
for m in "${mods[@]}"; do latest+=("$m@latest"); done
echo "compat: go get ${#mods[@]} modules @latest in $work"
"$go" get "${latest[@]}"
"$go" mod tidy
after=$(versions)

echo "compat: versions (go.mod -> tested):"
join <(sort <<<"$before") <(sort <<<"$after") | while read -r path old new; do
	if [ "$old" = "$new" ]; then
		printf '  %s %s (newest)\n' "$path" "$old"
	else
		printf '  %s %s -> %s\n' "$path" "$old" "$new"
	fi
done
# The new releases may need newer versions of other modules, or a newer go
# line.
others=$(diff <(cat <<<"$gomod") go.mod | grep '^[<>]' | grep -v 'github\.com/aws/' || true)
if [ -n "$others" ]; then
	echo "compat: other go.mod lines that moved (< go.mod, > tested):"
	sed 's/^/  /' <<<"$others"
fi

"$go" build ./...
echo "compat: go test ${flags[*]} ./..."
if ! "$go" test "${flags[@]}" ./...; then
	echo "compat: FAIL against the versions above" >&2
	exit 1
fi
echo "compat: PASS against the versions above"
