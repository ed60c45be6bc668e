package workload

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Spot Pods on Autopilot: the pod selects Spot nodes by this label, and
// Autopilot taints them so; the pod carries the toleration that Autopilot
// would add, so that what gkewi sends is what Autopilot keeps
// (cloud.google.com/kubernetes-engine/docs/how-to/autopilot-spot-pods).
const spotLabel = "cloud.google.com/gke-spot"

// Every container's limits: what a request may not exceed.
const (
	CPULimit    = "1"
	MemoryLimit = "512Mi"
)

// Requests are what every container of the job's pods requests; no
// EphemeralStorage, none.
type Requests struct {
	CPU, Memory, EphemeralStorage string
}

// podsOf is what every pod of the job is made of.
func podsOf(args Args) podShape {
	return podShape{Placement: args.Placement, resources: containerResources(args.Requests)}
}

// containerResources are every job container's requests and limits.
func containerResources(r Requests) *corev1.ResourceRequirementsArgs {
	requests := pulumi.StringMap{"cpu": pulumi.String(r.CPU), "memory": pulumi.String(r.Memory)}
	if r.EphemeralStorage != "" {
		requests["ephemeral-storage"] = pulumi.String(r.EphemeralStorage)
	}
	return &corev1.ResourceRequirementsArgs{
		Requests: requests,
		Limits:   pulumi.StringMap{"cpu": pulumi.String(CPULimit), "memory": pulumi.String(MemoryLimit)},
	}
}

// Placement is where the job's pods run: on Standard, on the nodes with the
// GKE metadata server, the only ones where a pod gets its identity; on
// Autopilot, which refuses that selector because every node has the
// server, anywhere, or on Spot nodes with their toleration.
type Placement struct {
	Autopilot, Spot bool
}

// onDemand is the placement off Spot capacity.
func (s podShape) onDemand() podShape {
	s.Spot = false
	return s
}

// selector is the pods' node selector.
func (p Placement) selector() map[string]string {
	switch {
	case !p.Autopilot:
		return map[string]string{MetadataServerNodeLabel: "true"}
	case p.Spot:
		return map[string]string{spotLabel: "true"}
	}
	return nil
}

// toleration is the pods' one toleration, if any.
func (p Placement) toleration() map[string]string {
	if !p.Autopilot || !p.Spot {
		return nil
	}
	return map[string]string{"key": spotLabel, "operator": "Equal", "value": "true", "effect": "NoSchedule"}
}

func (p Placement) nodeSelector() pulumi.StringMap {
	if selector := p.selector(); selector != nil {
		return pulumi.ToStringMap(selector)
	}
	return nil
}

func (p Placement) tolerations() corev1.TolerationArray {
	t := p.toleration()
	if t == nil {
		return nil
	}
	return corev1.TolerationArray{corev1.TolerationArgs{
		Key: pulumi.String(t["key"]), Operator: pulumi.String(t["operator"]), Value: pulumi.String(t["value"]), Effect: pulumi.String(t["effect"]),
	}}
}
