package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gkewi/gkewi/provider/internal/sdkgen"
)

// TestGeneratedSDKsServeTheirConsumers generates the SDKs as `make sdk`
// does, then checks a consumer program in each language against them.
func TestGeneratedSDKsServeTheirConsumers(t *testing.T) {
	if err := sdkgen.Generate("schema.json", filepath.Join("..", "sdk")); err != nil {
		t.Fatal(err)
	}
	t.Run("typescript type-checks", func(t *testing.T) {
		// The example gets the SDK as a user does: `pulumi install` writes it
		// to sdks/gkewi, and npm installs it from package.json's "file:"
		// dependency, compiling it (examples_test.go).
		dir := filepath.Join("..", "examples", "typescript")
		installProjectSDK(t, dir)
		typeCheck(t, dir)
	})
	t.Run("typescript takes Outputs only where the Go side does", func(t *testing.T) {
		// Each Output passed to a plain input is marked @ts-expect-error:
		// tsc fails if one is accepted, or if one that should be is not.
		typeCheck(t, filepath.Join("testdata", "typescript"))
	})
	t.Run("python byte-compiles", func(t *testing.T) {
		// PyPI is out of reach here, so the pulumi package cannot be installed
		// and the program cannot run: compiling catches syntax, not types.
		files, _ := filepath.Glob(filepath.Join("..", "sdk", "python", "pulumi_gkewi", "*.py"))
		files = append(files, filepath.Join("..", "examples", "python", "__main__.py"))
		compile := exec.Command("python3", append([]string{"-m", "py_compile"}, files...)...)
		if out, err := compile.CombinedOutput(); err != nil || len(files) < 4 {
			t.Errorf("py_compile of %d files: %v\n%s", len(files), err, out)
		}
	})
	t.Run("yaml matches the schema", func(t *testing.T) {
		for _, problem := range yamlProblems(t, filepath.Join("..", "examples", "yaml", "Pulumi.yaml")) {
			t.Error(problem)
		}
	})
}

// typeCheck type-checks the TypeScript consumer in dir with the pinned tsc.
func typeCheck(t *testing.T, dir string) {
	t.Helper()
	installPinned(t, dir)
	tsc := exec.Command(filepath.Join("node_modules", ".bin", "tsc"), "-p", ".")
	tsc.Dir = dir
	if out, err := tsc.CombinedOutput(); err != nil {
		t.Errorf("tsc: %v\n%s", err, out)
	}
}

// installPinned installs the consumer's pinned packages from its lockfile,
// unless the last install was of the same lockfile.
func installPinned(t *testing.T, dir string) {
	t.Helper()
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(lock)
	stamp := filepath.Join(dir, "node_modules", ".gkewi-lockfile-sha256")
	if done, err := os.ReadFile(stamp); err == nil && string(done) == hex.EncodeToString(sum[:]) {
		t.Log("npm: node_modules is current")
		return
	}
	started := time.Now()
	npm := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline")
	npm.Dir = dir
	if out, err := npm.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	t.Logf("npm ci took %s", time.Since(started).Round(time.Second))
	if err := os.WriteFile(stamp, []byte(hex.EncodeToString(sum[:])), 0o644); err != nil {
		t.Fatal(err)
	}
}

var outputReference = regexp.MustCompile(`^\$\{(\w+)\.(\w+)\}$`)

// yamlProblems checks a Pulumi YAML program's uses of the component against
// the committed schema: known properties of the right types, the required
// ones present, and known outputs.
func yamlProblems(t *testing.T, path string) []string {
	t.Helper()
	var spec struct {
		Resources map[string]struct {
			InputProperties map[string]struct{ Type string } `json:"inputProperties"`
			Properties      map[string]struct{ Type string } `json:"properties"`
			RequiredInputs  []string                         `json:"requiredInputs"`
		} `json:"resources"`
	}
	data, err := os.ReadFile("schema.json")
	if err == nil {
		err = json.Unmarshal(data, &spec)
	}
	if err != nil {
		t.Fatal(err)
	}
	component := spec.Resources[componentToken]
	var program struct {
		Resources map[string]struct {
			Type       string         `yaml:"type"`
			Properties map[string]any `yaml:"properties"`
		} `yaml:"resources"`
		Outputs map[string]string `yaml:"outputs"`
	}
	if data, err = os.ReadFile(path); err == nil {
		err = yaml.Unmarshal(data, &program)
	}
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	ours := map[string]bool{}
	for name, r := range program.Resources {
		if r.Type != componentToken {
			continue
		}
		ours[name] = true
		for key, value := range r.Properties {
			property, ok := component.InputProperties[key]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: %s is not an input of %s", name, key, componentToken))
			} else if got := yamlType(value); got != property.Type {
				problems = append(problems, fmt.Sprintf("%s: %s is a %s, want a %s", name, key, got, property.Type))
			}
		}
		for _, key := range component.RequiredInputs {
			if _, ok := r.Properties[key]; !ok {
				problems = append(problems, fmt.Sprintf("%s: the required input %s is missing", name, key))
			}
		}
	}
	for output, expression := range program.Outputs {
		m := outputReference.FindStringSubmatch(expression)
		if m == nil || !ours[m[1]] {
			continue
		}
		if _, ok := component.Properties[m[2]]; !ok {
			problems = append(problems, fmt.Sprintf("output %s: %s has no output %s", output, m[1], m[2]))
		}
	}
	if len(ours) == 0 {
		problems = append(problems, path+" uses no "+componentToken)
	}
	return problems
}

// yamlType is the schema type of a decoded YAML value.
func yamlType(value any) string {
	switch value.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case int:
		return "integer"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", value), "*")
}
