//go:build engine && node

package tests

import (
	"bufio"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
	"github.com/gkewi/gkewi/stacks"

	"github.com/gkewi/gkewi/tests/podspec"
)

// The engine tier on the node tier's cluster: the program runs under the
// real engine, the real Kubernetes provider applies its objects to the
// node's API server and waits for the verification Job as it does at GKE,
// and the stand-ins of GCP and random answer for what nothing here serves.
// `make test-engine` runs it in a network namespace of its own (unshare
// --net), which holds every address the tier uses: the API server, the
// metadata server, the plugins and the engine's own, and has no route out,
// so nothing it does can leave the machine.

// engineWorld is the node tier's cluster as the engine tier's plugins see it.
type engineWorld struct {
	*nodeCluster
	root, dir string
	// gcp is the GCP stand-in's folder: its world and its call log.
	gcp string
	// token is the file from which the stub of gke-gcloud-auth-plugin reads
	// the user's token.
	token string
	env   map[string]string
}

// thisNetns is the test's own network namespace, given the tier's
// addresses; it must be a new one, with no interface but loopback, as
// `make test-engine` makes it.
func thisNetns(t *testing.T) processHost {
	t.Helper()
	interfaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(interfaces) != 1 || interfaces[0].Name != "lo" {
		skipOrFail(t, fmt.Sprintf("the engine tier runs in a network namespace of its own, with no interface but lo (this one has %d): `make test-engine` runs it under unshare --net", len(interfaces)))
	}
	for _, args := range tierAddresses {
		mustRun(t, "ip", args...)
	}
	return processHost{}
}

// startEngineWorld starts the node tier's cluster in the test's namespace,
// and builds the stand-ins and the auth plugin stub that the engine finds on
// PATH.
func startEngineWorld(t *testing.T) *engineWorld {
	t.Helper()
	root := requireEngineTier(t)
	requireNodeTier(t)
	host := thisNetns(t)
	c := startNodeClusterOn(t, func(string) processHost { return host })
	w := &engineWorld{nodeCluster: c, root: root, dir: t.TempDir()}
	buildStandIn(t, w.dir, "gcp")
	buildStandIn(t, w.dir, "random")
	buildAnalyzer(t, w.dir)
	c.metadata.requireBinding(w.workloadIdentityBound)
	w.gcp = filepath.Join(w.dir, "gcp")
	if err := os.MkdirAll(w.gcp, 0o755); err != nil {
		t.Fatal(err)
	}
	w.token = filepath.Join(w.dir, "token")
	writeFile(t, w.token, c.userTokens.token())
	writeAuthPluginStub(t, filepath.Join(w.dir, "bin", "gke-gcloud-auth-plugin"))
	ca, err := os.ReadFile(filepath.Join(c.dir, "certs", "apiserver.crt"))
	if err != nil {
		t.Fatal(err)
	}
	server, err := url.Parse(c.config.Host)
	if err != nil {
		t.Fatal(err)
	}
	w.env = map[string]string{
		"GKEWI_GCP_DIR":      w.gcp,
		"GKEWI_GCP_ENDPOINT": server.Host,
		"GKEWI_GCP_CA":       base64.StdEncoding.EncodeToString(ca),
		"GKEWI_TOKEN_FILE":   w.token,
		// What the stack's ESC environment (docs/esc) sets when it opens,
		// for gkewi:kubernetesAuth accessToken.
		"CLOUDSDK_AUTH_ACCESS_TOKEN": c.userTokens.token(),
	}
	return w
}

// policyPack is the pack that every preview of the tier runs.
var policyPack = filepath.Join("..", "policy")

// buildAnalyzer builds the stand-in of pulumi-policy-opa's plugin
// (policy/standin/analyzer) into dir/bin under both its names: the CLI
// starts a pack of runtime opa as the language plugin
// pulumi-language-opa, which runs the analyzer.
func buildAnalyzer(t *testing.T, dir string) {
	t.Helper()
	analyzer := filepath.Join(dir, "bin", "pulumi-analyzer-policy-opa")
	build := exec.Command("go", "build", "-o", analyzer, "./standin/analyzer")
	build.Dir = policyPack
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the analyzer stand-in: %v\n%s", err, out)
	}
	if err := os.Symlink(analyzer, filepath.Join(dir, "bin", "pulumi-language-opa")); err != nil {
		t.Fatal(err)
	}
}

// writeAuthPluginStub is the fourth stand-in: gke-gcloud-auth-plugin, which
// prints the token of GKEWI_TOKEN_FILE as an ExecCredential, as the real one
// prints the token of the caller's Google credentials.
func writeAuthPluginStub(t *testing.T, path string) {
	t.Helper()
	script := `#!/bin/sh
set -e
token=$(cat "$GKEWI_TOKEN_FILE")
printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"%s"}}\n' "$token"
`
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

// stack is the gkewi program's stack called name under the real engine,
// configured with config.
func (w *engineWorld) stack(t *testing.T, name string, config map[string]string) auto.Stack {
	t.Helper()
	stack := engineStack(t, w.root, w.dir, "gkewi", name, stacks.Program, w.env)
	w.configure(t, stack, config)
	return stack
}

// configure sets the stack's configuration to config.
func (w *engineWorld) configure(t *testing.T, stack auto.Stack, config map[string]string) {
	t.Helper()
	values := auto.ConfigMap{}
	for key, value := range config {
		values[key] = auto.ConfigValue{Value: value}
	}
	if err := stack.SetAllConfig(context.Background(), values); err != nil {
		t.Fatalf("configuring stack %s: %v", stack.Name(), err)
	}
}

func TestEngineStacks(t *testing.T) {
	w := startEngineWorld(t)
	t.Run("a violating stack stops at its preview", w.violatingStack)
	t.Run("a failed verification, then recovery", w.failedVerificationThenRecovery)
	t.Run("a grant that never takes effect, then recovery", w.unprovenGrantThenRecovery)
	t.Run("dev", func(t *testing.T) {
		w.lifecycle(t, "dev", devFixture(), w.scheduleChangeUpdatesOnlyTheCronJob, w.nodePoolChangeCreatesBeforeItDeletes)
	})
	t.Run("an unreachable control plane", w.unreachableControlPlane)
	for _, name := range exampleStacks() {
		t.Run(name, func(t *testing.T) {
			config := stackConfig(t, name)
			w.seed(t, name, config)
			var changes []change
			if config["gkewi:autopilot"] == "true" {
				changes = append(changes, w.cronJobRunsOnSpot)
			}
			w.lifecycle(t, name, config, changes...)
		})
	}
	t.Run("a YAML consumer", w.yamlConsumer)
}

// exampleStacks are the stacks of examples/, the project's own; the stack
// files beside Pulumi.yaml are the user's, whose values are real.
func exampleStacks() []string {
	var names []string
	for name, file := range stackFiles() {
		if filepath.Dir(file) == filepath.Join("..", "examples") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// seed makes what a stack expects to exist before it: the cluster, account
// or network it names at GCP, and the namespace and Kubernetes service
// account it does not create; and, for a stack whose pods have no Google
// service account to name (direct mode), what the metadata server answers.
func (w *engineWorld) seed(t *testing.T, name string, config map[string]string) {
	t.Helper()
	rec := mustRecord(t, config, inStack(name))
	for _, obj := range existingObjects(rec) {
		if err := w.tryApply(obj, "test-setup", true); err != nil {
			t.Fatalf("creating the existing %s: %v", obj.GetKind(), err)
		}
	}
	verify := object(rec.byType(jobType)[0])
	_, env := podspec.MustContainer(t, podTemplate(t, verify.Object, "spec", "template")["spec"].(map[string]any), "verify")
	if account := env["EXPECTED_ACCOUNT"]; !strings.Contains(account, "@") {
		w.metadata.serve(verify.GetNamespace(), account).HoldGrants(env["GRANTS"], 0)
	}
	w.metadata.holdIn(verify.GetNamespace(), env["GRANTS"])
	if config["gkewi:autopilot"] == "true" {
		w.autopilotNode(t, verify.GetNamespace())
	}
	project := config["gcp:project"]
	things := grantedResources(t, config)
	if raw := config["gkewi:existingCluster"]; raw != "" {
		var cluster struct{ Name, Location, Project string }
		if err := json.Unmarshal([]byte(raw), &cluster); err != nil {
			t.Fatal(err)
		}
		things = append(things, w.existingCluster(cmp.Or(cluster.Project, project), cluster.Location, cluster.Name)...)
	}
	if email := config["gkewi:serviceAccountEmail"]; email != "" {
		id, _, _ := strings.Cut(email, "@")
		things = append(things, gcpSeed{accountType, "projects/" + project + "/serviceAccounts/" + email, map[string]any{
			"accountId": id, "email": email, "project": project, "member": "serviceAccount:" + email,
			"name": "projects/" + project + "/serviceAccounts/" + email,
		}})
	}
	if network := config["gkewi:existingNetwork"]; network != "" {
		things = append(things, existingNetwork(project, config["gcp:region"], network, config["gkewi:existingSubnetwork"])...)
	}
	w.addToGCP(t, things)
}

// grantedResources are the resources that a stack's grants name, as the
// GCP stand-in's lookups find them (tests/standin/gcp/invoke.go).
func grantedResources(t *testing.T, config map[string]string) []gcpSeed {
	t.Helper()
	var grants []components.Grant
	if raw := config["gkewi:grants"]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &grants); err != nil {
			t.Fatal(err)
		}
	}
	var things []gcpSeed
	for _, g := range grants {
		project := cmp.Or(g.Project, config["gcp:project"])
		outputs := map[string]any{"project": project}
		var typ, id string
		switch g.Kind {
		case components.BucketGrant:
			typ, id = bucketType, g.Name
			outputs["name"] = g.Name
		case components.SecretGrant:
			typ, id = secretType, "projects/"+project+"/secrets/"+g.Name
			outputs["secretId"] = g.Name
		case components.TopicGrant, components.SubscriptionGrant:
			typ, id = map[string]string{components.TopicGrant: topicType, components.SubscriptionGrant: subscriptionType}[g.Kind],
				"projects/"+project+"/"+g.Kind+"s/"+g.Name
			outputs["name"] = g.Name
		case components.DatasetGrant:
			typ, id = datasetType, "projects/"+project+"/datasets/"+g.Name
			outputs["datasetId"] = g.Name
		}
		things = append(things, gcpSeed{typ, id, outputs})
	}
	return things
}

// gcpSeed is one thing that exists at GCP before a stack.
type gcpSeed struct {
	typ, id string
	outputs map[string]any
}

// existingCluster is a cluster whose control plane is the node's API
// server, with Workload Identity on and one pool with the GKE metadata
// server.
func (w *engineWorld) existingCluster(project, location, name string) []gcpSeed {
	id := fmt.Sprintf("projects/%s/locations/%s/clusters/%s", project, location, name)
	return []gcpSeed{
		{clusterType, id, map[string]any{
			"name": name, "location": location, "project": project, "network": "default", "subnetwork": "default",
			"endpoint": w.env["GKEWI_GCP_ENDPOINT"], "masterAuth": map[string]any{"clusterCaCertificate": w.env["GKEWI_GCP_CA"]},
			"workloadIdentityConfig": map[string]any{"workloadPool": project + ".svc.id.goog"},
		}},
		{nodePoolType, id + "/nodePools/default-pool", map[string]any{
			"name": "default-pool", "cluster": name, "location": location, "project": project,
			"nodeConfig": map[string]any{"workloadMetadataConfig": map[string]any{"mode": "GKE_METADATA"}},
		}},
	}
}

// existingNetwork is a network and a subnetwork with Private Google Access.
func existingNetwork(project, region, network, subnetwork string) []gcpSeed {
	networkID := fmt.Sprintf("projects/%s/global/networks/%s", project, network)
	subnetworkID := fmt.Sprintf("projects/%s/regions/%s/subnetworks/%s", project, region, subnetwork)
	compute := "https://www.googleapis.com/compute/v1/"
	return []gcpSeed{
		{networkType, networkID, map[string]any{"name": network, "project": project, "selfLink": compute + networkID}},
		{subnetworkType, subnetworkID, map[string]any{
			"name": subnetwork, "region": region, "project": project, "network": compute + networkID,
			"ipCidrRange": "10.250.0.0/24", "privateIpGoogleAccess": true, "secondaryIpRanges": []any{},
			"selfLink": compute + subnetworkID,
		}},
	}
}

// addToGCP writes things into the GCP stand-in's world, as it keeps them.
func (w *engineWorld) addToGCP(t *testing.T, things []gcpSeed) {
	t.Helper()
	if len(things) == 0 {
		return
	}
	path := filepath.Join(w.gcp, "world.json")
	world := map[string]any{}
	if data, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(data, &world); err != nil {
			t.Fatal(err)
		}
	}
	for _, thing := range things {
		world[thing.typ+" "+thing.id] = map[string]any{"type": thing.typ, "id": thing.id, "outputs": thing.outputs}
	}
	data, err := json.Marshal(world)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(data))
}

// violatingStack: a stack that grants roles/iam.workloadIdentityUser on the
// project, which gkewi's own validation cannot see because the program adds
// it beside the component, fails its preview with the pack's message, so a
// deploy that previews first stops before anything is created. (The
// Automation API's Up skips the preview, and stack rules run only after the
// changes, so the preview is the gate.)
func (w *engineWorld) violatingStack(t *testing.T) {
	program := func(ctx *pulumi.Context) error {
		if err := stacks.Program(ctx); err != nil {
			return err
		}
		_, err := projects.NewIAMMember(ctx, "pool-wide", &projects.IAMMemberArgs{
			Project: pulumi.String(devProject),
			Role:    pulumi.String("roles/iam.workloadIdentityUser"),
			Member:  pulumi.String("serviceAccount:" + devProject + ".svc.id.goog[" + devNamespace + "/" + devKSA + "]"),
		})
		return err
	}
	stack := engineStack(t, w.root, w.dir, "gkewi", "violating", program, w.env)
	w.configure(t, stack, devFixture())
	before := len(w.gcpWorld(t))
	pack, err := filepath.Abs(policyPack)
	if err != nil {
		t.Fatal(err)
	}
	preview, err := stack.Preview(context.Background(), optpreview.PolicyPacks(pack))
	if err == nil {
		t.Fatalf("the preview passed a project-wide roles/iam.workloadIdentityUser:\n%s", preview.StdOut)
	}
	if !strings.Contains(err.Error(), "deny_escalation_roles") || !strings.Contains(err.Error(), "'pool-wide' grants roles/iam.workloadIdentityUser") {
		t.Errorf("the preview failed, but not with the rule's message: %v", err)
	}
	if after := len(w.gcpWorld(t)); after != before {
		t.Errorf("the preview changed GCP: %d things before, %d after", before, after)
	}
}

// failedVerificationThenRecovery: while the metadata server gives the pods
// no token, up fails on the verification Job, naming it and the container
// that waited; once it does, the next up replaces the failed Job
// (pulumi.com/replaceUnready) and succeeds, with no edit of the state.
func (w *engineWorld) failedVerificationThenRecovery(t *testing.T) {
	ctx := context.Background()
	config := devAs("recovery")
	before := w.gcpWorld(t)
	stack := w.stack(t, "recovery", config)
	w.metadata.refuseTokensIn(config["gkewi:namespace"], true)
	_, err := stack.Up(ctx)
	// The Job, and the wait's hint, from the container's termination message.
	if err == nil || !strings.Contains(err.Error(), "gkewi-verify") ||
		!strings.Contains(err.Error(), "wait-for-identity: the GKE metadata server gave no token") ||
		!strings.Contains(err.Error(), "metadataServerLogFilter") {
		t.Fatalf("up without a token did not fail naming the verification Job and the wait's hint: %v", err)
	}
	w.metadata.refuseTokensIn(config["gkewi:namespace"], false)
	w.recoverAndDestroy(t, stack, before, "tokens")
}

// recoverAndDestroy: once what failed the verification is mended (with),
// the next `up` replaces the failed Job, and it alone, and succeeds; then
// the stack is destroyed cleanly.
func (w *engineWorld) recoverAndDestroy(t *testing.T, stack auto.Stack, before map[string]gcpThing, with string) {
	t.Helper()
	ctx := context.Background()
	up, err := stack.Up(ctx)
	if err != nil {
		t.Fatalf("the next up, with %s, failed: %v\n%s", with, err, up.StdOut)
	}
	if changes := up.Summary.ResourceChanges; changes == nil || (*changes)[string(apitype.OpReplace)] != 1 {
		t.Errorf("the next up did not replace the failed Job, and it alone: %v", changes)
	}
	w.checkVerified(t, stack)
	state := exportedState(t, stack)
	if _, err := stack.Destroy(ctx); err != nil {
		t.Fatalf("destroy failed: %v", err)
	}
	w.checkDestroyed(t, state, before)
}

// unprovenGrantThenRecovery: while IAM lacks one of two grants, `up` fails
// with the verification's message, naming the grant, the missing permission
// and the command that shows the binding, once the window is over. Once IAM
// has it, the next `up` replaces the failed Job alone.
func (w *engineWorld) unprovenGrantThenRecovery(t *testing.T) {
	ctx := context.Background()
	config := withConfig(devAs("grant"), map[string]string{
		"gkewi:grants": `[{"kind": "bucket", "name": "reports-input", "role": "roles/storage.objectViewer"},
			{"kind": "secret", "name": "db-password", "role": "roles/secretmanager.secretAccessor"}]`,
		"gkewi:grantPropagationSeconds": "20",
	})
	w.addToGCP(t, grantedResources(t, config))
	_, env := containerIn(t, mustRecord(t, config).one(t, jobType, "gkewi-verify"), jobPod, "verify")
	bucketOnly, _, _ := strings.Cut(env["GRANTS"], "\n")
	w.metadata.holdIn(config["gkewi:namespace"], bucketOnly)
	before := w.gcpWorld(t)
	stack := w.stack(t, "grant", config)
	_, err := stack.Up(ctx)
	if err == nil {
		t.Fatal("up succeeded without the secret's grant")
	}
	t.Logf("up without the secret's grant failed:\n%v", err)
	for _, want := range []string{
		"gkewi-verify",
		"prove-grants: FAILED: grant roles/secretmanager.secretAccessor on the secret " + devProject + "/db-password: " +
			"the job's identity lacks secretmanager.versions.access after 20s.",
		"Inspect the binding with: gcloud secrets get-iam-policy db-password --project=" + devProject,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error of up lacks %q", want)
		}
	}
	w.metadata.holdIn(config["gkewi:namespace"], env["GRANTS"])
	w.recoverAndDestroy(t, stack, before, "the grant")
}

// cronJobRunsOnSpot: the CronJob's job, as the engine applied it and the
// Warden stand-in left it, runs on a node tainted as Autopilot's Spot nodes.
func (w *engineWorld) cronJobRunsOnSpot(t *testing.T, _ auto.Stack, config map[string]string) {
	w.spotJob(t, config["gkewi:namespace"], config["gkewi:cronJobName"])
}

// devAs is the dev fixture with names of a scenario's own, so that its
// stack shares nothing with another's.
func devAs(scenario string) map[string]string {
	return withConfig(devFixture(), map[string]string{
		"gkewi:namespace": "wi-" + scenario, "gkewi:kubernetesServiceAccount": "wi-" + scenario,
		"gkewi:clusterName": "gkewi-" + scenario, "gkewi:network": "gkewi-" + scenario,
		"gkewi:subnetwork": "gkewi-" + scenario + "-asia-northeast1",
	})
}

// change is a scenario that runs on a stack that is up, before its destroy.
type change func(t *testing.T, stack auto.Stack, config map[string]string)

// lifecycle takes a stack through a first preview, up, a clean preview and
// refresh, the changes, and destroy, checking after each what a user relies
// on.
func (w *engineWorld) lifecycle(t *testing.T, name string, config map[string]string, changes ...change) {
	w.lifecycleOf(t, w.stack(t, name, config), config, changes...)
}

// lifecycleOf is lifecycle of a stack made already, whose configuration is
// config.
func (w *engineWorld) lifecycleOf(t *testing.T, stack auto.Stack, config map[string]string, changes ...change) {
	ctx := context.Background()
	before := w.gcpWorld(t)
	w.previewWithPack(t, stack)
	started := time.Now()
	up, err := stack.Up(ctx)
	if err != nil {
		t.Fatalf("up failed: %v\n%s\n%s", err, up.StdOut, up.StdErr)
	}
	t.Logf("up took %s", time.Since(started).Round(100*time.Millisecond))
	w.checkVerified(t, stack)
	if preview, err := stack.Preview(ctx, optpreview.ExpectNoChanges()); err != nil {
		t.Errorf("a second preview is not clean: %v\n%s", err, preview.StdOut)
	}
	w.expireToken(t, stack)
	if refresh, err := stack.Refresh(ctx, optrefresh.ExpectNoChanges()); err != nil {
		t.Errorf("refresh is not clean: %v\n%s", err, refresh.StdOut)
	}
	// After a refresh the state holds the objects as the cluster returned
	// them, mutated by its admission (Autopilot's, say), which the next
	// preview compares with the program.
	if preview, err := stack.Preview(ctx, optpreview.ExpectNoChanges()); err != nil {
		t.Errorf("a preview after the refresh is not clean: %v\n%s", err, preview.StdOut)
	}
	for _, change := range changes {
		change(t, stack, config)
	}
	state := exportedState(t, stack)
	if protectedCluster(state) {
		w.unprotect(t, stack, config)
	}
	// The changes and the unprotect ran up again, with the token then.
	w.expireToken(t, stack)
	earlierCalls := len(w.gcpCalls(t))
	if _, err := stack.Destroy(ctx); err != nil {
		t.Fatalf("destroy failed: %v", err)
	}
	w.checkDestroyed(t, state, before)
	w.checkDeleteOrder(t, state, w.gcpCalls(t)[earlierCalls:])
}

// exportedState is the stack's state as `pulumi stack export` writes it.
func exportedState(t *testing.T, stack auto.Stack) apitype.DeploymentV3 {
	t.Helper()
	exported, err := stack.Export(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var state apitype.DeploymentV3
	if err := json.Unmarshal(exported.Deployment, &state); err != nil {
		t.Fatal(err)
	}
	return state
}

// protectedCluster tells whether the state holds a cluster that Pulumi
// protects.
func protectedCluster(state apitype.DeploymentV3) bool {
	return slices.ContainsFunc(state.Resources, func(r apitype.ResourceV3) bool {
		return string(r.Type) == clusterType && r.Protect
	})
}

// unprotect: a protected cluster survives a destroy, which fails naming
// it; the README's way out (deletionProtection false, then up) replaces
// nothing, after which the stack can be destroyed.
func (w *engineWorld) unprotect(t *testing.T, stack auto.Stack, config map[string]string) {
	t.Helper()
	ctx := context.Background()
	if _, err := stack.Destroy(ctx); err == nil || !strings.Contains(err.Error(), "Cluster::gkewi-cluster\" cannot be deleted") {
		t.Fatalf("destroy of a protected cluster did not stop at it: %v", err)
	}
	w.configure(t, stack, withConfig(config, map[string]string{"gkewi:deletionProtection": "false"}))
	up, err := stack.Up(ctx)
	if err != nil {
		t.Fatalf("up with deletionProtection false: %v\n%s", err, up.StdOut)
	}
	if replaced := up.Summary.ResourceChanges; replaced != nil && (*replaced)[string(apitype.OpReplace)] > 0 {
		t.Errorf("turning deletion protection off replaced %d resources: %v", (*replaced)[string(apitype.OpReplace)], *replaced)
	}
}

// previewWithPack: a first deploy's preview, with the pack, has no
// mandatory violation, and the pack really ran.
func (w *engineWorld) previewWithPack(t *testing.T, stack auto.Stack) {
	t.Helper()
	pack, err := filepath.Abs(policyPack)
	if err != nil {
		t.Fatal(err)
	}
	preview, err := stack.Preview(context.Background(), optpreview.PolicyPacks(pack))
	if err != nil {
		t.Fatalf("the first preview, with the pack, failed: %v", err)
	}
	if !strings.Contains(preview.StdOut, "gkewi@v") {
		t.Errorf("the preview did not run the pack:\n%s", preview.StdOut)
	}
}

// checkVerified: each verification Job of the stack, which the Kubernetes
// provider waited for, completed, having found the pod acting as its
// component's account.
func (w *engineWorld) checkVerified(t *testing.T, stack auto.Stack) {
	t.Helper()
	jobs := 0
	for _, r := range exportedState(t, stack).Resources {
		if string(r.Type) != jobType {
			continue
		}
		jobs++
		meta := (&unstructured.Unstructured{Object: r.Outputs})
		w.checkJobVerified(t, meta.GetNamespace(), meta.GetName())
	}
	if jobs == 0 {
		t.Error("the stack has no verification Job")
	}
}

// checkJobVerified: the Job namespace/name completed, and its pod said OK.
func (w *engineWorld) checkJobVerified(t *testing.T, namespace, name string) {
	t.Helper()
	job, err := w.typed.BatchV1().Jobs(namespace).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if job.Status.Succeeded != 1 {
		t.Errorf("the verification Job %s/%s did not complete: %+v", namespace, name, job.Status)
	}
	pods := w.jobPods(t, namespace, name)
	if len(pods) == 0 || !strings.Contains(w.logs(t, pods[len(pods)-1], "verify"), "verify: OK: the pod acts as ") {
		t.Errorf("the verification did not say OK:\n%s", w.podReport(t, namespace, name))
		return
	}
	// Each grant, one a line of GRANTS, was proven.
	grants := 0
	for _, env := range job.Spec.Template.Spec.Containers[0].Env {
		if env.Name == "GRANTS" {
			grants = len(strings.Split(env.Value, "\n"))
		}
	}
	if logs := w.logs(t, pods[len(pods)-1], "verify"); strings.Count(logs, "prove-grants: OK: grant ") != grants {
		t.Errorf("the verification proved %d grants, want %d:\n%s", strings.Count(logs, "prove-grants: OK: grant "), grants, logs)
	}
}

// checkDestroyed: nothing of the stack's state is left, in the cluster or
// at GCP, and what the stack only patched has lost the patch; what existed
// before it is still there, and so is every API it enabled, since gkewi
// never disables one.
func (w *engineWorld) checkDestroyed(t *testing.T, state apitype.DeploymentV3, before map[string]gcpThing) {
	t.Helper()
	for _, r := range state.Resources {
		if strings.HasPrefix(string(r.Type), "kubernetes:") {
			w.checkObjectGone(t, r)
		}
	}
	w.checkGCPDestroyed(t, state, before)
}

// checkGCPDestroyed: nothing of the stack's state is left at GCP but the
// APIs it enabled, and what existed before it is still there.
func (w *engineWorld) checkGCPDestroyed(t *testing.T, state apitype.DeploymentV3, before map[string]gcpThing) {
	t.Helper()
	things := w.gcpWorld(t)
	for key, thing := range things {
		if _, existed := before[key]; !existed && thing.Type != "api" {
			t.Errorf("destroy left %s %s at GCP", thing.Type, thing.ID)
		}
	}
	for key, thing := range before {
		if _, kept := things[key]; !kept {
			t.Errorf("destroy deleted %s %s, which existed before the stack", thing.Type, thing.ID)
		}
	}
	for _, r := range state.Resources {
		if string(r.Type) == serviceType {
			if _, kept := things["api "+string(r.ID)]; !kept {
				t.Errorf("destroy disabled %s; gkewi never disables an API", r.ID)
			}
		}
	}
}

// checkObjectGone: the Kubernetes object of a state resource is gone, or,
// for a patch, keeps none of the patch's annotations.
func (w *engineWorld) checkObjectGone(t *testing.T, r apitype.ResourceV3) {
	t.Helper()
	obj := &unstructured.Unstructured{Object: r.Outputs}
	gvr, err := w.resourceFor(obj)
	if err != nil {
		t.Fatal(err)
	}
	live, err := w.client.Resource(gvr).Namespace(obj.GetNamespace()).Get(context.Background(), obj.GetName(), metav1.GetOptions{})
	switch {
	case string(r.Type) == serviceAccountPatchType && err == nil:
		for key := range obj.GetAnnotations() {
			if _, kept := live.GetAnnotations()[key]; kept {
				t.Errorf("destroy left the patch's annotation %s on %s/%s", key, obj.GetNamespace(), obj.GetName())
			}
		}
	case string(r.Type) == serviceAccountPatchType:
		t.Errorf("destroy deleted %s/%s, which the stack only patched: %v", obj.GetNamespace(), obj.GetName(), err)
	case !apierrors.IsNotFound(err):
		t.Errorf("destroy left %s %s/%s: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
	}
}

// gcpThing is one thing in the GCP stand-in's world.
type gcpThing struct {
	Type    string         `json:"type"`
	ID      string         `json:"id"`
	Outputs map[string]any `json:"outputs"`
}

// workloadIdentityBound tells whether GCP holds the binding that lets the
// Kubernetes service account namespace/ksa act as account: the account's
// roles/iam.workloadIdentityUser for the pool's member of the KSA. Without
// it GKE's metadata server gets the pod no token (GKE docs, "Use Workload
// Identity Federation for GKE": the IAM policy binding on the service
// account; "Troubleshoot Workload Identity Federation for GKE": 403 on
// iam.serviceAccounts.getAccessToken).
func (w *engineWorld) workloadIdentityBound(namespace, ksa, account string) bool {
	things, err := w.readGCPWorld()
	if err != nil {
		return false
	}
	member := fmt.Sprintf(".svc.id.goog[%s/%s]", namespace, ksa)
	for _, thing := range things {
		out := thing.Outputs
		if thing.Type == accountMemberType && out["role"] == "roles/iam.workloadIdentityUser" &&
			strings.HasSuffix(fmt.Sprint(out["member"]), member) && strings.HasSuffix(fmt.Sprint(out["serviceAccountId"]), account) {
			return true
		}
	}
	return false
}

func (w *engineWorld) gcpWorld(t *testing.T) map[string]gcpThing {
	t.Helper()
	things, err := w.readGCPWorld()
	if err != nil {
		t.Fatal(err)
	}
	return things
}

func (w *engineWorld) readGCPWorld() (map[string]gcpThing, error) {
	things := map[string]gcpThing{}
	data, err := os.ReadFile(filepath.Join(w.gcp, "world.json"))
	if os.IsNotExist(err) || (err == nil && len(data) == 0) {
		return things, nil
	}
	if err != nil {
		return nil, err
	}
	return things, json.Unmarshal(data, &things)
}

// gcpCall is one call in the GCP stand-in's log.
type gcpCall struct {
	Start, End   time.Time
	Method, Type string
	Name, ID     string
	Preview      bool
	Error        string
}

func (w *engineWorld) gcpCalls(t *testing.T) []gcpCall {
	t.Helper()
	f, err := os.Open(filepath.Join(w.gcp, "calls.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var calls []gcpCall
	scanner := bufio.NewScanner(f)
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		var call gcpCall
		if err := json.Unmarshal(scanner.Bytes(), &call); err != nil {
			t.Fatal(err)
		}
		calls = append(calls, call)
	}
	return calls
}

// checkDeleteOrder: in a destroy's calls at GCP, each resource was deleted
// only after everything that depended on it in the state was.
func (w *engineWorld) checkDeleteOrder(t *testing.T, state apitype.DeploymentV3, calls []gcpCall) {
	t.Helper()
	deleted := map[string]gcpCall{}
	for _, call := range calls {
		if call.Method == "Delete" && call.Error == "" {
			deleted[call.Name] = call
		}
	}
	checked := 0
	for _, r := range state.Resources {
		dependent, ok := deleted[r.URN.Name()]
		if !ok {
			continue
		}
		for _, dep := range slices.Concat(r.Dependencies, stateDependencies(r)) {
			if first, ok := deleted[dep.Name()]; ok {
				checked++
				if first.Start.Before(dependent.End) {
					t.Errorf("%s was deleted (from %s) before %s, which depends on it, was gone (%s)",
						dep.Name(), first.Start.Format(time.StampMilli), r.URN.Name(), dependent.End.Format(time.StampMilli))
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no delete at GCP waited for another: the log or the state is missing the dependencies")
	}
}

func stateDependencies(r apitype.ResourceV3) []resource.URN {
	var urns []resource.URN
	for _, deps := range r.PropertyDependencies {
		urns = append(urns, deps...)
	}
	return urns
}

// scheduleChangeUpdatesOnlyTheCronJob: a pull request that changes the
// schedule previews as one update, on the CronJob, and nothing else.
func (w *engineWorld) scheduleChangeUpdatesOnlyTheCronJob(t *testing.T, stack auto.Stack, config map[string]string) {
	w.configure(t, stack, withConfig(config, map[string]string{"gkewi:schedule": "17 3 * * *"}))
	defer w.configure(t, stack, config)
	preview, err := stack.Preview(context.Background(), optpreview.Diff())
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	if got := preview.ChangeSummary; got[apitype.OpUpdate] != 1 || len(got) != 2 {
		t.Errorf("a schedule change previews %v; want one update and the rest the same", got)
	}
	var updated []string
	for _, line := range strings.Split(preview.StdOut, "\n") {
		if fields := strings.Fields(line); len(fields) == 3 && fields[0] == "~" && fields[2] == "(update)" {
			updated = append(updated, strings.TrimSuffix(fields[1], ":"))
		}
	}
	if !slices.Equal(updated, []string{cronJobType}) {
		t.Errorf("a schedule change updates %v; want only the CronJob:\n%s", updated, preview.StdOut)
	}
	golden(t, filepath.Join("testdata", "engine", "schedule-change.txt"), normalisedDiff(preview.StdOut))
}

// providerID is the id part of a provider reference, new with each stack.
var providerID = regexp.MustCompile(`::[0-9a-f]{8}-[0-9a-f-]{27}\]`)

// normalisedDiff is a preview's diff as a reviewer reads it in a pull
// request, with the one value that changes from stack to stack, the
// provider's id, made stable.
func normalisedDiff(out string) string {
	begin, end := strings.Index(out, "Previewing update"), strings.Index(out, "Resources:")
	if begin < 0 || end < begin {
		return out
	}
	return providerID.ReplaceAllString(out[begin:end], "::<id>]")
}

// nodePoolChangeCreatesBeforeItDeletes: a new machine type gives the pool a
// new name, and GCP sees the new pool made before the old one goes; the
// deploy succeeds, and the verification Job is still Complete.
func (w *engineWorld) nodePoolChangeCreatesBeforeItDeletes(t *testing.T, stack auto.Stack, config map[string]string) {
	w.configure(t, stack, withConfig(config, map[string]string{"gkewi:machineType": "e2-standard-2"}))
	before := len(w.gcpCalls(t))
	if up, err := stack.Up(context.Background()); err != nil {
		t.Fatalf("up with a new machine type: %v\n%s", err, up.StdOut)
	}
	var created, deleted *gcpCall
	for _, call := range w.gcpCalls(t)[before:] {
		if call.Type == nodePoolType && !call.Preview {
			switch call.Method {
			case "Create":
				created = &call
			case "Delete":
				deleted = &call
			}
		}
	}
	switch {
	case created == nil || deleted == nil:
		t.Errorf("a new machine type did not replace the node pool: created %v, deleted %v", created, deleted)
	case deleted.Start.Before(created.End):
		t.Errorf("the old pool's delete began at %s, before the new pool was made at %s",
			deleted.Start.Format(time.StampMilli), created.End.Format(time.StampMilli))
	}
	w.checkVerified(t, stack)
}
