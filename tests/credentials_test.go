package tests

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	clientauthenticationv1 "k8s.io/client-go/pkg/apis/clientauthentication/v1"
	clientexec "k8s.io/client-go/plugin/pkg/client/auth/exec"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/client-go/transport"

	"github.com/gkewi/gkewi/components"
)

// Pulumi keeps a provider's inputs in the stack's state and uses them, not
// the program's, for refresh and destroy. A token there expires within the
// hour, and a new one each run shows the provider as changed in every
// preview. These tests keep the Kubernetes providers' inputs free of any
// token and the same from run to run; with gkewi:kubernetesAuth accessToken
// the token is read from the environment only when the provider runs.

// The variables that hold the token: the GCP provider's, and gcloud's, which
// is the one that Pulumi ESC's example exports for gcloud.
const (
	googleTokenVariable = "GOOGLE_OAUTH_ACCESS_TOKEN"
	gcloudTokenVariable = "CLOUDSDK_AUTH_ACCESS_TOKEN"
)

// TestKubernetesProviderInputsHoldNoTokenAndStayTheSameAcrossTokens runs
// every stack and example twice, in each way to authenticate, with a token
// of its own each time.
func TestKubernetesProviderInputsHoldNoTokenAndStayTheSameAcrossTokens(t *testing.T) {
	for _, stack := range slices.Sorted(maps.Keys(stackFiles())) {
		modes := authModes(stackConfig(t, stack))
		for _, auth := range slices.Sorted(maps.Keys(modes)) {
			const first, second = "ya29.first-run-token", "ya29.second-run-token"
			inputs := providerInputs(t, recordWithToken(t, stack, modes[auth], first))
			if len(inputs) == 0 {
				t.Errorf("stack %s (%s): no Kubernetes provider was registered", stack, auth)
			}
			for name, input := range inputs {
				if strings.Contains(input, first) {
					t.Errorf("stack %s (%s): the inputs of provider %s hold the token:\n%s", stack, auth, name, input)
				}
			}
			if again := providerInputs(t, recordWithToken(t, stack, modes[auth], second)); !reflect.DeepEqual(inputs, again) {
				t.Errorf("stack %s (%s): the Kubernetes providers' inputs change with the token:\n%v\nthen\n%v", stack, auth, inputs, again)
			}
		}
	}
}

// authModes are a stack's configuration under each way to authenticate to
// GKE; a stack with a kubeconfig of its own has only that.
func authModes(config map[string]string) map[string]map[string]string {
	if config["gkewi:kubeconfig"] != "" {
		return map[string]map[string]string{"own kubeconfig": config}
	}
	modes := map[string]map[string]string{}
	for _, auth := range []string{components.AuthPlugin, components.AccessToken} {
		modes[auth] = withConfig(config, map[string]string{"gkewi:kubernetesAuth": auth})
	}
	return modes
}

// tokenMocks are the recording mocks with token as the GCP provider's own.
type tokenMocks struct {
	*recorder
	token string
}

func (m tokenMocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if args.Token == "gcp:organizations/getClientConfig:getClientConfig" {
		return resource.PropertyMap{"accessToken": resource.NewProperty(m.token)}, nil
	}
	return m.recorder.Call(args)
}

// recordWithToken runs the program of stack with token wherever a program
// could find one: the GCP provider's getClientConfig, gcp:accessToken and
// both variables.
func recordWithToken(t *testing.T, stack string, config map[string]string, token string) *recorder {
	t.Helper()
	t.Setenv(googleTokenVariable, token)
	t.Setenv(gcloudTokenVariable, token)
	config = withConfig(config, map[string]string{"gcp:accessToken": token})
	rec := &recorder{stack: stack, outputs: map[string]stackOutput{}}
	program := func(ctx *pulumi.Context) error { return rec.deploy(ctx, config) }
	if err := pulumi.RunErr(program, pulumi.WithMocks(testProject, stack, tokenMocks{rec, token})); err != nil {
		t.Fatalf("stack %s: %v", stack, err)
	}
	return rec
}

// providerInputs are the inputs of every Kubernetes provider, as JSON, by name.
func providerInputs(t *testing.T, rec *recorder) map[string]string {
	t.Helper()
	inputs := map[string]string{}
	for _, provider := range rec.byType(kubernetesProvider) {
		data, err := json.Marshal(get(provider.Inputs))
		if err != nil {
			t.Fatal(err)
		}
		inputs[provider.Name] = string(data)
	}
	return inputs
}

// accessTokenExec is the exec credential of the dev fixture's Kubernetes
// provider under accessToken, as client-go reads it from the kubeconfig,
// which it validates on the way (an exec credential of
// client.authentication.k8s.io/v1 must say its interactiveMode).
func accessTokenExec(t *testing.T) *clientcmdapi.ExecConfig {
	t.Helper()
	rec := mustRecord(t, withConfig(devFixture(), map[string]string{"gkewi:kubernetesAuth": components.AccessToken}))
	kubeconfig, _ := get(rec.one(t, kubernetesProvider, "gkewi-kubernetes").Inputs, "kubeconfig").(string)
	config, err := clientcmd.Load([]byte(kubeconfig))
	if err != nil {
		t.Fatalf("loading the provider's kubeconfig: %v\n%s", err, kubeconfig)
	}
	rest, err := clientcmd.NewDefaultClientConfig(*config, nil).ClientConfig()
	if err != nil {
		t.Fatalf("client-go refuses the provider's kubeconfig: %v\n%s", err, kubeconfig)
	}
	if rest.ExecProvider == nil {
		t.Fatalf("the provider's kubeconfig has no exec credential:\n%s", kubeconfig)
	}
	return rest.ExecProvider
}

// TestExecCredentialPrintsTheTokenOfTheEnvironment runs the exec credential
// of the accessToken kubeconfig as client-go does: its command and
// arguments, with the environment of the process that runs it.
func TestExecCredentialPrintsTheTokenOfTheEnvironment(t *testing.T) {
	t.Parallel()
	credential := accessTokenExec(t)
	unset := "neither CLOUDSDK_AUTH_ACCESS_TOKEN nor GOOGLE_OAUTH_ACCESS_TOKEN is set"
	for _, c := range []struct {
		name                 string
		env                  []string
		wantToken, wantError string
	}{
		{"the GCP provider's variable", []string{googleTokenVariable + "=ya29.google"}, "ya29.google", ""},
		{"gcloud's variable", []string{gcloudTokenVariable + "=ya29.gcloud"}, "ya29.gcloud", ""},
		{"both, gcloud's first", []string{googleTokenVariable + "=ya29.google", gcloudTokenVariable + "=ya29.gcloud"}, "ya29.gcloud", ""},
		{"neither", nil, "", unset},
		{"empty", []string{googleTokenVariable + "=", gcloudTokenVariable + "="}, "", unset},
		{"not a token", []string{googleTokenVariable + `=ya29."}`}, "", "is not an OAuth access token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, err := runExecCredential(credential, c.env)
			if c.wantError != "" {
				if err == nil || stdout != "" || !strings.Contains(stderr, c.wantError) {
					t.Errorf("got error %v, stdout %q, stderr %q; want a failure, no output and %q", err, stdout, stderr, c.wantError)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v: %s", err, stderr)
			}
			assertExecCredential(t, stdout, c.wantToken)
		})
	}
}

// runExecCredential runs credential with only env and PATH in its environment.
func runExecCredential(credential *clientcmdapi.ExecConfig, env []string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	cmd := exec.Command(credential.Command, credential.Args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// assertExecCredential checks that output is a client.authentication.k8s.io/v1
// ExecCredential with token and no expiry: client-go then keeps it until the
// API server answers 401 (plugin/pkg/client/auth/exec/exec.go, credsExpired
// and the roundTripper), longer than any run that starts with a fresh token
// needs it.
func assertExecCredential(t *testing.T, output, token string) {
	t.Helper()
	decoder := json.NewDecoder(strings.NewReader(output))
	decoder.DisallowUnknownFields()
	var credential clientauthenticationv1.ExecCredential
	if err := decoder.Decode(&credential); err != nil {
		t.Fatalf("the output is not an ExecCredential: %v\n%s", err, output)
	}
	if credential.APIVersion != "client.authentication.k8s.io/v1" || credential.Kind != "ExecCredential" {
		t.Errorf("the output is a %s %s; want a client.authentication.k8s.io/v1 ExecCredential", credential.APIVersion, credential.Kind)
	}
	if credential.Status == nil || credential.Status.Token != token || credential.Status.ExpirationTimestamp != nil {
		t.Errorf("the output's status is %+v; want the token %s and no expiry", credential.Status, token)
	}
}

// TestExecCredentialAuthenticatesClientGoRequests runs the exec credential
// through client-go's own exec authenticator, which runs it with the
// environment of the process, here as in the Kubernetes provider, decodes
// its output and sends the token as a bearer token.
func TestExecCredentialAuthenticatesClientGoRequests(t *testing.T) {
	const token = "ya29.through-client-go"
	t.Setenv(googleTokenVariable, token)
	t.Setenv(gcloudTokenVariable, "")
	authenticator, err := clientexec.GetAuthenticator(accessTokenExec(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	config := &transport.Config{}
	if err := authenticator.UpdateTransportConfig(config); err != nil {
		t.Fatal(err)
	}
	var authorization string
	apiServer := roundTripper(func(req *http.Request) (*http.Response, error) {
		authorization = req.Header.Get("Authorization")
		return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
	})
	req, err := http.NewRequest(http.MethodGet, "https://"+fakeEndpoint+"/version", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := config.WrapTransport(apiServer).RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	if authorization != "Bearer "+token {
		t.Errorf("the request's Authorization is %q; want the bearer token of %s", authorization, googleTokenVariable)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// TestAccessTokenTakesDeleteUnreachable: with no token in state, no
// refresh or destroy finds the cluster unreachable for a token that expired
// there, so accessToken takes deleteUnreachable as authPlugin does.
func TestAccessTokenTakesDeleteUnreachable(t *testing.T) {
	t.Parallel()
	rec, err := recordRun(t, withConfig(devFixture(), map[string]string{
		"gkewi:kubernetesAuth": components.AccessToken, "gkewi:deleteUnreachable": "true",
	}))
	if err != nil {
		t.Fatalf("accessToken with deleteUnreachable true is refused: %v", err)
	}
	assertPath(t, rec.one(t, kubernetesProvider, "gkewi-kubernetes"), true, "deleteUnreachable")
}
