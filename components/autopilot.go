package components

import (
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/gkewi/gkewi/components/internal/workload"
)

// The requests of every container of the job's pods. Autopilot bills
// requests and fills in 0.5 vCPU, 2 GiB and 1 GiB of local storage for a
// container that has none
// (cloud.google.com/kubernetes-engine/docs/concepts/autopilot-resource-requests).
const (
	DefaultCPURequest                       = "100m"
	DefaultMemoryRequest                    = "256Mi"
	DefaultAutopilotEphemeralStorageRequest = "256Mi"
)

// Autopilot's bounds for the general-purpose class on a cluster that
// supports bursting, which every cluster created from GKE 1.30.2 on does:
// at least 50m and 52Mi, 1 to 6.5 GiB of memory per vCPU, and 10Mi to
// 10Gi of local storage. Below the minimum Autopilot raises a request, so
// the next preview would always show a diff.
var (
	autopilotMinCPU              = resource.MustParse("50m")
	autopilotMinMemory           = resource.MustParse("52Mi")
	autopilotMinEphemeral        = resource.MustParse("10Mi")
	autopilotMaxEphemeral        = resource.MustParse("10Gi")
	autopilotMinGiBPerVCPU       = 1.0
	autopilotMaxGiBPerVCPU       = 6.5
	bytesPerGiB            int64 = 1 << 30
)

// nodePoolOnlyKeys have no meaning on Autopilot, whose nodes Google manages.
var nodePoolOnlyKeys = []string{"nodePoolName", "machineType", "nodeCount", "diskSizeGb", "diskType"}

// autopilot refuses, with Autopilot, the keys of the node pool that it does
// not have and a Dataplane V2 turned off that it always has.
func (v *validator) autopilot(given WorkloadIdentityCronJobArgs) {
	set := map[string]string{"nodePoolName": given.NodePoolName, "machineType": given.MachineType, "diskType": given.DiskType}
	if given.NodeCount != nil {
		set["nodeCount"] = display(given.NodeCount)
	}
	if given.DiskSizeGB != nil {
		set["diskSizeGb"] = display(given.DiskSizeGB)
	}
	for _, key := range nodePoolOnlyKeys {
		if set[key] != "" {
			v.add(key, set[key], "has no effect on an Autopilot cluster, whose nodes Google manages; remove it, or set {autopilot} to false")
		}
	}
	if given.DataplaneV2 != nil && !*given.DataplaneV2 {
		v.add("dataplaneV2", "false", "cannot be turned off on an Autopilot cluster, which always runs Dataplane V2; remove it")
	}
}

// requests checks what each container requests: within its limits, and on
// Autopilot within what Autopilot keeps as it is.
func (v *validator) requests(a WorkloadIdentityCronJobArgs) {
	cpu, cpuOK := v.quantity("cpuRequest", a.CPURequest, resource.MustParse(workload.CPULimit))
	memory, memoryOK := v.quantity("memoryRequest", a.MemoryRequest, resource.MustParse(workload.MemoryLimit))
	ephemeral, ephemeralOK := v.quantity("ephemeralStorageRequest", a.EphemeralStorageRequest, resource.Quantity{})
	if !a.EnableAutopilot {
		return
	}
	if cpuOK && cpu.Cmp(autopilotMinCPU) < 0 {
		v.add("cpuRequest", a.CPURequest, "is below Autopilot's minimum, which Autopilot would raise it to on every deploy; allowed: at least %s", autopilotMinCPU.String())
	}
	if memoryOK && memory.Cmp(autopilotMinMemory) < 0 {
		v.add("memoryRequest", a.MemoryRequest, "is below Autopilot's minimum, which Autopilot would raise it to on every deploy; allowed: at least %s", autopilotMinMemory.String())
	}
	if cpuOK && memoryOK {
		ratio := float64(memory.Value()) / float64(bytesPerGiB) / cpu.AsApproximateFloat64()
		if ratio < autopilotMinGiBPerVCPU || ratio > autopilotMaxGiBPerVCPU {
			v.add("memoryRequest", a.MemoryRequest, "is %.2f GiB per vCPU of {cpuRequest} %s, which Autopilot would change; allowed: %g to %g GiB per vCPU",
				ratio, a.CPURequest, autopilotMinGiBPerVCPU, autopilotMaxGiBPerVCPU)
		}
	}
	if ephemeralOK && (ephemeral.Cmp(autopilotMinEphemeral) < 0 || ephemeral.Cmp(autopilotMaxEphemeral) > 0) {
		v.add("ephemeralStorageRequest", a.EphemeralStorageRequest, "is outside what Autopilot allows; allowed: %s to %s", autopilotMinEphemeral.String(), autopilotMaxEphemeral.String())
	}
}

// quantity parses a request, which must be positive and, when limit is not
// zero, at most limit; ok is false when value is unset or refused.
func (v *validator) quantity(key, value string, limit resource.Quantity) (q resource.Quantity, ok bool) {
	if value == "" {
		return q, false
	}
	q, err := resource.ParseQuantity(value)
	switch {
	case err != nil || q.Sign() <= 0:
		v.add(key, value, "is not a positive Kubernetes quantity; allowed: such as 100m for CPU, or 256Mi for memory and storage")
	case !limit.IsZero() && q.Cmp(limit) > 0:
		v.add(key, value, "is above the containers' limit; allowed: at most %s", limit.String())
	default:
		return q, true
	}
	return q, false
}

// ephemeralStorageRequest is the local storage that each container
// requests: as given, or Autopilot's default for an existing cluster that
// the preflight found to be Autopilot.
func ephemeralStorageRequest(args WorkloadIdentityCronJobArgs, cl *cluster) string {
	if cl.Autopilot {
		return orDefault(args.EphemeralStorageRequest, DefaultAutopilotEphemeralStorageRequest)
	}
	return args.EphemeralStorageRequest
}

// autopilotCluster is an Autopilot cluster's arguments: the Standard
// cluster's, less what Autopilot refuses or owns (pulumi-gcp v7.38.0
// bridges terraform-provider-google-beta, whose enable_autopilot conflicts
// with remove_default_node_pool, enable_shielded_nodes and node_pool, and
// whose node_config GKE reports back as its own, replacing the cluster:
// pulumi/pulumi-gcp#2247), with the nodes' account in the auto-provisioning
// defaults.
func autopilotCluster(standard *container.ClusterArgs, nodeSA pulumi.StringOutput) *container.ClusterArgs {
	autopilot := *standard
	autopilot.EnableAutopilot = pulumi.Bool(true)
	autopilot.RemoveDefaultNodePool = nil
	autopilot.InitialNodeCount = nil
	autopilot.NodeConfig = nil
	autopilot.EnableShieldedNodes = nil
	autopilot.DatapathProvider = nil
	autopilot.ClusterAutoscaling = &container.ClusterClusterAutoscalingArgs{
		AutoProvisioningDefaults: &container.ClusterClusterAutoscalingAutoProvisioningDefaultsArgs{
			ServiceAccount: nodeSA,
			OauthScopes:    pulumi.StringArray{pulumi.String(cloudPlatformScope)},
		},
	}
	return &autopilot
}

// clusterLocation is where the cluster is: its region on Autopilot, which
// has only regional clusters, its zone otherwise.
func (args WorkloadIdentityCronJobArgs) clusterLocation() string {
	if args.EnableAutopilot {
		return args.Region
	}
	return args.Zone
}
