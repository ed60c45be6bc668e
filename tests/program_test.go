package tests

import (
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
	"github.com/gkewi/gkewi/stacks"
)

// The dev stack's values, as Pulumi.dev.yaml sets them.
const (
	devProject   = "my-gkewi-dev-project"
	devNamespace = "wi-demo"
	devKSA       = "wi-demo"
)

// devGSAEmail is the GSA's email in the dev stack, with the mocks' suffix.
var devGSAEmail = "gkewi-" + fakeHex("gkewi-gsa-suffix") + "@" + devProject + ".iam.gserviceaccount.com"

func TestDevStackRegistersEveryPartOfTheRecipe(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	counts := map[string]int{}
	for _, reg := range rec.resources {
		counts[reg.Type]++
	}
	want := map[string]int{
		componentType:      1,
		serviceType:        5,
		randomIDType:       3, // the suffixes of the two account ids and of the node pool
		accountType:        2, // the job's GSA and the nodes' own account
		projectMemberType:  2, // roles/browser for the GSA, the node role for the nodes
		accountMemberType:  1,
		networkType:        1,
		subnetworkType:     1,
		clusterType:        1,
		nodePoolType:       1,
		kubernetesProvider: 1,
		namespaceType:      1,
		ksaType:            1,
		cronJobType:        1,
		jobType:            1, // the verification Job
		networkPolicyType:  1, // no ingress to the job's pods
	}
	for typ, n := range want {
		if counts[typ] != n {
			t.Errorf("%s registered %d times, want %d", typ, counts[typ], n)
		}
	}
	if len(rec.resources) != 24 {
		t.Errorf("the dev stack registers %d resources, want 24: %v", len(rec.resources), rec.names())
	}
	if rec.outputsRegistered != 2 {
		t.Errorf("RegisterResourceOutputs called %d times, want twice: the component's and the stack's", rec.outputsRegistered)
	}
}

func TestAPIsAreEnabledNeverDisabledAndAwaitedByEveryGCPResource(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	var apis []string
	for _, svc := range rec.byType(serviceType) {
		apis = append(apis, get(svc.Inputs, "service").(string))
		if get(svc.Inputs, "disableOnDestroy") != false {
			t.Errorf("%s: disableOnDestroy = %v, want false", svc.Name, get(svc.Inputs, "disableOnDestroy"))
		}
		if get(svc.Inputs, "project") != devProject {
			t.Errorf("%s: project = %v", svc.Name, get(svc.Inputs, "project"))
		}
	}
	slices.Sort(apis)
	want := []string{"cloudresourcemanager.googleapis.com", "compute.googleapis.com", "container.googleapis.com",
		"iam.googleapis.com", "iamcredentials.googleapis.com"}
	if !slices.Equal(apis, want) {
		t.Errorf("enabled APIs = %v, want %v", apis, want)
	}
	for _, reg := range rec.resources {
		if !strings.HasPrefix(reg.Type, "gcp:") || reg.Type == serviceType {
			continue
		}
		for _, svc := range rec.byType(serviceType) {
			if !slices.Contains(reg.DependsOn, svc.Name) {
				t.Errorf("%s %s does not depend on %s", reg.Type, reg.Name, svc.Name)
			}
		}
	}
}

func TestGSAIsGrantedItsRolesAdditively(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	gsa := rec.one(t, accountType, "gkewi-gsa")
	if got := get(gsa.Inputs, "accountId"); got != "gkewi-"+fakeHex("gkewi-gsa-suffix") {
		t.Errorf("GSA accountId = %v, want the component name plus the random suffix", got)
	}
	if !slices.Contains(gsa.DependsOn, "gkewi-gsa-suffix") {
		t.Errorf("GSA does not depend on its random suffix: %v", gsa.DependsOn)
	}
	grant := rec.one(t, projectMemberType, "gkewi-roles-browser")
	assertInputs(t, grant, map[string]any{
		"project": devProject,
		"role":    "roles/browser",
		"member":  "serviceAccount:" + devGSAEmail,
	})
	for _, typ := range []string{"gcp:projects/iAMBinding:IAMBinding", "gcp:projects/iAMPolicy:IAMPolicy",
		"gcp:serviceaccount/iAMBinding:IAMBinding", "gcp:serviceaccount/iAMPolicy:IAMPolicy"} {
		if n := len(rec.byType(typ)); n > 0 {
			t.Errorf("%d %s registered; IAM grants must be additive members", n, typ)
		}
	}
}

func TestNetworkIsCustomModeWithPrivateGoogleAccess(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	assertInputs(t, rec.one(t, networkType, "gkewi-network"), map[string]any{
		"name":                  "gkewi-dev",
		"autoCreateSubnetworks": false,
		"routingMode":           "REGIONAL",
	})
	subnet := rec.one(t, subnetworkType, "gkewi-subnetwork")
	assertInputs(t, subnet, map[string]any{
		"name":                  "gkewi-dev-asia-northeast1",
		"network":               "projects/" + devProject + "/global/networks/gkewi-dev",
		"region":                "asia-northeast1",
		"ipCidrRange":           "10.0.0.0/24",
		"privateIpGoogleAccess": true,
	})
	assertPath(t, subnet, []any{
		map[string]any{"rangeName": "pods", "ipCidrRange": "10.16.0.0/14"},
		map[string]any{"rangeName": "services", "ipCidrRange": "10.20.0.0/20"},
	}, "secondaryIpRanges")
}

func TestClusterIsPrivateZonalAndHasTheWorkloadPool(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	cluster := rec.one(t, clusterType, "gkewi-cluster")
	assertInputs(t, cluster, map[string]any{
		"name":                  "gkewi-dev",
		"location":              "asia-northeast1-a",
		"network":               "projects/" + devProject + "/global/networks/gkewi-dev",
		"subnetwork":            "projects/" + devProject + "/regions/asia-northeast1/subnetworks/gkewi-dev-asia-northeast1",
		"removeDefaultNodePool": true,
		"enableLegacyAbac":      false,
		"enableShieldedNodes":   true,
		"deletionProtection":    false,
		"networkingMode":        "VPC_NATIVE",
	})
	assertPath(t, cluster, devProject+".svc.id.goog", "workloadIdentityConfig", "workloadPool")
	assertPath(t, cluster, true, "privateClusterConfig", "enablePrivateNodes")
	assertPath(t, cluster, false, "privateClusterConfig", "enablePrivateEndpoint")
	assertPath(t, cluster, "172.16.0.0/28", "privateClusterConfig", "masterIpv4CidrBlock")
	assertPath(t, cluster, "203.0.113.0/24", "masterAuthorizedNetworksConfig", "cidrBlocks", 0, "cidrBlock")
	assertPath(t, cluster, false, "masterAuth", "clientCertificateConfig", "issueClientCertificate")
	assertPath(t, cluster, "REGULAR", "releaseChannel", "channel")
	assertPath(t, cluster, "pods", "ipAllocationPolicy", "clusterSecondaryRangeName")
	assertPath(t, cluster, "services", "ipAllocationPolicy", "servicesSecondaryRangeName")
	assertPath(t, cluster, "GKE_METADATA", "nodeConfig", "workloadMetadataConfig", "mode")
	assertPath(t, cluster, "gkewi-nodes-"+fakeHex("gkewi-node-sa-suffix")+"@"+devProject+".iam.gserviceaccount.com", "nodeConfig", "serviceAccount")
	if cluster.Protect {
		t.Error("the dev stack's cluster is protected in Pulumi; its deletionProtection is false")
	}
}

func TestClusterIsProtectedByDefault(t *testing.T) {
	t.Parallel()
	rec, err := recordRun(t, withConfig(devFixture(), map[string]string{"gkewi:deletionProtection": unset}))
	if err != nil {
		t.Fatal(err)
	}
	cluster := rec.one(t, clusterType, "gkewi-cluster")
	assertInputs(t, cluster, map[string]any{"deletionProtection": true})
	if !cluster.Protect {
		t.Error("cluster is not protected in Pulumi state although deletionProtection defaults to true")
	}
}

func TestNodePoolIsHardenedAndRunsAsItsOwnAccount(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	nodeSA := rec.one(t, accountType, "gkewi-node-sa")
	nodeEmail := get(nodeSA.Outputs, "email")
	assertInputs(t, rec.one(t, projectMemberType, "gkewi-node-sa-role"), map[string]any{
		"role":   components.NodeServiceAccountRole,
		"member": fmt.Sprintf("serviceAccount:%s", nodeEmail),
	})
	pool := rec.one(t, nodePoolType, "gkewi-node-pool")
	assertInputs(t, pool, map[string]any{
		"cluster":   "gkewi-dev",
		"location":  "asia-northeast1-a",
		"nodeCount": 1.0,
	})
	assertInputs(t, pool, map[string]any{
		"nodeConfig.machineType":                                      "n1-standard-1",
		"nodeConfig.diskSizeGb":                                       100.0,
		"nodeConfig.diskType":                                         "pd-standard",
		"nodeConfig.imageType":                                        "COS_CONTAINERD",
		"nodeConfig.preemptible":                                      true,
		"nodeConfig.serviceAccount":                                   nodeEmail,
		"nodeConfig.workloadMetadataConfig.mode":                      "GKE_METADATA",
		"nodeConfig.metadata.disable-legacy-endpoints":                "true",
		"nodeConfig.shieldedInstanceConfig.enableSecureBoot":          true,
		"nodeConfig.shieldedInstanceConfig.enableIntegrityMonitoring": true,
	})
	assertPath(t, pool, true, "management", "autoRepair")
	assertPath(t, pool, true, "management", "autoUpgrade")
	if !slices.Contains(rec.one(t, clusterType, "gkewi-cluster").DependsOn, "gkewi-node-sa-role") {
		t.Error("the cluster does not wait for the node account's role; its first nodes could not write logs")
	}
}

func TestANodePoolChangeCreatesTheNewPoolBeforeDeletingTheOld(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	pool := rec.one(t, nodePoolType, "gkewi-node-pool")
	suffix := rec.one(t, randomIDType, "gkewi-node-pool-suffix")
	assertPath(t, pool, "primary-"+get(suffix.Outputs, "hex").(string), "name")
	if pool.DeleteBeforeReplace {
		t.Error("the node pool is deleted before its replacement exists")
	}
	keepers, _ := get(suffix.Inputs, "keepers").(map[string]any)
	config, _ := get(pool.Inputs, "nodeConfig").(map[string]any)
	for key, value := range config {
		switch value.(type) {
		case map[string]any, []any:
			continue // constants of gkewi's, not settings
		}
		if keepers[key] != fmt.Sprint(value) {
			t.Errorf("nodeConfig.%s = %v is not a keeper of the pool's suffix (%v), so changing it would replace the pool under the same name",
				key, value, keepers[key])
		}
	}
	if keepers["name"] != "primary" {
		t.Errorf("the pool's configured name is not a keeper: %v", keepers)
	}
}

func TestTheNodesMayPullThePrivateImageAndNothingElse(t *testing.T) {
	t.Parallel()
	for image, project := range map[string]string{
		"asia-northeast1-docker.pkg.dev/acme-images/jobs/report:1.0":    "acme-images",
		"gcr.io/acme-legacy/report@sha256:" + strings.Repeat("a", 64):   "acme-legacy",
		"eu.gcr.io/example.com/acme/report:2":                           "example.com:acme",
		components.DefaultImage:                                         "",
		"us-docker.pkg.dev/google-samples/containers/gke/hello-app:1.0": "",
		"gcr.io/google_containers/pause:3.2":                            "",
	} {
		rec, err := recordRun(t, withConfig(devFixture(), map[string]string{"gkewi:image": image}))
		if err != nil {
			t.Fatal(err)
		}
		grants := registryGrants(rec)
		if project == "" {
			if len(grants) > 0 {
				t.Errorf("%s: the public image got a registry grant: %v", image, grants)
			}
			continue
		}
		if len(grants) != 1 || get(grants[0].Inputs, "project") != project {
			t.Errorf("%s: registry grants %v, want one on %s", image, grants, project)
			continue
		}
		nodeEmail := get(rec.one(t, accountType, "gkewi-node-sa").Outputs, "email")
		assertPath(t, grants[0], fmt.Sprint("serviceAccount:", nodeEmail), "member")
		if !slices.Contains(rec.one(t, cronJobType, "gkewi-cronjob").DependsOn, grants[0].Name) {
			t.Errorf("%s: the CronJob does not wait until its image can be pulled", image)
		}
	}
}

func TestTheImageRegistryProjectCanBeNamedOrTurnedOff(t *testing.T) {
	t.Parallel()
	const image = "gcr.io/kaniko-project/executor:v1.23.2"
	for setting, want := range map[string]string{unset: "kaniko-project", "none": "", "acme-mirror": "acme-mirror"} {
		rec, err := recordRun(t, withConfig(devFixture(), map[string]string{
			"gkewi:image": image, "gkewi:imageRegistryProject": setting,
		}))
		if err != nil {
			t.Fatal(err)
		}
		grants := registryGrants(rec)
		switch {
		case want == "" && len(grants) > 0:
			t.Errorf("imageRegistryProject %q: grants %v, want none", setting, grants)
		case want != "" && (len(grants) != 1 || get(grants[0].Inputs, "project") != want):
			t.Errorf("imageRegistryProject %q: grants %v, want one on %s", setting, grants, want)
		}
	}
}

// registryGrants are the grants of roles/artifactregistry.reader.
func registryGrants(rec *recorder) []registration {
	var grants []registration
	for _, grant := range rec.byType(projectMemberType) {
		if get(grant.Inputs, "role") == components.ArtifactRegistryReaderRole {
			grants = append(grants, grant)
		}
	}
	return grants
}

func TestWorkloadIdentityBindingIsOnTheGSAAfterThePoolExists(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	binding := rec.one(t, accountMemberType, "gkewi-workload-identity")
	assertInputs(t, binding, map[string]any{
		"serviceAccountId": "projects/" + devProject + "/serviceAccounts/" + devGSAEmail,
		"role":             "roles/iam.workloadIdentityUser",
		"member":           "serviceAccount:" + devProject + ".svc.id.goog[" + devNamespace + "/" + devKSA + "]",
	})
	for _, dep := range []string{"gkewi-cluster", "gkewi-gsa"} {
		if !slices.Contains(binding.DependsOn, dep) {
			t.Errorf("the binding does not depend on %s: %v", dep, binding.DependsOn)
		}
	}
	for _, grant := range rec.byType(projectMemberType) {
		if get(grant.Inputs, "role") == components.WorkloadIdentityUserRole {
			t.Errorf("%s grants %s on the project; it belongs on the GSA only", grant.Name, components.WorkloadIdentityUserRole)
		}
	}
}

func TestKubernetesObjectsRunAsTheAnnotatedKSA(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	gsaEmail := get(rec.one(t, accountType, "gkewi-gsa").Outputs, "email")
	assertInputs(t, rec.one(t, namespaceType, "gkewi-namespace"), map[string]any{"metadata.name": devNamespace})
	ksa := rec.one(t, ksaType, "gkewi-ksa")
	assertPath(t, ksa, devKSA, "metadata", "name")
	assertPath(t, ksa, devNamespace, "metadata", "namespace")
	assertPath(t, ksa, gsaEmail, "metadata", "annotations", components.GSAAnnotation)
	if !slices.Contains(ksa.DependsOn, "gkewi-namespace") || !slices.Contains(ksa.DependsOn, "gkewi-gsa") {
		t.Errorf("the KSA does not wait for its namespace and its GSA: %v", ksa.DependsOn)
	}

	cron := rec.one(t, cronJobType, "gkewi-cronjob")
	assertPath(t, cron, "workload-identity-test", "metadata", "name")
	assertPath(t, cron, devNamespace, "metadata", "namespace")
	assertPath(t, cron, "*/5 * * * *", "spec", "schedule")
	assertPath(t, cron, 1.0, "spec", "successfulJobsHistoryLimit")
	assertPath(t, cron, 1.0, "spec", "failedJobsHistoryLimit")
	pod := []any{"spec", "jobTemplate", "spec", "template", "spec"}
	assertPath(t, cron, devKSA, at(pod, "serviceAccountName")...)
	assertPath(t, cron, "Never", at(pod, "restartPolicy")...)
	assertPath(t, cron, components.DefaultImage, at(pod, "containers", 0, "image")...)
	assertPath(t, cron, []any{"gcloud", "projects", "describe", devProject}, at(pod, "containers", 0, "command")...)
	for _, dep := range []string{"gkewi-ksa", "gkewi-workload-identity", "gkewi-roles-browser"} {
		if !slices.Contains(cron.DependsOn, dep) {
			t.Errorf("the CronJob does not wait for %s, so its first run could meet HTTP 403: %v", dep, cron.DependsOn)
		}
	}
}

func TestKubernetesObjectsUseTheClustersProviderAndASecretKubeconfig(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	provider := rec.one(t, kubernetesProvider, "gkewi-kubernetes")
	if v := provider.Inputs["kubeconfig"]; !v.ContainsSecrets() {
		t.Error("the Kubernetes provider's kubeconfig is not secret")
	}
	kubeconfig, _ := get(provider.Inputs, "kubeconfig").(string)
	for _, want := range []string{"server: https://" + fakeEndpoint, "certificate-authority-data: " + fakeCA,
		"command: gke-gcloud-auth-plugin", "current-context: gke_" + devProject + "_asia-northeast1-a_gkewi-dev"} {
		if !strings.Contains(kubeconfig, want) {
			t.Errorf("kubeconfig lacks %q:\n%s", want, kubeconfig)
		}
	}
	for _, reg := range rec.resources {
		if strings.HasPrefix(reg.Type, "kubernetes:") && reg.Provider != "gkewi-kubernetes" {
			t.Errorf("%s %s uses provider %q, not the cluster's", reg.Type, reg.Name, reg.Provider)
		}
	}
}

func TestEveryChildIsParentedToTheComponentAndNamedFromIt(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	for _, reg := range rec.resources {
		if reg.Type == componentType {
			if reg.Name != "gkewi" {
				t.Errorf("component named %q, want the project's name", reg.Name)
			}
			continue
		}
		if reg.Parent != "gkewi" {
			t.Errorf("%s %s has parent %q, want the component", reg.Type, reg.Name, reg.Parent)
		}
		if !strings.HasPrefix(reg.Name, "gkewi-") {
			t.Errorf("%s %s is not named from the component", reg.Type, reg.Name)
		}
	}
}

// twoInstances registers two components side by side in one program and one
// project: names that share a long prefix, and clusters of one name in two zones.
func twoInstances(ctx *pulumi.Context) error {
	for zone, name := range map[string]string{"a": "reports-asia-northeast1-alpha", "b": "reports-asia-northeast1-beta"} {
		_, err := components.NewWorkloadIdentityCronJob(ctx, name, &components.WorkloadIdentityCronJobArgs{
			Project: "shared-project", Region: "asia-northeast1", Zone: "asia-northeast1-" + zone,
			Network: name, Subnetwork: name, SubnetCIDR: "10.0.0.0/24", ClusterName: "reports",
			MasterCIDR: "172.16.0.0/28", AuthorizedNetworks: pulumi.StringArray{pulumi.String("192.0.2.0/24")},
			Namespace: "jobs", KubernetesServiceAccount: "runner", Schedule: "@daily",
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func TestTwoInstancesDoNotCollide(t *testing.T) {
	t.Parallel()
	rec, err := recordRun(t, nil, withProgram(twoInstances))
	if err != nil {
		t.Fatal(err)
	}
	urns := map[string]bool{}
	for _, reg := range rec.resources {
		if urns[reg.URN] {
			t.Errorf("two resources share the URN %s", reg.URN)
		}
		urns[reg.URN] = true
	}
	emails := map[any]bool{}
	for _, account := range rec.byType(accountType) {
		email := get(account.Outputs, "email")
		if emails[email] {
			t.Errorf("two service accounts in one project share the email %v", email)
		}
		emails[email] = true
	}
	if len(rec.byType(componentType)) != 2 || rec.outputsRegistered != 3 {
		t.Errorf("%d components and %d output registrations, want 2, and 3 with the stack's",
			len(rec.byType(componentType)), rec.outputsRegistered)
	}
	for _, name := range []string{"reports-asia-northeast1-alpha", "reports-asia-northeast1-beta"} {
		provider := name + "-kubernetes"
		rec.one(t, kubernetesProvider, provider)
		for _, typ := range []string{namespaceType, ksaType, cronJobType} {
			if reg := rec.one(t, typ, name+typeSuffix(typ)); reg.Provider != provider {
				t.Errorf("%s %s uses provider %q, want its own instance's %q", typ, reg.Name, reg.Provider, provider)
			}
		}
	}
}

func typeSuffix(typ string) string {
	return map[string]string{namespaceType: "-namespace", ksaType: "-ksa", cronJobType: "-cronjob"}[typ]
}

var accountIDPattern = regexp.MustCompile(`^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$`)

func TestDerivedGSAIdIsValidWhateverTheComponentName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"x", "9lives", "My_Very_Long_Component_Name_That_Goes_On_And_On", "--a--", "ünïcode"} {
		t.Run(name, func(t *testing.T) {
			config := withConfig(devFixture(), map[string]string{"gkewi:cronJobName": "job"})
			rec, err := recordRun(t, nil, withProgram(func(ctx *pulumi.Context) error {
				args, err := stacks.Parse(config, name)
				if err != nil {
					return err
				}
				_, err = components.NewWorkloadIdentityCronJob(ctx, name, args)
				return err
			}))
			if err != nil {
				t.Fatal(err)
			}
			id, _ := get(rec.one(t, accountType, name+"-gsa").Inputs, "accountId").(string)
			if !accountIDPattern.MatchString(id) {
				t.Errorf("derived account id %q is not valid", id)
			}
		})
	}
}

func TestBadConfigRegistersNothing(t *testing.T) {
	t.Parallel()
	rec, err := recordRun(t, withConfig(devFixture(), map[string]string{
		"gkewi:roles":      `["resourcemanager.projects.get"]`,
		"gkewi:masterCidr": "172.16.0.0/24",
		"gkewi:namespace":  "",
	}))
	if err == nil {
		t.Fatal("the program accepted a bad stack configuration")
	}
	for _, want := range []string{
		`gkewi:roles[0]: "resourcemanager.projects.get" is a permission, not a role`,
		`gkewi:masterCidr: "172.16.0.0/24" is a /24; allowed: exactly a /28`,
		`gkewi:namespace: "" is required`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if len(rec.resources) != 0 {
		t.Errorf("a bad configuration registered %d resources: %v", len(rec.resources), rec.names())
	}
}

// assertInputs checks inputs by dotted path.
func assertInputs(t *testing.T, reg registration, want map[string]any) {
	t.Helper()
	for path, value := range want {
		var steps []any
		for _, s := range strings.Split(path, ".") {
			steps = append(steps, s)
		}
		assertPath(t, reg, value, steps...)
	}
}

func assertPath(t *testing.T, reg registration, want any, path ...any) {
	t.Helper()
	if got := get(reg.Inputs, path...); !reflect.DeepEqual(got, want) {
		t.Errorf("%s %s: %v = %#v, want %#v", reg.Type, reg.Name, path, got, want)
	}
}

func TestComponentOutputsWhatAUserNeeds(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	want := map[string]any{
		"gsaEmail":                 devGSAEmail,
		"workloadIdentityMember":   "serviceAccount:" + devProject + ".svc.id.goog[" + devNamespace + "/" + devKSA + "]",
		"workloadPool":             devProject + ".svc.id.goog",
		"clusterName":              "gkewi-dev",
		"clusterEndpoint":          fakeEndpoint,
		"network":                  "gkewi-dev",
		"subnetwork":               "gkewi-dev-asia-northeast1",
		"namespace":                devNamespace,
		"kubernetesServiceAccount": devKSA,
		"cronJobName":              "workload-identity-test",
	}
	for key, value := range want {
		if rec.output(key) != value {
			t.Errorf("output %s = %#v, want %#v", key, rec.output(key), value)
		}
	}
	if kubeconfig, _ := rec.output("kubeconfig").(string); !strings.Contains(kubeconfig, "gke-gcloud-auth-plugin") {
		t.Errorf("output kubeconfig is not a gke-gcloud-auth-plugin kubeconfig: %q", kubeconfig)
	}
}

// TestAnInlineProgramReadsItsConfiguration: under the Automation API the
// program runs in its caller's process, where the engine's configuration
// reaches the context but not PULUMI_CONFIG (sdk/go/auto/stack.go builds
// the RunInfo from the request), and every key that an argument reads must
// still arrive; the engine tier runs every stack that way.
func TestAnInlineProgramReadsItsConfiguration(t *testing.T) {
	t.Parallel()
	want := devFixture()
	var got map[string]string
	read := func(ctx *pulumi.Context) (err error) {
		got, err = stacks.StackConfig(ctx)
		return err
	}
	inline := func(info *pulumi.RunInfo) { info.Config = want }
	if err := pulumi.RunErr(read, pulumi.WithMocks(testProject, testStack, &recorder{}), inline); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("an inline program reads %v; want %v", got, want)
	}
}
