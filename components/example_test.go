package components_test

import (
	"fmt"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
)

// A new private cluster, a GSA with one role, and a CronJob whose pods act
// as that GSA.
func ExampleNewWorkloadIdentityCronJob() {
	runWithMocks(func(ctx *pulumi.Context) ([]pulumi.StringOutput, error) {
		job, err := components.NewWorkloadIdentityCronJob(ctx, "reports", &components.WorkloadIdentityCronJobArgs{
			Project:                  "my-project",
			Region:                   "asia-northeast1",
			Zone:                     "asia-northeast1-a",
			Roles:                    []string{"roles/bigquery.jobUser"},
			Network:                  "reports",
			Subnetwork:               "reports-asia-northeast1",
			SubnetCIDR:               "10.0.0.0/24",
			ClusterName:              "reports",
			MasterCIDR:               "172.16.0.0/28",
			AuthorizedNetworks:       pulumi.StringArray{pulumi.String("203.0.113.0/24")},
			Namespace:                "reports",
			KubernetesServiceAccount: "reports",
			Schedule:                 "0 3 * * *",
		})
		if err != nil {
			return nil, err
		}
		return []pulumi.StringOutput{job.WorkloadPool, job.WorkloadIdentityMember}, nil
	})
	// Output:
	// my-project.svc.id.goog
	// serviceAccount:my-project.svc.id.goog[reports/reports]
}

// A cluster that exists already, looked up by name during preview: gkewi
// checks that it has the workload pool, and creates only the identity and
// the workload.
func ExampleNewWorkloadIdentityCronJob_existingCluster() {
	runWithMocks(func(ctx *pulumi.Context) ([]pulumi.StringOutput, error) {
		job, err := components.NewWorkloadIdentityCronJob(ctx, "reports", &components.WorkloadIdentityCronJobArgs{
			Project:                  "my-project",
			ExistingCluster:          &components.ExistingCluster{Name: "shared", Location: "asia-northeast1"},
			Roles:                    []string{"roles/bigquery.jobUser"},
			Namespace:                "reports",
			KubernetesServiceAccount: "reports",
			Schedule:                 "@daily",
		})
		if err != nil {
			return nil, err
		}
		return []pulumi.StringOutput{job.ClusterName, job.WorkloadIdentityMember}, nil
	})
	// Output:
	// shared
	// serviceAccount:my-project.svc.id.goog[reports/reports]
}

// Direct mode: no GSA; the roles go to the KSA's own principal.
func ExampleNewWorkloadIdentityCronJob_direct() {
	runWithMocks(func(ctx *pulumi.Context) ([]pulumi.StringOutput, error) {
		job, err := components.NewWorkloadIdentityCronJob(ctx, "reports", &components.WorkloadIdentityCronJobArgs{
			Project:                  "my-project",
			IdentityMode:             components.Direct,
			ExistingCluster:          &components.ExistingCluster{Name: "shared", Location: "asia-northeast1"},
			Roles:                    []string{"roles/bigquery.jobUser"},
			Namespace:                "reports",
			KubernetesServiceAccount: "reports",
			Schedule:                 "@daily",
		})
		if err != nil {
			return nil, err
		}
		return []pulumi.StringOutput{job.WorkloadIdentityMember}, nil
	})
	// Output:
	// principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/my-project.svc.id.goog/subject/ns/reports/sa/reports
}

// runWithMocks runs program as `pulumi up` would, with Pulumi's mocks in
// place of the engine and the clouds, and prints the outputs it returns,
// one a line, once they are known.
func runWithMocks(program func(ctx *pulumi.Context) ([]pulumi.StringOutput, error)) {
	known := make(chan []any, 1)
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		outputs, err := program(ctx)
		if err != nil {
			return err
		}
		values := make([]any, len(outputs))
		for i, o := range outputs {
			values[i] = o
		}
		pulumi.All(values...).ApplyT(func(v []any) error {
			known <- v
			return nil
		})
		return nil
	}, pulumi.WithMocks("example", "dev", cloud{}))
	if err != nil {
		fmt.Println(err)
		return
	}
	select {
	case values := <-known:
		for _, v := range values {
			fmt.Println(v)
		}
	case <-time.After(10 * time.Second):
		fmt.Println("the outputs never became known")
	}
}

// cloud answers as Google Cloud would: resources get their inputs back, a
// project has a number, and the shared cluster has Workload Identity on.
type cloud struct{}

func (cloud) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	outputs := args.Inputs.Copy()
	if args.TypeToken == "gcp:serviceaccount/account:Account" {
		email := fmt.Sprintf("%s@%s.iam.gserviceaccount.com", args.Inputs["accountId"].StringValue(), args.Inputs["project"].StringValue())
		outputs["email"] = resource.NewProperty(email)
		outputs["name"] = resource.NewProperty("projects/my-project/serviceAccounts/" + email)
	}
	return args.Name + "-id", outputs, nil
}

func (cloud) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	switch args.Token {
	case "gcp:organizations/getProject:getProject":
		return resource.PropertyMap{"projectId": args.Args["projectId"], "number": resource.NewProperty("123456789012")}, nil
	case "gcp:container/getCluster:getCluster":
		one := func(m resource.PropertyMap) resource.PropertyValue {
			return resource.NewProperty([]resource.PropertyValue{resource.NewProperty(m)})
		}
		return resource.PropertyMap{
			"name":                    args.Args["name"],
			"location":                args.Args["location"],
			"endpoint":                resource.NewProperty("203.0.113.10"),
			"masterAuths":             one(resource.PropertyMap{"clusterCaCertificate": resource.NewProperty("Q0E=")}),
			"workloadIdentityConfigs": one(resource.PropertyMap{"workloadPool": resource.NewProperty("my-project.svc.id.goog")}),
			"nodePools": one(resource.PropertyMap{"nodeConfigs": one(resource.PropertyMap{
				"workloadMetadataConfigs": one(resource.PropertyMap{"mode": resource.NewProperty("GKE_METADATA")}),
			})}),
		}, nil
	}
	return nil, fmt.Errorf("unexpected invoke %s", args.Token)
}
