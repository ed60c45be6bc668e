package components

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gkewi/gkewi/components/internal/gcp"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Grant is one predefined role on one resource for the job's identity (the
// GSA, or in direct mode the KSA's principal): the resource's additive IAM
// member, which leaves every other member alone.
type Grant struct {
	// Kind of the resource: bucket, secret, topic, subscription or dataset.
	// Required.
	Kind string `pulumi:"kind"`
	// Name of the resource: the bucket's name, or the secret's, topic's,
	// subscription's or dataset's id. Required.
	Name string `pulumi:"name"`
	// Role is a predefined role that applies to the kind. Required.
	Role string `pulumi:"role"`
	// Project that holds the resource. Optional; default: the component's
	// project.
	Project string `pulumi:"project,optional"`
}

// Kinds of resource that a grant names.
const (
	BucketGrant       = "bucket"
	SecretGrant       = "secret"
	TopicGrant        = "topic"
	SubscriptionGrant = "subscription"
	DatasetGrant      = "dataset"
)

// grantKind is what gkewi knows of a kind of resource.
type grantKind struct {
	// valid tells whether a resource's name follows the service's naming
	// rules, which allowed says in words.
	valid   func(name string) bool
	allowed string
	// roles are the predefined roles that can be granted on a resource of
	// the kind, each with the permissions that the verification Job proves
	// it by: those the role exists for, which the resource's
	// testIamPermissions can answer.
	roles map[string][]string
	// member is the type of the resource's additive IAM member, as
	// pulumi-gcp v7.38.0 names it, whose input memberInput names the
	// resource (components/internal/gcp says why by its token).
	member, memberInput string
	// lookup is the function that reads a resource of the kind, whose
	// argument lookupInput names it.
	lookup, lookupInput string
}

// GrantKinds are the kinds a grant may name. The roles are those that
// Google's predefined-roles reference lets be granted on that resource
// ("Lowest-level resources where you can grant this role":
// cloud.google.com/iam/docs/roles-permissions/storage, /secretmanager,
// /pubsub and /bigquery), less those that Google advises against on a
// single resource (roles/bigquery.admin). Their permissions come from the
// same tables, less those of a higher level that a resource's
// testIamPermissions refuses (storage.buckets.list and .create, per
// cloud.google.com/storage/docs/json_api/v1/buckets/testIamPermissions).
// The names follow each service's naming rules:
// cloud.google.com/storage/docs/buckets#naming,
// cloud.google.com/secret-manager/docs/creating-and-accessing-secrets,
// cloud.google.com/pubsub/docs/pubsub-basics#resource_names and
// cloud.google.com/bigquery/docs/datasets#dataset-naming.
var GrantKinds = map[string]grantKind{
	BucketGrant: {
		valid: func(name string) bool {
			return bucketName.MatchString(name) && !slices.ContainsFunc(strings.Split(name, "."), func(part string) bool { return len(part) > 63 })
		},
		allowed: "3-63 lowercase letters, digits, '-', '_' and '.' (up to 222 with dots, each part at most 63), starting and ending with a letter or digit",
		member:  "gcp:storage/bucketIAMMember:BucketIAMMember", memberInput: "bucket",
		lookup: "gcp:storage/getBucket:getBucket", lookupInput: "name",
		roles: map[string][]string{
			"roles/storage.objectViewer":       {"storage.objects.get", "storage.objects.list"},
			"roles/storage.objectCreator":      {"storage.objects.create"},
			"roles/storage.objectUser":         {"storage.objects.get", "storage.objects.create", "storage.objects.update", "storage.objects.delete"},
			"roles/storage.objectAdmin":        {"storage.objects.create", "storage.objects.delete", "storage.objects.getIamPolicy"},
			"roles/storage.admin":              {"storage.buckets.get", "storage.buckets.update", "storage.buckets.setIamPolicy"},
			"roles/storage.legacyBucketReader": {"storage.buckets.get", "storage.objects.list"},
			"roles/storage.legacyBucketWriter": {"storage.buckets.get", "storage.objects.create", "storage.objects.delete"},
			"roles/storage.legacyBucketOwner":  {"storage.buckets.get", "storage.buckets.update", "storage.buckets.setIamPolicy"},
			"roles/storage.legacyObjectReader": {"storage.objects.get"},
			"roles/storage.legacyObjectOwner":  {"storage.objects.get", "storage.objects.update", "storage.objects.setIamPolicy"},
		},
	},
	SecretGrant: {
		valid:   regexp.MustCompile(`^[a-zA-Z0-9_-]{1,255}$`).MatchString,
		allowed: "1-255 letters, digits, '-' and '_'",
		member:  "gcp:secretmanager/secretIamMember:SecretIamMember", memberInput: "secretId",
		lookup: "gcp:secretmanager/getSecret:getSecret", lookupInput: "secretId",
		roles: map[string][]string{
			"roles/secretmanager.secretAccessor":       {"secretmanager.versions.access"},
			"roles/secretmanager.secretVersionAdder":   {"secretmanager.versions.add"},
			"roles/secretmanager.secretVersionManager": {"secretmanager.versions.add", "secretmanager.versions.destroy", "secretmanager.versions.disable", "secretmanager.versions.enable"},
			"roles/secretmanager.viewer":               {"secretmanager.secrets.get", "secretmanager.versions.list"},
			"roles/secretmanager.admin":                {"secretmanager.secrets.setIamPolicy", "secretmanager.versions.access", "secretmanager.secrets.delete"},
		},
	},
	TopicGrant: {
		valid:   pubsubName,
		allowed: pubsubAllowed,
		member:  "gcp:pubsub/topicIAMMember:TopicIAMMember", memberInput: "topic",
		lookup: "gcp:pubsub/getTopic:getTopic", lookupInput: "name",
		roles: map[string][]string{
			"roles/pubsub.publisher":  {"pubsub.topics.publish"},
			"roles/pubsub.subscriber": {"pubsub.topics.attachSubscription"},
			"roles/pubsub.viewer":     {"pubsub.topics.get"},
			"roles/pubsub.editor":     {"pubsub.topics.update", "pubsub.topics.publish"},
			"roles/pubsub.admin":      {"pubsub.topics.setIamPolicy", "pubsub.topics.getIamPolicy"},
		},
	},
	SubscriptionGrant: {
		valid:   pubsubName,
		allowed: pubsubAllowed,
		member:  "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember", memberInput: "subscription",
		lookup: "gcp:pubsub/getSubscription:getSubscription", lookupInput: "name",
		roles: map[string][]string{
			"roles/pubsub.subscriber": {"pubsub.subscriptions.consume"},
			"roles/pubsub.viewer":     {"pubsub.subscriptions.get"},
			"roles/pubsub.editor":     {"pubsub.subscriptions.update", "pubsub.subscriptions.consume"},
			"roles/pubsub.admin":      {"pubsub.subscriptions.setIamPolicy", "pubsub.subscriptions.getIamPolicy"},
		},
	},
	// roles/bigquery.user can be granted on a dataset too, but what a job
	// wants of it, bigquery.jobs.create, exists only on projects. BigQuery
	// has no testIamPermissions for datasets, so every role is proven by
	// the one permission that all of them hold and that a read of the
	// dataset's metadata needs.
	DatasetGrant: {
		// Go's regexp repeats at most 1000 times.
		valid:   func(name string) bool { return datasetName.MatchString(name) && len(name) <= 1024 },
		allowed: "1-1024 letters, digits and '_'",
		member:  "gcp:bigquery/datasetAccess:DatasetAccess", memberInput: "datasetId",
		lookup: "gcp:bigquery/getDataset:getDataset", lookupInput: "datasetId",
		roles: map[string][]string{
			"roles/bigquery.dataViewer":     {datasetGetPermission},
			"roles/bigquery.dataEditor":     {datasetGetPermission},
			"roles/bigquery.dataOwner":      {datasetGetPermission},
			"roles/bigquery.metadataViewer": {datasetGetPermission},
		},
	},
}

// maxGrantPropagationSeconds keeps the verification's wait for grants, which
// `pulumi up` waits for, within an hour.
const maxGrantPropagationSeconds = 3600

// datasetGetPermission is what BigQuery's datasets.get needs with
// datasetView=METADATA (cloud.google.com/bigquery/docs/reference/rest/v2/datasets/get).
const datasetGetPermission = "bigquery.datasets.get"

// GrantRoles are the roles that a grant may hold, by kind of resource.
func GrantRoles() map[string][]string {
	roles := map[string][]string{}
	for kind, k := range GrantKinds {
		roles[kind] = slices.Sorted(maps.Keys(k.roles))
	}
	return roles
}

var (
	bucketName  = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)
	datasetName = regexp.MustCompile(`^[a-zA-Z0-9_]+$`)
	pubsubID    = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9._~+%-]{2,254}$`)
)

// pubsubName: Pub/Sub names topics and subscriptions alike, 3-255
// characters, starting with a letter, not with "goog".
func pubsubName(name string) bool {
	return pubsubID.MatchString(name) && !strings.HasPrefix(name, "goog")
}

const pubsubAllowed = "3-255 letters, digits and '-', '_', '.', '~', '+' or '%', starting with a letter but not with goog"

// grants validates each grant: its kind, its resource's name and project,
// and a role that applies to that kind.
func (v *validator) grants(a, given WorkloadIdentityCronJobArgs) {
	v.grantPropagation(a, given)
	for i, g := range a.Grants {
		key := fmt.Sprintf("grants[%d]", i)
		kind, known := GrantKinds[g.Kind]
		if !known {
			v.add(key+".kind", g.Kind, "is not a kind of resource gkewi grants on; allowed: %s", strings.Join(slices.Sorted(maps.Keys(GrantKinds)), ", "))
			continue
		}
		if !kind.valid(g.Name) {
			v.add(key+".name", g.Name, "is not the name of a %s; allowed: %s", g.Kind, kind.allowed)
		}
		if g.Project != "" {
			v.projectID(key+".project", g.Project)
		}
		v.grantRole(key+".role", g, kind, a)
		if slices.IndexFunc(a.Grants, func(other Grant) bool { return other.withProject(a.Project) == g.withProject(a.Project) }) < i {
			v.add(key, g.withProject(a.Project).String(), "is listed twice; allowed: each grant once")
		}
	}
}

// grantPropagation checks the verification's window for the grants: a
// window without grants would wait for nothing.
func (v *validator) grantPropagation(a, given WorkloadIdentityCronJobArgs) {
	seconds := strconv.Itoa(*a.GrantPropagationSeconds)
	switch {
	case given.GrantPropagationSeconds != nil && len(a.Grants) == 0:
		v.add("grantPropagationSeconds", seconds, "is set, but there are no grants to wait for; allowed: unset without grants")
	case *a.GrantPropagationSeconds < 0 || *a.GrantPropagationSeconds > maxGrantPropagationSeconds:
		v.add("grantPropagationSeconds", seconds, "is out of range; allowed: 0 to %d", maxGrantPropagationSeconds)
	}
}

func (v *validator) grantRole(key string, g Grant, kind grantKind, a WorkloadIdentityCronJobArgs) {
	switch {
	case slices.Contains(append(slices.Clone(basicRoles), "roles/viewer"), g.Role):
		v.add(key, g.Role, "is a basic role, which applies to whole projects; allowed: a predefined role of the %s: %s", g.Kind, kind.roleList())
	case kind.roles[g.Role] == nil:
		v.add(key, g.Role, "does not apply to a %s; allowed: %s", g.Kind, kind.roleList())
	}
}

func (k grantKind) roleList() string {
	return strings.Join(slices.Sorted(maps.Keys(k.roles)), ", ")
}

// grantsWithProjects are the grants with their projects filled in.
func (args WorkloadIdentityCronJobArgs) grantsWithProjects() []Grant {
	grants := make([]Grant, len(args.Grants))
	for i, g := range args.Grants {
		grants[i] = g.withProject(args.Project)
	}
	return grants
}

// grantLines tell the verification what to prove, a grant a line:
// KIND PROJECT NAME ROLE PERMISSION,PERMISSION... No field holds a space.
func grantLines(grants []Grant) string {
	lines := make([]string, len(grants))
	for i, g := range grants {
		lines[i] = strings.Join([]string{g.Kind, g.Project, g.Name, g.Role, strings.Join(GrantKinds[g.Kind].roles[g.Role], ",")}, " ")
	}
	return strings.Join(lines, "\n")
}

// withProject is the grant with its project filled in.
func (g Grant) withProject(project string) Grant {
	g.Project = orDefault(g.Project, project)
	return g
}

func (g Grant) String() string {
	return fmt.Sprintf("%s %s/%s %s", g.Kind, g.Project, g.Name, g.Role)
}

// GrantWarnings name each grant whose role a project-wide role of the same
// arguments already grants on the resource's project: one of the two is
// more than the job needs. The component logs them in every preview and
// `up`, and the plans list them.
func (args WorkloadIdentityCronJobArgs) GrantWarnings(name string) []string {
	a := args.withDefaults(name)
	rolesByProject := a.rolesByProject()
	var warnings []string
	for i, g := range a.Grants {
		g = g.withProject(a.Project)
		if slices.Contains(rolesByProject[g.Project], g.Role) {
			warnings = append(warnings, fmt.Sprintf("grants[%d] (%s on the %s %s) is already granted on all of project %s; "+
				"drop %s from the project's roles, so that the job holds it on this %s alone", i, g.Role, g.Kind, g.Name, g.Project, g.Role, g.Kind))
		}
	}
	return warnings
}

// newGrants creates each grant's IAM member on its resource, for member
// (serviceAccount:EMAIL, or the principal) or, on a dataset, the account's
// email where there is one.
func newGrants(ctx *pulumi.Context, name string, grants []Grant, mainProject string, who grantee,
	opts ...pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	var made []pulumi.Resource
	for _, g := range grants {
		g = g.withProject(mainProject)
		resourceName := projectPrefix(name, g.Project, mainProject) + g.Kind + "-" + g.Name + "-" + strings.ReplaceAll(g.Role, "/", "-")
		r, err := newGrant(ctx, resourceName, g, who, opts...)
		if err != nil {
			return nil, fmt.Errorf("granting %s on the %s %s: %w", g.Role, g.Kind, g.Name, err)
		}
		made = append(made, r)
	}
	return made, nil
}

// grantee is who a grant is for: an IAM member, and the GSA's email in
// impersonation mode (empty in direct mode).
type grantee struct {
	member, email pulumi.StringOutput
	direct        bool
}

func newGrant(ctx *pulumi.Context, name string, g Grant, who grantee, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	kind := GrantKinds[g.Kind]
	return gcp.NewResource(ctx, kind.member, name, memberInputs(g, kind, who), opts...)
}

// memberInputs are the IAM member's inputs: the resource, the role and the
// member, and the project but for a bucket, whose name is global. A
// dataset's is an entry of its access list.
func memberInputs(g Grant, kind grantKind, who grantee) gcp.Inputs {
	if g.Kind == DatasetGrant {
		return datasetAccess(g, kind, who)
	}
	inputs := gcp.Inputs{kind.memberInput: pulumi.String(g.Name), "role": pulumi.String(g.Role), "member": who.member}
	if g.Kind != BucketGrant {
		inputs["project"] = pulumi.String(g.Project)
	}
	return inputs
}

// legacyDatasetRoles are the dataset roles that BigQuery stores as its
// basic ones and returns so: given as predefined roles they would show a
// diff after every create (pulumi-gcp v7.38.0, bigquery.DatasetAccess,
// `role`: "Predefined roles that have equivalent basic roles are swapped by
// the API to their basic counterparts").
var legacyDatasetRoles = map[string]string{
	"roles/bigquery.dataViewer": "READER",
	"roles/bigquery.dataEditor": "WRITER",
	"roles/bigquery.dataOwner":  "OWNER",
}

// datasetAccess is one entry of the dataset's access list, which
// DatasetAccess adds and removes alone. bigquery.DatasetIamMember would
// rewrite the whole list and drop the dataset's authorized views (its own
// documentation says so), and clash with any DatasetAccess or
// Dataset.access of the dataset's owner. A GSA is an entry by email; a
// principal is an iamMember.
func datasetAccess(g Grant, kind grantKind, who grantee) gcp.Inputs {
	access := gcp.Inputs{
		"project": pulumi.String(g.Project),
		"role":    pulumi.String(orDefault(legacyDatasetRoles[g.Role], g.Role)),
	}
	access[kind.memberInput] = pulumi.String(g.Name)
	if who.direct {
		access["iamMember"] = who.member
	} else {
		access["userByEmail"] = who.email
	}
	return access
}

// grantProblems looks up each grant's resource, in preview as in `up`, and
// refuses one that cannot be read in the project the grant states, or that
// is in another: an IAM member on a missing resource fails only at `up`,
// after the rest has been created.
func grantProblems(ctx *pulumi.Context, a WorkloadIdentityCronJobArgs, opts ...pulumi.InvokeOption) []Problem {
	var problems []Problem
	for i, g := range a.Grants {
		g = g.withProject(a.Project)
		key := fmt.Sprintf("grants[%d].name", i)
		in, err := lookUpGrant(ctx, g, opts...)
		switch {
		case err != nil:
			problems = append(problems, Problem{Key: key, Value: g.Name, Message: fmt.Sprintf(
				"cannot be read as a %s of project %s (%v); allowed: an existing %s that the deployer may read, with {grants}[%d].project naming its project",
				g.Kind, g.Project, err, g.Kind, i)})
		case in != "":
			problems = append(problems, Problem{Key: key, Value: g.Name, Message: fmt.Sprintf(
				"is a %s of the project numbered %s, not of %s; set {grants}[%d].project to its project", g.Kind, in, g.Project, i)})
		}
	}
	return problems
}

// lookUpGrant reads the grant's resource in its project. Only a bucket's
// name is global: its lookup reads it wherever it is and does not check the
// project it is given (pulumi-gcp v7.38.0, storage.LookupBucket, `project`:
// "Supplying a value for project doesn't influence retrieving data about the
// bucket"), so for a bucket in another project, other is that project's
// number.
func lookUpGrant(ctx *pulumi.Context, g Grant, opts ...pulumi.InvokeOption) (other string, err error) {
	kind := GrantKinds[g.Kind]
	args := map[string]string{kind.lookupInput: g.Name, "project": g.Project}
	var found struct {
		ProjectNumber int `pulumi:"projectNumber"`
	}
	if err := gcp.Call(ctx, kind.lookup, args, &found, opts...); err != nil || g.Kind != BucketGrant {
		return "", err
	}
	return bucketElsewhere(ctx, g, found.ProjectNumber, opts...)
}

// bucketElsewhere is the number of the project that holds the bucket, when
// it is not the project the grant states.
func bucketElsewhere(ctx *pulumi.Context, g Grant, number int, opts ...pulumi.InvokeOption) (string, error) {
	stated, err := organizations.LookupProject(ctx, &organizations.LookupProjectArgs{ProjectId: &g.Project}, opts...)
	if err != nil {
		return "", err
	}
	if statedNumber, err := strconv.Atoi(stated.Number); err != nil || statedNumber != number {
		return strconv.Itoa(number), nil
	}
	return "", nil
}
