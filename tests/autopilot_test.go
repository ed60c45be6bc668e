package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// autopilotFixture is the dev fixture as an Autopilot cluster, without its
// node pool's settings, which Autopilot refuses.
func autopilotFixture() map[string]string {
	config := withConfig(devFixture(), map[string]string{"gkewi:autopilot": "true"})
	for _, key := range []string{"machineType", "nodeCount", "diskSizeGb", "diskType", "nodePoolName"} {
		delete(config, "gkewi:"+key)
	}
	return config
}

func TestAnAutopilotClusterIsRegionalWithTheNodesAccountAndNoPoolOfOurs(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, autopilotFixture())
	cluster := rec.one(t, clusterType, "gkewi-cluster")
	assertPath(t, cluster, true, "enableAutopilot")
	assertPath(t, cluster, devFixture()["gcp:region"], "location")
	nodeSA := "gkewi-nodes-" + fakeHex("gkewi-node-sa-suffix") + "@" + devProject + ".iam.gserviceaccount.com"
	assertPath(t, cluster, nodeSA, "clusterAutoscaling", "autoProvisioningDefaults", "serviceAccount")
	// What the provider refuses with enable_autopilot, or what GKE reports
	// back as its own and so would replace the cluster.
	for _, key := range []string{"nodeConfig", "removeDefaultNodePool", "enableShieldedNodes", "initialNodeCount", "datapathProvider", "nodePools"} {
		if value := get(cluster.Inputs, key); value != nil {
			t.Errorf("the Autopilot cluster sets %s = %v", key, value)
		}
	}
	// Everything else that hardens the Standard cluster stays.
	standard := mustRecord(t, devFixture()).one(t, clusterType, "gkewi-cluster")
	for _, key := range []string{"privateClusterConfig", "masterAuthorizedNetworksConfig", "maintenancePolicy", "workloadIdentityConfig",
		"masterAuth", "releaseChannel", "ipAllocationPolicy", "deletionProtection"} {
		if got, want := fmt.Sprint(get(cluster.Inputs, key)), fmt.Sprint(get(standard.Inputs, key)); got != want {
			t.Errorf("the Autopilot cluster's %s is %s, the Standard one's %s", key, got, want)
		}
	}
	assertNone(t, rec, nodePoolType)
	if verify := rec.one(t, jobType, "gkewi-verify"); !slices.Contains(verify.DependsOn, "gkewi-cluster") {
		t.Errorf("the verification Job waits for %v, not the cluster, whose nodes it needs", verify.DependsOn)
	}
}

func TestAutopilotPodsRunAsSpotPodsWithoutTheMetadataServerSelector(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name       string
		config     map[string]string
		selector   map[string]any
		toleration bool
	}{
		{"Spot by default", autopilotFixture(), map[string]any{"cloud.google.com/gke-spot": "true"}, true},
		{"on demand", withConfig(autopilotFixture(), map[string]string{"gkewi:preemptible": "false"}), nil, false},
		{"Standard", devFixture(), map[string]any{"iam.gke.io/gke-metadata-server-enabled": "true"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := mustRecord(t, c.config)
			for _, pod := range []struct {
				reg  registration
				path []any
			}{{rec.one(t, cronJobType, "gkewi-cronjob"), cronPod}, {rec.one(t, jobType, "gkewi-verify"), jobPod}} {
				want, tolerates := c.selector, c.toleration
				// The verification runs on demand: Autopilot provisions Spot
				// capacity only as it can, and `up` waits for it.
				if pod.reg.Type == jobType && c.name != "Standard" {
					want, tolerates = nil, false
				}
				selector, _ := get(pod.reg.Inputs, append(slices.Clone(pod.path), "nodeSelector")...).(map[string]any)
				if fmt.Sprint(selector) != fmt.Sprint(want) {
					t.Errorf("%s selects %v, want %v", pod.reg.Name, selector, want)
				}
				tolerations, _ := get(pod.reg.Inputs, append(slices.Clone(pod.path), "tolerations")...).([]any)
				wantTolerations := "[]"
				if tolerates {
					wantTolerations = "[map[effect:NoSchedule key:cloud.google.com/gke-spot operator:Equal value:true]]"
				}
				if fmt.Sprint(tolerations) != wantTolerations {
					t.Errorf("%s tolerates %v, want %s: what Autopilot adds, so that it changes nothing", pod.reg.Name, tolerations, wantTolerations)
				}
			}
			command, _ := rec.output("verifyCommand").(string)
			if hasSelector := strings.Contains(command, "gke-metadata-server-enabled"); hasSelector != (c.name == "Standard") {
				t.Errorf("the verifyCommand pod's metadata server selector is there: %t; want it only on Standard", hasSelector)
			}
		})
	}
}

func TestAutopilotContainersRequestWhatAutopilotKeeps(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, withConfig(autopilotFixture(), map[string]string{"gkewi:cpuRequest": "250m", "gkewi:memoryRequest": "512Mi"}))
	cron := rec.one(t, cronJobType, "gkewi-cronjob")
	for _, name := range []string{"initContainers", "containers"} {
		resources := get(cron.Inputs, append(slices.Clone(cronPod), name, 0, "resources", "requests")...)
		if got := fmt.Sprint(resources); got != "map[cpu:250m ephemeral-storage:256Mi memory:512Mi]" {
			t.Errorf("the CronJob's %s request %s", name, got)
		}
	}
	standard := get(mustRecord(t, devFixture()).one(t, cronJobType, "gkewi-cronjob").Inputs, append(slices.Clone(cronPod), "containers", 0, "resources", "requests")...)
	if got := fmt.Sprint(standard); got != "map[cpu:100m memory:256Mi]" {
		t.Errorf("a Standard container requests %s, want what gkewi has always asked, so that an upgrade changes nothing", got)
	}
}

func TestAutopilotEgressAllowsEveryWayToDNS(t *testing.T) {
	t.Parallel()
	egress := func(config map[string]string) string {
		rec := mustRecord(t, withConfig(config, map[string]string{"gkewi:restrictEgress": "private"}))
		return fmt.Sprint(get(rec.one(t, networkPolicyType, "gkewi-restrict-egress").Inputs, "spec", "egress"))
	}
	// Cloud DNS at the metadata server's address, and NodeLocal DNSCache at
	// its own and in its pods.
	nodeLocalDNS := []string{"map[ipBlock:map[cidr:169.254.20.10/32]]", "k8s-app:node-local-dns"}
	got := egress(autopilotFixture())
	for _, want := range nodeLocalDNS {
		if !strings.Contains(got, want) {
			t.Errorf("on Autopilot the egress policy lacks %s:\n%s", want, got)
		}
	}
	if !strings.Contains(got, "map[port:80 protocol:TCP] map[port:53 protocol:UDP] map[port:53 protocol:TCP]") {
		t.Errorf("on Autopilot the egress policy lets the pods ask no DNS at the metadata server's address:\n%s", got)
	}
	standard := egress(devFixture())
	for _, unwanted := range append(nodeLocalDNS, "map[port:80 protocol:TCP] map[port:53") {
		if strings.Contains(standard, unwanted) {
			t.Errorf("on Standard the egress policy allows %s too", unwanted)
		}
	}
}

func TestAnExistingAutopilotClusterGetsPodsWithoutTheMetadataServerSelector(t *testing.T) {
	t.Parallel()
	autopilot := func(found resource.PropertyMap) {
		found["enableAutopilot"] = resource.NewProperty(true)
		// Autopilot's node pools are Google's: none is the user's to check.
		found["nodePools"] = resource.NewProperty([]resource.PropertyValue{})
	}
	rec, err := recordRun(t, stackConfig(t, "existing-cluster"), inStack("existing-cluster"), inWorld(world{editCluster: autopilot}))
	if err != nil {
		t.Fatalf("an existing Autopilot cluster was refused: %v", err)
	}
	for _, pod := range []struct {
		reg  registration
		path []any
	}{{rec.one(t, cronJobType, "gkewi-cronjob"), cronPod}, {rec.one(t, jobType, "gkewi-verify"), jobPod}} {
		if selector := get(pod.reg.Inputs, append(slices.Clone(pod.path), "nodeSelector")...); selector != nil {
			t.Errorf("%s selects %v on an Autopilot cluster, which refuses it", pod.reg.Name, selector)
		}
	}
	// Autopilot would fill in, and bill, 1Gi of local storage.
	requests := get(rec.one(t, cronJobType, "gkewi-cronjob").Inputs, append(slices.Clone(cronPod), "containers", 0, "resources", "requests")...)
	if got := fmt.Sprint(requests); !strings.Contains(got, "ephemeral-storage:256Mi") {
		t.Errorf("on an existing Autopilot cluster the job requests %s", got)
	}
	// The same cluster as Standard, without a pool with the metadata server,
	// is refused.
	standard := func(found resource.PropertyMap) {
		found["nodePools"] = resource.NewProperty([]resource.PropertyValue{})
	}
	if _, err := recordRun(t, stackConfig(t, "existing-cluster"), inStack("existing-cluster"), inWorld(world{editCluster: standard})); err == nil ||
		!strings.Contains(err.Error(), "has no node pool with the GKE metadata server") {
		t.Errorf("a Standard cluster without the metadata server was accepted: %v", err)
	}
}
