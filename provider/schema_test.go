package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
)

var update = flag.Bool("update", false, "rewrite schema.json from the provider")

// server is the provider, served in-process as the Pulumi engine would.
func server(t *testing.T, opts ...integration.ServerOption) integration.Server {
	t.Helper()
	provider, err := Provider()
	if err != nil {
		t.Fatal(err)
	}
	s, err := integration.NewServer(context.Background(), Name, semver.MustParse(version),
		append([]integration.ServerOption{integration.WithProvider(provider)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func schema(t *testing.T) string {
	t.Helper()
	resp, err := server(t).GetSchema(p.GetSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Schema + "\n"
}

func TestSchemaIsCurrent(t *testing.T) {
	got := schema(t)
	if *update {
		if err := os.WriteFile("schema.json", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatalf("%v; run `make schema` to write it", err)
	}
	if string(want) != got {
		t.Error("schema.json is stale; run `make schema` and review the diff")
	}
}

// componentSpec is the component's part of the schema.
func componentSpec(t *testing.T) (inputs, outputs map[string]map[string]any, required []string) {
	t.Helper()
	var spec struct {
		Resources map[string]struct {
			InputProperties map[string]map[string]any `json:"inputProperties"`
			Properties      map[string]map[string]any `json:"properties"`
			RequiredInputs  []string                  `json:"requiredInputs"`
		} `json:"resources"`
	}
	if err := json.Unmarshal([]byte(schema(t)), &spec); err != nil {
		t.Fatal(err)
	}
	c := spec.Resources[componentToken]
	return c.InputProperties, c.Properties, c.RequiredInputs
}

func TestEveryPropertyIsDescribed(t *testing.T) {
	inputs, outputs, _ := componentSpec(t)
	for kind, properties := range map[string]map[string]map[string]any{"input": inputs, "output": outputs} {
		described := 0
		for name, property := range properties {
			if text, _ := property["description"].(string); text != "" {
				described++
			} else {
				t.Errorf("the %s %s has no description", kind, name)
			}
		}
		t.Logf("%d %s properties, %d described", len(properties), kind, described)
	}
	arguments, results := taggedFields(components.WorkloadIdentityCronJobArgs{}), taggedFields(components.WorkloadIdentityCronJob{})
	if _, ok := inputs["kubernetesProvider"]; ok || len(inputs) != arguments || len(outputs) != results {
		t.Errorf("%d inputs and %d outputs, want the %d arguments without the Go-only provider, and the %d outputs",
			len(inputs), len(outputs), arguments, results)
	}
}

// TestRequiredInputsAreWhatValidationRequires removes each argument in turn
// from arguments that validate, for a new cluster and for an existing one:
// the schema must require exactly those that validation requires in both.
func TestRequiredInputsAreWhatValidationRequires(t *testing.T) {
	_, _, required := componentSpec(t)
	existing := devGoArgs()
	*existing = components.WorkloadIdentityCronJobArgs{
		Project: existing.Project, Kubeconfig: pulumi.String("cluster.kubeconfig"), Namespace: existing.Namespace,
		KubernetesServiceAccount: existing.KubernetesServiceAccount, Schedule: existing.Schedule,
	}
	var alwaysRequired []string
	for _, field := range reflect.VisibleFields(reflect.TypeOf(components.WorkloadIdentityCronJobArgs{})) {
		key, _, _ := strings.Cut(field.Tag.Get("pulumi"), ",")
		if key == "" {
			continue
		}
		requiredIn := 0
		for _, args := range []*components.WorkloadIdentityCronJobArgs{devGoArgs(), existing} {
			without := *args
			v := reflect.ValueOf(&without).Elem().FieldByIndex(field.Index)
			v.Set(reflect.Zero(v.Type()))
			if err := without.Validate("gkewi"); err != nil && strings.Contains(err.Error(), key+`: "" is required`) {
				requiredIn++
			}
		}
		if requiredIn == 2 {
			alwaysRequired = append(alwaysRequired, key)
		}
	}
	slices.Sort(alwaysRequired)
	slices.Sort(required)
	if !slices.Equal(required, alwaysRequired) {
		t.Errorf("the schema requires %v; validation always requires %v", required, alwaysRequired)
	}
}

// taggedFields counts the fields of a struct that have a name in their
// `pulumi` tag: the properties of the component, in the Go code.
func taggedFields(v any) int {
	n := 0
	for _, field := range reflect.VisibleFields(reflect.TypeOf(v)) {
		if name, _, _ := strings.Cut(field.Tag.Get("pulumi"), ","); name != "" && field.IsExported() {
			n++
		}
	}
	return n
}

// TestOnlyInputsThatTakeOutputsAreTypedAsInputs pins which inputs the SDKs
// type as Inputs: those whose Go field takes an Output, at every level (a
// list's items, a map's values, an object's properties). The others are
// plain, so that an SDK refuses an Output for them at compile time rather
// than Construct at run time.
func TestOnlyInputsThatTakeOutputsAreTypedAsInputs(t *testing.T) {
	var spec struct {
		Resources map[string]struct {
			InputProperties map[string]map[string]any `json:"inputProperties"`
		} `json:"resources"`
		Types map[string]map[string]any `json:"types"`
	}
	if err := json.Unmarshal([]byte(schema(t)), &spec); err != nil {
		t.Fatal(err)
	}
	inputs := spec.Resources[componentToken].InputProperties
	for name, plain := range map[string]bool{
		"command": false, "authorizedNetworks": false, "kubeconfig": false,
		"roles": true, "additionalProjectRoles": true, "existingCluster": true, "project": true,
	} {
		if flags := plainFlags(inputs[name], spec.Types); slices.Contains(flags, !plain) || len(flags) == 0 {
			t.Errorf("%s: plain at each level is %v, want all %v", name, flags, plain)
		}
	}
	if inputs["kubeconfig"]["secret"] != true {
		t.Error("the kubeconfig input is not secret, so a plain one from an SDK would be stored in clear")
	}
}

// plainFlags are whether a property is plain, and each thing it holds: its
// items, its values, or the properties of the object type it refers to.
func plainFlags(property map[string]any, types map[string]map[string]any) []bool {
	if property == nil {
		return nil
	}
	flags := []bool{property["plain"] == true}
	for _, held := range []string{"items", "additionalProperties"} {
		if inner, ok := property[held].(map[string]any); ok {
			flags = append(flags, plainFlags(inner, types)...)
		}
	}
	if ref, ok := property["$ref"].(string); ok {
		properties, _ := types[strings.TrimPrefix(ref, "#/types/")]["properties"].(map[string]any)
		for _, field := range properties {
			flags = append(flags, plainFlags(field.(map[string]any), types)...)
		}
	}
	return flags
}
