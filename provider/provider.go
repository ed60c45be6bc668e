package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
)

// Name is the package's name, the first part of its tokens.
const Name = "gkewi"

const (
	// repository is where the package's source lives, without a scheme.
	repository = "github.com/gkewi/gkewi"
	// goImportPath is the import path of the generated Go SDK's root
	// package; the SDK's module is its parent, github.com/gkewi/gkewi/sdk/go
	// (pulumi/pulumi pkg/codegen/go ModuleAndImportPath).
	goImportPath = repository + "/sdk/go/" + Name
)

// descriptions are the doc comments of the component's arguments, outputs
// and types, written by the gkewi tests (`make plan`) from the Go source, so
// that the schema and the Go docs say the same thing.
//
//go:embed descriptions.json
var descriptions []byte

// Provider serves the component. It adds nothing to it but the translation
// of arguments, which infer does from the args' `pulumi` tags, and the
// descriptions of its properties.
func Provider() (p.Provider, error) {
	provider, err := infer.NewProviderBuilder().
		WithDisplayName("gkewi").
		WithDescription("A GKE CronJob with a Google identity through Workload Identity, and no key file anywhere.").
		WithKeywords("gcp", "gke", "kubernetes", "workload-identity", "category/cloud", "kind/component").
		WithRepository("https://" + repository).
		// infer's default import path is the repository URL + /sdk/go/gkewi,
		// scheme and all; a Go import path has none.
		WithGoImportPath(goImportPath).
		WithLicense("Apache-2.0").
		WithModuleMap(map[tokens.ModuleName]tokens.ModuleName{"components": "index"}).
		WithComponents(infer.ComponentF(construct)).
		Build()
	if err != nil {
		return p.Provider{}, err
	}
	getSchema := provider.GetSchema
	provider.GetSchema = func(ctx context.Context, req p.GetSchemaRequest) (p.GetSchemaResponse, error) {
		resp, err := getSchema(ctx, req)
		if err != nil {
			return resp, err
		}
		resp.Schema, err = describe(resp.Schema)
		return resp, err
	}
	return provider, nil
}

// construct is the Go component's own constructor.
func construct(ctx *pulumi.Context, name string, args *components.WorkloadIdentityCronJobArgs,
	opts ...pulumi.ResourceOption,
) (*components.WorkloadIdentityCronJob, error) {
	return components.NewWorkloadIdentityCronJob(ctx, name, args, opts...)
}

const (
	componentToken       = Name + ":index:WorkloadIdentityCronJob"
	existingClusterToken = Name + ":index:ExistingCluster"
)

// describe sets the description of every property in the schema from the
// doc comments, and which inputs are plain from the Go types.
func describe(schema string) (string, error) {
	var docs struct {
		Inputs, Outputs, ExistingCluster map[string]string
	}
	if err := json.Unmarshal(descriptions, &docs); err != nil {
		return "", fmt.Errorf("reading the descriptions: %w", err)
	}
	var spec map[string]any
	if err := json.Unmarshal([]byte(schema), &spec); err != nil {
		return "", err
	}
	component, ok := lookup(spec, "resources", componentToken)
	if !ok {
		return "", fmt.Errorf("the schema has no %s", componentToken)
	}
	setDescriptions(component, "inputProperties", docs.Inputs)
	setDescriptions(component, "properties", docs.Outputs)
	if existing, ok := lookup(spec, "types", existingClusterToken); ok {
		setDescriptions(existing, "properties", docs.ExistingCluster)
	}
	types, _ := spec["types"].(map[string]any)
	inputs, _ := component["inputProperties"].(map[string]any)
	followGoTypes(inputs, reflect.TypeFor[components.WorkloadIdentityCronJobArgs](), types)
	out, err := json.MarshalIndent(spec, "", "    ")
	return string(out), err
}

func lookup(spec map[string]any, section, token string) (map[string]any, bool) {
	all, _ := spec[section].(map[string]any)
	found, ok := all[token].(map[string]any)
	return found, ok
}

func setDescriptions(object map[string]any, section string, docs map[string]string) {
	properties, _ := object[section].(map[string]any)
	for name, property := range properties {
		if text, ok := docs[name]; ok {
			property.(map[string]any)["description"] = text
		}
	}
}

// inputType is what a Go field must implement to take an Output at Construct.
var inputType = reflect.TypeFor[pulumi.Input]()

// followGoTypes makes each property plain exactly when the Go field that
// Construct copies it into takes no Output, at every level, so that the SDKs
// refuse at compile time what the Go side would refuse at run time.
//
// infer marks only scalars plain (pulumi-go-provider v1.5.0, infer/schema.go,
// serializeTypeAsPropertyType, line 183: `Plain: !inputy && indicatePlain`
// for primitives only), so a []string, a map or a struct reads as an Input in
// the SDKs. Yet the Go SDK copies an Output into a field that is not an
// Input only when it is known, secret-free and without dependencies, and
// fails otherwise (pulumi/pulumi v3.274.1, sdk/go/pulumi/provider.go,
// copyInputTo: "expected destination type to implement pulumi.Input or
// pulumi.Output"). Conversely infer marks the items of a
// pulumi.StringArrayInput plain (underlyingType reduces it to []string),
// though copyInputTo copies each item into a pulumi.StringInput.
func followGoTypes(properties map[string]any, fields reflect.Type, types map[string]any) {
	for _, field := range reflect.VisibleFields(fields) {
		name, _, _ := strings.Cut(field.Tag.Get("pulumi"), ",")
		if property, ok := properties[name].(map[string]any); ok {
			followGoType(property, field.Type, types)
		}
	}
}

// followGoType marks spec, a property or an item of one, and what it holds
// as the Go type t says; an object type's properties are those of t's fields.
func followGoType(spec map[string]any, t reflect.Type, types map[string]any) {
	if t.Implements(inputType) {
		acceptOutputs(spec)
		return
	}
	spec["plain"] = true
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A shape infer did not write is left as it is, and the schema test
	// (TestOnlyInputsThatTakeOutputsAreTypedAsInputs) says which property.
	switch t.Kind() {
	case reflect.Slice:
		if items, ok := spec["items"].(map[string]any); ok {
			followGoType(items, t.Elem(), types)
		}
	case reflect.Map:
		if values, ok := spec["additionalProperties"].(map[string]any); ok {
			followGoType(values, t.Elem(), types)
		}
	case reflect.Struct:
		ref, _ := spec["$ref"].(string)
		object, _ := types[strings.TrimPrefix(ref, "#/types/")].(map[string]any)
		properties, _ := object["properties"].(map[string]any)
		followGoTypes(properties, t, types)
	}
}

// acceptOutputs lets spec and everything it holds be an Output: a Go Input
// is made of Inputs all the way down (pulumi.StringArray is a
// []pulumi.StringInput, sdk/go/pulumi/types_builtins.go).
func acceptOutputs(spec map[string]any) {
	delete(spec, "plain")
	for _, held := range []string{"items", "additionalProperties"} {
		if inner, ok := spec[held].(map[string]any); ok {
			acceptOutputs(inner)
		}
	}
}
