package tests

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
	"github.com/gkewi/gkewi/tests/podspec"
)

// The hardening rules are the policy pack in policy/, a module of its own
// whose tests evaluate the pack with OPA's library. What they evaluate is
// written here, from the program: each stack's resources as the analyzer
// sees them once they exist (policy/testdata/stacks/) and as it sees them on
// the stack's first preview, when what the providers compute on create is
// still unknown (policy/testdata/preview/, recorded by recordPreview), a
// fixture that the pack's tests break rule by rule
// (policy/testdata/fixture.json), and the pack's list of escalation roles,
// which is validation's (policy/escalation_roles.rego).
// Only the restricted Pod Security Standard stays here, with Kubernetes' own
// evaluator.

// policyFixture is the project's own stack the pack's tests break: the dev
// fixture with every hardening option on, so that it keeps the advisory
// rules too, and the google-cloud-cli image pinned by digest, so that every
// container is. Its private endpoint needs an existing network, whose
// subnetwork, and so its flow logs, the stack does not own.
func policyFixture() map[string]string {
	return withConfig(devFixture(), onExistingNetwork(map[string]string{
		"gkewi:image":                "gcr.io/google.com/cloudsdktool/google-cloud-cli@sha256:" + strings.Repeat("d", 64),
		"gkewi:privateEndpoint":      "true",
		"gkewi:authorizedNetworks":   `["10.8.0.0/24"]`,
		"gkewi:binaryAuthorization":  "true",
		"gkewi:secretsEncryptionKey": "projects/" + devProject + "/locations/asia-northeast1/keyRings/gkewi/cryptoKeys/secrets",
		"gkewi:restrictEgress":       "restricted",
	}))
}

func TestPolicyInputsAreCurrent(t *testing.T) {
	t.Parallel()
	for stack := range stackFiles() {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			rec := mustRecord(t, stackConfig(t, stack), inStack(stack))
			golden(t, filepath.Join("..", "policy", "testdata", "stacks", stack+".json"), policyInput(t, rec))
			preview := recordPreview(t, stackConfig(t, stack), rec)
			golden(t, filepath.Join("..", "policy", "testdata", "preview", stack+".json"), policyInput(t, preview))
		})
	}
	t.Run("fixture", func(t *testing.T) {
		t.Parallel()
		rec := mustRecord(t, policyFixture())
		golden(t, filepath.Join("..", "policy", "testdata", "fixture.json"), policyInput(t, rec))
		golden(t, filepath.Join("..", "policy", "testdata", "preview", "fixture.json"), policyInput(t, recordPreview(t, policyFixture(), rec)))
	})
}

// policyInput is what pulumi-policy-opa's stack rules see of a recording
// (its README, "Stack Input Structure"; cmd/pulumi-analyzer-policy-opa/
// analyzer.go, buildStackOPAInput, at commit 0541594a of 2025): every
// resource with its options, its provider, its inputs (as Mappable makes
// them, secrets included) and its dependencies as URNs. The pack's tests
// derive each resource rule's input from it as the analyzer does.
//
// Mappable (pulumi/pulumi sdk/go/common/resource/properties.go,
// PropertyValue.MapRepl, v3.274.1) leaves a secret as the *resource.Secret
// and an unknown as the resource.Computed (or resource.Output) itself, and
// OPA turns such a Go value into Rego through JSON (ast.InterfaceToValue,
// util.RoundTrip), as json.Marshal writes it here: {"Element": {"V": v}},
// where an unknown's v is the zero value of its type, "" for the strings
// the Go SDK sends (plugin/rpc.go, unmarshalUnknownPropertyValue). In a
// preview recording the inputs keep their unknowns (previewMocks), so the
// files under policy/testdata/preview hold them in that shape.
func policyInput(t *testing.T, rec *recorder) string {
	t.Helper()
	resources := []map[string]any{}
	for _, reg := range rec.resources {
		resources = append(resources, map[string]any{
			"type": reg.Type, "urn": reg.URN, "name": reg.Name,
			"options":              analyzerOptions(rec, reg),
			"provider":             analyzerProvider(rec, reg),
			"properties":           reg.Inputs.Mappable(),
			"dependencies":         rec.urnsOf(reg.DependsOn),
			"propertyDependencies": propertyDependencies(rec, reg),
		})
	}
	slices.SortFunc(resources, func(a, b map[string]any) int { return strings.Compare(a["urn"].(string), b["urn"].(string)) })
	data, err := json.MarshalIndent(map[string]any{"resources": resources}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data) + "\n"
}

func analyzerOptions(rec *recorder, reg registration) map[string]any {
	return map[string]any{
		"protect":                 reg.Protect,
		"ignoreChanges":           reg.IgnoreChanges,
		"deleteBeforeReplace":     reg.DeleteBeforeReplace,
		"additionalSecretOutputs": nil,
		"aliasURNs":               nil,
		"aliases":                 nil,
		"customTimeouts":          map[string]any{"create": "", "update": "", "delete": ""},
		"parent":                  rec.urnOf(reg.Parent),
	}
}

// analyzerProvider is the resource's provider, or the default provider of
// its package that the engine gives a resource naming none.
func analyzerProvider(rec *recorder, reg registration) map[string]any {
	for _, p := range rec.resources {
		if reg.Provider != "" && p.Name == reg.Provider && strings.HasPrefix(p.Type, "pulumi:providers:") {
			return map[string]any{"type": p.Type, "name": p.Name, "urn": p.URN, "properties": p.Inputs.Mappable()}
		}
	}
	pkg, _, _ := strings.Cut(reg.Type, ":")
	typ := "pulumi:providers:" + pkg
	return map[string]any{"type": typ, "name": "default", "urn": "urn:pulumi:dev::gkewi::" + typ + "::default", "properties": map[string]any{}}
}

func propertyDependencies(rec *recorder, reg registration) map[string][]string {
	deps := map[string][]string{}
	for key, names := range reg.PropertyDependencies {
		deps[key] = rec.urnsOf(names)
	}
	return deps
}

// TestAPreviewReachesThePackAsItReachesTheAnalyzer: a preview recording's
// inputs, sent as the engine sends them to an analyzer plugin
// (sdk/go/common/resource/plugin/analyzer_plugin.go, Analyze and
// AnalyzeStack: MarshalProperties with KeepUnknowns and KeepSecrets) and
// decoded as pulumi-policy-opa's plugin server decodes them
// (analyzer_server.go, the same options and SkipInternalKeys), give the
// Mappable that policyInput writes; and in them an IAM member made from a
// new account's email is unknown, and the kubeconfig made from a new
// cluster a secret of an unknown.
func TestAPreviewReachesThePackAsItReachesTheAnalyzer(t *testing.T) {
	t.Parallel()
	preview := recordPreview(t, devFixture(), mustRecord(t, devFixture()))
	wire := plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipInternalKeys: true}
	for _, reg := range preview.resources {
		sent, err := plugin.MarshalProperties(reg.Inputs, wire)
		if err != nil {
			t.Fatalf("%s: %v", reg.Name, err)
		}
		received, err := plugin.UnmarshalProperties(sent, wire)
		if err != nil {
			t.Fatalf("%s: %v", reg.Name, err)
		}
		want, _ := json.Marshal(received.Mappable())
		got, _ := json.Marshal(reg.Inputs.Mappable())
		if string(got) != string(want) {
			t.Errorf("%s reaches the analyzer as\n%s\nbut the recording holds\n%s", reg.Name, want, got)
		}
	}
	if member := preview.one(t, projectMemberType, "gkewi-node-sa-role").Inputs["member"]; !member.IsComputed() {
		t.Errorf("the nodes' role grant names %v in a first preview; want an unknown", member)
	}
	kubeconfig := preview.one(t, "pulumi:providers:kubernetes", "gkewi-kubernetes").Inputs["kubeconfig"]
	if !kubeconfig.IsSecret() || !kubeconfig.SecretValue().Element.IsComputed() {
		t.Errorf("the provider's kubeconfig is %v in a first preview; want a secret of an unknown", kubeconfig)
	}
}

// TestPolicyEscalationRolesAreCurrent writes the pack's escalation roles
// from the ones validation refuses, with the same reasons.
func TestPolicyEscalationRolesAreCurrent(t *testing.T) {
	t.Parallel()
	var text strings.Builder
	text.WriteString("# Generated by `make plan` from components.EscalationRoles, the roles that\n" +
		"# gkewi's validation refuses: each lets its holder act as other identities or\n" +
		"# change IAM. Do not edit.\npackage gkewi\n\nimport rego.v1\n\nescalation_roles := {\n")
	for _, role := range slices.Sorted(maps.Keys(components.EscalationRoles)) {
		fmt.Fprintf(&text, "\t%q: %q,\n", role, components.EscalationRoles[role])
	}
	text.WriteString("}\n")
	golden(t, filepath.Join("..", "policy", "escalation_roles.rego"), text.String())
}

// TestPolicyResourceRolesAreCurrent writes the pack's table of the roles
// that a grant may put on one resource, from the one validation uses.
func TestPolicyResourceRolesAreCurrent(t *testing.T) {
	t.Parallel()
	kindsOf := map[string][]string{}
	for kind, roles := range components.GrantRoles() {
		for _, role := range roles {
			kindsOf[role] = append(kindsOf[role], kind)
		}
	}
	var text strings.Builder
	text.WriteString("# Generated by `make plan` from components.GrantRoles, the roles that\n" +
		"# gkewi:grants may put on a single resource, with the kinds of resource\n" +
		"# each applies to. Do not edit.\npackage gkewi\n\nimport rego.v1\n\nresource_roles := {\n")
	for _, role := range slices.Sorted(maps.Keys(kindsOf)) {
		slices.Sort(kindsOf[role])
		fmt.Fprintf(&text, "\t%q: [%s],\n", role, quoted(kindsOf[role]))
	}
	text.WriteString("}\n")
	golden(t, filepath.Join("..", "policy", "resource_roles.rego"), text.String())
}

// quoted is the strings, each quoted, comma-separated.
func quoted(values []string) string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(out, ", ")
}

func TestEveryStackMeetsTheRestrictedPodSecurityStandard(t *testing.T) {
	t.Parallel()
	for _, stack := range slices.Sorted(maps.Keys(stackFiles())) {
		rec := mustRecord(t, stackConfig(t, stack), inStack(stack))
		for _, problem := range eachPodSpec(rec, podspec.RestrictedViolations) {
			t.Errorf("stack %s breaks the restricted Pod Security Standard: %s", stack, problem)
		}
	}
}

func TestPodsMeetTheRestrictedPodSecurityStandard(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture(), ownRecording())
	set(t, rec, cronJobType, resource.NewProperty(true),
		"spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "securityContext", "allowPrivilegeEscalation")
	if len(eachPodSpec(rec, podspec.RestrictedViolations)) == 0 {
		t.Error("a privilege-escalating container met the restricted standard")
	}
}

// set replaces the value at path in the inputs of the first resource of typ
// in rec, which must be the test's own recording.
func set(t *testing.T, rec *recorder, typ string, value resource.PropertyValue, path ...any) {
	t.Helper()
	if rec.shared {
		t.Fatal("the recording is shared with other tests: record with ownRecording() to change it")
	}
	regs := rec.byType(typ)
	if len(regs) == 0 {
		t.Fatalf("no %s registered", typ)
	}
	container := resource.NewProperty(regs[0].Inputs)
	for i, step := range path {
		container = unwrapSecret(container)
		last := i == len(path)-1
		switch s := step.(type) {
		case string:
			obj := container.ObjectValue()
			if last {
				obj[resource.PropertyKey(s)] = value
				return
			}
			container = obj[resource.PropertyKey(s)]
		case int:
			arr := container.ArrayValue()
			if last {
				arr[s] = value
				return
			}
			container = arr[s]
		}
	}
}

// podSpecPaths are where each workload type keeps its pod spec.
var podSpecPaths = map[string][]any{
	cronJobType: {"spec", "jobTemplate", "spec", "template", "spec"},
	jobType:     {"spec", "template", "spec"},
}

func eachPodSpec(rec *recorder, check func(pod map[string]any) []string) []string {
	var violations []string
	for typ, path := range podSpecPaths {
		for _, reg := range rec.byType(typ) {
			pod, _ := get(reg.Inputs, path...).(map[string]any)
			for _, problem := range check(pod) {
				violations = append(violations, fmt.Sprintf("%s %s: %s", reg.Type, reg.Name, problem))
			}
		}
	}
	return violations
}

// previewMocks are the recorder's mocks as the providers answer the first
// `pulumi preview` of a stack, when nothing exists yet: a resource has no id,
// and its outputs are its inputs without what the provider computes on
// create (a service account's email, name and member, a RandomId's hex, a
// cluster's endpoint and CA, every id), which the mock monitor then leaves
// out and the Go SDK resolves as unknown in a dry run (sdk/go/pulumi/
// context.go, resourceState.resolve, at v3.274.1). What the program builds
// from them reaches the recording as unknown, as it reaches the engine.
type previewMocks struct {
	*recorder
	// deployed is the recording of the same stack once it exists, which
	// says which inputs are secret.
	deployed *recorder
}

// NewResource records the registration with its inputs as the engine
// decodes them, unknowns kept (plugin.UnmarshalProperties with KeepUnknowns
// and KeepSecrets, as pulumi-policy-opa's plugin server decodes what the
// engine sends it: sdk/go/common/resource/plugin/analyzer_server.go); the
// mock monitor decodes them without KeepUnknowns, which drops every unknown.
func (m previewMocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if args.RegisterRPC == nil {
		// A read of a resource that exists is answered in a preview too.
		return m.recorder.NewResource(args)
	}
	inputs, err := plugin.UnmarshalProperties(args.RegisterRPC.GetObject(), plugin.MarshalOptions{
		KeepUnknowns: true, KeepSecrets: true, KeepResources: true,
	})
	if err != nil {
		return "", nil, err
	}
	outputs := inputs.Copy()
	if args.TypeToken == "gcp:container/cluster:Cluster" {
		// The CA lies in masterAuth, which a mock can return only whole.
		delete(outputs, "masterAuth")
	}
	urn := mockURN(m.stack, args.RegisterRPC.GetParent(), args.TypeToken, args.Name)
	// Put back the secretness that unsecretInputs took away.
	for _, reg := range m.deployed.resources {
		if reg.URN != urn {
			continue
		}
		for key, value := range reg.Inputs {
			if previewed, ok := inputs[key]; ok && value.IsSecret() && !previewed.IsSecret() {
				inputs[key] = resource.MakeSecret(previewed)
			}
		}
	}
	args.Inputs = inputs
	if _, _, err := m.recorder.NewResource(args); err != nil {
		return "", nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.resources {
		if m.resources[i].URN == urn {
			m.resources[i].Outputs = outputs
		}
	}
	return "", outputs, nil
}

// unsecretInputs is a stack transformation, run by the Go SDK before it
// sends a registration, that makes each Output among a resource's arguments
// not secret. The mock monitor cannot decode a secret whose value is
// unknown ("malformed RPC secret: missing value"), as the kubeconfig made
// from a new cluster is in a preview; previewMocks marks the inputs secret
// again where the deployed stack's are. A secret deeper in the arguments
// still fails the run, loudly.
func unsecretInputs(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
	props := reflect.ValueOf(args.Props)
	if props.Kind() != reflect.Pointer || props.IsNil() || props.Elem().Kind() != reflect.Struct {
		return nil
	}
	copied := reflect.New(props.Elem().Type())
	copied.Elem().Set(props.Elem())
	changed := false
	for i := range copied.Elem().NumField() {
		field := copied.Elem().Field(i)
		if !field.CanSet() || !field.CanInterface() {
			continue
		}
		out, ok := field.Interface().(pulumi.Output)
		if !ok {
			continue
		}
		plain := reflect.ValueOf(pulumi.Unsecret(out))
		if plain.Type().AssignableTo(field.Type()) {
			field.Set(plain)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return &pulumi.ResourceTransformationResult{Props: copied.Interface().(pulumi.Input), Opts: args.Opts}
}

// recordPreview records the first `pulumi preview` of the stack that
// deployed records once it exists: the program with config as a dry run
// (pulumi.RunInfo.DryRun) against previewMocks.
func recordPreview(t testing.TB, config map[string]string, deployed *recorder) *recorder {
	t.Helper()
	rec := &recorder{stack: deployed.stack, world: deployed.world, outputs: map[string]stackOutput{}}
	program := func(ctx *pulumi.Context) error {
		if err := ctx.RegisterStackTransformation(unsecretInputs); err != nil {
			return err
		}
		return rec.deploy(ctx, config)
	}
	dryRun := func(info *pulumi.RunInfo) { info.DryRun = true }
	mocks := previewMocks{recorder: rec, deployed: deployed}
	if err := pulumi.RunErr(program, pulumi.WithMocks(testProject, rec.stack, mocks), dryRun); err != nil {
		t.Fatalf("previewing the program: %v", err)
	}
	return rec
}
