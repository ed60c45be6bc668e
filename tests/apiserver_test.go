//go:build apiserver || node

package tests

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// The API-server tier applies what the program registers to a real
// kube-apiserver (with etcd), built by `make tools` into bin/. It runs with
// `make test-apiserver` and in CI; GKEWI_REQUIRE_APISERVER=1 turns a missing
// binary from a skip into a failure. The node tier (node_test.go) starts the
// same server inside a network namespace of its own.

const (
	fieldManager = "gkewi"
	adminToken   = "gkewi-test-admin-token"
)

// apiServer is a kube-apiserver on loopback, with its etcd.
type apiServer struct {
	client   *dynamic.DynamicClient
	mapper   meta.RESTMapper
	config   *rest.Config
	version  string
	warnings *warningLog
	// host runs processes beside the server, and kubeconfig lets them reach it.
	host       processHost
	kubeconfig string
	// userTokens are what a user's credential plugin gets: tokens that
	// expire.
	userTokens *userTokens
}

// processHost starts processes in a network namespace, or in the test's own
// where netns is "", and dials into it.
type processHost struct {
	netns string
	dial  func(ctx context.Context, network, address string) (net.Conn, error)
}

func (h processHost) command(name string, args ...string) *exec.Cmd {
	if h.netns == "" {
		return exec.Command(name, args...)
	}
	return exec.Command("nsenter", append([]string{"--net=/run/netns/" + h.netns, "--", name}, args...)...)
}

// warningLog keeps the warning headers the API server sends.
type warningLog struct {
	mu       sync.Mutex
	messages []string
}

func (w *warningLog) HandleWarningHeader(_ int, _ string, message string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.messages = append(w.messages, message)
}

// take returns the warnings since the last call and forgets them.
func (w *warningLog) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.messages
	w.messages = nil
	return out
}

func toolBinary(t *testing.T, name string) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("..", "bin", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		skipOrFail(t, fmt.Sprintf("%s is not built; run `make tools` (or `make test-apiserver`, which builds it)", path))
	}
	return path
}

// skipOrFail skips a tier that cannot run here, or fails it where the
// Makefile asked for it (GKEWI_REQUIRE_APISERVER or GKEWI_REQUIRE_NODE).
func skipOrFail(t *testing.T, message string) {
	t.Helper()
	if os.Getenv("GKEWI_REQUIRE_APISERVER") == "1" || os.Getenv("GKEWI_REQUIRE_NODE") == "1" {
		t.Fatal(message)
	}
	t.Skip(message)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startProcess runs a binary on host until the test ends, with its output
// in a log file that a failing test prints.
func startProcess(t *testing.T, host processHost, dir, name string, args ...string) {
	t.Helper()
	logPath := filepath.Join(dir, filepath.Base(name)+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := host.command(name, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logFile.Close()
		if t.Failed() {
			data, _ := os.ReadFile(logPath)
			t.Logf("last output of %s:\n%s", filepath.Base(name), tail(string(data), 3000))
		}
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// startAPIServer starts etcd and kube-apiserver on loopback, with a static
// admin token, RBAC and a service-account key, and waits until it is ready.
func startAPIServer(t *testing.T) *apiServer {
	t.Helper()
	return startAPIServerOn(t, processHost{}, t.TempDir())
}

// startAPIServerOn starts the server on host, keeping its files in dir.
func startAPIServerOn(t *testing.T, host processHost, dir string) *apiServer {
	t.Helper()
	apiserverBin, etcdBin := toolBinary(t, "kube-apiserver"), toolBinary(t, "etcd")
	clientPort, peerPort, securePort := freePort(t), freePort(t), freePort(t)
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	startProcess(t, host, dir, etcdBin,
		"--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default="+peerURL, "--log-level", "warn")

	keyFile := filepath.Join(dir, "sa.key")
	writeServiceAccountKey(t, keyFile)
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(adminToken+",admin,admin,system:masters\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	webhook := filepath.Join(dir, "user-tokens.kubeconfig")
	userTokens := startUserTokens(t, host, webhook)
	startProcess(t, host, dir, apiserverBin,
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--secure-port", fmt.Sprint(securePort), "--cert-dir", filepath.Join(dir, "certs"),
		"--token-auth-file", tokens, "--authorization-mode", "RBAC",
		// No cache, so that a rotated token is refused at once.
		"--authentication-token-webhook-config-file", webhook, "--authentication-token-webhook-version", "v1",
		"--authentication-token-webhook-cache-ttl", "0s",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", keyFile, "--service-account-signing-key-file", keyFile,
		"--service-cluster-ip-range", "10.96.0.0/24",
		// The node tier's node has an address but no name that resolves.
		"--kubelet-preferred-address-types", "InternalIP")

	warnings := &warningLog{}
	server := fmt.Sprintf("https://127.0.0.1:%d", securePort)
	config := &rest.Config{
		Host:            server,
		BearerToken:     adminToken,
		TLSClientConfig: rest.TLSClientConfig{Insecure: true},
		WarningHandler:  warnings,
		Dial:            host.dial,
	}
	kubeconfig := filepath.Join(dir, "admin.kubeconfig")
	writeAdminKubeconfig(t, kubeconfig, server)
	waitReady(t, config)
	client, err := dynamic.NewForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	disco, err := discovery.NewDiscoveryClientForConfig(config)
	if err != nil {
		t.Fatal(err)
	}
	version, err := disco.ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	warnings.take()
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco))
	return &apiServer{client: client, mapper: mapper, config: config, version: version.GitVersion, warnings: warnings,
		host: host, kubeconfig: kubeconfig, userTokens: userTokens}
}

// writeAdminKubeconfig lets the other processes of a tier reach the server
// as its admin.
func writeAdminKubeconfig(t *testing.T, path, server string) {
	t.Helper()
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: %q, insecure-skip-tls-verify: true}
users:
- name: admin
  user: {token: %q}
contexts:
- name: test
  context: {cluster: test, user: admin}
current-context: test
`, server, adminToken)
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeServiceAccountKey(t *testing.T, path string) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
}

// waitReady polls /readyz for up to a minute.
func waitReady(t *testing.T, config *rest.Config) {
	t.Helper()
	transport, err := rest.TransportFor(config)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: transport, Timeout: 2 * time.Second}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(config.Host + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatal("the API server was not ready within a minute")
}

// object is a Kubernetes object as the program registers it.
func object(reg registration) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: get(reg.Inputs).(map[string]any)}
	if reg.Type == serviceAccountPatchType {
		obj.SetKind("ServiceAccount")
	}
	return obj
}

// namedObject is object(reg), with the name Pulumi would give it on create
// where the program leaves it to Pulumi.
func namedObject(reg registration, stack string) *unstructured.Unstructured {
	obj := object(reg)
	if obj.GetName() == "" {
		obj.SetName(reg.Name + "-" + stack)
	}
	return obj
}

// resourceFor is the REST resource of obj's kind, as the server names it.
func (s *apiServer) resourceFor(obj *unstructured.Unstructured) (schema.GroupVersionResource, error) {
	gvk := obj.GroupVersionKind()
	mapping, err := s.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return schema.GroupVersionResource{}, err
	}
	return mapping.Resource, nil
}

// apply server-side-applies obj as gkewi and fails on an error or a warning.
func (s *apiServer) apply(t *testing.T, obj *unstructured.Unstructured) {
	t.Helper()
	s.applyAs(t, obj, true)
}

// applyAs applies obj with or without taking over fields that another
// manager owns: Pulumi forces for the objects it creates, not for patches.
func (s *apiServer) applyAs(t *testing.T, obj *unstructured.Unstructured, force bool) {
	t.Helper()
	if err := s.tryApply(obj, fieldManager, force); err != nil {
		t.Fatalf("applying %s %s/%s: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
	}
	if warnings := s.warnings.take(); len(warnings) > 0 {
		t.Errorf("applying %s %s/%s drew warnings: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), warnings)
	}
}

func (s *apiServer) tryApply(obj *unstructured.Unstructured, manager string, force bool) error {
	data, err := json.Marshal(obj.Object)
	if err != nil {
		return err
	}
	gvr, err := s.resourceFor(obj)
	if err != nil {
		return err
	}
	resource := s.client.Resource(gvr)
	var ri dynamic.ResourceInterface = resource
	if ns := obj.GetNamespace(); ns != "" {
		ri = resource.Namespace(ns)
	}
	_, err = ri.Patch(context.Background(), obj.GetName(), types.ApplyPatchType, data,
		metav1.PatchOptions{FieldManager: manager, Force: &force})
	return err
}

// existingObjects are what an example stack expects to exist already: the
// namespace and KSA it annotates rather than creates. The namespace enforces
// restricted, so that the pods are judged as strictly as in a new one.
func existingObjects(rec *recorder) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, reg := range rec.byType(serviceAccountPatchType) {
		patch := object(reg)
		labels := map[string]any{}
		for _, mode := range []string{"enforce", "audit", "warn"} {
			labels["pod-security.kubernetes.io/"+mode] = "restricted"
		}
		out = append(out,
			&unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "v1", "kind": "Namespace",
				"metadata": map[string]any{"name": patch.GetNamespace(), "labels": labels},
			}},
			&unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "v1", "kind": "ServiceAccount",
				"metadata": map[string]any{"name": patch.GetName(), "namespace": patch.GetNamespace()},
			}})
	}
	return out
}

func TestAPIServerAcceptsEveryStacksKubernetesObjects(t *testing.T) {
	server := startAPIServer(t)
	t.Logf("API server %s", server.version)
	for _, stack := range slices.Sorted(maps.Keys(stackFiles())) {
		t.Run(stack, func(t *testing.T) {
			rec := mustRecord(t, stackConfig(t, stack), inStack(stack))
			for _, obj := range existingObjects(rec) {
				if err := server.tryApply(obj, "test-setup", true); err != nil {
					t.Fatalf("creating the existing %s: %v", obj.GetKind(), err)
				}
			}
			server.warnings.take()
			var applied []string
			for _, typ := range applyOrder {
				for _, reg := range rec.byType(typ) {
					obj := namedObject(reg, stack)
					server.applyAs(t, obj, reg.Type != serviceAccountPatchType)
					applied = append(applied, obj.GetKind()+" "+obj.GetName())
				}
			}
			t.Logf("applied: %s", strings.Join(applied, ", "))
			ksa := registeredKSA(t, rec)
			for _, cron := range rec.byType(cronJobType) {
				server.runCronJobByHand(t, object(cron), ksa)
			}
			for _, job := range rec.byType(jobType) {
				obj := namedObject(job, stack)
				server.createPod(t, obj.GetNamespace(), obj.GetName()+"-pod", podTemplate(t, obj.Object, "spec", "template"), ksa)
			}
		})
	}
}

// registeredKSA is the name of the KSA the stack creates or annotates.
func registeredKSA(t *testing.T, rec *recorder) string {
	t.Helper()
	for _, typ := range []string{ksaType, serviceAccountPatchType} {
		for _, reg := range rec.byType(typ) {
			return object(reg).GetName()
		}
	}
	t.Fatal("the stack registers no KSA and no KSA patch")
	return ""
}

// runCronJobByHand does what the CronJob and Job controllers would: a Job
// from the CronJob's jobTemplate, and a Pod from that Job's template.
func (s *apiServer) runCronJobByHand(t *testing.T, cron *unstructured.Unstructured, ksa string) {
	t.Helper()
	jobTemplate, _, _ := unstructured.NestedMap(cron.Object, "spec", "jobTemplate")
	job := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "batch/v1", "kind": "Job",
		"metadata": map[string]any{"name": cron.GetName() + "-manual", "namespace": cron.GetNamespace()},
		"spec":     jobTemplate["spec"],
	}}
	s.apply(t, job)
	s.createPod(t, cron.GetNamespace(), cron.GetName()+"-manual-pod", podTemplate(t, job.Object, "spec", "template"), ksa)
}

func podTemplate(t *testing.T, obj map[string]any, path ...string) map[string]any {
	t.Helper()
	template, found, err := unstructured.NestedMap(obj, path...)
	if err != nil || !found {
		t.Fatalf("no pod template at %v: %v", path, err)
	}
	return template
}

// createPod creates a Pod from a pod template and checks that admission,
// PodSecurity included, accepts it as it is and that it runs as ksa.
func (s *apiServer) createPod(t *testing.T, namespace, name string, template map[string]any, ksa string) {
	t.Helper()
	metadata, _ := template["metadata"].(map[string]any)
	if metadata == nil {
		metadata = map[string]any{}
	}
	metadata["name"], metadata["namespace"] = name, namespace
	pod := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template["spec"],
	}}
	s.apply(t, pod)
	got, err := s.client.Resource(schema.GroupVersionResource{Version: "v1", Resource: "pods"}).Namespace(namespace).
		Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sa, _, _ := unstructured.NestedString(got.Object, "spec", "serviceAccountName"); sa != ksa {
		t.Errorf("pod %s/%s runs as %q, want the KSA %q", namespace, name, sa, ksa)
	}
}

func TestAPIServerRefusesWhatItShould(t *testing.T) {
	server := startAPIServer(t)
	rec := mustRecord(t, devFixture())
	for _, typ := range []string{namespaceType, ksaType} {
		server.apply(t, object(rec.byType(typ)[0]))
	}
	cron := object(rec.one(t, cronJobType, "gkewi-cronjob"))
	template := podTemplate(t, cron.Object, "spec", "jobTemplate", "spec", "template")

	t.Run("a pod that breaks restricted", func(t *testing.T) {
		broken := template
		containers, _, _ := unstructured.NestedSlice(broken, "spec", "containers")
		containers[0].(map[string]any)["securityContext"].(map[string]any)["allowPrivilegeEscalation"] = true
		_ = unstructured.SetNestedSlice(broken, containers, "spec", "containers")
		broken["metadata"] = map[string]any{"name": "escalating", "namespace": cron.GetNamespace()}
		pod := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Pod",
			"metadata": broken["metadata"], "spec": broken["spec"]}}
		err := server.tryApply(pod, fieldManager, true)
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "violates PodSecurity") {
			t.Errorf("a privilege-escalating pod was not refused by PodSecurity: %v", err)
		}
	})
	t.Run("a 4-field schedule", func(t *testing.T) {
		bad := cron.DeepCopy()
		_ = unstructured.SetNestedField(bad.Object, "*/5 * * *", "spec", "schedule")
		bad.SetName("four-fields")
		if err := server.tryApply(bad, fieldManager, true); !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "5 fields") {
			t.Errorf("a 4-field schedule was not refused: %v", err)
		}
	})
	t.Run("batch/v1beta1", func(t *testing.T) {
		old := cron.DeepCopy()
		old.SetAPIVersion("batch/v1beta1")
		old.SetName("beta")
		// The server's discovery lists no batch/v1beta1 CronJob any more.
		if err := server.tryApply(old, fieldManager, true); !meta.IsNoMatchError(err) {
			t.Errorf("batch/v1beta1 CronJobs are still served: %v", err)
		}
	})
}
