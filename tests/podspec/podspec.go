// Package podspec reads a pod spec as the tests find it, decoded from JSON
// or YAML into maps: in the inputs the program registers, in the committed
// pod fixtures, and in what the verifyCommand output asks kubectl to run.
package podspec

import (
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

// Containers are the pod's init containers, then its containers, in the
// order that the kubelet starts them.
func Containers(pod map[string]any) []map[string]any {
	var out []map[string]any
	for _, key := range []string{"initContainers", "containers"} {
		list, _ := pod[key].([]any)
		for _, c := range list {
			out = append(out, c.(map[string]any))
		}
	}
	return out
}

// Container is the command and the environment of the pod's container
// name, init or not; ok is false when the pod has none of that name.
func Container(pod map[string]any, name string) (command []string, env map[string]string, ok bool) {
	for _, c := range Containers(pod) {
		if c["name"] != name {
			continue
		}
		for _, arg := range c["command"].([]any) {
			command = append(command, arg.(string))
		}
		env = map[string]string{}
		list, _ := c["env"].([]any)
		for _, e := range list {
			pair := e.(map[string]any)
			env[pair["name"].(string)] = pair["value"].(string)
		}
		return command, env, true
	}
	return nil, nil, false
}

// MustContainer is Container for a test, which fails when the pod has no
// container name.
func MustContainer(t testing.TB, pod map[string]any, name string) (command []string, env map[string]string) {
	t.Helper()
	command, env, ok := Container(pod, name)
	if !ok {
		t.Fatalf("the pod has no container %q", name)
	}
	return command, env
}

// podSecurity is the PodSecurity admission plugin's own evaluator.
var podSecurity = func() policy.Evaluator {
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks())
	if err != nil {
		panic(err)
	}
	return evaluator
}()

// RestrictedViolations are the pod's breaches of the restricted Pod
// Security Standard, as PodSecurity admission finds them.
func RestrictedViolations(pod map[string]any) []string {
	data, err := json.Marshal(pod)
	if err != nil {
		return []string{err.Error()}
	}
	var spec corev1.PodSpec
	if err := json.Unmarshal(data, &spec); err != nil {
		return []string{"the pod spec does not decode: " + err.Error()}
	}
	if len(spec.Containers) == 0 {
		return []string{"no pod spec"}
	}
	restricted := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	var violations []string
	for _, result := range podSecurity.EvaluatePod(restricted, &metav1.ObjectMeta{}, &spec) {
		if !result.Allowed {
			violations = append(violations, result.ForbiddenReason+": "+result.ForbiddenDetail)
		}
	}
	return violations
}
