// Command floor is the bare program that `make bench` weighs gkewi's build
// against: it imports the SDK packages that gkewi's program imports and
// registers one resource of each kind that gkewi registers, the same way, and
// nothing else.
package main

import (
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/dns"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/kms"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		return firstOf(
			func() error {
				_, err := organizations.LookupProject(ctx, &organizations.LookupProjectArgs{})
				return err
			},
			func() error { _, err := projects.NewService(ctx, "api", &projects.ServiceArgs{}); return err },
			func() error { _, err := projects.NewIAMMember(ctx, "role", &projects.IAMMemberArgs{}); return err },
			func() error {
				_, err := projects.NewServiceIdentity(ctx, "agent", &projects.ServiceIdentityArgs{})
				return err
			},
			func() error {
				_, err := serviceaccount.NewAccount(ctx, "gsa", &serviceaccount.AccountArgs{})
				return err
			},
			func() error {
				_, err := serviceaccount.NewIAMMember(ctx, "binding", &serviceaccount.IAMMemberArgs{})
				return err
			},
			// gkewi registers the VPC's resources and the grants' IAM members
			// by their tokens, and calls the grants' lookups so, without the
			// SDK's compute, storage, secretmanager, pubsub and bigquery
			// packages (components/internal/gcp).
			func() error { return registerByToken(ctx, "gcp:compute/network:Network", "network") },
			func() error { return registerByToken(ctx, "gcp:compute/subnetwork:Subnetwork", "subnetwork") },
			func() error { return registerByToken(ctx, "gcp:compute/router:Router", "router") },
			func() error { return registerByToken(ctx, "gcp:compute/routerNat:RouterNat", "nat") },
			func() error {
				return registerByToken(ctx, "gcp:compute/networkPeeringRoutesConfig:NetworkPeeringRoutesConfig", "routes")
			},
			func() error { return registerByToken(ctx, "gcp:storage/bucketIAMMember:BucketIAMMember", "bucket") },
			func() error {
				return registerByToken(ctx, "gcp:secretmanager/secretIamMember:SecretIamMember", "secret")
			},
			func() error { return registerByToken(ctx, "gcp:pubsub/topicIAMMember:TopicIAMMember", "topic") },
			func() error {
				return registerByToken(ctx, "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember", "subscription")
			},
			func() error { return registerByToken(ctx, "gcp:bigquery/datasetAccess:DatasetAccess", "dataset") },
			func() error { return callByToken(ctx, "gcp:compute/getNetwork:getNetwork") },
			func() error { return callByToken(ctx, "gcp:compute/getSubnetwork:getSubnetwork") },
			func() error { return callByToken(ctx, "gcp:storage/getBucket:getBucket") },
			func() error { return callByToken(ctx, "gcp:secretmanager/getSecret:getSecret") },
			func() error { return callByToken(ctx, "gcp:pubsub/getTopic:getTopic") },
			func() error { return callByToken(ctx, "gcp:pubsub/getSubscription:getSubscription") },
			func() error { return callByToken(ctx, "gcp:bigquery/getDataset:getDataset") },
			func() error { _, err := container.NewCluster(ctx, "cluster", &container.ClusterArgs{}); return err },
			func() error { _, err := container.NewNodePool(ctx, "pool", &container.NodePoolArgs{}); return err },
			func() error { _, err := dns.NewManagedZone(ctx, "zone", &dns.ManagedZoneArgs{}); return err },
			func() error { _, err := dns.NewRecordSet(ctx, "record", &dns.RecordSetArgs{}); return err },
			func() error {
				_, err := kms.NewCryptoKeyIAMMember(ctx, "key", &kms.CryptoKeyIAMMemberArgs{})
				return err
			},
			func() error { _, err := random.NewRandomId(ctx, "suffix", &random.RandomIdArgs{}); return err },
			func() error { _, err := kubernetes.NewProvider(ctx, "k8s", &kubernetes.ProviderArgs{}); return err },
			func() error { _, err := corev1.NewNamespace(ctx, "namespace", &corev1.NamespaceArgs{}); return err },
			func() error { _, err := corev1.NewServiceAccount(ctx, "ksa", &corev1.ServiceAccountArgs{}); return err },
			func() error {
				_, err := corev1.NewServiceAccountPatch(ctx, "patch", &corev1.ServiceAccountPatchArgs{
					Metadata: &metav1.ObjectMetaPatchArgs{},
				})
				return err
			},
			func() error {
				_, err := networkingv1.NewNetworkPolicy(ctx, "policy", &networkingv1.NetworkPolicyArgs{})
				return err
			},
			func() error { _, err := batchv1.NewJob(ctx, "job", &batchv1.JobArgs{}); return err },
			func() error { _, err := batchv1.NewCronJob(ctx, "cronjob", &batchv1.CronJobArgs{}); return err },
		)
	})
}

type byToken struct{ pulumi.CustomResourceState }

func registerByToken(ctx *pulumi.Context, token, name string) error {
	var res byToken
	return ctx.RegisterResource(token, name, pulumi.Map{}, &res, pulumi.Version("7.38.0"))
}

func callByToken(ctx *pulumi.Context, token string) error {
	var result struct {
		Name string `pulumi:"name"`
	}
	return ctx.Invoke(token, map[string]string{}, &result, pulumi.Version("7.38.0"))
}

// firstOf runs each step until one fails.
func firstOf(steps ...func() error) error {
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}
