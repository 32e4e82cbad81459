# The two commands a newcomer needs (see README.md):
#   make run    start consentd on the embedded store (same as go run ./server/cmd/consentd)
#   make test   install what is missing, then run every Go and JS test
#   (make test-fast: the inner loop without race detector, browsers or fuzzing)

.PHONY: run test setup vet go-test fuzz js-test test-consentd build snippet bench

run:
	go run ./server/cmd/consentd

# Go and the browsers run side by side: the Go tests mostly wait on Redis
# and fsync, the browser suites on page loads. At the end, where the time went.
TIMES := $(CURDIR)/bin/test-times
export SAMTYKKE_TEST_TIMES := $(TIMES)
TIMED := ./scripts/timed.sh

test:
	@mkdir -p bin && rm -f $(TIMES)
	@start=$$(date +%s); status=0; \
	$(MAKE) --no-print-directory setup && \
	$(MAKE) --no-print-directory -j2 --output-sync=target go-side js-test || status=$$?; \
	echo; echo "make test: where the time went (the two sides ran side by side)"; cat $(TIMES); \
	echo "make test: $$(( $$(date +%s) - start )) s in all"; exit $$status

# The inner loop: no race detector, no browsers, no fuzzing: types and unit
# tests of every JS workspace. CI runs `make test`.
test-fast:
	go vet ./...
	go test -short -count=1 ./...
	npm run typecheck && npm run test:unit

.PHONY: go-side test-fast
go-side:
	$(MAKE) --no-print-directory -j1 vet go-test fuzz

setup:
	$(TIMED) setup ./scripts/setup.sh

# go vet, then gofmt (fails listing the unformatted files) and staticcheck,
# pinned as a tool in go.mod so every machine gets the same findings.
vet:
	$(TIMED) "go vet" go vet ./...
	$(TIMED) "gofmt" sh -c 'out=$$(gofmt -l $$(git ls-files -co --exclude-standard "*.go")); [ -z "$$out" ] || { echo "gofmt: run gofmt -w on:"; echo "$$out"; exit 1; }'
	$(TIMED) "staticcheck" go tool staticcheck ./...

go-test:
	$(TIMED) "go test -race" go test -race -count=1 ./...

# Every fuzz target briefly (FUZZTIME=1m make fuzz for longer).
fuzz:
	$(TIMED) "fuzz targets" ./scripts/fuzz.sh

# One consentd binary, with the banner as it is in snippet/dist, for every
# browser suite (each would otherwise build its own).
TEST_CONSENTD := $(CURDIR)/bin/consentd-test
test-consentd:
	$(TIMED) "build consentd" go build -o $(TEST_CONSENTD) ./server/cmd/consentd

# The JavaScript is one npm workspace (package.json): snippet/, dashboard/,
# gtm/ (the GTM template's tests) and testkit/, their shared e2e harness.
# Format and lint go last, so that a misplaced space does not hide a failing
# test.
js-test: test-consentd
	SAMTYKKE_TEST_CONSENTD=$(TEST_CONSENTD) $(TIMED) "banner: types, unit, e2e (3 engines)" npm test -w snippet
	SAMTYKKE_TEST_CONSENTD=$(TEST_CONSENTD) $(TIMED) "dashboard: types, unit, e2e" npm test -w dashboard
	$(TIMED) "GTM template: sections, sandbox, permissions, tests" npm test -w gtm
	$(TIMED) "TypeScript: format and lint (biome ci)" npm run lint

# Rebuild snippet/dist/ (samtykke.js, samtykke-ui.js) after changing snippet/src (commit the result).
snippet: setup
	npm run build -w snippet

build:
	go build -o bin/consentd ./server/cmd/consentd

bench:
	go test -run '^$$' -bench . -benchmem ./server/...
