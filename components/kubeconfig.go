package components

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components/scripts"
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

// tokenKubeconfig authenticates with the access token that the environment
// holds when the Kubernetes provider runs: client-go runs the exec
// credential with the provider's environment, which is the Pulumi CLI's. So
// the kubeconfig, which Pulumi keeps in state as the provider's input and
// reuses for refresh and destroy, holds no token that could expire there,
// and is the same on every run. gke-gcloud-auth-plugin cannot stand in: with
// Application Default Credentials it reads neither variable, and without
// them it reads only CLOUDSDK_AUTH_ACCESS_TOKEN and, when that is unset,
// falls back to gcloud's own account (docs/verification.md).
func (c clusterAccess) tokenKubeconfig() string {
	return c.kubeconfig(`    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: sh
      args:
      - -c
      - |
` + indent(scripts.ExecCredential, "        ") + `      - gkewi-exec-credential
      interactiveMode: Never
`)
}

// indent puts prefix before every line of text.
func indent(text, prefix string) string {
	lines := strings.SplitAfter(text, "\n")
	for i, line := range lines {
		if line != "" {
			lines[i] = prefix + line
		}
	}
	return strings.Join(lines, "")
}

// gkeProvider is a Kubernetes provider for a GKE cluster, authenticated the
// way auth says, and the cluster's plugin kubeconfig, which is the one users
// get. Neither holds a token. Both are secret: they name the cluster's
// endpoint and CA. access holds a clusterAccess; it is a pulumi.Output, not
// the pulumi.AnyOutput that it is, because a package that names AnyOutput
// compiles every builtin output type's pulumix.Output again (3 s of every
// edit here: TestEditingTheComponentStaysCheap).
func gkeProvider(ctx *pulumi.Context, name string, access pulumi.Output, auth string, deleteUnreachable *bool,
	parts partOptions, reachableAfter ...pulumi.Resource,
) (pulumi.StringOutput, *kubernetes.Provider, error) {
	userKubeconfig := secretString(access.ApplyT(func(c any) string { return c.(clusterAccess).pluginKubeconfig() }))
	providerKubeconfig := userKubeconfig
	if auth == AccessToken {
		providerKubeconfig = secretString(access.ApplyT(func(c any) string { return c.(clusterAccess).tokenKubeconfig() }))
	}
	opts := parts.google()
	if len(reachableAfter) > 0 {
		opts = append(opts, pulumi.DependsOn(reachableAfter))
	}
	provider, err := kubernetesProvider(ctx, name, providerKubeconfig, deleteUnreachable, opts...)
	return userKubeconfig, provider, err
}

// kubernetesProvider is the component's own Kubernetes provider. It sets no
// clusterIdentifier. gkewi's kubeconfigs hold no credential, so a new token
// changes none of the provider's inputs, and pulumi-kubernetes' DiffConfig
// replaces the provider, and every object made through it, only when the
// kubeconfig's cluster (endpoint and CA) changes or is not known yet, as
// when GKE replaces the cluster under the same name. An identifier made of
// project, location and name would keep the provider across that
// replacement, and the objects would be missing from the new cluster.
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
