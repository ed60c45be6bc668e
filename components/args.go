package components

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
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
	// DefaultMaintenanceWindow starts GKE's daily four-hour maintenance
	// window at 05:00 UTC, as terraform-google-modules' safer-cluster does:
	// early morning in Europe and Africa, night in the Americas, afternoon in
	// East Asia, where a stack should move it.
	DefaultMaintenanceWindow = "05:00"
	// DefaultConcurrencyPolicy never starts a run while the last one is still going.
	DefaultConcurrencyPolicy = "Forbid"
	// DefaultStartingDeadlineSeconds lets a run that missed its start (during a
	// control plane upgrade, say) start late rather than be counted as missed:
	// a CronJob with more than 100 missed starts stops scheduling.
	DefaultStartingDeadlineSeconds = 300
	DefaultBackoffLimit            = 3
	DefaultActiveDeadlineSeconds   = 600
	// DefaultGrantPropagationSeconds waits as long as Google says a policy
	// change may take to propagate: "Typically 2 minutes, potentially 7
	// minutes or longer" (cloud.google.com/iam/docs/access-change-propagation).
	DefaultGrantPropagationSeconds = 420
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
	// Project is the GCP project id (not its number) that holds everything
	// gkewi creates, unless another argument says otherwise. Required.
	Project string `pulumi:"project"`
	// Region is the subnetwork's region. Required unless the cluster exists.
	Region string `pulumi:"region,optional"`
	// Zone is the zonal cluster's zone, inside Region. Required unless the
	// cluster exists; then optional, for the metadata server log filter of a
	// cluster named by Kubeconfig.
	Zone string `pulumi:"zone,optional"`

	// IdentityMode is "impersonation" (the KSA acts as a GSA) or "direct"
	// (the KSA's own principal gets the roles, and no GSA exists).
	// Optional; default: impersonation.
	IdentityMode string `pulumi:"identityMode,optional"`
	// ServiceAccountID is the account id of the GSA to create, 6-30
	// characters. Optional; default: the component name plus a random suffix.
	ServiceAccountID string `pulumi:"serviceAccountId,optional"`
	// ServiceAccountEmail is an existing GSA to bind instead of creating one,
	// looked up during preview. Not a Google-managed account (the Compute
	// Engine or App Engine default account, or a service agent) unless
	// AllowGoogleManagedServiceAccount is set. Optional.
	ServiceAccountEmail string `pulumi:"serviceAccountEmail,optional"`
	// AllowGoogleManagedServiceAccount permits a Google-managed account in
	// ServiceAccountEmail. Such an account is shared with other workloads
	// and often holds Editor. Optional; default: false.
	AllowGoogleManagedServiceAccount bool `pulumi:"allowGoogleManagedServiceAccount,optional"`
	// ServiceAccountProject is the project that holds the GSA, where Roles
	// are granted. Optional; default: Project, or the existing GSA's project.
	ServiceAccountProject string `pulumi:"serviceAccountProject,optional"`
	// Roles are granted on ServiceAccountProject, each as an additive IAM
	// member that never removes other members. roles/browser is the smallest
	// predefined role that holds resourcemanager.projects.get; [] grants
	// none. Optional; default: ["roles/browser"], or none for an existing GSA.
	Roles []string `pulumi:"roles,optional"`
	// AdditionalProjectRoles grants more roles on other projects:
	// {other-project: [roles/...]}. Optional.
	AdditionalProjectRoles map[string][]string `pulumi:"additionalProjectRoles,optional"`
	// Grants are predefined roles on single resources, each {kind: bucket,
	// secret, topic, subscription or dataset; name: the resource's name or
	// id; role: a role that applies to the kind; project: the resource's
	// project, by default Project}, as the resource's additive IAM member (on
	// a dataset, one entry of its access list). Each resource is looked up
	// during preview. Optional.
	Grants []Grant `pulumi:"grants,optional"`
	// GrantPropagationSeconds is how long the verification Job waits for
	// Grants to take effect, asking again every 10 seconds, before it fails
	// naming the grant and the missing permission: IAM changes typically
	// take 2 minutes, and potentially 7 or longer. 0 to 3600. Optional;
	// default: 420.
	GrantPropagationSeconds *int `pulumi:"grantPropagationSeconds,optional"`
	// AllowBasicRoles permits roles/owner and roles/editor in Roles and
	// AdditionalProjectRoles. Optional; default: false.
	AllowBasicRoles bool `pulumi:"allowBasicRoles,optional"`
	// AllowEscalationRoles permits the roles that let the job act as other
	// identities or change IAM: `roles/iam.workloadIdentityUser`,
	// `roles/iam.serviceAccountTokenCreator`,
	// `roles/iam.serviceAccountOpenIdTokenCreator`,
	// `roles/iam.serviceAccountUser`, `roles/iam.serviceAccountKeyAdmin`,
	// `roles/iam.serviceAccountAdmin`, `roles/resourcemanager.projectIamAdmin`,
	// `roles/iam.securityAdmin` and `roles/container.admin`.
	// Optional; default: false.
	AllowEscalationRoles bool `pulumi:"allowEscalationRoles,optional"`

	// ExistingCluster is an existing GKE cluster, {name: NAME, location:
	// ZONE_OR_REGION, project: PROJECT}, looked up during preview. No network
	// and no cluster are created, the settings of those are refused, and
	// gkewi talks to the cluster as it would to one it created. Optional.
	ExistingCluster *ExistingCluster `pulumi:"existingCluster,optional"`
	// Kubeconfig is the escape hatch for a cluster that ExistingCluster
	// cannot name: its kubeconfig, the contents or a path, kept secret in
	// state and in every output even when not given as one. gkewi checks
	// nothing about that cluster. Optional.
	Kubeconfig pulumi.StringInput `pulumi:"kubeconfig,optional" provider:"secret"`
	// KubernetesProvider of an existing cluster, for Go callers, instead of
	// Kubeconfig. Optional.
	KubernetesProvider *kubernetes.Provider
	// ClusterProject is the project of the cluster that Kubeconfig names,
	// whose workload pool the KSA is in. Optional; default: Project.
	ClusterProject string `pulumi:"clusterProject,optional"`
	// KubernetesAuth is how gkewi authenticates to a GKE cluster it creates
	// or names: "authPlugin" (gke-gcloud-auth-plugin with Application
	// Default Credentials) or "accessToken" (the token in
	// CLOUDSDK_AUTH_ACCESS_TOKEN or GOOGLE_OAUTH_ACCESS_TOKEN, read when the
	// Kubernetes provider runs, for credentials that are only a token).
	// Optional; default: authPlugin.
	KubernetesAuth string `pulumi:"kubernetesAuth,optional"`
	// DeleteUnreachable is the Kubernetes provider's deleteUnreachable: true
	// lets a destroy drop the Kubernetes objects of a cluster that can no
	// longer be reached. Optional; default: unset, so that
	// PULUMI_K8S_DELETE_UNREACHABLE decides.
	DeleteUnreachable *bool `pulumi:"deleteUnreachable,optional"`

	// Network is the custom-mode VPC to create. Required unless the cluster
	// or ExistingNetwork exists.
	Network string `pulumi:"network,optional" gkewi:"newCluster"`
	// Subnetwork is the subnetwork to create, with Private Google Access.
	// Required unless the cluster or ExistingNetwork exists.
	Subnetwork string `pulumi:"subnetwork,optional" gkewi:"newCluster"`
	// SubnetCIDR is the subnetwork's primary range, used by the nodes.
	// Required unless the cluster or ExistingNetwork exists.
	SubnetCIDR string `pulumi:"subnetCidr,optional" gkewi:"newCluster"`
	// ExistingNetwork is a VPC of Project that exists before `pulumi up`,
	// looked up during preview, for the new cluster instead of Network.
	// gkewi leaves its settings alone, but binds RestrictEgress's DNS zones to
	// it, which every VM in it then resolves through, and exports its routes
	// to a private control plane. PrivateEndpoint needs one, with the machine
	// that runs `pulumi up` inside it or connected to it by Cloud VPN or
	// Interconnect. Not with CloudNAT. Optional.
	ExistingNetwork string `pulumi:"existingNetwork,optional" gkewi:"newCluster"`
	// ExistingSubnetwork is a subnetwork of ExistingNetwork in Region, with
	// Private Google Access on, for the nodes; GKE adds the pods' and
	// services' ranges (PodsCIDR, ServicesCIDR) to it. Required with
	// ExistingNetwork.
	ExistingSubnetwork string `pulumi:"existingSubnetwork,optional" gkewi:"newCluster"`
	// PodsCIDR is the secondary range for pods. Optional; default: 10.16.0.0/14.
	PodsCIDR string `pulumi:"podsCidr,optional" gkewi:"newCluster"`
	// ServicesCIDR is the secondary range for services. Optional; default: 10.20.0.0/20.
	ServicesCIDR string `pulumi:"servicesCidr,optional" gkewi:"newCluster"`
	// CloudNAT adds a Cloud Router and Cloud NAT, so that private nodes can
	// pull from registries outside Google's, such as Docker Hub.
	// Optional; default: false.
	CloudNAT bool `pulumi:"cloudNat,optional" gkewi:"newCluster"`
	// FlowLogs records the subnetwork's VPC flow logs (5-second
	// aggregation, half of the flows sampled, with metadata), billed as
	// Cloud Logging ingestion; not with ExistingSubnetwork, which gkewi does
	// not change. Optional; default: false.
	FlowLogs bool `pulumi:"flowLogs,optional" gkewi:"newCluster"`
	// RestrictEgress lets the job's pods reach only DNS, the GKE metadata
	// server and Google's APIs and registries: "private" through
	// private.googleapis.com, or "restricted" through
	// restricted.googleapis.com (only the APIs that VPC Service Controls
	// supports), with private Cloud DNS zones that resolve *.googleapis.com,
	// gcr.io and pkg.dev there for the whole VPC. The pods then reach nothing
	// else: no other Google host, no internet. Needs DataplaneV2.
	// Optional; default: no restriction.
	RestrictEgress string `pulumi:"restrictEgress,optional" gkewi:"newCluster"`

	// ClusterName is the GKE cluster, at most 40 characters. Required unless
	// the cluster exists; then optional, for the metadata server log filter
	// of a cluster named by Kubeconfig.
	ClusterName string `pulumi:"clusterName,optional"`
	// MasterCIDR is the control plane's private range, exactly a /28.
	// Required unless the cluster exists.
	MasterCIDR string `pulumi:"masterCidr,optional" gkewi:"newCluster"`
	// AuthorizedNetworks are the CIDRs that may reach the control plane. The
	// machine that runs `pulumi up` must be inside one. Required unless the
	// cluster exists.
	AuthorizedNetworks pulumi.StringArrayInput `pulumi:"authorizedNetworks,optional" gkewi:"newCluster"`
	// AllowControlPlaneFromAnywhere permits 0.0.0.0/0 in AuthorizedNetworks.
	// Optional; default: false.
	AllowControlPlaneFromAnywhere bool `pulumi:"allowControlPlaneFromAnywhere,optional" gkewi:"newCluster"`
	// DeletionProtection protects the cluster from deletion: the GCP provider
	// refuses to delete it (a check in the provider, not a setting that GKE
	// holds), and Pulumi state marks it protected. Optional; default: true.
	DeletionProtection *bool `pulumi:"deletionProtection,optional" gkewi:"newCluster"`
	// DataplaneV2 runs GKE Dataplane V2 (ADVANCED_DATAPATH), which enforces
	// NetworkPolicy. Changing it replaces the cluster, so a cluster made
	// before gkewi turned it on keeps it off with false. Optional; default: true.
	DataplaneV2 *bool `pulumi:"dataplaneV2,optional" gkewi:"newCluster"`
	// PrivateEndpoint closes the control plane's public endpoint: only
	// AuthorizedNetworks inside ExistingNetwork, or connected to it by Cloud
	// VPN or Interconnect, reach it, from any region (global access); a
	// network peered with the VPC does not, since peering is not transitive.
	// `pulumi up` must then run there, such as on a self-hosted CI runner, so
	// it needs ExistingNetwork. Optional; default: false.
	PrivateEndpoint bool `pulumi:"privateEndpoint,optional" gkewi:"newCluster"`
	// BinaryAuthorization enforces the project's Binary Authorization policy
	// on every pod: images that the policy does not allow never run, the
	// job's own included. Optional; default: false.
	BinaryAuthorization bool `pulumi:"binaryAuthorization,optional" gkewi:"newCluster"`
	// SecretsEncryptionKey encrypts Kubernetes Secrets in etcd with a Cloud
	// KMS key of the cluster's region, projects/P/locations/REGION/keyRings/R/cryptoKeys/K,
	// which GKE's service agent is granted to use. Every key operation is
	// billed by Cloud KMS. Optional; default: Google's own encryption.
	SecretsEncryptionKey string `pulumi:"secretsEncryptionKey,optional" gkewi:"newCluster"`
	// MaintenanceWindow is when GKE's daily four-hour maintenance window
	// starts, as HH:MM in UTC; upgrades then restart the nodes, so keep the
	// job's Schedule out of it. Optional; default: 05:00.
	MaintenanceWindow string `pulumi:"maintenanceWindow,optional" gkewi:"newCluster"`

	// EnableAutopilot creates a GKE Autopilot cluster, whose nodes Google
	// manages, instead of a Standard one with gkewi's node pool: regional (in
	// Region), with the same private networking, authorized networks,
	// maintenance window and hardening, and Dataplane V2 and Workload
	// Identity always on. The nodes run as gkewi's node service account. The
	// node pool's settings are refused; Preemptible or Spot run the job's
	// CronJob pods as spot Pods. Changing it replaces the cluster. Optional;
	// default: false.
	EnableAutopilot bool `pulumi:"autopilot,optional" gkewi:"newCluster"`

	// NodePoolName starts the name of the node pool, at most 35 characters,
	// which ends in a random suffix such as primary-3f9a: a change that needs
	// a new pool creates it before it deletes the old one, so the job always
	// has a node. Optional; default: primary.
	NodePoolName string `pulumi:"nodePoolName,optional" gkewi:"newCluster"`
	// MachineType is the nodes' machine type. Optional; default: n1-standard-1.
	MachineType string `pulumi:"machineType,optional" gkewi:"newCluster"`
	// NodeCount is the number of nodes. Optional; default: 1.
	NodeCount *int `pulumi:"nodeCount,optional" gkewi:"newCluster"`
	// DiskSizeGB is each node's boot disk size, at least 10. Optional; default: 100.
	DiskSizeGB *int `pulumi:"diskSizeGb,optional" gkewi:"newCluster"`
	// DiskType is each node's boot disk type: pd-standard, pd-balanced,
	// pd-ssd, or hyperdisk-balanced (not on n1- machines).
	// Optional; default: pd-standard.
	DiskType string `pulumi:"diskType,optional" gkewi:"newCluster"`
	// Preemptible nodes are cheap, but reclaimed at short notice.
	// Optional; default: true unless Spot is set.
	Preemptible *bool `pulumi:"preemptible,optional" gkewi:"newCluster"`
	// Spot nodes are the newer kind of preemptible node; set Preemptible to
	// false with it. Optional; default: false.
	Spot bool `pulumi:"spot,optional" gkewi:"newCluster"`

	// Namespace is the Kubernetes namespace of the KSA and the CronJob; when
	// gkewi creates it, not default or kube-*. Required.
	Namespace string `pulumi:"namespace"`
	// CreateNamespace false uses an existing namespace. Optional; default: true.
	CreateNamespace *bool `pulumi:"createNamespace,optional"`
	// KubernetesServiceAccount is the KSA the CronJob runs as. Required.
	KubernetesServiceAccount string `pulumi:"kubernetesServiceAccount"`
	// CreateKubernetesServiceAccount false annotates an existing KSA instead
	// of creating it, which needs CreateNamespace false. Optional; default: true.
	CreateKubernetesServiceAccount *bool `pulumi:"createKubernetesServiceAccount,optional"`
	// CronJobName is the CronJob, at most 52 characters. Optional; default:
	// the component name.
	CronJobName string `pulumi:"cronJobName,optional"`
	// Schedule is the cron schedule: 5 fields, or @hourly, @daily, and so
	// on. Required.
	Schedule string `pulumi:"schedule"`
	// TimeZone is the schedule's IANA time zone, such as Asia/Tokyo. Set it
	// here: Kubernetes refuses CRON_TZ= inside the schedule. Optional;
	// default: the control plane's, which is UTC on GKE.
	TimeZone string `pulumi:"timeZone,optional"`
	// Image is the job's image. Private nodes pull from Google's registries
	// (gcr.io, *.pkg.dev) through Private Google Access; Docker Hub works only
	// through GKE's partial mirror, and other registries not at all, so gkewi
	// refuses other images unless CloudNAT is on. Pin it by digest
	// (REPOSITORY@sha256:...) so that every node runs the same build: a tag
	// moves, and with IfNotPresent each node keeps whichever build it pulled
	// first. A pinned google-cloud-cli image also runs the verification and
	// wait containers. Optional; default:
	// gcr.io/google.com/cloudsdktool/google-cloud-cli:stable.
	Image string `pulumi:"image,optional"`
	// ImageRegistryProject is the project whose registry holds Image, where
	// the nodes of a new cluster get roles/artifactregistry.reader and no
	// other; "none" for a public image of someone else's, such as
	// gcr.io/kaniko-project/executor. Optional; default: the project in Image
	// (REGION-docker.pkg.dev/PROJECT/..., gcr.io/PROJECT/...), or none for
	// Google's public images and registries outside Google.
	ImageRegistryProject string `pulumi:"imageRegistryProject,optional" gkewi:"newCluster"`
	// Command is the job's command and its arguments. Optional; default:
	// ["gcloud", "projects", "describe", ServiceAccountProject].
	Command pulumi.StringArrayInput `pulumi:"command,optional"`
	// ConcurrencyPolicy is what happens when a run is due while the last one
	// still goes: Allow, Forbid or Replace. Optional; default: Forbid.
	ConcurrencyPolicy string `pulumi:"concurrencyPolicy,optional"`
	// StartingDeadlineSeconds is how late a run may start, at least 10. A
	// CronJob that misses more than 100 starts stops scheduling; a deadline
	// prevents that. Optional; default: 300.
	StartingDeadlineSeconds *int `pulumi:"startingDeadlineSeconds,optional"`
	// BackoffLimit is how often a failed run is retried. Pods lost to a
	// reclaimed preemptible node do not count. Optional; default: 3.
	BackoffLimit *int `pulumi:"backoffLimit,optional"`
	// ActiveDeadlineSeconds stops a run that takes longer. Optional; default: 600.
	ActiveDeadlineSeconds *int `pulumi:"activeDeadlineSeconds,optional"`
	// CPURequest is what each container of the job's pods requests: the
	// job's, the wait for its identity and the verification. Autopilot
	// bills requests, and fills in 0.5 vCPU for a container without one; at
	// least 50m there, with 1 to 6.5 GiB of MemoryRequest per vCPU; at most
	// 1, the containers' limit. Optional; default: 100m.
	CPURequest string `pulumi:"cpuRequest,optional"`
	// MemoryRequest is what each container of the job's pods requests.
	// Autopilot fills in 2Gi for a container without one; at least 52Mi
	// there; at most 512Mi, the containers' limit. Optional; default: 256Mi.
	MemoryRequest string `pulumi:"memoryRequest,optional"`
	// EphemeralStorageRequest is the local storage that each container of
	// the job's pods requests, /tmp included. Autopilot fills in 1Gi for a
	// container without one; 10Mi to 10Gi there. Optional; default: none on
	// Standard, 256Mi on Autopilot.
	EphemeralStorageRequest string `pulumi:"ephemeralStorageRequest,optional"`
	// Verify runs a Job during `pulumi up` that fails the deployment unless
	// the KSA acts as its Google identity and gets a token. Optional; default: true.
	Verify *bool `pulumi:"verify,optional"`
	// DenyIngress adds a NetworkPolicy that admits no traffic to the job's
	// pods, which serve nothing. Enforced by DataplaneV2. Optional; default: true.
	DenyIngress *bool `pulumi:"denyIngress,optional"`
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
	return args.ExistingCluster != nil || isSet(args.Kubeconfig) || args.KubernetesProvider != nil
}

// isSet tells whether an optional string was given: a plain pulumi.String
// when it is not empty, any other Input (an Output, whose value may not be
// known yet) when it is not nil.
func isSet(s pulumi.StringInput) bool {
	if plain, ok := s.(pulumi.String); ok {
		return plain != ""
	}
	return s != nil
}

// plainStrings is the value of list when it is given as plain values: a
// pulumi.StringArray of pulumi.String, as stack configuration and most Go
// callers give it, or no list (nil). ok is false for an Output, or a list
// that holds one, whose value is checked once known.
func plainStrings(list pulumi.StringArrayInput) (values []string, ok bool) {
	switch list := list.(type) {
	case nil:
		return nil, true
	case pulumi.StringArray:
		if list == nil {
			return nil, true
		}
		values = make([]string, len(list))
		for i, s := range list {
			plain, isPlain := s.(pulumi.String)
			if !isPlain {
				return nil, false
			}
			values[i] = string(plain)
		}
		return values, true
	}
	return nil, false
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
	a.MaintenanceWindow = orDefault(a.MaintenanceWindow, DefaultMaintenanceWindow)
	a.DataplaneV2 = orDefaultPtr(a.DataplaneV2, true)
	a.DenyIngress = orDefaultPtr(a.DenyIngress, true)
	a.CronJobName = orDefault(a.CronJobName, name)
	a.ConcurrencyPolicy = orDefault(a.ConcurrencyPolicy, DefaultConcurrencyPolicy)
	if a.Roles == nil && a.ServiceAccountEmail == "" {
		a.Roles = []string{DefaultRole}
	}
	if command, ok := plainStrings(a.Command); ok && command == nil {
		a.Command = pulumi.ToStringArray([]string{"gcloud", "projects", "describe", a.ServiceAccountProject})
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
	a.GrantPropagationSeconds = orDefaultPtr(a.GrantPropagationSeconds, DefaultGrantPropagationSeconds)
	a.CPURequest = orDefault(a.CPURequest, DefaultCPURequest)
	a.MemoryRequest = orDefault(a.MemoryRequest, DefaultMemoryRequest)
	if a.EnableAutopilot {
		a.EphemeralStorageRequest = orDefault(a.EphemeralStorageRequest, DefaultAutopilotEphemeralStorageRequest)
	}
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
