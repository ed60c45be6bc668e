package components

import (
	"fmt"

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
	case len(c.metadataServerPools) == 0:
		fix := "add a node pool with `--workload-metadata=GKE_METADATA`"
		if len(c.allPools) > 0 {
			fix = fmt.Sprintf("run it with `gcloud container node-pools update %s --cluster=%s %s --workload-metadata=GKE_METADATA`",
				c.allPools[0], c.access.Name, where)
		}
		return []Problem{problem("has no node pool with the GKE metadata server, so no pod gets a Google identity; %s", fix)}
	}
	return nil
}
