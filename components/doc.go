// Package components holds WorkloadIdentityCronJob, a Pulumi ComponentResource
// that gives a Kubernetes CronJob on a private GKE cluster a Google identity
// through Workload Identity, so that no service-account key file ever exists.
//
// Another Go Pulumi program calls NewWorkloadIdentityCronJob; the README's
// "Reusing the component from Go" shows a whole program. That program is
// goUsage in tests/go_usage_test.go, which runs it under Pulumi's mocks and
// keeps the README's copy the same, so it cannot drift from the code. It is
// not an Example here: an example in this directory is a test binary of its
// own, which every `go test ./...` would link with the whole SDK.
//
// The constructor validates its arguments before it registers anything, then
// builds the parts in dependency order: the Google APIs, the network, the
// cluster, the identity and the workload, whose Kubernetes objects are made
// in the package components/internal/workload. Every child is parented to the
// component and named from the component's name, and every Kubernetes object
// goes through the component's own Kubernetes provider.
package components
