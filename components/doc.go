// Package components holds WorkloadIdentityCronJob, a Pulumi ComponentResource
// that gives a Kubernetes CronJob on a private GKE cluster a Google identity
// through Workload Identity, so that no service-account key file ever exists.
//
// Another Go Pulumi program calls NewWorkloadIdentityCronJob. Its examples
// in example_test.go run as tests under Pulumi's mocks, so they cannot drift
// from the code: ExampleNewWorkloadIdentityCronJob (a new private cluster),
// ExampleNewWorkloadIdentityCronJob_existingCluster and
// ExampleNewWorkloadIdentityCronJob_direct (no GSA). `go doc -http` and
// pkg.go.dev show them with their output; `go doc` prints this paragraph.
//
// The constructor validates its arguments before it registers anything, then
// builds the parts in dependency order: the Google APIs, the network, the
// cluster, the identity and the workload. Every child is parented to the
// component and named from the component's name, and every Kubernetes object
// goes through the component's own Kubernetes provider.
package components
