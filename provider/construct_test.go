package main

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
)

// devArgs are the dev stack's values, as a program in another language
// passes them to the package.
var devArgs = map[string]property.Value{
	"project":                  property.New("my-gkewi-dev-project"),
	"region":                   property.New("asia-northeast1"),
	"zone":                     property.New("asia-northeast1-a"),
	"network":                  property.New("gkewi-dev"),
	"subnetwork":               property.New("gkewi-dev-asia-northeast1"),
	"subnetCidr":               property.New("10.0.0.0/24"),
	"masterCidr":               property.New("172.16.0.0/28"),
	"authorizedNetworks":       property.New([]property.Value{property.New("203.0.113.0/24")}),
	"clusterName":              property.New("gkewi-dev"),
	"deletionProtection":       property.New(false),
	"namespace":                property.New("wi-demo"),
	"kubernetesServiceAccount": property.New("wi-demo"),
	"cronJobName":              property.New("workload-identity-test"),
	"schedule":                 property.New("*/5 * * * *"),
}

// devGoArgs are the same values, as a Go program passes them.
func devGoArgs() *components.WorkloadIdentityCronJobArgs {
	no := false
	return &components.WorkloadIdentityCronJobArgs{
		Project: "my-gkewi-dev-project", Region: "asia-northeast1", Zone: "asia-northeast1-a",
		Network: "gkewi-dev", Subnetwork: "gkewi-dev-asia-northeast1", SubnetCIDR: "10.0.0.0/24",
		MasterCIDR: "172.16.0.0/28", AuthorizedNetworks: pulumi.StringArray{pulumi.String("203.0.113.0/24")}, ClusterName: "gkewi-dev",
		DeletionProtection: &no, Namespace: "wi-demo", KubernetesServiceAccount: "wi-demo",
		CronJobName: "workload-identity-test", Schedule: "*/5 * * * *",
	}
}

// registered is what a mock monitor saw of one resource.
type registered struct {
	Type, Name, Parent string
	Inputs             property.Map
}

// monitor records registrations and computes the outputs that the
// component reads, as the gkewi tests' recorder does.
type monitor struct {
	mu        sync.Mutex
	resources []registered
}

func (m *monitor) mocks() *integration.MockResourceMonitor {
	return &integration.MockResourceMonitor{
		NewResourceF: func(args integration.MockResourceArgs) (string, property.Map, error) {
			parent := ""
			if args.RegisterRPC != nil && args.RegisterRPC.GetParent() != "" {
				parent = resource.URN(args.RegisterRPC.GetParent()).Name()
			}
			m.mu.Lock()
			m.resources = append(m.resources, registered{string(args.TypeToken), args.Name, parent, args.Inputs})
			m.mu.Unlock()
			return args.Name + "-id", computed(string(args.TypeToken), args.Inputs), nil
		},
		CallF: func(args integration.MockCallArgs) (property.Map, error) {
			return property.Map{}, fmt.Errorf("unexpected invoke %s", args.Token)
		},
	}
}

func computed(typ string, inputs property.Map) property.Map {
	out := inputs.AsMap()
	for key, value := range out {
		// Pulumi's mock monitor returns state without unknowns, and fails
		// on an unknown secret ("malformed RPC secret"): leave them out.
		if value.IsComputed() {
			delete(out, key)
		}
	}
	str := func(key string) string {
		if v, ok := inputs.GetOk(key); ok && v.IsString() {
			return v.AsString()
		}
		return ""
	}
	switch typ {
	case "random:index/randomId:RandomId":
		out["hex"] = property.New("abcd")
	case "gcp:serviceaccount/account:Account":
		email := fmt.Sprintf("%s@%s.iam.gserviceaccount.com", str("accountId"), str("project"))
		out["email"] = property.New(email)
		out["name"] = property.New("projects/" + str("project") + "/serviceAccounts/" + email)
	case "gcp:container/cluster:Cluster":
		out["endpoint"] = property.New("198.51.100.10")
		out["masterAuth"] = property.New(map[string]property.Value{"clusterCaCertificate": property.New("Q0E=")})
	}
	return property.NewMap(out)
}

// summary is what a reviewer compares: every resource's type, name and
// parent, the binding's member and the KSA's annotation.
func (m *monitor) summary() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var lines []string
	for _, r := range m.resources {
		if r.Type == componentToken {
			continue
		}
		lines = append(lines, fmt.Sprintf("%s %s parent=%s", r.Type, r.Name, r.Parent))
		switch r.Type {
		case "gcp:serviceaccount/iAMMember:IAMMember":
			lines = append(lines, "  member "+r.Inputs.Get("member").GoString())
		case "kubernetes:core/v1:ServiceAccount":
			lines = append(lines, "  metadata "+r.Inputs.Get("metadata").GoString())
		}
	}
	slices.Sort(lines)
	return lines
}

func TestConstructRegistersWhatTheGoComponentDoes(t *testing.T) {
	var viaPackage, viaGo monitor
	s := server(t, integration.WithMocks(viaPackage.mocks()))
	_, err := s.Construct(p.ConstructRequest{
		Urn:    resource.NewURN("dev", "consumer", "", tokens.Type(componentToken), "gkewi"),
		Inputs: property.NewMap(devArgs),
	})
	if err != nil {
		t.Fatalf("Construct: %v", err)
	}
	err = pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := components.NewWorkloadIdentityCronJob(ctx, "gkewi", devGoArgs())
		return err
	}, pulumi.WithMocks("consumer", "dev", viaGo.mocks()))
	if err != nil {
		t.Fatal(err)
	}
	got, want := viaPackage.summary(), viaGo.summary()
	if len(got) < 20 || !slices.Equal(got, want) {
		t.Errorf("through the package:\n%s\nthrough Go:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestConstructRefusesBadArgumentsByName(t *testing.T) {
	openToAll := property.New([]property.Value{property.New("0.0.0.0/0")})
	const openToAllWords = `authorizedNetworks[0]: "0.0.0.0/0" opens the control plane to the whole internet; allowed: narrower CIDRs, or set allowControlPlaneFromAnywhere to true`
	for name, c := range map[string]struct {
		args  property.Map
		words string
	}{
		"schedule":           {property.NewMap(devArgs).Set("schedule", property.New("*/5 * * *")), `schedule: "*/5 * * *" is not a cron schedule`},
		"authorizedNetworks": {property.NewMap(devArgs).Set("authorizedNetworks", openToAll), openToAllWords},
		// Outputs that Validate could not see, refused once known.
		"authorizedNetworks as an Output": {property.NewMap(devArgs).Set("authorizedNetworks", knownOutput(openToAll)), openToAllWords},
		"command as an Output": {property.NewMap(devArgs).Set("command", knownOutput(property.New([]property.Value{property.New("gsutil"), property.New("")}))),
			`command[1]: "" is empty; allowed: a non-empty argument`},
		"kubeconfig as an Output": {kubeconfigArgs(knownOutput(property.New(""))), `kubeconfig: "" is empty; allowed: a kubeconfig's contents or its path`},
	} {
		_, err := constructWith(t, c.args, false, &monitor{})
		if err == nil || !strings.Contains(err.Error(), c.words) {
			t.Errorf("%s: error %v lacks %q", name, err, c.words)
		}
	}
}

// TestConstructTakesOutputsForEveryInputThatIsNotPlain passes another
// resource's Output, unknown as in a preview and then known, to each input
// that the schema does not mark plain: an unknown one must not fail, and a
// known one must reach the child that uses it.
func TestConstructTakesOutputsForEveryInputThatIsNotPlain(t *testing.T) {
	command := property.New([]property.Value{property.New("gsutil"), property.New("ls"), property.New("gs://reports")})
	cidrs := property.New([]property.Value{property.New("198.51.100.7/32")})
	const kubeconfig = "apiVersion: v1\nkind: Config\n"
	newCluster := func(output func(property.Value) property.Value) property.Map {
		return property.NewMap(devArgs).Set("command", output(command)).Set("authorizedNetworks", output(cidrs))
	}
	byKubeconfig := func(output func(property.Value) property.Value) property.Map {
		return kubeconfigArgs(output(property.New(kubeconfig)))
	}
	for _, args := range []property.Map{newCluster(unknownOutput), byKubeconfig(unknownOutput)} {
		if _, err := constructWith(t, args, true, &monitor{}); err != nil {
			t.Errorf("with unknown Outputs: %v", err)
		}
	}

	var m monitor
	if _, err := constructWith(t, newCluster(knownOutput), false, &m); err != nil {
		t.Fatalf("with known Outputs: %v", err)
	}
	if got := m.inputs(t, "gcp:container/cluster:Cluster").Get("masterAuthorizedNetworksConfig"); at(got, "cidrBlocks", 0, "cidrBlock").AsString() != "198.51.100.7/32" {
		t.Errorf("the cluster's masterAuthorizedNetworksConfig is %v, want the Output's CIDR", got)
	}
	if got := jobContainerCommand(t, m.inputs(t, "kubernetes:batch/v1:CronJob")); !got.Equals(command) {
		t.Errorf("the CronJob's command is %v, want the Output's %v", got, command)
	}

	var k monitor
	if _, err := constructWith(t, byKubeconfig(knownOutput), false, &k); err != nil {
		t.Fatalf("with a known kubeconfig Output: %v", err)
	}
	if got := k.inputs(t, "pulumi:providers:kubernetes").Get("kubeconfig"); got.AsString() != kubeconfig {
		t.Errorf("the Kubernetes provider's kubeconfig is %v, want the Output's", got)
	}
}

// TestAKubeconfigStaysSecret passes another stack's secret output as the
// kubeconfig, and a plain one, as an SDK that ignores the schema's secret
// flag would: the Kubernetes provider's state and the component's output
// must keep either secret.
func TestAKubeconfigStaysSecret(t *testing.T) {
	for name, kubeconfig := range map[string]property.Value{
		"a secret Output": knownOutput(property.New("apiVersion: v1").WithSecret(true)),
		"a plain string":  property.New("apiVersion: v1"),
	} {
		var m monitor
		resp, err := constructWith(t, kubeconfigArgs(kubeconfig), false, &m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := m.inputs(t, "pulumi:providers:kubernetes").Get("kubeconfig"); !got.Secret() || got.AsString() != "apiVersion: v1" {
			t.Errorf("%s: the Kubernetes provider's kubeconfig is %v, want the kubeconfig as a secret", name, got)
		}
		if got := resp.State.Get("kubeconfig"); !got.Secret() {
			t.Errorf("%s: the component's kubeconfig output is %v, not a secret", name, got)
		}
	}
}

// kubeconfigArgs are the dev stack's job on a cluster named by kubeconfig,
// without the settings of a new cluster, which would be refused.
func kubeconfigArgs(kubeconfig property.Value) property.Map {
	args := map[string]property.Value{"kubeconfig": kubeconfig}
	for _, key := range []string{"project", "namespace", "kubernetesServiceAccount", "cronJobName", "schedule"} {
		args[key] = devArgs[key]
	}
	return property.NewMap(args)
}

// consumerResource is a resource of the consumer's program whose output
// feeds an input: with a dependency, Construct keeps even a known value an
// Output rather than copying it as a plain one.
var consumerResource = resource.NewURN("dev", "consumer", "", "random:index/randomPet:RandomPet", "runner")

func knownOutput(value property.Value) property.Value {
	return value.WithDependencies([]resource.URN{consumerResource})
}

func unknownOutput(property.Value) property.Value {
	return property.New(property.Computed).WithDependencies([]resource.URN{consumerResource})
}

// constructWith constructs the component from args, as a preview when dryRun,
// with its children recorded by m.
func constructWith(t *testing.T, args property.Map, dryRun bool, m *monitor) (p.ConstructResponse, error) {
	t.Helper()
	return server(t, integration.WithMocks(m.mocks())).Construct(p.ConstructRequest{
		Urn:    resource.NewURN("dev", "consumer", "", tokens.Type(componentToken), "gkewi"),
		Inputs: args,
		DryRun: dryRun,
	})
}

// inputs are the inputs of the one child of type typ.
func (m *monitor) inputs(t *testing.T, typ string) property.Map {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.resources {
		if r.Type == typ {
			return r.Inputs
		}
	}
	t.Fatalf("no %s was registered", typ)
	return property.Map{}
}

// jobContainerCommand is the command of the CronJob's job container.
func jobContainerCommand(t *testing.T, cronJob property.Map) property.Value {
	t.Helper()
	containers := at(cronJob.Get("spec"), "jobTemplate", "spec", "template", "spec", "containers")
	for i := 0; at(containers, i).IsMap(); i++ {
		if c := at(containers, i); at(c, "name").AsString() == components.JobContainerName {
			return at(c, "command")
		}
	}
	t.Fatalf("the CronJob has no %s container: %v", components.JobContainerName, containers)
	return property.Value{}
}

// at is the value at path (map keys and list indices) inside v, or null.
func at(v property.Value, path ...any) property.Value {
	for _, step := range path {
		switch step := step.(type) {
		case string:
			if !v.IsMap() {
				return property.Value{}
			}
			v = v.AsMap().Get(step)
		case int:
			if !v.IsArray() || v.AsArray().Len() <= step {
				return property.Value{}
			}
			v = v.AsArray().Get(step)
		}
	}
	return v
}
