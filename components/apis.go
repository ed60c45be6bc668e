package components

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type apisArgs struct {
	// MainProject's APIs get the short names.
	MainProject string
	ByProject   map[string][]string
}

// requiredAPIs are the Google APIs the component uses, by project.
// iamcredentials is the one the GKE metadata server calls to mint the pod's
// tokens: without it, pods get HTTP 403 from the metadata server.
func (args WorkloadIdentityCronJobArgs) requiredAPIs() apisArgs {
	apis := map[string][]string{
		args.Project: {"cloudresourcemanager.googleapis.com", "iam.googleapis.com", "iamcredentials.googleapis.com"},
	}
	if !args.existingCluster() {
		apis[args.Project] = append(apis[args.Project], "compute.googleapis.com", "container.googleapis.com")
	}
	if args.BinaryAuthorization {
		apis[args.Project] = append(apis[args.Project], "binaryauthorization.googleapis.com")
	}
	if args.RestrictEgress != "" {
		apis[args.Project] = append(apis[args.Project], "dns.googleapis.com")
	}
	if args.IdentityMode == Impersonation && args.ServiceAccountEmail == "" && args.ServiceAccountProject != args.Project {
		apis[args.ServiceAccountProject] = []string{"iam.googleapis.com", "iamcredentials.googleapis.com"}
	}
	for _, list := range apis {
		slices.Sort(list)
	}
	return apisArgs{MainProject: args.Project, ByProject: apis}
}

// enableAPIs turns on every API in args, by project. A destroy leaves them
// on, because other workloads in the project may rely on them. The APIs of
// the main project are named <name>-<api>, those of other projects
// <name>-<project>-<api>.
func enableAPIs(ctx *pulumi.Context, name string, args apisArgs, opts partOptions) ([]pulumi.Resource, error) {
	var services []pulumi.Resource
	for _, project := range slices.Sorted(maps.Keys(args.ByProject)) {
		prefix := projectPrefix(name, project, args.MainProject)
		for _, api := range args.ByProject[project] {
			svc, err := projects.NewService(ctx, prefix+api, &projects.ServiceArgs{
				Project:                  pulumi.String(project),
				Service:                  pulumi.String(api),
				DisableOnDestroy:         pulumi.Bool(false),
				DisableDependentServices: pulumi.Bool(false),
			}, opts.local()...)
			if err != nil {
				return nil, fmt.Errorf("enabling %s in %s: %w", api, project, err)
			}
			services = append(services, svc)
		}
	}
	return services, nil
}
