package tests

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gkewi/gkewi/stacks"
)

// everyKindOfGrant is one grant on each kind of resource: a bucket to read,
// a secret to access, a topic to publish to, a subscription to pull from
// and a dataset to read, the last in another project.
const everyKindOfGrant = `[
	{"kind": "bucket", "name": "reports-input", "role": "roles/storage.objectViewer"},
	{"kind": "secret", "name": "db-password", "role": "roles/secretmanager.secretAccessor"},
	{"kind": "topic", "name": "reports-done", "role": "roles/pubsub.publisher"},
	{"kind": "subscription", "name": "reports-requests", "role": "roles/pubsub.subscriber"},
	{"kind": "dataset", "name": "sales", "role": "roles/bigquery.dataViewer", "project": "my-gkewi-data-project"}]`

// directPrincipal is the direct fixture's KSA as an IAM principal.
var directPrincipal = fmt.Sprintf("principal://iam.googleapis.com/projects/%s/locations/global/workloadIdentityPools/%s/subject/ns/wi-direct/sa/wi-direct",
	fakeProjectNumber("my-gkewi-direct-project"), "my-gkewi-direct-project.svc.id.goog")

// grantMembers are what each kind's member resource is, where its resource
// and member are, and the role it carries.
var grantMembers = []struct {
	typ, name, resourceKey, resource, role string
}{
	{bucketMemberType, "gkewi-bucket-reports-input-roles-storage.objectViewer", "bucket", "reports-input", "roles/storage.objectViewer"},
	{secretMemberType, "gkewi-secret-db-password-roles-secretmanager.secretAccessor", "secretId", "db-password", "roles/secretmanager.secretAccessor"},
	{topicMemberType, "gkewi-topic-reports-done-roles-pubsub.publisher", "topic", "reports-done", "roles/pubsub.publisher"},
	{subscriptionMemberType, "gkewi-subscription-reports-requests-roles-pubsub.subscriber", "subscription", "reports-requests", "roles/pubsub.subscriber"},
	// BigQuery keeps dataViewer as READER, and returns it so.
	{datasetAccessType, "gkewi-my-gkewi-data-project-dataset-sales-roles-bigquery.dataViewer", "datasetId", "sales", "READER"},
}

func TestEachGrantIsOneAdditiveMemberOnItsResourceForTheJobsIdentity(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		fixture string
		// member is the job's identity in IAM, and dataset its entry in a
		// dataset's access list.
		member, datasetKey, dataset string
	}{
		{"dev", "serviceAccount:" + devGSAEmail, "userByEmail", devGSAEmail},
		{"direct", directPrincipal, "iamMember", directPrincipal},
	} {
		t.Run(mode.fixture, func(t *testing.T) {
			config := devFixture()
			if mode.fixture == "direct" {
				config = fixtures["direct"]()
			}
			rec := mustRecord(t, withConfig(config, map[string]string{"gkewi:grants": everyKindOfGrant}), inStack(mode.fixture))
			job := rec.one(t, jobType, "gkewi-verify")
			for _, want := range grantMembers {
				if got := rec.byType(want.typ); len(got) != 1 {
					t.Errorf("%d %s, want one", len(got), want.typ)
					continue
				}
				member := rec.one(t, want.typ, want.name)
				assertPath(t, member, want.resource, want.resourceKey)
				assertPath(t, member, want.role, "role")
				switch want.typ {
				case datasetAccessType:
					assertPath(t, member, mode.dataset, mode.datasetKey)
					assertPath(t, member, "my-gkewi-data-project", "project")
				case bucketMemberType:
					// A bucket's name is global: its member names no project.
					assertPath(t, member, mode.member, "member")
				default:
					assertPath(t, member, mode.member, "member")
					assertPath(t, member, config["gcp:project"], "project")
				}
				if !slices.Contains(job.DependsOn, want.name) {
					t.Errorf("the verification Job does not wait for %s", want.name)
				}
			}
		})
	}
}

func TestAGrantOnAMissingResourceIsRefusedBeforeAnythingChanges(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"bucket", "secret", "topic", "subscription", "dataset"} {
		t.Run(kind, func(t *testing.T) {
			name := map[string]string{"bucket": "reports-input", "secret": "db-password", "topic": "reports-done",
				"subscription": "reports-requests", "dataset": "sales"}[kind]
			rec, err := recordRun(t, withConfig(devFixture(), map[string]string{"gkewi:grants": everyKindOfGrant}),
				inWorld(world{missingGrantResources: map[string]bool{kind + " " + name: true}}))
			index := slices.Index([]string{"bucket", "secret", "topic", "subscription", "dataset"}, kind)
			want := fmt.Sprintf(`gkewi:grants[%d].name: "%s" cannot be read as a %s of project `, index, name, kind)
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "allowed: an existing "+kind+" that the deployer may read") {
				t.Fatalf("error %v lacks %q", err, want)
			}
			assertOnlyTheComponent(t, rec)
		})
	}
}

func TestABucketInAnotherProjectThanItsGrantSaysIsRefused(t *testing.T) {
	t.Parallel()
	rec, err := recordRun(t, withConfig(devFixture(), map[string]string{"gkewi:grants": everyKindOfGrant}),
		inWorld(world{bucketProjects: map[string]string{"reports-input": "someone-elses-project"}}))
	want := fmt.Sprintf(`gkewi:grants[0].name: "reports-input" is a bucket of the project numbered %s, not of %s; set gkewi:grants[0].project to its project`,
		strings.TrimLeft(fakeProjectNumber("someone-elses-project"), "0"), devProject)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v lacks %q", err, want)
	}
	assertOnlyTheComponent(t, rec)
}

func TestAGrantThatAProjectRoleCoversIsWarnedOf(t *testing.T) {
	t.Parallel()
	args, err := stacks.Parse(withConfig(devFixture(), map[string]string{
		"gkewi:roles":  `["roles/browser", "roles/pubsub.publisher"]`,
		"gkewi:grants": everyKindOfGrant,
	}), "gkewi")
	if err != nil {
		t.Fatal(err)
	}
	warnings := args.GrantWarnings("gkewi")
	want := "grants[2] (roles/pubsub.publisher on the topic reports-done) is already granted on all of project " + devProject
	if len(warnings) != 1 || !strings.HasPrefix(warnings[0], want) {
		t.Errorf("warnings %q, want one that starts %q", warnings, want)
	}
}

func TestTheVerificationJobGivesGrantsTheirWindowAndNoSecondPod(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name               string
		config             map[string]string
		deadline, backoffs string
		grants             string
	}{
		{"no grants", devFixture(), "600", "4", ""},
		{"grants with a window of 900 s", withConfig(devFixture(), map[string]string{"gkewi:grants": everyKindOfGrant, "gkewi:grantPropagationSeconds": "900"}),
			"1800", "0", strings.Join([]string{
				"bucket " + devProject + " reports-input roles/storage.objectViewer storage.objects.get,storage.objects.list",
				"secret " + devProject + " db-password roles/secretmanager.secretAccessor secretmanager.versions.access",
				"topic " + devProject + " reports-done roles/pubsub.publisher pubsub.topics.publish",
				"subscription " + devProject + " reports-requests roles/pubsub.subscriber pubsub.subscriptions.consume",
				"dataset my-gkewi-data-project sales roles/bigquery.dataViewer bigquery.datasets.get",
			}, "\n")},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			job := mustRecord(t, c.config).one(t, jobType, "gkewi-verify")
			if got := fmt.Sprint(get(job.Inputs, "spec", "activeDeadlineSeconds")); got != c.deadline {
				t.Errorf("activeDeadlineSeconds %s, want %s: the identity's 600 s, the grants' window and 300 s for the pod's own waits", got, c.deadline)
			}
			// pulumi-kubernetes sees a failed Job only when its retries ran out
			// (components/internal/workload/workload.go, verificationCommand).
			if got := fmt.Sprint(get(job.Inputs, "spec", "backoffLimit")); got != c.backoffs {
				t.Errorf("backoffLimit %s, want %s", got, c.backoffs)
			}
			_, env := containerIn(t, job, jobPod, "verify")
			if env["GRANTS"] != c.grants {
				t.Errorf("GRANTS is\n%s\nwant\n%s", env["GRANTS"], c.grants)
			}
		})
	}
}
