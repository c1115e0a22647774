# make check runs every check CI runs; each step is also a target of its
# own (make lint, make vuln, ...). The tools are pinned in scripts/tools.sh
# and installed on first use from the Go module proxy.
#
# A Makefile rather than a lone script: `make check` is what contributors
# expect to type, single steps come for free as targets, and make stops at
# the first failing step. The steps that need more than a line
# (tool installs, govulncheck's database, the test summary) live in
# scripts/ so that they can be read and run on their own.

GO ?= go
# The packages with concurrency, for the race detector (a full -race run
# does not fit the CI time on two cores).
RACE_PKGS := ./internal/authcache/... ./internal/throttle/... ./internal/authorizer/... \
	./internal/gateway/... ./internal/function/... ./internal/cognito/... ./internal/testenv/...

.PHONY: check fmt vet staticcheck lint tidy vuln test race tools

# test runs last so that its summary of skipped tests closes the output.
check: fmt vet staticcheck lint tidy vuln race test

fmt:
	@echo "--- gofmt"
	@out=$$(gofmt -l cmd internal bench); if [ -n "$$out" ]; then echo "gofmt would rewrite:"; echo "$$out"; exit 1; fi

vet:
	@echo "--- go vet"
	$(GO) vet ./...

staticcheck:
	@echo "--- staticcheck"
	"$$(scripts/tools.sh staticcheck)" ./...

lint:
	@echo "--- golangci-lint"
	"$$(scripts/tools.sh golangci-lint)" run ./...

tidy:
	@echo "--- go mod tidy -diff"
	$(GO) mod tidy -diff

vuln:
	@echo "--- govulncheck"
	scripts/vulncheck.sh

test:
	@echo "--- go test -shuffle=on"
	scripts/test.sh

race:
	@echo "--- go test -race (the packages with concurrency)"
	$(GO) test -race $(RACE_PKGS)

tools:
	@for t in staticcheck golangci-lint govulncheck gotestsum indexdb; do scripts/tools.sh $$t; done
