# The checks CI runs; see .ci/run.
GO ?= go

.PHONY: test check vet race

## test: formatting, vet (Linux and Windows) and the race-enabled test suite
test: check race

check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:" $$unformatted; exit 1; fi
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...

race:
	$(GO) test -race -shuffle=on -count=1 ./...
