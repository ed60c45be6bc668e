// Package sdkgen generates the component package's SDKs from its schema,
// with Pulumi's own code generators, which need no language plugin.
package sdkgen

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// tool names the generator in the generated files' headers.
const tool = "gkewi make sdk"

// Languages are the SDKs Generate writes, each into a folder of its name.
var Languages = []string{"nodejs", "python", "go"}

// Generate writes the SDK of every language in Languages under out, from
// the schema at schemaPath.
func Generate(schemaPath, out string) error {
	for _, language := range Languages {
		// Without SupportPack, the Go generator writes no go.mod, and a Go
		// program has no module to point a replace directive at.
		files, err := Files(schemaPath, language, language == "go", false)
		if err != nil {
			return err
		}
		if err := Write(filepath.Join(out, language), files); err != nil {
			return err
		}
	}
	return nil
}

// ProjectSDK is where `pulumi package add` and `pulumi install` put the
// package's SDK in a project, relative to the project's folder: sdks/<name>
// (pulumi/pulumi v3.274.1, pkg/cmd/pulumi/packageworkspace GenerateLocalSDK;
// the schema sets no namespace, which would prefix the name).
const ProjectSDK = "sdks/gkewi"

// ForProject returns the files of a language's SDK as `pulumi package add`
// and `pulumi install` generate it into a project (ProjectSDK): with
// SupportPack, and as a local SDK, which for Node.js means a package.json
// whose postinstall script compiles the TypeScript (GenerateLocalSDK and
// genSDK in pkg/cmd/pulumi/packageworkspace, v3.274.1).
func ForProject(schemaPath, language string) (map[string][]byte, error) {
	return Files(schemaPath, language, true, true)
}

// Files returns the files of one language's SDK, by their paths in the SDK's
// folder, generated from the schema at schemaPath.
func Files(schemaPath, language string, supportPack, local bool) (map[string][]byte, error) {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return nil, fmt.Errorf("reading %s: %w", schemaPath, err)
	}
	// Each generator records what it generated in the package, so each
	// gets a package of its own.
	pkg, err := schema.ImportSpec(spec, nil, noPackages{}, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("binding %s: %w", schemaPath, err)
	}
	pkg.SupportPack = supportPack
	files, err := generate(language, pkg, local)
	if err != nil {
		return nil, fmt.Errorf("generating the %s SDK: %w", language, err)
	}
	return files, nil
}

// Write replaces the folder dir with files.
func Write(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func generate(language string, pkg *schema.Package, local bool) (map[string][]byte, error) {
	switch language {
	case "nodejs":
		return nodejs.GeneratePackage(tool, pkg, nil, nil, local, nil)
	case "python":
		return python.GeneratePackage(tool, pkg, nil, nil)
	case "go":
		return gogen.GeneratePackage(tool, pkg, nil)
	}
	return nil, fmt.Errorf("no generator for %s", language)
}

// noPackages loads no other package: the schema refers to none.
type noPackages struct{}

func (noPackages) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the gkewi schema refers to no other package, but to %s", name)
}

func (l noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, d.Version)
}

func (l noPackages) LoadPackageReference(name string, v *semver.Version) (schema.PackageReference, error) {
	_, err := l.LoadPackage(name, v)
	return nil, err
}

func (l noPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, d.Version)
}
