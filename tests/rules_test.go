package tests

import (
	"encoding/json"
	"fmt"
	"maps"
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

// securityRule is one hardening promise, checked over everything a program
// registered. check returns one line per violation.
type securityRule struct {
	name  string
	check func(rec *recorder) []string
}

var securityRules = []securityRule{
	{"cluster-workload-identity", func(rec *recorder) []string {
		return eachInput(rec, clusterType, func(reg registration) string {
			want := fmt.Sprintf("%v.svc.id.goog", get(reg.Inputs, "project"))
			if pool := get(reg.Inputs, "workloadIdentityConfig", "workloadPool"); pool != want {
				return fmt.Sprintf("workload pool %v, want %s", pool, want)
			}
			return ""
		})
	}},
	{"gke-metadata-on-every-node-pool", func(rec *recorder) []string {
		return eachNodeConfig(rec, func(config resource.PropertyMap) string {
			if mode := get(config, "workloadMetadataConfig", "mode"); mode != "GKE_METADATA" {
				return fmt.Sprintf("workload metadata mode %v", mode)
			}
			return ""
		})
	}},
	{"legacy-metadata-endpoints-disabled", func(rec *recorder) []string {
		return eachNodeConfig(rec, func(config resource.PropertyMap) string {
			if v := get(config, "metadata", "disable-legacy-endpoints"); v != "true" {
				return fmt.Sprintf("disable-legacy-endpoints = %v", v)
			}
			return ""
		})
	}},
	{"private-nodes", inputIs(clusterType, true, "nodes have public addresses", "privateClusterConfig", "enablePrivateNodes")},
	{"control-plane-not-open-to-the-world", func(rec *recorder) []string {
		return eachInput(rec, clusterType, func(reg registration) string {
			blocks, _ := get(reg.Inputs, "masterAuthorizedNetworksConfig", "cidrBlocks").([]any)
			if len(blocks) == 0 {
				return "no authorized networks"
			}
			for _, block := range blocks {
				if cidr := block.(map[string]any)["cidrBlock"]; cidr == "0.0.0.0/0" {
					return "authorized network 0.0.0.0/0"
				}
			}
			return ""
		})
	}},
	{"no-client-certificate", inputIs(clusterType, false, "issues a client certificate",
		"masterAuth", "clientCertificateConfig", "issueClientCertificate")},
	{"legacy-abac-off", inputIs(clusterType, false, "legacy ABAC is not off", "enableLegacyAbac")},
	{"shielded-nodes", func(rec *recorder) []string {
		violations := eachInput(rec, clusterType, func(reg registration) string {
			if get(reg.Inputs, "enableShieldedNodes") != true {
				return "shielded nodes are off"
			}
			return ""
		})
		return append(violations, eachNodeConfig(rec, func(config resource.PropertyMap) string {
			if get(config, "shieldedInstanceConfig", "enableSecureBoot") != true ||
				get(config, "shieldedInstanceConfig", "enableIntegrityMonitoring") != true {
				return "secure boot or integrity monitoring is off"
			}
			return ""
		})...)
	}},
	{"nodes-not-on-default-compute-account", func(rec *recorder) []string {
		return eachNodeConfig(rec, func(config resource.PropertyMap) string {
			account, _ := get(config, "serviceAccount").(string)
			if account == "" || account == "default" || strings.HasSuffix(account, "-compute@developer.gserviceaccount.com") {
				return fmt.Sprintf("nodes run as %q", account)
			}
			return ""
		})
	}},
	{"iam-grants-additive-only", func(rec *recorder) []string {
		var violations []string
		for _, reg := range rec.resources {
			if strings.Contains(reg.Type, "/iAMBinding:") || strings.Contains(reg.Type, "/iAMPolicy:") {
				violations = append(violations, fmt.Sprintf("%s %s replaces other members", reg.Type, reg.Name))
			}
		}
		return violations
	}},
	{"workload-identity-user-only-on-the-gsa", func(rec *recorder) []string {
		return eachInput(rec, projectMemberType, func(reg registration) string {
			if get(reg.Inputs, "role") == components.WorkloadIdentityUserRole {
				return "grants roles/iam.workloadIdentityUser on the whole project"
			}
			return ""
		})
	}},
	{"no-owner-or-editor", func(rec *recorder) []string {
		var violations []string
		for _, typ := range []string{projectMemberType, accountMemberType} {
			violations = append(violations, eachInput(rec, typ, func(reg registration) string {
				if role := get(reg.Inputs, "role"); role == "roles/owner" || role == "roles/editor" {
					return fmt.Sprintf("grants %v", role)
				}
				return ""
			})...)
		}
		return violations
	}},
	{"no-escalation-roles", func(rec *recorder) []string {
		return eachInput(rec, projectMemberType, func(reg registration) string {
			if role, _ := get(reg.Inputs, "role").(string); components.EscalationRoles[role] != "" {
				return fmt.Sprintf("grants %s, which lets its holder act as other identities or change IAM", role)
			}
			return ""
		})
	}},
	{"default-compute-account-never-bound", func(rec *recorder) []string {
		return eachInput(rec, accountMemberType, func(reg registration) string {
			if account, _ := get(reg.Inputs, "serviceAccountId").(string); strings.HasSuffix(account, "-compute@developer.gserviceaccount.com") {
				return "binds the Compute Engine default service account, which every VM of the project may run as"
			}
			return ""
		})
	}},
	{"registry-grants-only-on-image-projects", func(rec *recorder) []string {
		nodeAccounts := map[string]bool{}
		for _, pool := range rec.byType(nodePoolType) {
			nodeAccounts[fmt.Sprint("serviceAccount:", get(pool.Inputs, "nodeConfig", "serviceAccount"))] = true
		}
		images := podImages(rec)
		return eachInput(rec, projectMemberType, func(reg registration) string {
			if get(reg.Inputs, "role") != components.ArtifactRegistryReaderRole {
				return ""
			}
			project, _ := get(reg.Inputs, "project").(string)
			member, _ := get(reg.Inputs, "member").(string)
			switch {
			case !nodeAccounts[member]:
				return fmt.Sprintf("lets %s pull images; only the nodes need to", member)
			case !slices.ContainsFunc(images, func(image string) bool { return imageInProject(image, project) }):
				return fmt.Sprintf("lets the nodes pull from %s, which holds none of the pods' images %v", project, images)
			}
			return ""
		})
	}},
	{"kubeconfig-secret", func(rec *recorder) []string {
		return eachInput(rec, kubernetesProvider, func(reg registration) string {
			if !reg.Inputs["kubeconfig"].ContainsSecrets() {
				return "kubeconfig is not secret"
			}
			return ""
		})
	}},
	{"apis-never-disabled-on-destroy", inputIs(serviceType, false, "disables the API on destroy", "disableOnDestroy")},
	{"kubernetes-resources-use-an-explicit-provider", func(rec *recorder) []string {
		providers := map[string]bool{}
		for _, p := range rec.byType(kubernetesProvider) {
			providers[p.Name] = true
		}
		var violations []string
		for _, reg := range rec.resources {
			if strings.HasPrefix(reg.Type, "kubernetes:") && !providers[reg.Provider] {
				violations = append(violations, fmt.Sprintf("%s %s uses provider %q, not the cluster's", reg.Type, reg.Name, reg.Provider))
			}
		}
		return violations
	}},
	{"namespace-enforces-restricted", func(rec *recorder) []string {
		return eachInput(rec, namespaceType, func(reg registration) string {
			for _, mode := range []string{"enforce", "audit", "warn"} {
				if get(reg.Inputs, "metadata", "labels", "pod-security.kubernetes.io/"+mode) != "restricted" {
					return "does not " + mode + " the restricted Pod Security Standard"
				}
			}
			return ""
		})
	}},
	{"no-host-namespaces", func(rec *recorder) []string {
		return eachPodSpec(rec, hostNamespaceViolations)
	}},
	{"pods-meet-restricted", func(rec *recorder) []string {
		return eachPodSpec(rec, restrictedViolations)
	}},
	{"pods-harden-beyond-restricted", func(rec *recorder) []string {
		return eachPodSpec(rec, hardeningViolations)
	}},
}

// podImages are the images of every container of every pod template.
func podImages(rec *recorder) []string {
	var images []string
	eachPodSpec(rec, func(pod map[string]any) []string {
		for _, c := range containers(pod) {
			images = append(images, fmt.Sprint(c["image"]))
		}
		return nil
	})
	return images
}

// imageInProject tells whether image is in a registry of project: the path
// of an Artifact Registry or gcr.io image starts with the project, written
// DOMAIN/NAME for a domain-scoped DOMAIN:NAME.
func imageInProject(image, project string) bool {
	host, path, _ := strings.Cut(image, "/")
	googleHost := strings.HasSuffix(host, "-docker.pkg.dev") || host == "gcr.io" || strings.HasSuffix(host, ".gcr.io")
	return googleHost && strings.HasPrefix(path, strings.ReplaceAll(project, ":", "/")+"/")
}

// inputIs is a rule that every resource of typ has want at path.
func inputIs(typ string, want any, problem string, path ...any) func(*recorder) []string {
	return func(rec *recorder) []string {
		return eachInput(rec, typ, func(reg registration) string {
			if get(reg.Inputs, path...) != want {
				return problem
			}
			return ""
		})
	}
}

func eachInput(rec *recorder, typ string, check func(registration) string) []string {
	var violations []string
	for _, reg := range rec.byType(typ) {
		if problem := check(reg); problem != "" {
			violations = append(violations, fmt.Sprintf("%s %s: %s", reg.Type, reg.Name, problem))
		}
	}
	return violations
}

// eachNodeConfig checks the node config of every node pool and of each
// cluster's default pool.
func eachNodeConfig(rec *recorder, check func(resource.PropertyMap) string) []string {
	var violations []string
	for _, typ := range []string{nodePoolType, clusterType} {
		violations = append(violations, eachInput(rec, typ, func(reg registration) string {
			config, ok := reg.Inputs["nodeConfig"]
			if !ok || !config.IsObject() {
				return "no node config"
			}
			return check(config.ObjectValue())
		})...)
	}
	return violations
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

func field(m map[string]any, path ...string) any {
	var v any = m
	for _, key := range path {
		next, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = next[key]
	}
	return v
}

// hostNamespaceViolations are the ways a pod could share its node's network,
// processes or IPC.
func hostNamespaceViolations(pod map[string]any) []string {
	var violations []string
	for _, key := range []string{"hostNetwork", "hostPID", "hostIPC"} {
		if pod[key] == true {
			violations = append(violations, key+" is set")
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

// hardeningViolations are gkewi's own rules on top of restricted.
func hardeningViolations(pod map[string]any) []string {
	var violations []string
	if pod["automountServiceAccountToken"] != false {
		violations = append(violations, "mounts a Kubernetes API token")
	}
	if field(pod, "nodeSelector", components.MetadataServerNodeLabel) != "true" {
		violations = append(violations, "may land on a node without the GKE metadata server")
	}
	for _, c := range containers(pod) {
		name := c["name"]
		if field(c, "securityContext", "readOnlyRootFilesystem") != true {
			violations = append(violations, fmt.Sprintf("container %v has a writable root filesystem", name))
		}
		if field(c, "resources", "limits", "memory") == nil || field(c, "resources", "requests", "cpu") == nil {
			violations = append(violations, fmt.Sprintf("container %v has no resource requests and limits", name))
		}
	}
	return violations
}

func TestEveryStackKeepsEverySecurityRule(t *testing.T) {
	t.Parallel()
	for _, stack := range slices.Sorted(maps.Keys(stackFiles())) {
		rec := mustRecord(t, stackConfig(t, stack), inStack(stack))
		for _, rule := range securityRules {
			if violations := rule.check(rec); len(violations) > 0 {
				t.Errorf("stack %s breaks rule %s:\n%s", stack, rule.name, strings.Join(violations, "\n"))
			}
		}
	}
}

// ruleBreaker breaks one rule in a fresh recording of the dev stack.
type ruleBreaker func(t *testing.T, rec *recorder)

var breakers = map[string]ruleBreaker{
	"cluster-workload-identity": func(t *testing.T, rec *recorder) {
		set(t, rec, clusterType, resource.NewProperty(resource.PropertyMap{}), "workloadIdentityConfig")
	},
	"gke-metadata-on-every-node-pool": func(t *testing.T, rec *recorder) {
		set(t, rec, nodePoolType, resource.NewProperty("GCE_METADATA"), "nodeConfig", "workloadMetadataConfig", "mode")
	},
	"legacy-metadata-endpoints-disabled": func(t *testing.T, rec *recorder) {
		set(t, rec, nodePoolType, resource.NewProperty("false"), "nodeConfig", "metadata", "disable-legacy-endpoints")
	},
	"private-nodes": func(t *testing.T, rec *recorder) {
		set(t, rec, clusterType, resource.NewProperty(false), "privateClusterConfig", "enablePrivateNodes")
	},
	"control-plane-not-open-to-the-world": func(t *testing.T, rec *recorder) {
		set(t, rec, clusterType, resource.NewProperty("0.0.0.0/0"), "masterAuthorizedNetworksConfig", "cidrBlocks", 0, "cidrBlock")
	},
	"no-client-certificate": func(t *testing.T, rec *recorder) {
		set(t, rec, clusterType, resource.NewProperty(true), "masterAuth", "clientCertificateConfig", "issueClientCertificate")
	},
	"legacy-abac-off": func(t *testing.T, rec *recorder) {
		set(t, rec, clusterType, resource.NewProperty(true), "enableLegacyAbac")
	},
	"shielded-nodes": func(t *testing.T, rec *recorder) {
		set(t, rec, nodePoolType, resource.NewProperty(false), "nodeConfig", "shieldedInstanceConfig", "enableSecureBoot")
	},
	"nodes-not-on-default-compute-account": func(t *testing.T, rec *recorder) {
		set(t, rec, nodePoolType, resource.NewProperty("123-compute@developer.gserviceaccount.com"), "nodeConfig", "serviceAccount")
	},
	"iam-grants-additive-only": func(t *testing.T, rec *recorder) {
		rec.resources[0].Type = "gcp:projects/iAMBinding:IAMBinding"
	},
	"workload-identity-user-only-on-the-gsa": func(t *testing.T, rec *recorder) {
		set(t, rec, projectMemberType, resource.NewProperty(components.WorkloadIdentityUserRole), "role")
	},
	"no-owner-or-editor": func(t *testing.T, rec *recorder) {
		set(t, rec, projectMemberType, resource.NewProperty("roles/editor"), "role")
	},
	"no-host-namespaces": func(t *testing.T, rec *recorder) {
		set(t, rec, jobType, resource.NewProperty(true), "spec", "template", "spec", "hostNetwork")
	},
	"no-escalation-roles": func(t *testing.T, rec *recorder) {
		set(t, rec, projectMemberType, resource.NewProperty("roles/iam.serviceAccountTokenCreator"), "role")
	},
	"default-compute-account-never-bound": func(t *testing.T, rec *recorder) {
		set(t, rec, accountMemberType, resource.NewProperty("projects/p/serviceAccounts/123-compute@developer.gserviceaccount.com"),
			"serviceAccountId")
	},
	"registry-grants-only-on-image-projects": func(t *testing.T, rec *recorder) {
		set(t, rec, projectMemberType, resource.NewProperty(components.ArtifactRegistryReaderRole), "role")
	},
	"kubeconfig-secret": func(t *testing.T, rec *recorder) {
		provider := rec.byType(kubernetesProvider)[0]
		provider.Inputs["kubeconfig"] = resource.NewProperty(get(provider.Inputs, "kubeconfig").(string))
	},
	"apis-never-disabled-on-destroy": func(t *testing.T, rec *recorder) {
		set(t, rec, serviceType, resource.NewProperty(true), "disableOnDestroy")
	},
	"kubernetes-resources-use-an-explicit-provider": func(t *testing.T, rec *recorder) {
		for i := range rec.resources {
			if rec.resources[i].Type == cronJobType {
				rec.resources[i].Provider = ""
			}
		}
	},
	"namespace-enforces-restricted": func(t *testing.T, rec *recorder) {
		set(t, rec, namespaceType, resource.NewProperty("baseline"), "metadata", "labels", "pod-security.kubernetes.io/enforce")
	},
	"pods-meet-restricted": func(t *testing.T, rec *recorder) {
		set(t, rec, cronJobType, resource.NewProperty(true),
			"spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "securityContext", "allowPrivilegeEscalation")
	},
	"pods-harden-beyond-restricted": func(t *testing.T, rec *recorder) {
		set(t, rec, jobType, resource.NewProperty(true), "spec", "template", "spec", "automountServiceAccountToken")
	},
}

func TestEverySecurityRuleCatchesItsViolation(t *testing.T) {
	t.Parallel()
	for _, rule := range securityRules {
		t.Run(rule.name, func(t *testing.T) {
			breaker, ok := breakers[rule.name]
			if !ok {
				t.Fatal("no violation is built for this rule, so nothing shows it can fail")
			}
			rec := mustRecord(t, devFixture())
			breaker(t, rec)
			violations := rule.check(rec)
			if len(violations) == 0 {
				t.Fatal("the rule did not notice its violation")
			}
			t.Logf("violation reported: %s", violations[0])
		})
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

func TestRegistryGrantRuleAllowsTheImageProjectAndNoOther(t *testing.T) {
	t.Parallel()
	rec, err := recordRun(t, withConfig(devFixture(), map[string]string{
		"gkewi:image": "asia-northeast1-docker.pkg.dev/acme-images/jobs/report:1.0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	rule := ruleNamed(t, "registry-grants-only-on-image-projects")
	if violations := rule.check(rec); len(violations) > 0 {
		t.Fatalf("the grant on the image's own project breaks the rule: %v", violations)
	}
	for i := range rec.resources {
		if get(rec.resources[i].Inputs, "role") == components.ArtifactRegistryReaderRole {
			rec.resources[i].Inputs["project"] = resource.NewProperty("acme-everything")
		}
	}
	if violations := rule.check(rec); len(violations) == 0 {
		t.Error("a grant on a project that holds no image passed the rule")
	}
}

func ruleNamed(t *testing.T, name string) securityRule {
	t.Helper()
	for _, rule := range securityRules {
		if rule.name == name {
			return rule
		}
	}
	t.Fatalf("no rule %s", name)
	return securityRule{}
}
