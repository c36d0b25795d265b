# The checks CI runs; see .ci/run.
GO ?= go
# staticcheck comes from the module proxy at a pinned version (2026.2.2,
# which knows Go 1.26); it is not a dependency of the module.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
# How many inputs each Fuzz target tries in the smoke run (a few seconds
# each). A count, not a duration: with a duration, Go 1.26's fuzz
# coordinator can report "context deadline exceeded" as a failure when the
# time runs out under load (go.dev/issue/75804, fixed in Go 1.27).
FUZZTIME ?= 200000x

.PHONY: test check staticcheck race fuzz demo bench windows example-otel compat

## test: formatting, a tidy module, vet (Linux and Windows), staticcheck, the race-enabled
## test suite, a short run of each Fuzz target, the Windows test binaries under Wine,
## and the demo
test: check staticcheck race fuzz windows demo example-otel

# The packages whose Windows test binaries run under Wine, each whole.
# There is no skip list: a test that cannot run on Windows skips itself,
# saying why. internal/terminal has no tests on Windows (it lends the
# terminal on Linux and macOS only).
WINDOWS_PKGS ?= strategy provider middleware cmd/credprocess
WINDOWS_PKGS += internal/awstest internal/capped internal/execjson internal/fleetsim \
	internal/profiles internal/redact internal/scrub internal/served internal/shared \
	internal/shellword internal/stdin internal/tee .

## windows: the Windows test binaries under Wine (tools/wine/run.sh); skipped with a
## message when Wine or MinGW is missing, unless REQUIRE_WINE=1 (as .ci/run sets)
windows:
	@if ! command -v x86_64-w64-mingw32-gcc >/dev/null || ! { command -v wine64 || command -v wine-stable || test -x /usr/lib/wine/wine64; } >/dev/null; then \
		if [ "$(REQUIRE_WINE)" = 1 ]; then echo "windows: wine64 and x86_64-w64-mingw32-gcc are required"; exit 1; fi; \
		echo "windows: SKIPPED: wine64 or x86_64-w64-mingw32-gcc is not installed (.ci/run installs them)"; \
	else \
		tools/wine/run.sh $(WINDOWS_PKGS); \
	fi

## demo: the main job end to end on a bundled producer and a local endpoint;
## exits non-zero if any step misbehaves
demo:
	$(GO) run ./examples/demo

## example-otel: the OpenTelemetry example, a module of its own (it depends on
## smithy-go's OpenTelemetry adapters, which the library does not)
example-otel:
	cd examples/otel && $(GO) vet ./... && $(GO) run .

## bench: every figure in BENCHMARKS.md (about 10 minutes; not part of test)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 -timeout 30m . ./middleware ./provider
	$(GO) run ./tools/fleetplot -out docs/refresh-histogram.svg

## compat: the whole suite against the newest releases the module proxy serves of
## every github.com/aws/... module in go.mod, in a temporary copy (tools/compat/run.sh);
## run it before upgrading the SDK; not part of test
compat:
	GO=$(GO) tools/compat/run.sh

check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:" $$unformatted; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

race:
	REQUIRE_BOTOCORE=$(REQUIRE_BOTOCORE) $(GO) test -race -shuffle=on -count=1 ./...

fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./internal/execjson
	$(GO) test -run='^$$' -fuzz='^FuzzParseExpiration$$' -fuzztime=$(FUZZTIME) ./internal/execjson
	$(GO) test -run='^$$' -fuzz='^FuzzShProgram$$' -fuzztime=$(FUZZTIME) ./internal/shellword
	$(GO) test -run='^$$' -fuzz='^FuzzExcerptLabels$$' -fuzztime=$(FUZZTIME) ./internal/scrub
