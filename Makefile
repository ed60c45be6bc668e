# The targets people type. `make test` is what CI runs (.ci/run).
STACK ?= dev
# Pulumi state on the local file backend (~/.pulumi): no Pulumi Cloud account needed.
export PULUMI_BACKEND_URL ?= file://~

.PHONY: build test test-apiserver tools lint tidy plan preview up destroy

build:
	go build ./...

test:
	go test ./...

# The API-server tier: what the program registers, applied to a real
# kube-apiserver and etcd on loopback (see tests/apiserver_test.go).
test-apiserver: tools
	GKEWI_REQUIRE_APISERVER=1 go test -tags apiserver -run 'TestAPIServer' -count=1 ./tests

# kube-apiserver and etcd, pinned by the hack/tools module, built into bin/.
tools: bin/kube-apiserver bin/etcd

KUBE_VERSION_FLAGS = -X k8s.io/component-base/version.gitVersion=v1.34.2 \
	-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=34
bin/kube-apiserver bin/etcd &: hack/tools/go.mod hack/tools/go.sum hack/tools/cmd/etcd/main.go
	cd hack/tools && GOBIN=$(CURDIR)/bin go install -ldflags '$(KUBE_VERSION_FLAGS)' k8s.io/kubernetes/cmd/kube-apiserver ./cmd/etcd

lint:
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	go vet ./...
	go vet -tags apiserver ./tests
	shellcheck --shell=sh components/scripts/*.sh

tidy:
	go mod tidy

# Rewrites tests/testdata/plans/<stack>.yaml (for each stack here and in
# examples/) and docs/architecture.md from the program.
plan:
	go test ./tests -run 'TestPlansAreCurrent|TestArchitectureDiagramIsCurrent' -update

preview:
	pulumi stack select --create $(STACK)
	pulumi preview --stack $(STACK) --diff

up:
	pulumi stack select --create $(STACK)
	pulumi up --stack $(STACK)

destroy:
	pulumi destroy --stack $(STACK)
