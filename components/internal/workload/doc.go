// Package workload is the component's Kubernetes part: the namespace, the
// KSA (created, or annotated where it exists), the NetworkPolicies, the
// CronJob and the verification Job, all through the cluster's provider. It
// is internal: only the component, which validates its arguments first,
// makes a workload.
//
// It is a package of its own for the edit loop. Every Kubernetes resource's
// arguments in pulumi-kubernetes lead to pulumi.AnyOutput, whose methods
// name every builtin output type, so a package that names one compiles
// about 25,000 instantiations of pulumix.Output: 3 s on 2 cores, on every
// edit. Here that is paid only when the workload changes. Its Args hold no
// Kubernetes resource's arguments and have no methods, so the component,
// which fills them in, stays cheap to compile
// (TestEditingTheComponentStaysCheap).
package workload
