//go:build node

package tests

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	"github.com/gkewi/gkewi/tests/podspec"
)

// jobTimeout bounds every wait for a Job: the longest, a pod whose
// metadata server never answers, takes its init container's minute.
const jobTimeout = 4 * time.Minute

func TestNode(t *testing.T) {
	requireNodeTier(t)
	started := time.Now()
	c := startNodeCluster(t)
	t.Run("every stack's verification Job completes", func(t *testing.T) {
		for _, stack := range slices.Sorted(maps.Keys(stackFiles())) {
			t.Run(stack, func(t *testing.T) { c.verifyStack(t, stack) })
		}
	})
	// Recorded before the scenarios run in parallel: a recording sets the
	// stack configuration in the environment.
	dev := mustRecord(t, devFixture())
	grants := mustRecord(t, withConfig(devFixture(), map[string]string{"gkewi:grants": everyKindOfGrant, "gkewi:grantPropagationSeconds": "30"}))
	t.Run("scenarios", func(t *testing.T) {
		c.runScenarios(t, grants, "g-", map[string]nodeScenario{
			"every grant is proven":                         everyGrantIsProven,
			"a grant that never takes effect fails the Job": aGrantNeverTakesEffect,
			"a grant that takes effect late is waited for":  aGrantTakesEffectLate,
		})
		c.runScenarios(t, dev, "s-", map[string]nodeScenario{
			"the metadata server refuses 3 times, then answers":  metadataRefusesThreeTimes,
			"the metadata server never answers":                  metadataNeverAnswers,
			"the pod acts as the wrong account":                  wrongAccount,
			"a Job from the CronJob's template completes":        cronJobTemplateCompletes,
			"the pod runs under the restricted context":          runtimeSecurityContext,
			"the schedule fires once and Forbid holds":           scheduleFiresAndForbidHolds,
			"an evicted pod does not count against backoffLimit": evictionIsNotAFailure,
			"PodSecurity admits ours and refuses a violation":    podSecurityAdmission,
		})
	})
	t.Logf("node Ready after %s; the tier took %s", c.readyAfter.Round(time.Second), time.Since(started).Round(time.Second))
}

// nodeScenario runs on a recording's objects, moved to a namespace of its own.
type nodeScenario func(*testing.T, *nodeCluster, *devObjects)

// runScenarios runs each scenario in parallel, on rec's objects in a
// namespace named from prefix and the scenario's name.
func (c *nodeCluster) runScenarios(t *testing.T, rec *recorder, prefix string, scenarios map[string]nodeScenario) {
	for name, scenario := range scenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			scenario(t, c, c.devIn(t, rec, prefix+slug(name)))
		})
	}
}

// slug is a namespace name made from a scenario's name.
func slug(name string) string {
	words := strings.Fields(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return ' '
	}, strings.ToLower(name)))
	s := strings.Join(words, "-")
	if len(s) > 40 {
		s = strings.TrimRight(s[:40], "-")
	}
	return s
}

// verifyStack applies a stack's Kubernetes objects as Pulumi would, with the
// metadata server answering for the stack's account, and waits for its
// verification Job: it must complete, having waited for its identity first
// and then verified it.
func (c *nodeCluster) verifyStack(t *testing.T, stack string) {
	rec := mustRecord(t, stackConfig(t, stack), inStack(stack))
	verify := namedObject(rec.byType(jobType)[0], stack)
	_, env := podspec.MustContainer(t, podTemplate(t, verify.Object, "spec", "template")["spec"].(map[string]any), "verify")
	c.metadata.serve(verify.GetNamespace(), env["EXPECTED_ACCOUNT"]).HoldGrants(env["GRANTS"], 0)
	for _, obj := range existingObjects(rec) {
		if err := c.tryApply(obj, "test-setup", true); err != nil {
			t.Fatalf("creating the existing %s: %v", obj.GetKind(), err)
		}
	}
	if stackConfig(t, stack)["gkewi:autopilot"] == "true" {
		c.autopilotNode(t, verify.GetNamespace())
	}
	for _, typ := range applyOrder {
		for _, reg := range rec.byType(typ) {
			c.applyAs(t, namedObject(reg, stack), reg.Type != serviceAccountPatchType)
		}
	}
	if err := c.waitForJob(t, verify.GetNamespace(), verify.GetName()); err != nil {
		t.Fatalf("the verification Job of stack %s did not complete: %v\n%s", stack, err, c.podReport(t, verify.GetNamespace(), verify.GetName()))
	}
	pod := c.jobPods(t, verify.GetNamespace(), verify.GetName())[0]
	logs := c.logs(t, pod, "verify")
	waited := strings.Index(logs, "wait-for-identity: token received")
	verified := strings.Index(logs, "verify: OK: the pod acts as "+env["EXPECTED_ACCOUNT"])
	if waited < 0 || verified < waited {
		t.Errorf("the pod did not wait for its identity and then verify it:\n%s", logs)
	}
	if stackConfig(t, stack)["gkewi:autopilot"] == "true" {
		c.spotJob(t, verify.GetNamespace(), namedObject(rec.byType(cronJobType)[0], stack).GetName())
	}
}

// devObjects are the dev fixture's objects, moved to a namespace of a
// scenario's own, with the namespace and the KSA created.
type devObjects struct {
	namespace, account string
	// grants are the verification's GRANTS, if the recording has any.
	grants       string
	cron, verify *unstructured.Unstructured
}

func (c *nodeCluster) devIn(t *testing.T, rec *recorder, namespace string) *devObjects {
	t.Helper()
	move := func(reg registration) *unstructured.Unstructured {
		obj := namedObject(reg, "dev")
		obj.SetNamespace(namespace)
		if obj.GetKind() == "Namespace" {
			obj.SetName(namespace)
			obj.SetNamespace("")
		}
		return obj
	}
	for _, typ := range []string{namespaceType, ksaType} {
		c.apply(t, move(rec.byType(typ)[0]))
	}
	verify := move(rec.one(t, jobType, "gkewi-verify"))
	_, env := podspec.MustContainer(t, podTemplate(t, verify.Object, "spec", "template")["spec"].(map[string]any), "verify")
	return &devObjects{namespace: namespace, account: env["EXPECTED_ACCOUNT"], grants: env["GRANTS"],
		cron: move(rec.one(t, cronJobType, "gkewi-cronjob")), verify: verify}
}

// named is a copy of obj with another name.
func named(obj *unstructured.Unstructured, name string) *unstructured.Unstructured {
	out := obj.DeepCopy()
	out.SetName(name)
	return out
}

// withBackoffLimit is a copy of a Job with another backoffLimit: a scenario
// that must see the Job fail does not wait for five pods of a minute each.
func withBackoffLimit(job *unstructured.Unstructured, limit int64) *unstructured.Unstructured {
	out := job.DeepCopy()
	_ = unstructured.SetNestedField(out.Object, limit, "spec", "backoffLimit")
	return out
}

// withCommand is a copy of a Job or CronJob whose job container runs command.
func withCommand(t *testing.T, obj *unstructured.Unstructured, command ...string) *unstructured.Unstructured {
	t.Helper()
	out := obj.DeepCopy()
	path := []string{"spec", "template", "spec", "containers"}
	if out.GetKind() == "CronJob" {
		path = append([]string{"spec", "jobTemplate"}, path...)
	}
	list, _, _ := unstructured.NestedSlice(out.Object, path...)
	args := make([]any, len(command))
	for i, arg := range command {
		args[i] = arg
	}
	list[0].(map[string]any)["command"] = args
	if err := unstructured.SetNestedSlice(out.Object, list, path...); err != nil {
		t.Fatal(err)
	}
	return out
}

func metadataRefusesThreeTimes(t *testing.T, c *nodeCluster, dev *devObjects) {
	fake := c.metadata.serve(dev.namespace, dev.account)
	fake.SetRefuseTokens(3)
	c.apply(t, named(dev.verify, "verify"))
	if err := c.waitForJob(t, dev.namespace, "verify"); err != nil {
		t.Fatalf("three refusals failed the verification: %v\n%s", err, c.podReport(t, dev.namespace, "verify"))
	}
	// The metadata server saw every attempt.
	if asked := fake.TokensAsked(); asked != 5 {
		t.Errorf("%d token requests, want 4 from wait-for-identity (3 refused) and 1 from the verification", asked)
	}
	if pods := c.jobPods(t, dev.namespace, "verify"); len(pods) != 1 {
		t.Errorf("%d pods ran, want one: the refusals are retried inside the pod", len(pods))
	}
}

func everyGrantIsProven(t *testing.T, c *nodeCluster, dev *devObjects) {
	c.metadata.serve(dev.namespace, dev.account).HoldGrants(dev.grants, 0)
	c.apply(t, named(dev.verify, "verify"))
	if err := c.waitForJob(t, dev.namespace, "verify"); err != nil {
		t.Fatalf("the verification failed with every grant held: %v\n%s", err, c.podReport(t, dev.namespace, "verify"))
	}
	if logs := c.logs(t, c.jobPods(t, dev.namespace, "verify")[0], "verify"); strings.Count(logs, "prove-grants: OK: grant ") != 5 {
		t.Errorf("the verification did not prove the 5 grants:\n%s", logs)
	}
}

// aGrantNeverTakesEffect: the pod fails once its window of 30 s has passed,
// and the Job with it, with the one reason that pulumi-kubernetes sees; the
// pod's termination message, which Pulumi shows, names the grant.
func aGrantNeverTakesEffect(t *testing.T, c *nodeCluster, dev *devObjects) {
	c.metadata.serve(dev.namespace, dev.account).HoldGrants(dev.grants, 0, "secretmanager.versions.access")
	c.apply(t, named(dev.verify, "verify"))
	err := c.waitForJob(t, dev.namespace, "verify")
	if err == nil || !strings.Contains(err.Error(), "[BackoffLimitExceeded]") {
		t.Fatalf("a grant that never took effect did not fail the Job: %v\n%s", err, c.podReport(t, dev.namespace, "verify"))
	}
	pods := c.jobPods(t, dev.namespace, "verify")
	if len(pods) != 1 {
		t.Errorf("%d pods ran, want one: another would only wait the window again", len(pods))
	}
	message := terminationMessage(pods[0].Status.ContainerStatuses[0])
	for _, want := range []string{
		"prove-grants: FAILED: grant roles/secretmanager.secretAccessor on the secret " + devProject + "/db-password: " +
			"the job's identity lacks secretmanager.versions.access after 30s.",
		"Inspect the binding with: gcloud secrets get-iam-policy db-password --project=" + devProject,
	} {
		if !strings.Contains(message, want) {
			t.Errorf("the termination message lacks %q:\n%s", want, message)
		}
	}
}

func aGrantTakesEffectLate(t *testing.T, c *nodeCluster, dev *devObjects) {
	fake := c.metadata.serve(dev.namespace, dev.account)
	fake.HoldGrants(dev.grants, 2)
	c.apply(t, named(dev.verify, "verify"))
	if err := c.waitForJob(t, dev.namespace, "verify"); err != nil {
		t.Fatalf("a grant that took effect on the third ask failed the verification: %v\n%s", err, c.podReport(t, dev.namespace, "verify"))
	}
	if asked := fake.Asks("projects/" + devProject + "/secrets/db-password"); asked != 3 {
		t.Errorf("the secret was asked %d times, want 3: twice refused, then granted", asked)
	}
}

func metadataNeverAnswers(t *testing.T, c *nodeCluster, dev *devObjects) {
	fake := c.metadata.serve(dev.namespace, dev.account)
	fake.SetRefuseTokens(-1)
	c.apply(t, withBackoffLimit(named(dev.verify, "verify"), 0))
	err := c.waitForJob(t, dev.namespace, "verify")
	if err == nil || !strings.Contains(err.Error(), "[BackoffLimitExceeded]") {
		t.Fatalf("a verification without a token did not fail: %v", err)
	}
	pod := c.jobPods(t, dev.namespace, "verify")[0]
	message := terminationMessage(pod.Status.ContainerStatuses[0])
	for _, want := range []string{"gave no token after about a minute", "metadataServerLogFilter"} {
		if !strings.Contains(message, want) {
			t.Errorf("the verification's termination message lacks %q:\n%s", want, message)
		}
	}
}

func wrongAccount(t *testing.T, c *nodeCluster, dev *devObjects) {
	c.metadata.serve(dev.namespace, "someone-else@other-project.iam.gserviceaccount.com")
	c.apply(t, withBackoffLimit(named(dev.verify, "verify"), 0))
	if err := c.waitForJob(t, dev.namespace, "verify"); err == nil {
		t.Fatal("the verification passed for the wrong account")
	}
	pod := c.jobPods(t, dev.namespace, "verify")[0]
	want := "the pod acts as 'someone-else@other-project.iam.gserviceaccount.com', want '" + dev.account + "'"
	if message := terminationMessage(pod.Status.ContainerStatuses[0]); !strings.Contains(message, want) {
		t.Errorf("the verification's termination message lacks %q:\n%s", want, message)
	}
}

func cronJobTemplateCompletes(t *testing.T, c *nodeCluster, dev *devObjects) {
	c.metadata.serve(dev.namespace, dev.account)
	c.apply(t, jobFromTemplate(dev.cron, "manual"))
	if err := c.waitForJob(t, dev.namespace, "manual"); err != nil {
		t.Fatalf("the CronJob's job did not complete: %v\n%s", err, c.podReport(t, dev.namespace, "manual"))
	}
	pod := c.jobPods(t, dev.namespace, "manual")[0]
	if logs := c.logs(t, pod, "batch"); !strings.Contains(logs, "projectId: "+devProject) {
		t.Errorf("the job's default command said:\n%s", logs)
	}
}

// runtimeProbe reports what the runtime made of the pod's security context.
const runtimeProbe = `echo "uid=$(id -u) gid=$(id -g)"
grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status
grep -qE '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ / ro[, ]' /proc/self/mountinfo && echo "root read-only" || echo "root writable"
touch /tmp/probe && echo "tmp writable"
echo "HOME=$HOME CLOUDSDK_CONFIG=$CLOUDSDK_CONFIG"`

func runtimeSecurityContext(t *testing.T, c *nodeCluster, dev *devObjects) {
	c.metadata.serve(dev.namespace, dev.account)
	c.apply(t, withCommand(t, jobFromTemplate(dev.cron, "probe"), "/bin/sh", "-c", runtimeProbe))
	if err := c.waitForJob(t, dev.namespace, "probe"); err != nil {
		t.Fatalf("the probe did not complete: %v\n%s", err, c.podReport(t, dev.namespace, "probe"))
	}
	logs := c.logs(t, c.jobPods(t, dev.namespace, "probe")[0], "batch")
	for _, want := range []string{"uid=65532 gid=65532", "CapEff:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2",
		"root read-only", "tmp writable", "HOME=/tmp CLOUDSDK_CONFIG=/tmp/gcloud"} {
		if !strings.Contains(logs, want) {
			t.Errorf("the pod's runtime context lacks %q:\n%s", want, logs)
		}
	}
}

func scheduleFiresAndForbidHolds(t *testing.T, c *nodeCluster, dev *devObjects) {
	c.metadata.serve(dev.namespace, dev.account)
	cron := withCommand(t, named(dev.cron, "every-minute"), "sleep", "90")
	_ = unstructured.SetNestedField(cron.Object, "* * * * *", "spec", "schedule")
	c.apply(t, cron)
	first := c.waitFor(t, 75*time.Second, "the schedule to fire", func() bool { return len(c.cronJobs(t, dev.namespace)) > 0 })
	// Past the next minute, while the first run still sleeps.
	next := first.Truncate(time.Minute).Add(time.Minute + 20*time.Second)
	time.Sleep(time.Until(next))
	if jobs := c.cronJobs(t, dev.namespace); len(jobs) != 1 {
		t.Errorf("%d Jobs after a second start was due while the first ran, want 1 (Forbid): %v", len(jobs), jobs)
	}
}

func evictionIsNotAFailure(t *testing.T, c *nodeCluster, dev *devObjects) {
	c.metadata.serve(dev.namespace, dev.account)
	job := withBackoffLimit(withCommand(t, jobFromTemplate(dev.cron, "preempted"), "sleep", "300"), 0)
	c.apply(t, job)
	var pod corev1.Pod
	c.waitFor(t, time.Minute, "the pod to run", func() bool {
		pods := c.jobPods(t, dev.namespace, "preempted")
		if len(pods) > 0 && pods[0].Status.Phase == corev1.PodRunning {
			pod = pods[0]
			return true
		}
		return false
	})
	eviction := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace}}
	if err := c.typed.CoreV1().Pods(pod.Namespace).EvictV1(context.Background(), eviction); err != nil {
		t.Fatal(err)
	}
	c.waitFor(t, 2*time.Minute, "a new pod after the eviction", func() bool {
		for _, p := range c.jobPods(t, dev.namespace, "preempted") {
			if p.Name != pod.Name {
				return true
			}
		}
		return false
	})
	live, err := c.typed.BatchV1().Jobs(dev.namespace).Get(context.Background(), "preempted", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if live.Status.Failed != 0 || jobCondition(live, batchv1.JobFailed) {
		t.Errorf("the evicted pod counted as a failure: failed=%d, conditions %+v", live.Status.Failed, live.Status.Conditions)
	}
	_ = c.typed.BatchV1().Jobs(dev.namespace).Delete(context.Background(), "preempted", metav1.DeleteOptions{PropagationPolicy: ptr(metav1.DeletePropagationBackground)})
}

func podSecurityAdmission(t *testing.T, c *nodeCluster, dev *devObjects) {
	template := podTemplate(t, dev.cron.Object, "spec", "jobTemplate", "spec", "template")
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}
	ours := podFromTemplate(t, template, dev.namespace, "ours")
	if _, err := c.typed.CoreV1().Pods(dev.namespace).Create(context.Background(), ours, dryRun); err != nil {
		t.Errorf("PodSecurity refused our pod: %v", err)
	}
	broken := ours.DeepCopy()
	broken.Name = "escalating"
	broken.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = ptr(true)
	_, err := c.typed.CoreV1().Pods(dev.namespace).Create(context.Background(), broken, dryRun)
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "violates PodSecurity") {
		t.Errorf("a privilege-escalating pod was not refused by PodSecurity: %v", err)
	}
}

func podFromTemplate(t *testing.T, template map[string]any, namespace, name string) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{}
	obj := map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": name, "namespace": namespace},
		"spec": template["spec"]}
	if err := k8sruntime.DefaultUnstructuredConverter.FromUnstructured(obj, pod); err != nil {
		t.Fatal(err)
	}
	return pod
}

func ptr[T any](v T) *T { return &v }

// waitForJob waits until a Job finishes: nil once it is Complete, an error
// with its reason once it is Failed. How Pulumi waits for the verification
// Job, and replaces it when it failed, the engine tier proves with
// pulumi-kubernetes itself.
func (c *nodeCluster) waitForJob(t *testing.T, namespace, name string) error {
	t.Helper()
	deadline := time.Now().Add(jobTimeout)
	for time.Now().Before(deadline) {
		job, err := c.typed.BatchV1().Jobs(namespace).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range job.Status.Conditions {
			if cond.Type == batchv1.JobFailed && cond.Status == corev1.ConditionTrue {
				return fmt.Errorf("[%s] %s", cond.Reason, cond.Message)
			}
		}
		if jobCondition(job, batchv1.JobComplete) {
			return nil
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("timed out waiting for Job %s/%s", namespace, name)
}

func jobCondition(job *batchv1.Job, kind batchv1.JobConditionType) bool {
	for _, cond := range job.Status.Conditions {
		if cond.Type == kind && cond.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func (c *nodeCluster) jobPods(t *testing.T, namespace, job string) []corev1.Pod {
	t.Helper()
	pods, err := c.typed.CoreV1().Pods(namespace).List(context.Background(),
		metav1.ListOptions{LabelSelector: "batch.kubernetes.io/job-name=" + job})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(pods.Items, func(a, b corev1.Pod) int { return a.CreationTimestamp.Compare(b.CreationTimestamp.Time) })
	return pods.Items
}

// cronJobs are the Jobs that a CronJob started in namespace.
func (c *nodeCluster) cronJobs(t *testing.T, namespace string) []string {
	t.Helper()
	jobs, err := c.typed.BatchV1().Jobs(namespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, job := range jobs.Items {
		if len(job.OwnerReferences) > 0 && job.OwnerReferences[0].Kind == "CronJob" {
			names = append(names, job.Name)
		}
	}
	return names
}

func (c *nodeCluster) logs(t *testing.T, pod corev1.Pod, container string) string {
	t.Helper()
	data, err := c.typed.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: container}).
		DoRaw(context.Background())
	if err != nil {
		t.Fatalf("logs of %s/%s: %v", pod.Name, container, err)
	}
	return string(data)
}

func terminationMessage(status corev1.ContainerStatus) string {
	if status.State.Terminated != nil {
		return status.State.Terminated.Message
	}
	if status.LastTerminationState.Terminated != nil {
		return status.LastTerminationState.Terminated.Message
	}
	return ""
}

// podReport describes a Job's pods for a failure message.
func (c *nodeCluster) podReport(t *testing.T, namespace, job string) string {
	t.Helper()
	var b strings.Builder
	for _, pod := range c.jobPods(t, namespace, job) {
		fmt.Fprintf(&b, "pod %s: %s %s\n", pod.Name, pod.Status.Phase, pod.Status.Reason)
		for _, s := range slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses) {
			fmt.Fprintf(&b, "  %s: %+v\n", s.Name, s.State)
		}
	}
	return b.String()
}

// waitFor polls until done, and returns when it was.
func (c *nodeCluster) waitFor(t *testing.T, timeout time.Duration, what string, done func() bool) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if done() {
			return time.Now()
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
	return time.Time{}
}
