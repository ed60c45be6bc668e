# The targets people type. `make test` is what CI runs (.ci/run).
STACK ?= dev
# The stack's configuration: Pulumi.<stack>.yaml here, or an example in examples/.
STACK_CONFIG = $(firstword $(wildcard Pulumi.$(STACK).yaml examples/Pulumi.$(STACK).yaml))
# Pulumi state on the local file backend (~/.pulumi): no Pulumi Cloud account needed.
export PULUMI_BACKEND_URL ?= file://~

.PHONY: build test lint tidy plan preview up destroy

build:
	go build ./...

test:
	go test ./...

lint:
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	go vet ./...
	shellcheck --shell=sh components/scripts/*.sh

tidy:
	go mod tidy

# Rewrites tests/testdata/plans/<stack>.yaml (for each stack here and in
# examples/) and docs/architecture.md from the program.
plan:
	go test ./tests -run 'TestPlansAreCurrent|TestArchitectureDiagramIsCurrent' -update

preview:
	pulumi stack select --create $(STACK)
	pulumi preview --stack $(STACK) --config-file $(STACK_CONFIG) --diff

up:
	pulumi stack select --create $(STACK)
	pulumi up --stack $(STACK) --config-file $(STACK_CONFIG)

destroy:
	pulumi destroy --stack $(STACK) --config-file $(STACK_CONFIG)
