package components

import (
	"fmt"

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

// WorkloadIdentityCronJobArgs is everything a user decides. The `pulumi` tag of
// each field is also its stack configuration key in the gkewi program.
type WorkloadIdentityCronJobArgs struct {
	// Project is the GCP project that holds every resource. Required.
	Project string `pulumi:"project"`
	// Region is the subnetwork's region. Required.
	Region string `pulumi:"region"`
	// Zone is the zonal cluster's location, inside Region. Required.
	Zone string `pulumi:"zone"`

	// ServiceAccountID is the GSA's account id. Optional; default: derived from
	// the component name plus a random suffix, at most 30 characters.
	ServiceAccountID string `pulumi:"serviceAccountId,optional"`
	// Roles are granted to the GSA on the project, each as an additive IAM
	// member. Optional; default (when nil): ["roles/browser"].
	Roles []string `pulumi:"roles,optional"`
	// AllowBasicRoles permits roles/owner and roles/editor in Roles.
	// Optional; default: false.
	AllowBasicRoles bool `pulumi:"allowBasicRoles,optional"`

	// Network is the name of the custom-mode VPC to create. Required.
	Network string `pulumi:"network"`
	// Subnetwork is the name of the subnetwork to create. Required.
	Subnetwork string `pulumi:"subnetwork"`
	// SubnetCIDR is the subnetwork's primary range, used by the nodes. Required.
	SubnetCIDR string `pulumi:"subnetCidr"`
	// PodsCIDR is the secondary range for pods. Optional; default: 10.16.0.0/14.
	PodsCIDR string `pulumi:"podsCidr,optional"`
	// ServicesCIDR is the secondary range for services. Optional; default: 10.20.0.0/20.
	ServicesCIDR string `pulumi:"servicesCidr,optional"`

	// ClusterName is the GKE cluster's name. Required.
	ClusterName string `pulumi:"clusterName"`
	// MasterCIDR is the control plane's private /28. Required.
	MasterCIDR string `pulumi:"masterCidr"`
	// AuthorizedNetworks may reach the control plane's public endpoint; the
	// machine that runs `pulumi up` must be inside one. Required.
	AuthorizedNetworks []string `pulumi:"authorizedNetworks"`
	// AllowControlPlaneFromAnywhere permits 0.0.0.0/0 in AuthorizedNetworks.
	// Optional; default: false.
	AllowControlPlaneFromAnywhere bool `pulumi:"allowControlPlaneFromAnywhere,optional"`
	// DeletionProtection protects the cluster in GKE and in Pulumi state.
	// Optional; default: true.
	DeletionProtection *bool `pulumi:"deletionProtection,optional"`

	// NodePoolName is the name of the cluster's node pool. Optional; default: "primary".
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

	// Namespace is the Kubernetes namespace to create. Required.
	Namespace string `pulumi:"namespace"`
	// KubernetesServiceAccount is the KSA the CronJob runs as. Required.
	KubernetesServiceAccount string `pulumi:"kubernetesServiceAccount"`
	// CronJobName is the CronJob's name. Optional; default: the component name.
	CronJobName string `pulumi:"cronJobName,optional"`
	// Schedule is the CronJob's schedule in cron syntax. Required.
	Schedule string `pulumi:"schedule"`
	// TimeZone is the IANA time zone of Schedule. Optional; default: the
	// control plane's, which is UTC on GKE.
	TimeZone string `pulumi:"timeZone,optional"`
	// Image is the job's container image. Optional; default: Google's
	// google-cloud-cli image, which private nodes pull through Private Google Access.
	Image string `pulumi:"image,optional"`
	// Command is the job's command. Optional; default (when nil): gcloud
	// projects describe PROJECT.
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
	// KSA acts as the GSA. Optional; default: true.
	Verify *bool `pulumi:"verify,optional"`
}

// WorkloadIdentityCronJob is a CronJob on a private GKE cluster that acts as a
// Google service account through Workload Identity.
type WorkloadIdentityCronJob struct {
	pulumi.ResourceState

	GSAEmail                 pulumi.StringOutput `pulumi:"gsaEmail"`
	WorkloadIdentityMember   pulumi.StringOutput `pulumi:"workloadIdentityMember"`
	WorkloadPool             pulumi.StringOutput `pulumi:"workloadPool"`
	ClusterName              pulumi.StringOutput `pulumi:"clusterName"`
	ClusterEndpoint          pulumi.StringOutput `pulumi:"clusterEndpoint"`
	Kubeconfig               pulumi.StringOutput `pulumi:"kubeconfig"`
	Network                  pulumi.StringOutput `pulumi:"network"`
	Subnetwork               pulumi.StringOutput `pulumi:"subnetwork"`
	Namespace                pulumi.StringOutput `pulumi:"namespace"`
	KubernetesServiceAccount pulumi.StringOutput `pulumi:"kubernetesServiceAccount"`
	CronJobName              pulumi.StringOutput `pulumi:"cronJobName"`
	// VerifyCommand repeats the deployment's Workload Identity check by hand.
	VerifyCommand pulumi.StringOutput `pulumi:"verifyCommand"`
	// MetadataServerLogFilter finds the GKE metadata server's logs in Cloud
	// Logging, where the cause of a pod's HTTP 403 is written.
	MetadataServerLogFilter pulumi.StringOutput `pulumi:"metadataServerLogFilter"`
}

// NewWorkloadIdentityCronJob validates args, then creates the APIs, network,
// cluster, identity and workload, each part wired to the next by its outputs.
func NewWorkloadIdentityCronJob(ctx *pulumi.Context, name string, args *WorkloadIdentityCronJobArgs,
	opts ...pulumi.ResourceOption,
) (*WorkloadIdentityCronJob, error) {
	if args == nil {
		return nil, fmt.Errorf("WorkloadIdentityCronJob %q: args are required", name)
	}
	a := args.withDefaults(name)
	if err := a.validate(name); err != nil {
		return nil, fmt.Errorf("WorkloadIdentityCronJob %q: %w", name, err)
	}

	c := &WorkloadIdentityCronJob{}
	if err := ctx.RegisterComponentResource("gkewi:index:WorkloadIdentityCronJob", name, c, opts...); err != nil {
		return nil, err
	}
	child := pulumi.Parent(c)

	apis, err := enableAPIs(ctx, name, a.Project, child)
	if err != nil {
		return nil, err
	}
	onGCP := []pulumi.ResourceOption{child, pulumi.DependsOn(apis)}

	net, err := newNetwork(ctx, name, networkArgs{
		Project:      a.Project,
		Region:       a.Region,
		Network:      a.Network,
		Subnetwork:   a.Subnetwork,
		SubnetCIDR:   a.SubnetCIDR,
		PodsCIDR:     a.PodsCIDR,
		ServicesCIDR: a.ServicesCIDR,
	}, onGCP...)
	if err != nil {
		return nil, err
	}

	cl, err := newCluster(ctx, name, clusterArgs{
		Project:            a.Project,
		Zone:               a.Zone,
		Name:               a.ClusterName,
		NetworkID:          net.NetworkID,
		SubnetworkID:       net.SubnetworkID,
		PodsRangeName:      net.PodsRangeName,
		ServicesRangeName:  net.ServicesRangeName,
		MasterCIDR:         a.MasterCIDR,
		AuthorizedNetworks: a.AuthorizedNetworks,
		DeletionProtection: *a.DeletionProtection,
		NodePoolName:       a.NodePoolName,
		MachineType:        a.MachineType,
		NodeCount:          *a.NodeCount,
		DiskSizeGB:         *a.DiskSizeGB,
		DiskType:           a.DiskType,
		Preemptible:        *a.Preemptible,
		Spot:               a.Spot,
	}, child, onGCP...)
	if err != nil {
		return nil, err
	}

	id, err := newIdentity(ctx, name, identityArgs{
		Project:                  a.Project,
		ServiceAccountID:         a.ServiceAccountID,
		Roles:                    a.Roles,
		WorkloadPool:             cl.WorkloadPool,
		Namespace:                a.Namespace,
		KubernetesServiceAccount: a.KubernetesServiceAccount,
	}, child, onGCP...)
	if err != nil {
		return nil, err
	}

	wl, err := newWorkload(ctx, name, workloadArgs{
		Namespace:                a.Namespace,
		KubernetesServiceAccount: a.KubernetesServiceAccount,
		GSAEmail:                 id.GSAEmail,
		WorkloadIdentityMember:   id.WorkloadIdentityMember,
		CronJobName:              a.CronJobName,
		Schedule:                 a.Schedule,
		TimeZone:                 a.TimeZone,
		ConcurrencyPolicy:        a.ConcurrencyPolicy,
		StartingDeadlineSeconds:  *a.StartingDeadlineSeconds,
		BackoffLimit:             *a.BackoffLimit,
		ActiveDeadlineSeconds:    *a.ActiveDeadlineSeconds,
		Image:                    a.Image,
		Command:                  a.Command,
		Verify:                   *a.Verify,
		IdentityReady:            id.Grants,
		NodesReady:               []pulumi.Resource{cl.NodePool},
	}, child, pulumi.Provider(cl.KubernetesProvider))
	if err != nil {
		return nil, err
	}

	c.GSAEmail = id.GSAEmail
	c.WorkloadIdentityMember = id.WorkloadIdentityMember
	c.WorkloadPool = cl.WorkloadPool
	c.ClusterName = cl.Name
	c.ClusterEndpoint = cl.Endpoint
	c.Kubeconfig = cl.Kubeconfig
	c.Network = net.NetworkName
	c.Subnetwork = net.SubnetworkName
	c.Namespace = wl.Namespace
	c.KubernetesServiceAccount = wl.KubernetesServiceAccount
	c.CronJobName = wl.CronJobName
	c.VerifyCommand = pulumi.String(verifyCommand(a.Namespace, a.KubernetesServiceAccount)).ToStringOutput()
	c.MetadataServerLogFilter = pulumi.String(metadataServerLogFilter(a.Project, a.Zone, a.ClusterName)).ToStringOutput()
	if err := ctx.RegisterResourceOutputs(c, c.Outputs()); err != nil {
		return nil, fmt.Errorf("registering outputs: %w", err)
	}
	return c, nil
}

// Outputs are the component's outputs by name; the gkewi program exports them
// as its stack outputs.
func (c *WorkloadIdentityCronJob) Outputs() pulumi.Map {
	return pulumi.Map{
		"gsaEmail":                 c.GSAEmail,
		"workloadIdentityMember":   c.WorkloadIdentityMember,
		"workloadPool":             c.WorkloadPool,
		"clusterName":              c.ClusterName,
		"clusterEndpoint":          c.ClusterEndpoint,
		"kubeconfig":               c.Kubeconfig,
		"network":                  c.Network,
		"subnetwork":               c.Subnetwork,
		"namespace":                c.Namespace,
		"kubernetesServiceAccount": c.KubernetesServiceAccount,
		"cronJobName":              c.CronJobName,
		"verifyCommand":            c.VerifyCommand,
		"metadataServerLogFilter":  c.MetadataServerLogFilter,
	}
}

// withDefaults returns a copy of args with every unset optional field filled in.
func (args WorkloadIdentityCronJobArgs) withDefaults(name string) WorkloadIdentityCronJobArgs {
	a := args
	a.PodsCIDR = orDefault(a.PodsCIDR, DefaultPodsCIDR)
	a.ServicesCIDR = orDefault(a.ServicesCIDR, DefaultServicesCIDR)
	a.NodePoolName = orDefault(a.NodePoolName, DefaultNodePoolName)
	a.MachineType = orDefault(a.MachineType, DefaultMachineType)
	a.DiskType = orDefault(a.DiskType, DefaultDiskType)
	a.Image = orDefault(a.Image, DefaultImage)
	a.CronJobName = orDefault(a.CronJobName, name)
	a.ConcurrencyPolicy = orDefault(a.ConcurrencyPolicy, DefaultConcurrencyPolicy)
	if a.Roles == nil {
		a.Roles = []string{DefaultRole}
	}
	if a.Command == nil {
		a.Command = []string{"gcloud", "projects", "describe", a.Project}
	}
	a.NodeCount = orDefaultPtr(a.NodeCount, DefaultNodeCount)
	a.DiskSizeGB = orDefaultPtr(a.DiskSizeGB, DefaultDiskSizeGB)
	a.Preemptible = orDefaultPtr(a.Preemptible, !a.Spot)
	a.DeletionProtection = orDefaultPtr(a.DeletionProtection, true)
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
