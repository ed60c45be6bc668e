package components

import (
	"fmt"
	"slices"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// GSAAnnotation tells the GKE metadata server which GSA a KSA acts as.
const GSAAnnotation = "iam.gke.io/gcp-service-account"

type workloadArgs struct {
	Namespace, KubernetesServiceAccount string
	GSAEmail                            pulumi.StringOutput
	CronJobName, Schedule, TimeZone     string
	Image                               string
	Command                             []string
	// IdentityReady must exist before the first job runs, or the job meets
	// a missing binding or role and gets HTTP 403.
	IdentityReady []pulumi.Resource
}

type workload struct {
	Namespace, KubernetesServiceAccount, CronJobName pulumi.StringOutput
}

// newWorkload creates the namespace, the KSA annotated with the GSA, and the
// CronJob that runs as that KSA. opts must carry the cluster's provider.
func newWorkload(ctx *pulumi.Context, name string, args workloadArgs, opts ...pulumi.ResourceOption) (*workload, error) {
	labels := pulumi.StringMap{
		"app.kubernetes.io/managed-by": pulumi.String("gkewi"),
		"app.kubernetes.io/instance":   pulumi.String(name),
	}
	ns, err := corev1.NewNamespace(ctx, name+"-namespace", &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.Namespace), Labels: labels},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating namespace: %w", err)
	}
	namespace := ns.Metadata.Name().Elem()
	ksa, err := corev1.NewServiceAccount(ctx, name+"-ksa", &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(args.KubernetesServiceAccount),
			Namespace:   namespace,
			Labels:      labels,
			Annotations: pulumi.StringMap{GSAAnnotation: args.GSAEmail},
		},
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating Kubernetes service account: %w", err)
	}
	job, err := batchv1.NewCronJob(ctx, name+"-cronjob", &batchv1.CronJobArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.CronJobName), Namespace: namespace, Labels: labels},
		Spec: &batchv1.CronJobSpecArgs{
			Schedule:                   pulumi.String(args.Schedule),
			TimeZone:                   optionalString(args.TimeZone),
			ConcurrencyPolicy:          pulumi.String("Forbid"),
			SuccessfulJobsHistoryLimit: pulumi.Int(1),
			FailedJobsHistoryLimit:     pulumi.Int(1),
			JobTemplate: &batchv1.JobTemplateSpecArgs{
				Spec: &batchv1.JobSpecArgs{
					Template: &corev1.PodTemplateSpecArgs{
						Metadata: &metav1.ObjectMetaArgs{Labels: labels},
						Spec: &corev1.PodSpecArgs{
							ServiceAccountName: ksa.Metadata.Name(),
							RestartPolicy:      pulumi.String("Never"),
							Containers: corev1.ContainerArray{corev1.ContainerArgs{
								Name:            pulumi.String("batch"),
								Image:           pulumi.String(args.Image),
								ImagePullPolicy: pulumi.String("Always"),
								Command:         pulumi.ToStringArray(args.Command),
							}},
						},
					},
				},
			},
		},
	}, slices.Concat(opts, []pulumi.ResourceOption{pulumi.DependsOn(args.IdentityReady)})...)
	if err != nil {
		return nil, fmt.Errorf("creating CronJob: %w", err)
	}
	return &workload{
		Namespace:                namespace,
		KubernetesServiceAccount: ksa.Metadata.Name().Elem(),
		CronJobName:              job.Metadata.Name().Elem(),
	}, nil
}

// optionalString leaves an unset value out of the object, rather than sending "".
func optionalString(value string) pulumi.StringPtrInput {
	if value == "" {
		return nil
	}
	return pulumi.String(value)
}
