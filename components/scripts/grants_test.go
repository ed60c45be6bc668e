package scripts_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gkewi/gkewi/tests/fakegke"
	"github.com/gkewi/gkewi/tests/podspec"
)

// The verification proves each grant with the pod's own token
// (components/scripts/prove-grants.sh), here against the fake Google APIs.

// verificationWithGrants is the verification container of the dev
// fixture with a grant on every kind of resource
// (podspec.VerificationWithGrants), and the image environment to run it in,
// whose fake APIs hold every grant of its GRANTS but the permissions in
// lacking, the secret's only after it has been asked lateSecret times.
func verificationWithGrants(t *testing.T, lateSecret int, lacking ...string) ([]string, map[string]string, *fakegke.Metadata, *imageEnv) {
	t.Helper()
	command, env := container(t, podspec.VerificationWithGrants)
	metadata := fakegke.Serve(t, fixtures.Account)
	metadata.HoldGrants(env["GRANTS"], lateSecret, lacking...)
	return command, env, metadata, newImageEnv(t, metadata)
}

func TestTheVerificationProvesEveryGrantWithThePodsToken(t *testing.T) {
	t.Parallel()
	command, env, metadata, image := verificationWithGrants(t, 0)
	got := image.run(t, command, env)
	if got.code != 0 {
		t.Fatalf("the verification failed with every grant held: %+v", got)
	}
	for _, want := range []string{
		"prove-grants: OK: grant roles/storage.objectViewer on the bucket " + fixtures.Project + "/reports-input: proven (storage.objects.get,storage.objects.list).",
		"prove-grants: OK: grant roles/secretmanager.secretAccessor on the secret " + fixtures.Project + "/db-password: proven (secretmanager.versions.access).",
		"prove-grants: OK: grant roles/pubsub.publisher on the topic " + fixtures.Project + "/reports-done: proven (pubsub.topics.publish).",
		"prove-grants: OK: grant roles/pubsub.subscriber on the subscription " + fixtures.Project + "/reports-requests: proven (pubsub.subscriptions.consume).",
		"prove-grants: OK: grant roles/bigquery.dataViewer on the dataset my-gkewi-data-project/sales: proven (bigquery.datasets.get).",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("the output lacks %q:\n%s", want, got.stdout)
		}
	}
	// Cloud Storage is asked once a permission; the others once.
	for resource, want := range map[string]int{"b/reports-input": 2, "projects/" + fixtures.Project + "/secrets/db-password": 1} {
		if asked := metadata.Asks(resource); asked != want {
			t.Errorf("%s was asked %d times, want %d", resource, asked, want)
		}
	}
	// Another account's token is refused, so the APIs answered the pod's own.
	metadata.SetAccount("someone-else@other.iam.gserviceaccount.com")
	if code := image.run(t, []string{"gcloud", "meta", "apis", "methods", "call", "--collection=pubsub.projects.topics", "testIamPermissions",
		"projects/" + fixtures.Project + "/topics/reports-done", "--request.permissions=pubsub.topics.publish"}, env).code; code != 0 {
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
	if !strings.Contains(got.stdout, "prove-grants: roles/secretmanager.secretAccessor on the secret "+fixtures.Project+"/db-password: "+
		"secretmanager.versions.access not granted yet, asking again in 10s") {
		t.Errorf("the output does not say what it waits for:\n%s", got.stdout)
	}
}

func TestTheVerificationNamesTheGrantThatNeverTakesEffect(t *testing.T) {
	t.Parallel()
	// The Job's own window is the default, 420 s: 42 waits here, which cost
	// more than a second of CPU on 2 cores. Windows of 20 and 30 s check the
	// same count of waits, window / 10, more quickly.
	if _, env := container(t, podspec.VerificationWithGrants); env["GRANT_PROPAGATION_SECONDS"] != "420" {
		t.Errorf("the verification's window is %q, want the default, 420 s", env["GRANT_PROPAGATION_SECONDS"])
	}
	for _, c := range []struct{ lacking, grant, inspect, window string }{
		{"secretmanager.versions.access", "grant roles/secretmanager.secretAccessor on the secret " + fixtures.Project + "/db-password",
			"gcloud secrets get-iam-policy db-password --project=" + fixtures.Project, "30"},
		{"storage.objects.list", "grant roles/storage.objectViewer on the bucket " + fixtures.Project + "/reports-input",
			"gcloud storage buckets get-iam-policy gs://reports-input", "20"},
		{"bigquery.datasets.get", "grant roles/bigquery.dataViewer on the dataset my-gkewi-data-project/sales",
			"bq show --format=prettyjson my-gkewi-data-project:sales (its access list)", "20"},
	} {
		t.Run(c.lacking, func(t *testing.T) {
			t.Parallel()
			command, env, _, image := verificationWithGrants(t, 0, c.lacking)
			env["GRANT_PROPAGATION_SECONDS"] = c.window
			got := image.run(t, command, env)
			if got.code == 0 {
				t.Fatalf("the verification passed without %s: %+v", c.lacking, got)
			}
			// The termination message keeps the end of the output.
			lines := strings.Split(strings.TrimSpace(got.stderr), "\n")
			want := []string{
				"prove-grants: FAILED: " + c.grant + ": the job's identity lacks " + c.lacking + " after " + c.window + "s.",
				"Inspect the binding with: " + c.inspect,
			}
			if len(lines) < 2 || !slices.Equal(lines[len(lines)-2:], want) {
				t.Errorf("the output ends\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
			}
			seconds, _ := strconv.Atoi(c.window)
			if sleeps := image.sleepsAsked(t); len(sleeps) != seconds/10 {
				t.Errorf("the verification waited %d times, want %d waits of 10 s: a window of %s s", len(sleeps), seconds/10, c.window)
			}
		})
	}
}

func TestWithGrantsTheVerificationPodRetriesTheWaitForItsIdentity(t *testing.T) {
	t.Parallel()
	command, env, metadata, image := verificationWithGrants(t, 0)
	// The first wait's eight attempts, and two of the second's, get no token.
	metadata.SetRefuseTokens(10)
	got := image.run(t, command, env)
	if got.code != 0 || !strings.Contains(got.stdout, "wait-for-identity: token received on attempt 3") {
		t.Fatalf("a token after the first wait did not let the verification go on: %+v", got)
	}
	if sleeps := image.sleepsAsked(t); !slices.Contains(sleeps, "30") {
		t.Errorf("the pod did not wait 30 s between its waits for a token: slept %v", sleeps)
	}
	metadata.SetRefuseTokens(-1)
	got = image.run(t, command, env)
	if waits := strings.Count(got.stderr, "gave no token after about a minute"); got.code == 0 || waits != 5 {
		t.Errorf("without a token the pod waited %d times, exit %d; want 5 waits, as the Job without grants runs 5 pods", waits, got.code)
	}
}

func TestVerifyCommandProvesTheGrantsAtOnce(t *testing.T) {
	t.Parallel()
	command := output(t, podspec.VerifyCommandWithGrants)
	for _, c := range []struct {
		name    string
		lacking []string
		code    int
	}{{"every grant held", nil, 0}, {"a permission lacking", []string{"pubsub.topics.publish"}, 1}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			metadata := fakegke.Serve(t, fixtures.Account)
			image := newImageEnv(t, metadata)
			checkCommand, env := podspec.MustContainer(t, verifyPod(t, image, command)["spec"].(map[string]any), "wi-check")
			metadata.HoldGrants(env["GRANTS"], 0, c.lacking...)
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
