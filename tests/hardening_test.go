package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gkewi/gkewi/components"
)

// TestEveryClusterHasTheHardeningDefaults: Dataplane V2, which enforces the
// NetworkPolicy that admits nothing to the job's pods, and a maintenance
// window; the options stay off.
func TestEveryClusterHasTheHardeningDefaults(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	cluster := rec.one(t, clusterType, "gkewi-cluster")
	assertInputs(t, cluster, map[string]any{
		"datapathProvider": "ADVANCED_DATAPATH",
		"maintenancePolicy.dailyMaintenanceWindow.startTime": components.DefaultMaintenanceWindow,
		"privateClusterConfig.enablePrivateEndpoint":         false,
	})
	for _, off := range []string{"binaryAuthorization", "databaseEncryption"} {
		if get(cluster.Inputs, off) != nil {
			t.Errorf("the cluster sets %s, an option that is off by default", off)
		}
	}
	policy := rec.one(t, networkPolicyType, "gkewi-deny-ingress")
	assertPath(t, policy, "workload-identity-test", "spec", "podSelector", "matchLabels", "app.kubernetes.io/instance")
	assertPath(t, policy, []any{"Ingress"}, "spec", "policyTypes")
	if get(policy.Inputs, "spec", "ingress") != nil {
		t.Error("the ingress policy admits some traffic; want none")
	}
	for _, pods := range []registration{rec.one(t, cronJobType, "gkewi-cronjob"), rec.one(t, jobType, "gkewi-verify")} {
		if !slices.Contains(pods.DependsOn, policy.Name) {
			t.Errorf("%s does not wait for the ingress policy", pods.Name)
		}
	}
	assertNone(t, rec, dnsZoneType, kmsKeyMemberType)
}

// TestTheHardenedStackTurnsEveryOptionOn checks what each option of the
// hardened example makes GKE and the VPC do.
func TestTheHardenedStackTurnsEveryOptionOn(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, stackConfig(t, "hardened"), inStack("hardened"))
	cluster := rec.one(t, clusterType, "gkewi-cluster")
	key := "projects/my-gkewi-hardened-project/locations/europe-west1/keyRings/gkewi/cryptoKeys/secrets"
	assertInputs(t, cluster, map[string]any{
		"privateClusterConfig.enablePrivateEndpoint":            true,
		"privateClusterConfig.masterGlobalAccessConfig.enabled": true,
		"binaryAuthorization.evaluationMode":                    "PROJECT_SINGLETON_POLICY_ENFORCE",
		"databaseEncryption.state":                              "ENCRYPTED",
		"databaseEncryption.keyName":                            key,
		"maintenancePolicy.dailyMaintenanceWindow.startTime":    "01:00",
	})
	grant := rec.one(t, kmsKeyMemberType, "gkewi-secrets-key-user")
	assertInputs(t, grant, map[string]any{
		"cryptoKeyId": key,
		"role":        components.KMSKeyUserRole,
		"member":      "serviceAccount:service-" + fakeProjectNumber("my-gkewi-hardened-project") + "@container-engine-robot.iam.gserviceaccount.com",
	})
	if !slices.Contains(cluster.DependsOn, grant.Name) {
		t.Error("the cluster does not wait for GKE's grant on the key, so its creation could fail on the key")
	}
	agent := rec.one(t, serviceIdentityType, "gkewi-gke-service-agent")
	assertInputs(t, agent, map[string]any{"service": "container.googleapis.com", "project": "my-gkewi-hardened-project"})
	if !slices.Contains(grant.DependsOn, agent.Name) {
		t.Error("the key's grant does not wait for GKE's service agent, which a project where GKE never ran does not have yet")
	}
	for _, api := range []string{"binaryauthorization.googleapis.com", "dns.googleapis.com"} {
		rec.one(t, serviceType, "gkewi-"+api)
	}
	egress := rec.one(t, networkPolicyType, "gkewi-restrict-egress")
	var allowed []string
	for i := range len(get(egress.Inputs, "spec", "egress").([]any)) {
		if cidr, ok := get(egress.Inputs, "spec", "egress", i, "to", 0, "ipBlock", "cidr").(string); ok {
			for j := range len(get(egress.Inputs, "spec", "egress", i, "ports").([]any)) {
				allowed = append(allowed, fmt.Sprintf("%s %v/%v", cidr,
					get(egress.Inputs, "spec", "egress", i, "ports", j, "protocol"), get(egress.Inputs, "spec", "egress", i, "ports", j, "port")))
			}
		}
	}
	// GKE's Workload Identity page: on Dataplane V2, 169.254.169.252/32 on
	// port 988 and 169.254.169.254/32 on port 80; then the endpoint's
	// addresses and gRPC's direct connectivity, on HTTPS only.
	want := []string{"169.254.169.254/32 TCP/80", "169.254.169.252/32 TCP/988", "199.36.153.8/30 TCP/443", "34.126.0.0/18 TCP/443"}
	if !slices.Equal(allowed, want) {
		t.Errorf("the egress policy lets the pods reach %v; want DNS and exactly %v", allowed, want)
	}
	assertPath(t, egress, "kube-dns", "spec", "egress", 0, "to", 0, "podSelector", "matchLabels", "k8s-app")
}

// TestFlowLogsSampleTheSubnetwork: the subnetwork that gkewi creates records
// its flows when asked.
func TestFlowLogsSampleTheSubnetwork(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, withConfig(devFixture(), map[string]string{"gkewi:flowLogs": "true"}))
	assertInputs(t, rec.one(t, subnetworkType, "gkewi-subnetwork"), map[string]any{
		"logConfig.aggregationInterval": "INTERVAL_5_SEC",
		"logConfig.flowSampling":        0.5,
	})
}

// TestAPinnedCloudCLIImageRunsEveryContainer: a stack that pins the
// google-cloud-cli image by digest runs no floating tag anywhere, while a
// job image of another repository leaves gkewi's own containers on the
// default image.
func TestAPinnedCloudCLIImageRunsEveryContainer(t *testing.T) {
	t.Parallel()
	pinned := "gcr.io/google.com/cloudsdktool/google-cloud-cli@sha256:" + strings.Repeat("b", 64)
	other := "asia-northeast1-docker.pkg.dev/acme/jobs/report@sha256:" + strings.Repeat("c", 64)
	for image, tools := range map[string]string{pinned: pinned, other: components.DefaultImage} {
		rec := mustRecord(t, withConfig(devFixture(), map[string]string{"gkewi:image": image}))
		cron := rec.one(t, cronJobType, "gkewi-cronjob")
		assertPath(t, cron, tools, at(cronPod, "initContainers", 0, "image")...)
		verify := rec.one(t, jobType, "gkewi-verify")
		assertPath(t, verify, tools, "spec", "template", "spec", "containers", 0, "image")
		if command := rec.output("verifyCommand"); !strings.Contains(command.(string), "--image="+tools) {
			t.Errorf("with image %s, verifyCommand runs another image: %s", image, command)
		}
	}
}

// TestAClusterKeptOffDataplaneV2IsNotReplaced: with dataplaneV2 false the
// cluster sends no datapathProvider, as gkewi did before it turned Dataplane
// V2 on. The field forces a new cluster, so any value would replace one.
func TestAClusterKeptOffDataplaneV2IsNotReplaced(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, withConfig(devFixture(), map[string]string{"gkewi:dataplaneV2": "false", "gkewi:denyIngress": "false"}))
	if got := get(rec.one(t, clusterType, "gkewi-cluster").Inputs, "datapathProvider"); got != nil {
		t.Errorf("datapathProvider = %v; want it unset", got)
	}
	assertNone(t, rec, networkPolicyType)
}
