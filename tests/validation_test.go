package tests

import (
	"fmt"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
	"github.com/gkewi/gkewi/stacks"
)

// badInput is one mistake in the dev stack's configuration and the line of
// the error it must produce.
type badInput struct {
	set   map[string]string
	key   string
	words string
}

// aGrant is gkewi:grants holding the one grant given as JSON.
func aGrant(grant string) map[string]string {
	return map[string]string{"gkewi:grants": "[" + grant + "]"}
}

// asAutopilot is the dev fixture's changes for an Autopilot cluster without
// its node pool's settings, plus changes.
func asAutopilot(changes map[string]string) map[string]string {
	config := onAutopilot(changes)
	for _, key := range []string{"machineType", "nodeCount", "diskSizeGb", "diskType"} {
		config["gkewi:"+key] = unset
	}
	return config
}

// onAutopilot is the dev fixture's changes for an Autopilot cluster, with
// its node pool's settings still set, plus changes.
func onAutopilot(changes map[string]string) map[string]string {
	config := map[string]string{"gkewi:autopilot": "true"}
	for key, value := range changes {
		config[key] = value
	}
	return config
}

// withGrantPropagation is one grant and the verification's window for it.
func withGrantPropagation(grant, seconds string) map[string]string {
	config := aGrant(grant)
	config["gkewi:grantPropagationSeconds"] = seconds
	return config
}

var badInputs = []badInput{
	{aGrant(`{"kind": "table", "name": "t", "role": "roles/bigquery.dataViewer"}`), "gkewi:grants[0].kind",
		`"table" is not a kind of resource gkewi grants on; allowed: bucket, dataset, secret, subscription, topic`},
	{aGrant(`{"kind": "bucket", "name": "Reports_Input", "role": "roles/storage.objectViewer"}`), "gkewi:grants[0].name",
		`"Reports_Input" is not the name of a bucket; allowed: 3-63 lowercase letters, digits, '-', '_' and '.'`},
	{aGrant(`{"kind": "topic", "name": "goog-events", "role": "roles/pubsub.publisher"}`), "gkewi:grants[0].name",
		"is not the name of a topic; allowed: 3-255 letters, digits and '-', '_', '.', '~', '+' or '%', starting with a letter but not with goog"},
	{aGrant(`{"kind": "dataset", "name": "` + strings.Repeat("d", 1025) + `", "role": "roles/bigquery.dataViewer"}`), "gkewi:grants[0].name",
		"is not the name of a dataset; allowed: 1-1024 letters, digits and '_'"},
	{aGrant(`{"kind": "bucket", "name": "reports-input", "role": "roles/secretmanager.secretAccessor"}`), "gkewi:grants[0].role",
		`"roles/secretmanager.secretAccessor" does not apply to a bucket; allowed: roles/storage.admin, roles/storage.legacyBucketOwner`},
	{aGrant(`{"kind": "subscription", "name": "reports-jobs", "role": "roles/pubsub.publisher"}`), "gkewi:grants[0].role",
		`"roles/pubsub.publisher" does not apply to a subscription; allowed: roles/pubsub.admin, roles/pubsub.editor, roles/pubsub.subscriber, roles/pubsub.viewer`},
	{aGrant(`{"kind": "secret", "name": "db-password", "role": "roles/viewer"}`), "gkewi:grants[0].role",
		`"roles/viewer" is a basic role, which applies to whole projects; allowed: a predefined role of the secret: roles/secretmanager.admin`},
	{aGrant(`{"kind": "bucket", "name": "` + strings.Repeat("a", 64) + `.example.com", "role": "roles/storage.objectViewer"}`), "gkewi:grants[0].name",
		"(up to 222 with dots, each part at most 63)"},
	{aGrant(`{"kind": "dataset", "name": "sales", "role": "roles/bigquery.user"}`), "gkewi:grants[0].role",
		`"roles/bigquery.user" does not apply to a dataset; allowed: roles/bigquery.dataEditor`},
	{aGrant(`{"kind": "secret", "name": "db-password", "role": "roles/secretmanager.secretAccessor", "project": "123456789012"}`), "gkewi:grants[0].project",
		`"123456789012" is a project number; allowed: the project id`},
	{map[string]string{"gkewi:grants": `[{"kind": "secret", "name": "db", "role": "roles/secretmanager.secretAccessor"},
		{"kind": "secret", "name": "db", "role": "roles/secretmanager.secretAccessor", "project": "` + devProject + `"}]`}, "gkewi:grants[1]",
		"is listed twice; allowed: each grant once"},
	{map[string]string{"gkewi:grants": `{"kind": "bucket", "name": "reports-input", "role": "roles/storage.objectViewer"}`}, "gkewi:grants",
		"is not a list of grants; allowed: [{kind: KIND, name: NAME, role: ROLE, project: PROJECT}, ...], the project optional"},
	{aGrant(`{"kind": "bucket", "bucket": "reports-input", "role": "roles/storage.objectViewer"}`), "gkewi:grants", "is not a list of grants"},
	{onAutopilot(nil), "gkewi:machineType",
		`"n1-standard-1" has no effect on an Autopilot cluster, whose nodes Google manages; remove it, or set gkewi:autopilot to false`},
	{onAutopilot(nil), "gkewi:nodeCount", `"1" has no effect on an Autopilot cluster`},
	{onAutopilot(nil), "gkewi:diskSizeGb", `"100" has no effect on an Autopilot cluster`},
	{onAutopilot(nil), "gkewi:diskType", `"pd-standard" has no effect on an Autopilot cluster`},
	{onAutopilot(map[string]string{"gkewi:nodePoolName": "jobs"}), "gkewi:nodePoolName", `"jobs" has no effect on an Autopilot cluster`},
	{onAutopilot(map[string]string{"gkewi:dataplaneV2": "false"}), "gkewi:dataplaneV2",
		`"false" cannot be turned off on an Autopilot cluster, which always runs Dataplane V2; remove it`},
	{onAutopilot(map[string]string{"gkewi:cpuRequest": "25m", "gkewi:memoryRequest": "64Mi"}), "gkewi:cpuRequest",
		`"25m" is below Autopilot's minimum, which Autopilot would raise it to on every deploy; allowed: at least 50m`},
	{onAutopilot(map[string]string{"gkewi:memoryRequest": "48Mi"}), "gkewi:memoryRequest", `"48Mi" is below Autopilot's minimum`},
	{onAutopilot(map[string]string{"gkewi:cpuRequest": "500m", "gkewi:memoryRequest": "256Mi"}), "gkewi:memoryRequest",
		`"256Mi" is 0.50 GiB per vCPU of gkewi:cpuRequest 500m, which Autopilot would change; allowed: 1 to 6.5 GiB per vCPU`},
	{onAutopilot(map[string]string{"gkewi:ephemeralStorageRequest": "5Mi"}), "gkewi:ephemeralStorageRequest",
		`"5Mi" is outside what Autopilot allows; allowed: 10Mi to 10Gi`},
	{map[string]string{"gkewi:cpuRequest": "2"}, "gkewi:cpuRequest", `"2" is above the containers' limit; allowed: at most 1`},
	{map[string]string{"gkewi:memoryRequest": "lots"}, "gkewi:memoryRequest",
		`"lots" is not a positive Kubernetes quantity; allowed: such as 100m for CPU, or 256Mi for memory and storage`},
	{map[string]string{"gkewi:grantPropagationSeconds": "600"}, "gkewi:grantPropagationSeconds",
		`"600" is set, but there are no grants to wait for; allowed: unset without grants`},
	{withGrantPropagation(`{"kind": "secret", "name": "db-password", "role": "roles/secretmanager.secretAccessor"}`, "3601"),
		"gkewi:grantPropagationSeconds", `"3601" is out of range; allowed: 0 to 3600`},
	{withGrantPropagation(`{"kind": "secret", "name": "db-password", "role": "roles/secretmanager.secretAccessor"}`, "-1"),
		"gkewi:grantPropagationSeconds", `"-1" is out of range; allowed: 0 to 3600`},
	{map[string]string{"gkewi:privateEndpoint": "true"}, "gkewi:authorizedNetworks[0]",
		`"203.0.113.0/24" is a public range, which a private endpoint never answers`},
	{onExistingNetwork(map[string]string{"gkewi:network": "gkewi-dev"}), "gkewi:network",
		`"gkewi-dev" has no effect with gkewi:existingNetwork, whose network and subnetwork gkewi does not create; remove it`},
	{onExistingNetwork(map[string]string{"gkewi:cloudNat": "true"}), "gkewi:cloudNat",
		`"true" would add a Cloud NAT for every subnetwork of gkewi:existingNetwork, which gkewi does not own; give that network its own NAT, and remove cloudNat`},
	{onExistingNetwork(map[string]string{"gkewi:subnetCidr": "10.0.0.0/24"}), "gkewi:subnetCidr", "has no effect with gkewi:existingNetwork"},
	{onExistingNetwork(map[string]string{"gkewi:existingSubnetwork": unset}), "gkewi:existingSubnetwork", `"" is required`},
	{onExistingNetwork(map[string]string{"gkewi:flowLogs": "true"}), "gkewi:flowLogs",
		`"true" would change gkewi:existingSubnetwork, which gkewi does not own; turn flow logs on where that subnetwork is managed, and remove flowLogs`},
	{map[string]string{"gkewi:maintenanceWindow": "3am"}, "gkewi:maintenanceWindow", `"3am" is not a time of day; allowed: HH:MM in UTC, such as 05:00`},
	{map[string]string{"gkewi:maintenanceWindow": "24:00"}, "gkewi:maintenanceWindow", "is not a time of day"},
	{map[string]string{"gkewi:restrictEgress": "none"}, "gkewi:restrictEgress", `"none" is not a way to reach Google's APIs; allowed: private, restricted, or no value for no restriction`},
	{map[string]string{"gkewi:restrictEgress": "private", "gkewi:dataplaneV2": "false", "gkewi:denyIngress": "false"}, "gkewi:restrictEgress",
		"needs gkewi:dataplaneV2, which enforces NetworkPolicy"},
	{map[string]string{"gkewi:dataplaneV2": "false"}, "gkewi:denyIngress", "needs gkewi:dataplaneV2, which enforces NetworkPolicy; set dataplaneV2 to true, or denyIngress to false"},
	{map[string]string{"gkewi:secretsEncryptionKey": "projects/p/keyRings/r/cryptoKeys/k"}, "gkewi:secretsEncryptionKey",
		"is not a Cloud KMS key; allowed: projects/PROJECT/locations/asia-northeast1/keyRings/RING/cryptoKeys/KEY"},
	{map[string]string{"gkewi:secretsEncryptionKey": "projects/p/locations/global/keyRings/r/cryptoKeys/k"}, "gkewi:secretsEncryptionKey",
		"is in global, not in the cluster's region; allowed: a key in asia-northeast1"},
	{map[string]string{"gcp:project": unset}, "gcp:project", `"" is required`},
	{map[string]string{"gcp:region": unset}, "gcp:region", `"" is required`},
	{map[string]string{"gcp:region": "Asia-Northeast1"}, "gcp:region", "is not a region; allowed: a region such as asia-northeast1"},
	{map[string]string{"gcp:zone": unset}, "gcp:zone", `"" is required`},
	{map[string]string{"gcp:zone": "us-central1-a"}, "gcp:zone", `is not in region "asia-northeast1"; allowed: asia-northeast1-a`},
	{map[string]string{"gcp:zone": "asia-northeast1"}, "gcp:zone", "is not a zone"},
	{map[string]string{"gkewi:serviceAccountId": "abc"}, "gkewi:serviceAccountId", "allowed: 6-30 characters"},
	{map[string]string{"gkewi:serviceAccountId": "1abcdef"}, "gkewi:serviceAccountId", "starting with a letter"},
	{map[string]string{"gkewi:serviceAccountId": "abcdef-"}, "gkewi:serviceAccountId", "not ending with '-'"},
	{map[string]string{"gkewi:serviceAccountId": "a" + strings.Repeat("b", 30)}, "gkewi:serviceAccountId", "is not a valid account id"},
	{map[string]string{"gkewi:roles": `["resourcemanager.projects.get"]`}, "gkewi:roles[0]",
		`"resourcemanager.projects.get" is a permission, not a role; grant the smallest role that holds it, "roles/browser"`},
	{map[string]string{"gkewi:roles": `["roles/resourcemanager.projects.get"]`}, "gkewi:roles[0]",
		`"roles/resourcemanager.projects.get" is a permission, not a role; grant the smallest role that holds it, "roles/browser"`},
	{map[string]string{"gkewi:roles": `["storage.objects.get"]`}, "gkewi:roles[0]", `grant the smallest role that holds it, "roles/storage.objectViewer"`},
	{map[string]string{"gkewi:roles": `["compute.instances.list"]`}, "gkewi:roles[0]",
		"is a permission, not a role; grant a role that holds it; https://cloud.google.com/iam/docs/permissions-reference lists the roles of each permission"},
	{map[string]string{"gkewi:roles": `["roles/iam.serviceAccountTokenCreator"]`}, "gkewi:roles[0]",
		"lets the job act as other identities or change IAM: it can mint access tokens for any service account of the project; " +
			"grant a narrower role, or set gkewi:allowEscalationRoles to true"},
	{map[string]string{"gkewi:roles": `["roles/iam.workloadIdentityUser"]`}, "gkewi:roles[0]", "can act as any service account of the project through Workload Identity"},
	{map[string]string{"gkewi:roles": `["roles/iam.serviceAccountOpenIdTokenCreator"]`}, "gkewi:roles[0]", "can mint identity tokens"},
	{map[string]string{"gkewi:roles": `["roles/iam.serviceAccountUser"]`}, "gkewi:roles[0]", "can run resources as any service account"},
	{map[string]string{"gkewi:roles": `["roles/iam.serviceAccountKeyAdmin"]`}, "gkewi:roles[0]", "can create key files"},
	{map[string]string{"gkewi:roles": `["roles/iam.serviceAccountAdmin"]`}, "gkewi:roles[0]", "can change who may act as any service account"},
	{map[string]string{"gkewi:roles": `["roles/iam.securityAdmin"]`}, "gkewi:roles[0]", "can change the IAM policies of the project"},
	{map[string]string{"gkewi:roles": `["roles/container.admin"]`}, "gkewi:roles[0]", "has full control of the project's GKE clusters"},
	{map[string]string{"gkewi:additionalProjectRoles": `{"logs-project": ["roles/resourcemanager.projectIamAdmin"]}`},
		"gkewi:additionalProjectRoles.logs-project[0]", "can change the project's IAM policy, and so grant itself any role"},
	{map[string]string{"gkewi:allowEscalationRoles": "sure"}, "gkewi:allowEscalationRoles", "is not a boolean"},
	{map[string]string{"gcp:project": "123456789012"}, "gcp:project",
		"is a project number; allowed: the project id, which `gcloud projects describe 123456789012 --format='value(projectId)'` prints"},
	{map[string]string{"gkewi:authorizedNetworks": `["198.51.100.7"]`}, "gkewi:authorizedNetworks[0]",
		`"198.51.100.7" is an address, not a range; allowed: 198.51.100.7/32 for that address alone`},
	{map[string]string{"gkewi:serviceAccountEmail": "123456789012-compute@developer.gserviceaccount.com"}, "gkewi:serviceAccountEmail",
		"is the Compute Engine default service account, which every VM of the project may run as and which often holds Editor; " +
			"allowed: a service account of the job's own, or set gkewi:allowGoogleManagedServiceAccount to true"},
	{map[string]string{"gkewi:serviceAccountEmail": "my-gkewi-dev-project@appspot.gserviceaccount.com"}, "gkewi:serviceAccountEmail",
		"is the App Engine default service account"},
	{map[string]string{"gkewi:serviceAccountEmail": "service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com"}, "gkewi:serviceAccountEmail",
		"is a Google-managed service account (a service agent)"},
	{map[string]string{"gkewi:serviceAccountEmail": "123456789012@cloudservices.gserviceaccount.com"}, "gkewi:serviceAccountEmail",
		"is a Google-managed service account"},
	{map[string]string{"gkewi:roles": `["browser"]`}, "gkewi:roles[0]", "is not a role; allowed: roles/NAME"},
	{map[string]string{"gkewi:roles": `["roles/owner"]`}, "gkewi:roles[0]", "is a basic role that can change almost anything in the project; grant a narrower role, or set gkewi:allowBasicRoles to true"},
	{map[string]string{"gkewi:roles": `["roles/browser", "roles/editor"]`}, "gkewi:roles[1]", "set gkewi:allowBasicRoles to true"},
	{map[string]string{"gkewi:roles": `["roles/browser", "roles/browser"]`}, "gkewi:roles[1]", "is listed twice"},
	{map[string]string{"gkewi:roles": "roles/browser"}, "gkewi:roles", "is not a list of strings"},
	{map[string]string{"gkewi:allowBasicRoles": "yes"}, "gkewi:allowBasicRoles", "is not a boolean; allowed: true or false"},
	{map[string]string{"gkewi:network": unset}, "gkewi:network", `"" is required`},
	{map[string]string{"gkewi:network": "Gkewi"}, "gkewi:network", "is not a valid name; allowed: at most 63 lowercase letters"},
	{map[string]string{"gkewi:network": "n" + strings.Repeat("x", 63)}, "gkewi:network", "at most 63"},
	{map[string]string{"gkewi:subnetwork": "sub_net"}, "gkewi:subnetwork", "is not a valid name"},
	{map[string]string{"gkewi:clusterName": "c" + strings.Repeat("x", 40)}, "gkewi:clusterName", "at most 40"},
	{map[string]string{"gkewi:nodePoolName": "-pool"}, "gkewi:nodePoolName", "starting with a letter"},
	{map[string]string{"gkewi:subnetCidr": "10.0.0.0"}, "gkewi:subnetCidr", "is not an IPv4 CIDR"},
	{map[string]string{"gkewi:subnetCidr": "10.0.0.1/24"}, "gkewi:subnetCidr", "has host bits set; allowed: 10.0.0.0/24"},
	{map[string]string{"gkewi:subnetCidr": "8.8.8.0/24"}, "gkewi:subnetCidr", "is not a private range"},
	{map[string]string{"gkewi:subnetCidr": "2001:db8::/64"}, "gkewi:subnetCidr", "is not an IPv4 CIDR"},
	{map[string]string{"gkewi:podsCidr": "10.0.0.0/16"}, "gkewi:podsCidr", "overlaps gkewi:subnetCidr 10.0.0.0/24"},
	{map[string]string{"gkewi:servicesCidr": "10.16.0.0/20"}, "gkewi:servicesCidr", "overlaps gkewi:podsCidr 10.16.0.0/14"},
	{map[string]string{"gkewi:masterCidr": "172.16.0.0/24"}, "gkewi:masterCidr", "is a /24; allowed: exactly a /28"},
	{map[string]string{"gkewi:masterCidr": "10.0.0.16/28"}, "gkewi:masterCidr", "overlaps gkewi:subnetCidr"},
	{map[string]string{"gkewi:masterCidr": unset}, "gkewi:masterCidr", `"" is required`},
	{map[string]string{"gkewi:authorizedNetworks": "[]"}, "gkewi:authorizedNetworks", "is required; allowed: a list of CIDRs"},
	{map[string]string{"gkewi:authorizedNetworks": `["0.0.0.0/0"]`}, "gkewi:authorizedNetworks[0]",
		"opens the control plane to the whole internet; allowed: narrower CIDRs, or set gkewi:allowControlPlaneFromAnywhere to true"},
	{map[string]string{"gkewi:authorizedNetworks": `["203.0.113.0/24", "203.0.113.1/24"]`}, "gkewi:authorizedNetworks[1]", "has host bits set"},
	{map[string]string{"gkewi:authorizedNetworks": `["office"]`}, "gkewi:authorizedNetworks[0]", "is not an IPv4 CIDR"},
	{map[string]string{"gkewi:deletionProtection": "maybe"}, "gkewi:deletionProtection", "is not a boolean"},
	{map[string]string{"gkewi:nodeCount": "0"}, "gkewi:nodeCount", "is too small; allowed: at least 1"},
	{map[string]string{"gkewi:nodeCount": "two"}, "gkewi:nodeCount", "is not a whole number"},
	{map[string]string{"gkewi:diskSizeGb": "5"}, "gkewi:diskSizeGb", "is too small; allowed: at least 10"},
	{map[string]string{"gkewi:diskType": "pd-fast"}, "gkewi:diskType", "is not a GKE node disk type; allowed: pd-standard, pd-balanced"},
	{map[string]string{"gkewi:diskType": "pd-extreme"}, "gkewi:diskType", "is not a GKE node disk type"},
	{map[string]string{"gkewi:diskType": "hyperdisk-balanced"}, "gkewi:diskType", "does not work with gkewi:machineType n1-standard-1"},
	{map[string]string{"gcp:project": "My_Project"}, "gcp:project", "is not a project id; allowed: 6-30 lowercase letters"},
	{map[string]string{"gcp:project": "abc"}, "gcp:project", "is not a project id"},
	{map[string]string{"gkewi:namespace": "kube-system"}, "gkewi:namespace", "is reserved for Kubernetes"},
	{map[string]string{"gkewi:namespace": "default"}, "gkewi:namespace", "is reserved for Kubernetes (default, kube-system"},
	{map[string]string{"gkewi:spot": "true"}, "gkewi:spot", "is set together with gkewi:preemptible"},
	{map[string]string{"gkewi:namespace": "Wi_Demo"}, "gkewi:namespace", "is not a valid Kubernetes name; allowed: a lowercase RFC 1123 label"},
	{map[string]string{"gkewi:namespace": "n" + strings.Repeat("x", 63)}, "gkewi:namespace", "must be no more than 63 characters"},
	{map[string]string{"gkewi:kubernetesServiceAccount": unset}, "gkewi:kubernetesServiceAccount", `"" is required`},
	{map[string]string{"gkewi:cronJobName": "j" + strings.Repeat("x", 52)}, "gkewi:cronJobName", "is 53 characters long; allowed: at most 52"},
	{map[string]string{"gkewi:cronJobName": "Job"}, "gkewi:cronJobName", "is not a valid Kubernetes name"},
	{map[string]string{"gkewi:schedule": "* * * *"}, "gkewi:schedule", "expected exactly 5 fields"},
	{map[string]string{"gkewi:schedule": "61 * * * *"}, "gkewi:schedule", "is not a cron schedule"},
	{map[string]string{"gkewi:schedule": "CRON_TZ=Asia/Tokyo 0 * * * *"}, "gkewi:schedule", "set gkewi:timeZone"},
	{map[string]string{"gkewi:schedule": unset}, "gkewi:schedule", `"" is required`},
	{map[string]string{"gkewi:timeZone": "Mars/Olympus"}, "gkewi:timeZone", "is not a time zone; allowed: an IANA name"},
	{map[string]string{"gkewi:timeZone": "Local"}, "gkewi:timeZone", "is not a time zone"},
	{map[string]string{"gkewi:image": "gcr.io/UPPER/case"}, "gkewi:image", "is not an image reference"},
	{map[string]string{"gkewi:image": "gcr.io/x:tag with space"}, "gkewi:image", "is not an image reference"},
	{map[string]string{"gkewi:command": "[]"}, "gkewi:command", "is empty; allowed: a command and its arguments"},
	{map[string]string{"gkewi:command": `["gcloud", ""]`}, "gkewi:command[1]", "is empty"},
	{map[string]string{"gkewi:identityMode": "federated"}, "gkewi:identityMode", "is not an identity mode; allowed: impersonation, direct"},
	{map[string]string{"gkewi:identityMode": "direct", "gkewi:serviceAccountId": "jobs-runner"}, "gkewi:serviceAccountId",
		"has no effect with gkewi:identityMode direct, which uses no GSA; remove it, or use impersonation"},
	{map[string]string{"gkewi:identityMode": "direct", "gkewi:serviceAccountEmail": "a-runner@other-project.iam.gserviceaccount.com"},
		"gkewi:serviceAccountEmail", "has no effect with gkewi:identityMode direct"},
	{map[string]string{"gkewi:serviceAccountEmail": "runner@gmail.com"}, "gkewi:serviceAccountEmail",
		"is not a service account email; allowed: NAME@PROJECT.iam.gserviceaccount.com or another *.gserviceaccount.com address"},
	{map[string]string{"gkewi:serviceAccountEmail": "a-runner@other-project.iam.gserviceaccount.com", "gkewi:serviceAccountId": "jobs-runner"},
		"gkewi:serviceAccountEmail", "names an existing GSA while gkewi:serviceAccountId names one to create; allowed: one of them"},
	{map[string]string{"gkewi:serviceAccountEmail": "a-runner@other-project.iam.gserviceaccount.com", "gkewi:serviceAccountProject": "third-project"},
		"gkewi:serviceAccountProject", "is not the project of gkewi:serviceAccountEmail"},
	{map[string]string{"gkewi:serviceAccountProject": "X"}, "gkewi:serviceAccountProject", "is not a project id"},
	{map[string]string{"gkewi:additionalProjectRoles": `{"my-gkewi-dev-project": ["roles/viewer"]}`}, "gkewi:additionalProjectRoles.my-gkewi-dev-project",
		"is the project that gkewi:roles are granted on; put these roles in gkewi:roles"},
	{map[string]string{"gkewi:additionalProjectRoles": `{"logs-project": ["logging.logEntries.list"]}`}, "gkewi:additionalProjectRoles.logs-project[0]",
		"is a permission, not a role"},
	{map[string]string{"gkewi:additionalProjectRoles": `["roles/viewer"]`}, "gkewi:additionalProjectRoles", "is not a map of project ids to lists of roles"},
	{map[string]string{"gkewi:kubeconfig": "cluster.kubeconfig"}, "gkewi:network", "has no effect with an existing cluster; remove it"},
	{map[string]string{"gkewi:existingCluster": `{"name": "shared", "location": "asia-northeast1-a"}`}, "gkewi:masterCidr",
		"has no effect with an existing cluster; remove it"},
	{map[string]string{"gkewi:existingCluster": `"shared"`}, "gkewi:existingCluster",
		"is not a cluster; allowed: {name: NAME, location: ZONE_OR_REGION, project: PROJECT}, the project optional"},
	{map[string]string{"gkewi:existingCluster": `{"name": "shared", "zone": "asia-northeast1-a"}`}, "gkewi:existingCluster", "is not a cluster"},
	{withConfig(fixtures["existing-cluster"](), map[string]string{"gkewi:existingCluster": `{"name": "Shared", "location": "asia-northeast1-a"}`}),
		"gkewi:existingCluster.name", "is not a valid name"},
	{withConfig(fixtures["existing-cluster"](), map[string]string{"gkewi:existingCluster": `{"name": "shared"}`}),
		"gkewi:existingCluster.location", `"" is required`},
	{withConfig(fixtures["existing-cluster"](), map[string]string{"gkewi:existingCluster": `{"name": "shared", "location": "tokyo"}`}),
		"gkewi:existingCluster.location", "is not a zone or a region"},
	{withConfig(fixtures["existing-cluster"](), map[string]string{"gkewi:existingCluster": `{"name": "s1", "location": "us-east1", "project": "42"}`}),
		"gkewi:existingCluster.project", "is a project number"},
	{withConfig(fixtures["existing-cluster"](), map[string]string{"gkewi:clusterProject": "other-project"}),
		"gkewi:clusterProject", "has no effect with gkewi:existingCluster, which names the cluster; remove it"},
	{withConfig(fixtures["existing-cluster"](), map[string]string{"gkewi:kubeconfig": "c.kubeconfig"}),
		"gkewi:existingCluster", "is set together with gkewi:kubeconfig or a Kubernetes provider; allowed: one of them"},
	{map[string]string{"gkewi:kubernetesAuth": "password"}, "gkewi:kubernetesAuth",
		"is not a way to authenticate to GKE; allowed: authPlugin, accessToken"},
	{withConfig(fixtures["existing-kubeconfig"](), map[string]string{"gkewi:kubernetesAuth": "accessToken"}),
		"gkewi:kubernetesAuth", "has no effect with gkewi:kubeconfig or a Kubernetes provider, which carry their own credentials"},
	{map[string]string{"gkewi:imageRegistryProject": "Acme"}, "gkewi:imageRegistryProject", "is not a project id"},
	{withConfig(fixtures["existing-cluster"](), map[string]string{"gkewi:imageRegistryProject": "acme-images"}),
		"gkewi:imageRegistryProject", "has no effect with an existing cluster"},
	{map[string]string{"gkewi:deleteUnreachable": "perhaps"}, "gkewi:deleteUnreachable", "is not a boolean"},
	{map[string]string{"gkewi:kubeconfig": "cluster.kubeconfig"}, "gkewi:deletionProtection", "has no effect with an existing cluster"},
	{map[string]string{"gkewi:clusterProject": "other-project"}, "gkewi:clusterProject", "is only for a cluster named by gkewi:kubeconfig; set gkewi:existingCluster and its project, or remove it"},
	{map[string]string{"gkewi:createKubernetesServiceAccount": "false"}, "gkewi:createKubernetesServiceAccount",
		"needs an existing namespace, since a new one holds no KSA; set gkewi:createNamespace to false"},
	{map[string]string{"gkewi:image": "google/cloud-sdk:slim"}, "gkewi:image",
		"is outside Google's registries, which are all that private nodes reach without NAT (Docker Hub only through a partial mirror); set gkewi:cloudNat to true"},
	{map[string]string{"gkewi:image": "ghcr.io/acme/job:1.0"}, "gkewi:image", "is outside Google's registries"},
	{map[string]string{"gkewi:cloudNat": "maybe"}, "gkewi:cloudNat", "is not a boolean"},
	{map[string]string{"gkewi:namepsace": "wi-demo"}, "gkewi:namepsace", "is set under an unknown key; did you mean gkewi:namespace?"},
	{map[string]string{"gkewi:shedule": "@daily"}, "gkewi:shedule", "did you mean gkewi:schedule?"},
	{map[string]string{"gkewi:project": "p"}, "gkewi:project", "is set under an unknown key"},
}

func TestBadConfigIsRefusedWithTheKeyValueAndWhatIsAllowed(t *testing.T) {
	t.Parallel()
	dev := devFixture()
	for _, row := range badInputs {
		t.Run(fmt.Sprint(row.set), func(t *testing.T) {
			_, err := stacks.Parse(withConfig(dev, row.set), "gkewi")
			if err == nil {
				t.Fatal("accepted")
			}
			if line := problemLine(err, row.key); !strings.Contains(line, row.words) {
				t.Errorf("the line for %s does not say %q:\n%v", row.key, row.words, err)
			}
		})
	}
}

// problemLine is the line of err about key.
func problemLine(err error, key string) string {
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(line, key+": ") {
			return line
		}
	}
	return ""
}

func TestGoodConfigAtTheEdgesIsAccepted(t *testing.T) {
	t.Parallel()
	dev := devFixture()
	for _, set := range []map[string]string{
		{"gkewi:serviceAccountId": "a" + strings.Repeat("0", 28) + "z"},
		{"gkewi:serviceAccountId": "abcdef"},
		{"gkewi:cronJobName": "j" + strings.Repeat("x", 51)},
		{"gkewi:clusterName": "c" + strings.Repeat("x", 39)},
		{"gkewi:schedule": "@daily"},
		{"gkewi:schedule": "0 9 * * 1-5", "gkewi:timeZone": "Asia/Tokyo"},
		{"gkewi:roles": `["roles/owner"]`, "gkewi:allowBasicRoles": "true"},
		{"gkewi:roles": `["projects/p/roles/jobRunner", "organizations/123/roles/audit.viewer"]`},
		{"gkewi:roles": "[]"},
		{"gkewi:authorizedNetworks": `["0.0.0.0/0"]`, "gkewi:allowControlPlaneFromAnywhere": "true"},
		{"gkewi:spot": "true", "gkewi:preemptible": unset},
		{"gkewi:subnetCidr": "100.64.0.0/24"},
		{"gkewi:masterCidr": "192.168.255.240/28"},
		{"gkewi:image": "asia-northeast1-docker.pkg.dev/p/repo/job@sha256:" + strings.Repeat("a", 64)},
		{"gkewi:nodeCount": "3", "gkewi:diskSizeGb": "10", "gkewi:diskType": "pd-balanced"},
		{"gkewi:machineType": "c3-standard-4", "gkewi:diskType": "hyperdisk-balanced"},
		{"gcp:region": "northamerica-northeast1", "gcp:zone": "northamerica-northeast1-c"},
		{"gkewi:image": "google/cloud-sdk:slim", "gkewi:cloudNat": "true"},
		{"gkewi:maintenanceWindow": "23:59", "gkewi:dataplaneV2": "false", "gkewi:denyIngress": "false"},
		onExistingNetwork(map[string]string{"gkewi:restrictEgress": "restricted", "gkewi:privateEndpoint": "true", "gkewi:authorizedNetworks": `["10.8.0.0/24"]`}),
		onExistingNetwork(map[string]string{"gkewi:podsCidr": "10.0.0.0/14"}),
		{"gkewi:secretsEncryptionKey": "projects/my-keys/locations/asia-northeast1/keyRings/gke/cryptoKeys/secrets_1"},
		{"gkewi:createNamespace": "false", "gkewi:namespace": "default"},
		{"gkewi:serviceAccountEmail": "a-runner@other-project.iam.gserviceaccount.com", "gkewi:serviceAccountProject": "other-project"},
		{"gkewi:identityMode": "direct"},
		{"gkewi:serviceAccountEmail": "123456789012-compute@developer.gserviceaccount.com", "gkewi:allowGoogleManagedServiceAccount": "true"},
		{"gkewi:roles": `["roles/iam.serviceAccountTokenCreator"]`, "gkewi:allowEscalationRoles": "true"},
		{"gkewi:roles": `["projects/p/roles/reports.reader.v2"]`},
		{"gkewi:roles": `["roles/cloudbuild.builds.editor", "roles/containeranalysis.occurrences.viewer"]`},
		{"gkewi:authorizedNetworks": `["198.51.100.7/32"]`},
		{"gkewi:image": "europe-docker.pkg.dev/p/repo/job:1"},
		{"gkewi:image": "eu.gcr.io/p/job:1"},
		{"gkewi:grants": everyKindOfGrant},
		aGrant(`{"kind": "bucket", "name": "a.b_c-1", "role": "roles/storage.legacyObjectReader", "project": "my-gkewi-data-project"}`),
		aGrant(`{"kind": "topic", "name": "Abc.~+%_-x", "role": "roles/pubsub.subscriber"}`),
		aGrant(`{"kind": "dataset", "name": "` + strings.Repeat("d", 1024) + `", "role": "roles/bigquery.metadataViewer"}`),
		aGrant(`{"kind": "bucket", "name": "reports-input", "role": "roles/storage.objectAdmin"}`),
		aGrant(`{"kind": "bucket", "name": "` + strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + `.example.com", "role": "roles/storage.objectViewer"}`),
		asAutopilot(map[string]string{"gcp:zone": unset}),
		asAutopilot(map[string]string{"gkewi:cpuRequest": "50m", "gkewi:memoryRequest": "52Mi", "gkewi:ephemeralStorageRequest": "10Mi"}),
		asAutopilot(map[string]string{"gkewi:cpuRequest": "500m", "gkewi:memoryRequest": "512Mi", "gkewi:ephemeralStorageRequest": "10Gi"}),
		asAutopilot(map[string]string{"gkewi:spot": "true", "gkewi:preemptible": unset, "gkewi:restrictEgress": "private"}),
		{"gkewi:cpuRequest": "10m", "gkewi:memoryRequest": "16Mi", "gkewi:ephemeralStorageRequest": "1Mi"},
	} {
		if _, err := stacks.Parse(withConfig(dev, set), "gkewi"); err != nil {
			t.Errorf("%v refused:\n%v", set, err)
		}
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	t.Parallel()
	_, err := stacks.Parse(withConfig(devFixture(), map[string]string{
		"gcp:zone":          "us-east1-b",
		"gkewi:nodeCount":   "0",
		"gkewi:namepsace":   "x",
		"gkewi:image":       "",
		"gkewi:podsCidr":    "10.0.0.0/8",
		"gkewi:diskSizeGb":  "1",
		"gkewi:roles":       `["roles/editor"]`,
		"gkewi:masterCidr":  "172.16.0.0/29",
		"gkewi:schedule":    "@fortnightly",
		"gkewi:clusterName": "x_",
	}), "gkewi")
	if err == nil {
		t.Fatal("accepted")
	}
	lines := strings.Split(err.Error(), "\n")[1:]
	if len(lines) != 10 {
		t.Errorf("%d problems reported, want 10 (podsCidr overlaps two ranges; an empty image means the default):\n%v", len(lines), err)
	}
}

func TestTheREADMENamesEveryEscalationRole(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "| `gkewi:allowEscalationRoles`") {
			row = line
		}
	}
	for role := range components.EscalationRoles {
		if !strings.Contains(row, "`"+role+"`") {
			t.Errorf("the README's gkewi:allowEscalationRoles row does not name %s", role)
		}
	}
	if strings.Count(row, "`roles/") != len(components.EscalationRoles) {
		t.Errorf("the README's gkewi:allowEscalationRoles row names roles that gkewi does not refuse:\n%s", row)
	}
}

func TestAMistakeInOneKeyIsReportedOnce(t *testing.T) {
	t.Parallel()
	for key, value := range map[string]string{
		"gcp:project":              unset,
		"gkewi:authorizedNetworks": "198.51.100.7/32",
		"gkewi:roles":              "roles/browser",
		"gkewi:command":            "gcloud projects list",
	} {
		_, err := stacks.Parse(withConfig(devFixture(), map[string]string{key: value}), "gkewi")
		if err == nil {
			t.Fatalf("%s: %q accepted", key, value)
		}
		if lines := strings.Split(err.Error(), "\n")[1:]; len(lines) != 1 || !strings.HasPrefix(lines[0], key+": ") {
			t.Errorf("%s: %q gave %d lines, want one about %s:\n%v", key, value, len(lines), key, err)
		}
	}
}

func TestComponentValidatesItsOwnArgsBeforeRegisteringAnything(t *testing.T) {
	t.Parallel()
	rec, err := recordRun(t, nil, withProgram(func(ctx *pulumi.Context) error {
		_, err := components.NewWorkloadIdentityCronJob(ctx, "job", &components.WorkloadIdentityCronJobArgs{
			Project: "p", Region: "europe-west1", Zone: "europe-west1-b", Network: "n", Subnetwork: "s",
			SubnetCIDR: "10.0.0.0/24", ClusterName: "c", MasterCIDR: "172.16.0.0/28",
			AuthorizedNetworks: pulumi.StringArray{pulumi.String("192.0.2.0/24")}, Namespace: "jobs", KubernetesServiceAccount: "runner",
			Schedule: "every day", Roles: []string{"iam.serviceAccounts.get"},
		})
		return err
	}))
	for _, want := range []string{`schedule: "every day" is not a cron schedule`, `roles[0]: "iam.serviceAccounts.get" is a permission`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if len(rec.resources) != 0 {
		t.Errorf("bad args registered %d resources: %v", len(rec.resources), rec.names())
	}
}

// FuzzParse changes the component name and two keys of the dev stack at
// random. Parse must never panic and must name a configuration key on every
// line of its error; what it accepts, the component must build, with valid
// account ids derived from whatever the name is.
func FuzzParse(f *testing.F) {
	for _, row := range badInputs {
		for key, value := range row.set {
			f.Add("gkewi", key, value, "gcp:zone", "asia-northeast1-b")
		}
	}
	f.Add("My Component!", "gkewi:cronJobName", "job", "gkewi:serviceAccountId", "")
	f.Fuzz(func(t *testing.T, name, key1, value1, key2, value2 string) {
		t.Parallel()
		config := withConfig(devConfig, map[string]string{key1: value1})
		config[key2] = value2
		args, err := stacks.Parse(config, name)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n")[1:] {
				if !strings.HasPrefix(line, "gcp:") && !strings.HasPrefix(line, "gkewi:") {
					t.Errorf("error line names no configuration key: %q", line)
				}
			}
			return
		}
		rec, err := recordRun(t, nil, withProgram(func(ctx *pulumi.Context) error {
			_, err := components.NewWorkloadIdentityCronJob(ctx, name, args)
			return err
		}))
		if err != nil {
			t.Fatalf("Parse accepted what the component cannot build: %v", err)
		}
		for _, account := range rec.byType(accountType) {
			if id, _ := get(account.Inputs, "accountId").(string); !accountIDPattern.MatchString(id) {
				t.Errorf("component %q derived the invalid account id %q", name, id)
			}
		}
	})
}

// devConfig is the dev fixture, made once for the fuzzer.
var devConfig = devFixture()

// onExistingNetwork sets changes on the dev stack moved to an existing
// network, which names no network of its own to create.
func onExistingNetwork(changes map[string]string) map[string]string {
	moved := map[string]string{
		"gkewi:existingNetwork": "gkewi-dev", "gkewi:existingSubnetwork": "gkewi-dev-asia-northeast1",
		"gkewi:network": unset, "gkewi:subnetwork": unset, "gkewi:subnetCidr": unset,
	}
	maps.Copy(moved, changes)
	return moved
}
