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

// release is the release of gkewi that this source is: the newest release
// heading of CHANGELOG.md, which a release moves with the git tag
// v<release>, policy/PulumiPolicy.yaml's version and schema.json
// (TestReleaseVersionIsOneValue).
//
// It lives in the source because `pulumi package add` and `pulumi install`
// build the plugin with a command of their own: Pulumi's Go language host
// runs `go build -buildvcs=false -trimpath -ldflags "-w -s"` in this folder,
// a git checkout at the tag for a git source, so neither -X nor Go's VCS
// stamping reaches the binary there. What the source says is all such a
// build can know. A development default such as 0.0.0-dev would not do:
// Pulumi writes the tag into the SDKs' schema (pkg/cmd/pulumi/packageworkspace,
// pluginProvider.GetSchema, v3.274.1), the SDKs then ask for that version, and
// the engine warns on every run that "resource plugin gkewi is expected to
// have version >=0.2.0, but has 0.0.0-dev" (pkg/host/host.go, loadProvider).
const release = "0.1.0"

// version is what the plugin reports: in GetPluginInfo, and in GetSchema,
// and so in every SDK generated from it and the plugin version those SDKs
// ask for. A build may set it (`make plugin VERSION=...`, which by default
// takes `git describe`):
//
//	go build -ldflags "-X main.version=0.2.0-rc.1"
var version = release

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
