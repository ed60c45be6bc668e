package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

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
	metadata             *fakeMetadata
}

// scratchInPod is where the pod mounts its writable emptyDir.
const scratchInPod = "/tmp"

func newImageEnv(t *testing.T, metadata *fakeMetadata) *imageEnv {
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
		err = os.Symlink(gcloudStub(t), target)
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
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+snippet+"\nexec "+gcloudStub(t)+" \"$@\"\n"), 0o755); err != nil {
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
	cmd.Env = []string{"PATH=" + e.bin, "TMPDIR=" + e.scratch, "GCE_METADATA_ROOT=" + e.metadata.addr}
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

var (
	stubOnce sync.Once
	stubPath string
	stubErr  error
)

// gcloudStub builds ./gcloudstub once per test binary, statically, so that it
// needs nothing from the PATH it runs on. It builds into this checkout's
// bin/, where go finds it up to date and links nothing on the next run.
func gcloudStub(t *testing.T) string {
	t.Helper()
	stubOnce.Do(func() {
		bin, err := filepath.Abs(filepath.Join("..", "bin", "test"))
		if err != nil {
			stubErr = err
			return
		}
		stubPath = filepath.Join(bin, "gcloud")
		build := exec.Command("go", "build", "-o", stubPath, "./gcloudstub")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			stubErr = fmt.Errorf("building the gcloud stub: %v\n%s", err, out)
		}
	})
	if stubErr != nil {
		t.Fatal(stubErr)
	}
	return stubPath
}

// TestMain gives the tests' garbage collector more room: a run allocates
// much and lives for seconds, and GOGC=400 took 0.3 s off the 3.3 s it ran
// in on 2 cores. A GOGC in the environment wins.
func TestMain(m *testing.M) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	os.Exit(m.Run())
}

// fakeMetadata is the GKE metadata server as a pod sees it, with the ways it
// can let a pod down. Like the real one, it answers only requests that carry
// Metadata-Flavor: Google, and marks its answers the same way.
type fakeMetadata struct {
	addr string

	mu      sync.Mutex
	account string
	// refuseTokens is how many token requests get HTTP 403 before one gets a
	// token, as while a binding propagates; -1 refuses them all.
	refuseTokens int
	// dropFirst is how many requests of any kind are cut off unanswered, as
	// in a pod's first moments.
	dropFirst     int
	tokenRequests int
	// held are the permissions that the fake Google APIs say the account
	// holds, by resource (googleapis_test.go).
	held map[string]*heldPermissions
}

func startFakeMetadata(t *testing.T, account string) *fakeMetadata {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &fakeMetadata{addr: listener.Addr().String(), account: account}
	server := &http.Server{Handler: m, ReadHeaderTimeout: 5 * time.Second}
	go server.Serve(listener) //nolint:errcheck // Serve returns when the test closes the server.
	t.Cleanup(func() { server.Close() })
	return m
}

func (m *fakeMetadata) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, googleAPIs) {
		m.serveAPI(w, r)
		return
	}
	if m.dropFirst > 0 {
		m.dropFirst--
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	if r.Header.Get("Metadata-Flavor") != "Google" {
		http.Error(w, "Missing Metadata-Flavor:Google header.", http.StatusForbidden)
		return
	}
	w.Header().Set("Metadata-Flavor", "Google")
	switch r.URL.Path {
	case "/computeMetadata/v1/project/numeric-project-id":
		fmt.Fprint(w, "123456789012")
	case "/computeMetadata/v1/instance/service-accounts/default/email":
		fmt.Fprint(w, m.account)
	case "/computeMetadata/v1/instance/service-accounts/default/token":
		m.tokenRequests++
		if m.refuseTokens < 0 || m.tokenRequests <= m.refuseTokens {
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":%q,"expires_in":3599,"token_type":"Bearer"}`, tokenOf(m.account))
	default:
		http.NotFound(w, r)
	}
}

func (m *fakeMetadata) setRefuseTokens(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refuseTokens = n
}

func (m *fakeMetadata) setAccount(account string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.account = account
}

func (m *fakeMetadata) tokensAsked() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokenRequests
}

// containerIn returns the command and env of the named container (init or
// not) in the pod spec at path of a registration.
func containerIn(t *testing.T, reg registration, path []any, name string) ([]string, map[string]string) {
	t.Helper()
	pod, _ := get(reg.Inputs, path...).(map[string]any)
	return containerOf(t, pod, name)
}

func containerOf(t *testing.T, pod map[string]any, name string) ([]string, map[string]string) {
	t.Helper()
	for _, c := range containers(pod) {
		if c["name"] != name {
			continue
		}
		var command []string
		for _, arg := range c["command"].([]any) {
			command = append(command, arg.(string))
		}
		env := map[string]string{}
		list, _ := c["env"].([]any)
		for _, e := range list {
			pair := e.(map[string]any)
			env[pair["name"].(string)] = pair["value"].(string)
		}
		return command, env
	}
	t.Fatalf("the pod has no container %q", name)
	return nil, nil
}

func TestTheImageEnvironmentHoldsOnlyWhatTheImageHas(t *testing.T) {
	t.Parallel()
	env := newImageEnv(t, startFakeMetadata(t, "x"))
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
