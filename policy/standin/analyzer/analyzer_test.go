package main

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// packDir is gkewi's policy pack, two folders up from this package.
const packDir = "../.."

// engineSide serves the stand-in over gRPC on a local port, as the plugin
// does, and returns the engine's own client for it: plugin.NewAnalyzerWithClient
// is what NewPolicyAnalyzer wraps around the plugin's connection, and its
// Analyze marshals the properties with plugin.MarshalProperties, KeepUnknowns
// and KeepSecrets (analyzer_plugin.go, v3.274.1), as the engine sends them.
func engineSide(t *testing.T) plugin.Analyzer {
	t.Helper()
	pack, e, err := loadPolicyPack(packDir)
	if err != nil {
		t.Fatal(err)
	}
	cancel := make(chan bool)
	handle, err := startServer(NewAnalyzer(pack, e), cancel)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { close(cancel); <-handle.Done })
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%d", handle.Port), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return plugin.NewAnalyzerWithClient("gkewi", pulumirpc.NewAnalyzerClient(conn))
}

// namespace is a kubernetes Namespace whose three Pod Security labels are
// restricted, except those that labels replaces.
func namespace(labels map[string]resource.PropertyValue) plugin.AnalyzerResource {
	all := resource.PropertyMap{}
	for _, mode := range []string{"enforce", "audit", "warn"} {
		all[resource.PropertyKey("pod-security.kubernetes.io/"+mode)] = resource.NewProperty("restricted")
	}
	for k, v := range labels {
		all[resource.PropertyKey(k)] = v
	}
	return plugin.AnalyzerResource{
		URN:  "urn:pulumi:dev::gkewi::kubernetes:core/v1:Namespace::wi-demo",
		Type: "kubernetes:core/v1:Namespace",
		Name: "wi-demo",
		Properties: resource.PropertyMap{"metadata": resource.NewProperty(resource.PropertyMap{
			"name":   resource.NewProperty("wi-demo"),
			"labels": resource.NewProperty(all),
		})},
	}
}

// TestAnalyzeThroughTheEnginesClient sends Analyze requests as the engine
// does, for deny_namespace_not_restricted (the violation that rules_test.go
// makes of it: an enforce label of baseline), a namespace that keeps it, and
// one whose enforce label is unknown, as on a first preview: unknowns.rego
// reads the unknown only in the shape that Mappable gives it.
func TestAnalyzeThroughTheEnginesClient(t *testing.T) {
	t.Parallel()
	a := engineSide(t)
	const enforce = "pod-security.kubernetes.io/enforce"
	cases := []struct {
		name     string
		resource plugin.AnalyzerResource
		want     []string
	}{
		{
			name:     "baseline",
			resource: namespace(map[string]resource.PropertyValue{enforce: resource.NewProperty("baseline")}),
			want:     []string{"namespace 'wi-demo' does not enforce the restricted Pod Security Standard"},
		},
		{name: "restricted", resource: namespace(nil)},
		{
			name:     "unknown",
			resource: namespace(map[string]resource.PropertyValue{enforce: resource.MakeComputed(resource.NewProperty(""))}),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := a.Analyze(context.Background(), c.resource)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range resp.Diagnostics {
				if d.PolicyName != "deny_namespace_not_restricted" || d.EnforcementLevel != apitype.Mandatory ||
					d.PolicyPackName != "gkewi" || d.URN != c.resource.URN {
					t.Errorf("unexpected diagnostic %+v", d)
				}
				got = append(got, d.Message)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("messages = %q, want %q", got, c.want)
			}
		})
	}
}

// TestAnalyzerInfoDescribesThePack: the engine learns each rule's level and
// kind from GetAnalyzerInfo, and its schema, whose defaults it configures.
func TestAnalyzerInfoDescribesThePack(t *testing.T) {
	t.Parallel()
	info, err := engineSide(t).GetAnalyzerInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	policy := func(name string) plugin.AnalyzerPolicyInfo {
		i := slices.IndexFunc(info.Policies, func(p plugin.AnalyzerPolicyInfo) bool { return p.Name == name })
		if i < 0 {
			t.Fatalf("GetAnalyzerInfo lists no %s", name)
		}
		return info.Policies[i]
	}
	if ns := policy("deny_namespace_not_restricted"); ns.EnforcementLevel != apitype.Mandatory ||
		ns.Type != plugin.AnalyzerPolicyTypeResource || ns.DisplayName != "Namespaces enforce the restricted Pod Security Standard" {
		t.Errorf("deny_namespace_not_restricted: %+v", ns)
	}
	if registry := policy("stack_deny_registry_grant_beyond_images"); registry.Type != plugin.AnalyzerPolicyTypeStack ||
		registry.ConfigSchema == nil || registry.ConfigSchema.Properties["allowedRegistryProjects"] == nil {
		t.Errorf("stack_deny_registry_grant_beyond_images: %+v", registry)
	}
	if policy("warn_binary_authorization_off").EnforcementLevel != apitype.Advisory {
		t.Error("warn_binary_authorization_off is not advisory")
	}
	if info.Name != "gkewi" || info.DisplayName != "gkewi hardening rules" || !info.SupportsConfig {
		t.Errorf("pack: name %q, display name %q, supports config %v", info.Name, info.DisplayName, info.SupportsConfig)
	}
}
