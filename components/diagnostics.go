package components

import (
	"encoding/json"
	"fmt"
	"strings"
)

// verifyCommand is a kubectl command that repeats the verification by hand:
// a throw-away pod that runs as the KSA, within the namespace's restricted
// Pod Security Standard, and lists the account gcloud acts as. `kubectl run
// --serviceaccount` no longer exists, so the pod's service account is set
// through --overrides.
func verifyCommand(namespace, ksa string) string {
	// Marshal cannot fail on maps of strings, numbers and booleans.
	overrides, _ := json.Marshal(map[string]any{
		"apiVersion": "v1",
		"spec": map[string]any{
			"serviceAccountName":           ksa,
			"automountServiceAccountToken": false,
			"nodeSelector":                 map[string]string{MetadataServerNodeLabel: "true"},
			"securityContext": map[string]any{
				"runAsNonRoot":   true,
				"runAsUser":      nonRootUID,
				"seccompProfile": map[string]string{"type": "RuntimeDefault"},
			},
			"containers": []map[string]any{{
				"name":    "wi-check",
				"image":   DefaultImage,
				"command": []string{"gcloud", "auth", "list"},
				"env":     []map[string]string{{"name": "CLOUDSDK_CONFIG", "value": "/tmp/gcloud"}},
				"securityContext": map[string]any{
					"allowPrivilegeEscalation": false,
					"capabilities":             map[string][]string{"drop": {"ALL"}},
				},
			}},
		},
	})
	return fmt.Sprintf("kubectl --namespace %s run wi-check --rm -i --restart=Never --image=%s --overrides='%s'",
		namespace, DefaultImage, overrides)
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
