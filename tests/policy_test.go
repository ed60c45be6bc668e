package tests

import (
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/gkewi/gkewi/components"
)

// The hardening rules are the policy pack in policy/, a module of its own
// whose tests evaluate the pack with OPA's library. What they evaluate is
// written here, from the program: each stack's resources as the analyzer
// sees them (policy/testdata/stacks/), a fixture that the pack's tests break
// rule by rule (policy/testdata/fixture.json), and the pack's list of
// escalation roles, which is validation's (policy/escalation_roles.rego).
// Only the restricted Pod Security Standard stays here, with Kubernetes' own
// evaluator.

// policyFixture is the project's own stack the pack's tests break: the dev
// fixture with every hardening option on, so that it keeps the advisory
// rules too, and the google-cloud-cli image pinned by digest, so that every
// container is.
func policyFixture() map[string]string {
	return withConfig(devFixture(), map[string]string{
		"gkewi:image":                "gcr.io/google.com/cloudsdktool/google-cloud-cli@sha256:" + strings.Repeat("d", 64),
		"gkewi:privateEndpoint":      "true",
		"gkewi:authorizedNetworks":   `["10.8.0.0/24"]`,
		"gkewi:binaryAuthorization":  "true",
		"gkewi:secretsEncryptionKey": "projects/" + devProject + "/locations/asia-northeast1/keyRings/gkewi/cryptoKeys/secrets",
		"gkewi:restrictEgress":       "restricted",
		"gkewi:flowLogs":             "true",
	})
}

func TestPolicyInputsAreCurrent(t *testing.T) {
	t.Parallel()
	for stack := range stackFiles() {
		t.Run(stack, func(t *testing.T) {
			t.Parallel()
			rec := mustRecord(t, stackConfig(t, stack), inStack(stack))
			golden(t, filepath.Join("..", "policy", "testdata", "stacks", stack+".json"), policyInput(t, rec))
		})
	}
	t.Run("fixture", func(t *testing.T) {
		t.Parallel()
		golden(t, filepath.Join("..", "policy", "testdata", "fixture.json"), policyInput(t, mustRecord(t, policyFixture())))
	})
}

// policyInput is what pulumi-policy-opa's stack rules see of a recording
// (its README, "Stack Input Structure"; cmd/pulumi-analyzer-policy-opa/
// analyzer.go, buildStackOPAInput, at commit 0541594a of 2025): every
// resource with its options, its provider, its inputs (as Mappable makes
// them, secrets included) and its dependencies as URNs. The pack's tests
// derive each resource rule's input from it as the analyzer does.
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

func TestEveryStackMeetsTheRestrictedPodSecurityStandard(t *testing.T) {
	t.Parallel()
	for _, stack := range slices.Sorted(maps.Keys(stackFiles())) {
		rec := mustRecord(t, stackConfig(t, stack), inStack(stack))
		for _, problem := range eachPodSpec(rec, restrictedViolations) {
			t.Errorf("stack %s breaks the restricted Pod Security Standard: %s", stack, problem)
		}
	}
}

func TestPodsMeetTheRestrictedPodSecurityStandard(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	set(t, rec, cronJobType, resource.NewProperty(true),
		"spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "securityContext", "allowPrivilegeEscalation")
	if len(eachPodSpec(rec, restrictedViolations)) == 0 {
		t.Error("a privilege-escalating container met the restricted standard")
	}
}

// set replaces the value at path in the inputs of the first resource of typ.
func set(t *testing.T, rec *recorder, typ string, value resource.PropertyValue, path ...any) {
	t.Helper()
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

// podSecurity is the PodSecurity admission plugin's own evaluator.
var podSecurity = func() policy.Evaluator {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks())
	if err != nil {
		panic(err)
	}
	return evaluator
}()

// restrictedViolations are the pod's breaches of the restricted Pod Security
// Standard, as PodSecurity admission finds them.
func restrictedViolations(pod map[string]any) []string {
	data, err := json.Marshal(pod)
	if err != nil {
		return []string{err.Error()}
	}
	var spec corev1.PodSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return []string{"the pod spec does not decode: " + err.Error()}
	}
	if len(spec.Containers) == 0 {
		return []string{"no pod spec"}
	}
	restricted := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	var violations []string
	for _, result := range podSecurity.EvaluatePod(restricted, &metav1.ObjectMeta{}, &spec) {
		if !result.Allowed {
			violations = append(violations, result.ForbiddenReason+": "+result.ForbiddenDetail)
		}
	}
	return violations
}

func containers(pod map[string]any) []map[string]any {
	var out []map[string]any
	for _, key := range []string{"initContainers", "containers"} {
		list, _ := pod[key].([]any)
		for _, c := range list {
			out = append(out, c.(map[string]any))
		}
	}
	return out
}
