# loadhook: the usual tasks. `make run` needs nothing but Go: the front-end
# assets are committed in static/ and the templ output in views/*_templ.go.

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: run build generate check-generate check-tidy vet test bench assets screenshots

## run: start loadhook on http://127.0.0.1:8080 with a SQLite file in this directory
run:
	$(GO) run -ldflags "$(LDFLAGS)" .

## build: compile ./loadhook
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o loadhook .

## generate: turn views/*.templ into views/*_templ.go
generate:
	$(GO) tool templ generate

## check-generate: fail if a *_templ.go file is out of date
check-generate:
	$(GO) tool templ generate -check

## check-tidy: fail if `go mod tidy` would change go.mod or go.sum
check-tidy:
	$(GO) mod tidy -diff

## vet: go vet every package
vet:
	$(GO) vet ./...

## test: vet, check generated code, then every test with the race detector;
## with LOADHOOK_TEST_POSTGRES set (.ci/run sets it), the engine's and the web
## app's tests run once more on Postgres
test: vet check-generate check-tidy
	env -u LOADHOOK_TEST_POSTGRES $(GO) test -race -count=1 ./...
	@if [ -n "$$LOADHOOK_TEST_POSTGRES" ]; then \
		echo "engine and web app tests on Postgres ($$LOADHOOK_TEST_POSTGRES)"; \
		$(GO) test -race -count=1 ./models/ ./webhook/ ./handlers/; \
		$(GO) test -race -count=1 -run '^TestCluster' .; \
	fi

## bench: the Go micro-benchmarks, then the end-to-end load run against a
## freshly built server process (cmd/loadbench): on SQLite, then on a
## throwaway Postgres with one and with two instances (.ci/with-postgres);
## the reports are also written to bench-results/. BENCHMARKS.md reads them.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...
	$(GO) build -ldflags "$(LDFLAGS)" -o bench-results/loadhook .
	$(GO) run ./cmd/loadbench -server bench-results/loadhook -out bench-results/loadbench.md
	.ci/with-postgres sh -c '$(GO) run ./cmd/loadbench -server bench-results/loadhook -postgres "$$LOADHOOK_TEST_POSTGRES" -instances 1 -out bench-results/loadbench-pg1.md && \
		$(GO) run ./cmd/loadbench -server bench-results/loadhook -postgres "$$LOADHOOK_TEST_POSTGRES" -instances 2 -out bench-results/loadbench-pg2.md'

## assets: refresh static/vendor/ from the pinned npm packages
assets:
	npm ci
	npm run assets

## screenshots: regenerate docs/screenshot-*.png with the browser test
screenshots:
	LOADHOOK_SCREENSHOTS=1 $(GO) test -count=1 -run 'TestBrowser(EndpointLifecycle|DeliveryScreenshots)$$' ./handlers/
