# The targets people type. `make test` is what CI runs (.ci/run).
STACK ?= dev
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

# Rewrites tests/testdata/plans/<stack>.yaml and docs/architecture.md from the program.
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
