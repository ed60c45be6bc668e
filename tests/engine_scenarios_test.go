//go:build engine && node

package tests

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"

	"github.com/gkewi/gkewi/stacks"
)

// expireToken: the user's token of the stack's runs so far expires, as a
// Google access token does within the hour, and the credential sources get
// a fresh one, as gcloud and ESC give: the file that the stub of
// gke-gcloud-auth-plugin reads, and CLOUDSDK_AUTH_ACCESS_TOKEN for
// gkewi:kubernetesAuth accessToken. What the stack runs next succeeds only
// if its state holds no credential of the earlier runs.
func (w *engineWorld) expireToken(t *testing.T, stack auto.Stack) {
	t.Helper()
	expired := w.userTokens.token()
	fresh := w.userTokens.rotate()
	writeFile(t, w.token, fresh)
	w.env["CLOUDSDK_AUTH_ACCESS_TOKEN"] = fresh
	stack.Workspace().SetEnvVar("CLOUDSDK_AUTH_ACCESS_TOKEN", fresh)
	w.waitRefused(t, expired)
}

// waitRefused waits until the API server refuses token: the webhook's own
// cache is off, but the server may keep a success for a few seconds
// elsewhere, and the test must not depend on how long.
func (w *engineWorld) waitRefused(t *testing.T, token string) {
	t.Helper()
	config := rest.CopyConfig(w.config)
	config.BearerToken = token
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		_, err := client.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{Limit: 1})
		if apierrors.IsUnauthorized(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the API server still takes the expired token: %v", err)
		}
		time.Sleep(time.Second)
	}
}

// unreachableControlPlane: once a stack's control plane stops answering
// (its endpoint, a proxy here, closes, as when the cluster is gone or the
// caller's address left the authorized networks), destroy fails, and the
// Kubernetes provider's message names the way on. Rerun with
// PULUMI_K8S_DELETE_UNREACHABLE=true, as the README says, destroy forgets
// the Kubernetes objects and deletes everything at GCP.
func (w *engineWorld) unreachableControlPlane(t *testing.T) {
	ctx := context.Background()
	config := devAs("unreachable")
	server, err := url.Parse(w.config.Host)
	if err != nil {
		t.Fatal(err)
	}
	endpoint := startProxy(t, server.Host)
	env := maps.Clone(w.env)
	env["GKEWI_GCP_ENDPOINT"] = endpoint.address()
	stack := engineStack(t, w.root, w.dir, "gkewi", "unreachable", stacks.Program, env)
	w.configure(t, stack, config)
	before := w.gcpWorld(t)
	if up, err := stack.Up(ctx); err != nil {
		t.Fatalf("up failed: %v\n%s", err, up.StdOut)
	}
	state := exportedState(t, stack)
	endpoint.stop()
	// As make destroy runs it.
	_, err = stack.Destroy(ctx, optdestroy.RunProgram(true))
	if err == nil || !strings.Contains(err.Error(), "configured Kubernetes cluster is unreachable") ||
		!strings.Contains(err.Error(), "PULUMI_K8S_DELETE_UNREACHABLE") {
		t.Fatalf("destroy with the control plane unreachable did not fail saying so and what to do: %v", err)
	}
	stack.Workspace().SetEnvVar("PULUMI_K8S_DELETE_UNREACHABLE", "true")
	if destroy, err := stack.Destroy(ctx, optdestroy.RunProgram(true)); err != nil {
		t.Fatalf("destroy with PULUMI_K8S_DELETE_UNREACHABLE=true failed: %v\n%s", err, destroy.StdOut)
	}
	w.checkGCPDestroyed(t, state, before)
	// A gone cluster takes its objects with it; this one's control plane
	// is only out of the stack's reach, so the test removes them.
	err = w.typed.CoreV1().Namespaces().Delete(ctx, config["gkewi:namespace"], metav1.DeleteOptions{})
	if err != nil {
		t.Errorf("the stack's namespace was not left in the cluster for the destroy to forget: %v", err)
	}
}

// tcpProxy forwards connections to a target until it stops.
type tcpProxy struct {
	listener net.Listener
	mu       sync.Mutex
	conns    []net.Conn
	stopped  bool
}

// startProxy forwards a loopback port of the test's network namespace to
// target.
func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{listener: listener}
	go p.serve(target)
	t.Cleanup(p.stop)
	return p
}

func (p *tcpProxy) address() string { return p.listener.Addr().String() }

func (p *tcpProxy) serve(target string) {
	for {
		client, err := p.listener.Accept()
		if err != nil {
			return
		}
		upstream, err := net.Dial("tcp", target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		if p.stopped {
			// Accepted as the proxy stopped: refused like the rest.
			p.mu.Unlock()
			client.Close()
			upstream.Close()
			return
		}
		p.conns = append(p.conns, client, upstream)
		p.mu.Unlock()
		go pipe(client, upstream)
		go pipe(upstream, client)
	}
}

// pipe copies from one connection to the other, closing both at the end.
func pipe(from, to net.Conn) {
	_, _ = io.Copy(to, from)
	from.Close()
	to.Close()
}

// stop closes the port and every connection through it.
func (p *tcpProxy) stop() {
	p.listener.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	for _, conn := range p.conns {
		conn.Close()
	}
	p.conns = nil
}

// yamlConsumer: examples/yaml, two of the package's components, the second
// on the first's cluster through its kubeconfig (an output, and a secret),
// runs through its whole lifecycle under the YAML language host and the
// package's own plugin; and the first component's outputs are what the Go
// program gives for the same configuration.
func (w *engineWorld) yamlConsumer(t *testing.T) {
	dir := w.yamlProject(t)
	stack, err := auto.UpsertStackLocalSource(context.Background(), "yaml", dir, engineOptions(t, w.root, w.dir, w.env)...)
	if err != nil {
		t.Fatalf("creating the stack: %v", err)
	}
	var fromYAML map[string]string
	w.lifecycleOf(t, stack, nil, func(t *testing.T, stack auto.Stack, _ map[string]string) {
		fromYAML = normalisedOutputs(t, stack)
	})
	if len(fromYAML) == 0 {
		t.Fatal("the YAML stack has no outputs")
	}
	fromGo := w.goTwinOutputs(t, yamlComponentConfig(t, filepath.Join(dir, "Pulumi.yaml"), "reports"))
	for key, value := range fromYAML {
		if strings.HasPrefix(key, "audit") {
			continue
		}
		if fromGo[key] != value {
			t.Errorf("output %s: YAML gives %s, the Go program %s", key, value, fromGo[key])
		}
	}
}

// yamlProject is a copy of examples/yaml whose package is the plugin that
// `make plugin` built: the one that `pulumi package add ../../provider`
// would build, which needs the Go language host (not served here).
func (w *engineWorld) yamlProject(t *testing.T) string {
	t.Helper()
	source, err := os.ReadFile(filepath.Join("..", "examples", "yaml", "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	plugin := filepath.Join(w.dir, "gkewi-plugin")
	if err := os.MkdirAll(plugin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(w.root, "bin", "pulumi-resource-gkewi"), filepath.Join(plugin, "pulumi-resource-gkewi")); err != nil {
		t.Fatal(err)
	}
	const entry = "gkewi: ../../provider"
	if !strings.Contains(string(source), entry) {
		t.Fatalf("examples/yaml/Pulumi.yaml has no packages entry %q", entry)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Pulumi.yaml"), strings.Replace(string(source), entry, "gkewi: "+plugin, 1))
	return dir
}

// yamlComponentConfig is the Go program's configuration for the properties
// of the component called name in the YAML program at path.
func yamlComponentConfig(t *testing.T, path, name string) map[string]string {
	t.Helper()
	var program struct {
		Resources map[string]struct {
			Properties map[string]any `yaml:"properties"`
		} `yaml:"resources"`
	}
	data, err := os.ReadFile(path)
	if err == nil {
		err = yaml.Unmarshal(data, &program)
	}
	if err != nil {
		t.Fatal(err)
	}
	config := map[string]string{}
	for key, value := range program.Resources[name].Properties {
		if config[stacks.ConfigKey(key)], err = configString(value); err != nil {
			t.Fatal(err)
		}
	}
	return config
}

// goTwinOutputs are the outputs of the Go program with config, its
// component named as the YAML program's (after the project), up and then
// destroyed.
func (w *engineWorld) goTwinOutputs(t *testing.T, config map[string]string) map[string]string {
	t.Helper()
	ctx := context.Background()
	// A folder of its own: the other inline stacks' Pulumi.yaml names their
	// project.
	twin, err := auto.UpsertStackInlineSource(ctx, "yaml-twin", "reports", stacks.Program,
		append(engineOptions(t, w.root, w.dir, w.env), auto.WorkDir(t.TempDir()))...)
	if err != nil {
		t.Fatalf("creating the stack: %v", err)
	}
	w.configure(t, twin, config)
	if up, err := twin.Up(ctx); err != nil {
		t.Fatalf("the Go program's up failed: %v\n%s", err, up.StdOut)
	}
	outputs := normalisedOutputs(t, twin)
	if _, err := twin.Destroy(ctx); err != nil {
		t.Fatalf("the Go program's destroy failed: %v", err)
	}
	return outputs
}

// normalisedOutputs are the stack's outputs, each as its string or JSON,
// with every random id the stack made written as <its name>.
func normalisedOutputs(t *testing.T, stack auto.Stack) map[string]string {
	t.Helper()
	outputs, err := stack.Outputs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range exportedState(t, stack).Resources {
		if string(r.Type) == randomIDType {
			if hex, ok := r.Outputs["hex"].(string); ok {
				ids = append(ids, hex, "<"+r.URN.Name()+">")
			}
		}
	}
	normalise := strings.NewReplacer(ids...)
	out := map[string]string{}
	for key, output := range outputs {
		out[key] = normalise.Replace(fmt.Sprint(output.Value))
	}
	return out
}
