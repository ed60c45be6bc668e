package components

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// requiredAPIs are the Google APIs the component uses, by project.
// iamcredentials is the one the GKE metadata server calls to mint the pod's
// tokens: without it, pods get HTTP 403 from the metadata server.
func (args WorkloadIdentityCronJobArgs) requiredAPIs() map[string][]string {
	apis := map[string][]string{
		args.Project: {"cloudresourcemanager.googleapis.com", "iam.googleapis.com", "iamcredentials.googleapis.com"},
	}
	if !args.existingCluster() {
		apis[args.Project] = append(apis[args.Project], "compute.googleapis.com", "container.googleapis.com")
	}
	if args.IdentityMode == Impersonation && args.ServiceAccountEmail == "" && args.ServiceAccountProject != args.Project {
		apis[args.ServiceAccountProject] = []string{"iam.googleapis.com", "iamcredentials.googleapis.com"}
	}
	for _, list := range apis {
		slices.Sort(list)
	}
	return apis
}

// enableAPIs turns on every API in apis, by project. A destroy leaves them
// on, because other workloads in the project may rely on them. The APIs of
// mainProject are named <name>-<api>, those of other projects
// <name>-<project>-<api>.
func enableAPIs(ctx *pulumi.Context, name, mainProject string, apis map[string][]string,
	opts ...pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	var services []pulumi.Resource
	for _, project := range slices.Sorted(maps.Keys(apis)) {
		prefix := projectPrefix(name, project, mainProject)
		for _, api := range apis[project] {
			svc, err := projects.NewService(ctx, prefix+api, &projects.ServiceArgs{
				Project:                  pulumi.String(project),
				Service:                  pulumi.String(api),
				DisableOnDestroy:         pulumi.Bool(false),
				DisableDependentServices: pulumi.Bool(false),
			}, opts...)
			if err != nil {
				return nil, fmt.Errorf("enabling %s in %s: %w", api, project, err)
			}
			services = append(services, svc)
		}
	}
	return services, nil
}
