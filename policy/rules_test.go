package policy_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestEveryStackKeepsEveryRule: every stack of the repository keeps every
// mandatory rule, and the fixture, which turns every hardening option on,
// keeps the advisory ones too. A stack's advisory warnings are the options
// it leaves off, logged here.
func TestEveryStackKeepsEveryRule(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	stacks, _ := filepath.Glob(filepath.Join("testdata", "stacks", "*.json"))
	if len(stacks) == 0 {
		t.Fatal("no stack in testdata/stacks; run `make plan`")
	}
	for _, path := range append(stacks, filepath.Join("testdata", "fixture.json")) {
		fixture := filepath.Base(path) == "fixture.json"
		for rule, messages := range p.violations(t, readStack(t, path), nil) {
			if fixture || p.mandatory(rule) {
				t.Errorf("%s breaks %s:\n%s", path, rule, strings.Join(messages, "\n"))
			} else {
				t.Logf("%s: advisory %s: %s", path, rule, strings.Join(messages, "; "))
			}
		}
	}
}

// ruleBreaker breaks one rule in the fixture.
type ruleBreaker func(t *testing.T, s stack) stack

var breakers = map[string]ruleBreaker{
	"deny_cluster_without_workload_identity": setting(clusterType, map[string]any{}, "workloadIdentityConfig"),
	"deny_node_pool_without_gke_metadata":    setting(nodePoolType, "GCE_METADATA", "nodeConfig", "workloadMetadataConfig", "mode"),
	"deny_legacy_metadata_endpoints":         setting(nodePoolType, "false", "nodeConfig", "metadata", "disable-legacy-endpoints"),
	"deny_public_nodes":                      setting(clusterType, false, "privateClusterConfig", "enablePrivateNodes"),
	"deny_control_plane_open_to_the_world":   setting(clusterType, "0.0.0.0/0", "masterAuthorizedNetworksConfig", "cidrBlocks", 0, "cidrBlock"),
	"deny_client_certificate":                setting(clusterType, true, "masterAuth", "clientCertificateConfig", "issueClientCertificate"),
	"deny_legacy_abac":                       setting(clusterType, true, "enableLegacyAbac"),
	"deny_unshielded_nodes":                  setting(nodePoolType, false, "nodeConfig", "shieldedInstanceConfig", "enableSecureBoot"),
	"deny_nodes_on_default_compute_account":  setting(nodePoolType, "123-compute@developer.gserviceaccount.com", "nodeConfig", "serviceAccount"),
	"deny_zonal_autopilot_cluster": func(t *testing.T, s stack) stack {
		cluster := properties(first(t, s, clusterType))
		cluster["enableAutopilot"], cluster["location"] = true, "europe-west4-a"
		return s
	},
	"deny_authoritative_iam": func(t *testing.T, s stack) stack {
		first(t, s, projectMemberType)["type"] = "gcp:projects/iAMBinding:IAMBinding"
		return s
	},
	"stack_deny_workload_identity_user_on_project": setting(projectMemberType, "roles/iam.workloadIdentityUser", "role"),
	"deny_basic_roles":                   setting(projectMemberType, "roles/editor", "role"),
	"deny_escalation_roles":              setting(projectMemberType, "roles/iam.serviceAccountTokenCreator", "role"),
	"warn_project_role_for_one_resource": setting(projectMemberType, "roles/secretmanager.secretAccessor", "role"),
	"deny_host_namespaces":               setting(jobType, true, "spec", "template", "spec", "hostNetwork"),
	"deny_default_compute_account_bound": setting(accountMemberType,
		"projects/p/serviceAccounts/123-compute@developer.gserviceaccount.com", "serviceAccountId"),
	"stack_deny_registry_grant_beyond_images": func(t *testing.T, s stack) stack {
		grant := maps.Clone(first(t, s, projectMemberType))
		grant["name"], grant["urn"] = "mirror-reader", "urn:pulumi:dev::gkewi::gcp:projects/iAMMember:IAMMember::mirror-reader"
		grant["properties"] = map[string]any{"project": "acme-mirror", "role": "roles/artifactregistry.reader",
			"member": properties(first(t, s, projectMemberType))["member"]}
		s.Resources = append(s.Resources, grant)
		return s
	},
	"deny_kubeconfig_not_secret": func(t *testing.T, s stack) stack {
		provider := properties(first(t, s, kubernetesProviderType))
		provider["kubeconfig"] = "apiVersion: v1\nkind: Config\n"
		return s
	},
	"deny_api_disabled_on_destroy": setting(serviceType, true, "disableOnDestroy"),
	"stack_deny_kubernetes_without_explicit_provider": func(t *testing.T, s stack) stack {
		defaultProvider := map[string]any{"type": kubernetesProviderType, "name": "default_4_32_0",
			"urn": "urn:pulumi:dev::gkewi::pulumi:providers:kubernetes::default_4_32_0", "properties": map[string]any{}}
		// The engine lists the default provider among the stack's resources.
		s.Resources = append(s.Resources, stackResource{"type": kubernetesProviderType, "name": "default_4_32_0",
			"urn": defaultProvider["urn"], "properties": map[string]any{}})
		first(t, s, cronJobType)["provider"] = defaultProvider
		return s
	},
	"deny_namespace_not_restricted": setting(namespaceType, "baseline", "metadata", "labels", "pod-security.kubernetes.io/enforce"),
	"deny_pod_mounts_api_token":     setting(jobType, true, "spec", "template", "spec", "automountServiceAccountToken"),
	"deny_writable_root_filesystem": setting(cronJobType, false,
		"spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0, "securityContext", "readOnlyRootFilesystem"),
	"deny_container_without_limits":                   setting(jobType, map[string]any{}, "spec", "template", "spec", "containers", 0, "resources"),
	"warn_pod_off_metadata_server":                    setting(cronJobType, map[string]any{}, "spec", "jobTemplate", "spec", "template", "spec", "nodeSelector"),
	"deny_cluster_without_network_policy_enforcement": setting(clusterType, "LEGACY_DATAPATH", "datapathProvider"),
	"warn_cluster_without_maintenance_window":         setting(clusterType, map[string]any{}, "maintenancePolicy"),
	"warn_control_plane_endpoint_public":              setting(clusterType, false, "privateClusterConfig", "enablePrivateEndpoint"),
	"warn_binary_authorization_off":                   setting(clusterType, "DISABLED", "binaryAuthorization", "evaluationMode"),
	"warn_secrets_not_encrypted_with_kms":             setting(clusterType, "DECRYPTED", "databaseEncryption", "state"),
	// The fixture's cluster is on an existing network, which a private
	// endpoint needs, so a subnetwork of the stack's own comes in.
	"warn_subnetwork_without_flow_logs": func(t *testing.T, s stack) stack {
		return withSubnetwork(s, nil)
	},
	"warn_image_not_pinned_by_digest": setting(jobType, "gcr.io/google.com/cloudsdktool/google-cloud-cli:stable",
		"spec", "template", "spec", "containers", 0, "image"),
	"stack_warn_pods_open_to_ingress": setting(networkPolicyType, []any{map[string]any{}}, "spec", "ingress"),
	// A rule without `to` lets the pods reach every address.
	"stack_warn_pods_with_open_egress": func(t *testing.T, s stack) stack {
		for _, r := range s.Resources {
			spec, _ := properties(r)["spec"].(map[string]any)
			if r["type"] == networkPolicyType && slices.Contains(spec["policyTypes"].([]any), any("Egress")) {
				spec["egress"] = append(spec["egress"].([]any), map[string]any{"ports": []any{map[string]any{"port": 443}}})
			}
		}
		return s
	},
}

// withSubnetwork adds to s a subnetwork of the stack's own, with logConfig
// unless it is nil.
func withSubnetwork(s stack, logConfig any) stack {
	properties := map[string]any{"name": "gkewi-dev-asia-northeast1", "privateIpGoogleAccess": true}
	if logConfig != nil {
		properties["logConfig"] = logConfig
	}
	s.Resources = append(s.Resources, stackResource{"type": subnetworkType, "name": "gkewi-subnetwork",
		"urn": "urn:pulumi:dev::gkewi::gcp:compute/subnetwork:Subnetwork::gkewi-subnetwork", "properties": properties})
	return s
}

const (
	clusterType            = "gcp:container/cluster:Cluster"
	nodePoolType           = "gcp:container/nodePool:NodePool"
	projectMemberType      = "gcp:projects/iAMMember:IAMMember"
	accountMemberType      = "gcp:serviceaccount/iAMMember:IAMMember"
	accountType            = "gcp:serviceaccount/account:Account"
	serviceType            = "gcp:projects/service:Service"
	kubernetesProviderType = "pulumi:providers:kubernetes"
	namespaceType          = "kubernetes:core/v1:Namespace"
	jobType                = "kubernetes:batch/v1:Job"
	cronJobType            = "kubernetes:batch/v1:CronJob"
	subnetworkType         = "gcp:compute/subnetwork:Subnetwork"
	networkPolicyType      = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
)

func TestEveryRuleCatchesItsViolation(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	everyRuleCatchesItsViolation(t, p, fixture)
	for name := range breakers {
		if !slices.ContainsFunc(p.rules, func(r packRule) bool { return r.name == name }) {
			t.Errorf("a violation is built for %s, which the pack does not have", name)
		}
	}
}

func TestTheRegistryGrantRuleAllowsTheConfiguredProjects(t *testing.T) {
	t.Parallel()
	const rule = "stack_deny_registry_grant_beyond_images"
	p := loadedPack(t)
	mirrored := breakers[rule](t, fixture(t))
	config := map[string]any{rule: map[string]any{"allowedRegistryProjects": []any{"acme-mirror"}}}
	if messages := p.violations(t, mirrored, config)[rule]; len(messages) > 0 {
		t.Errorf("a grant on a project the configuration allows broke the rule: %v", messages)
	}
}

func TestThePackJudgesAStackGkewiDidNotWrite(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	fired := p.violations(t, readStack(t, filepath.Join("testdata", "handwritten-typescript.json")), nil)
	for _, want := range []string{"deny_public_nodes", "deny_control_plane_open_to_the_world", "deny_basic_roles",
		"deny_cluster_without_workload_identity", "deny_nodes_on_default_compute_account"} {
		if len(fired[want]) == 0 {
			t.Errorf("%s did not fire on the hand-written stack", want)
		}
	}
	mandatory := 0
	for _, rule := range slices.Sorted(maps.Keys(fired)) {
		t.Logf("%s: %s", rule, strings.Join(fired[rule], "; "))
		if p.mandatory(rule) {
			mandatory++
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if claim := fmt.Sprintf("%d mandatory and %d advisory rules fire", mandatory, len(fired)-mandatory); !strings.Contains(string(readme), claim) {
		t.Errorf("README.md does not say what fires on the hand-written stack: %q", claim)
	}
}

// everyRuleCatchesItsViolation breaks each rule of p in a fresh copy of
// base, and checks that the rule notices.
func everyRuleCatchesItsViolation(t *testing.T, p *pack, base func(t *testing.T) stack) {
	for _, rule := range p.rules {
		t.Run(rule.name, func(t *testing.T) {
			t.Parallel()
			breaker, ok := breakers[rule.name]
			if !ok {
				t.Fatal("no violation is built for this rule, so nothing shows it can fail")
			}
			fired := p.violations(t, breaker(t, base(t)), nil)
			if len(fired[rule.name]) == 0 {
				t.Fatal("the rule did not notice its violation")
			}
			t.Logf("violation reported: %s", fired[rule.name][0])
		})
	}
}

// fixture is a fresh copy of the project's fixture stack.
func fixture(t *testing.T) stack {
	t.Helper()
	return readStack(t, filepath.Join("testdata", "fixture.json"))
}

// setting is a breaker that sets the value at path in the properties of
// the first resource of typ.
func setting(typ string, value any, path ...any) ruleBreaker {
	return func(t *testing.T, s stack) stack {
		t.Helper()
		var container any = properties(first(t, s, typ))
		for i, step := range path {
			container = unwrapSecret(container)
			last := i == len(path)-1
			switch step := step.(type) {
			case string:
				m := container.(map[string]any)
				if last {
					m[step] = value
				}
				container = m[step]
			case int:
				list := container.([]any)
				if last {
					list[step] = value
				}
				container = list[step]
			}
		}
		return s
	}
}

// unwrapSecret is the value inside a secret, which Mappable leaves as a
// resource.Secret: {"Element": {"V": value}}.
func unwrapSecret(v any) any {
	if m, ok := v.(map[string]any); ok && len(m) == 1 {
		if element, ok := m["Element"].(map[string]any); ok {
			return element["V"]
		}
	}
	return v
}

func first(t *testing.T, s stack, typ string) stackResource {
	t.Helper()
	for _, r := range s.Resources {
		if r["type"] == typ {
			return r
		}
	}
	t.Fatalf("the stack has no %s", typ)
	return nil
}

func properties(r stackResource) map[string]any {
	p, _ := r["properties"].(map[string]any)
	return p
}

// TestAnAutopilotClusterIsJudgedByItsAutoProvisioningDefaults: an Autopilot
// cluster has no node config, which the node rules then do not ask for, but
// its nodes' account is judged where Autopilot takes it from.
func TestAnAutopilotClusterIsJudgedByItsAutoProvisioningDefaults(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	autopilot := func(account string) stack {
		s := fixture(t)
		cluster := properties(first(t, s, clusterType))
		for _, key := range []string{"nodeConfig", "datapathProvider", "enableShieldedNodes", "removeDefaultNodePool", "initialNodeCount"} {
			delete(cluster, key)
		}
		cluster["enableAutopilot"], cluster["location"] = true, "europe-west4"
		cluster["clusterAutoscaling"] = map[string]any{"autoProvisioningDefaults": map[string]any{"serviceAccount": account}}
		return s
	}
	own := p.violations(t, autopilot("gkewi-nodes-1a2b@p.iam.gserviceaccount.com"), nil)
	for _, rule := range []string{"deny_node_pool_without_gke_metadata", "deny_legacy_metadata_endpoints", "deny_unshielded_nodes",
		"deny_nodes_on_default_compute_account", "deny_cluster_without_network_policy_enforcement"} {
		if messages := own[rule]; len(messages) > 0 {
			t.Errorf("%s fired on an Autopilot cluster, whose nodes Google manages: %v", rule, messages)
		}
	}
	onDefault := p.violations(t, autopilot("123-compute@developer.gserviceaccount.com"), nil)["deny_nodes_on_default_compute_account"]
	if len(onDefault) == 0 || !strings.Contains(onDefault[0], "autoProvisioningDefaults") {
		t.Errorf("an Autopilot cluster on the default compute account passed: %v", onDefault)
	}
}
