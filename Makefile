# gamesrv — see README.md. Every target works offline from the Go module proxy
# and the npm registry (node_modules: buf, protoc-gen-es and TypeScript, pinned
# in package-lock.json; the interop test's Pomelo client in internal/interop/pomelojs).

BIN         := $(CURDIR)/.bin
BUF         := node_modules/.bin/buf
# Generated files check-generated compares with a fresh generation.
GENERATED   := '*.pb.go' '*_pb.ts' '*_gamesrv.ts' examples/chat/web/static/js
TSBOT       := examples/chat/tsbot/build/tsbot/src/main.js
GO_TEST     := go test -race -count=1 -timeout 20m
FUZZTIME    ?= 10s
BENCHFLAGS  ?=
ATTACKFLAGS ?=
CLUSTERFLAGS ?=
INTEROP_JS  := internal/interop/pomelojs
STATICCHECK := go run honnef.co/go/tools/cmd/staticcheck@v0.8.2
CROSS_PKGS  := ./runtime/... ./cmd/... ./examples/... ./protoc-gen-gamesrv/... ./protoc-gen-gamesrv-es/...

.PHONY: demo cluster-demo run test cross-build lint ts-test test-browser chromium interop-deps test-interop generate check-generated lint-proto web tsbot fuzz bench bench-micro attack cluster-scale build clean

## demo: build the chat example, run Go bots over TCP, KCP and WebSocket and TypeScript bots (Node, examples/chat/tsbot) over TCP and WebSocket in the same rooms, print a summary (Go bots only when npm is missing)
demo: $(BIN)/chat-server
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory tsbot && go run ./examples/chat/demo -server $(BIN)/chat-server -tsbot $(TSBOT); \
	else echo "npm not found: Go bots only (the TypeScript bots need Node 20+ and npm)"; \
		go run ./examples/chat/demo -server $(BIN)/chat-server; fi

## tsbot: build the Node chat bot (examples/chat/tsbot) and @gamesrv/client, which it uses
tsbot: node_modules
	npm run --silent build --workspace examples/chat/tsbot

## cluster-demo: build the cluster example (a connector, two room servers), run bots through it, SIGKILL a room server mid-run, check the fallout
cluster-demo: $(BIN)/cluster-connector $(BIN)/cluster-room
	go run ./examples/cluster/demo -connector $(BIN)/cluster-connector -room $(BIN)/cluster-room

## run: the chat server in the foreground (TCP 127.0.0.1:3250, KCP :3251, WebSocket :3252, browser page on http://127.0.0.1:8080/)
run:
	go run ./examples/chat/server

## test: npm ci (node_modules and the interop test's client), gofmt, vet, staticcheck, every test with the race detector, every Go benchmark once (so they cannot rot), then the browser test when Chromium is there or can be installed (as root, with apt-get)
test: node_modules interop-deps
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt needed" && exit 1)
	go vet ./...
	$(MAKE) --no-print-directory cross-build
	$(STATICCHECK) ./...
	$(GO_TEST) ./...
	go test -count=1 -run '^$$' -bench . -benchtime 1x ./runtime/... ./internal/...
	$(MAKE) --no-print-directory ts-test
	@if $(MAKE) --no-print-directory chromium >/dev/null 2>&1; then \
		$(GO_TEST) -tags browser -run Browser ./examples/chat/...; \
	else echo "SKIP browser test: Chromium is not installed and could not be (run make test-browser as root)"; fi

## cross-build: the runtime, the commands, the examples and the plugins build for macOS and Windows, where game teams develop (the tests and the benchmark tools are Linux's)
cross-build:
	GOOS=darwin go build $(CROSS_PKGS)
	GOOS=windows go build $(CROSS_PKGS)

## lint: gofmt, go vet and staticcheck (pinned: honnef.co/go/tools v0.8.2, fetched from the Go module proxy), as make test runs them
lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && echo "gofmt needed" && exit 1)
	go vet ./...
	$(STATICCHECK) ./...

## ts-test: the TypeScript code: npm ci at the root (pinned versions from package-lock.json), then the client (clients/ts: unit tests, end to end against the chat server) and the Node bot (examples/chat/tsbot, against the chat server); needs Node 20+ and npm
ts-test:
	npm ci --no-audit --no-fund
	npm test --workspace clients/ts
	npm test --workspace examples/chat/tsbot

## test-browser: the chat page end to end in headless Chromium (two browsers, one room); installs Debian's chromium and chromium-driver with apt-get when missing
test-browser: chromium
	$(GO_TEST) -tags browser -run Browser ./examples/chat/...

## interop-deps: install the npm client the interop test drives (pomelo-jsclient-websocket 0.1.1, pomelo-protocol 0.1.6, ws; pinned in internal/interop/pomelojs/package-lock.json) with npm ci, when the lock file changed
interop-deps: $(INTEROP_JS)/node_modules/.package-lock.json

$(INTEROP_JS)/node_modules/.package-lock.json: $(INTEROP_JS)/package.json $(INTEROP_JS)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the interop test's client (apt-get install nodejs npm)"; exit 1; }
	cd $(INTEROP_JS) && npm ci --no-audit --no-fund
	@touch $@

## test-interop: only the interop test: pomelo-jsclient-websocket, unmodified, under Node against the chat server (JSON, WebSocket)
test-interop: interop-deps
	$(GO_TEST) ./$(INTEROP_JS)

# chromium installs Debian's chromium and chromium-driver when missing (as
# root, or with sudo).
chromium:
	@test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || { \
		echo "installing chromium and chromium-driver with apt-get"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver; }

## build: compile everything, including the example binaries
build: $(BIN)/chat-server $(BIN)/chat-bot
	go build ./...

$(BIN)/chat-server: FORCE
	go build -o $@ ./examples/chat/server

$(BIN)/chat-bot: FORCE
	go build -o $@ ./examples/chat/bot

$(BIN)/cluster-connector: FORCE
	go build -o $@ ./examples/cluster/connector

$(BIN)/cluster-room: FORCE
	go build -o $@ ./examples/cluster/room

$(BIN)/bench-echoserver: FORCE
	go build -o $@ ./bench/cmd/echoserver

$(BIN)/bench-gnetecho: FORCE
	go build -o $@ ./bench/cmd/gnetecho

FORCE:

## generate: regenerate the code of every .proto with buf: Go (protoc-gen-go, protoc-gen-gamesrv) and the examples' TypeScript (protoc-gen-es, protoc-gen-gamesrv-es)
generate: node_modules
	$(BUF) generate
	$(BUF) generate --template examples/chat/buf.gen.ts.yaml
	$(BUF) generate --template examples/cluster/buf.gen.ts.yaml

## web: compile the chat page (examples/chat/web/src: app.ts and the generated stubs) and copy the modules it imports (@gamesrv/client, @bufbuild/protobuf) into examples/chat/web/static/js, which is committed: the Go server embeds it
web: node_modules
	npm run build --workspace examples/chat/web

## check-generated: fail if the committed generated code (Go and TypeScript, and the chat page's compiled modules) differs from a fresh generation, or the goldens from the generators
check-generated: generate
	npm run build --workspace examples/chat/web
	go test -count=1 ./protoc-gen-gamesrv ./protoc-gen-gamesrv-es -run 'TestGolden|TestFixturesUpToDate|TestImagesUpToDate|TestTypeCheck'
	@git diff --exit-code -- $(GENERATED) || (echo "generated code is stale: run make generate and commit" && exit 1)
	@test -z "$$(git status --porcelain --untracked-files=all -- $(GENERATED))" || \
		(git status --porcelain --untracked-files=all -- $(GENERATED); echo "untracked generated files: commit them" && exit 1)

## lint-proto: buf lint (STANDARD) and buf format; tsc --strict over the generated TypeScript (goldens and examples, with protoc-gen-es's output)
lint-proto: node_modules
	$(BUF) lint
	$(BUF) format -d --exit-code
	go test -count=1 ./protoc-gen-gamesrv-es -run TestTypeCheck

# node_modules: npm ci installs the pinned npm tools of package-lock.json
# (buf, protoc-gen-es, @bufbuild/protobuf, TypeScript) in seconds; again when
# the lock changes.
node_modules: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## fuzz: run every fuzz target for FUZZTIME (default 10s) each
fuzz:
	@for t in transport/kcp:FuzzGateAdmit transport/kcp:FuzzSockaddr internal/kcpcore:FuzzPacketInput internal/kcpcore:FuzzReceiveMatchesKCPGo wire:FuzzSplitPacket wire:FuzzDecodeMessage wire:FuzzDecodeHandshakeRequest \
		wire:FuzzDecodeHandshakeResponse gamesrv:FuzzDecodeErrorPayload transport/ws:FuzzParseHeader \
		transport/ws:FuzzClientStream server:FuzzSessionPackets server:FuzzInflate \
		cluster/internal/linkwire:FuzzReadFrame cluster/internal/linkwire:FuzzFrameCodec cluster/gossip:FuzzMetaDecode cluster/internal/linkhello:FuzzLinkProof cluster/internal/linkhello:FuzzLinkHello \
		client:FuzzReadPacket client:FuzzInflate client:FuzzClientData ../internal/scaffold:FuzzRetargetDescriptor; do \
		pkg=$${t%%:*}; target=$${t#*:}; echo "== $$pkg $$target"; \
		go test ./runtime/$$pkg -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

## bench: the benchmark suite: every budget of docs/architecture.md#budgets measured in one run (about 5 min), one table on stdout, JSON and SVG chart in bench/results/ (BENCHFLAGS="-rows 4,5" for a subset; BENCHFLAGS="-quick" writes to a temporary directory)
bench: $(BIN)/bench-echoserver $(BIN)/bench-gnetecho $(BIN)/clusternode $(BIN)/clusterscale
	go run ./bench/suite -server $(BIN)/bench-echoserver -gnet $(BIN)/bench-gnetecho -clusternode $(BIN)/clusternode -clusterscale $(BIN)/clusterscale $(BENCHFLAGS)

## attack: the attack suite of issue 9 against the chat server (about 2 min): one table on stdout, bench/results/attack-latest.json (ATTACKFLAGS="-scenarios 1,3" for a subset; ATTACKFLAGS="-quick" writes to a temporary directory)
attack: $(BIN)/chat-server
	go run ./bench/attack -server $(BIN)/chat-server $(ATTACKFLAGS)

## cluster-scale: N cluster server processes on loopback (bench/cmd/clusternode, default 50; CLUSTERFLAGS="-n 200", "-profile lan", "-runs 1"): convergence, false leaves idle, with the CPU saturated and under 50 client connections, kill-to-gone, graceful leave, idle CPU, context switches and RSS per server, links, then a churn run (a room SIGKILLed every 3 s and restarted under its id, calls flowing) with outcomes by code; JSON in bench/results/cluster-scale.json
cluster-scale: $(BIN)/clusternode $(BIN)/clusterscale
	$(BIN)/clusterscale -node $(BIN)/clusternode $(CLUSTERFLAGS)

$(BIN)/clusternode: FORCE
	go build -o $@ ./bench/cmd/clusternode

$(BIN)/clusterscale: FORCE
	go build -o $@ ./bench/clusterscale

## bench-micro: codec, dispatch, cluster and tracing micro-benchmarks (go test -bench)
bench-micro:
	go test -run '^$$' -bench . -benchmem ./runtime/wire ./runtime/server ./runtime/cluster/... ./runtime/otelgamesrv

clean:
	rm -rf $(BIN)
