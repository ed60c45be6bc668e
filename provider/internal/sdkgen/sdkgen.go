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
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// tool names the generator in the generated files' headers.
const tool = "gkewi make sdk"

// Languages are the SDKs Generate writes, each into a folder of its name.
var Languages = []string{"nodejs", "python"}

// Generate writes the SDK of every language in Languages under out, from
// the schema at schemaPath.
func Generate(schemaPath, out string) error {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return fmt.Errorf("reading %s: %w", schemaPath, err)
	}
	for _, language := range Languages {
		// Each generator records what it generated in the package, so each
		// gets a package of its own.
		pkg, err := schema.ImportSpec(spec, nil, noPackages{}, schema.ValidationOptions{})
		if err != nil {
			return fmt.Errorf("binding %s: %w", schemaPath, err)
		}
		files, err := generate(language, pkg)
		if err != nil {
			return fmt.Errorf("generating the %s SDK: %w", language, err)
		}
		dir := filepath.Join(out, language)
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
	}
	return nil
}

func generate(language string, pkg *schema.Package) (map[string][]byte, error) {
	switch language {
	case "nodejs":
		return nodejs.GeneratePackage(tool, pkg, nil, nil, false, nil)
	case "python":
		return python.GeneratePackage(tool, pkg, nil, nil)
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
