package components

import (
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

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

// projectPrefix starts the names of a project's resources: <name>- for the
// main project, whose names stay short and stable, <name>-<project>- for others.
func projectPrefix(name, project, mainProject string) string {
	if project == mainProject {
		return name + "-"
	}
	return name + "-" + project + "-"
}
