package tests

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
	"github.com/gkewi/gkewi/stacks"
)

func assertNone(t *testing.T, rec *recorder, types ...string) {
	t.Helper()
	for _, typ := range types {
		if n := len(rec.byType(typ)); n > 0 {
			t.Errorf("%d %s registered, want none", n, typ)
		}
	}
}

func TestDirectModeGrantsRolesToTheKSAsPrincipal(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, fixtures["direct"](), inStack("direct"))
	const project, pool = "my-gkewi-direct-project", "my-gkewi-direct-project.svc.id.goog"
	principal := fmt.Sprintf("principal://iam.googleapis.com/projects/%s/locations/global/workloadIdentityPools/%s/subject/ns/wi-direct/sa/wi-direct",
		fakeProjectNumber(project), pool)
	assertInputs(t, rec.one(t, projectMemberType, "gkewi-roles-browser"), map[string]any{
		"project": project,
		"role":    "roles/browser",
		"member":  principal,
	})
	if accounts := rec.byType(accountType); len(accounts) != 1 || accounts[0].Name != "gkewi-node-sa" {
		t.Errorf("direct mode registers service accounts %v, want only the nodes' own", rec.names())
	}
	assertNone(t, rec, accountMemberType)
	if annotations := get(rec.one(t, ksaType, "gkewi-ksa").Inputs, "metadata", "annotations"); annotations != nil {
		t.Errorf("the KSA is annotated %v in direct mode, which needs no GSA", annotations)
	}
	verify := rec.one(t, jobType, "gkewi-verify")
	assertPath(t, verify, map[string]any{"name": "EXPECTED_ACCOUNT", "value": pool}, "spec", "template", "spec", "containers", 0, "env", 2)
	assertPath(t, verify, principal, "spec", "template", "metadata", "annotations", "gkewi/workload-identity-member")
	if !slices.Contains(rec.one(t, cronJobType, "gkewi-cronjob").DependsOn, "gkewi-roles-browser") {
		t.Error("the CronJob does not wait for the principal's role")
	}
}

func TestExistingClusterCreatesNoNetworkAndNoCluster(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, fixtures["existing-cluster"](), inStack("existing-cluster"))
	assertNone(t, rec, networkType, subnetworkType, clusterType, nodePoolType, routerType, routerNatType)
	var apis []string
	for _, svc := range rec.byType(serviceType) {
		apis = append(apis, get(svc.Inputs, "service").(string))
	}
	if slices.Contains(apis, "container.googleapis.com") || slices.Contains(apis, "compute.googleapis.com") || len(apis) != 3 {
		t.Errorf("APIs enabled for an existing cluster: %v, want cloudresourcemanager, iam, iamcredentials", apis)
	}
	assertPath(t, rec.one(t, accountMemberType, "gkewi-workload-identity"),
		"serviceAccount:my-gkewi-cluster-project.svc.id.goog[reports/reports]", "member")
	assertPath(t, rec.one(t, accountType, "gkewi-gsa"), "my-gkewi-jobs-project", "project")
	for _, dep := range []string{"gkewi-workload-identity", "gkewi-ksa"} {
		if !slices.Contains(rec.one(t, jobType, "gkewi-verify").DependsOn, dep) {
			t.Errorf("the verification Job does not wait for %s", dep)
		}
	}
	assertPath(t, rec.one(t, cronJobType, "gkewi-cronjob"), "Asia/Tokyo", "spec", "timeZone")
}

func TestAnExistingClusterByNameGetsTheKubeconfigOfANewOne(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, fixtures["existing-cluster"](), inStack("existing-cluster"))
	if !slices.Contains(rec.invokes, "gcp:container/getCluster:getCluster") {
		t.Errorf("the cluster was not looked up: %v", rec.invokes)
	}
	provider := rec.one(t, kubernetesProvider, "gkewi-kubernetes")
	kubeconfig, _ := get(provider.Inputs, "kubeconfig").(string)
	for _, want := range []string{"server: https://" + fakeLiveEndpoint, "certificate-authority-data: " + fakeCA,
		"command: gke-gcloud-auth-plugin", "current-context: gke_my-gkewi-cluster-project_asia-northeast1-a_shared"} {
		if !strings.Contains(kubeconfig, want) {
			t.Errorf("the provider's kubeconfig lacks %q:\n%s", want, kubeconfig)
		}
	}
	if !provider.Inputs["kubeconfig"].ContainsSecrets() {
		t.Error("the kubeconfig is not secret")
	}
	if _, ok := provider.Inputs["deleteUnreachable"]; ok {
		t.Error("deleteUnreachable is set although the stack does not set it, so PULUMI_K8S_DELETE_UNREACHABLE would be ignored")
	}
}

func TestAnExistingClusterThatCannotRunWorkloadIdentityIsRefusedWithTheFix(t *testing.T) {
	t.Parallel()
	where := "--location=asia-northeast1-a --project=my-gkewi-cluster-project"
	for _, c := range []struct {
		name  string
		world world
		words string
	}{
		{"missing", world{missingClusters: map[string]bool{"shared": true}},
			`gkewi:existingCluster: "shared" cannot be read in project my-gkewi-cluster-project, location asia-northeast1-a (`},
		{"workload identity off", world{editCluster: func(c resource.PropertyMap) { delete(c, "workloadIdentityConfigs") }},
			`gkewi:existingCluster: "shared" has Workload Identity off; turn it on with ` +
				"`gcloud container clusters update shared " + where + " --workload-pool=my-gkewi-cluster-project.svc.id.goog`"},
		{"another pool", world{editCluster: func(c resource.PropertyMap) {
			c["workloadIdentityConfigs"].ArrayValue()[0].ObjectValue()["workloadPool"] = resource.NewProperty("fleet-host.svc.id.goog")
		}}, `has the workload pool fleet-host.svc.id.goog, but the KSA's member names my-gkewi-cluster-project.svc.id.goog`},
		{"no metadata server", world{editCluster: func(c resource.PropertyMap) {
			pool := c["nodePools"].ArrayValue()[0].ObjectValue()
			pool["nodeConfigs"].ArrayValue()[0].ObjectValue()["workloadMetadataConfigs"] = resource.NewProperty([]resource.PropertyValue{})
		}}, "has no node pool with the GKE metadata server, so no pod gets a Google identity; run it with " +
			"`gcloud container node-pools update default-pool --cluster=shared " + where + " --workload-metadata=GKE_METADATA`"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec, err := recordRun(t, fixtures["existing-cluster"](), inStack("existing-cluster"), inWorld(c.world))
			if err == nil || !strings.Contains(err.Error(), c.words) {
				t.Fatalf("error %v lacks %q", err, c.words)
			}
			if !strings.Contains(err.Error(), "invalid stack configuration (nothing was created)") {
				t.Errorf("the error does not say that nothing was created: %v", err)
			}
			assertOnlyTheComponent(t, rec)
		})
	}
}

// assertOnlyTheComponent checks that a failed run registered nothing but the
// component itself, which a rerun takes over.
func assertOnlyTheComponent(t *testing.T, rec *recorder) {
	t.Helper()
	if len(rec.resources) > 1 || len(rec.resources) == 1 && rec.resources[0].Type != componentType {
		t.Errorf("a failed preflight registered %v", rec.names())
	}
}

func TestAnExistingClusterByKubeconfigStillWorks(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, fixtures["existing-kubeconfig"](), inStack("existing-kubeconfig"))
	provider := rec.one(t, kubernetesProvider, "gkewi-kubernetes")
	if !provider.Inputs["kubeconfig"].ContainsSecrets() || get(provider.Inputs, "kubeconfig") != "existing-cluster.kubeconfig" {
		t.Errorf("the provider's kubeconfig is %v, want the stack's, as a secret", provider.Inputs["kubeconfig"])
	}
	if slices.Contains(rec.invokes, "gcp:container/getCluster:getCluster") {
		t.Error("a cluster named by a kubeconfig was looked up")
	}
	assertPath(t, rec.one(t, accountMemberType, "gkewi-workload-identity"),
		"serviceAccount:my-gkewi-cluster-project.svc.id.goog[reports/reports]", "member")
}

func TestAccessTokenAuthReadsTheTokenAtRunTimeAndKeepsItOutOfTheOutput(t *testing.T) {
	t.Parallel()
	for _, fixture := range []map[string]string{devFixture(), fixtures["existing-cluster"]()} {
		config := withConfig(fixture, map[string]string{"gkewi:kubernetesAuth": "accessToken", "gkewi:deleteUnreachable": "false"})
		rec := mustRecord(t, config)
		kubeconfigOutput, _ := rec.output("kubeconfig").(string)
		provider := rec.byType(kubernetesProvider)[0]
		kubeconfig, _ := get(provider.Inputs, "kubeconfig").(string)
		// That the token stays out of it, whatever the token, is
		// TestKubernetesProviderInputsHoldNoTokenAndStayTheSameAcrossTokens.
		if !strings.Contains(kubeconfig, "command: sh") || strings.Contains(kubeconfig, "token:") ||
			strings.Contains(kubeconfig, "command: gke-gcloud-auth-plugin") {
			t.Errorf("the provider does not read the token from the environment:\n%s", kubeconfig)
		}
		if !provider.Inputs["kubeconfig"].ContainsSecrets() {
			t.Error("the kubeconfig, which names the cluster's endpoint and CA, is not secret")
		}
		assertPath(t, provider, false, "deleteUnreachable")
		if strings.Contains(kubeconfigOutput, "token:") || !strings.Contains(kubeconfigOutput, "gke-gcloud-auth-plugin") {
			t.Errorf("the kubeconfig output is not the plugin's:\n%s", kubeconfigOutput)
		}
	}
}

func TestExistingIdentityIsBoundAndAnnotatedNotCreated(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, fixtures["existing-identity"](), inStack("existing-identity"))
	const email = "reports-runner@my-gkewi-jobs-project.iam.gserviceaccount.com"
	assertNone(t, rec, accountType, namespaceType, ksaType, projectMemberType, randomIDType)
	assertInputs(t, rec.one(t, accountMemberType, "gkewi-workload-identity"), map[string]any{
		"serviceAccountId": "projects/my-gkewi-jobs-project/serviceAccounts/" + email,
		"member":           "serviceAccount:my-gkewi-jobs-project.svc.id.goog[reports/reports-runner]",
	})
	patch := rec.one(t, serviceAccountPatchType, "gkewi-ksa-annotation")
	assertPath(t, patch, map[string]any{
		"name":        "reports-runner",
		"namespace":   "reports",
		"annotations": map[string]any{components.GSAAnnotation: email},
	}, "metadata")
	if patch.Provider != "gkewi-kubernetes" {
		t.Errorf("the patch uses provider %q", patch.Provider)
	}
	cron := rec.one(t, cronJobType, "gkewi-cronjob")
	assertPath(t, cron, "reports-runner", "spec", "jobTemplate", "spec", "template", "spec", "serviceAccountName")
	for _, dep := range []string{"gkewi-ksa-annotation", "gkewi-workload-identity"} {
		if !slices.Contains(cron.DependsOn, dep) {
			t.Errorf("the CronJob does not wait for %s: %v", dep, cron.DependsOn)
		}
	}
}

func TestCrossProjectKeepsTheGSAAndItsRolesApartFromTheCluster(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, fixtures["cross-project"](), inStack("cross-project"))
	const cluster, data, logs = "my-gkewi-cluster-project", "my-gkewi-data-project", "my-gkewi-logs-project"
	gsa := rec.one(t, accountType, "gkewi-gsa")
	assertPath(t, gsa, data, "project")
	email := get(gsa.Outputs, "email")
	for name, want := range map[string][2]string{
		"gkewi-roles-browser":                              {data, "roles/browser"},
		"gkewi-roles-bigquery.jobUser":                     {data, "roles/bigquery.jobUser"},
		"gkewi-my-gkewi-logs-project-roles-logging.viewer": {logs, "roles/logging.viewer"},
	} {
		assertInputs(t, rec.one(t, projectMemberType, name), map[string]any{
			"project": want[0], "role": want[1], "member": fmt.Sprint("serviceAccount:", email),
		})
	}
	assertPath(t, rec.one(t, accountMemberType, "gkewi-workload-identity"),
		"serviceAccount:"+cluster+".svc.id.goog[analytics/analytics]", "member")
	assertPath(t, rec.one(t, clusterType, "gkewi-cluster"), cluster, "project")
	for _, api := range []string{"iam.googleapis.com", "iamcredentials.googleapis.com"} {
		assertPath(t, rec.one(t, serviceType, "gkewi-"+data+"-"+api), data, "project")
	}
	assertPath(t, rec.one(t, cronJobType, "gkewi-cronjob"), []any{"gcloud", "projects", "describe", data},
		"spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "command")
}

func TestCloudNATGivesPrivateNodesAWayOut(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, fixtures["cloud-nat"](), inStack("cloud-nat"))
	router := rec.one(t, routerType, "gkewi-router")
	assertInputs(t, router, map[string]any{
		"region":  "us-central1",
		"network": "projects/my-gkewi-nat-project/global/networks/gkewi-nat",
		"name":    "gkewi-nat-router",
	})
	assertInputs(t, rec.one(t, routerNatType, "gkewi-nat"), map[string]any{
		"region":                        "us-central1",
		"router":                        "gkewi-nat-router",
		"natIpAllocateOption":           "AUTO_ONLY",
		"sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES",
	})
	assertPath(t, rec.one(t, cronJobType, "gkewi-cronjob"), "google/cloud-sdk:slim",
		"spec", "jobTemplate", "spec", "template", "spec", "containers", 0, "image")
	pool := rec.one(t, nodePoolType, "gkewi-node-pool")
	assertPath(t, pool, true, "nodeConfig", "spot")
	assertPath(t, pool, false, "nodeConfig", "preemptible")
}

func TestGoCallersCanPassTheirOwnKubernetesProvider(t *testing.T) {
	t.Parallel()
	rec, err := recordRun(t, nil, withProgram(func(ctx *pulumi.Context) error {
		provider, err := kubernetes.NewProvider(ctx, "theirs", &kubernetes.ProviderArgs{Context: pulumi.String("prod")})
		if err != nil {
			return err
		}
		_, err = components.NewWorkloadIdentityCronJob(ctx, "job", &components.WorkloadIdentityCronJobArgs{
			Project: "my-project", KubernetesProvider: provider, ClusterProject: "their-cluster-project",
			Namespace: "jobs", KubernetesServiceAccount: "runner", Schedule: "@daily",
		})
		return err
	}))
	if err != nil {
		t.Fatal(err)
	}
	if providers := rec.byType(kubernetesProvider); len(providers) != 1 {
		t.Errorf("%d Kubernetes providers registered, want only the caller's", len(providers))
	}
	objects := 0
	for _, reg := range rec.resources {
		if strings.HasPrefix(reg.Type, "kubernetes:") {
			objects++
			if reg.Provider != "theirs" {
				t.Errorf("%s %s uses provider %q, want the caller's", reg.Type, reg.Name, reg.Provider)
			}
		}
	}
	if objects != 5 {
		t.Errorf("%d Kubernetes objects registered, want the namespace, KSA, ingress NetworkPolicy, CronJob and verification Job", objects)
	}
	assertNone(t, rec, clusterType, networkType)
	assertPath(t, rec.one(t, accountMemberType, "job-workload-identity"),
		"serviceAccount:their-cluster-project.svc.id.goog[jobs/runner]", "member")
}

func TestAnExistingGSAIsBoundByTheNameItsLookupReturns(t *testing.T) {
	t.Parallel()
	const email = "123456789012-compute@developer.gserviceaccount.com"
	rec, err := recordRun(t, withConfig(fixtures["existing-identity"](),
		map[string]string{"gkewi:serviceAccountEmail": email, "gkewi:allowGoogleManagedServiceAccount": "true"}), inStack("existing-identity"))
	if err != nil {
		t.Fatal(err)
	}
	assertPath(t, rec.one(t, accountMemberType, "gkewi-workload-identity"),
		"projects/project-of-developer/serviceAccounts/"+email, "serviceAccountId")
}

func TestAnExistingGSAThatCannotBeFoundIsRefusedBeforeAnythingChanges(t *testing.T) {
	t.Parallel()
	const email = "reports-runer@my-gkewi-jobs-project.iam.gserviceaccount.com"
	rec, err := recordRun(t, withConfig(fixtures["existing-identity"](), map[string]string{"gkewi:serviceAccountEmail": email}),
		inStack("existing-identity"), inWorld(world{missingAccounts: map[string]bool{email: true}}))
	want := `gkewi:serviceAccountEmail: "` + email + `" cannot be read (`
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "roles/iam.serviceAccountViewer") {
		t.Fatalf("error %v lacks %q", err, want)
	}
	assertOnlyTheComponent(t, rec)
}

// providerKeys are gcp provider settings that gkewi reads when it needs
// them and leaves to the provider otherwise, so an existing cluster does not
// refuse them.
var providerKeys = map[string]bool{"gcp:region": true, "gcp:zone": true}

// TestNoArgumentIsSilentlyIgnoredWithAnExistingCluster sets each argument
// in turn on a stack with an existing cluster. Each must be refused with its
// key named, or change what the program creates or outputs: an argument
// that does neither would be ignored without a word.
func TestNoArgumentIsSilentlyIgnoredWithAnExistingCluster(t *testing.T) {
	t.Parallel()
	for _, fixture := range []string{"existing-kubeconfig", "existing-cluster"} {
		base := planOf(t, fixture, fixtures[fixture]())
		for _, field := range reflect.VisibleFields(reflect.TypeOf(components.WorkloadIdentityCronJobArgs{})) {
			argKey, _, _ := strings.Cut(field.Tag.Get("pulumi"), ",")
			key := stacks.ConfigKey(argKey)
			// The allow* keys only permit what another key asks for.
			if argKey == "" || providerKeys[key] || strings.HasPrefix(argKey, "allow") {
				continue
			}
			config := withConfig(fixtures[fixture](), map[string]string{key: sampleValue(field.Type)})
			if fixtures[fixture]()[key] != "" {
				continue // the fixture sets it: it has its effect already
			}
			if _, err := stacks.Parse(config, "gkewi"); err != nil {
				if !strings.Contains(err.Error(), key) {
					t.Errorf("%s: %s refused without naming it:\n%v", fixture, key, err)
				}
				continue
			}
			if planOf(t, fixture, config) == base {
				t.Errorf("%s: %s is accepted and changes nothing", fixture, key)
			}
		}
	}
}

// sampleValue is a value of a field's type, different from its zero value
// and its default, as stack configuration gives it.
func sampleValue(typ reflect.Type) string {
	switch typ.String() {
	case "bool":
		return "true"
	case "*bool":
		return "false"
	case "*int":
		return "7"
	case "[]string", "pulumi.StringArrayInput":
		return `["sample-1"]`
	case "map[string][]string":
		return `{"sample-project": ["roles/logging.viewer"]}`
	case "*components.ExistingCluster":
		return `{"name": "sample", "location": "asia-northeast1-b"}`
	}
	return "sample-1"
}

// planOf is what a plan file would hold for config.
func planOf(t *testing.T, stack string, config map[string]string) string {
	t.Helper()
	data, err := yaml.Marshal(buildPlan(t, stack, config, mustRecord(t, config, inStack(stack))))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
