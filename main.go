// Command gkewi is the Pulumi program that gives a GKE CronJob a Google
// identity through Workload Identity; see README.md.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/stacks"
)

func main() {
	pulumi.Run(stacks.Program)
}
