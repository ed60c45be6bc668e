package components

import "fmt"

// gkeKubeconfig is a kubeconfig for one GKE cluster that authenticates with
// gke-gcloud-auth-plugin: short-lived tokens, no client certificate and no
// static token. The plugin uses Application Default Credentials, the same
// credentials the GCP provider uses, so `pulumi up` needs one login only.
func gkeKubeconfig(project, zone, clusterName, endpoint, caCertificate string) string {
	context := fmt.Sprintf("gke_%s_%s_%s", project, zone, clusterName)
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: https://%[2]s
    certificate-authority-data: %[3]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[1]s
current-context: %[1]s
users:
- name: %[1]s
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      args:
      - --use_application_default_credentials
      installHint: Install gke-gcloud-auth-plugin, e.g. gcloud components install gke-gcloud-auth-plugin
      provideClusterInfo: true
`, context, endpoint, caCertificate)
}
