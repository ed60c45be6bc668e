// Package components holds WorkloadIdentityCronJob, a Pulumi ComponentResource
// that gives a Kubernetes CronJob on a private GKE cluster a Google identity
// through Workload Identity, so that no service-account key file ever exists.
//
// Another Go Pulumi program uses it like this:
//
//	job, err := components.NewWorkloadIdentityCronJob(ctx, "reports", &components.WorkloadIdentityCronJobArgs{
//		Project:                  "my-project",
//		Region:                   "asia-northeast1",
//		Zone:                     "asia-northeast1-a",
//		Namespace:                "reports",
//		KubernetesServiceAccount: "reports",
//		...
//	})
//
// The constructor validates its arguments before it registers anything, then
// builds the parts in dependency order: the Google APIs, the network, the
// cluster, the identity and the workload. Every child is parented to the
// component and named from the component's name, and every Kubernetes object
// goes through the component's own Kubernetes provider.
package components
