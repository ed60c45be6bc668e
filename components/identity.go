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
	// ServiceAccountID is the GSA's id; when empty, one is derived from the
	// component name.
	ServiceAccountID string
	Roles            []string
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
		DisplayName: pulumi.String(truncate(fmt.Sprintf("gkewi %s/%s", args.Namespace, args.KubernetesServiceAccount), maxDisplayNameLength)),
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

// gsaAccountID is the configured id, or one derived from the component name.
func gsaAccountID(ctx *pulumi.Context, name string, args identityArgs, opts ...pulumi.ResourceOption,
) (pulumi.StringInput, error) {
	if args.ServiceAccountID != "" {
		return pulumi.String(args.ServiceAccountID), nil
	}
	suffix, err := randomSuffix(ctx, name+"-gsa-suffix", opts...)
	if err != nil {
		return nil, err
	}
	return derivedAccountID(name, "", suffix), nil
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

// maxDisplayNameLength is IAM's limit on a service account's display name.
const maxDisplayNameLength = 100

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// maxAccountIDLength is IAM's limit on an account id.
const maxAccountIDLength = 30

var notAccountIDChars = regexp.MustCompile(`[^a-z0-9]+`)

// derivedAccountID builds a valid account id from any component name, a
// middle part (may be empty) and a random suffix: lowercase letters, digits
// and dashes, starting with a letter, at most 30 characters. The name is cut
// to fit; the suffix keeps two stacks in one project apart.
func derivedAccountID(name, middle string, suffix pulumi.StringOutput) pulumi.StringOutput {
	prefix := strings.Trim(notAccountIDChars.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if prefix == "" || prefix[0] < 'a' || prefix[0] > 'z' {
		prefix = "wi-" + prefix
	}
	tail := middle + "-"
	if room := maxAccountIDLength - len(tail) - randomSuffixLength; len(prefix) > room {
		prefix = prefix[:room]
	}
	return pulumi.Sprintf("%s%s%s", strings.TrimRight(prefix, "-"), tail, suffix)
}

// randomSuffixLength is the length of a randomSuffix's hex.
const randomSuffixLength = 4

// randomSuffix is four random hex digits, fixed for the life of the stack.
func randomSuffix(ctx *pulumi.Context, name string, opts ...pulumi.ResourceOption) (pulumi.StringOutput, error) {
	suffix, err := random.NewRandomId(ctx, name, &random.RandomIdArgs{ByteLength: pulumi.Int(randomSuffixLength / 2)}, opts...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating random suffix %s: %w", name, err)
	}
	return suffix.Hex, nil
}
