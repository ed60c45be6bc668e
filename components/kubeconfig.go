package components

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// clusterAccess is what a kubeconfig for one GKE cluster is made of.
type clusterAccess struct {
	Project, Location, Name string
	// Endpoint is the control plane's address, CACertificate its CA (base64 PEM).
	Endpoint, CACertificate string
}

// kubeconfig is a kubeconfig for the cluster whose user is user.
func (c clusterAccess) kubeconfig(user string) string {
	context := fmt.Sprintf("gke_%s_%s_%s", c.Project, c.Location, c.Name)
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
%[4]s`, context, c.Endpoint, c.CACertificate, user)
}

// pluginKubeconfig authenticates with gke-gcloud-auth-plugin: short-lived
// tokens, no client certificate and no static token. The plugin uses
// Application Default Credentials, the same credentials the GCP provider
// uses, so `pulumi up` needs one login only.
func (c clusterAccess) pluginKubeconfig() string {
	return c.kubeconfig(`    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: gke-gcloud-auth-plugin
      args:
      - --use_application_default_credentials
      installHint: Install gke-gcloud-auth-plugin, e.g. gcloud components install gke-gcloud-auth-plugin
      provideClusterInfo: true
`)
}

// tokenKubeconfig authenticates with an OAuth access token, which lasts an
// hour at most.
func (c clusterAccess) tokenKubeconfig(token string) string {
	return c.kubeconfig(fmt.Sprintf("    token: %s\n", token))
}

// gkeProvider is a Kubernetes provider for a GKE cluster, authenticated the
// way auth says, and the cluster's plugin kubeconfig, which is the one users
// get: it never holds a token. Both are secret.
func gkeProvider(ctx *pulumi.Context, name string, access pulumi.AnyOutput, auth string, deleteUnreachable *bool,
	parts partOptions,
) (pulumi.StringOutput, *kubernetes.Provider, error) {
	userKubeconfig := secretString(access.ApplyT(func(c any) string { return c.(clusterAccess).pluginKubeconfig() }))
	providerKubeconfig := userKubeconfig
	if auth == AccessToken {
		// The GCP provider's own credentials, whatever they are: ADC, an
		// impersonated account, or just GOOGLE_OAUTH_ACCESS_TOKEN.
		client := organizations.GetClientConfigOutput(ctx, parts.invoke()...)
		providerKubeconfig = secretString(pulumi.All(access, client.AccessToken()).ApplyT(func(v []any) string {
			return v[0].(clusterAccess).tokenKubeconfig(v[1].(string))
		}))
	}
	provider, err := kubernetesProvider(ctx, name, providerKubeconfig, deleteUnreachable, parts.google()...)
	return userKubeconfig, provider, err
}

// kubernetesProvider is the component's own Kubernetes provider.
func kubernetesProvider(ctx *pulumi.Context, name string, kubeconfig pulumi.StringOutput, deleteUnreachable *bool,
	opts ...pulumi.ResourceOption,
) (*kubernetes.Provider, error) {
	provider, err := kubernetes.NewProvider(ctx, name+"-kubernetes", &kubernetes.ProviderArgs{
		Kubeconfig:        kubeconfig,
		DeleteUnreachable: pulumi.BoolPtrFromPtr(deleteUnreachable),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating Kubernetes provider: %w", err)
	}
	return provider, nil
}

func secretString(v pulumi.Output) pulumi.StringOutput {
	return pulumi.ToSecret(v).(pulumi.StringOutput)
}
