package components

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
)

// Defaults for the optional arguments.
const (
	DefaultPodsCIDR     = "10.16.0.0/14"
	DefaultServicesCIDR = "10.20.0.0/20"
	DefaultMachineType  = "n1-standard-1"
	DefaultNodeCount    = 1
	DefaultDiskSizeGB   = 100
	DefaultDiskType     = "pd-standard"
	DefaultNodePoolName = "primary"
	DefaultImage        = "gcr.io/google.com/cloudsdktool/google-cloud-cli:stable"
	// DefaultConcurrencyPolicy never starts a run while the last one is still going.
	DefaultConcurrencyPolicy = "Forbid"
	// DefaultStartingDeadlineSeconds lets a run that missed its start (during a
	// control plane upgrade, say) start late rather than be counted as missed:
	// a CronJob with more than 100 missed starts stops scheduling.
	DefaultStartingDeadlineSeconds = 300
	DefaultBackoffLimit            = 3
	DefaultActiveDeadlineSeconds   = 600
	// DefaultRole is the smallest predefined role holding
	// resourcemanager.projects.get, which `gcloud projects describe` needs.
	DefaultRole = "roles/browser"
)

// Identity modes.
const (
	// Impersonation is the recipe's way: the KSA acts as a GSA.
	Impersonation = "impersonation"
	// Direct grants the roles to the KSA's own principal; no GSA exists.
	Direct = "direct"
)

// WorkloadIdentityCronJobArgs is everything a user decides. The `pulumi` tag of
// each field is also its stack configuration key in the gkewi program.
type WorkloadIdentityCronJobArgs struct {
	// Project is the GCP project of everything gkewi creates, unless a field
	// below says otherwise. Required.
	Project string `pulumi:"project"`
	// Region is the subnetwork's region. Required unless the cluster exists.
	Region string `pulumi:"region,optional"`
	// Zone is the zonal cluster's location, inside Region. Required unless
	// the cluster exists; then optional, for the metadata server log filter.
	Zone string `pulumi:"zone,optional"`

	// IdentityMode is "impersonation" (the KSA acts as a GSA) or "direct"
	// (the roles go to the KSA's own principal, and no GSA exists).
	// Optional; default: impersonation.
	IdentityMode string `pulumi:"identityMode,optional"`
	// ServiceAccountID is the id of the GSA to create. Optional; default:
	// derived from the component name plus a random suffix, at most 30 characters.
	ServiceAccountID string `pulumi:"serviceAccountId,optional"`
	// ServiceAccountEmail is an existing GSA to bind instead of creating one,
	// looked up during preview. Optional; exclusive with ServiceAccountID.
	ServiceAccountEmail string `pulumi:"serviceAccountEmail,optional"`
	// AllowGoogleManagedServiceAccount permits a ServiceAccountEmail that
	// Google manages: the Compute Engine or App Engine default account, or a
	// service agent. Optional; default: false.
	AllowGoogleManagedServiceAccount bool `pulumi:"allowGoogleManagedServiceAccount,optional"`
	// ServiceAccountProject holds the created GSA, and Roles are granted on
	// it. Optional; default: Project.
	ServiceAccountProject string `pulumi:"serviceAccountProject,optional"`
	// Roles are granted on ServiceAccountProject, each as an additive IAM
	// member. Optional; default (when nil): ["roles/browser"], or none for an
	// existing GSA.
	Roles []string `pulumi:"roles,optional"`
	// AdditionalProjectRoles grants roles on further projects: project id to
	// roles. Optional.
	AdditionalProjectRoles map[string][]string `pulumi:"additionalProjectRoles,optional"`
	// AllowBasicRoles permits roles/owner and roles/editor. Optional; default: false.
	AllowBasicRoles bool `pulumi:"allowBasicRoles,optional"`
	// AllowEscalationRoles permits roles that let the job act as other
	// identities or change IAM, such as roles/iam.serviceAccountTokenCreator.
	// Optional; default: false.
	AllowEscalationRoles bool `pulumi:"allowEscalationRoles,optional"`

	// ExistingCluster is a GKE cluster to use, looked up during preview:
	// with it, no network and no cluster are created, and gkewi talks to the
	// cluster as it would to one it created. Optional.
	ExistingCluster *ExistingCluster `pulumi:"existingCluster,optional"`
	// Kubeconfig of an existing cluster (its contents or a path), for a
	// cluster that ExistingCluster cannot name. Optional.
	Kubeconfig string `pulumi:"kubeconfig,optional"`
	// KubernetesProvider of an existing cluster, for Go callers, instead of
	// Kubeconfig. Optional.
	KubernetesProvider *kubernetes.Provider `pulumi:"-"`
	// ClusterProject is the project of the cluster named by Kubeconfig or
	// KubernetesProvider, whose workload pool the KSA belongs to. Optional;
	// default: Project.
	ClusterProject string `pulumi:"clusterProject,optional"`
	// KubernetesAuth is how gkewi authenticates to a GKE cluster: "authPlugin"
	// (gke-gcloud-auth-plugin with Application Default Credentials) or
	// "accessToken" (the GCP provider's own access token, for credentials
	// that are only a token). Optional; default: authPlugin.
	KubernetesAuth string `pulumi:"kubernetesAuth,optional"`
	// DeleteUnreachable lets a destroy forget the Kubernetes objects of a
	// cluster that can no longer be reached. Optional; default: unset, so
	// that PULUMI_K8S_DELETE_UNREACHABLE decides.
	DeleteUnreachable *bool `pulumi:"deleteUnreachable,optional"`

	// Network is the name of the custom-mode VPC to create. Required unless
	// the cluster exists.
	Network string `pulumi:"network,optional"`
	// Subnetwork is the name of the subnetwork to create. Required unless the
	// cluster exists.
	Subnetwork string `pulumi:"subnetwork,optional"`
	// SubnetCIDR is the subnetwork's primary range, used by the nodes.
	// Required unless the cluster exists.
	SubnetCIDR string `pulumi:"subnetCidr,optional"`
	// PodsCIDR is the secondary range for pods. Optional; default: 10.16.0.0/14.
	PodsCIDR string `pulumi:"podsCidr,optional"`
	// ServicesCIDR is the secondary range for services. Optional; default: 10.20.0.0/20.
	ServicesCIDR string `pulumi:"servicesCidr,optional"`
	// CloudNAT gives the private nodes a way out to registries other than
	// Google's, such as Docker Hub. Optional; default: false.
	CloudNAT bool `pulumi:"cloudNat,optional"`

	// ClusterName is the GKE cluster's name. Required unless the cluster
	// exists; then optional, for the metadata server log filter.
	ClusterName string `pulumi:"clusterName,optional"`
	// MasterCIDR is the control plane's private /28. Required unless the cluster exists.
	MasterCIDR string `pulumi:"masterCidr,optional"`
	// AuthorizedNetworks may reach the control plane's public endpoint; the
	// machine that runs `pulumi up` must be inside one. Required unless the
	// cluster exists.
	AuthorizedNetworks []string `pulumi:"authorizedNetworks,optional"`
	// AllowControlPlaneFromAnywhere permits 0.0.0.0/0 in AuthorizedNetworks.
	// Optional; default: false.
	AllowControlPlaneFromAnywhere bool `pulumi:"allowControlPlaneFromAnywhere,optional"`
	// DeletionProtection protects the cluster in GKE and in Pulumi state.
	// Optional; default: true.
	DeletionProtection *bool `pulumi:"deletionProtection,optional"`

	// NodePoolName starts the name of the cluster's node pool, which ends in
	// a random suffix so that a new pool can replace it before it goes.
	// Optional; default: "primary".
	NodePoolName string `pulumi:"nodePoolName,optional"`
	// MachineType of the nodes. Optional; default: n1-standard-1.
	MachineType string `pulumi:"machineType,optional"`
	// NodeCount is the number of nodes. Optional; default: 1.
	NodeCount *int `pulumi:"nodeCount,optional"`
	// DiskSizeGB is each node's boot disk size. Optional; default: 100.
	DiskSizeGB *int `pulumi:"diskSizeGb,optional"`
	// DiskType is each node's boot disk type. Optional; default: pd-standard.
	DiskType string `pulumi:"diskType,optional"`
	// Preemptible nodes are cheap and reclaimed at short notice. Optional;
	// default: true unless Spot is set.
	Preemptible *bool `pulumi:"preemptible,optional"`
	// Spot nodes are the newer kind of preemptible node. Optional; default: false.
	Spot bool `pulumi:"spot,optional"`

	// Namespace is the Kubernetes namespace of the KSA and the CronJob. Required.
	Namespace string `pulumi:"namespace"`
	// CreateNamespace false uses an existing namespace. Optional; default: true.
	CreateNamespace *bool `pulumi:"createNamespace,optional"`
	// KubernetesServiceAccount is the KSA the CronJob runs as. Required.
	KubernetesServiceAccount string `pulumi:"kubernetesServiceAccount"`
	// CreateKubernetesServiceAccount false annotates an existing KSA instead
	// of creating it. Optional; default: true.
	CreateKubernetesServiceAccount *bool `pulumi:"createKubernetesServiceAccount,optional"`
	// CronJobName is the CronJob's name. Optional; default: the component name.
	CronJobName string `pulumi:"cronJobName,optional"`
	// Schedule is the CronJob's schedule in cron syntax. Required.
	Schedule string `pulumi:"schedule"`
	// TimeZone is the IANA time zone of Schedule. Optional; default: the
	// control plane's, which is UTC on GKE.
	TimeZone string `pulumi:"timeZone,optional"`
	// Image is the job's container image. Optional; default: Google's
	// google-cloud-cli image, which private nodes pull through Private Google
	// Access.
	Image string `pulumi:"image,optional"`
	// ImageRegistryProject is the project whose registry holds Image, where
	// a new cluster's nodes get roles/artifactregistry.reader, or "none" for
	// a public image. Optional; default: the project in Image
	// (REGION-docker.pkg.dev/PROJECT/..., gcr.io/PROJECT/...), or none for
	// Google's public images and registries outside Google.
	ImageRegistryProject string `pulumi:"imageRegistryProject,optional"`
	// Command is the job's command. Optional; default (when nil): gcloud
	// projects describe, of the project the roles are granted on.
	Command []string `pulumi:"command,optional"`
	// ConcurrencyPolicy is Allow, Forbid or Replace. Optional; default: Forbid.
	ConcurrencyPolicy string `pulumi:"concurrencyPolicy,optional"`
	// StartingDeadlineSeconds is how late a run may start; at least 10.
	// Optional; default: 300.
	StartingDeadlineSeconds *int `pulumi:"startingDeadlineSeconds,optional"`
	// BackoffLimit is how often a failed run is retried; pods lost to node
	// preemption do not count. Optional; default: 3.
	BackoffLimit *int `pulumi:"backoffLimit,optional"`
	// ActiveDeadlineSeconds ends a run that takes longer. Optional; default: 600.
	ActiveDeadlineSeconds *int `pulumi:"activeDeadlineSeconds,optional"`
	// Verify runs a Job during deployment that fails the deployment unless the
	// KSA acts as its Google identity. Optional; default: true.
	Verify *bool `pulumi:"verify,optional"`
}

// ExistingCluster names a GKE cluster as `gcloud container clusters describe
// NAME --location LOCATION --project PROJECT` does.
type ExistingCluster struct {
	// Name of the cluster. Required.
	Name string `pulumi:"name"`
	// Location is the cluster's zone or region. Required.
	Location string `pulumi:"location"`
	// Project of the cluster. Optional; default: the component's project.
	Project string `pulumi:"project,optional"`
}

// Ways to authenticate to a GKE cluster.
const (
	AuthPlugin  = "authPlugin"
	AccessToken = "accessToken"
)

// existingCluster tells whether the args name a cluster to use rather than
// one to create.
func (args WorkloadIdentityCronJobArgs) existingCluster() bool {
	return args.ExistingCluster != nil || args.Kubeconfig != "" || args.KubernetesProvider != nil
}

// withDefaults returns a copy of args with every unset optional field filled in.
func (args WorkloadIdentityCronJobArgs) withDefaults(name string) WorkloadIdentityCronJobArgs {
	a := args
	a.IdentityMode = orDefault(a.IdentityMode, Impersonation)
	a.ServiceAccountProject = orDefault(a.ServiceAccountProject, orDefault(emailProject(a.ServiceAccountEmail), a.Project))
	a.ClusterProject = orDefault(a.ClusterProject, a.Project)
	if args.ExistingCluster != nil {
		named := *args.ExistingCluster
		named.Project = orDefault(named.Project, a.Project)
		a.ExistingCluster = &named
		a.ClusterProject = named.Project
		a.ClusterName = named.Name
		a.Zone = named.Location
	}
	a.KubernetesAuth = orDefault(a.KubernetesAuth, AuthPlugin)
	a.PodsCIDR = orDefault(a.PodsCIDR, DefaultPodsCIDR)
	a.ServicesCIDR = orDefault(a.ServicesCIDR, DefaultServicesCIDR)
	a.NodePoolName = orDefault(a.NodePoolName, DefaultNodePoolName)
	a.MachineType = orDefault(a.MachineType, DefaultMachineType)
	a.DiskType = orDefault(a.DiskType, DefaultDiskType)
	a.Image = orDefault(a.Image, DefaultImage)
	a.CronJobName = orDefault(a.CronJobName, name)
	a.ConcurrencyPolicy = orDefault(a.ConcurrencyPolicy, DefaultConcurrencyPolicy)
	if a.Roles == nil && a.ServiceAccountEmail == "" {
		a.Roles = []string{DefaultRole}
	}
	if a.Command == nil {
		a.Command = []string{"gcloud", "projects", "describe", a.ServiceAccountProject}
	}
	a.NodeCount = orDefaultPtr(a.NodeCount, DefaultNodeCount)
	a.DiskSizeGB = orDefaultPtr(a.DiskSizeGB, DefaultDiskSizeGB)
	a.Preemptible = orDefaultPtr(a.Preemptible, !a.Spot)
	a.DeletionProtection = orDefaultPtr(a.DeletionProtection, true)
	a.CreateNamespace = orDefaultPtr(a.CreateNamespace, true)
	a.CreateKubernetesServiceAccount = orDefaultPtr(a.CreateKubernetesServiceAccount, true)
	a.StartingDeadlineSeconds = orDefaultPtr(a.StartingDeadlineSeconds, DefaultStartingDeadlineSeconds)
	a.BackoffLimit = orDefaultPtr(a.BackoffLimit, DefaultBackoffLimit)
	a.ActiveDeadlineSeconds = orDefaultPtr(a.ActiveDeadlineSeconds, DefaultActiveDeadlineSeconds)
	a.Verify = orDefaultPtr(a.Verify, true)
	return a
}

func orDefault(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

func orDefaultPtr[T any](value *T, fallback T) *T {
	if value == nil {
		return &fallback
	}
	return value
}
