//go:build tools

// Package engine pins the Pulumi CLI and engine that the engine tier runs
// (make test-engine): pkg/v3 v3.274.1, the version of the program's SDK, built
// from source into bin/pulumi, since the CLI's release archives are not
// served here.
package engine

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
