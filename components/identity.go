package components

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// WorkloadIdentityUserRole lets a KSA act as the GSA it is bound to.
const WorkloadIdentityUserRole = "roles/iam.workloadIdentityUser"

type identityArgs struct {
	Mode string
	// ServiceAccountProject holds the GSA, when one is created.
	ServiceAccountProject string
	// ServiceAccountID names the GSA to create; when empty, one is derived
	// from the component name. ServiceAccountEmail names an existing GSA,
	// whose resource name the preflight found: ServiceAccountName.
	ServiceAccountID, ServiceAccountEmail, ServiceAccountName string
	RolesByProject                                            map[string][]string
	// Grants are on single resources, by default in Project.
	Grants  []Grant
	Project string
	// PoolProject owns WorkloadPool, which comes from the cluster, so the
	// binding cannot be created before the pool exists ("Identity Pool does
	// not exist").
	PoolProject                         string
	WorkloadPool                        pulumi.StringOutput
	Namespace, KubernetesServiceAccount string
}

// rolesByProject are all the role grants, by the project they are made on.
func (args WorkloadIdentityCronJobArgs) rolesByProject() map[string][]string {
	grants := map[string][]string{}
	for project, roles := range args.AdditionalProjectRoles {
		grants[project] = roles
	}
	if len(args.Roles) > 0 {
		grants[args.ServiceAccountProject] = args.Roles
	}
	return grants
}

// identityArgs is what this part takes from the component's arguments.
func (args WorkloadIdentityCronJobArgs) identityArgs(cl *cluster, gsaName string) identityArgs {
	return identityArgs{
		Mode:                     args.IdentityMode,
		ServiceAccountProject:    args.ServiceAccountProject,
		ServiceAccountID:         args.ServiceAccountID,
		ServiceAccountEmail:      args.ServiceAccountEmail,
		ServiceAccountName:       gsaName,
		RolesByProject:           args.rolesByProject(),
		Grants:                   args.Grants,
		Project:                  args.Project,
		PoolProject:              args.ClusterProject,
		WorkloadPool:             cl.WorkloadPool,
		Namespace:                args.Namespace,
		KubernetesServiceAccount: args.KubernetesServiceAccount,
	}
}

type identity struct {
	// GSAEmail is empty in direct mode.
	GSAEmail pulumi.StringOutput
	// Account is what the pod acts as: the GSA, or in direct mode the pool.
	Account pulumi.StringOutput
	// WorkloadIdentityMember is the KSA's member in IAM.
	WorkloadIdentityMember pulumi.StringOutput
	// Grants are the role grants and the Workload Identity binding: everything
	// that must exist before a pod can use its identity.
	Grants []pulumi.Resource
}

// newIdentity gives the KSA its Google identity.
func newIdentity(ctx *pulumi.Context, name string, args identityArgs, parts partOptions) (*identity, error) {
	if args.Mode == Direct {
		return newDirectIdentity(ctx, name, args, parts)
	}
	return newImpersonatedIdentity(ctx, name, args, parts)
}

// lookupProjectNumber looks the project's number up, which IAM principals and
// Google's service agents are named by.
func lookupProjectNumber(ctx *pulumi.Context, project string, parts partOptions) pulumi.StringOutput {
	return organizations.LookupProjectOutput(ctx, organizations.LookupProjectOutputArgs{
		ProjectId: pulumi.String(project),
	}, parts.invoke()...).Number()
}

// newDirectIdentity grants the roles to the KSA's own principal: no GSA, no
// key, no impersonation. The principal names the pool's project by number.
func newDirectIdentity(ctx *pulumi.Context, name string, args identityArgs, parts partOptions) (*identity, error) {
	member := pulumi.Sprintf("principal://iam.googleapis.com/projects/%s/locations/global/workloadIdentityPools/%s/subject/ns/%s/sa/%s",
		lookupProjectNumber(ctx, args.PoolProject, parts), args.WorkloadPool, args.Namespace, args.KubernetesServiceAccount)
	grants, err := grantAll(ctx, name, args, grantee{member: member, direct: true}, parts.google()...)
	if err != nil {
		return nil, err
	}
	return &identity{
		GSAEmail:               pulumi.String("").ToStringOutput(),
		Account:                args.WorkloadPool,
		WorkloadIdentityMember: member,
		Grants:                 grants,
	}, nil
}

// newImpersonatedIdentity creates the GSA (or takes an existing one), grants
// it its roles, and lets the KSA act as it.
func newImpersonatedIdentity(ctx *pulumi.Context, name string, args identityArgs,
	parts partOptions,
) (*identity, error) {
	gcp := parts.google()
	email, resourceName, err := serviceAccount(ctx, name, args, parts)
	if err != nil {
		return nil, err
	}
	grants, err := grantAll(ctx, name, args, grantee{member: pulumi.Sprintf("serviceAccount:%s", email), email: email}, gcp...)
	if err != nil {
		return nil, err
	}
	member := pulumi.Sprintf("serviceAccount:%s[%s/%s]", args.WorkloadPool, args.Namespace, args.KubernetesServiceAccount)
	binding, err := serviceaccount.NewIAMMember(ctx, name+"-workload-identity", &serviceaccount.IAMMemberArgs{
		ServiceAccountId: resourceName,
		Role:             pulumi.String(WorkloadIdentityUserRole),
		Member:           member,
	}, gcp...)
	if err != nil {
		return nil, fmt.Errorf("binding the KSA to the service account: %w", err)
	}
	return &identity{
		GSAEmail:               email,
		Account:                email,
		WorkloadIdentityMember: member,
		Grants:                 append(grants, binding),
	}, nil
}

// serviceAccount is the GSA's email and resource name: an existing GSA's,
// or those of one it creates.
func serviceAccount(ctx *pulumi.Context, name string, args identityArgs, parts partOptions,
) (email, resourceName pulumi.StringOutput, err error) {
	if args.ServiceAccountEmail != "" {
		return pulumi.String(args.ServiceAccountEmail).ToStringOutput(), pulumi.String(args.ServiceAccountName).ToStringOutput(), nil
	}
	accountID, err := gsaAccountID(ctx, name, args, parts.local()...)
	if err != nil {
		return email, resourceName, err
	}
	gsa, err := serviceaccount.NewAccount(ctx, name+"-gsa", &serviceaccount.AccountArgs{
		Project:     pulumi.String(args.ServiceAccountProject),
		AccountId:   accountID,
		DisplayName: pulumi.String(truncate(fmt.Sprintf("gkewi %s/%s", args.Namespace, args.KubernetesServiceAccount), maxDisplayNameLength)),
		Description: pulumi.String(fmt.Sprintf("Used by the CronJob of %s/%s through Workload Identity; managed by gkewi.",
			args.Namespace, args.KubernetesServiceAccount)),
	}, parts.google()...)
	if err != nil {
		return email, resourceName, fmt.Errorf("creating service account: %w", err)
	}
	return gsa.Email, gsa.Name, nil
}

// emailProject is the project of a user-managed service account's email,
// NAME@PROJECT.iam.gserviceaccount.com, or "" where the email does not tell
// (a Google-managed account, or a domain-scoped project).
func emailProject(email string) string {
	_, domain, _ := strings.Cut(email, "@")
	project, ok := strings.CutSuffix(domain, ".iam.gserviceaccount.com")
	if !ok || strings.Contains(project, ".") {
		return ""
	}
	return project
}

// gsaAccountID is the configured id, or one derived from the component name.
func gsaAccountID(ctx *pulumi.Context, name string, args identityArgs, opts ...pulumi.ResourceOption,
) (pulumi.StringInput, error) {
	if args.ServiceAccountID != "" {
		return pulumi.String(args.ServiceAccountID), nil
	}
	suffix, err := randomSuffix(ctx, name+"-gsa-suffix", nil, opts...)
	if err != nil {
		return nil, err
	}
	return derivedAccountID(name, "", suffix), nil
}

// grantAll grants the roles on their projects and the grants on their
// resources.
func grantAll(ctx *pulumi.Context, name string, args identityArgs, who grantee, opts ...pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	roles, err := grantRoles(ctx, name, args.RolesByProject, args.ServiceAccountProject, who.member, opts...)
	if err != nil {
		return nil, err
	}
	grants, err := newGrants(ctx, name, args.Grants, args.Project, who, opts...)
	if err != nil {
		return nil, err
	}
	return append(roles, grants...), nil
}

// grantRoles grants each role on its project to member, as additive members
// that never remove anyone else's grants. Grants on mainProject are named
// <name>-<role>, others <name>-<project>-<role>.
func grantRoles(ctx *pulumi.Context, name string, rolesByProject map[string][]string, mainProject string,
	member pulumi.StringOutput, opts ...pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	var grants []pulumi.Resource
	for _, project := range slices.Sorted(maps.Keys(rolesByProject)) {
		prefix := projectPrefix(name, project, mainProject)
		for _, role := range rolesByProject[project] {
			grant, err := projects.NewIAMMember(ctx, prefix+strings.ReplaceAll(role, "/", "-"), &projects.IAMMemberArgs{
				Project: pulumi.String(project),
				Role:    pulumi.String(role),
				Member:  member,
			}, opts...)
			if err != nil {
				return nil, fmt.Errorf("granting %s on %s: %w", role, project, err)
			}
			grants = append(grants, grant)
		}
	}
	return grants, nil
}
