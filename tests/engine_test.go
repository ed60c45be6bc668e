//go:build engine

package tests

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The engine tier's plumbing: the real Pulumi CLI and engine (bin/pulumi,
// pkg v3.274.1) run an inline Go program through the Automation API, which
// serves the program from the test process, so no Go language host is
// needed; the real Kubernetes provider (bin/pulumi-resource-kubernetes, the
// v4.25.0 code) is found on PATH, and nothing is downloaded. The stacks
// themselves run in engine_stacks_test.go. It runs with `make test-engine`
// (../shared/ENGINE-TIER.md has the probe behind it).

// engineTools is where `make engine-tools` puts the tier's binaries.
var engineTools = filepath.Join("..", "bin")

// requireEngineTier skips the tier, or fails it under `make test-engine`,
// where its binaries are missing.
func requireEngineTier(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"pulumi", "pulumi-resource-kubernetes", "pulumi-language-yaml", "pulumi-resource-gkewi"} {
		if _, err := os.Stat(filepath.Join(engineTools, tool)); err != nil {
			if os.Getenv("GKEWI_REQUIRE_ENGINE") != "" {
				t.Fatalf("the engine tier needs bin/%s: run `make engine-tools` (%v)", tool, err)
			}
			t.Skipf("no bin/%s; `make test-engine` builds it", tool)
		}
	}
	root, err := filepath.Abs(filepath.Join(engineTools, ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// engineEnv is a Pulumi that touches nothing outside dir: a file backend, a
// passphrase, a home of its own, no update check, no plugin download, and
// the tier's plugins first on PATH, the stand-ins in dir/bin before them.
func engineEnv(root, dir string) map[string]string {
	return map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + dir,
		"PULUMI_CONFIG_PASSPHRASE":                    "engine-tier",
		"PULUMI_HOME":                                 filepath.Join(dir, ".pulumi"),
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PATH": strings.Join([]string{filepath.Join(dir, "bin"), filepath.Join(root, "bin"), os.Getenv("PATH")},
			string(os.PathListSeparator)),
	}
}

// buildStandIn builds the stand-in plugin of tests/standin/NAME into
// dir/bin, where engineEnv puts it on PATH.
func buildStandIn(t *testing.T, dir, name string) {
	t.Helper()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "bin", "pulumi-resource-"+name), "./standin/"+name)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the %s stand-in: %v\n%s", name, err, out)
	}
}

// engineStack is an inline program's stack, project/name, under the tier's
// CLI, which must be the SDK's version, with env added to engineEnv's.
func engineStack(t *testing.T, root, dir, project, name string, program pulumi.RunFunc, env map[string]string) auto.Stack {
	t.Helper()
	stack, err := auto.UpsertStackInlineSource(context.Background(), name, project, program,
		append(engineOptions(t, root, dir, env), auto.WorkDir(dir))...)
	if err != nil {
		t.Fatalf("creating the stack: %v", err)
	}
	return stack
}

// engineOptions run the tier's CLI, which must be the SDK's version, with
// env added to engineEnv's.
func engineOptions(t *testing.T, root, dir string, env map[string]string) []auto.LocalWorkspaceOption {
	t.Helper()
	cli, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root, SkipVersionCheck: true})
	if err != nil {
		t.Fatalf("the CLI in bin/: %v", err)
	}
	if version := cli.Version().String(); version != "3.274.1" {
		t.Errorf("bin/pulumi is %s; want 3.274.1, the SDK's version", version)
	}
	vars := engineEnv(root, dir)
	maps.Copy(vars, env)
	return []auto.LocalWorkspaceOption{auto.Pulumi(cli), auto.EnvVars(vars)}
}

// TestEngineRunsTheRandomStandIn: the random stand-in behaves as the real
// provider does for gkewi's RandomId: unknown in a preview, known after up,
// kept while its keepers stay, replaced when they change.
func TestEngineRunsTheRandomStandIn(t *testing.T) {
	root := requireEngineTier(t)
	dir := t.TempDir()
	buildStandIn(t, dir, "random")
	keeper := "n1-standard-1"
	program := func(ctx *pulumi.Context) error {
		id, err := random.NewRandomId(ctx, "suffix", &random.RandomIdArgs{
			ByteLength: pulumi.Int(2),
			Keepers:    pulumi.StringMap{"machineType": pulumi.String(keeper)},
		})
		if err != nil {
			return err
		}
		ctx.Export("hex", id.Hex)
		return nil
	}
	ctx := context.Background()
	stack := engineStack(t, root, dir, "gkewi-engine", "engine", program, nil)
	up, err := stack.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v\n%s", err, up.StdErr)
	}
	if hex, _ := up.Outputs["hex"].Value.(string); len(hex) != 4 {
		t.Errorf("the id's hex is %q; want 4 digits", hex)
	}
	if _, err := stack.Preview(ctx, optpreview.ExpectNoChanges()); err != nil {
		t.Errorf("a second preview with the same keepers is not clean: %v", err)
	}
	keeper = "e2-standard-2"
	preview, err := stack.Preview(ctx)
	if err != nil {
		t.Fatalf("preview: %v\n%s", err, preview.StdErr)
	}
	if replaced := preview.ChangeSummary[apitype.OpReplace]; replaced != 1 {
		t.Errorf("a changed keeper replaces %d ids; want 1: %v", replaced, preview.ChangeSummary)
	}
	if _, err := stack.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
}

// TestEngineRunsTheKubernetesProvider: preview, up and destroy of a program
// whose explicit Kubernetes provider renders its objects to a folder, under
// the real engine, with the provider taken from bin/ and no plugin fetched.
func TestEngineRunsTheKubernetesProvider(t *testing.T) {
	root := requireEngineTier(t)
	dir := t.TempDir()
	rendered := filepath.Join(dir, "rendered")
	program := func(ctx *pulumi.Context) error {
		provider, err := kubernetes.NewProvider(ctx, "render", &kubernetes.ProviderArgs{
			RenderYamlToDirectory: pulumi.String(rendered),
		})
		if err != nil {
			return err
		}
		_, err = corev1.NewConfigMap(ctx, "probe", &corev1.ConfigMapArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String("probe"), Namespace: pulumi.String("default")},
			Data:     pulumi.StringMap{"engine": pulumi.String("real")},
		}, pulumi.Provider(provider))
		return err
	}
	ctx := context.Background()
	stack := engineStack(t, root, dir, "gkewi-engine", "engine", program, nil)
	preview, err := stack.Preview(ctx)
	if err != nil {
		t.Fatalf("preview: %v\n%s", err, preview.StdErr)
	}
	up, err := stack.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v\n%s", err, up.StdErr)
	}
	if !strings.Contains(up.StdOut+up.StdErr, "using pulumi-resource-kubernetes from $PATH") {
		t.Errorf("the engine did not take the provider from bin/:\n%s%s", up.StdOut, up.StdErr)
	}
	if files, _ := filepath.Glob(filepath.Join(rendered, "1-manifest", "*probe*.yaml")); len(files) != 1 {
		t.Errorf("the provider rendered %v; want the ConfigMap's manifest", files)
	}
	if _, err := stack.Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if downloaded, _ := filepath.Glob(filepath.Join(dir, ".pulumi", "plugins", "*")); len(downloaded) > 0 {
		t.Errorf("the engine fetched plugins: %v", downloaded)
	}
}
