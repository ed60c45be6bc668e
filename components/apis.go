package components

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// requiredAPIs are the Google APIs the component uses. iamcredentials is the
// one the GKE metadata server calls to mint the pod's tokens: without it, pods
// get HTTP 403 from the metadata server.
var requiredAPIs = []string{
	"cloudresourcemanager.googleapis.com",
	"compute.googleapis.com",
	"container.googleapis.com",
	"iam.googleapis.com",
	"iamcredentials.googleapis.com",
}

// enableAPIs turns on every required API. A destroy leaves them on, because
// other workloads in the project may rely on them.
func enableAPIs(ctx *pulumi.Context, name, project string, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	apis := make([]pulumi.Resource, 0, len(requiredAPIs))
	for _, api := range requiredAPIs {
		svc, err := projects.NewService(ctx, name+"-"+api, &projects.ServiceArgs{
			Project:                  pulumi.String(project),
			Service:                  pulumi.String(api),
			DisableOnDestroy:         pulumi.Bool(false),
			DisableDependentServices: pulumi.Bool(false),
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("enabling %s: %w", api, err)
		}
		apis = append(apis, svc)
	}
	return apis, nil
}
