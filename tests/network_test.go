package tests

import (
	"fmt"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"maps"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gkewi/gkewi/components"
)

// TestAPrivateEndpointRunsOnAnExistingNetwork: the hardened stack's cluster
// sits on the network that the runner reaches, which gkewi does not create:
// GKE adds the pods' and services' ranges to its subnetwork, and
// the VPC's routes, the VPN's among them, are exported to the control plane
// so that its answers find their way back.
func TestAPrivateEndpointRunsOnAnExistingNetwork(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, stackConfig(t, "hardened"), inStack("hardened"))
	assertNone(t, rec, networkType, subnetworkType)
	project := "my-gkewi-hardened-project"
	cluster := rec.one(t, clusterType, "gkewi-cluster")
	assertInputs(t, cluster, map[string]any{
		"network":    "projects/" + project + "/global/networks/gkewi-hardened",
		"subnetwork": "projects/" + project + "/regions/europe-west1/subnetworks/gkewi-hardened-europe-west1",
		"ipAllocationPolicy.clusterIpv4CidrBlock":               components.DefaultPodsCIDR,
		"ipAllocationPolicy.servicesIpv4CidrBlock":              components.DefaultServicesCIDR,
		"privateClusterConfig.enablePrivateEndpoint":            true,
		"privateClusterConfig.masterGlobalAccessConfig.enabled": true,
	})
	routes := rec.one(t, peeringRoutesType, "gkewi-control-plane-routes")
	assertInputs(t, routes, map[string]any{
		"network": "gkewi-hardened", "peering": fakePeeringName, "exportCustomRoutes": true, "importCustomRoutes": false,
	})
	if provider := rec.one(t, kubernetesProvider, "gkewi-kubernetes"); !slices.Contains(provider.DependsOn, routes.Name) {
		t.Error("the Kubernetes objects do not wait for the route export, so a client over a VPN could time out on the first up")
	}
	for _, zone := range rec.byType(dnsZoneType) {
		assertPath(t, zone, "projects/"+project+"/global/networks/gkewi-hardened", "privateVisibilityConfig", "networks", 0, "networkUrl")
	}
	for _, lookup := range []string{"gcp:compute/getNetwork:getNetwork", "gcp:compute/getSubnetwork:getSubnetwork"} {
		if !slices.Contains(rec.invokes, lookup) {
			t.Errorf("the preflight never calls %s", lookup)
		}
	}
	if dev := mustRecord(t, devFixture()); len(dev.byType(peeringRoutesType)) > 0 {
		t.Error("a cluster with a public endpoint exports the VPC's routes to its control plane")
	}
}

func TestAnExistingNetworkThatPrivateNodesCannotUseIsRefusedWithTheFix(t *testing.T) {
	t.Parallel()
	setSubnetwork := func(key string, value resource.PropertyValue) world {
		return world{editSubnetwork: func(s resource.PropertyMap) { s[resource.PropertyKey(key)] = value }}
	}
	for _, c := range []struct {
		name  string
		world world
		words string
	}{
		{"missing network", world{missingNetworks: map[string]bool{"gkewi-hardened": true}},
			`gkewi:existingNetwork: "gkewi-hardened" cannot be read in project my-gkewi-hardened-project (`},
		{"missing subnetwork", world{missingNetworks: map[string]bool{"gkewi-hardened-europe-west1": true}},
			`gkewi:existingSubnetwork: "gkewi-hardened-europe-west1" cannot be read in project my-gkewi-hardened-project, region europe-west1 (`},
		{"no private google access", setSubnetwork("privateIpGoogleAccess", resource.NewProperty(false)),
			"has Private Google Access off, so private nodes reach no Google API or registry; turn it on with " +
				"`gcloud compute networks subnets update gkewi-hardened-europe-west1 --region=europe-west1 --project=my-gkewi-hardened-project --enable-private-ip-google-access`"},
		{"another network", setSubnetwork("network", resource.NewProperty(networkSelfLink("my-gkewi-hardened-project", "shared-vpc"))),
			`"gkewi-hardened-europe-west1" is in network shared-vpc, not in gkewi:existingNetwork gkewi-hardened`},
		{"overlapping range", setSubnetwork("ipCidrRange", resource.NewProperty("10.16.0.0/20")),
			`gkewi:podsCidr: "10.16.0.0/14" overlaps 10.16.0.0/20, a range of gkewi:existingSubnetwork gkewi-hardened-europe-west1`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec, err := recordRun(t, stackConfig(t, "hardened"), inStack("hardened"), inWorld(c.world))
			if err == nil || !strings.Contains(err.Error(), c.words) {
				t.Fatalf("error %v lacks %q", err, c.words)
			}
			assertOnlyTheComponent(t, rec)
		})
	}
}

// TestAPrivateEndpointOnANewNetworkIsRefusedUnlessTheClusterHasOne: no
// runner reaches a private endpoint on a network that the same `pulumi up`
// creates; a cluster that already has one keeps it.
func TestAPrivateEndpointOnANewNetworkIsRefusedUnlessTheClusterHasOne(t *testing.T) {
	t.Parallel()
	config := withConfig(devFixture(), map[string]string{"gkewi:privateEndpoint": "true", "gkewi:authorizedNetworks": `["10.8.0.0/24"]`})
	rec, err := recordRun(t, config, inWorld(world{missingClusters: map[string]bool{"gkewi-dev": true}}))
	words := `gkewi:privateEndpoint: "true" needs a network that exists before ` + "`pulumi up`" +
		`, with the machine that runs it inside or connected by Cloud VPN or Interconnect, which no network created by the same ` +
		"`pulumi up`" + ` can have; set gkewi:existingNetwork and gkewi:existingSubnetwork, or set privateEndpoint to false`
	if err == nil || !strings.Contains(err.Error(), words) {
		t.Fatalf("error %v lacks %q", err, words)
	}
	assertOnlyTheComponent(t, rec)
	if _, err := recordRun(t, config, inWorld(livePrivateEndpoint(true))); err != nil {
		t.Errorf("a stack whose live cluster already has a private endpoint is refused: %v", err)
	}
}

// TestTheRangesGKEAddedForTheClusterAreItsOwn: on a second run, the
// existing subnetwork holds the ranges GKE added for the cluster from
// podsCidr and servicesCidr; they overlap nothing else.
func TestTheRangesGKEAddedForTheClusterAreItsOwn(t *testing.T) {
	t.Parallel()
	ranges := func(names ...string) func(resource.PropertyMap) {
		return func(s resource.PropertyMap) {
			var list []resource.PropertyValue
			for i, cidr := range []string{components.DefaultPodsCIDR, components.DefaultServicesCIDR} {
				list = append(list, resource.NewProperty(resource.PropertyMap{
					"rangeName": resource.NewProperty(names[i]), "ipCidrRange": resource.NewProperty(cidr)}))
			}
			s["secondaryIpRanges"] = resource.NewProperty(list)
		}
	}
	secondRun := livePrivateEndpoint(true)
	secondRun.editSubnetwork = ranges("gke-gkewi-hardened-pods-1a2b3c4d", "gke-gkewi-hardened-services-1a2b3c4d")
	edit := secondRun.editCluster
	secondRun.editCluster = func(c resource.PropertyMap) {
		edit(c)
		c["ipAllocationPolicies"] = resource.NewProperty([]resource.PropertyValue{resource.NewProperty(resource.PropertyMap{
			"clusterSecondaryRangeName":  resource.NewProperty("gke-gkewi-hardened-pods-1a2b3c4d"),
			"servicesSecondaryRangeName": resource.NewProperty("gke-gkewi-hardened-services-1a2b3c4d"),
		})})
	}
	if _, err := recordRun(t, stackConfig(t, "hardened"), inStack("hardened"), inWorld(secondRun)); err != nil {
		t.Errorf("the second run on an existing subnetwork is refused: %v", err)
	}
	someoneElses := livePrivateEndpoint(true)
	someoneElses.editSubnetwork = ranges("batch-pods", "batch-services")
	_, err := recordRun(t, stackConfig(t, "hardened"), inStack("hardened"), inWorld(someoneElses))
	if words := `gkewi:podsCidr: "10.16.0.0/14" overlaps 10.16.0.0/14, a range of gkewi:existingSubnetwork`; err == nil || !strings.Contains(err.Error(), words) {
		t.Errorf("error %v lacks %q", err, words)
	}
}

// livePrivateEndpoint is a world whose clusters report their private
// endpoint on or off.
func livePrivateEndpoint(on bool) world {
	return world{editCluster: func(c resource.PropertyMap) {
		c["privateClusterConfigs"] = resource.NewProperty([]resource.PropertyValue{
			resource.NewProperty(resource.PropertyMap{"enablePrivateEndpoint": resource.NewProperty(on)}),
		})
	}}
}

// TestFlippingThePrivateEndpointOfALiveClusterIsRefused: GKE refuses to
// change the endpoint of a VPC-peering cluster after minutes of `pulumi up`,
// so the preview refuses it, from the live cluster's setting.
func TestFlippingThePrivateEndpointOfALiveClusterIsRefused(t *testing.T) {
	t.Parallel()
	// The project's own stacks, not the user's Pulumi.dev.yaml, whose
	// cluster name the README's set-up may change.
	for _, c := range []struct {
		name   string
		config map[string]string
		live   bool
		words  string
	}{
		{"on", stackConfig(t, "hardened"), false, `gkewi:privateEndpoint: "true" would turn the private endpoint of cluster gkewi-hardened on, which GKE refuses for a cluster reached over VPC peering`},
		{"off", devFixture(), true, `gkewi:privateEndpoint: "false" would turn the private endpoint of cluster gkewi-dev off`},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec, err := recordRun(t, c.config, inWorld(livePrivateEndpoint(c.live)))
			if err == nil || !strings.Contains(err.Error(), c.words) || !strings.Contains(err.Error(), fmt.Sprintf("keep privateEndpoint %v", c.live)) {
				t.Fatalf("error %v lacks %q and the way out", err, c.words)
			}
			assertOnlyTheComponent(t, rec)
			if _, err := recordRun(t, c.config, inWorld(livePrivateEndpoint(!c.live))); err != nil {
				t.Errorf("a live cluster with the stack's own setting is refused: %v", err)
			}
		})
	}
}

// TestEgressToGoogleReachesTheRegistriesToo: with either option, the VPC
// resolves googleapis.com, gcr.io and pkg.dev to the option's addresses, as
// Google's recipes do, so that image pulls take the same path as API calls.
func TestEgressToGoogleReachesTheRegistriesToo(t *testing.T) {
	t.Parallel()
	for option, endpoint := range map[string]struct {
		host  string
		addrs []any
	}{
		"private":    {"private.googleapis.com.", []any{"199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"}},
		"restricted": {"restricted.googleapis.com.", []any{"199.36.153.4", "199.36.153.5", "199.36.153.6", "199.36.153.7"}},
	} {
		t.Run(option, func(t *testing.T) {
			t.Parallel()
			rec := mustRecord(t, withConfig(devFixture(), map[string]string{"gkewi:restrictEgress": option}))
			want := map[string]struct{ a, cname string }{
				"googleapis": {endpoint.host, "*.googleapis.com."},
				"gcr-io":     {"gcr.io.", "*.gcr.io."},
				"pkg-dev":    {"pkg.dev.", "*.pkg.dev."},
			}
			if zones := len(rec.byType(dnsZoneType)); zones != len(want) {
				t.Errorf("%d private zones; want %d", zones, len(want))
			}
			for suffix, names := range want {
				zone := rec.one(t, dnsZoneType, "gkewi-"+suffix+"-zone")
				assertInputs(t, zone, map[string]any{"visibility": "private", "name": "gkewi-dev-" + suffix})
				a := rec.one(t, dnsRecordType, "gkewi-"+suffix+"-a")
				assertInputs(t, a, map[string]any{"name": names.a, "type": "A"})
				assertPath(t, a, endpoint.addrs, "rrdatas")
				cname := rec.one(t, dnsRecordType, "gkewi-"+suffix+"-cname")
				assertInputs(t, cname, map[string]any{"name": names.cname, "type": "CNAME"})
				target := names.a
				if suffix == "googleapis" {
					target = endpoint.host
				}
				assertPath(t, cname, []any{target}, "rrdatas")
			}
		})
	}
}

// TestEveryGoogleResourceAsksForThePinnedProvider: the VPC's resources and
// the grants' IAM members are registered by their tokens
// (components/internal/gcp), not by the SDK's constructors, which ask the
// engine for the SDK's own version. Each must ask for that same version,
// go.mod's (gcp.SDKVersion), or the engine would give it a default provider
// of its own, of whichever version it finds. byTokenRecordings create every
// one of them.
func TestEveryGoogleResourceAsksForThePinnedProvider(t *testing.T) {
	t.Parallel()
	pinned := pinnedVersion(t, "github.com/pulumi/pulumi-gcp/sdk/v7")
	for name, rec := range byTokenRecordings(t) {
		for _, r := range rec.resources {
			if strings.HasPrefix(r.Type, "gcp:") && r.Version != pinned {
				t.Errorf("%s: %s %s asks for pulumi-gcp %q; want %s, go.mod's", name, r.Type, r.Name, r.Version, pinned)
			}
		}
	}
}

// byTokenRecordings are recordings that between them register and call
// every one of registeredByToken (TestWhatIsRegisteredByTokenIsWhatTheSDKTakes
// fails when one is missing), with the dataset's member in both modes and
// the subnetwork's flow logs.
func byTokenRecordings(t *testing.T) map[string]*recorder {
	t.Helper()
	grants := map[string]string{"gkewi:grants": everyKindOfGrant}
	return map[string]*recorder{
		"cloud-nat":                        mustRecord(t, stackConfig(t, "cloud-nat"), inStack("cloud-nat")),
		"hardened":                         mustRecord(t, stackConfig(t, "hardened"), inStack("hardened")),
		"dev, with every kind of grant":    mustRecord(t, withConfig(devFixture(), grants)),
		"direct, with every kind of grant": mustRecord(t, withConfig(stackConfig(t, "direct"), grants), inStack("direct")),
		"dev, with flow logs":              mustRecord(t, withConfig(devFixture(), map[string]string{"gkewi:flowLogs": "true"})),
	}
}

// registeredByToken are the resource types and functions that
// components/internal/gcp registers and calls by their tokens.
var registeredByToken = []string{
	networkType, subnetworkType, routerType, routerNatType, peeringRoutesType,
	bucketMemberType, secretMemberType, topicMemberType, subscriptionMemberType, datasetAccessType,
	"gcp:compute/getNetwork:getNetwork", "gcp:compute/getSubnetwork:getSubnetwork",
	"gcp:storage/getBucket:getBucket", "gcp:secretmanager/getSecret:getSecret", "gcp:pubsub/getTopic:getTopic",
	"gcp:pubsub/getSubscription:getSubscription", "gcp:bigquery/getDataset:getDataset",
}

// byTokenModules are the pulumi-gcp modules whose types gkewi registers by
// their tokens.
var byTokenModules = regexp.MustCompile(`^gcp:(compute|storage|secretmanager|pubsub|bigquery)/`)

// TestWhatIsRegisteredByTokenIsWhatTheSDKTakes: without the SDK's Args
// types, nothing checks an input's name at compile time, so each top-level
// input and argument that the program gives a type of registeredByToken
// must be one that pulumi-gcp's own Args struct of that type tags, read
// from the SDK's source in the module cache. (The engine tier's stand-in
// checks nested names too, against the compiled types.) The stacks between
// them (byTokenRecordings) register and call every one of them; a type of
// those modules that registeredByToken lacks fails the test.
func TestWhatIsRegisteredByTokenIsWhatTheSDKTakes(t *testing.T) {
	t.Parallel()
	given := map[string]map[string]bool{}
	note := func(token string, inputs resource.PropertyMap) {
		if byTokenModules.MatchString(token) && !slices.Contains(registeredByToken, token) {
			t.Errorf("%s is of a module that gkewi registers by token, and not in registeredByToken", token)
		}
		if slices.Contains(registeredByToken, token) {
			if given[token] == nil {
				given[token] = map[string]bool{}
			}
			for key := range inputs {
				given[token][string(key)] = true
			}
		}
	}
	for _, rec := range byTokenRecordings(t) {
		for _, r := range rec.resources {
			note(r.Type, r.Inputs)
		}
		for i, token := range rec.invokes {
			note(token, rec.invokeArgs[i])
		}
	}
	sdk := pulumiGCPSource(t)
	for _, token := range registeredByToken {
		if given[token] == nil {
			t.Errorf("no stack here registers or calls %s", token)
			continue
		}
		tagged := sdkArgs(t, sdk, token)
		for key := range given[token] {
			if !tagged[key] {
				t.Errorf("%s: pulumi-gcp takes no input %q; it takes %v", token, key, slices.Sorted(maps.Keys(tagged)))
			}
		}
	}
}

// pulumiGCPSource is the directory of the pinned pulumi-gcp SDK's Go
// packages in the module cache.
func pulumiGCPSource(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "github.com", "pulumi",
		"pulumi-gcp", "sdk", "v7@v"+pinnedVersion(t, "github.com/pulumi/pulumi-gcp/sdk/v7"), "go", "gcp")
}

// sdkArgs are the wire names that the SDK's Args struct of token tags: for
// gcp:MODULE/NAME:TYPE, the struct nameArgs in MODULE/NAME.go, or for a
// function getX, LookupXArgs.
func sdkArgs(t *testing.T, sdk, token string) map[string]bool {
	t.Helper()
	module, name, _ := strings.Cut(strings.Split(token, ":")[1], "/")
	args := name + "Args"
	if rest, ok := strings.CutPrefix(name, "get"); ok {
		args = "Lookup" + rest + "Args"
	}
	file, err := parser.ParseFile(gotoken.NewFileSet(), filepath.Join(sdk, module, name+".go"), nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	tagged := map[string]bool{}
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.TypeSpec)
		if !ok || spec.Name.Name != args {
			return true
		}
		for _, field := range spec.Type.(*ast.StructType).Fields.List {
			if field.Tag != nil {
				tag, _ := strconv.Unquote(field.Tag.Value)
				wire, _, _ := strings.Cut(reflect.StructTag(tag).Get("pulumi"), ",")
				tagged[wire] = true
			}
		}
		return false
	})
	if len(tagged) == 0 {
		t.Fatalf("%s declares no struct %s", filepath.Join(module, name+".go"), args)
	}
	return tagged
}
