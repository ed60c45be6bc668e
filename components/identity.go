package components

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// WorkloadIdentityUserRole lets a KSA act as the GSA it is bound to.
const WorkloadIdentityUserRole = "roles/iam.workloadIdentityUser"

type identityArgs struct {
	Project string
	// ServiceAccountID is the GSA's id; when empty, DerivedIDPrefix plus a
	// random suffix is used.
	ServiceAccountID, DerivedIDPrefix string
	Roles                             []string
	// WorkloadPool comes from the cluster, so the binding cannot be created
	// before the pool exists ("Identity Pool does not exist").
	WorkloadPool                        pulumi.StringOutput
	Namespace, KubernetesServiceAccount string
}

type identity struct {
	GSAEmail               pulumi.StringOutput
	WorkloadIdentityMember pulumi.StringOutput
	// Grants are the role grants and the Workload Identity binding: everything
	// that must exist before a pod can use the GSA.
	Grants []pulumi.Resource
}

// newIdentity creates the GSA, grants it its roles on the project, and lets
// the KSA act as it. local are the options of resources that call no Google
// API; gcp those of the rest.
func newIdentity(ctx *pulumi.Context, name string, args identityArgs, local pulumi.ResourceOption,
	gcp ...pulumi.ResourceOption,
) (*identity, error) {
	accountID, err := gsaAccountID(ctx, name, args, local)
	if err != nil {
		return nil, err
	}
	gsa, err := serviceaccount.NewAccount(ctx, name+"-gsa", &serviceaccount.AccountArgs{
		Project:     pulumi.String(args.Project),
		AccountId:   accountID,
		DisplayName: pulumi.Sprintf("gkewi %s", name),
		Description: pulumi.String(fmt.Sprintf("Used by the CronJob of %s/%s through Workload Identity; managed by gkewi.",
			args.Namespace, args.KubernetesServiceAccount)),
	}, gcp...)
	if err != nil {
		return nil, fmt.Errorf("creating service account: %w", err)
	}
	grants, err := grantProjectRoles(ctx, name, args.Project, args.Roles, gsa.Email, gcp...)
	if err != nil {
		return nil, err
	}
	member := pulumi.Sprintf("serviceAccount:%s[%s/%s]", args.WorkloadPool, args.Namespace, args.KubernetesServiceAccount)
	binding, err := serviceaccount.NewIAMMember(ctx, name+"-workload-identity", &serviceaccount.IAMMemberArgs{
		ServiceAccountId: gsa.Name,
		Role:             pulumi.String(WorkloadIdentityUserRole),
		Member:           member,
	}, gcp...)
	if err != nil {
		return nil, fmt.Errorf("binding the KSA to the service account: %w", err)
	}
	return &identity{
		GSAEmail:               gsa.Email,
		WorkloadIdentityMember: member,
		Grants:                 append(grants, binding),
	}, nil
}

// gsaAccountID is the configured id, or a derived one with a random suffix so
// that two stacks in one project do not collide.
func gsaAccountID(ctx *pulumi.Context, name string, args identityArgs, opts ...pulumi.ResourceOption,
) (pulumi.StringInput, error) {
	if args.ServiceAccountID != "" {
		return pulumi.String(args.ServiceAccountID), nil
	}
	suffix, err := random.NewRandomId(ctx, name+"-gsa-suffix", &random.RandomIdArgs{ByteLength: pulumi.Int(2)}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating service account id suffix: %w", err)
	}
	return pulumi.Sprintf("%s-%s", args.DerivedIDPrefix, suffix.Hex), nil
}

// grantProjectRoles grants each role on the project to the service account, as
// additive members that never remove anyone else's grants.
func grantProjectRoles(ctx *pulumi.Context, name, project string, roles []string, email pulumi.StringOutput,
	opts ...pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	grants := make([]pulumi.Resource, 0, len(roles))
	for _, role := range roles {
		grant, err := projects.NewIAMMember(ctx, name+"-"+strings.ReplaceAll(role, "/", "-"), &projects.IAMMemberArgs{
			Project: pulumi.String(project),
			Role:    pulumi.String(role),
			Member:  pulumi.Sprintf("serviceAccount:%s", email),
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("granting %s: %w", role, err)
		}
		grants = append(grants, grant)
	}
	return grants, nil
}

// maxDerivedPrefixLength leaves room for "-" and four hex digits in a 30-character id.
const maxDerivedPrefixLength = 25

var notAccountIDChars = regexp.MustCompile(`[^a-z0-9]+`)

// derivedAccountIDPrefix turns any component name into the start of a valid
// account id: lowercase letters, digits and single dashes, starting with a
// letter, at most 25 characters.
func derivedAccountIDPrefix(name string) string {
	prefix := strings.Trim(notAccountIDChars.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if prefix == "" || prefix[0] < 'a' || prefix[0] > 'z' {
		prefix = "wi-" + prefix
	}
	if len(prefix) > maxDerivedPrefixLength {
		prefix = prefix[:maxDerivedPrefixLength]
	}
	return strings.TrimRight(prefix, "-")
}
