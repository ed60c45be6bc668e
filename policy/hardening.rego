package gkewi

import rego.v1

# Hardening beyond what a GKE cluster needs for Workload Identity: the
# safer-cluster module's defenses and the CIS GKE Benchmark's controls.
# Dataplane V2 is mandatory, since gkewi turns it on by default and a
# NetworkPolicy means nothing without an enforcer; the options that cost
# money or reachability are advisory, so that a stack opts into them.

subnetwork := "gcp:compute/subnetwork:Subnetwork"

network_policy := "kubernetes:networking.k8s.io/v1:NetworkPolicy"

# METADATA
# title: NetworkPolicy is enforced
# description: The cluster runs Dataplane V2 (ADVANCED_DATAPATH), or the legacy network policy add-on, so that a NetworkPolicy takes effect. An Autopilot cluster always runs Dataplane V2.
# custom:
#   message: Set datapathProvider to ADVANCED_DATAPATH (it replaces the cluster), or networkPolicy.enabled to true.
deny_cluster_without_network_policy_enforcement contains msg if {
	input.__type == cluster
	not autopilot_cluster
	not unknown_at(input, ["datapathProvider"])
	not unknown_at(input, ["networkPolicy", "enabled"])
	object.get(input, "datapathProvider", "LEGACY_DATAPATH") != "ADVANCED_DATAPATH"
	not input.networkPolicy.enabled == true
	msg := sprintf("cluster '%s' enforces no NetworkPolicy: datapathProvider %v", [input.__name, object.get(input, "datapathProvider", "unset")])
}

# METADATA
# title: A maintenance window
# description: GKE upgrades the cluster and restarts its nodes only in a maintenance window that the stack chooses.
# custom:
#   message: Set maintenancePolicy.dailyMaintenanceWindow.startTime, or a maintenancePolicy.recurringWindow.
warn_cluster_without_maintenance_window contains msg if {
	input.__type == cluster
	not unknown_at(input, ["maintenancePolicy", "dailyMaintenanceWindow", "startTime"])
	not unknown_at(input, ["maintenancePolicy", "recurringWindow", "recurrence"])
	not input.maintenancePolicy.dailyMaintenanceWindow.startTime
	not input.maintenancePolicy.recurringWindow.recurrence
	msg := sprintf("cluster '%s' has no maintenance window: GKE may restart its nodes at any time", [input.__name])
}

# METADATA
# title: A private control-plane endpoint
# description: The control plane has no public endpoint; only addresses inside the VPC reach it.
# custom:
#   message: Set privateClusterConfig.enablePrivateEndpoint to true, with masterGlobalAccessConfig.enabled, and run deployments from inside the VPC.
warn_control_plane_endpoint_public contains msg if {
	input.__type == cluster
	not unknown_at(input, ["privateClusterConfig", "enablePrivateEndpoint"])
	not input.privateClusterConfig.enablePrivateEndpoint == true
	msg := sprintf("cluster '%s' has a public control-plane endpoint", [input.__name])
}

binary_authorization_enforced := {"PROJECT_SINGLETON_POLICY_ENFORCE", "POLICY_BINDINGS_AND_PROJECT_SINGLETON_POLICY_ENFORCE"}

# METADATA
# title: Binary Authorization enforced
# description: The cluster enforces the project's Binary Authorization policy, so that only images the policy allows run.
# custom:
#   message: Set binaryAuthorization.evaluationMode to PROJECT_SINGLETON_POLICY_ENFORCE.
warn_binary_authorization_off contains msg if {
	input.__type == cluster
	not unknown_at(input, ["binaryAuthorization", "evaluationMode"])
	not unknown_at(input, ["binaryAuthorization", "enabled"])
	not binary_authorization_enforced[object.get(input, ["binaryAuthorization", "evaluationMode"], "DISABLED")]
	not input.binaryAuthorization.enabled == true
	msg := sprintf("cluster '%s' does not enforce Binary Authorization", [input.__name])
}

# METADATA
# title: Secrets encrypted with a Cloud KMS key
# description: Kubernetes Secrets are encrypted in etcd with a Cloud KMS key that the stack controls (application-layer Secrets encryption).
# custom:
#   message: Set databaseEncryption to state ENCRYPTED with keyName, a Cloud KMS key in the cluster's region.
warn_secrets_not_encrypted_with_kms contains msg if {
	input.__type == cluster
	not unknown_at(input, ["databaseEncryption", "state"])
	object.get(input, ["databaseEncryption", "state"], "DECRYPTED") != "ENCRYPTED"
	msg := sprintf("cluster '%s' encrypts Secrets only with Google's own keys", [input.__name])
}

# METADATA
# title: VPC flow logs
# description: The subnetwork records VPC flow logs, so that its traffic can be audited.
# custom:
#   message: Set logConfig on the subnetwork, such as aggregationInterval INTERVAL_5_SEC and flowSampling 0.5.
warn_subnetwork_without_flow_logs contains msg if {
	input.__type == subnetwork
	not unknown_at(input, ["logConfig"])
	not flow_logs_on
	msg := sprintf("subnetwork '%s' records no flow logs", [input.__name])
}

flow_logs_on if count(input.logConfig) > 0

# METADATA
# title: Images pinned by digest
# description: Every container's image is pinned by digest, so that every node runs the same build; a tag moves, and with IfNotPresent each node keeps the build it pulled first.
# custom:
#   message: Name the image as REPOSITORY@sha256:DIGEST.
warn_image_not_pinned_by_digest contains msg if {
	some c in containers
	image := known(c.image)
	not contains(image, "@sha256:")
	msg := sprintf("%s '%s' runs %s, a tag", [input.__type, input.__name, image])
}

# pod_template_paths are where each workload kind keeps its pod template.
pod_template_paths := {
	"kubernetes:core/v1:Pod": [],
	"kubernetes:batch/v1:Job": ["spec", "template"],
	"kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template"],
	"kubernetes:apps/v1:Deployment": ["spec", "template"],
	"kubernetes:apps/v1:StatefulSet": ["spec", "template"],
	"kubernetes:apps/v1:DaemonSet": ["spec", "template"],
}

# workloads are the stack's objects that make pods, with the namespace and
# labels of those pods.
workloads contains {"resource": r, "namespace": object.get(r, ["metadata", "namespace"], "default"), "labels": labels} if {
	some r in input.resources
	path := pod_template_paths[r.__type]
	labels := object.get(r, array.concat(path, ["metadata", "labels"]), {})
}

# selects tells whether a NetworkPolicy of the stack applies to a workload's pods.
selects(policy, workload) if {
	object.get(policy, ["metadata", "namespace"], "default") == workload.namespace
	every key, value in object.get(policy, ["spec", "podSelector", "matchLabels"], {}) {
		workload.labels[key] == value
	}
}

# undecided tells whether which NetworkPolicies select a workload's pods, or
# what they allow, is not known yet: the pods' namespace or labels, or a
# policy's, are unknown.
undecided(workload) if unknown_at(workload.resource, ["metadata", "namespace"])

undecided(workload) if {
	path := array.concat(pod_template_paths[workload.resource.__type], ["metadata", "labels"])
	contains_unknown(object.get(workload.resource, path, {}))
}

undecided(workload) if {
	path := array.concat(pod_template_paths[workload.resource.__type], ["metadata", "labels"])
	unknown_at(workload.resource, path)
}

undecided(_) if {
	some p in input.resources
	p.__type == network_policy
	some key in ["metadata", "spec"]
	contains_unknown(object.get(p, key, {}))
}

policies_of(workload, kind) := {p |
	some p in input.resources
	p.__type == network_policy
	kind in object.get(p, ["spec", "policyTypes"], [])
	selects(p, workload)
}

# METADATA
# title: No ingress to batch pods
# description: A NetworkPolicy admits no traffic to the pods of every Job and CronJob, which serve nothing.
# custom:
#   message: Add a NetworkPolicy in the pods' namespace, whose podSelector matches their labels, with policyTypes [Ingress] and no ingress rules.
stack_warn_pods_open_to_ingress contains msg if {
	some w in workloads
	w.resource.__type in {"kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"}
	not undecided(w)
	not closed_to_ingress(w)
	msg := sprintf("%s '%s' runs pods that any pod may connect to", [w.resource.__type, w.resource.__name])
}

closed_to_ingress(workload) if {
	some p in policies_of(workload, "Ingress")
	count(object.get(p, ["spec", "ingress"], [])) == 0
}

# METADATA
# title: Egress restricted
# description: A NetworkPolicy limits where the pods of every Job and CronJob may connect, with no rule open to every address.
# custom:
#   message: Add a NetworkPolicy with policyTypes [Egress] that allows only DNS, the GKE metadata server and the Google API endpoints the pods need.
stack_warn_pods_with_open_egress contains msg if {
	some w in workloads
	w.resource.__type in {"kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"}
	not undecided(w)
	not restricted_egress(w)
	msg := sprintf("%s '%s' runs pods that may connect anywhere", [w.resource.__type, w.resource.__name])
}

restricted_egress(workload) if {
	policies := policies_of(workload, "Egress")
	count(policies) > 0
	every p in policies {
		every rule in object.get(p, ["spec", "egress"], []) {
			count(object.get(rule, "to", [])) > 0
			every peer in rule.to {
				not object.get(peer, ["ipBlock", "cidr"], "") in {"0.0.0.0/0", "::/0"}
			}
		}
	}
}
