package components

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components/internal/workload"
)

// The workload's names that a user of the component may need, from the
// package that makes the workload.
const (
	// GSAAnnotation tells the GKE metadata server which GSA a KSA acts as.
	GSAAnnotation = workload.GSAAnnotation
	// MetadataServerNodeLabel marks the nodes that run the GKE metadata
	// server; only there does a pod get its GSA's tokens.
	MetadataServerNodeLabel = workload.MetadataServerNodeLabel
	// JobContainerName is the name of the container that runs the job's
	// command.
	JobContainerName = workload.JobContainerName
	// PodSecurityLevel is the Pod Security Standard the namespace enforces.
	PodSecurityLevel = workload.PodSecurityLevel
)

// newWorkloadArgs is what the workload takes from the component's arguments.
func newWorkloadArgs(name string, args WorkloadIdentityCronJobArgs, id *identity, cl *cluster) workload.Args {
	return workload.Args{
		Namespace:                args.Namespace,
		CreateNamespace:          *args.CreateNamespace,
		KubernetesServiceAccount: args.KubernetesServiceAccount,
		CreateKSA:                *args.CreateKubernetesServiceAccount,
		GSAEmail:                 id.GSAEmail,
		AnnotateKSA:              args.IdentityMode == Impersonation,
		Account:                  id.Account,
		WorkloadIdentityMember:   id.WorkloadIdentityMember,
		CronJobName:              args.CronJobName,
		Schedule:                 args.Schedule,
		TimeZone:                 args.TimeZone,
		ConcurrencyPolicy:        args.ConcurrencyPolicy,
		StartingDeadlineSeconds:  *args.StartingDeadlineSeconds,
		BackoffLimit:             *args.BackoffLimit,
		ActiveDeadlineSeconds:    *args.ActiveDeadlineSeconds,
		Image:                    args.Image,
		ToolImage:                toolImage(args.Image),
		Command:                  jobCommand(name, args.Command),
		Verify:                   *args.Verify,
		Grants:                   grantLines(args.grantsWithProjects()),
		GrantPropagationSeconds:  *args.GrantPropagationSeconds,
		Placement:                podPlacement(args, cl),
		Requests: workload.Requests{
			CPU: args.CPURequest, Memory: args.MemoryRequest, EphemeralStorage: ephemeralStorageRequest(args, cl),
		},
		DenyIngress:    *args.DenyIngress,
		RestrictEgress: args.RestrictEgress,
		APIsCIDR:       googleAPIsEndpoints[args.RestrictEgress].cidr,
		Provider:       cl.KubernetesProvider,
		IdentityReady:  id.Grants,
		ImagePullable:  cl.ImagePullable,
		NodesReady:     cl.NodesReady,
	}
}

// podPlacement is where the job's pods run: on Spot capacity only on an
// Autopilot cluster that gkewi creates, with preemptible or Spot work.
func podPlacement(args WorkloadIdentityCronJobArgs, cl *cluster) workload.Placement {
	return workload.Placement{Autopilot: cl.Autopilot, Spot: args.EnableAutopilot && (args.Spot || *args.Preemptible)}
}

// jobCommand is the job's command, from a list that Validate checked when
// it was plain and that is checked here once known when it is an Output,
// such as one that names a bucket made in the same program.
func jobCommand(component string, command pulumi.StringArrayInput) pulumi.StringArrayOutput {
	return onceKnown(component, command.ToStringArrayOutput(), (*validator).resolvedCommand).(pulumi.StringArrayOutput)
}
