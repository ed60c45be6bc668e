package tests

// Behaviour tests run on these fixtures, never on the committed stack files:
// users change those (the README's own set-up sets gcp:project and the
// authorized networks). The committed stacks are checked only by what holds
// for any valid values: their plan files, the security rules and the
// API-server tier.

// devFixture is a stack that creates everything, as Pulumi.dev.yaml ships.
func devFixture() map[string]string {
	return map[string]string{
		"gcp:project":                    devProject,
		"gcp:region":                     "asia-northeast1",
		"gcp:zone":                       "asia-northeast1-a",
		"gkewi:network":                  "gkewi-dev",
		"gkewi:subnetwork":               "gkewi-dev-asia-northeast1",
		"gkewi:subnetCidr":               "10.0.0.0/24",
		"gkewi:podsCidr":                 "10.16.0.0/14",
		"gkewi:servicesCidr":             "10.20.0.0/20",
		"gkewi:masterCidr":               "172.16.0.0/28",
		"gkewi:authorizedNetworks":       `["203.0.113.0/24"]`,
		"gkewi:clusterName":              "gkewi-dev",
		"gkewi:deletionProtection":       "false",
		"gkewi:machineType":              "n1-standard-1",
		"gkewi:nodeCount":                "1",
		"gkewi:diskSizeGb":               "100",
		"gkewi:diskType":                 "pd-standard",
		"gkewi:preemptible":              "true",
		"gkewi:roles":                    `["roles/browser"]`,
		"gkewi:namespace":                devNamespace,
		"gkewi:kubernetesServiceAccount": devKSA,
		"gkewi:cronJobName":              "workload-identity-test",
		"gkewi:schedule":                 "*/5 * * * *",
		"gkewi:verify":                   "true",
	}
}

// newClusterFixture is a stack of its own that creates everything, with
// only the keys it must set.
func newClusterFixture(project, region, zone, name, subnet, master, authorized, namespace string) map[string]string {
	return map[string]string{
		"gcp:project":                    project,
		"gcp:region":                     region,
		"gcp:zone":                       zone,
		"gkewi:network":                  name,
		"gkewi:subnetwork":               name + "-" + region,
		"gkewi:subnetCidr":               subnet,
		"gkewi:masterCidr":               master,
		"gkewi:authorizedNetworks":       `["` + authorized + `"]`,
		"gkewi:clusterName":              name,
		"gkewi:deletionProtection":       "false",
		"gkewi:namespace":                namespace,
		"gkewi:kubernetesServiceAccount": namespace,
	}
}

// fixtures are the modes' own stacks, by name.
var fixtures = map[string]func() map[string]string{
	"direct": func() map[string]string {
		return withConfig(newClusterFixture("my-gkewi-direct-project", "asia-northeast1", "asia-northeast1-b",
			"gkewi-direct", "10.1.0.0/24", "172.16.1.0/28", "203.0.113.0/24", "wi-direct"), map[string]string{
			"gkewi:identityMode": "direct",
			"gkewi:roles":        `["roles/browser"]`,
			"gkewi:cronJobName":  "workload-identity-direct",
			"gkewi:schedule":     "*/15 * * * *",
		})
	},
	"cross-project": func() map[string]string {
		return withConfig(newClusterFixture("my-gkewi-cluster-project", "europe-west1", "europe-west1-b",
			"gkewi-cross", "10.2.0.0/24", "172.16.2.0/28", "198.51.100.0/24", "analytics"), map[string]string{
			"gkewi:serviceAccountProject":  "my-gkewi-data-project",
			"gkewi:roles":                  `["roles/browser", "roles/bigquery.jobUser"]`,
			"gkewi:additionalProjectRoles": `{"my-gkewi-logs-project": ["roles/logging.viewer"]}`,
			"gkewi:schedule":               "30 2 * * *",
		})
	},
	"cloud-nat": func() map[string]string {
		return withConfig(newClusterFixture("my-gkewi-nat-project", "us-central1", "us-central1-a",
			"gkewi-nat", "10.3.0.0/24", "172.16.3.0/28", "192.0.2.0/24", "wi-nat"), map[string]string{
			"gkewi:cloudNat": "true",
			"gkewi:image":    "google/cloud-sdk:slim",
			"gkewi:spot":     "true",
			"gkewi:schedule": "@hourly",
		})
	},
	"existing-cluster": func() map[string]string {
		return map[string]string{
			"gcp:project":                    "my-gkewi-jobs-project",
			"gkewi:existingCluster":          `{"name": "shared", "location": "asia-northeast1-a", "project": "my-gkewi-cluster-project"}`,
			"gkewi:namespace":                "reports",
			"gkewi:kubernetesServiceAccount": "reports",
			"gkewi:cronJobName":              "reports",
			"gkewi:schedule":                 "0 6 * * *",
			"gkewi:timeZone":                 "Asia/Tokyo",
		}
	},
	"existing-kubeconfig": func() map[string]string {
		return map[string]string{
			"gcp:project":                    "my-gkewi-jobs-project",
			"gcp:zone":                       "asia-northeast1-a",
			"gkewi:kubeconfig":               "existing-cluster.kubeconfig",
			"gkewi:clusterProject":           "my-gkewi-cluster-project",
			"gkewi:clusterName":              "shared",
			"gkewi:namespace":                "reports",
			"gkewi:kubernetesServiceAccount": "reports",
			"gkewi:schedule":                 "0 6 * * *",
		}
	},
	"existing-identity": func() map[string]string {
		return map[string]string{
			"gcp:project":                          "my-gkewi-jobs-project",
			"gkewi:existingCluster":                `{"name": "shared", "location": "asia-northeast1-a"}`,
			"gkewi:serviceAccountEmail":            "reports-runner@my-gkewi-jobs-project.iam.gserviceaccount.com",
			"gkewi:createNamespace":                "false",
			"gkewi:namespace":                      "reports",
			"gkewi:createKubernetesServiceAccount": "false",
			"gkewi:kubernetesServiceAccount":       "reports-runner",
			"gkewi:cronJobName":                    "reports-nightly",
			"gkewi:schedule":                       "@daily",
		}
	},
}
