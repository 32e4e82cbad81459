# The two commands a newcomer needs (see README.md):
#   make run    start consentd on the embedded store (same as go run ./server/cmd/consentd)
#   make test   install what is missing, then run every Go and JS test
#   (make test-fast: the inner loop without race detector, browsers or fuzzing)

.PHONY: run test setup vet go-test fuzz js-test test-consentd build snippet bench

run:
	go run ./server/cmd/consentd

# The jobs of `make test` run side by side (make -j), started longest first:
# the Go tests under the race detector and the browser suites mostly wait
# (on Redis, failovers, fsync, page loads), the checks and the fuzzing keep
# the cores busy meanwhile. At the end, where the time went.
TIMES := $(CURDIR)/bin/test-times
export SAMTYKKE_TEST_TIMES := $(TIMES)
TIMED := ./scripts/timed.sh
# How many jobs run at once; the browser suites also run their files side
# by side (see the test:e2e scripts in snippet/ and dashboard/). With 3 or 4
# on 2 cores the load stayed near 30 and browser suites' waits ran out.
# --keep-going: one failing job does not stop the others, so the closing
# table is always whole.
TEST_JOBS ?= 2

test:
	@mkdir -p bin && rm -f $(TIMES)
	@start=$$(date +%s); status=0; \
	$(MAKE) --no-print-directory setup test-consentd && \
	$(MAKE) --no-print-directory -j$(TEST_JOBS) --keep-going --output-sync=target test-jobs CONSENTD_BUILT=1 || status=$$?; \
	echo; echo "make test: where the time went (jobs ran side by side, $(TEST_JOBS) at a time, on $$(nproc) cores)"; cat $(TIMES); \
	echo "make test: $$(( $$(date +%s) - start )) s in all"; exit $$status

# The inner loop: no race detector, no browsers, no fuzzing: types and unit
# tests of every JS workspace. CI runs `make test`.
test-fast:
	go vet ./...
	go test -short -count=1 ./...
	npm run typecheck && npm run test:unit

.PHONY: test-jobs test-fast go-test snippet-e2e dashboard-e2e staticcheck js-checks
test-jobs: go-test snippet-e2e dashboard-e2e staticcheck vet fuzz js-checks

setup:
	$(TIMED) setup ./scripts/setup.sh

# go vet, then gofmt (fails listing the unformatted files).
vet:
	$(TIMED) "go vet" go vet ./...
	$(TIMED) "gofmt" sh -c 'out=$$(gofmt -l $$(git ls-files -co --exclude-standard "*.go")); [ -z "$$out" ] || { echo "gofmt: run gofmt -w on:"; echo "$$out"; exit 1; }'

# staticcheck, pinned as a tool in go.mod so every machine gets the same
# findings. Its cache is $$XDG_CACHE_HOME/staticcheck (~/.cache by default):
# keep it between CI runs and a second run takes seconds.
staticcheck:
	$(TIMED) "staticcheck" go tool staticcheck ./...

# Tests wait on Redis, failovers and fsync more than on the CPU, so more of
# a package's parallel tests run at once than there are cores. -vet=off:
# the vet job runs every vet check (go test's own run is a subset of them).
go-test:
	$(TIMED) "go test -race" go test -race -vet=off -count=1 -parallel 4 ./...

# Every fuzz target briefly (FUZZTIME=1m make fuzz for longer).
fuzz:
	$(TIMED) "fuzz targets" ./scripts/fuzz.sh

# One consentd binary, with the banner as it is in snippet/dist, for every
# browser suite (each would otherwise build its own). `make test` builds it
# before the jobs start: make -j, waiting on a shared prerequisite, would hand
# the free slots to the jobs listed after the browser suites.
TEST_CONSENTD := $(CURDIR)/bin/consentd-test
test-consentd:
	$(TIMED) "build consentd" go build -o $(TEST_CONSENTD) ./server/cmd/consentd
E2E_NEEDS := $(if $(CONSENTD_BUILT),,test-consentd)

# The JavaScript is one npm workspace (package.json): snippet/, dashboard/,
# gtm/ (the GTM template's tests) and testkit/, their shared e2e harness.
snippet-e2e: $(E2E_NEEDS)
	SAMTYKKE_TEST_CONSENTD=$(TEST_CONSENTD) $(TIMED) "banner: e2e (3 engines)" npm run test:e2e -w snippet
dashboard-e2e: $(E2E_NEEDS)
	SAMTYKKE_TEST_CONSENTD=$(TEST_CONSENTD) $(TIMED) "dashboard: e2e" npm run test:e2e -w dashboard

# Types and unit tests of every workspace, the GTM template's tests, then
# format and lint, last so that a misplaced space does not hide a failing
# test.
js-checks:
	$(TIMED) "JS: types, unit tests, GTM template" sh -c 'npm run typecheck && npm run test:unit'
	$(TIMED) "TypeScript: format and lint (biome ci)" npm run lint

# Kept for the habit: every JS test, as `make test` runs them.
js-test: snippet-e2e dashboard-e2e js-checks

# Rebuild snippet/dist/ (samtykke.js, samtykke-ui.js) after changing snippet/src (commit the result).
snippet: setup
	npm run build -w snippet

build:
	go build -o bin/consentd ./server/cmd/consentd

bench:
	go test -run '^$$' -bench . -benchmem ./server/...
