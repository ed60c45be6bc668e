//go:build tools

// Package lint pins the linters of `make lint`: golangci-lint, and
// actionlint for the GitHub workflows. It is a module of its own beside
// hack/tools, so that the linters' dependencies never move the versions that
// the Kubernetes binaries build with.
package lint

import (
	_ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
	_ "github.com/rhysd/actionlint/cmd/actionlint"
)
