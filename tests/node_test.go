//go:build node

package tests

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"github.com/gkewi/gkewi/tests/fakegke"
)

// The node tier: a single-node Kubernetes cluster (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, containerd and kubelet) in a
// network namespace of its own, where the pods that gkewi's objects describe
// really run, from images built here from nothing, against a fake GKE
// metadata server at 169.254.169.254 (../shared/KUBELET-TIER.md has the
// probe behind it). It runs as root with `make test-node`.

const (
	nodeName = "gkewi-node"
	// nodeIP is the node's address on a bridge of its own: kubelet refuses a
	// loopback address, and the kernel here has no dummy interfaces.
	nodeIP      = "10.200.0.1"
	podSubnet   = "10.88.0.0/16"
	metadataIP  = "169.254.169.254"
	pauseImage  = "registry.k8s.io/pause:3.10"
	cniNetwork  = "gkewi"
	nodeTimeout = 3 * time.Minute
)

// nodeCluster is the running tier.
type nodeCluster struct {
	*apiServer
	typed    *kubernetes.Clientset
	dir      string
	metadata *podMetadata
	// readyAfter is how long the node took to become Ready.
	readyAfter time.Duration
}

// requireNodeTier skips the tier, or fails it under `make test-node`, where
// this machine cannot run it.
func requireNodeTier(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		skipOrFail(t, "the node tier needs root, for network namespaces, containerd and kubelet")
	}
	for _, tool := range []string{"containerd", "containerd-shim-runc-v2", "runc", "ctr", "ip", "nsenter", "mmdebstrap", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			skipOrFail(t, fmt.Sprintf("the node tier needs %s; .ci/run installs the packages", tool))
		}
	}
	if _, err := os.Stat("/usr/lib/cni/bridge"); err != nil {
		skipOrFail(t, "the node tier needs the CNI plugins in /usr/lib/cni (containernetworking-plugins)")
	}
}

// startNodeCluster starts everything in a network namespace of its own and
// returns once the node is Ready and the images are imported. Everything
// stops, by PID, when the test ends, and the machine-wide settings that
// kubelet changes are put back.
func startNodeCluster(t *testing.T) *nodeCluster {
	t.Helper()
	return startNodeClusterOn(t, func(dir string) processHost { return newNetns(t, filepath.Base(dir)) })
}

// startNodeClusterOn is startNodeCluster on the host that hostFor gives for
// the tier's directory.
func startNodeClusterOn(t *testing.T, hostFor func(dir string) processHost) *nodeCluster {
	t.Helper()
	restoreSysctls(t, "vm/overcommit_memory", "kernel/panic", "kernel/panic_on_oops", "net/ipv4/ip_forward")
	removeNewCgroups(t, "kubepods")
	// Short: containerd's socket path must fit in 108 bytes.
	dir, err := os.MkdirTemp("", "gkewi-node-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(t, dir) })
	host := hostFor(dir)
	started := time.Now()
	server := startAPIServerOn(t, host, dir)
	typed, err := kubernetes.NewForConfig(server.config)
	if err != nil {
		t.Fatal(err)
	}
	c := &nodeCluster{apiServer: server, typed: typed, dir: dir}
	c.metadata = startPodMetadata(t, host, typed)
	c.startControllers(t)
	socket := c.startContainerd(t)
	c.importImages(t, socket)
	c.startKubelet(t, socket)
	c.waitNodeReady(t)
	c.readyAfter = time.Since(started)
	t.Logf("node Ready %s after the tier started", c.readyAfter.Round(time.Second))
	return c
}

// restoreSysctls puts back, when the test ends, the settings that kubelet
// and the CNI bridge plugin change machine-wide.
func restoreSysctls(t *testing.T, keys ...string) {
	t.Helper()
	for _, key := range keys {
		path := filepath.Join("/proc/sys", key)
		value, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := os.WriteFile(path, value, 0o644); err != nil {
				t.Errorf("restoring %s: %v", key, err)
			}
		})
	}
}

// removeNewCgroups removes, when the test ends, the cgroup trees called name
// that kubelet creates under each hierarchy, unless they were there before.
func removeNewCgroups(t *testing.T, name string) {
	t.Helper()
	existing, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", name))
	if len(existing) > 0 {
		t.Logf("%v exist already; the tier leaves them alone", existing)
		return
	}
	t.Cleanup(func() {
		trees, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", name))
		for _, tree := range trees {
			var dirs []string
			_ = filepath.WalkDir(tree, func(path string, d os.DirEntry, err error) error {
				if err == nil && d.IsDir() {
					dirs = append(dirs, path)
				}
				return nil
			})
			for i := len(dirs) - 1; i >= 0; i-- {
				if err := unix.Rmdir(dirs[i]); err != nil {
					t.Errorf("removing cgroup %s: %v", dirs[i], err)
				}
			}
		}
	})
}

// tierAddresses are the `ip` commands that give a namespace every address of
// the tier: loopback, the metadata server's address, and a bridge for the
// node's own address.
var tierAddresses = [][]string{
	{"link", "set", "lo", "up"},
	{"addr", "add", metadataIP + "/32", "dev", "lo"},
	{"link", "add", "node0", "type", "bridge"},
	{"addr", "add", nodeIP + "/32", "dev", "node0"},
	{"link", "set", "node0", "up"},
}

// newNetns makes a network namespace that holds every address of the tier
// and has no route out.
func newNetns(t *testing.T, name string) processHost {
	t.Helper()
	mustRun(t, "ip", "netns", "add", name)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
	path := "/run/netns/" + name
	for _, args := range tierAddresses {
		mustRun(t, "ip", append([]string{"-n", name}, args...)...)
	}
	return processHost{netns: name, dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		var conn net.Conn
		err := inNetns(path, func() (err error) {
			conn, err = (&net.Dialer{}).DialContext(ctx, network, address)
			return err
		})
		return conn, err
	}}
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// startControllers starts the controllers the objects need (jobs, cronjobs,
// garbage collection, namespaces, service accounts, and the node lifecycle,
// which lifts the not-ready taint from a Ready node), and the scheduler.
func (c *nodeCluster) startControllers(t *testing.T) {
	t.Helper()
	keyFile := filepath.Join(c.dir, "sa.key")
	startProcess(t, c.host, c.dir, toolBinary(t, "kube-controller-manager"),
		"--kubeconfig", c.kubeconfig, "--leader-elect=false", "--bind-address=127.0.0.1",
		"--controllers=job,cronjob,garbagecollector,namespace,serviceaccount,podgc,ttl-after-finished,nodelifecycle",
		"--service-account-private-key-file", keyFile, "--root-ca-file", filepath.Join(c.dir, "certs", "apiserver.crt"))
	startProcess(t, c.host, c.dir, toolBinary(t, "kube-scheduler"),
		"--kubeconfig", c.kubeconfig, "--leader-elect=false", "--bind-address=127.0.0.1")
}

// startContainerd starts containerd with its state, the pods' network
// namespaces included, under the tier's directory, and returns its socket.
// restrict_oom_score_adj is needed because this machine lacks
// CAP_SYS_RESOURCE (KUBELET-TIER.md).
func (c *nodeCluster) startContainerd(t *testing.T) string {
	t.Helper()
	socket := filepath.Join(c.dir, "containerd.sock")
	cniDir := filepath.Join(c.dir, "cni")
	if err := os.MkdirAll(cniDir, 0o755); err != nil {
		t.Fatal(err)
	}
	conflist := fmt.Sprintf(`{"cniVersion": "1.0.0", "name": %q, "plugins": [{"type": "bridge", "bridge": "cni0",
  "isGateway": true, "ipMasq": false, "ipam": {"type": "host-local", "ranges": [[{"subnet": %q}]],
  "routes": [{"dst": "0.0.0.0/0"}], "dataDir": %q}}]}`, cniNetwork, podSubnet, filepath.Join(c.dir, "ipam"))
	writeFile(t, filepath.Join(cniDir, "10-gkewi.conflist"), conflist)
	config := fmt.Sprintf(`version = 2
root = %q
state = %q
[grpc]
  address = %q
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = %q
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      SystemdCgroup = false
`, filepath.Join(c.dir, "containerd"), filepath.Join(c.dir, "containerd-state"), socket, pauseImage, cniDir)
	configFile := filepath.Join(c.dir, "containerd.toml")
	writeFile(t, configFile, config)
	startProcess(t, c.host, c.dir, "containerd", "--config", configFile)
	t.Cleanup(func() { stopContainers(t, socket, c.dir) })
	deadline := time.Now().Add(30 * time.Second)
	for exec.Command("ctr", "--address", socket, "version").Run() != nil {
		if time.Now().After(deadline) {
			t.Fatal("containerd did not answer within 30 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	return socket
}

// stopContainers kills every container and sandbox of the tier, then the
// shims that ran them, found by their containerd address, so that no process
// and no mount outlives the test.
func stopContainers(t *testing.T, socket, dir string) {
	ctr := func(args ...string) string {
		out, _ := exec.Command("ctr", append([]string{"--address", socket, "-n", "k8s.io"}, args...)...).Output()
		return string(out)
	}
	for _, task := range strings.Fields(ctr("tasks", "ls", "-q")) {
		ctr("tasks", "kill", "-s", "SIGKILL", task)
	}
	time.Sleep(time.Second)
	for _, task := range strings.Fields(ctr("tasks", "ls", "-q")) {
		ctr("tasks", "delete", "-f", task)
	}
	for _, container := range strings.Fields(ctr("containers", "ls", "-q")) {
		ctr("containers", "delete", container)
	}
	killProcessesMentioning(t, dir)
}

// killProcessesMentioning kills every process whose command line names dir.
func killProcessesMentioning(t *testing.T, dir string) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if bytes.Contains(cmdline, []byte(dir)) {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
	}
}

// removeTree unmounts whatever the tier left mounted under dir, deepest
// first, then removes it.
func removeTree(t *testing.T, dir string) {
	killProcessesMentioning(t, dir)
	data, _ := os.ReadFile("/proc/self/mountinfo")
	var mounts []string
	for _, line := range strings.Split(string(data), "\n") {
		if fields := strings.Fields(line); len(fields) > 4 && strings.HasPrefix(fields[4], dir) {
			mounts = append(mounts, fields[4])
		}
	}
	for i := len(mounts) - 1; i >= 0; i-- {
		_ = unix.Unmount(mounts[i], unix.MNT_DETACH)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Errorf("removing the tier's files: %v", err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startKubelet starts the node's kubelet: cgroupfs on this machine's cgroup
// v1, anonymous and always-allowed on its own port, low eviction thresholds
// for a busy disk, and the label of nodes with the GKE metadata server.
func (c *nodeCluster) startKubelet(t *testing.T, socket string) {
	t.Helper()
	resolv := filepath.Join(c.dir, "resolv.conf")
	writeFile(t, resolv, "nameserver "+nodeIP+"\n")
	config := filepath.Join(c.dir, "kubelet.yaml")
	writeFile(t, config, fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %s
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://%s
resolvConf: %s
evictionHard: {memory.available: "50Mi", nodefs.available: "1%%", imagefs.available: "1%%", nodefs.inodesFree: "1%%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
podLogsDir: %s
`, nodeIP, socket, resolv, filepath.Join(c.dir, "pod-logs")))
	startProcess(t, c.host, c.dir, toolBinary(t, "kubelet"),
		"--config", config, "--kubeconfig", c.kubeconfig, "--root-dir", filepath.Join(c.dir, "kubelet"),
		"--node-ip", nodeIP, "--hostname-override", nodeName, "--oom-score-adj=0",
		"--node-labels", "iam.gke.io/gke-metadata-server-enabled=true")
}

func (c *nodeCluster) waitNodeReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(nodeTimeout)
	for time.Now().Before(deadline) {
		node, err := c.typed.CoreV1().Nodes().Get(context.Background(), nodeName, metav1.GetOptions{})
		if err == nil {
			for _, cond := range node.Status.Conditions {
				if cond.Type == "Ready" && cond.Status == "True" {
					return
				}
			}
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("the node was not Ready within %s", nodeTimeout)
}

// importImages builds the images every stack's pods name and imports them
// into containerd: pause, and the stand-in for the job image.
func (c *nodeCluster) importImages(t *testing.T, socket string) {
	t.Helper()
	for _, archive := range []string{buildPauseImage(t, c.dir), buildJobImage(t, c.dir)} {
		mustRun(t, "ctr", "--address", socket, "-n", "k8s.io", "images", "import", "--all-platforms", archive)
	}
}

// buildPauseImage compiles Kubernetes' own pause.c, as its build does.
func buildPauseImage(t *testing.T, dir string) string {
	t.Helper()
	source := filepath.Join(goModCache(t), "k8s.io", "kubernetes@v1.34.2", "build", "pause", "linux", "pause.c")
	binary := filepath.Join(dir, "pause")
	mustRun(t, "gcc", "-Os", "-Wall", "-Werror", "-static", "-DVERSION=v3.10-gkewi", "-o", binary, source)
	archive := filepath.Join(dir, "pause.tar")
	mustRun(t, toolBinary(t, "ociimage"), "-out", archive, "-tag", pauseImage,
		"-file", binary+"=/pause", "-entrypoint", "/pause", "-user", "65535:65535")
	return archive
}

func goModCache(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// jobImageTags are the names the stacks give the job image: the default
// image, and the Docker Hub image of the Cloud NAT example.
var jobImageTags = []string{
	"gcr.io/google.com/cloudsdktool/google-cloud-cli:stable",
	"docker.io/google/cloud-sdk:slim",
}

// buildJobImage builds the stand-in for the google-cloud-cli image, as its
// stable/Dockerfile makes the runtime image: Debian 12 (a minbase root
// filesystem: no curl), gcloud at /usr/lib/google-cloud-sdk/bin on the
// upstream PATH, the upstream ENTRYPOINT and VOLUME. gcloud is the stub of
// the image tier, which asks the metadata server as gcloud does.
// GCE_METADATA_ROOT stands in for GKE's DNS, which resolves
// metadata.google.internal to 169.254.169.254; this node has no DNS.
func buildJobImage(t *testing.T, dir string) string {
	t.Helper()
	entrypoint := filepath.Join(dir, "entrypoint.sh")
	writeFile(t, entrypoint, "#!/bin/sh\nset -e\nexec \"$@\"\n")
	args := []string{"-out", filepath.Join(dir, "job.tar"), "-layer", debianRootfs(t),
		"-file", fakegke.GcloudStub(t) + "=/usr/lib/google-cloud-sdk/bin/gcloud",
		"-file", entrypoint + "=/usr/local/bin/entrypoint.sh",
		"-env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/google-cloud-sdk/bin",
		"-env", "GCE_METADATA_ROOT=" + metadataIP,
		"-entrypoint", "/usr/local/bin/entrypoint.sh", "-volume", "/root/.config"}
	for _, tag := range jobImageTags {
		args = append(args, "-tag", tag)
	}
	mustRun(t, toolBinary(t, "ociimage"), args...)
	return filepath.Join(dir, "job.tar")
}

// debianRootfs is a Debian 12 minbase root filesystem, made once and kept in
// the user's cache, since it takes half a minute.
func debianRootfs(t *testing.T) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(cache, "gkewi", "debian12-minbase.tar")
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	partial := path + ".partial"
	mustRun(t, "mmdebstrap", "--variant=minbase", "--mode=root", "--format=tar", "--quiet",
		`--aptopt=Dir::Etc::Parts "/etc/apt/apt.conf.d"`, "bookworm", partial,
		"deb http://deb.debian.org/debian bookworm main")
	if err := os.Rename(partial, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// podMetadata is the GKE metadata server as the node's pods see it: like the
// real one, it tells pods apart by their address, and answers each as the
// fake of its namespace says.
type podMetadata struct {
	client *kubernetes.Clientset
	mu     sync.Mutex
	byNS   map[string]*fakegke.Metadata
	// bound, when set, tells whether the Kubernetes service account
	// namespace/ksa may act as account; a pod of one that may not gets no
	// token, as GKE's metadata server gives none without the binding.
	bound func(namespace, ksa, account string) bool
	// refused are the namespaces whose pods get no token, as when GKE's
	// metadata server cannot get one.
	refused map[string]bool
	// held are the permissions that the fake APIs hold for the pods of a
	// namespace that the test did not set up itself, by resource.
	held map[string]fakegke.Held
	// answering serializes the answers of the fakes made for such
	// namespaces, which share held.
	answering sync.Mutex
}

// holdIn makes the fake APIs hold a stack's GRANTS for the pods of a
// namespace that the test did not set up itself, whatever account they
// act as.
func (m *podMetadata) holdIn(namespace, grants string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.held[namespace] = fakegke.HeldFor(grants)
}

// refuseTokensIn makes the server refuse, or stop refusing, tokens to the
// pods of a namespace that the test did not set up itself.
func (m *podMetadata) refuseTokensIn(namespace string, refuse bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refused[namespace] = refuse
}

// requireBinding makes the server refuse tokens to a pod whose Kubernetes
// service account bound does not let act as its annotated account.
func (m *podMetadata) requireBinding(bound func(namespace, ksa, account string) bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.bound = bound
}

func startPodMetadata(t *testing.T, host processHost, client *kubernetes.Clientset) *podMetadata {
	t.Helper()
	m := &podMetadata{client: client, byNS: map[string]*fakegke.Metadata{}, refused: map[string]bool{}, held: map[string]fakegke.Held{}}
	listener, err := host.listen("tcp", metadataIP+":80")
	if err != nil {
		t.Fatal(err)
	}
	server := &http.Server{Handler: m, ReadHeaderTimeout: 5 * time.Second}
	go server.Serve(listener) //nolint:errcheck // Serve returns when the test closes the server.
	t.Cleanup(func() { server.Close() })
	return m
}

// serve makes the fake of namespace answer its pods, and returns it.
func (m *podMetadata) serve(namespace, account string) *fakegke.Metadata {
	m.mu.Lock()
	defer m.mu.Unlock()
	fake := fakegke.New(account)
	m.byNS[namespace] = fake
	return fake
}

func (m *podMetadata) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	pods, err := m.client.CoreV1().Pods("").List(r.Context(), metav1.ListOptions{FieldSelector: "status.podIP=" + ip})
	if err != nil || len(pods.Items) == 0 {
		http.Error(w, "unknown pod "+ip, http.StatusNotFound)
		return
	}
	pod := pods.Items[0]
	m.mu.Lock()
	fake, bound, refused, held := m.byNS[pod.Namespace], m.bound, m.refused[pod.Namespace], m.held[pod.Namespace]
	m.mu.Unlock()
	if fake == nil {
		account, err := m.annotatedAccount(r.Context(), pod)
		if err != nil {
			http.Error(w, "no identity for namespace "+pod.Namespace+": "+err.Error(), http.StatusNotFound)
			return
		}
		fake = fakegke.NewHolding(account, held)
		if refused || bound != nil && !bound(pod.Namespace, pod.Spec.ServiceAccountName, account) {
			fake.SetRefuseTokens(-1)
		}
		m.answering.Lock()
		defer m.answering.Unlock()
	}
	fake.ServeHTTP(w, r)
}

// annotatedAccount is the Google service account that the pod's Kubernetes
// service account names, which is what GKE's metadata server answers for
// a namespace that the test did not set up itself.
func (m *podMetadata) annotatedAccount(ctx context.Context, pod corev1.Pod) (string, error) {
	ksa, err := m.client.CoreV1().ServiceAccounts(pod.Namespace).Get(ctx, pod.Spec.ServiceAccountName, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	account := ksa.Annotations["iam.gke.io/gcp-service-account"]
	if account == "" {
		return "", fmt.Errorf("%s/%s has no iam.gke.io/gcp-service-account annotation", pod.Namespace, ksa.Name)
	}
	return account, nil
}

// jobFromTemplate is a Job made from a CronJob's jobTemplate, as the
// CronJob controller or `kubectl create job --from` makes one.
func jobFromTemplate(cron *unstructured.Unstructured, name string) *unstructured.Unstructured {
	template, _, _ := unstructured.NestedMap(cron.Object, "spec", "jobTemplate")
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "batch/v1", "kind": "Job",
		"metadata": map[string]any{"name": name, "namespace": cron.GetNamespace()},
		"spec":     template["spec"],
	}}
}
