package components

import (
	"fmt"
	"strings"
)

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
