// Command pulumi-resource-gkewi is the gkewi component package: a Pulumi
// plugin that serves gkewi:index:WorkloadIdentityCronJob, the Go component
// itself, to programs in every Pulumi language. `pulumi package add` builds
// it from this folder and generates the SDK of the program's language.
package main

import (
	"context"
	"fmt"
	"os"

	p "github.com/pulumi/pulumi-go-provider"
)

// version is the package's version, set at build time by a release.
var version = "0.1.0"

func main() {
	provider, err := Provider()
	if err == nil {
		err = p.RunProvider(context.Background(), Name, version, provider)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}
