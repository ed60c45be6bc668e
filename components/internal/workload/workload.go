package workload

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components/scripts"
)

// GSAAnnotation tells the GKE metadata server which GSA a KSA acts as.
const GSAAnnotation = "iam.gke.io/gcp-service-account"

// MetadataServerNodeLabel marks the nodes that run the GKE metadata server;
// only there does a pod get its GSA's tokens.
const MetadataServerNodeLabel = "iam.gke.io/gke-metadata-server-enabled"

// JobContainerName is the name of the container that runs the job's command.
const JobContainerName = "batch"

// PodSecurityLevel is the Pod Security Standard the namespace enforces.
const PodSecurityLevel = "restricted"

// Args are what the workload takes from the component's arguments
// (newWorkloadArgs in the component). They hold no Kubernetes resource's
// arguments, and nothing here is a method of them: see the package's doc.
type Args struct {
	// Provider talks to the cluster.
	Provider                            *kubernetes.Provider
	Namespace, KubernetesServiceAccount string
	// CreateNamespace and CreateKSA are false for objects that exist.
	CreateNamespace, CreateKSA bool
	// GSAEmail is the KSA's annotation; empty in direct mode, which needs none.
	GSAEmail pulumi.StringOutput
	// Account is what the pod must act as, and WorkloadIdentityMember the
	// KSA's member: both part of the wiring that the verification checks.
	Account, WorkloadIdentityMember     pulumi.StringOutput
	AnnotateKSA                         bool
	CronJobName, Schedule, TimeZone     string
	ConcurrencyPolicy                   string
	StartingDeadlineSeconds             int
	BackoffLimit, ActiveDeadlineSeconds int
	Image                               string
	// ToolImage runs the wait and verification containers.
	ToolImage string
	Command   pulumi.StringArrayInput
	Verify    bool
	// Grants are the grants that the verification proves, one a line, as
	// prove-grants.sh reads them (empty: none); it gives them
	// GrantPropagationSeconds to take effect.
	Grants                  string
	GrantPropagationSeconds int
	// Placement is where the pods run, and Requests what each of their
	// containers requests.
	Placement   Placement
	Requests    Requests
	DenyIngress bool
	// RestrictEgress is the component's option, and APIsCIDR where Google's
	// APIs answer with it.
	RestrictEgress, APIsCIDR string
	// IdentityReady must exist before the first job runs, or the job meets
	// a missing binding or role and gets HTTP 403; ImagePullable, or its
	// image cannot be pulled.
	IdentityReady, ImagePullable []pulumi.Resource
	// NodesReady must exist before the verification Job, which needs a node.
	NodesReady []pulumi.Resource
}

// Workload is what the workload made.
type Workload struct {
	Namespace, KubernetesServiceAccount, CronJobName pulumi.StringOutput
}

// New makes sure of the namespace and of the KSA (created, or
// annotated where it exists), then creates the CronJob that runs as that KSA
// and, when asked, a Job that proves the identity works, all through the
// cluster's provider.
// opts are the component's, for a child that calls no Google API.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Workload, error) {
	opts = append(slices.Clone(opts), pulumi.Provider(args.Provider))
	pods := podsOf(args)
	// The CronJob's name is a valid label value; the component's name need not be.
	labels := pulumi.StringMap{
		"app.kubernetes.io/managed-by": pulumi.String("gkewi"),
		"app.kubernetes.io/instance":   pulumi.String(args.CronJobName),
	}
	namespace, err := ensureNamespace(ctx, name, args, labels, opts...)
	if err != nil {
		return nil, err
	}
	ksaName, ksaReady, err := ensureKSA(ctx, name, args, namespace, labels, opts...)
	if err != nil {
		return nil, err
	}
	args.IdentityReady = append(slices.Clone(args.IdentityReady), ksaReady...)
	policies, err := newNetworkPolicies(ctx, name, args, namespace, labels, opts...)
	if err != nil {
		return nil, err
	}
	// A pod that starts before its egress policy may reach what it must
	// not; the verification then proves that the policy lets it work.
	args.IdentityReady = append(args.IdentityReady, policies...)
	job, err := batchv1.NewCronJob(ctx, name+"-cronjob", &batchv1.CronJobArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.CronJobName), Namespace: namespace, Labels: labels},
		Spec: &batchv1.CronJobSpecArgs{
			Schedule:                   pulumi.String(args.Schedule),
			TimeZone:                   optionalString(args.TimeZone),
			ConcurrencyPolicy:          pulumi.String(args.ConcurrencyPolicy),
			StartingDeadlineSeconds:    pulumi.Int(args.StartingDeadlineSeconds),
			SuccessfulJobsHistoryLimit: pulumi.Int(1),
			FailedJobsHistoryLimit:     pulumi.Int(1),
			JobTemplate: &batchv1.JobTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: labels},
				Spec: jobSpec(args.BackoffLimit, args.ActiveDeadlineSeconds, labels, nil,
					pods.spec(ksaName, pods.container(JobContainerName, args.Image, args.Command, nil),
						pods.waitForIdentity(args.ToolImage))),
			},
		},
	}, slices.Concat(opts, []pulumi.ResourceOption{pulumi.DependsOn(slices.Concat(args.IdentityReady, args.ImagePullable))})...)
	if err != nil {
		return nil, fmt.Errorf("creating CronJob: %w", err)
	}
	if args.Verify {
		if err := newVerification(ctx, name, args, namespace, ksaName, labels, opts...); err != nil {
			return nil, err
		}
	}
	return &Workload{
		Namespace:                namespace,
		KubernetesServiceAccount: ksaName,
		CronJobName:              job.Metadata.Name().Elem(),
	}, nil
}

// ensureNamespace creates the namespace, enforcing the restricted Pod
// Security Standard, or names the existing one.
func ensureNamespace(ctx *pulumi.Context, name string, args Args, labels pulumi.StringMap,
	opts ...pulumi.ResourceOption,
) (pulumi.StringOutput, error) {
	if !args.CreateNamespace {
		return pulumi.String(args.Namespace).ToStringOutput(), nil
	}
	ns, err := corev1.NewNamespace(ctx, name+"-namespace", &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.Namespace), Labels: namespaceLabels(labels)},
	}, opts...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating namespace: %w", err)
	}
	return ns.Metadata.Name().Elem(), nil
}

// ensureKSA creates the KSA, or annotates an existing one with a patch that
// owns nothing but the annotation (a destroy removes just that). It returns
// the KSA's name and what must exist before a pod runs as it.
func ensureKSA(ctx *pulumi.Context, name string, args Args, namespace pulumi.StringOutput,
	labels pulumi.StringMap, opts ...pulumi.ResourceOption,
) (pulumi.StringOutput, []pulumi.Resource, error) {
	var annotations pulumi.StringMap
	if args.AnnotateKSA {
		annotations = pulumi.StringMap{GSAAnnotation: args.GSAEmail}
	}
	if args.CreateKSA {
		ksa, err := corev1.NewServiceAccount(ctx, name+"-ksa", &corev1.ServiceAccountArgs{
			Metadata: &metav1.ObjectMetaArgs{
				Name:        pulumi.String(args.KubernetesServiceAccount),
				Namespace:   namespace,
				Labels:      labels,
				Annotations: annotations,
			},
			// Workload Identity needs no Kubernetes API token in the pod.
			AutomountServiceAccountToken: pulumi.Bool(false),
		}, opts...)
		if err != nil {
			return pulumi.StringOutput{}, nil, fmt.Errorf("creating Kubernetes service account: %w", err)
		}
		return ksa.Metadata.Name().Elem(), []pulumi.Resource{ksa}, nil
	}
	if !args.AnnotateKSA {
		return pulumi.String(args.KubernetesServiceAccount).ToStringOutput(), nil, nil
	}
	patch, err := corev1.NewServiceAccountPatch(ctx, name+"-ksa-annotation", &corev1.ServiceAccountPatchArgs{
		Metadata: &metav1.ObjectMetaPatchArgs{
			Name:        pulumi.String(args.KubernetesServiceAccount),
			Namespace:   namespace,
			Annotations: annotations,
		},
	}, opts...)
	if err != nil {
		return pulumi.StringOutput{}, nil, fmt.Errorf("annotating the existing Kubernetes service account: %w", err)
	}
	return pulumi.String(args.KubernetesServiceAccount).ToStringOutput(), []pulumi.Resource{patch}, nil
}

// Limits of the verification Job: a few tries spread over some minutes, so
// that a token that is slow to come after a first deployment does not fail
// it, and a Pulumi timeout that leaves room for all of them and the first
// image pull. Waiting for grants to take effect adds to both.
const (
	verifyBackoffLimit          = 4
	verifyActiveDeadlineSeconds = 600
	verifyAwaitSeconds          = 1200
)

// verificationCommand waits for the pod's identity as every job pod does,
// then checks it and, when there are grants, proves them, in one container
// rather than after an init container: pulumi-kubernetes reports a failed
// Job with its pods' container statuses, each failed container's
// termination message included, and never an init container's
// (cloud-ready-checks v1.3.0, which pulumi-kubernetes v4.25.0 awaits pods
// with: pkg/kubernetes/pod/check.go, collectContainerStatusErrors reads only
// ContainerStatuses). So only here does the wait's hint reach the error
// that `pulumi up` prints. Each script runs as a shell of its own, named as
// the init container is. Without grants, the command is the one that gkewi
// had before it had grants, so that an upgrade does not replace the Job.
//
// With grants, a pod that retried would wait out the grants' window again,
// and a pod failure policy cannot end the Job sooner in a way that `pulumi
// up` sees: pulumi-kubernetes fails a Job only on the reasons
// BackoffLimitExceeded and DeadlineExceeded (cloud-ready-checks v1.3.0,
// pkg/kubernetes/job/check.go, collectJobConditionErrors), and waits out its
// timeout on a FailJob's PodFailurePolicy. So that Job has no retries
// (verifyGrantsBackoffLimit), and its one pod retries the wait for its
// identity as often as the Job without grants retries pods, 30 seconds
// apart.
func verificationCommand(grants bool) pulumi.StringArray {
	if !grants {
		return pulumi.ToStringArray([]string{
			"/bin/sh", "-c", `sh -c "$1" wait-for-identity && exec sh -c "$2" verify`, "verify", scripts.WaitForIdentity, scripts.Verify,
		})
	}
	waits := fmt.Sprintf(`i=1; until sh -c "$1" wait-for-identity; do [ "$i" -gt %d ] && exit 1; i=$((i + 1)); sleep 30; done; `, verifyBackoffLimit)
	return pulumi.ToStringArray([]string{
		"/bin/sh", "-c", waits + `sh -c "$2" verify && exec sh -c "$3" prove-grants`, "verify",
		scripts.WaitForIdentity, scripts.Verify, scripts.ProveGrants,
	})
}

// The verification with grants retries inside its one pod
// (verificationCommand): no retries of the Job, and more time for the
// gcloud calls of the pod's waits, which the Job's retries would spread
// over pods.
const (
	verifyGrantsBackoffLimit = 0
	verifyGrantsExtraSeconds = 300
)

// newVerification creates a Job that runs as the KSA and fails unless the
// pod acts as its account and can fetch a token; `pulumi up` waits for it.
// On Autopilot it runs on demand rather than on Spot capacity, which
// Autopilot provisions only as it can. Its pod
// template carries the identity wiring, so any change to that wiring replaces
// the Job and runs the check again.
func newVerification(ctx *pulumi.Context, name string, args Args, namespace, ksa pulumi.StringOutput,
	labels pulumi.StringMap, opts ...pulumi.ResourceOption,
) error {
	pods := podsOf(args)
	env := corev1.EnvVarArray{corev1.EnvVarArgs{Name: pulumi.String("EXPECTED_ACCOUNT"), Value: args.Account}}
	backoffLimit, window := verifyBackoffLimit, 0
	if args.Grants != "" {
		env = append(env,
			corev1.EnvVarArgs{Name: pulumi.String("GRANTS"), Value: pulumi.String(args.Grants)},
			corev1.EnvVarArgs{Name: pulumi.String("GRANT_PROPAGATION_SECONDS"), Value: pulumi.String(strconv.Itoa(args.GrantPropagationSeconds))})
		backoffLimit, window = verifyGrantsBackoffLimit, args.GrantPropagationSeconds+verifyGrantsExtraSeconds
	}
	// The NetworkPolicies are part of the wiring too: turning them on must
	// prove again that the pod still reaches its token.
	wiring := pulumi.StringMap{
		"gkewi/workload-identity-member": args.WorkloadIdentityMember,
		"gkewi/network-policies":         pulumi.Sprintf("deny-ingress=%t restrict-egress=%s", args.DenyIngress, cmp.Or(args.RestrictEgress, "none")),
	}
	_, err := batchv1.NewJob(ctx, name+"-verify", &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Namespace: namespace,
			Labels:    labels,
			// A failed check is replaced and run again on the next `pulumi up`,
			// rather than awaited forever.
			Annotations: pulumi.StringMap{"pulumi.com/replaceUnready": pulumi.String("true")},
		},
		Spec: jobSpec(backoffLimit, verifyActiveDeadlineSeconds+window, labels, wiring,
			pods.onDemand().spec(ksa, pods.container("verify", args.ToolImage, verificationCommand(args.Grants != ""), env))),
	}, slices.Concat(opts, []pulumi.ResourceOption{
		pulumi.DependsOn(slices.Concat(args.IdentityReady, args.NodesReady)),
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: seconds(verifyAwaitSeconds + window), Update: seconds(verifyAwaitSeconds + window)}),
	})...)
	if err != nil {
		return fmt.Errorf("creating verification Job: %w", err)
	}
	return nil
}

// namespaceLabels enforces, audits and warns about the restricted Pod
// Security Standard.
func namespaceLabels(labels pulumi.StringMap) pulumi.StringMap {
	out := pulumi.StringMap{}
	for k, v := range labels {
		out[k] = v
	}
	for _, mode := range []string{"enforce", "audit", "warn"} {
		out["pod-security.kubernetes.io/"+mode] = pulumi.String(PodSecurityLevel)
		out["pod-security.kubernetes.io/"+mode+"-version"] = pulumi.String("latest")
	}
	return out
}

// seconds is a Pulumi custom timeout.
func seconds(n int) string {
	return strconv.Itoa(n) + "s"
}

// jobSpec retries real failures up to backoffLimit times, but does not count
// pods that were disrupted, such as those on a reclaimed preemptible node.
func jobSpec(backoffLimit, activeDeadlineSeconds int, labels, annotations pulumi.StringMap,
	pod *corev1.PodSpecArgs,
) *batchv1.JobSpecArgs {
	return &batchv1.JobSpecArgs{
		BackoffLimit:          pulumi.Int(backoffLimit),
		ActiveDeadlineSeconds: pulumi.Int(activeDeadlineSeconds),
		PodFailurePolicy: &batchv1.PodFailurePolicyArgs{
			Rules: batchv1.PodFailurePolicyRuleArray{batchv1.PodFailurePolicyRuleArgs{
				Action: pulumi.String("Ignore"),
				OnPodConditions: batchv1.PodFailurePolicyOnPodConditionsPatternArray{
					batchv1.PodFailurePolicyOnPodConditionsPatternArgs{
						Type:   pulumi.String("DisruptionTarget"),
						Status: pulumi.String("True"),
					},
				},
			}},
		},
		Template: &corev1.PodTemplateSpecArgs{
			Metadata: &metav1.ObjectMetaArgs{Labels: labels, Annotations: annotations},
			Spec:     pod,
		},
	}
}

// Paths of the one writable directory: the root filesystem is read-only.
const (
	scratchVolume = "scratch"
	scratchPath   = "/tmp"
	nonRootUID    = 65532
)

// podShape is what every pod of the job is made of: where it runs, and what
// each of its containers requests.
type podShape struct {
	Placement
	resources *corev1.ResourceRequirementsArgs
}

// waitForIdentity is the init container that waits for the pod's token.
func (s podShape) waitForIdentity(toolImage string) corev1.ContainerArgs {
	return s.container("wait-for-identity", toolImage, pulumi.ToStringArray([]string{"/bin/sh", "-c", scripts.WaitForIdentity}), nil)
}

// spec runs container as the KSA, where the placement says, under the
// restricted Pod Security Standard, after the init containers.
func (s podShape) spec(ksa pulumi.StringOutput, container corev1.ContainerArgs, init ...corev1.ContainerArgs) *corev1.PodSpecArgs {
	var initContainers corev1.ContainerArray
	for _, c := range init {
		initContainers = append(initContainers, c)
	}
	return &corev1.PodSpecArgs{
		ServiceAccountName:           ksa,
		AutomountServiceAccountToken: pulumi.Bool(false),
		RestartPolicy:                pulumi.String("Never"),
		NodeSelector:                 s.nodeSelector(),
		Tolerations:                  s.tolerations(),
		SecurityContext: &corev1.PodSecurityContextArgs{
			RunAsNonRoot:   pulumi.Bool(true),
			RunAsUser:      pulumi.Int(nonRootUID),
			RunAsGroup:     pulumi.Int(nonRootUID),
			FsGroup:        pulumi.Int(nonRootUID),
			SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
		},
		InitContainers: initContainers,
		Containers:     corev1.ContainerArray{container},
		Volumes: corev1.VolumeArray{corev1.VolumeArgs{
			Name:     pulumi.String(scratchVolume),
			EmptyDir: &corev1.EmptyDirVolumeSourceArgs{},
		}},
	}
}

// container is a container that meets the restricted standard, keeps
// gcloud's configuration in the scratch volume and reports its last log
// lines as its termination message.
func (s podShape) container(name, image string, command pulumi.StringArrayInput, env corev1.EnvVarArray) corev1.ContainerArgs {
	return corev1.ContainerArgs{
		Name:            pulumi.String(name),
		Image:           pulumi.String(image),
		ImagePullPolicy: pulumi.String("IfNotPresent"),
		Command:         command,
		Env: append(corev1.EnvVarArray{
			corev1.EnvVarArgs{Name: pulumi.String("HOME"), Value: pulumi.String(scratchPath)},
			corev1.EnvVarArgs{Name: pulumi.String("CLOUDSDK_CONFIG"), Value: pulumi.String(scratchPath + "/gcloud")},
		}, env...),
		VolumeMounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
			Name:      pulumi.String(scratchVolume),
			MountPath: pulumi.String(scratchPath),
		}},
		SecurityContext: &corev1.SecurityContextArgs{
			AllowPrivilegeEscalation: pulumi.Bool(false),
			ReadOnlyRootFilesystem:   pulumi.Bool(true),
			RunAsNonRoot:             pulumi.Bool(true),
			Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.ToStringArray([]string{"ALL"})},
		},
		Resources:                s.resources,
		TerminationMessagePolicy: pulumi.String("FallbackToLogsOnError"),
	}
}

// optionalString leaves an unset value out of the object, rather than sending "".
func optionalString(value string) pulumi.StringPtrInput {
	if value == "" {
		return nil
	}
	return pulumi.String(value)
}
