package policy_test

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// A stack's first preview meets the pack before anything exists: what the
// providers compute on create, and what the program builds from it, is
// unknown. testdata/preview holds each stack of the repository, and the
// fixture, as the program's tests record such a preview, with each unknown
// in the shape in which the analyzer hands it to Rego (unknowns.rego).

// previews are the preview recordings: every stack's, and the fixture's.
func previews(t *testing.T) []string {
	t.Helper()
	stacks, _ := filepath.Glob(filepath.Join("testdata", "stacks", "*.json"))
	var paths []string
	for _, path := range append(stacks, filepath.Join("testdata", "fixture.json")) {
		paths = append(paths, filepath.Join("testdata", "preview", filepath.Base(path)))
	}
	return paths
}

// TestAFirstPreviewBreaksNoRule: no mandatory rule denies a stack of the
// repository on its first preview, nor any rule the fixture; and a preview
// warns of nothing that the deployed stack does not, since a rule judges
// only what it knows.
func TestAFirstPreviewBreaksNoRule(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	for _, path := range previews(t) {
		s := readStack(t, path)
		isFixture := filepath.Base(path) == "fixture.json"
		deployedStack := fixture(t)
		if !isFixture {
			deployedStack = readStack(t, filepath.Join("testdata", "stacks", filepath.Base(path)))
		}
		// A new service account's email is unknown until it exists.
		if hasType(deployedStack, accountType) && !holdsUnknowns(s) {
			t.Errorf("%s creates a service account but holds no unknown value, so it is no first preview; run `make plan`", path)
		}
		deployed := p.violations(t, deployedStack, nil)
		for rule, messages := range p.violations(t, s, nil) {
			switch {
			case isFixture || p.mandatory(rule):
				t.Errorf("%s breaks %s:\n%s", path, rule, strings.Join(messages, "\n"))
			case len(deployed[rule]) == 0:
				t.Errorf("%s: advisory %s fires on the preview alone: %s", path, rule, strings.Join(messages, "; "))
			}
		}
	}
}

// TestAFirstPreviewWithoutObjectsBreaksNoStackRule: in a stack's first
// preview, the real engine sends the stack rules each Kubernetes object of
// a cluster that does not exist yet with no properties at all, not with
// unknown ones: its provider's kubeconfig is unknown, and then Create hands
// back an empty property map (pulumi sdk v3.274.1,
// go/common/resource/plugin/provider_plugin.go); the engine tier saw it.
// The resource rules still get the inputs. No mandatory stack rule may
// deny that.
func TestAFirstPreviewWithoutObjectsBreaksNoStackRule(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	for _, path := range previews(t) {
		s := readStack(t, path)
		for _, r := range s.Resources {
			if typ, _ := r["type"].(string); strings.HasPrefix(typ, "kubernetes:") {
				r["properties"] = map[string]any{}
			}
		}
		for _, rule := range p.rules {
			if !rule.stack || !p.mandatory(rule.name) {
				continue
			}
			if messages := p.evaluate(t, rule.name, s.stackInput(), nil); len(messages) > 0 {
				t.Errorf("%s, its objects without properties, breaks %s:\n%s", path, rule.name, strings.Join(messages, "\n"))
			}
		}
	}
}

// TestEveryRuleCatchesItsViolationInAFirstPreview: each violation, made
// from the fixture's first preview, is denied there too, where it is known.
func TestEveryRuleCatchesItsViolationInAFirstPreview(t *testing.T) {
	t.Parallel()
	everyRuleCatchesItsViolation(t, loadedPack(t), previewFixture)
}

// TestAFirstPreviewStillDeniesWhatItKnows: grants whose member is the
// unknown email of a new account are still denied for what is known of
// them, their role and their project; and a known member that is no
// service account is denied although the nodes' account is unknown.
func TestAFirstPreviewStillDeniesWhatItKnows(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	cases := []struct {
		name, rule, want string
		grant            map[string]any
	}{
		{
			name: "a project-wide Workload Identity User", rule: "stack_deny_workload_identity_user_on_project",
			grant: map[string]any{"role": "roles/iam.workloadIdentityUser"},
			want:  "grants roles/iam.workloadIdentityUser on project",
		},
		{
			name: "the registry of a project without images", rule: "stack_deny_registry_grant_beyond_images",
			grant: map[string]any{"role": "roles/artifactregistry.reader", "project": "acme-mirror"},
			want:  "from project acme-mirror, which holds none of the stack's pod images",
		},
		{
			name: "the registry to a user", rule: "stack_deny_registry_grant_beyond_images",
			// On the project of the stack's image, gcr.io/google.com/cloudsdktool/...
			grant: map[string]any{"role": "roles/artifactregistry.reader", "member": "user:alice@example.com", "project": "google.com:cloudsdktool"},
			want:  "lets user:alice@example.com pull images",
		},
		{
			name: "an escalation role", rule: "deny_escalation_roles",
			grant: map[string]any{"role": "roles/iam.serviceAccountUser"},
			want:  "to (unknown until it is created)",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := readStack(t, filepath.Join("testdata", "preview", "dev.json"))
			pool := properties(first(t, s, nodePoolType))["nodeConfig"].(map[string]any)
			if !unknown(pool["serviceAccount"]) {
				t.Fatalf("the nodes' account is known in the dev stack's first preview: %v", pool["serviceAccount"])
			}
			grant := first(t, s, projectMemberType)
			if !unknown(properties(grant)["member"]) {
				t.Fatalf("the member of %s is known in the dev stack's first preview", grant["name"])
			}
			for key, value := range c.grant {
				properties(grant)[key] = value
			}
			fired := p.violations(t, s, nil)[c.rule]
			if !slices.ContainsFunc(fired, func(m string) bool { return strings.Contains(m, c.want) }) {
				t.Fatalf("%s did not deny the grant with %q; it said %q", c.rule, c.want, fired)
			}
			t.Logf("denied: %s", strings.Join(fired, "; "))
		})
	}
}

// TestNoRuleJudgesWhatIsUnknown: where a value that a rule judges, or one
// on the way to it, is unknown, no rule fires on the fixture's first
// preview, whose every known value keeps every rule. An unknown is written
// around the zero value of its type, as a provider sends it, or around ""
// as the Go SDK sends every unknown.
func TestNoRuleJudgesWhatIsUnknown(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	cronJobSpec := []any{"spec", "jobTemplate", "spec", "template", "spec"}
	jobSpec := []any{"spec", "template", "spec"}
	cases := []struct {
		typ  string
		zero any
		path []any
	}{
		{clusterType, map[string]any{}, []any{"workloadIdentityConfig"}},
		{clusterType, "", []any{"workloadIdentityConfig", "workloadPool"}},
		{clusterType, "", []any{"project"}},
		{clusterType, map[string]any{}, []any{"nodeConfig"}},
		{clusterType, map[string]any{}, []any{"nodeConfig", "workloadMetadataConfig"}},
		{clusterType, "", []any{"nodeConfig", "workloadMetadataConfig", "mode"}},
		{clusterType, "", []any{"nodeConfig", "metadata", "disable-legacy-endpoints"}},
		{clusterType, map[string]any{}, []any{"nodeConfig", "shieldedInstanceConfig"}},
		{clusterType, false, []any{"nodeConfig", "shieldedInstanceConfig", "enableSecureBoot"}},
		{clusterType, map[string]any{}, []any{"privateClusterConfig"}},
		{clusterType, false, []any{"privateClusterConfig", "enablePrivateNodes"}},
		{clusterType, "", []any{"privateClusterConfig", "enablePrivateEndpoint"}},
		{clusterType, map[string]any{}, []any{"masterAuthorizedNetworksConfig"}},
		{clusterType, []any{}, []any{"masterAuthorizedNetworksConfig", "cidrBlocks"}},
		{clusterType, "", []any{"masterAuthorizedNetworksConfig", "cidrBlocks", 0, "cidrBlock"}},
		{clusterType, "", []any{"datapathProvider"}},
		{clusterType, false, []any{"enableShieldedNodes"}},
		{clusterType, false, []any{"enableLegacyAbac"}},
		{clusterType, map[string]any{}, []any{"masterAuth"}},
		{clusterType, map[string]any{}, []any{"maintenancePolicy"}},
		{clusterType, "", []any{"binaryAuthorization", "evaluationMode"}},
		{clusterType, map[string]any{}, []any{"databaseEncryption"}},
		{nodePoolType, map[string]any{}, []any{"nodeConfig"}},
		{nodePoolType, map[string]any{}, []any{"nodeConfig", "metadata"}},
		{nodePoolType, "", []any{"nodeConfig", "workloadMetadataConfig", "mode"}},
		{nodePoolType, false, []any{"nodeConfig", "shieldedInstanceConfig", "enableIntegrityMonitoring"}},
		{serviceType, false, []any{"disableOnDestroy"}},
		{subnetworkType, map[string]any{}, []any{"logConfig"}},
		{projectMemberType, "", []any{"role"}},
		{projectMemberType, "", []any{"project"}},
		{accountMemberType, "", []any{"role"}},
		{namespaceType, map[string]any{}, []any{"metadata"}},
		{namespaceType, map[string]any{}, []any{"metadata", "labels"}},
		{namespaceType, "", []any{"metadata", "labels", "pod-security.kubernetes.io/warn"}},
		{jobType, map[string]any{}, []any{"spec"}},
		{jobType, map[string]any{}, []any{"spec", "template"}},
		{jobType, map[string]any{}, jobSpec},
		{jobType, false, at(jobSpec, "automountServiceAccountToken")},
		{jobType, map[string]any{}, at(jobSpec, "nodeSelector")},
		{jobType, []any{}, at(jobSpec, "containers")},
		{jobType, map[string]any{}, at(jobSpec, "containers", 0)},
		{jobType, "", at(jobSpec, "containers", 0, "image")},
		{jobType, map[string]any{}, at(jobSpec, "containers", 0, "securityContext")},
		{jobType, map[string]any{}, at(jobSpec, "containers", 0, "resources")},
		{jobType, "", at(jobSpec, "containers", 0, "resources", "limits", "memory")},
		{jobType, map[string]any{}, []any{"spec", "template", "metadata", "labels"}},
		{jobType, "", []any{"metadata", "namespace"}},
		{cronJobType, false, at(cronJobSpec, "initContainers", 0, "securityContext", "readOnlyRootFilesystem")},
		{cronJobType, "", at(cronJobSpec, "nodeSelector", "iam.gke.io/gke-metadata-server-enabled")},
		{networkPolicyType, map[string]any{}, []any{"spec"}},
		{networkPolicyType, map[string]any{}, []any{"spec", "podSelector", "matchLabels"}},
		{networkPolicyType, "", []any{"metadata", "namespace"}},
		{kubernetesProviderType, "", []any{"kubeconfig"}},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s %v", c.typ, c.path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// The fixture's network exists, so its subnetwork is added here.
			s := withSubnetwork(previewFixture(t), map[string]any{"aggregationInterval": "INTERVAL_5_SEC"})
			makeUnknown(t, properties(first(t, s, c.typ)), c.zero, c.path)
			for rule, messages := range p.violations(t, s, nil) {
				t.Errorf("%s fired although the value is unknown: %s", rule, strings.Join(messages, "; "))
			}
		})
	}
}

// makeUnknown replaces the value at path in props with an unknown around
// zero; every step of the path must exist.
func makeUnknown(t *testing.T, props map[string]any, zero any, path []any) {
	t.Helper()
	var container any = props
	for i, step := range path {
		last := i == len(path)-1
		switch step := step.(type) {
		case string:
			m, ok := container.(map[string]any)
			if _, found := m[step]; !ok || !found {
				t.Fatalf("the fixture's first preview has nothing at %v", path[:i+1])
			}
			if last {
				m[step] = computed(zero)
			}
			container = m[step]
		case int:
			list, ok := container.([]any)
			if !ok || step >= len(list) {
				t.Fatalf("the fixture's first preview has nothing at %v", path[:i+1])
			}
			if last {
				list[step] = computed(zero)
			}
			container = list[step]
		}
	}
}

// computed is a resource.Computed around zero as Mappable leaves it and
// OPA reads it: {"Element": {"V": zero}}.
func computed(zero any) map[string]any {
	return map[string]any{"Element": map[string]any{"V": zero}}
}

func at(base []any, more ...any) []any {
	return slices.Concat(base, more)
}

// TestUnknownReadsTheAnalyzersShape checks the pack's unknown and known
// against values in the shape the analyzer gives them (unknowns.rego).
func TestUnknownReadsTheAnalyzersShape(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	wrap := computed
	for _, c := range []struct {
		value   any
		unknown bool
		known   any
	}{
		{value: "serviceAccount:a@p.iam.gserviceaccount.com", known: "serviceAccount:a@p.iam.gserviceaccount.com"},
		{value: wrap(""), unknown: true},
		{value: wrap(false), unknown: true},
		{value: wrap([]any{}), unknown: true},
		{value: wrap(map[string]any{}), unknown: true},
		{value: wrap(nil), unknown: true},
		{value: wrap(wrap("")), unknown: true},
		{value: wrap("apiVersion: v1"), known: "apiVersion: v1"},
		{value: map[string]any{"Element": "x"}, known: map[string]any{"Element": "x"}},
	} {
		input := map[string]any{"value": c.value}
		if got := p.query(t, "unknown(input.value)", input) == true; got != c.unknown {
			t.Errorf("unknown(%v) = %v, want %v", c.value, got, c.unknown)
		}
		if known := p.query(t, "known(input.value)", input); !c.unknown && !reflect.DeepEqual(known, c.known) {
			t.Errorf("known(%v) = %v, want %v", c.value, known, c.known)
		}
	}
}

func previewFixture(t *testing.T) stack {
	t.Helper()
	return readStack(t, filepath.Join("testdata", "preview", "fixture.json"))
}

func hasType(s stack, typ string) bool {
	return slices.ContainsFunc(s.Resources, func(r stackResource) bool { return r["type"] == typ })
}

// holdsUnknowns tells whether a resource of s has an unknown property.
func holdsUnknowns(s stack) bool {
	for _, r := range s.Resources {
		if containsUnknown(properties(r)) {
			return true
		}
	}
	return false
}

func containsUnknown(v any) bool {
	if unknown(v) {
		return true
	}
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			if containsUnknown(e) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if containsUnknown(e) {
				return true
			}
		}
	}
	return false
}

// unknown tells whether v is an unknown as the analyzer gives it: the
// resource.Computed that Mappable leaves, in JSON {"Element": {"V": v}}
// around the zero value of its type, or a secret of one.
func unknown(v any) bool {
	outer, ok := v.(map[string]any)
	if !ok || len(outer) != 1 {
		return false
	}
	element, ok := outer["Element"].(map[string]any)
	if !ok || len(element) != 1 {
		return false
	}
	inner, ok := element["V"]
	if !ok {
		return false
	}
	switch inner := inner.(type) {
	case nil:
		return true
	case string:
		return inner == ""
	case bool:
		return !inner
	case float64:
		return inner == 0
	case []any:
		return len(inner) == 0
	case map[string]any:
		return len(inner) == 0 || unknown(inner)
	}
	return false
}
