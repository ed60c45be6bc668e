// Command goconsumer is a Go program that uses the gkewi package through its
// generated Go SDK, as `pulumi package add` links it into a Go project (a
// replace directive to the SDK's module). TestGoSDKServesAGoProgram vets it
// against the SDK that `make sdk` writes to sdk/go. A Go program can also use
// the component itself (github.com/gkewi/gkewi/components); this one checks
// what the schema gives the other languages.
package main

import (
	"github.com/gkewi/gkewi/sdk/go/gkewi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		gcp := config.New(ctx, "gcp")
		job, err := gkewi.NewWorkloadIdentityCronJob(ctx, "reports", &gkewi.WorkloadIdentityCronJobArgs{
			Project:                  gcp.Require("project"),
			Region:                   pulumi.StringRef(gcp.Require("region")),
			Zone:                     pulumi.StringRef(gcp.Require("zone")),
			ClusterName:              pulumi.StringRef("gkewi-dev"),
			DeletionProtection:       pulumi.BoolRef(false),
			Namespace:                "wi-demo",
			KubernetesServiceAccount: "wi-demo",
			Schedule:                 "*/5 * * * *",
		})
		if err != nil {
			return err
		}
		ctx.Export("gsaEmail", job.GsaEmail)
		ctx.Export("runNowCommand", job.RunNowCommand)
		return nil
	})
}
