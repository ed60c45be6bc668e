package components

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

func (v *validator) accountID(id string) {
	if id != "" && !accountIDPattern.MatchString(id) {
		v.add("serviceAccountId", id,
			"is not a valid account id; allowed: 6-30 characters, lowercase letters, digits and '-', starting with a letter and not ending with '-'")
	}
}

func (v *validator) roles(listKey string, roles []string, a WorkloadIdentityCronJobArgs) {
	for i, role := range roles {
		key := fmt.Sprintf("%s[%d]", listKey, i)
		switch {
		case isPermission(role):
			v.add(key, role, "is a permission, not a role; %s", roleHint(strings.TrimPrefix(role, "roles/")))
		case !rolePattern.MatchString(role):
			v.add(key, role, "is not a role; allowed: roles/NAME, projects/PROJECT/roles/NAME or organizations/ORG/roles/NAME")
		case slices.Contains(basicRoles, role) && !a.AllowBasicRoles:
			v.add(key, role, "is a basic role that can change almost anything in the project; grant a narrower role, or set {allowBasicRoles} to true")
		case EscalationRoles[role] != "" && !a.AllowEscalationRoles:
			v.add(key, role, "lets the job act as other identities or change IAM: it %s; grant a narrower role, or set {allowEscalationRoles} to true", EscalationRoles[role])
		case slices.Index(roles, role) < i:
			v.add(key, role, "is listed twice; allowed: each role once")
		}
	}
}

// isPermission tells whether role is a permission given where a role belongs:
// bare, or behind roles/ with a verb at its end.
func isPermission(role string) bool {
	permission, prefixed := strings.CutPrefix(role, "roles/")
	return permissionLike.MatchString(permission) && (!prefixed || permissionVerbs.MatchString(permission))
}

// EscalationRoles are the predefined roles that would let the job act as
// other identities or change who may do what, each with why. Roles and
// AdditionalProjectRoles refuse them unless AllowEscalationRoles is set.
var EscalationRoles = map[string]string{
	WorkloadIdentityUserRole:                     "can act as any service account of the project through Workload Identity",
	"roles/iam.serviceAccountTokenCreator":       "can mint access tokens for any service account of the project",
	"roles/iam.serviceAccountOpenIdTokenCreator": "can mint identity tokens for any service account of the project",
	"roles/iam.serviceAccountUser":               "can run resources as any service account of the project",
	"roles/iam.serviceAccountKeyAdmin":           "can create key files for any service account of the project, the very keys gkewi exists to avoid",
	"roles/iam.serviceAccountAdmin":              "can change who may act as any service account of the project, its own included",
	"roles/resourcemanager.projectIamAdmin":      "can change the project's IAM policy, and so grant itself any role",
	"roles/iam.securityAdmin":                    "can change the IAM policies of the project and of its resources",
	"roles/container.admin":                      "has full control of the project's GKE clusters, every workload's identity included",
}

// smallestRoles are common permissions a job needs, each with the smallest
// predefined role that holds it.
var smallestRoles = map[string]string{
	"resourcemanager.projects.get":  DefaultRole,
	"storage.objects.get":           "roles/storage.objectViewer",
	"storage.objects.list":          "roles/storage.objectViewer",
	"storage.objects.create":        "roles/storage.objectCreator",
	"bigquery.jobs.create":          "roles/bigquery.jobUser",
	"bigquery.tables.getData":       "roles/bigquery.dataViewer",
	"pubsub.topics.publish":         "roles/pubsub.publisher",
	"pubsub.subscriptions.consume":  "roles/pubsub.subscriber",
	"secretmanager.versions.access": "roles/secretmanager.secretAccessor",
	"logging.logEntries.create":     "roles/logging.logWriter",
	"logging.logEntries.list":       "roles/logging.viewer",
	"monitoring.timeSeries.create":  "roles/monitoring.metricWriter",
	"cloudsql.instances.connect":    "roles/cloudsql.client",
	"cloudtrace.traces.patch":       "roles/cloudtrace.agent",
}

// roleHint says which role to grant instead of a permission: the smallest
// one where gkewi knows it, otherwise where to look it up.
func roleHint(permission string) string {
	if role, ok := smallestRoles[permission]; ok {
		return fmt.Sprintf("grant the smallest role that holds it, %q", role)
	}
	return "grant a role that holds it; https://cloud.google.com/iam/docs/permissions-reference lists the roles of each permission"
}

// emailPattern is a service account's email: user-managed
// (NAME@PROJECT.iam.gserviceaccount.com) or Google-managed, such as
// NUMBER-compute@developer.gserviceaccount.com.
var emailPattern = regexp.MustCompile(`^[a-z0-9][-a-z0-9]{0,62}@[a-z0-9][-a-z0-9.:]*\.gserviceaccount\.com$`)

var identityModes = []string{Impersonation, Direct}

// serviceAgentName is the account name of most Google service agents,
// service-PROJECT_NUMBER; no user-managed account id starts with a digit.
var serviceAgentName = regexp.MustCompile(`^service-[0-9]+$`)

// googleManagedAccount says which kind of Google-managed account email is,
// or "" for a user-managed one (NAME@PROJECT.iam.gserviceaccount.com).
// Source: https://cloud.google.com/iam/docs/service-account-types.
func googleManagedAccount(email string) string {
	name, domain, _ := strings.Cut(email, "@")
	project, userManaged := strings.CutSuffix(domain, ".iam.gserviceaccount.com")
	switch {
	case domain == "developer.gserviceaccount.com" && strings.HasSuffix(name, "-compute"):
		return "the Compute Engine default service account, which every VM of the project may run as and which often holds Editor"
	case domain == "appspot.gserviceaccount.com":
		return "the App Engine default service account, which App Engine and Cloud Functions workloads share and which often holds Editor"
	case !userManaged || strings.HasPrefix(project, "gcp-sa-") || serviceAgentName.MatchString(name):
		return "a Google-managed service account (a service agent), which acts for a Google service, not for your job"
	}
	return ""
}

// identity checks the identity mode and the GSA it uses, if any.
func (v *validator) identity(a, given WorkloadIdentityCronJobArgs) {
	if !slices.Contains(identityModes, a.IdentityMode) {
		v.add("identityMode", a.IdentityMode, "is not an identity mode; allowed: %s", strings.Join(identityModes, ", "))
		return
	}
	if a.IdentityMode == Direct {
		for key, value := range map[string]string{
			"serviceAccountId":      given.ServiceAccountID,
			"serviceAccountEmail":   given.ServiceAccountEmail,
			"serviceAccountProject": given.ServiceAccountProject,
		} {
			if value != "" {
				v.add(key, value, "has no effect with {identityMode} direct, which uses no GSA; remove it, or use impersonation")
			}
		}
		return
	}
	v.accountID(a.ServiceAccountID)
	if given.ServiceAccountProject != "" {
		v.projectID("serviceAccountProject", given.ServiceAccountProject)
	}
	if a.ServiceAccountEmail == "" {
		return
	}
	switch {
	case !emailPattern.MatchString(a.ServiceAccountEmail):
		v.add("serviceAccountEmail", a.ServiceAccountEmail, "is not a service account email; allowed: NAME@PROJECT.iam.gserviceaccount.com or another *.gserviceaccount.com address")
	case a.ServiceAccountID != "":
		v.add("serviceAccountEmail", a.ServiceAccountEmail, "names an existing GSA while {serviceAccountId} names one to create; allowed: one of them")
	case googleManagedAccount(a.ServiceAccountEmail) != "" && !a.AllowGoogleManagedServiceAccount:
		v.add("serviceAccountEmail", a.ServiceAccountEmail, "is %s; allowed: a service account of the job's own, or set {allowGoogleManagedServiceAccount} to true",
			googleManagedAccount(a.ServiceAccountEmail))
	case given.ServiceAccountProject != "" && emailProject(a.ServiceAccountEmail) != "" &&
		given.ServiceAccountProject != emailProject(a.ServiceAccountEmail):
		v.add("serviceAccountProject", given.ServiceAccountProject, "is not the project of {serviceAccountEmail} %s; remove it", a.ServiceAccountEmail)
	}
}

func (v *validator) additionalProjectRoles(a WorkloadIdentityCronJobArgs) {
	for _, project := range slices.Sorted(maps.Keys(a.AdditionalProjectRoles)) {
		key := "additionalProjectRoles." + project
		if project == a.ServiceAccountProject {
			v.add(key, project, "is the project that {roles} are granted on; put these roles in {roles}")
			continue
		}
		v.projectID(key, project)
		v.roles(key, a.AdditionalProjectRoles[project], a)
	}
}
