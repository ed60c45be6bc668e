package gkewi

import rego.v1

# pod_spec_paths are where each workload kind keeps its pod spec.
pod_spec_paths := {
	"kubernetes:core/v1:Pod": ["spec"],
	"kubernetes:batch/v1:Job": ["spec", "template", "spec"],
	"kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
	"kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
	"kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
	"kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
}

pod := object.get(input, pod_spec_paths[input.__type], {})

# containers are the pod's containers and init containers, those not known
# yet left out.
containers contains c if {
	some key in ["containers", "initContainers"]
	some c in known(object.get(pod, key, []))
	not unknown(c)
}

# METADATA
# title: Namespaces enforce the restricted Pod Security Standard
# description: A namespace enforces, audits and warns about the restricted Pod Security Standard.
# custom:
#   message: Label the namespace pod-security.kubernetes.io/enforce, audit and warn with restricted.
deny_namespace_not_restricted contains msg if {
	input.__type == "kubernetes:core/v1:Namespace"
	some mode in ["enforce", "audit", "warn"]
	path := ["metadata", "labels", sprintf("pod-security.kubernetes.io/%s", [mode])]
	not unknown_at(input, path)
	object.get(input, path, "none") != "restricted"
	msg := sprintf("namespace '%s' does not %s the restricted Pod Security Standard", [input.__name, mode])
}

# METADATA
# title: No host namespaces
# description: No pod shares its node's network, processes or IPC.
# custom:
#   message: Remove hostNetwork, hostPID and hostIPC from the pod spec.
deny_host_namespaces contains msg if {
	some key in ["hostNetwork", "hostPID", "hostIPC"]
	pod[key] == true
	msg := sprintf("%s '%s' sets %s", [input.__type, input.__name, key])
}

# METADATA
# title: No Kubernetes API token in pods
# description: Pods mount no Kubernetes API token; Workload Identity needs none.
# custom:
#   message: Set automountServiceAccountToken to false in the pod spec.
deny_pod_mounts_api_token contains msg if {
	pod_spec_paths[input.__type]
	not unknown_at(input, array.concat(pod_spec_paths[input.__type], ["automountServiceAccountToken"]))
	not pod.automountServiceAccountToken == false
	msg := sprintf("%s '%s' mounts a Kubernetes API token", [input.__type, input.__name])
}

# METADATA
# title: Read-only root filesystems
# description: Every container has a read-only root filesystem.
# custom:
#   message: Set securityContext.readOnlyRootFilesystem to true, and mount an emptyDir where the container writes.
deny_writable_root_filesystem contains msg if {
	some c in containers
	not unknown_at(c, ["securityContext", "readOnlyRootFilesystem"])
	not c.securityContext.readOnlyRootFilesystem == true
	msg := sprintf("%s '%s': container %s has a writable root filesystem", [input.__type, input.__name, c.name])
}

# METADATA
# title: Resource requests and limits
# description: Every container requests CPU and limits memory.
# custom:
#   message: Set resources.requests.cpu and resources.limits.memory.
deny_container_without_limits contains msg if {
	some c in containers
	some path in [["resources", "requests", "cpu"], ["resources", "limits", "memory"]]
	not unknown_at(c, path)
	not object.get(c, path, false)
	msg := sprintf("%s '%s': container %s has no resource requests and limits", [input.__type, input.__name, c.name])
}

# METADATA
# title: Pods on nodes with the GKE metadata server
# description: Pods select nodes labelled iam.gke.io/gke-metadata-server-enabled=true, the only ones where they get their Google identity. Not for an Autopilot cluster, whose every node has the server and which refuses that selector; disable the rule for such a stack.
# custom:
#   message: Add the nodeSelector iam.gke.io/gke-metadata-server-enabled=true.
warn_pod_off_metadata_server contains msg if {
	pod_spec_paths[input.__type]
	not unknown_at(input, array.concat(pod_spec_paths[input.__type], ["nodeSelector", "iam.gke.io/gke-metadata-server-enabled"]))
	object.get(pod, ["nodeSelector", "iam.gke.io/gke-metadata-server-enabled"], "none") != "true"
	msg := sprintf("%s '%s' may land on a node without the GKE metadata server", [input.__type, input.__name])
}

# METADATA
# title: Kubeconfigs are secret
# description: A Kubernetes provider's kubeconfig is a secret, since it names the cluster and how to reach it.
# custom:
#   message: Pass the kubeconfig as a secret, such as pulumi.secret(...) or pulumi.ToSecret(...).
deny_kubeconfig_not_secret contains msg if {
	input.__type == "pulumi:providers:kubernetes"

	# A secret, and a kubeconfig not known yet, arrive as objects
	# (unknowns.rego); this one is known, and plain.
	is_string(input.kubeconfig)
	msg := sprintf("Kubernetes provider '%s' has a kubeconfig that is not secret", [input.__name])
}
