package scripts_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gkewi/gkewi/tests/fakegke"
	"github.com/gkewi/gkewi/tests/podspec"
)

// The pod scripts, run as the default image would run them (image_test.go):
// the wait-for-identity init container, the verification, the job's default
// command and the verifyCommand output.

// waitForIdentity is the init container of the dev fixture's CronJob pods.
func waitForIdentity(t *testing.T) ([]string, map[string]string) {
	t.Helper()
	return container(t, podspec.CronJobWaitForIdentity)
}

// absoluteTool is a command called by its path, which the image environment
// cannot catch: /usr/bin/curl would run from the host.
var absoluteTool = regexp.MustCompile(`(^|[\s;&|(])/(usr/)?(s)?bin/[a-z]`)

func TestThePodScriptsCallToolsOnlyThroughThePATH(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"wait-for-identity.sh", "verify.sh", "prove-grants.sh"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if call := absoluteTool.Find(data); call != nil {
			t.Errorf("%s calls %q by its path; call tools by name, so that the image tier can see them", file, call)
		}
	}
}

func TestWaitForIdentityRetriesUntilATokenArrives(t *testing.T) {
	t.Parallel()
	command, env := waitForIdentity(t)
	metadata := fakegke.Serve(t, fixtures.Account)
	metadata.SetRefuseTokens(3)
	image := newImageEnv(t, metadata)
	got := image.run(t, command, env)
	if got.code != 0 || !strings.Contains(got.stdout, "token received on attempt 4") {
		t.Fatalf("a token after 3 refusals did not let the pod start: %+v", got)
	}
	if sleeps := image.sleepsAsked(t); !slices.Equal(sleeps, []string{"1", "2", "4"}) {
		t.Errorf("the script slept %v between attempts, want 1, 2, 4 seconds", sleeps)
	}
	if strings.Contains(got.stdout+got.stderr, "ya29.") {
		t.Error("the script printed the access token")
	}
}

func TestWaitForIdentityRecoversFromAnEarlyMissThatGcloudRemembers(t *testing.T) {
	t.Parallel()
	command, env := waitForIdentity(t)
	metadata := fakegke.Serve(t, fixtures.Account)
	// The first probe is cut off, so gcloud writes down "not on Google Cloud".
	metadata.DropFirst(1)
	got := newImageEnv(t, metadata).run(t, command, env)
	if got.code != 0 || !strings.Contains(got.stdout, "token received on attempt 2") {
		t.Fatalf("one early miss failed the pod for gcloud's ten-minute memory: %+v", got)
	}
}

func TestWaitForIdentityGivesUpAfterAboutAMinuteAndSaysWhereToLook(t *testing.T) {
	t.Parallel()
	command, env := waitForIdentity(t)
	metadata := fakegke.Serve(t, fixtures.Account)
	metadata.SetRefuseTokens(-1)
	image := newImageEnv(t, metadata)
	got := image.run(t, command, env)
	if got.code == 0 {
		t.Fatalf("the init container succeeded without a token: %+v", got)
	}
	for _, want := range []string{"gave no token after about a minute", "metadataServerLogFilter", "HTTP Error 403"} {
		if !strings.Contains(got.stderr, want) {
			t.Errorf("the failure message lacks %q:\n%s", want, got.stderr)
		}
	}
	total := 0
	for _, s := range image.sleepsAsked(t) {
		seconds, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("sleep %q", s)
		}
		total += seconds
	}
	if asked := metadata.TokensAsked(); asked != 8 || total < 45 || total > 90 {
		t.Errorf("%d token requests over %d s of back-off, want 8 over about a minute", asked, total)
	}
}

func TestWaitForIdentityWithoutGcloudSaysSoOnce(t *testing.T) {
	t.Parallel()
	command, env := waitForIdentity(t)
	got := newImageEnv(t, fakegke.Serve(t, fixtures.Account)).withoutGcloud(t).run(t, command, env)
	if got.code == 0 || !strings.Contains(got.stderr, "gcloud is not on PATH") {
		t.Fatalf("a missing gcloud was not reported: %+v", got)
	}
	if lines := strings.Count(strings.TrimSpace(got.stderr+got.stdout), "\n") + 1; lines != 1 {
		t.Errorf("a missing gcloud produced %d lines, want one:\n%s%s", lines, got.stdout, got.stderr)
	}
}

// verification is the container of the dev fixture's verification Job.
func verification(t *testing.T) ([]string, map[string]string) {
	t.Helper()
	return container(t, podspec.Verification)
}

func TestVerificationPassesOnlyForTheExpectedAccountWithAToken(t *testing.T) {
	t.Parallel()
	command, env := verification(t)
	for _, c := range []struct {
		name         string
		account      string
		refuseTokens int
		code         int
		words        string
	}{
		{"the GSA with a token", fixtures.Account, 0, 0, "verify: OK: the pod acts as " + fixtures.Account},
		{"the wrong account", "someone-else@other.iam.gserviceaccount.com", 0, 1,
			"the pod acts as 'someone-else@other.iam.gserviceaccount.com', want '" + fixtures.Account + "'"},
		// The wait's hint ends the output, which the termination message keeps.
		{"no token", fixtures.Account, -1, 1, "Read its logs with the metadataServerLogFilter stack output"},
	} {
		t.Run(c.name, func(t *testing.T) {
			metadata := fakegke.Serve(t, c.account)
			metadata.SetRefuseTokens(c.refuseTokens)
			got := newImageEnv(t, metadata).run(t, command, env)
			if got.code != c.code || !strings.Contains(got.stdout+got.stderr, c.words) {
				t.Errorf("exit %d, want %d with %q: %+v", got.code, c.code, c.words, got)
			}
		})
	}
	got := newImageEnv(t, fakegke.Serve(t, fixtures.Account)).withoutGcloud(t).run(t, command, env)
	if got.code == 0 || !strings.Contains(got.stderr, "wait-for-identity: gcloud is not on PATH") {
		t.Errorf("a missing gcloud was not reported: %+v", got)
	}
}

func TestTheJobsDefaultCommandRunsInTheImage(t *testing.T) {
	t.Parallel()
	command, env := container(t, podspec.CronJobJob)
	got := newImageEnv(t, fakegke.Serve(t, fixtures.Account)).run(t, command, env)
	if got.code != 0 || !strings.Contains(got.stdout, "projectId: "+fixtures.Project) {
		t.Errorf("the default command failed in the image: %+v", got)
	}
}

// kubectlStub appends each call's arguments to the file argsFile, each
// NUL-terminated and the call ended by a record separator, as the shell
// handed them over.
func kubectlStub(argsFile string) string {
	return "#!/bin/sh\nfor arg; do printf '%s\\0' \"$arg\"; done >> " + argsFile + "\nprintf '\\036' >> " + argsFile + "\n"
}

// kubectlCalls pastes command into a shell of the image environment, with a
// kubectl that only records how it is called, and returns its calls.
func kubectlCalls(t *testing.T, image *imageEnv, command string) [][]string {
	t.Helper()
	args := filepath.Join(t.TempDir(), "kubectl-args")
	if err := os.WriteFile(filepath.Join(image.bin, "kubectl"), []byte(kubectlStub(args)), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := image.run(t, []string{"/bin/sh", "-c", command}, nil); got.code != 0 {
		t.Fatalf("the shell did not run %q: %+v", command, got)
	}
	data, err := os.ReadFile(args)
	if err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	for _, call := range strings.Split(strings.TrimSuffix(string(data), "\x1e"), "\x1e") {
		calls = append(calls, strings.Split(strings.TrimSuffix(call, "\x00"), "\x00"))
	}
	return calls
}

// verifyPod is the pod that the verifyCommand output asks kubectl to run.
func verifyPod(t *testing.T, image *imageEnv, command string) map[string]any {
	t.Helper()
	calls := kubectlCalls(t, image, command)
	for _, arg := range calls[0] {
		if overrides, ok := strings.CutPrefix(arg, "--overrides="); ok && len(calls) == 1 {
			var pod map[string]any
			if err := json.Unmarshal([]byte(overrides), &pod); err != nil {
				t.Fatalf("the overrides are not JSON: %v\n%s", err, overrides)
			}
			return pod
		}
	}
	t.Fatalf("kubectl was not called once with --overrides: %q", calls)
	return nil
}

func TestVerifyCommandRunsTheVerificationAsTheKSA(t *testing.T) {
	t.Parallel()
	command := output(t, podspec.VerifyCommand)
	metadata := fakegke.Serve(t, fixtures.Account)
	image := newImageEnv(t, metadata)
	spec := verifyPod(t, image, command)["spec"].(map[string]any)
	if spec["serviceAccountName"] != fixtures.KSA {
		t.Errorf("the check pod runs as %v, want %s", spec["serviceAccountName"], fixtures.KSA)
	}
	if violations := podspec.RestrictedViolations(spec); len(violations) > 0 {
		t.Errorf("the namespace would refuse the check pod: %v", violations)
	}
	// The init container first, as the kubelet runs them.
	waitCommand, waitEnv := podspec.MustContainer(t, spec, "wait-for-identity")
	metadata.SetRefuseTokens(2)
	if got := image.run(t, waitCommand, waitEnv); got.code != 0 || !strings.Contains(got.stdout, "token received on attempt 3") {
		t.Errorf("the check pod does not wait for its identity: %+v", got)
	}
	checkCommand, env := podspec.MustContainer(t, spec, "wi-check")
	if got := image.run(t, checkCommand, env); got.code != 0 || !strings.Contains(got.stdout, "verify: OK") {
		t.Errorf("the check pod's command failed for the right account: %+v", got)
	}
	metadata.SetAccount("someone-else@other.iam.gserviceaccount.com")
	if got := image.run(t, checkCommand, env); got.code == 0 || !strings.Contains(got.stderr, "want '"+fixtures.Account+"'") {
		t.Errorf("the check pod's command passed for the wrong account: %+v", got)
	}
}

func TestRunNowCommandStartsTheJobWaitsForItThenShowsItsLogs(t *testing.T) {
	t.Parallel()
	command := output(t, podspec.RunNowCommand)
	calls := kubectlCalls(t, newImageEnv(t, fakegke.Serve(t, fixtures.Account)), command)
	if len(calls) != 3 {
		t.Fatalf("kubectl was called %d times, want create, wait and logs: %q", len(calls), calls)
	}
	create, wait, logs := calls[0], calls[1], calls[2]
	job := create[len(create)-1]
	for i, want := range [][]string{
		{"--namespace", fixtures.Namespace, "create", "job", "--from=cronjob/workload-identity-test", job},
		{"--namespace", fixtures.Namespace, "wait", "--for=condition=complete", "--timeout=660s", "job/" + job},
		{"--namespace", fixtures.Namespace, "logs", "--all-containers", "job/" + job},
	} {
		if !slices.Equal(calls[i], want) {
			t.Errorf("kubectl call %d = %q, want %q", i, calls[i], want)
		}
	}
	if !strings.HasPrefix(job, "manual-") || len(wait) == 0 || len(logs) == 0 {
		t.Errorf("the job is named %q", job)
	}
}
