package scripts_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gkewi/gkewi/components/scripts"
	"github.com/gkewi/gkewi/tests/fakegke"
	"github.com/gkewi/gkewi/tests/lowpriority"
	"github.com/gkewi/gkewi/tests/podspec"
)

// The pods' scripts, run on the host as the default image would run them:
// with only the image's tools on the PATH, a stub gcloud, and a fake GKE
// metadata server and Google APIs (tests/fakegke). What they run is the
// program's own commands, from podspec.FixturesFile, which the tests
// package keeps current. This package links no Pulumi SDK, so that
// `go test ./...` runs it while it links the tests package.

// fixtures are the commands the program gives the dev fixture's pods, which
// TestMain reads.
var fixtures *podspec.Fixtures

// fixturesFile is podspec.FixturesFile from here.
var fixturesFile = filepath.Join("..", "..", "tests", podspec.FixturesFile)

// TestMain reads the fixtures, refuses them when they hold other scripts
// than those here, and runs the tests at a lower priority, beside the link
// of the tests package's binary (tests/lowpriority says why).
func TestMain(m *testing.M) {
	var err error
	if fixtures, err = podspec.LoadFixtures(fixturesFile); err == nil {
		err = scriptsAreCurrent(fixtures)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(lowpriority.Run(m))
}

// scriptsAreCurrent refuses fixtures made before a script changed, which
// the tests here would run as it was: TestPodFixturesAreCurrent in tests
// fails too, but only in a run of that package.
func scriptsAreCurrent(f *podspec.Fixtures) error {
	for name, script := range map[string]string{
		"wait-for-identity.sh": scripts.WaitForIdentity, "verify.sh": scripts.Verify, "prove-grants.sh": scripts.ProveGrants,
	} {
		// Each script is an argument of its own in the commands that run it.
		if !slices.ContainsFunc(slices.Collect(maps.Values(f.Containers)), func(c podspec.Command) bool {
			return slices.Contains(c.Command, script)
		}) {
			return fmt.Errorf("%s was made from another %s than components/scripts holds now: run `make plan`", fixturesFile, name)
		}
	}
	return nil
}

// container is the command and the environment of one of the fixtures'
// containers; the environment is the test's own copy.
func container(t *testing.T, name string) ([]string, map[string]string) {
	t.Helper()
	c, ok := fixtures.Containers[name]
	if !ok {
		t.Fatalf("%s has no container %q; run `make plan`", fixturesFile, name)
	}
	return c.Command, maps.Clone(c.Env)
}

// output is one of the fixtures' outputs.
func output(t *testing.T, name string) string {
	t.Helper()
	command, ok := fixtures.Outputs[name]
	if !ok {
		t.Fatalf("%s has no output %q; run `make plan`", fixturesFile, name)
	}
	return command
}

// defaultImageTools are the commands that the default image,
// gcr.io/google.com/cloudsdktool/google-cloud-cli:stable, has on its PATH, by
// the Debian package that ships them: the ones a pod script may use.
//
// Source: GoogleCloudPlatform/cloud-sdk-docker, stable/Dockerfile. Its runtime
// stage is marketplace.gcr.io/google/debian12 (Debian 12's required packages)
// plus a copy of /usr/lib/google-cloud-sdk, whose bin/ it appends to PATH.
// curl, ca-certificates, lsb-release and gnupg are installed only in its build
// stage, and python3 only on arm, so curl, wget, python3 and jq are absent.
var defaultImageTools = map[string][]string{
	"dash (/bin/sh)": {"sh"},
	"bash":           {"bash"},
	"coreutils": {"[", "basename", "cat", "chmod", "cp", "cut", "date", "dirname", "echo", "env", "false", "head",
		"id", "ls", "mkdir", "mktemp", "mv", "printf", "pwd", "rm", "rmdir", "sleep", "sort", "tail", "tee", "test",
		"touch", "tr", "true", "uname", "uniq", "wc"},
	"grep":             {"grep"},
	"sed":              {"sed"},
	"findutils":        {"find", "xargs"},
	"google-cloud-sdk": {"gcloud"},
}

// absentFromDefaultImage are tools that a script might reach for and that
// the default image does not have.
var absentFromDefaultImage = []string{"curl", "wget", "python3", "python", "jq", "nc"}

// imageEnv runs a pod's commands as the default image would: a PATH with only
// defaultImageTools, a stub gcloud that talks to a fake GKE metadata server,
// and a stub sleep that returns at once and writes down how long it was asked
// to sleep. scratch stands for the pod's writable emptyDir at /tmp.
type imageEnv struct {
	bin, scratch, sleeps string
	metadata             *fakegke.Metadata
}

// scratchInPod is where the pod mounts its writable emptyDir.
const scratchInPod = "/tmp"

func newImageEnv(t *testing.T, metadata *fakegke.Metadata) *imageEnv {
	t.Helper()
	dir := t.TempDir()
	env := &imageEnv{
		bin:      filepath.Join(dir, "bin"),
		scratch:  filepath.Join(dir, "scratch"),
		sleeps:   filepath.Join(dir, "sleeps"),
		metadata: metadata,
	}
	for _, d := range []string{env.bin, env.scratch} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tools := range defaultImageTools {
		for _, tool := range tools {
			env.install(t, tool)
		}
	}
	return env
}

// install puts tool on the PATH: a stub for gcloud and sleep, the host's own
// binary for the rest.
func (e *imageEnv) install(t *testing.T, tool string) {
	t.Helper()
	target := filepath.Join(e.bin, tool)
	var err error
	switch tool {
	case "gcloud":
		err = os.Symlink(fakegke.GcloudStub(t), target)
	case "sleep":
		err = os.WriteFile(target, []byte("#!/bin/sh\necho \"$1\" >> "+e.sleeps+"\n"), 0o755)
	case "sh":
		err = os.Symlink(hostTool(t, "dash"), target)
	default:
		err = os.Symlink(hostTool(t, tool), target)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// wrapGcloud puts before the stub gcloud a shell snippet that sees its
// arguments first, as a gcloud that differs from the stub would.
func (e *imageEnv) wrapGcloud(t *testing.T, snippet string) {
	t.Helper()
	path := filepath.Join(e.bin, "gcloud")
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+snippet+"\nexec "+fakegke.GcloudStub(t)+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

// withoutGcloud removes gcloud from the PATH, as in an image that lacks it.
func (e *imageEnv) withoutGcloud(t *testing.T) *imageEnv {
	t.Helper()
	if err := os.Remove(filepath.Join(e.bin, "gcloud")); err != nil {
		t.Fatal(err)
	}
	return e
}

func hostTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("the host has no %s to stand in for the image's: %v", name, err)
	}
	return path
}

// result is what a command in the image did.
type result struct {
	code           int
	stdout, stderr string
}

// run runs command (as a container spec gives it) with the container's env,
// in which paths under /tmp point into the scratch directory.
func (e *imageEnv) run(t *testing.T, command []string, env map[string]string) result {
	t.Helper()
	if len(command) == 0 {
		t.Fatal("no command to run")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The container runtime finds a bare command on the image's PATH.
	name := command[0]
	if name == "/bin/sh" || !strings.Contains(name, "/") {
		name = filepath.Join(e.bin, filepath.Base(name))
	}
	cmd := exec.CommandContext(ctx, name, command[1:]...)
	cmd.Dir = e.scratch
	cmd.Env = []string{"PATH=" + e.bin, "TMPDIR=" + e.scratch, "GCE_METADATA_ROOT=" + e.metadata.Addr}
	for key, value := range env {
		if value == scratchInPod || strings.HasPrefix(value, scratchInPod+"/") {
			value = e.scratch + strings.TrimPrefix(value, scratchInPod)
		}
		cmd.Env = append(cmd.Env, key+"="+value)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return result{0, stdout.String(), stderr.String()}
	case errors.As(err, &exit):
		return result{exit.ExitCode(), stdout.String(), stderr.String()}
	}
	t.Fatalf("running %v: %v", command, err)
	return result{}
}

// sleepsAsked are the arguments the script gave sleep, in order.
func (e *imageEnv) sleepsAsked(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(e.sleeps)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(data))
}

func TestTheImageEnvironmentHoldsOnlyWhatTheImageHas(t *testing.T) {
	t.Parallel()
	env := newImageEnv(t, fakegke.Serve(t, "x"))
	entries, err := os.ReadDir(env.bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range absentFromDefaultImage {
		if slices.ContainsFunc(entries, func(e os.DirEntry) bool { return e.Name() == tool }) {
			t.Errorf("%s is on the hermetic PATH, but the default image has none", tool)
		}
	}
	got := env.run(t, []string{"/bin/sh", "-c", "curl --version"}, nil)
	if got.code != 127 || !strings.Contains(got.stderr, "curl: not found") {
		t.Errorf("curl ran in the image environment: %+v", got)
	}
}
