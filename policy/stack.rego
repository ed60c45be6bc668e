package gkewi

import rego.v1

# METADATA
# title: Workload Identity User only on a service account
# description: roles/iam.workloadIdentityUser is granted on a service account, never on a project, where it would let every Kubernetes service account of the pool act as every service account of the project.
# custom:
#   message: Grant roles/iam.workloadIdentityUser with a serviceaccount IAMMember on the one GSA.
stack_deny_workload_identity_user_on_project contains msg if {
	some r in input.resources
	r.__type == project_member
	r.role == "roles/iam.workloadIdentityUser"
	msg := sprintf("'%s' grants roles/iam.workloadIdentityUser on project %v", [r.__name, shown(object.get(r, "project", "(the provider's)"))])
}

# METADATA
# title: Kubernetes objects through an explicit provider
# description: Every Kubernetes object goes through a Kubernetes provider that the stack declares, never the default one, which would use whatever cluster the ambient kubeconfig names.
# custom:
#   message: Create a kubernetes.Provider for the cluster and pass it as the provider option.
stack_deny_kubernetes_without_explicit_provider contains msg if {
	# A default provider is named "default", or "default_" and its version
	# (ProviderRequest.DefaultName in pulumi/pkg/v3 resource/deploy/providers,
	# v3.274.1), such as default_4_32_0; the engine lists it among the stack's
	# resources.
	explicit := {p.__urn |
		some p in input.resources
		p.__type == "pulumi:providers:kubernetes"
		not regex.match(`^default(_[0-9]+_[0-9]+_[0-9]+.*)?$`, p.__name)
	}
	some r in input.resources
	startswith(r.__type, "kubernetes:")
	not explicit[object.get(r.__provider, "urn", "")]
	msg := sprintf("%s '%s' goes through provider %v, which the stack does not declare", [r.__type, r.__name, object.get(r.__provider, "name", "(none)")])
}

# On a first preview the nodes' account is often a new one, whose email, and
# so the grant's member, are unknown (unknowns.rego): the rule then judges
# only what is known, a member that is no service account, a project that
# holds none of the images when every image is known.

# METADATA
# title: Registry grants no wider than the images
# description: roles/artifactregistry.reader goes only to a node pool's service account, and only on a project whose registry holds one of the stack's pod images, or one that the configuration allows.
# custom:
#   message: Grant roles/artifactregistry.reader to the nodes' account on the image's project alone, or list the project in allowedRegistryProjects.
stack_deny_registry_grant_beyond_images contains msg if {
	some r in input.resources
	r.__type == project_member
	r.role == "roles/artifactregistry.reader"
	member := known(r.member)
	not maybe_node_account(member)
	msg := sprintf("'%s' lets %s pull images; only the nodes need to", [r.__name, member])
}

stack_deny_registry_grant_beyond_images contains msg if {
	some r in input.resources
	r.__type == project_member
	r.role == "roles/artifactregistry.reader"
	project := known(r.project)
	not stack_images_unknown
	not image_project(project)
	msg := sprintf("'%s' lets the nodes pull from project %s, which holds none of the stack's pod images", [r.__name, project])
}

node_accounts contains sprintf("serviceAccount:%s", [account]) if {
	some p in input.resources
	p.__type == node_pool
	account := known(p.nodeConfig.serviceAccount)
}

# maybe_node_account tells whether member is a node pool's account, or may
# be one whose email is not known yet.
maybe_node_account(member) if node_accounts[member]

maybe_node_account(member) if {
	startswith(member, "serviceAccount:")
	some p in input.resources
	p.__type == node_pool
	unknown_at(p, ["nodeConfig", "serviceAccount"])
}

# stack_images are the images of every container of every pod template.
stack_images contains image if {
	some r in input.resources
	spec := object.get(r, pod_spec_paths[r.__type], {})
	some key in ["containers", "initContainers"]
	some c in known(object.get(spec, key, []))
	image := known(c.image)
}

# stack_images_unknown tells whether a pod image, or a list of containers, is
# not known yet.
stack_images_unknown if {
	some r in input.resources
	some key in ["containers", "initContainers"]
	unknown_at(r, array.concat(pod_spec_paths[r.__type], [key]))
}

# A workload with no pod spec at all is one whose provider is not configured
# yet: in a first preview, the Kubernetes provider's kubeconfig is unknown,
# and the engine then gives each object an empty property map, not unknown
# values ("hand back an empty property map": pulumi sdk v3.274.1,
# go/common/resource/plugin/provider_plugin.go, Create, l.1420-1435), which
# is what the stack rules get. The engine tier saw it on the hardened stack.
stack_images_unknown if {
	some r in input.resources
	path := pod_spec_paths[r.__type]
	object.get(r, path, null) == null
}

stack_images_unknown if {
	some r in input.resources
	spec := object.get(r, pod_spec_paths[r.__type], {})
	some key in ["containers", "initContainers"]
	some c in known(object.get(spec, key, []))
	unknown_at(c, ["image"])
}

# image_project tells whether an image of the stack is in a registry of
# project: REGION-docker.pkg.dev/PROJECT/..., or gcr.io/PROJECT/... and its
# regional hosts, with a domain-scoped DOMAIN:NAME written DOMAIN/NAME.
image_project(project) if {
	some image in stack_images
	parts := split(image, "/")
	google_registry(parts[0])
	startswith(concat("/", array.slice(parts, 1, count(parts))), sprintf("%s/", [replace(project, ":", "/")]))
}

image_project(project) if project in data.config.stack_deny_registry_grant_beyond_images.allowedRegistryProjects

google_registry(host) if endswith(host, "-docker.pkg.dev")

google_registry(host) if host == "gcr.io"

google_registry(host) if endswith(host, ".gcr.io")
