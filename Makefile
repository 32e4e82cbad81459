# The two commands a newcomer needs (see README.md):
#   make run    start consentd on the embedded store (same as go run ./server/cmd/consentd)
#   make test   install what is missing, then run every Go and JS test

.PHONY: run test setup vet go-test fuzz js-test test-consentd build snippet bench

run:
	go run ./server/cmd/consentd

# Go and the browsers run side by side: the Go tests mostly wait on Redis
# and fsync, the browser suites on page loads.
test: setup
	$(MAKE) --no-print-directory -j2 --output-sync=target go-side js-test

.PHONY: go-side
go-side:
	$(MAKE) --no-print-directory -j1 vet go-test fuzz

setup:
	./scripts/setup.sh

vet:
	go vet ./...

go-test:
	go test -race -count=1 ./...

# Every fuzz target for a few seconds (FUZZTIME=1m make fuzz for longer).
fuzz:
	./scripts/fuzz.sh

# One consentd binary, with the banner as it is in snippet/dist, for every
# browser suite (each would otherwise build its own).
TEST_CONSENTD := $(CURDIR)/bin/consentd-test
test-consentd:
	go build -o $(TEST_CONSENTD) ./server/cmd/consentd

js-test: test-consentd
	SAMTYKKE_TEST_CONSENTD=$(TEST_CONSENTD) npm test
	if [ -f dashboard/package.json ]; then SAMTYKKE_TEST_CONSENTD=$(TEST_CONSENTD) npm --prefix dashboard test; fi

# Rebuild snippet/dist/samtykke.js after changing snippet/src (commit the result).
snippet: setup
	npm run build

build:
	go build -o bin/consentd ./server/cmd/consentd

bench:
	go test -run '^$$' -bench . -benchmem ./server/...
