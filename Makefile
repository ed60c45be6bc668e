# The targets people type. CI (.ci/run, and .github/workflows/ci.yml, which
# runs it) runs `make lint`, `make test`, `make test-apiserver`,
# `make test-node` and `make test-engine`; `make test` is the README's test
# command.
STACK ?= dev
# Pulumi state on the local file backend (~/.pulumi): no Pulumi Cloud account needed.
export PULUMI_BACKEND_URL ?= file://~

.PHONY: build test test-apiserver test-node test-engine bench bench-engine tools engine-tools lint tidy plan schema sdk plugin preview up destroy refresh move-stack

# Tests, plans and deployments need neither DWARF nor the symbol table: -s
# drops both (`go doc cmd/link`: it implies -w), while a panic's trace, from
# pclntab, still names each function and line (TestAPanicStillNamesItsFunctionAndLine).
# Against -w, it links the program 0.24 s faster (median of 5 pairs, 7.11 s
# against 7.34 s after a one-line edit in components/) and 24% smaller
# (94 MB against 123 MB). `make build` keeps both for debugging.
# -vet=off: go test does not vet first; `make lint` vets every package, with
# each tier's tags, and CI runs it. go ignores it where it does not apply.
export GOFLAGS ?= -ldflags=-s -vet=off

build:
	GOFLAGS= go build ./...

test:
	go test ./...
	cd provider && go test ./...
	cd policy && go test ./...
	cd hack/tools/pulumicli && go test ./...

# The API-server tier: what the program registers, applied to a real
# kube-apiserver and etcd on loopback (see tests/apiserver_test.go).
test-apiserver: tools
	GKEWI_REQUIRE_APISERVER=1 go test -tags apiserver -run 'TestAPIServer' -count=1 ./tests

# The node tier: a single-node cluster in a network namespace of its own,
# where the pods really run (see tests/node_test.go). Needs root and the
# packages that .ci/run installs.
test-node: tools
	GKEWI_REQUIRE_NODE=1 go test -tags node -run '^TestNode$$' -count=1 -timeout 30m -v ./tests

# The engine tier: the real Pulumi CLI and engine, and the real Kubernetes
# provider, run the program through the Automation API on the node tier's
# cluster, with stand-ins for GCP and random (see tests/engine_test.go and
# tests/engine_stacks_test.go). It runs in a network namespace of its own,
# with no route out, so it can download nothing. Needs root, as the node
# tier does.
test-engine: engine-tools tools
	GKEWI_REQUIRE_ENGINE=1 GKEWI_REQUIRE_NODE=1 unshare --net -- sh -c 'ip link set lo up && \
		exec go test -tags "engine node" -run "^TestEngine" -count=1 -timeout 30m -v ./tests'

# The loops a maintainer feels, side by side in one run (hack/bench): a
# one-line edit in components/ → go build, against a bare program that
# imports the same SDK packages (hack/bench/floor); go test -count=1 ./...
# with nothing edited; and the edit → go test ./...
bench:
	cd hack/bench && GOFLAGS= go run . -root ../..

# The engine tier's figures (tests/engine_bench_test.go): the dev stack's up
# against the critical path that make plan computes, and edit → preview.
bench-engine: engine-tools tools
	GKEWI_BENCH=1 GKEWI_REQUIRE_ENGINE=1 GKEWI_REQUIRE_NODE=1 unshare --net -- sh -c 'ip link set lo up && \
		exec go test -tags "engine node" -run "^TestBenchEngineUp$$" -count=1 -timeout 30m -v ./tests'

# The Kubernetes binaries and etcd, pinned by the hack/tools module, and the
# image builder of the node tier, built into bin/.
TOOLS = bin/kube-apiserver bin/etcd bin/kubelet bin/kube-controller-manager bin/kube-scheduler bin/ociimage
tools: $(TOOLS)

KUBE_VERSION_FLAGS = -X k8s.io/component-base/version.gitVersion=v1.34.2 \
	-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34
$(TOOLS) &: hack/tools/go.mod hack/tools/go.sum $(wildcard hack/tools/cmd/*/main.go)
	cd hack/tools && GOFLAGS= GOBIN=$(CURDIR)/bin go install -ldflags '$(KUBE_VERSION_FLAGS)' \
		k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubelet \
		k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
		./cmd/etcd ./cmd/ociimage

# The engine tier's binaries (../shared/ENGINE-TIER.md), each pinned by a
# module of its own in hack/tools, since their requirements differ: the
# Pulumi CLI and engine (pkg v3.274.1, the program's SDK version, whose
# compiled packages the component package's module shares), the Kubernetes
# provider (the v4.25.0 code, the only one served; pkg v3.215.0) and the YAML
# language host (pulumi-yaml v1.25.0; pkg v3.206.0). All stripped: the
# provider alone is 444 MB with its symbols. Beside them, the component
# package's own plugin (make plugin), which the YAML consumer runs.
ENGINE_TOOLS = bin/pulumi bin/pulumi-resource-kubernetes bin/pulumi-language-yaml
engine-tools: $(ENGINE_TOOLS) plugin

bin/pulumi: hack/tools/engine/go.mod hack/tools/engine/go.sum
	cd hack/tools/engine && GOFLAGS= GOBIN=$(CURDIR)/bin go install \
		-ldflags '-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v3.274.1' \
		github.com/pulumi/pulumi/pkg/v3/cmd/pulumi

# The provider's own main embeds files that its module does not ship; ours
# embeds the two they are made from, copied here from the module.
bin/pulumi-resource-kubernetes: hack/tools/kubernetes/go.mod hack/tools/kubernetes/go.sum hack/tools/kubernetes/main.go
	cd hack/tools/kubernetes && source=$$(GOFLAGS= go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4)/cmd/pulumi-resource-kubernetes && \
		install -m 0644 $$source/schema.json $$source/terraform-mapping.json . && \
		GOFLAGS= go build -ldflags '-s -w' -o $(CURDIR)/bin/pulumi-resource-kubernetes .

bin/pulumi-language-yaml: hack/tools/yaml/go.mod hack/tools/yaml/go.sum
	cd hack/tools/yaml && GOFLAGS= GOBIN=$(CURDIR)/bin go install -ldflags '-s -w' github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml

# gofmt, golangci-lint (.golangci.yaml: go vet and a few more, over every
# build tag at once), go vet of every package without tags and with each
# tier's tags alone (what a tier lacks, the all-tags run cannot miss; go test
# does not vet, GOFLAGS above), shellcheck of the pod scripts
# and .ci/run, and actionlint of the workflows (with shellcheck of their
# steps).
lint: bin/golangci-lint bin/actionlint
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	bin/golangci-lint run ./...
	cd provider && ../bin/golangci-lint run ./...
	cd policy && ../bin/golangci-lint run ./...
	cd hack/tools/pulumicli && ../../../bin/golangci-lint run ./...
	cd hack/bench && ../../bin/golangci-lint run ./...
	for tags in "" apiserver node "engine node"; do go vet -tags "$$tags" ./... || exit 1; done
	shellcheck --shell=sh components/scripts/*.sh
	shellcheck .ci/run .github/scripts/*.sh
	bin/actionlint

# The linters, pinned by a module of their own in hack/tools/lint.
bin/golangci-lint bin/actionlint &: hack/tools/lint/go.mod hack/tools/lint/go.sum
	cd hack/tools/lint && GOBIN=$(CURDIR)/bin go install \
		github.com/golangci/golangci-lint/v2/cmd/golangci-lint github.com/rhysd/actionlint/cmd/actionlint

# Every module: the program's, the package's, the policy pack's, the Kubernetes
# tools', the linters' and the README check's.
tidy:
	go mod tidy
	cd provider && go mod tidy
	cd policy && go mod tidy
	cd hack/tools && go mod tidy
	cd hack/tools/lint && go mod tidy
	cd hack/tools/pulumicli && go mod tidy
	cd hack/tools/engine && go mod tidy
	cd hack/tools/kubernetes && go mod tidy
	cd hack/tools/yaml && go mod tidy
	cd hack/bench && go mod tidy

# Rewrites tests/testdata/plans/<stack>.yaml (for each stack here and in
# examples/), docs/architecture.md and the pods' commands that the image tests
# run (tests/testdata/pods.yaml) from the program, and the README's
# configuration table and the package's descriptions from the doc comments of
# the component's arguments and outputs; then the policy pack's inputs and
# the tables of policy/README.md from the pack.
plan:
	go test ./tests -run 'TestPlansAreCurrent|TestArchitectureDiagramIsCurrent|TestREADMEConfigurationTableIsCurrent|TestPackageDescriptionsAreCurrent|TestPolicyInputsAreCurrent|TestPolicyEscalationRolesAreCurrent|TestPolicyResourceRolesAreCurrent|TestPulumiTemplateIsCurrent|TestREADMEGoUsageIsCurrent|TestPodFixturesAreCurrent' -update
	cd policy && go test -run TestREADME -update .

# Rewrites provider/schema.json, the component package's schema, from the
# running provider.
schema:
	cd provider && go test -run TestSchemaIsCurrent -update .

# Writes each language's SDK to sdk/<language> (ignored by git) from the
# committed schema, as the package tests do.
sdk:
	cd provider && go run ./cmd/gensdk schema.json ../sdk

# The version the component package's plugin reports, and its schema and so
# every SDK: by default what git says of this checkout (0.1.0 on the tag
# v0.1.0, 0.1.0-3-gabc1234 three commits after it, -dirty with uncommitted
# changes); a release build may set it: make plugin VERSION=0.2.0. Empty
# (no tag, or no git), the build keeps the release the source says
# (provider/main.go), which is also all that `pulumi package add` builds.
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null | sed 's/^v//')

# Builds the plugin into bin/, as Pulumi's Go language host does, with
# VERSION.
plugin:
	cd provider && go build -buildvcs=false -trimpath \
		-ldflags '-w -s$(if $(VERSION), -X main.version=$(VERSION))' -o ../bin/pulumi-resource-gkewi .

preview:
	pulumi stack select --create $(STACK)
	pulumi preview --stack $(STACK) --diff

up:
	pulumi stack select --create $(STACK)
	pulumi up --stack $(STACK)

# Both run the program, so that the Kubernetes provider gets its
# configuration as the program computes it now, not as the state last held
# it (README, "Destroying a stack").
destroy:
	pulumi destroy --stack $(STACK) --run-program

refresh:
	pulumi refresh --stack $(STACK) --run-program

# Moves STACK from the backend it is on (PULUMI_BACKEND_URL, the local file
# backend by default) to a team's bucket TO, with its secrets re-encrypted
# under the Cloud KMS key SECRETS (README, "From a laptop to a team"). The
# export keeps the secrets encrypted under the passphrase, and the new stack
# reuses the passphrase's salt from Pulumi.$(STACK).yaml, so the import can
# read them; change-secrets-provider then moves them to the key. The new stack
# is created only when it is missing, so a move that stopped on an error can
# run again once the cause is fixed.
CHECKPOINT = .$(STACK).checkpoint.json
move-stack:
	@if [ -z "$(TO)" ] || [ -z "$(SECRETS)" ]; then \
		echo 'usage: make move-stack TO=gs://BUCKET SECRETS=gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K [STACK=dev]' >&2; exit 2; fi
	pulumi stack export --stack $(STACK) --file $(CHECKPOINT)
	PULUMI_BACKEND_URL=$(TO) pulumi stack select --create $(STACK) --secrets-provider passphrase
	PULUMI_BACKEND_URL=$(TO) pulumi stack import --stack $(STACK) --file $(CHECKPOINT)
	PULUMI_BACKEND_URL=$(TO) pulumi stack change-secrets-provider --stack $(STACK) $(SECRETS)
	rm -f $(CHECKPOINT)
