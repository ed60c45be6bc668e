package components

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// verifyCommand is a kubectl command that repeats the verification by hand:
// a throw-away pod that runs as the KSA, within the namespace's restricted
// Pod Security Standard, waits for its identity as every gkewi pod does, then
// runs the verification Job's own script against account and grants, which
// were made long before and so must hold at once. `kubectl run
// --serviceaccount` no longer exists, so the pod's service account is set
// through --overrides.
func verifyCommand(namespace, ksa, image string, account pulumi.StringOutput, grants []Grant, where placement) pulumi.StringOutput {
	return account.ApplyT(func(account string) string {
		env := []map[string]string{{"name": "EXPECTED_ACCOUNT", "value": account}}
		script := verifyScript
		if len(grants) > 0 {
			// verify.sh ends only when it fails; the grants' proof follows.
			script += "\n" + proveGrantsScript
			env = append(env, map[string]string{"name": "GRANTS", "value": grantLines(grants)},
				map[string]string{"name": "GRANT_PROPAGATION_SECONDS", "value": "0"})
		}
		spec := map[string]any{
			"serviceAccountName":           ksa,
			"automountServiceAccountToken": false,
			"securityContext": map[string]any{
				"runAsNonRoot":   true,
				"runAsUser":      nonRootUID,
				"seccompProfile": map[string]string{"type": "RuntimeDefault"},
			},
			"initContainers": []map[string]any{checkContainer("wait-for-identity", image, waitForTokenScript)},
			"containers":     []map[string]any{checkContainer("wi-check", image, script, env...)},
		}
		if selector := where.selector(); selector != nil {
			spec["nodeSelector"] = selector
		}
		if toleration := where.toleration(); toleration != nil {
			spec["tolerations"] = []map[string]string{toleration}
		}
		overrides := compactJSON(map[string]any{"apiVersion": "v1", "spec": spec})
		return fmt.Sprintf("kubectl --namespace %s run wi-check --rm -i --restart=Never --image=%s --overrides=%s",
			namespace, image, shellQuote(overrides))
	}).(pulumi.StringOutput)
}

// checkContainer is a container of the verifyCommand pod that runs script,
// with gcloud's configuration in the pod's /tmp and env after it.
func checkContainer(name, image, script string, env ...map[string]string) map[string]any {
	vars := append([]map[string]string{
		{"name": "HOME", "value": scratchPath},
		{"name": "CLOUDSDK_CONFIG", "value": scratchPath + "/gcloud"},
	}, env...)
	return map[string]any{
		"name":    name,
		"image":   image,
		"command": []string{"/bin/sh", "-c", script},
		"env":     vars,
		"securityContext": map[string]any{
			"allowPrivilegeEscalation": false,
			"capabilities":             map[string][]string{"drop": {"ALL"}},
		},
	}
}

// runNowCommand is a shell command that starts the CronJob's job once, now,
// waits for it to end and shows its logs: the job's own image and command,
// without waiting for the schedule. It waits for the job rather than follow
// its logs, because kubectl stops following a pod whose init container is
// still running. A job that fails ends by its deadline, which the wait outlasts.
func runNowCommand(namespace, cronJob string, activeDeadlineSeconds int) string {
	return fmt.Sprintf(`job="manual-$(date +%%s)" && kubectl --namespace %[1]s create job --from=cronjob/%[2]s "$job" && `+
		`{ kubectl --namespace %[1]s wait --for=condition=complete --timeout=%[3]ds "job/$job"; `+
		`kubectl --namespace %[1]s logs --all-containers "job/$job"; }`, namespace, cronJob, activeDeadlineSeconds+60)
}

// compactJSON renders maps of strings, numbers and booleans, which cannot
// fail, without escaping the script's < and &.
func compactJSON(v any) string {
	var b strings.Builder
	encoder := json.NewEncoder(&b)
	encoder.SetEscapeHTML(false)
	_ = encoder.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// metadataServerLogFilter is the Cloud Logging filter for the logs of the GKE
// metadata server on this cluster, where a 403's cause is written. An
// existing cluster's zone and name may be unknown; the filter then covers
// every cluster of the project.
func metadataServerLogFilter(project, zone, cluster string) string {
	lines := []string{
		`resource.type="k8s_container"`,
		fmt.Sprintf(`resource.labels.project_id="%s"`, project),
	}
	if zone != "" {
		lines = append(lines, fmt.Sprintf(`resource.labels.location="%s"`, zone))
	}
	if cluster != "" {
		lines = append(lines, fmt.Sprintf(`resource.labels.cluster_name="%s"`, cluster))
	}
	lines = append(lines, `resource.labels.namespace_name="kube-system"`, `resource.labels.container_name="gke-metadata-server"`)
	return strings.Join(lines, "\n")
}
