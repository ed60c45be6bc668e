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
		MasterCIDR: "172.16.0.0/28", AuthorizedNetworks: []string{"203.0.113.0/24"}, ClusterName: "gkewi-dev",
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
	for key, c := range map[string]struct {
		value property.Value
		words string
	}{
		"schedule":           {property.New("*/5 * * *"), `schedule: "*/5 * * *" is not a cron schedule`},
		"authorizedNetworks": {property.New([]property.Value{property.New("0.0.0.0/0")}), `authorizedNetworks[0]: "0.0.0.0/0" opens the control plane to the whole internet; allowed: narrower CIDRs, or set allowControlPlaneFromAnywhere to true`},
	} {
		args := property.NewMap(devArgs).Set(key, c.value)
		var m monitor
		_, err := server(t, integration.WithMocks(m.mocks())).Construct(p.ConstructRequest{
			Urn:    resource.NewURN("dev", "consumer", "", tokens.Type(componentToken), "gkewi"),
			Inputs: args,
		})
		if err == nil || !strings.Contains(err.Error(), c.words) {
			t.Errorf("%s: error %v lacks %q", key, err, c.words)
		}
	}
}
