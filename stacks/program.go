package stacks

import (
	"errors"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
)

// Program is the gkewi program: it deploys the stack and exports the
// component's outputs as the stack's outputs.
func Program(ctx *pulumi.Context) error {
	outputs, err := Deploy(ctx)
	if err != nil {
		return err
	}
	for key, value := range outputs {
		ctx.Export(key, value)
	}
	return nil
}

// Deploy loads and validates the stack configuration, creates one
// WorkloadIdentityCronJob named after the project, and returns the outputs
// that Program exports.
func Deploy(ctx *pulumi.Context) (pulumi.Map, error) {
	config, err := StackConfig(ctx)
	if err != nil {
		return nil, err
	}
	return DeployConfig(ctx, config)
}

// DeployConfig is Deploy with the stack configuration given, as the tests
// give it.
func DeployConfig(ctx *pulumi.Context, config map[string]string) (pulumi.Map, error) {
	name := ctx.Project()
	args, err := Parse(config, name)
	if err != nil {
		return nil, err
	}
	job, err := components.NewWorkloadIdentityCronJob(ctx, name, args)
	var invalid *components.ValidationError
	if errors.As(err, &invalid) {
		// What the preflight found wrong, by configuration key.
		return nil, configError(invalid.Problems)
	}
	if err != nil {
		return nil, err
	}
	return job.Outputs(), nil
}
