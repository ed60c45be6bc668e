package components

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components/internal/workload"
)

// WorkloadIdentityCronJob is a CronJob on GKE that acts as a Google identity
// through Workload Identity.
type WorkloadIdentityCronJob struct {
	pulumi.ResourceState

	// GSAEmail is the GSA the job acts as; empty in direct mode.
	GSAEmail pulumi.StringOutput `pulumi:"gsaEmail"`
	// WorkloadIdentityMember is the KSA's member in IAM,
	// serviceAccount:PROJECT.svc.id.goog[NAMESPACE/KSA], bound to the GSA; in
	// direct mode, the principal:// that the roles are granted to.
	WorkloadIdentityMember pulumi.StringOutput `pulumi:"workloadIdentityMember"`
	// WorkloadPool is the cluster's workload pool, PROJECT.svc.id.goog.
	WorkloadPool pulumi.StringOutput `pulumi:"workloadPool"`
	// ClusterName is the GKE cluster the job runs on.
	ClusterName pulumi.StringOutput `pulumi:"clusterName"`
	// ClusterEndpoint is the cluster's endpoint; empty for a cluster named by
	// a kubeconfig.
	ClusterEndpoint pulumi.StringOutput `pulumi:"clusterEndpoint"`
	// Kubeconfig is a kubeconfig that authenticates with
	// gke-gcloud-auth-plugin, as a secret; the kubeconfig given for a cluster
	// named by one, and empty when a Kubernetes provider was given.
	Kubeconfig pulumi.StringOutput `pulumi:"kubeconfig" provider:"secret"`
	// Network is the VPC's name; empty for a cluster named by a kubeconfig.
	Network pulumi.StringOutput `pulumi:"network"`
	// Subnetwork is the subnetwork's name; empty for a cluster named by a
	// kubeconfig.
	Subnetwork pulumi.StringOutput `pulumi:"subnetwork"`
	// Namespace is the Kubernetes namespace of the KSA and the CronJob.
	Namespace pulumi.StringOutput `pulumi:"namespace"`
	// KubernetesServiceAccount is the KSA the CronJob runs as.
	KubernetesServiceAccount pulumi.StringOutput `pulumi:"kubernetesServiceAccount"`
	// CronJobName is the CronJob's name.
	CronJobName pulumi.StringOutput `pulumi:"cronJobName"`
	// VerifyCommand is a kubectl command that repeats the verification by
	// hand: a pod that runs as the KSA, waits for its identity and runs the
	// verification Job's own script.
	VerifyCommand pulumi.StringOutput `pulumi:"verifyCommand"`
	// RunNowCommand is a shell command that starts the CronJob's job once,
	// now, waits for it and shows its logs.
	RunNowCommand pulumi.StringOutput `pulumi:"runNowCommand"`
	// MetadataServerLogFilter is the Cloud Logging filter for this cluster's
	// GKE metadata server logs, where the cause of a pod's HTTP 403 is written.
	MetadataServerLogFilter pulumi.StringOutput `pulumi:"metadataServerLogFilter"`
}

// NewWorkloadIdentityCronJob validates args, then creates the APIs, the
// network and cluster (unless the cluster exists), the identity and the
// workload, each part wired to the next by its outputs.
func NewWorkloadIdentityCronJob(ctx *pulumi.Context, name string, args *WorkloadIdentityCronJobArgs,
	opts ...pulumi.ResourceOption,
) (*WorkloadIdentityCronJob, error) {
	if args == nil {
		return nil, fmt.Errorf("WorkloadIdentityCronJob %q: args are required", name)
	}
	if err := args.Validate(name); err != nil {
		return nil, fmt.Errorf("WorkloadIdentityCronJob %q: %w", name, err)
	}
	a := args.withDefaults(name)

	c := &WorkloadIdentityCronJob{}
	if err := ctx.RegisterComponentResource("gkewi:index:WorkloadIdentityCronJob", name, c, opts...); err != nil {
		return nil, err
	}
	parts := partOptions{parent: pulumi.Parent(c)}

	found, err := preflight(ctx, a, parts)
	if err != nil {
		return nil, fmt.Errorf("WorkloadIdentityCronJob %q: %w", name, err)
	}
	for _, warning := range args.GrantWarnings(name) {
		_ = ctx.Log.Warn(warning, &pulumi.LogArgs{Resource: c})
	}
	apis, err := enableAPIs(ctx, name, a.requiredAPIs(), parts)
	if err != nil {
		return nil, err
	}
	parts.apis = pulumi.DependsOn(apis)

	var cl *cluster
	switch {
	case found.cluster != nil:
		cl, err = useNamedCluster(ctx, name, a.namedClusterArgs(found.cluster), parts)
	case a.existingCluster():
		cl, err = useKubeconfigCluster(ctx, name, a.kubeconfigClusterArgs(), parts)
	default:
		var net *network
		if net, err = newNetwork(ctx, name, a.networkArgs(), parts); err == nil {
			cl, err = newCluster(ctx, name, a.clusterArgs(net), parts)
		}
	}
	if err != nil {
		return nil, err
	}

	id, err := newIdentity(ctx, name, a.identityArgs(cl, found.gsaName), parts)
	if err != nil {
		return nil, err
	}

	wlArgs := newWorkloadArgs(name, a, id, cl)
	wl, err := workload.New(ctx, name, wlArgs, parts.local()...)
	if err != nil {
		return nil, err
	}

	c.GSAEmail = id.GSAEmail
	c.WorkloadIdentityMember = id.WorkloadIdentityMember
	c.WorkloadPool = cl.WorkloadPool
	c.ClusterName = cl.Name
	c.ClusterEndpoint = cl.Endpoint
	c.Kubeconfig = cl.Kubeconfig
	c.Network = cl.Network
	c.Subnetwork = cl.Subnetwork
	c.Namespace = wl.Namespace
	c.KubernetesServiceAccount = wl.KubernetesServiceAccount
	c.CronJobName = wl.CronJobName
	c.VerifyCommand = workload.VerifyCommand(a.Namespace, a.KubernetesServiceAccount, toolImage(a.Image), id.Account, wlArgs.Grants, wlArgs.Placement)
	c.RunNowCommand = pulumi.String(runNowCommand(a.Namespace, a.CronJobName, *a.ActiveDeadlineSeconds)).ToStringOutput()
	c.MetadataServerLogFilter = pulumi.String(metadataServerLogFilter(a.ClusterProject, a.clusterLocation(), a.ClusterName)).ToStringOutput()
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
		"runNowCommand":            c.RunNowCommand,
		"metadataServerLogFilter":  c.MetadataServerLogFilter,
	}
}
