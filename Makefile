# The two commands a newcomer needs (see README.md):
#   make run    start consentd on the embedded store (same as go run ./server/cmd/consentd)
#   make test   install what is missing, then run every Go and JS test

.PHONY: run test setup vet go-test js-test build snippet bench

run:
	go run ./server/cmd/consentd

test: setup vet go-test js-test

setup:
	./scripts/setup.sh

vet:
	go vet ./...

go-test:
	go test -race -count=1 ./...

js-test:
	npm test
	if [ -f dashboard/package.json ]; then npm --prefix dashboard test; fi

# Rebuild snippet/dist/samtykke.js after changing snippet/src (commit the result).
snippet: setup
	npm run build

build:
	go build -o bin/consentd ./server/cmd/consentd

bench:
	go test -run '^$$' -bench . -benchmem ./server/...
