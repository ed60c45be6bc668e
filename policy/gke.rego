# METADATA
# title: gkewi hardening rules
# description: GKE Workload Identity hardened, for any stack in any language.
# scope: package
package gkewi

import rego.v1

# The rules judge resource types and properties, never gkewi's names, so
# they judge a cluster, node pool, IAM member or Kubernetes object that
# anyone wrote, in any language. The input is what pulumi-policy-opa builds
# (its README, "Resource Input Structure" and "Stack Input Structure"):
# the properties overlaid at the top, and __type, __name, __urn, options,
# provider and properties. A rule denies only what it knows: a value that a
# first preview does not know yet passes until `pulumi up` knows it
# (unknowns.rego).

cluster := "gcp:container/cluster:Cluster"

node_pool := "gcp:container/nodePool:NodePool"

# node_config is the node config of a node pool, or of a cluster's default
# pool, which GKE creates even when the cluster removes it again.
node_config := object.get(input, "nodeConfig", {})

# An Autopilot cluster has no node config of its own: Google manages its
# nodes, each with the GKE metadata server, shielded, without the legacy
# endpoints, and on Dataplane V2 ("Autopilot overview",
# cloud.google.com/kubernetes-engine/docs/concepts/autopilot-overview), so
# the node rules judge its auto-provisioning defaults instead.
autopilot_cluster if {
	input.__type == cluster
	input.enableAutopilot == true
}

# METADATA
# title: Workload Identity on every cluster
# description: A cluster has the workload pool of its project, PROJECT.svc.id.goog.
# custom:
#   message: Set workloadIdentityConfig.workloadPool to PROJECT.svc.id.goog.
deny_cluster_without_workload_identity contains msg if {
	input.__type == cluster
	not unknown_at(input, ["workloadIdentityConfig", "workloadPool"])
	not valid_workload_pool
	msg := sprintf("cluster '%s' has the workload pool %v; want %s.svc.id.goog", [input.__name, object.get(input, ["workloadIdentityConfig", "workloadPool"], "none"), shown(object.get(input, "project", "PROJECT"))])
}

valid_workload_pool if input.workloadIdentityConfig.workloadPool == sprintf("%s.svc.id.goog", [input.project])

# Without a project, or with one not known yet, any project's pool will do.
valid_workload_pool if {
	not project_known
	endswith(input.workloadIdentityConfig.workloadPool, ".svc.id.goog")
}

project_known if is_string(known(input.project))

# METADATA
# title: The GKE metadata server on every node
# description: Every node pool, the removed default pool included, runs the GKE metadata server, which hands pods their Workload Identity tokens and hides the node's own credentials.
# custom:
#   message: Set nodeConfig.workloadMetadataConfig.mode to GKE_METADATA.
deny_node_pool_without_gke_metadata contains msg if {
	input.__type in {cluster, node_pool}
	not autopilot_cluster
	not unknown_at(input, ["nodeConfig", "workloadMetadataConfig", "mode"])
	object.get(node_config, ["workloadMetadataConfig", "mode"], "none") != "GKE_METADATA"
	msg := sprintf("%s '%s' runs nodes without the GKE metadata server", [input.__type, input.__name])
}

# METADATA
# title: Legacy metadata endpoints off
# description: Nodes set disable-legacy-endpoints=true in their metadata.
# custom:
#   message: Set nodeConfig.metadata.disable-legacy-endpoints to "true".
deny_legacy_metadata_endpoints contains msg if {
	input.__type in {cluster, node_pool}
	not autopilot_cluster
	not unknown_at(input, ["nodeConfig", "metadata", "disable-legacy-endpoints"])
	object.get(node_config, ["metadata", "disable-legacy-endpoints"], "none") != "true"
	msg := sprintf("%s '%s' leaves the legacy metadata endpoints on", [input.__type, input.__name])
}

# METADATA
# title: Private nodes
# description: Nodes have no public address.
# custom:
#   message: Set privateClusterConfig.enablePrivateNodes to true.
deny_public_nodes contains msg if {
	input.__type == cluster
	not unknown_at(input, ["privateClusterConfig", "enablePrivateNodes"])
	not input.privateClusterConfig.enablePrivateNodes == true
	msg := sprintf("cluster '%s' gives its nodes public addresses", [input.__name])
}

# METADATA
# title: Control plane not open to the world
# description: Authorized networks are set, and none is 0.0.0.0/0.
# custom:
#   message: List the CIDRs that may reach the control plane in masterAuthorizedNetworksConfig.cidrBlocks, narrower than 0.0.0.0/0.
deny_control_plane_open_to_the_world contains msg if {
	input.__type == cluster
	not unknown_at(input, ["masterAuthorizedNetworksConfig", "cidrBlocks"])
	count(object.get(input, ["masterAuthorizedNetworksConfig", "cidrBlocks"], [])) == 0
	msg := sprintf("cluster '%s' lets any address reach its control plane: no authorized networks", [input.__name])
}

deny_control_plane_open_to_the_world contains msg if {
	input.__type == cluster
	some block in input.masterAuthorizedNetworksConfig.cidrBlocks
	block.cidrBlock == "0.0.0.0/0"
	msg := sprintf("cluster '%s' lets any address reach its control plane: 0.0.0.0/0", [input.__name])
}

# METADATA
# title: No client certificate
# description: The cluster issues no client certificate, a credential that cannot be revoked.
# custom:
#   message: Set masterAuth.clientCertificateConfig.issueClientCertificate to false.
deny_client_certificate contains msg if {
	input.__type == cluster
	input.masterAuth.clientCertificateConfig.issueClientCertificate == true
	msg := sprintf("cluster '%s' issues a client certificate", [input.__name])
}

# METADATA
# title: Legacy ABAC off
# description: Legacy attribute-based access control is off.
# custom:
#   message: Set enableLegacyAbac to false.
deny_legacy_abac contains msg if {
	input.__type == cluster
	input.enableLegacyAbac == true
	msg := sprintf("cluster '%s' has legacy ABAC on", [input.__name])
}

# METADATA
# title: Shielded nodes
# description: Shielded nodes, with secure boot and integrity monitoring.
# custom:
#   message: Set enableShieldedNodes, and nodeConfig.shieldedInstanceConfig's enableSecureBoot and enableIntegrityMonitoring, to true.
deny_unshielded_nodes contains msg if {
	input.__type == cluster
	input.enableShieldedNodes == false
	msg := sprintf("cluster '%s' has shielded nodes off", [input.__name])
}

deny_unshielded_nodes contains msg if {
	input.__type in {cluster, node_pool}
	not autopilot_cluster
	some setting in ["enableSecureBoot", "enableIntegrityMonitoring"]
	not unknown_at(input, ["nodeConfig", "shieldedInstanceConfig", setting])
	not object.get(node_config, ["shieldedInstanceConfig", setting], false) == true
	msg := sprintf("%s '%s' has %s off", [input.__type, input.__name, setting])
}

# METADATA
# title: Nodes run as an account of their own
# description: Nodes never run as the Compute Engine default service account, which often holds Editor.
# custom:
#   message: Give the nodes a service account of their own with roles/container.defaultNodeServiceAccount, in nodeConfig.serviceAccount (on Autopilot, clusterAutoscaling.autoProvisioningDefaults.serviceAccount).
deny_nodes_on_default_compute_account contains msg if {
	input.__type in {cluster, node_pool}
	not autopilot_cluster
	not unknown_at(input, ["nodeConfig", "serviceAccount"])
	account := object.get(node_config, "serviceAccount", "default")
	default_compute_account(account)
	msg := sprintf("%s '%s' runs its nodes as %s", [input.__type, input.__name, account])
}

deny_nodes_on_default_compute_account contains msg if {
	autopilot_cluster
	not unknown_at(input, ["clusterAutoscaling", "autoProvisioningDefaults", "serviceAccount"])
	account := object.get(input, ["clusterAutoscaling", "autoProvisioningDefaults", "serviceAccount"], "default")
	default_compute_account(account)
	msg := sprintf("Autopilot cluster '%s' runs its nodes as %s: set clusterAutoscaling.autoProvisioningDefaults.serviceAccount", [input.__name, account])
}

default_compute_account(account) if account == "default"

default_compute_account(account) if endswith(account, "-compute@developer.gserviceaccount.com")

# METADATA
# title: APIs stay on after a destroy
# description: A destroy leaves a project's APIs enabled, since other workloads may rely on them; the GCP provider disables them unless told not to.
# custom:
#   message: Set disableOnDestroy to false.
deny_api_disabled_on_destroy contains msg if {
	input.__type == "gcp:projects/service:Service"
	not unknown_at(input, ["disableOnDestroy"])
	not input.disableOnDestroy == false
	msg := sprintf("API '%s' is disabled when the stack is destroyed", [input.__name])
}

# METADATA
# title: Autopilot clusters are regional
# description: An Autopilot cluster's location is a region; GKE refuses a zone ("Autopilot clusters must be regional clusters"), but only when it creates the cluster.
# custom:
#   message: Set location to the region, such as europe-west4.
deny_zonal_autopilot_cluster contains msg if {
	autopilot_cluster
	regex.match(`^[a-z]+-[a-z]+[0-9]+-[a-z]$`, input.location)
	msg := sprintf("Autopilot cluster '%s' is in the zone %s", [input.__name, input.location])
}
