package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/gkewi/gkewi/provider/internal/sdkgen"
)

// requiredConfig finds the configuration a program reads with
// `gcp.require("project")`, `config.requireObject<string[]>("authorizedNetworks")`
// or Python's `config.require_object("authorizedNetworks")`: gcp is the Google
// provider's namespace, config the project's.
var requiredConfig = regexp.MustCompile(`\b(gcp|config)\.require\w*(?:<[^>]*>)?\("(\w+)"\)`)

// TestExamplesAreCompleteProjects checks that each example in another
// language is a project that `pulumi install && pulumi preview` runs: a
// Pulumi.yaml that the CLI loads, whose packages entry is what `pulumi
// package add ../../provider` writes; the SDK named in the language's
// dependencies where `pulumi install` puts it; and a dev stack with every
// setting the program requires.
func TestExamplesAreCompleteProjects(t *testing.T) {
	for _, example := range []struct{ dir, program string }{
		{"typescript", "index.ts"},
		{"python", "__main__.py"},
	} {
		t.Run(example.dir, func(t *testing.T) {
			dir := filepath.Join("..", "examples", example.dir)
			project, err := workspace.LoadProject(filepath.Join(dir, "Pulumi.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			// `pulumi package add` of a local folder records the path as given
			// and no version (pkg/cmd/pulumi/packagecmd/package_add.go), which
			// Pulumi.yaml holds as a plain string (PackageSpec.MarshalYAML).
			want := workspace.PackageSpec{Source: "../../provider"}
			if got := project.Packages[Name]; got.String() != want.String() {
				t.Errorf("Pulumi.yaml's packages.%s is %v, want %v", Name, got, want)
			}
			if _, err := workspace.LoadPluginProject(filepath.Join(dir, want.Source, "PulumiPlugin.yaml")); err != nil {
				t.Errorf("packages.%s does not lead to the plugin: %v", Name, err)
			}

			switch example.dir {
			case "typescript":
				// The nodejs language host's Link: `npm pkg set
				// dependencies[@pulumi/gkewi]=file:sdks/gkewi`, and the SDK's
				// install script allowed.
				var pkg struct {
					Dependencies map[string]string
					AllowScripts map[string]bool `json:"allowScripts"`
				}
				data, err := os.ReadFile(filepath.Join(dir, "package.json"))
				if err == nil {
					err = json.Unmarshal(data, &pkg)
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := pkg.Dependencies["@pulumi/gkewi"]; got != "file:"+sdkgen.ProjectSDK {
					t.Errorf("package.json depends on @pulumi/gkewi %q, want %q", got, "file:"+sdkgen.ProjectSDK)
				}
				if !pkg.AllowScripts["file:"+sdkgen.ProjectSDK] {
					t.Errorf("package.json's allowScripts does not allow the SDK's postinstall script, which compiles it")
				}
			case "python":
				// The pip toolchain's LinkPackages: the SDK's path, one line.
				data, err := os.ReadFile(filepath.Join(dir, "requirements.txt"))
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Contains(strings.Fields(string(data)), sdkgen.ProjectSDK) {
					t.Errorf("requirements.txt does not name %s:\n%s", sdkgen.ProjectSDK, data)
				}
			}

			stack, err := workspace.LoadProjectStack(diag.DefaultSink(os.Stderr, os.Stderr, diag.FormatOptions{Color: colors.Never}),
				project, filepath.Join(dir, "Pulumi.dev.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			set := map[string]bool{}
			for key := range stack.Config {
				set[key.String()] = true
			}
			program, err := os.ReadFile(filepath.Join(dir, example.program))
			if err != nil {
				t.Fatal(err)
			}
			required := requiredConfig.FindAllStringSubmatch(string(program), -1)
			if len(required) == 0 {
				t.Errorf("%s reads no configuration", example.program)
			}
			for _, m := range required {
				namespace := m[1]
				if namespace == "config" {
					namespace = project.Name.String()
				}
				if key := namespace + ":" + m[2]; !set[key] {
					t.Errorf("%s requires %s, which Pulumi.dev.yaml does not set (it sets %v)",
						example.program, key, slices.Sorted(maps.Keys(set)))
				}
			}
		})
	}
}

// installProjectSDK generates the Node.js SDK into a TypeScript project as
// `pulumi install` does (sdkgen.ProjectSDK, a local SDK that compiles itself
// when npm installs it), so that the project gets it through its "file:"
// dependency, as a user does. An unchanged SDK stays, with what npm built in
// it; a changed one makes the next installPinned run `npm ci` again.
func installProjectSDK(t *testing.T, project string) {
	t.Helper()
	files, err := sdkgen.ForProject("schema.json", "nodejs")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(project, filepath.FromSlash(sdkgen.ProjectSDK))
	current := true
	for name, content := range files {
		if have, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(have, content) {
			current = false
			break
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bin", "index.d.ts")); err != nil {
		current = false
	}
	if current {
		return
	}
	if err := sdkgen.Write(dir, files); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(project, "node_modules", ".gkewi-lockfile-sha256")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
}

// TestGoSDKServesAGoProgram generates the Go SDK as `make sdk` does, with
// the module that `pulumi package add` writes for it, and vets a Go program
// (testdata/goconsumer) that uses it through a replace directive, as `pulumi
// package add` links it. The program's other modules come from the module
// cache or the Go module proxy.
func TestGoSDKServesAGoProgram(t *testing.T) {
	files, err := sdkgen.Files("schema.json", "go", true, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := sdkgen.Write(filepath.Join("..", "sdk", "go"), files); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	vet := exec.Command("go", "vet", "./...")
	vet.Dir = filepath.Join("testdata", "goconsumer")
	vet.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := vet.CombinedOutput(); err != nil {
		t.Errorf("go vet: %v\n%s", err, out)
	}
	t.Logf("go vet took %s", time.Since(started).Round(time.Second))
}
