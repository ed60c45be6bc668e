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

// heldForEveryKindOfGrant holds, for each of everyKindOfGrant, the
// permissions that its role is proven by.
var heldForEveryKindOfGrant = map[string][]string{
	"b/reports-input": {"storage.objects.get", "storage.objects.list"},
	"projects/" + devProject + "/secrets/db-password":            {"secretmanager.versions.access"},
	"projects/" + devProject + "/topics/reports-done":            {"pubsub.topics.publish"},
	"projects/" + devProject + "/subscriptions/reports-requests": {"pubsub.subscriptions.consume"},
	"projects/my-gkewi-data-project/datasets/sales":              {"bigquery.datasets.get"},
}

// verificationWithGrants is the verification container of the dev
// fixture with everyKindOfGrant, and the image environment to run it in,
// whose fake APIs hold every grant except those in lacking, the secret's
// only after it has been asked lateSecret times.
func verificationWithGrants(t *testing.T, lateSecret int, lacking ...string) ([]string, map[string]string, *fakeMetadata, *imageEnv) {
	t.Helper()
	job := mustRecord(t, withConfig(devFixture(), map[string]string{"gkewi:grants": everyKindOfGrant})).one(t, jobType, "gkewi-verify")
	command, env := containerIn(t, job, jobPod, "verify")
	metadata := startFakeMetadata(t, devGSAEmail)
	holdEveryGrant(metadata, lateSecret, lacking...)
	return command, env, metadata, newImageEnv(t, metadata)
}

// holdEveryGrant makes the fake APIs hold every one of everyKindOfGrant
// except the permissions in lacking, the secret's only after it has been
// asked lateSecret times.
func holdEveryGrant(metadata *fakeMetadata, lateSecret int, lacking ...string) {
	for resource, permissions := range heldForEveryKindOfGrant {
		refusals := 0
		if strings.Contains(resource, "/secrets/") {
			refusals = lateSecret
		}
		metadata.hold(resource, refusals, slices.DeleteFunc(slices.Clone(permissions), func(p string) bool { return slices.Contains(lacking, p) })...)
	}
}

func TestTheVerificationProvesEveryGrantWithThePodsToken(t *testing.T) {
	t.Parallel()
	command, env, metadata, image := verificationWithGrants(t, 0)
	got := image.run(t, command, env)
	if got.code != 0 {
		t.Fatalf("the verification failed with every grant held: %+v", got)
	}
	for _, want := range []string{
		"prove-grants: OK: grant roles/storage.objectViewer on the bucket " + devProject + "/reports-input: proven (storage.objects.get,storage.objects.list).",
		"prove-grants: OK: grant roles/secretmanager.secretAccessor on the secret " + devProject + "/db-password: proven (secretmanager.versions.access).",
		"prove-grants: OK: grant roles/pubsub.publisher on the topic " + devProject + "/reports-done: proven (pubsub.topics.publish).",
		"prove-grants: OK: grant roles/pubsub.subscriber on the subscription " + devProject + "/reports-requests: proven (pubsub.subscriptions.consume).",
		"prove-grants: OK: grant roles/bigquery.dataViewer on the dataset my-gkewi-data-project/sales: proven (bigquery.datasets.get).",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("the output lacks %q:\n%s", want, got.stdout)
		}
	}
	// Cloud Storage is asked once a permission; the others once.
	for resource, want := range map[string]int{"b/reports-input": 2, "projects/" + devProject + "/secrets/db-password": 1} {
		if asked := metadata.asks(resource); asked != want {
			t.Errorf("%s was asked %d times, want %d", resource, asked, want)
		}
	}
	// Another account's token is refused, so the APIs answered the pod's own.
	metadata.setAccount("someone-else@other.iam.gserviceaccount.com")
	if code := image.run(t, []string{"gcloud", "meta", "apis", "methods", "call", "--collection=pubsub.projects.topics", "testIamPermissions",
		"projects/" + devProject + "/topics/reports-done", "--request.permissions=pubsub.topics.publish"}, env).code; code != 0 {
		t.Errorf("the stub's call failed for the account it now acts as: exit %d", code)
	}
}

func TestTheVerificationWaitsForAGrantToTakeEffect(t *testing.T) {
	t.Parallel()
	command, env, _, image := verificationWithGrants(t, 3)
	got := image.run(t, command, env)
	if got.code != 0 || strings.Count(got.stdout, "prove-grants: OK: grant ") != 5 {
		t.Fatalf("grants that took effect after 3 asks failed the verification: %+v", got)
	}
	if sleeps := image.sleepsAsked(t); !slices.Equal(sleeps, []string{"10", "10", "10"}) {
		t.Errorf("the verification slept %v, want three waits of 10 s", sleeps)
	}
	if !strings.Contains(got.stdout, "prove-grants: roles/secretmanager.secretAccessor on the secret "+devProject+"/db-password: "+
		"secretmanager.versions.access not granted yet, asking again in 10s") {
		t.Errorf("the output does not say what it waits for:\n%s", got.stdout)
	}
}

func TestTheVerificationNamesTheGrantThatNeverTakesEffect(t *testing.T) {
	t.Parallel()
	// The first waits out the Job's own window, the default; the others a
	// window of 20 s, which is quicker to wait out here.
	for _, c := range []struct{ lacking, grant, inspect, window string }{
		{"secretmanager.versions.access", "grant roles/secretmanager.secretAccessor on the secret " + devProject + "/db-password",
			"gcloud secrets get-iam-policy db-password --project=" + devProject, ""},
		{"storage.objects.list", "grant roles/storage.objectViewer on the bucket " + devProject + "/reports-input",
			"gcloud storage buckets get-iam-policy gs://reports-input", "20"},
		{"bigquery.datasets.get", "grant roles/bigquery.dataViewer on the dataset my-gkewi-data-project/sales",
			"bq show --format=prettyjson my-gkewi-data-project:sales (its access list)", "20"},
	} {
		t.Run(c.lacking, func(t *testing.T) {
			t.Parallel()
			command, env, _, image := verificationWithGrants(t, 0, c.lacking)
			window, waits := "420", 42
			if c.window != "" {
				env["GRANT_PROPAGATION_SECONDS"] = c.window
				window, waits = c.window, 2
			}
			got := image.run(t, command, env)
			if got.code == 0 {
				t.Fatalf("the verification passed without %s: %+v", c.lacking, got)
			}
			// The termination message keeps the end of the output.
			lines := strings.Split(strings.TrimSpace(got.stderr), "\n")
			want := []string{
				"prove-grants: FAILED: " + c.grant + ": the job's identity lacks " + c.lacking + " after " + window + "s.",
				"Inspect the binding with: " + c.inspect,
			}
			if len(lines) < 2 || !slices.Equal(lines[len(lines)-2:], want) {
				t.Errorf("the output ends\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
			}
			if sleeps := image.sleepsAsked(t); len(sleeps) != waits {
				t.Errorf("the verification waited %d times, want %d waits of 10 s: a window of %s s", len(sleeps), waits, window)
			}
		})
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

func TestWithGrantsTheVerificationPodRetriesTheWaitForItsIdentity(t *testing.T) {
	t.Parallel()
	command, env, metadata, image := verificationWithGrants(t, 0)
	// The first wait's eight attempts, and two of the second's, get no token.
	metadata.setRefuseTokens(10)
	got := image.run(t, command, env)
	if got.code != 0 || !strings.Contains(got.stdout, "wait-for-identity: token received on attempt 3") {
		t.Fatalf("a token after the first wait did not let the verification go on: %+v", got)
	}
	if sleeps := image.sleepsAsked(t); !slices.Contains(sleeps, "30") {
		t.Errorf("the pod did not wait 30 s between its waits for a token: slept %v", sleeps)
	}
	metadata.setRefuseTokens(-1)
	got = image.run(t, command, env)
	if waits := strings.Count(got.stderr, "gave no token after about a minute"); got.code == 0 || waits != 5 {
		t.Errorf("without a token the pod waited %d times, exit %d; want 5 waits, as the Job without grants runs 5 pods", waits, got.code)
	}
}

func TestVerifyCommandProvesTheGrantsAtOnce(t *testing.T) {
	t.Parallel()
	command, _ := mustRecord(t, withConfig(devFixture(), map[string]string{"gkewi:grants": everyKindOfGrant})).output("verifyCommand").(string)
	for _, c := range []struct {
		name    string
		lacking []string
		code    int
	}{{"every grant held", nil, 0}, {"a permission lacking", []string{"pubsub.topics.publish"}, 1}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			metadata := startFakeMetadata(t, devGSAEmail)
			holdEveryGrant(metadata, 0, c.lacking...)
			image := newImageEnv(t, metadata)
			checkCommand, env := containerOf(t, verifyPod(t, image, command)["spec"].(map[string]any), "wi-check")
			got := image.run(t, checkCommand, env)
			if got.code != c.code || len(image.sleepsAsked(t)) != 0 {
				t.Errorf("exit %d after %d waits, want %d at once: %+v", got.code, len(image.sleepsAsked(t)), c.code, got)
			}
			if c.code == 0 && strings.Count(got.stdout, "prove-grants: OK: grant ") != 5 {
				t.Errorf("the check did not prove the 5 grants:\n%s", got.stdout)
			}
		})
	}
}

// TestTheVerificationFailsAtOnceWhenGcloudRefusesTheCall: a gcloud that
// does not take the call as gkewi makes it (exit 2, as gcloud's argument
// errors exit) fails the verification at once, saying so, rather than
// after the window as a missing grant.
func TestTheVerificationFailsAtOnceWhenGcloudRefusesTheCall(t *testing.T) {
	t.Parallel()
	command, env, _, image := verificationWithGrants(t, 0)
	image.wrapGcloud(t, `[ "$1" = meta ] && { echo "ERROR: (gcloud) Invalid choice: 'meta'." >&2; exit 2; }`)
	got := image.run(t, command, env)
	if got.code == 0 || !strings.Contains(got.stderr, "prove-grants: FAILED: gcloud refused to ask about grant roles/storage.objectViewer") ||
		!strings.Contains(got.stderr, "Invalid choice: 'meta'") {
		t.Errorf("a gcloud that refused the call did not fail the verification, naming it: %+v", got)
	}
	if sleeps := image.sleepsAsked(t); len(sleeps) != 0 {
		t.Errorf("the verification waited %v for a call that gcloud refuses", sleeps)
	}
}
