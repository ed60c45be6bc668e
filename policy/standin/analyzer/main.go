// Command pulumi-analyzer-policy-opa is a stand-in for pulumi-policy-opa's
// analyzer plugin, built for tests only: with it on PATH, the Pulumi CLI runs
// `pulumi preview --policy-pack ./policy` against gkewi's Rego pack on
// machines that cannot fetch the real plugin, and the tests judge the pack on
// what the real engine sends.
//
// It mirrors github.com/pulumi/pulumi-policy-opa, cmd/pulumi-analyzer-policy-opa,
// as the code index stores it at commit 255aef112bbcc4afa750be3aed92869bff03c4c7
// (serve.go, policy.go, eval.go, analyzer.go; on top of release v1.1.0, see
// VersionString) and at 65efe9c8 (main.go, language.go). The same binary
// serves as pulumi-language-opa, which is what the CLI v3.274.1 launches. Each file here names the upstream file it follows and
// says where it departs from it. The fetched mirror of the repository stops at
// v0.1.0 (21197b6, November 2025), which predates buildOPAInput, stack rules
// and configuration; it is not what the pack is written against.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
)

func main() {
	args := os.Args[1:]
	// Launched as pulumi-language-opa with the engine's address alone, serve
	// the language runtime, whose RunPlugin runs this binary again as the
	// analyzer (language.go); upstream's main.go tells them apart the same way.
	if len(args) == 1 {
		if err := serveLanguageHost(); err != nil {
			cmdutil.ExitError(err.Error())
		}
		return
	}
	dir, err := policyPackDir(args)
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
	pack, e, err := loadPolicyPack(dir)
	if err != nil {
		cmdutil.ExitError(err.Error())
	}
	if err := serve(NewAnalyzer(pack, e)); err != nil {
		cmdutil.ExitError(err.Error())
	}
}

// policyPackDir picks the pack's folder out of the plugin's arguments.
//
// The analyzer runs with the arguments [engine address, "."], then one
// "-key=value" per runtime option of PulumiPolicy.yaml, in the pack's folder:
// so the sdk's NewPolicyAnalyzer execs "pulumi-analyzer-policy-<runtime>"
// (sdk/go/common/resource/plugin/analyzer_plugin.go, v3.274.1), and so
// RunPlugin does for the CLI of v3.274.1 (language.go). Upstream's main.go
// reads args[1], so "." names the pack through the working directory.
func policyPackDir(args []string) (string, error) {
	if len(args) < 2 {
		return "", fmt.Errorf("missing required arguments: host and policy pack directory path")
	}
	return args[1], nil
}
