package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
)

// Name is the package's name, the first part of its tokens.
const Name = "gkewi"

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
		WithRepository("https://github.com/gkewi/gkewi").
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
// doc comments.
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
