# ProjectSync: build, try and test the Azure Functions custom handler.
#
#   make demo     run the whole chain once on the local stand-ins
#   make test     all tests, with the race detector
#   make run      the stack on http://localhost:7071, like func start
#   make build    the static linux/amd64 handler the Function App runs
#   make bench    benchmarks (see BENCHMARKS.md)
#   make publish APP=<function app>   deploy with the func CLI

GO       ?= go
APP      ?=
BIN      := bin
PKGS     := ./...
export CGO_ENABLED := 0

.PHONY: all build standins demo run test test-short vet fuzz bench publish clean

all: build

# The handler must be a static linux/amd64 binary named as host.json says.
build:
	GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags='-w' -o handler ./cmd/handler

standins:
	$(GO) build -o $(BIN)/standins ./cmd/standins

demo: build standins
	$(BIN)/standins demo -app .

run: build standins
	$(BIN)/standins run -app . -port 7071

vet:
	$(GO) vet $(PKGS)

# Azurite, the Azure Storage emulator, from npm (package.json): the
# idempotency ledger's tests start it on a free port.
node_modules/.bin/azurite-table: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The race detector needs cgo.
# The one-minute load test runs on its own, verbose, so that its figures
# show: go test prints nothing of a passing package otherwise.
test: build node_modules/.bin/azurite-table
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m -skip '^TestLoad_OneMinute$$' $(PKGS)
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 10m -v -run '^TestLoad_OneMinute$$' ./e2e/

test-short:
	CGO_ENABLED=1 $(GO) test -race -short -count=1 $(PKGS)

fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzDecode -fuzztime=60s ./internal/project/

# The handler against a bare reverse proxy on the stand-ins: writes
# bench/results/<date>-<commit>.json and BENCHMARKS.md in about six
# minutes. BENCH_FLAGS passes flags to benchrun (bin/benchrun -h), e.g. a
# quick look: BENCH_FLAGS='-rounds 1 -duration 1s -out /tmp/b -md /tmp/b/B.md'
BENCH_FLAGS ?=
bench: build
	$(GO) build -o $(BIN)/benchrun ./bench/cmd/benchrun
	$(BIN)/benchrun -handler ./handler $(BENCH_FLAGS)

# The package holds host.json, the function folders and handler, nothing
# else. AUTH_LEVEL sets the functions' authLevel: function (the default:
# callers send a function key) or anonymous (App Service Authentication and
# CALLER_AUTH=easyauth guard the functions instead).
AUTH_LEVEL ?= function
FUNCTIONS  := ProjectSync Health

publish: build
	@command -v func >/dev/null 2>&1 || { \
	  echo "make publish: the Azure Functions Core Tools (func) are not installed."; \
	  echo "Install them (npm install -g azure-functions-core-tools@4), run 'az login', then retry."; \
	  exit 1; }
	@test -n "$(APP)" || { echo "make publish: name the Function App: make publish APP=<name>"; exit 1; }
	@case "$(AUTH_LEVEL)" in function|anonymous) ;; \
	  *) echo "make publish: AUTH_LEVEL is function or anonymous"; exit 1;; esac
	rm -rf .publish && mkdir -p .publish
	cp host.json handler .publish/
	for f in $(FUNCTIONS); do mkdir -p .publish/$$f && \
	  sed 's/"authLevel": "function"/"authLevel": "$(AUTH_LEVEL)"/' $$f/function.json > .publish/$$f/function.json; done
	cd .publish && func azure functionapp publish $(APP)

clean:
	rm -rf handler $(BIN) .demo .publish
