//go:build node

package tests

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gkewi/gkewi/components"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// Autopilot on the node tier. The one node becomes, for the pods of one
// namespace, what an Autopilot node is to them: labelled
// cloud.google.com/gke-spot=true and, while the CronJob's job runs, tainted
// so (NoSchedule), so that a pod without the toleration that Autopilot adds
// stays Pending; and behind GKE Warden's
// autogke-node-affinity-selector-limitation, which refuses a pod that
// selects any label outside Autopilot's list ("If not using workload
// separation, node selector is not allowed on labels with keys: ...;
// Autopilot allows node selectors only on labels with keys: [...]", as
// fluxcd/flux#3470 quotes it; cloud.google.com/kubernetes-engine/docs/how-to/autopilot-spot-pods
// for the Spot label, taint and toleration). The Workload Identity guide
// says "Autopilot rejects this nodeSelector" of the metadata server.

// autopilotSelectorKeys are the node labels that Warden lets a pod select,
// the Spot and compute-class labels with them.
var autopilotSelectorKeys = []string{
	"topology.kubernetes.io/region", "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/region",
	"failure-domain.beta.kubernetes.io/zone", "cloud.google.com/gke-os-distribution", "kubernetes.io/os", "kubernetes.io/arch",
	"cloud.google.com/gke-spot", "cloud.google.com/compute-class",
}

// autopilotNode makes the node an Autopilot node to the pods of namespace,
// until the test ends: labelled as a Spot node, behind the Warden stand-in.
// It is tainted as one only while spotJob runs, since the verification runs
// on demand, which this one node must stand for too.
func (c *nodeCluster) autopilotNode(t *testing.T, namespace string) {
	t.Helper()
	ctx := context.Background()
	c.patchNode(t, map[string]any{"metadata": map[string]any{"labels": map[string]any{spotLabel: "true"}}})
	t.Cleanup(func() {
		c.patchNode(t, map[string]any{"metadata": map[string]any{"labels": map[string]any{spotLabel: nil}}})
	})
	name := "autogke-node-affinity-selector-limitation-" + namespace
	// The namespace may not exist yet: the policy is proven on one of its own.
	probe := "warden-probe-" + namespace
	keys, err := json.Marshal(autopilotSelectorKeys)
	if err != nil {
		t.Fatal(err)
	}
	fail := admissionv1.Fail
	policy := &admissionv1.ValidatingAdmissionPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionv1.MatchResources{ResourceRules: []admissionv1.NamedRuleWithOperations{{
				RuleWithOperations: admissionv1.RuleWithOperations{
					Operations: []admissionv1.OperationType{admissionv1.Create},
					Rule:       admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
				},
			}}},
			Validations: []admissionv1.Validation{{
				Expression: "!has(object.spec.nodeSelector) || object.spec.nodeSelector.all(k, k in " + string(keys) + ")",
				Message:    "GKE Warden rejected the request: [denied by autogke-node-affinity-selector-limitation] node selector is not allowed on labels outside Autopilot's list",
			}},
		},
	}
	binding := &admissionv1.ValidatingAdmissionPolicyBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: admissionv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        name,
			ValidationActions: []admissionv1.ValidationAction{admissionv1.Deny},
			MatchResources: &admissionv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{
				MatchExpressions: []metav1.LabelSelectorRequirement{{
					Key: "kubernetes.io/metadata.name", Operator: metav1.LabelSelectorOpIn, Values: []string{namespace, probe},
				}},
			}},
		},
	}
	policies := c.typed.AdmissionregistrationV1()
	if _, err := policies.ValidatingAdmissionPolicies().Create(ctx, policy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := policies.ValidatingAdmissionPolicyBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = policies.ValidatingAdmissionPolicyBindings().Delete(ctx, name, metav1.DeleteOptions{})
		_ = policies.ValidatingAdmissionPolicies().Delete(ctx, name, metav1.DeleteOptions{})
	})
	if _, err := c.typed.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: probe}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.typed.CoreV1().Namespaces().Delete(ctx, probe, metav1.DeleteOptions{}) })
	c.waitForWarden(t, probe)
	c.warden(t, namespace)
}

// waitForWarden waits until the API server refuses, in namespace, a pod
// that selects the metadata server's nodes: a policy takes effect a moment
// after it is created.
func (c *nodeCluster) waitForWarden(t *testing.T, namespace string) {
	t.Helper()
	probe := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "warden-probe", Namespace: namespace},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{components.MetadataServerNodeLabel: "true"},
			Containers:   []corev1.Container{{Name: "probe", Image: pauseImage}},
		},
	}
	c.waitFor(t, 30*time.Second, "the Warden stand-in to refuse the metadata server's selector", func() bool {
		_, err := c.typed.CoreV1().Pods(namespace).Create(context.Background(), probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		return err != nil && strings.Contains(err.Error(), "autogke-node-affinity-selector-limitation")
	})
}

// spotLabel is what Autopilot's Spot nodes are labelled and tainted with.
const spotLabel = "cloud.google.com/gke-spot"

// spotJob runs a Job made from the CronJob cronName of namespace, as the
// CronJob controller makes one, while the node is tainted as a Spot node,
// and waits until it completes: only pods that select the node and tolerate
// the taint, as Autopilot's Spot Pods do, get to run.
func (c *nodeCluster) spotJob(t *testing.T, namespace, cronName string) {
	t.Helper()
	ctx := context.Background()
	node, err := c.typed.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	taints := []any{map[string]any{"key": spotLabel, "value": "true", "effect": "NoSchedule"}}
	for _, taint := range node.Spec.Taints {
		taints = append(taints, taint)
	}
	c.patchNode(t, map[string]any{"spec": map[string]any{"taints": taints}})
	defer c.patchNode(t, map[string]any{"spec": map[string]any{"taints": node.Spec.Taints}})
	live, err := c.typed.BatchV1().CronJobs(namespace).Get(ctx, cronName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	object, err := runtime.DefaultUnstructuredConverter.ToUnstructured(live)
	if err != nil {
		t.Fatal(err)
	}
	c.apply(t, jobFromTemplate(&unstructured.Unstructured{Object: object}, "spot-run"))
	if err := c.waitForJob(t, namespace, "spot-run"); err != nil {
		t.Fatalf("the CronJob's job did not run on the Spot node: %v\n%s", err, c.podReport(t, namespace, "spot-run"))
	}
}

// patchNode merges patch into the node.
func (c *nodeCluster) patchNode(t *testing.T, patch map[string]any) {
	t.Helper()
	data, err := json.Marshal(patch)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.typed.CoreV1().Nodes().Patch(context.Background(), nodeName, types.MergePatchType, data, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}
