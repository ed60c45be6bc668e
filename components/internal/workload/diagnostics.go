package workload

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components/scripts"
)

// VerifyCommand is a kubectl command that repeats the verification by hand:
// a throw-away pod that runs as the KSA, within the namespace's restricted
// Pod Security Standard, waits for its identity as every gkewi pod does, then
// runs the verification Job's own script against account and grants, which
// were made long before and so must hold at once. `kubectl run
// --serviceaccount` no longer exists, so the pod's service account is set
// through --overrides.
func VerifyCommand(namespace, ksa, image string, account pulumi.StringOutput, grants string, where Placement) pulumi.StringOutput {
	return account.ApplyT(func(account string) string {
		env := []map[string]string{{"name": "EXPECTED_ACCOUNT", "value": account}}
		script := scripts.Verify
		if grants != "" {
			// verify.sh ends only when it fails; the grants' proof follows.
			script += "\n" + scripts.ProveGrants
			env = append(env, map[string]string{"name": "GRANTS", "value": grants},
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
			"initContainers": []map[string]any{checkContainer("wait-for-identity", image, scripts.WaitForIdentity)},
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

// checkContainer is a container of the VerifyCommand pod that runs script,
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
