//go:build tools

// Package yaml pins the YAML language host that the engine tier runs a YAML
// consumer of the component package with: pulumi-yaml v1.25.0, with its own
// requirements (pkg v3.206.0), against which it compiles and the CLI's
// v3.274.1 does not.
package yaml

import _ "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml"
