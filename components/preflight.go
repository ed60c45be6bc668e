package components

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"strings"

	"github.com/gkewi/gkewi/components/internal/gcp"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// liveCluster is what gkewi needs of an existing GKE cluster.
type liveCluster struct {
	access                        clusterAccess
	workloadPool                  string
	network, subnetwork           string
	metadataServerPools, allPools []string
	// autopilot clusters run the GKE metadata server on every node, and
	// have no node pool of the user's.
	autopilot bool
}

// existing is what the preflight found.
type existing struct {
	// gsaName is the resource name of an existing GSA, or "".
	gsaName string
	// cluster is the cluster named by ExistingCluster, or nil.
	cluster *liveCluster
}

// preflight looks up the existing GSA and the existing cluster, if the args
// name them, and checks that the cluster can run Workload Identity. It runs
// during preview as during `up`, before any child is registered, so that a
// wrong assumption fails with the key named and nothing changed, as the
// Terraform module's data "google_service_account" does.
func preflight(ctx *pulumi.Context, a WorkloadIdentityCronJobArgs, parts partOptions) (*existing, error) {
	opts := parts.invoke()
	var found existing
	var problems []Problem
	if a.IdentityMode == Impersonation && a.ServiceAccountEmail != "" {
		account, err := serviceaccount.LookupAccount(ctx, &serviceaccount.LookupAccountArgs{AccountId: a.ServiceAccountEmail}, opts...)
		if err != nil {
			problems = append(problems, Problem{Key: "serviceAccountEmail", Value: a.ServiceAccountEmail, Message: fmt.Sprintf(
				"cannot be read (%v); allowed: an existing service account that the deployer may read (roles/iam.serviceAccountViewer)", err)})
		} else {
			found.gsaName = account.Name
		}
	}
	if named := a.ExistingCluster; named != nil {
		cluster, err := lookUpCluster(ctx, *named, opts...)
		if err != nil {
			problems = append(problems, Problem{Key: "existingCluster", Value: named.Name, Message: fmt.Sprintf(
				"cannot be read in project %s, location %s (%v); allowed: an existing cluster that the deployer may read (roles/container.clusterViewer)",
				named.Project, named.Location, err)})
		} else {
			problems = append(problems, cluster.workloadIdentityProblems(workloadPool(named.Project))...)
			found.cluster = cluster
		}
	}
	if !a.existingCluster() {
		own := lookUpOwnCluster(ctx, a, opts...)
		problems = append(problems, privateEndpointProblems(a, own)...)
		if a.ExistingNetwork != "" {
			problems = append(problems, existingNetworkProblems(ctx, a, own, opts...)...)
		}
	}
	problems = append(problems, grantProblems(ctx, a, opts...)...)
	if len(problems) > 0 {
		return nil, &ValidationError{Problems: problems}
	}
	return &found, nil
}

func lookUpCluster(ctx *pulumi.Context, named ExistingCluster, opts ...pulumi.InvokeOption) (*liveCluster, error) {
	c, err := container.LookupCluster(ctx, &container.LookupClusterArgs{
		Name: named.Name, Location: &named.Location, Project: &named.Project,
	}, opts...)
	if err != nil {
		return nil, err
	}
	live := &liveCluster{
		access:     clusterAccess{Project: named.Project, Location: named.Location, Name: named.Name, Endpoint: c.Endpoint},
		network:    c.Network,
		subnetwork: c.Subnetwork,
		autopilot:  c.EnableAutopilot,
	}
	if len(c.MasterAuths) > 0 {
		live.access.CACertificate = c.MasterAuths[0].ClusterCaCertificate
	}
	if len(c.WorkloadIdentityConfigs) > 0 {
		live.workloadPool = c.WorkloadIdentityConfigs[0].WorkloadPool
	}
	for _, pool := range c.NodePools {
		live.allPools = append(live.allPools, pool.Name)
		for _, config := range pool.NodeConfigs {
			for _, metadata := range config.WorkloadMetadataConfigs {
				if metadata.Mode == gkeMetadata {
					live.metadataServerPools = append(live.metadataServerPools, pool.Name)
				}
			}
		}
	}
	return live, nil
}

// workloadIdentityProblems are the reasons why the cluster cannot give a pod
// its Google identity, each with the command that fixes it.
func (c *liveCluster) workloadIdentityProblems(pool string) []Problem {
	where := fmt.Sprintf("--location=%s --project=%s", c.access.Location, c.access.Project)
	problem := func(message string, args ...any) Problem {
		return Problem{Key: "existingCluster", Value: c.access.Name, Message: fmt.Sprintf(message, args...)}
	}
	switch {
	case c.workloadPool == "":
		return []Problem{problem("has Workload Identity off; turn it on with `gcloud container clusters update %s %s --workload-pool=%s`",
			c.access.Name, where, pool)}
	case c.workloadPool != pool:
		return []Problem{problem("has the workload pool %s, but the KSA's member names %s; set it with `gcloud container clusters update %s %s --workload-pool=%s`",
			c.workloadPool, pool, c.access.Name, where, pool)}
	case len(c.metadataServerPools) == 0 && !c.autopilot:
		fix := "add a node pool with `--workload-metadata=GKE_METADATA`"
		if len(c.allPools) > 0 {
			fix = fmt.Sprintf("run it with `gcloud container node-pools update %s --cluster=%s %s --workload-metadata=GKE_METADATA`",
				c.allPools[0], c.access.Name, where)
		}
		return []Problem{problem("has no node pool with the GKE metadata server, so no pod gets a Google identity; %s", fix)}
	}
	return nil
}

// lookUpOwnCluster finds the cluster that the stack creates, if it exists:
// nil on a first deploy, when GKE has no such cluster or its API is still
// off. Another failure is only a warning, since the checks that need the
// live cluster then fall back to what the arguments say.
func lookUpOwnCluster(ctx *pulumi.Context, a WorkloadIdentityCronJobArgs, opts ...pulumi.InvokeOption) *container.LookupClusterResult {
	live, err := container.LookupCluster(ctx, &container.LookupClusterArgs{
		Name: a.ClusterName, Location: pulumi.StringRef(a.clusterLocation()), Project: &a.Project,
	}, opts...)
	if err != nil {
		if !absent(err) {
			_ = ctx.Log.Warn(fmt.Sprintf("gkewi could not read cluster %s to compare it with the stack (%v); "+
				"the preview checks the arguments alone", a.ClusterName, err), nil)
		}
		return nil
	}
	return live
}

// absent tells whether a lookup failed because the thing is not there yet:
// Google's 404, or its API not yet enabled in a new project.
func absent(err error) bool {
	message := err.Error()
	return strings.Contains(message, "Error 404") || strings.Contains(message, "notFound") ||
		strings.Contains(message, "SERVICE_DISABLED") || strings.Contains(message, "has not been used in project")
}

// privateEndpointProblems refuses a private endpoint that no runner could
// reach, and a change of the setting on a live cluster.
//
// The endpoint is reached only from inside the cluster's VPC or over Cloud
// VPN or Interconnect into it, never from a network peered with it (GKE's
// private cluster concepts: VPC Network Peering is not transitive), and no
// runner sits in a VPC that the same `pulumi up` creates. So it needs
// ExistingNetwork, unless the live cluster has it already: such a stack
// keeps running as it is.
//
// The GCP provider updates the setting in place (its ForceNew went in
// terraform-provider-google v4.45.0, so pulumi-gcp v7.38.0 previews an
// update), but GKE refuses the update for clusters whose control plane is
// reached over VPC peering, as gkewi's are (they set masterIpv4CidrBlock):
// "Error 400: Updating private endpoint on vpc peering private clusters is
// not supported" (terraform-google-modules/terraform-google-kubernetes-engine#1919),
// after minutes of `pulumi up`.
func privateEndpointProblems(a WorkloadIdentityCronJobArgs, live *container.LookupClusterResult) []Problem {
	if live != nil && len(live.PrivateClusterConfigs) > 0 {
		if was := live.PrivateClusterConfigs[0].EnablePrivateEndpoint; was != a.PrivateEndpoint {
			return []Problem{{Key: "privateEndpoint", Value: fmt.Sprint(a.PrivateEndpoint), Message: fmt.Sprintf(
				"would turn the private endpoint of cluster %s %s, which GKE refuses for a cluster reached over VPC peering, and replacing the protected cluster is no way either; "+
					"keep privateEndpoint %v, or deploy a new stack with the setting you want, move the job's users to it, then destroy this one "+
					"(if %s is not this stack's cluster, choose another {clusterName})",
				a.ClusterName, onOff(a.PrivateEndpoint), was, a.ClusterName)}}
		}
		return nil
	}
	if a.PrivateEndpoint && a.ExistingNetwork == "" {
		return []Problem{{Key: "privateEndpoint", Value: "true", Message: "needs a network that exists before `pulumi up`, with the machine that runs it inside or connected by Cloud VPN or Interconnect, " +
			"which no network created by the same `pulumi up` can have; set {existingNetwork} and {existingSubnetwork}, or set privateEndpoint to false"}}
	}
	return nil
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// existingNetworkProblems looks up the network and subnetwork that the args
// name, and checks that private nodes can use them: the subnetwork is in the
// network, has Private Google Access on, and its ranges overlap none of the
// cluster's, but for those that GKE added for the live cluster itself.
func existingNetworkProblems(ctx *pulumi.Context, a WorkloadIdentityCronJobArgs, own *container.LookupClusterResult,
	opts ...pulumi.InvokeOption,
) []Problem {
	if err := gcp.LookupNetwork(ctx, gcp.LookupNetworkArgs{Name: a.ExistingNetwork, Project: a.Project}, opts...); err != nil {
		return []Problem{{Key: "existingNetwork", Value: a.ExistingNetwork, Message: fmt.Sprintf(
			"cannot be read in project %s (%v); allowed: an existing VPC that the deployer may read (roles/compute.networkViewer)", a.Project, err)}}
	}
	subnet, err := gcp.LookupSubnetwork(ctx, gcp.LookupSubnetworkArgs{
		Name: a.ExistingSubnetwork, Region: a.Region, Project: a.Project,
	}, opts...)
	if err != nil {
		return []Problem{{Key: "existingSubnetwork", Value: a.ExistingSubnetwork, Message: fmt.Sprintf(
			"cannot be read in project %s, region %s (%v); allowed: an existing subnetwork of {existingNetwork} in {region}", a.Project, a.Region, err)}}
	}
	problem := func(message string, args ...any) Problem {
		return Problem{Key: "existingSubnetwork", Value: a.ExistingSubnetwork, Message: fmt.Sprintf(message, args...)}
	}
	var problems []Problem
	if network := path.Base(subnet.Network); network != a.ExistingNetwork {
		problems = append(problems, problem("is in network %s, not in {existingNetwork} %s; allowed: a subnetwork of %s", network, a.ExistingNetwork, a.ExistingNetwork))
	}
	if !subnet.PrivateGoogleAccess {
		problems = append(problems, problem("has Private Google Access off, so private nodes reach no Google API or registry; "+
			"turn it on with `gcloud compute networks subnets update %s --region=%s --project=%s --enable-private-ip-google-access`", a.ExistingSubnetwork, a.Region, a.Project))
	}
	return append(problems, overlapsSubnetwork(a, subnet, clusterRangeNames(own))...)
}

// clusterRangeNames are the subnetwork's secondary ranges that the live
// cluster uses, which GKE added for it from PodsCIDR and ServicesCIDR.
func clusterRangeNames(live *container.LookupClusterResult) []string {
	var names []string
	if live != nil {
		for _, policy := range live.IpAllocationPolicies {
			names = append(names, policy.ClusterSecondaryRangeName, policy.ServicesSecondaryRangeName)
		}
	}
	return names
}

// overlapsSubnetwork refuses a range of the cluster that overlaps a range
// the existing subnetwork already has for something else.
func overlapsSubnetwork(a WorkloadIdentityCronJobArgs, subnet *gcp.SubnetworkResult, ours []string) []Problem {
	taken := []string{subnet.CIDR}
	for _, r := range subnet.SecondaryRanges {
		if !slices.Contains(ours, r.Name) {
			taken = append(taken, r.CIDR)
		}
	}
	var problems []Problem
	for _, r := range []struct{ key, value string }{{"podsCidr", a.PodsCIDR}, {"servicesCidr", a.ServicesCIDR}, {"masterCidr", a.MasterCIDR}} {
		wanted, err := netip.ParsePrefix(r.value)
		if err != nil {
			continue
		}
		for _, cidr := range taken {
			if theirs, err := netip.ParsePrefix(cidr); err == nil && wanted.Overlaps(theirs) {
				problems = append(problems, Problem{Key: r.key, Value: r.value, Message: fmt.Sprintf(
					"overlaps %s, a range of {existingSubnetwork} %s; allowed: a range disjoint from the subnetwork's", cidr, a.ExistingSubnetwork)})
			}
		}
	}
	return problems
}
