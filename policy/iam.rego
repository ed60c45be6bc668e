package gkewi

import rego.v1

project_member := "gcp:projects/iAMMember:IAMMember"

account_member := "gcp:serviceaccount/iAMMember:IAMMember"

# METADATA
# title: Additive IAM only
# description: IAM is granted with IAMMember, never with IAMBinding or IAMPolicy, which remove every member they do not list.
# custom:
#   message: Grant each role to each member with an IAMMember resource.
deny_authoritative_iam contains msg if {
	some kind in ["/iAMBinding:", "/iAMPolicy:"]
	contains(input.__type, kind)
	msg := sprintf("%s '%s' replaces the members it does not list", [input.__type, input.__name])
}

# METADATA
# title: No basic roles
# description: No roles/owner or roles/editor, which can change almost anything in a project.
# custom:
#   message: Grant the narrowest predefined role the workload needs.
deny_basic_roles contains msg if {
	input.__type in {project_member, account_member}
	input.role in {"roles/owner", "roles/editor"}
	msg := sprintf("%s '%s' grants %s", [input.__type, input.__name, input.role])
}

# METADATA
# title: No escalation roles
# description: No project grant of a role that lets its holder act as other identities or change IAM.
# custom:
#   message: Grant a narrower role; roles/iam.workloadIdentityUser belongs on a service account, never on a project.
deny_escalation_roles contains msg if {
	input.__type == project_member
	reason := escalation_roles[input.role]
	msg := sprintf("%s '%s' grants %s on project %v to %v, which %s", [input.__type, input.__name, input.role, shown(object.get(input, "project", "(the provider's)")), shown(input.member), reason])
}

# METADATA
# title: A role for one resource is not granted on a whole project
# description: A project grant of a role that can be granted on a single bucket, secret, topic, subscription or dataset holds on every one of them in the project.
# custom:
#   message: Grant the role on the one resource the job uses, with gkewi:grants, and drop it from the project.
warn_project_role_for_one_resource contains msg if {
	input.__type == project_member
	kinds := resource_roles[input.role]
	msg := sprintf("%s '%s' grants %s on all of project %v; if the job uses one %s, grant it there", [input.__type, input.__name, input.role, shown(object.get(input, "project", "(the provider's)")), concat(" or ", kinds)])
}

# METADATA
# title: The Compute Engine default account is never bound
# description: No Kubernetes service account acts as the Compute Engine default account, which every VM of the project may run as.
# custom:
#   message: Bind a service account of the job's own.
deny_default_compute_account_bound contains msg if {
	input.__type == account_member
	endswith(input.serviceAccountId, "-compute@developer.gserviceaccount.com")
	msg := sprintf("%s '%s' binds the Compute Engine default service account", [input.__type, input.__name])
}
