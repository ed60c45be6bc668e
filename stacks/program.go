package stacks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
)

// Program is the gkewi program: it loads and validates the stack
// configuration, creates one WorkloadIdentityCronJob named after the project,
// and exports the component's outputs as the stack's outputs.
func Program(ctx *pulumi.Context) error {
	name := ctx.Project()
	config, err := StackConfig()
	if err != nil {
		return err
	}
	args, err := Parse(config, name)
	if err != nil {
		return err
	}
	job, err := components.NewWorkloadIdentityCronJob(ctx, name, args)
	if err != nil {
		return err
	}
	for key, value := range job.Outputs() {
		ctx.Export(key, value)
	}
	return nil
}
