package components

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/util/validation"
)

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

// existingCluster checks how the cluster is named, and refuses every
// argument that only shapes a cluster gkewi creates: with an existing
// cluster, it would silently do nothing.
func (v *validator) existingCluster(given WorkloadIdentityCronJobArgs) {
	v.clusterReference(given)
	for _, arg := range []struct {
		key   string
		value any
	}{
		{"network", given.Network}, {"subnetwork", given.Subnetwork}, {"subnetCidr", given.SubnetCIDR},
		{"podsCidr", given.PodsCIDR}, {"servicesCidr", given.ServicesCIDR}, {"cloudNat", given.CloudNAT},
		{"masterCidr", given.MasterCIDR}, {"authorizedNetworks", given.AuthorizedNetworks},
		{"allowControlPlaneFromAnywhere", given.AllowControlPlaneFromAnywhere},
		{"deletionProtection", given.DeletionProtection}, {"nodePoolName", given.NodePoolName},
		{"machineType", given.MachineType}, {"nodeCount", given.NodeCount}, {"diskSizeGb", given.DiskSizeGB},
		{"diskType", given.DiskType}, {"preemptible", given.Preemptible}, {"spot", given.Spot},
		{"imageRegistryProject", given.ImageRegistryProject},
	} {
		if isSet(arg.value) {
			v.add(arg.key, display(arg.value), "has no effect with an existing cluster; remove it")
		}
	}
}

// clusterReference checks the one way the args name an existing cluster:
// ExistingCluster, Kubeconfig or KubernetesProvider.
func (v *validator) clusterReference(given WorkloadIdentityCronJobArgs) {
	switch named := given.ExistingCluster; {
	case named != nil && (given.Kubeconfig != "" || given.KubernetesProvider != nil):
		v.add("existingCluster", named.Name, "is set together with {kubeconfig} or a Kubernetes provider; allowed: one of them")
	case named != nil:
		v.namedCluster(*named, given)
	case given.Kubeconfig != "" && given.KubernetesProvider != nil:
		v.add("kubeconfig", "[secret]", "is set together with a Kubernetes provider; allowed: one of them")
	default:
		v.kubeconfigCluster(given)
	}
}

func (v *validator) namedCluster(named ExistingCluster, given WorkloadIdentityCronJobArgs) {
	v.deleteUnreachable(given)
	v.gcpName("existingCluster.name", named.Name, maxClusterNameLength)
	if v.required("existingCluster.location", named.Location) &&
		!zonePattern.MatchString(named.Location) && !regionPattern.MatchString(named.Location) {
		v.add("existingCluster.location", named.Location, "is not a zone or a region; allowed: a location such as asia-northeast1-a or asia-northeast1")
	}
	if named.Project != "" {
		v.projectID("existingCluster.project", named.Project)
	}
	for key, value := range map[string]string{"clusterProject": given.ClusterProject, "clusterName": given.ClusterName} {
		if value != "" {
			v.add(key, value, "has no effect with {existingCluster}, which names the cluster; remove it")
		}
	}
	v.kubernetesAuth(given.KubernetesAuth)
}

// kubeconfigCluster checks the cluster named by a kubeconfig or a provider,
// which carry their own credentials.
func (v *validator) kubeconfigCluster(given WorkloadIdentityCronJobArgs) {
	if given.ClusterProject != "" {
		v.projectID("clusterProject", given.ClusterProject)
	}
	if given.Zone != "" && !zonePattern.MatchString(given.Zone) {
		v.add("zone", given.Zone, "is not a zone; allowed: a zone such as asia-northeast1-a, or none")
	}
	if given.ClusterName != "" {
		v.gcpName("clusterName", given.ClusterName, maxClusterNameLength)
	}
	if given.KubernetesAuth != "" {
		v.add("kubernetesAuth", given.KubernetesAuth, "has no effect with {kubeconfig} or a Kubernetes provider, which carry their own credentials; remove it")
	}
	if given.DeleteUnreachable != nil && given.KubernetesProvider != nil {
		v.add("deleteUnreachable", display(given.DeleteUnreachable), "has no effect with a Kubernetes provider of your own; set it on that provider")
	}
}

// deleteUnreachable refuses to forget the Kubernetes objects when a token
// has merely expired: a destroy or refresh without --run-program reuses the
// token in state, and after an hour the cluster looks unreachable.
func (v *validator) deleteUnreachable(a WorkloadIdentityCronJobArgs) {
	if a.KubernetesAuth == AccessToken && a.DeleteUnreachable != nil && *a.DeleteUnreachable {
		v.add("deleteUnreachable", "true", "with {kubernetesAuth} accessToken would forget live objects once the token in state expires; "+
			"remove it, and destroy with `pulumi destroy --run-program`")
	}
}

var kubernetesAuths = []string{AuthPlugin, AccessToken}

func (v *validator) kubernetesAuth(value string) {
	if value != "" && !slices.Contains(kubernetesAuths, value) {
		v.add("kubernetesAuth", value, "is not a way to authenticate to GKE; allowed: %s", strings.Join(kubernetesAuths, ", "))
	}
}

// newCluster checks what the network, the cluster and its nodes are built from.
func (v *validator) newCluster(a WorkloadIdentityCronJobArgs) {
	if a.ClusterProject != a.Project {
		v.add("clusterProject", a.ClusterProject, "is only for a cluster named by {kubeconfig}; set {existingCluster} and its project, or remove it")
	}
	v.kubernetesAuth(a.KubernetesAuth)
	v.deleteUnreachable(a)
	v.zone(a.Region, a.Zone)
	v.gcpName("network", a.Network, maxNetworkNameLength)
	v.gcpName("subnetwork", a.Subnetwork, maxNetworkNameLength)
	v.gcpName("clusterName", a.ClusterName, maxClusterNameLength)
	v.gcpName("nodePoolName", a.NodePoolName, maxNodePoolNameLength)
	v.ranges(a)
	if a.ImageRegistryProject != "" && a.ImageRegistryProject != noRegistryProject {
		v.projectID("imageRegistryProject", a.ImageRegistryProject)
	}
	v.authorizedNetworks(a.AuthorizedNetworks, a.AllowControlPlaneFromAnywhere)
	v.nodePool(a)
	if named, err := reference.ParseNormalizedNamed(a.Image); err == nil && !googleRegistry(reference.Domain(named)) && !a.CloudNAT {
		v.add("image", a.Image, "is outside Google's registries, which are all that private nodes reach without NAT (Docker Hub only through a partial mirror); set {cloudNat} to true, or use an image from gcr.io or *.pkg.dev")
	}
}

// googleRegistry tells whether private nodes reach a registry through
// Private Google Access.
func googleRegistry(domain string) bool {
	return domain == "gcr.io" || strings.HasSuffix(domain, ".gcr.io") || strings.HasSuffix(domain, ".pkg.dev")
}

// kubernetesObjects checks the namespace and the KSA, created or existing.
func (v *validator) kubernetesObjects(a WorkloadIdentityCronJobArgs) {
	if *a.CreateNamespace {
		v.namespace(a.Namespace)
	} else {
		v.kubernetesName("namespace", a.Namespace, validation.IsDNS1123Label)
	}
	v.kubernetesName("kubernetesServiceAccount", a.KubernetesServiceAccount, validation.IsDNS1123Label)
	if !*a.CreateKubernetesServiceAccount && *a.CreateNamespace {
		v.add("createKubernetesServiceAccount", "false", "needs an existing namespace, since a new one holds no KSA; set {createNamespace} to false")
	}
}

// isSet tells whether an argument was given: not its type's zero value.
func isSet(value any) bool {
	switch x := value.(type) {
	case string:
		return x != ""
	case bool:
		return x
	case []string:
		return x != nil
	case *bool:
		return x != nil
	case *int:
		return x != nil
	}
	return false
}

// display shows an argument's value as the user gave it.
func display(value any) string {
	switch x := value.(type) {
	case *bool:
		return fmt.Sprint(*x)
	case *int:
		return fmt.Sprint(*x)
	case []string:
		return fmt.Sprintf("%q", x)
	}
	return fmt.Sprint(value)
}
