package tests

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/stacks"
)

// Values the mocks hand out where a real provider computes them.
const (
	// fakePeeringName is the peering GKE makes with the control plane's network.
	fakePeeringName = "gke-n0123456789abcdef-1234-5678-peer"
	fakeEndpoint    = "198.51.100.10"
	fakeCA          = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"
	testProject     = "gkewi"
	testStack       = "dev"
)

// registration is one resource as the program registered it.
type registration struct {
	URN, Type, Name string
	// Parent and Provider are the names of the parent resource and of the
	// explicit provider, or empty.
	Parent, Provider string
	// Version is the provider version the registration asks for.
	Version             string
	Protect             bool
	DeleteBeforeReplace bool
	IgnoreChanges       []string
	Inputs              resource.PropertyMap
	// Outputs are the inputs plus what the mock provider computed.
	Outputs resource.PropertyMap
	// DependsOn names every resource this one waits for, explicit or through
	// an input; PropertyDependencies names them by the input they flow into.
	DependsOn            []string
	PropertyDependencies map[string][]string
}

// recorder is a pulumi.MockResourceMonitor that records every registration
// and answers invokes from its world.
type recorder struct {
	stack string
	world world
	// shared tells whether other tests read the same recording, which a
	// test must then not change (ownRecording).
	shared    bool
	mu        sync.Mutex
	resources []registration
	invokes   []string
	// invokeArgs are the arguments of each invoke, in the order of invokes.
	invokeArgs        []resource.PropertyMap
	outputs           map[string]stackOutput
	outputsRegistered int
}

// world is what exists outside the program, as the invokes find it: every
// service account and a healthy cluster of every name, unless it says
// otherwise.
type world struct {
	missingAccounts, missingClusters, missingNetworks map[string]bool
	// missingGrantResources are the grants' resources that do not exist, by
	// "KIND NAME"; bucketProjects hold each bucket that is in another project
	// than its grant says.
	missingGrantResources map[string]bool
	bucketProjects        map[string]string
	// editCluster changes the cluster that a lookup finds, editSubnetwork
	// the subnetwork.
	editCluster, editSubnetwork func(found resource.PropertyMap)
}

func (r *recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	rpc := args.RegisterRPC
	id, outputs := computed(args.TypeToken, args.Name, args.Inputs)
	reg := registration{
		URN:                 mockURN(r.stack, rpc.GetParent(), args.TypeToken, args.Name),
		Type:                args.TypeToken,
		Name:                args.Name,
		Parent:              urnName(rpc.GetParent()),
		Provider:            providerName(args.Provider),
		Version:             rpc.GetVersion(),
		Protect:             rpc.GetProtect(),
		DeleteBeforeReplace: rpc.GetDeleteBeforeReplace(),
		IgnoreChanges:       rpc.GetIgnoreChanges(),
		Inputs:              args.Inputs,
		Outputs:             outputs,
	}
	for _, dep := range rpc.GetDependencies() {
		reg.DependsOn = append(reg.DependsOn, urnName(dep))
	}
	reg.PropertyDependencies = map[string][]string{}
	for key, deps := range rpc.GetPropertyDependencies() {
		for _, dep := range deps.GetUrns() {
			reg.PropertyDependencies[key] = append(reg.PropertyDependencies[key], urnName(dep))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resources = append(r.resources, reg)
	return id, outputs, nil
}

// Call answers the invokes the program makes, as GCP would, and fails every
// other.
func (r *recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	r.mu.Lock()
	r.invokes = append(r.invokes, args.Token)
	r.invokeArgs = append(r.invokeArgs, args.Args)
	r.mu.Unlock()
	arg := func(key string) string {
		if v, ok := args.Args[resource.PropertyKey(key)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	switch args.Token {
	case "gcp:organizations/getProject:getProject":
		project := arg("projectId")
		return resource.PropertyMap{
			"projectId": resource.NewProperty(project),
			"number":    resource.NewProperty(fakeProjectNumber(project)),
		}, nil
	case "gcp:serviceaccount/getAccount:getAccount":
		return r.world.account(arg("accountId"))
	case "gcp:container/getCluster:getCluster":
		return r.world.cluster(arg("name"), arg("location"), arg("project"))
	case "gcp:compute/getNetwork:getNetwork":
		return r.world.network(arg("name"), arg("project"))
	case "gcp:compute/getSubnetwork:getSubnetwork":
		return r.world.subnetwork(arg("name"), arg("region"), arg("project"))
	case "gcp:storage/getBucket:getBucket":
		return r.world.bucket(arg("name"), arg("project"))
	case "gcp:secretmanager/getSecret:getSecret":
		return r.world.grantResource("secret", arg("secretId"), arg("project"))
	case "gcp:pubsub/getTopic:getTopic":
		return r.world.grantResource("topic", arg("name"), arg("project"))
	case "gcp:pubsub/getSubscription:getSubscription":
		return r.world.grantResource("subscription", arg("name"), arg("project"))
	case "gcp:bigquery/getDataset:getDataset":
		return r.world.grantResource("dataset", arg("datasetId"), arg("project"))
	}
	return nil, fmt.Errorf("unexpected invoke %s", args.Token)
}

// grantResource is what the lookup of a grant's resource finds: the
// resource, in the project asked, unless the world says it is missing.
func (w world) grantResource(kind, name, project string) (resource.PropertyMap, error) {
	if w.missingGrantResources[kind+" "+name] {
		return nil, fmt.Errorf("Error 404: %s %s not found in project %s, notFound", kind, name, project)
	}
	return resource.PropertyMap{"name": resource.NewProperty(name), "project": resource.NewProperty(project)}, nil
}

// bucket is what getBucket finds: a bucket in the project asked, or in the
// one the world puts it in, which the lookup reports by number.
func (w world) bucket(name, project string) (resource.PropertyMap, error) {
	found, err := w.grantResource("bucket", name, project)
	if err != nil {
		return nil, err
	}
	number, err := strconv.Atoi(fakeProjectNumber(cmp.Or(w.bucketProjects[name], project)))
	if err != nil {
		return nil, err
	}
	found["projectNumber"] = resource.NewProperty(float64(number))
	return found, nil
}

// account is what getAccount finds for an email, as IAM answers it.
func (w world) account(email string) (resource.PropertyMap, error) {
	if w.missingAccounts[email] {
		return nil, fmt.Errorf("Error 404: Not found; Gaia id not found for email %s, notFound", email)
	}
	_, domain, _ := strings.Cut(email, "@")
	project, ok := strings.CutSuffix(domain, ".iam.gserviceaccount.com")
	if !ok {
		project = "project-of-" + strings.TrimSuffix(domain, ".gserviceaccount.com")
	}
	return resource.PropertyMap{
		"email": resource.NewProperty(email),
		"name":  resource.NewProperty(fmt.Sprintf("projects/%s/serviceAccounts/%s", project, email)),
	}, nil
}

// fakeLiveEndpoint is the endpoint of every cluster a lookup finds.
const fakeLiveEndpoint = "203.0.113.20"

// cluster is what getCluster finds: a cluster with Workload Identity on and
// one node pool with the GKE metadata server, unless the world says otherwise.
func (w world) cluster(name, location, project string) (resource.PropertyMap, error) {
	if w.missingClusters[name] {
		return nil, fmt.Errorf("Error 404: Not found: projects/%s/locations/%s/clusters/%s", project, location, name)
	}
	list := func(m resource.PropertyMap) resource.PropertyValue {
		return resource.NewProperty([]resource.PropertyValue{resource.NewProperty(m)})
	}
	cluster := resource.PropertyMap{
		"name":                    resource.NewProperty(name),
		"location":                resource.NewProperty(location),
		"project":                 resource.NewProperty(project),
		"endpoint":                resource.NewProperty(fakeLiveEndpoint),
		"network":                 resource.NewProperty("default"),
		"subnetwork":              resource.NewProperty("default"),
		"masterAuths":             list(resource.PropertyMap{"clusterCaCertificate": resource.NewProperty(fakeCA)}),
		"workloadIdentityConfigs": list(resource.PropertyMap{"workloadPool": resource.NewProperty(project + ".svc.id.goog")}),
		"nodePools": list(resource.PropertyMap{
			"name": resource.NewProperty("default-pool"),
			"nodeConfigs": list(resource.PropertyMap{
				"workloadMetadataConfigs": list(resource.PropertyMap{"mode": resource.NewProperty("GKE_METADATA")}),
			}),
		}),
	}
	if w.editCluster != nil {
		w.editCluster(cluster)
	}
	return cluster, nil
}

// network is what getNetwork finds: a network of every name, unless the
// world says otherwise.
func (w world) network(name, project string) (resource.PropertyMap, error) {
	if w.missingNetworks[name] {
		return nil, fmt.Errorf("Error 404: The resource 'projects/%s/global/networks/%s' was not found, notFound", project, name)
	}
	return resource.PropertyMap{
		"name":     resource.NewProperty(name),
		"project":  resource.NewProperty(project),
		"selfLink": resource.NewProperty(networkSelfLink(project, name)),
	}, nil
}

// fakeSubnetworkCIDR is the primary range of every subnetwork a lookup finds.
const fakeSubnetworkCIDR = "10.250.0.0/24"

// subnetwork is what getSubnetwork finds: one with Private Google Access in
// the network its name starts with, as gkewi names its own (NETWORK-REGION),
// unless the world says otherwise.
func (w world) subnetwork(name, region, project string) (resource.PropertyMap, error) {
	if w.missingNetworks[name] {
		return nil, fmt.Errorf("Error 404: The resource 'projects/%s/regions/%s/subnetworks/%s' was not found, notFound", project, region, name)
	}
	subnetwork := resource.PropertyMap{
		"name":                  resource.NewProperty(name),
		"region":                resource.NewProperty(region),
		"project":               resource.NewProperty(project),
		"network":               resource.NewProperty(networkSelfLink(project, strings.TrimSuffix(name, "-"+region))),
		"ipCidrRange":           resource.NewProperty(fakeSubnetworkCIDR),
		"privateIpGoogleAccess": resource.NewProperty(true),
		"secondaryIpRanges":     resource.NewProperty([]resource.PropertyValue{}),
	}
	if w.editSubnetwork != nil {
		w.editSubnetwork(subnetwork)
	}
	return subnetwork, nil
}

func networkSelfLink(project, name string) string {
	return fmt.Sprintf("https://www.googleapis.com/compute/v1/projects/%s/global/networks/%s", project, name)
}

// fakeProjectNumber is the number the mocks give a project: twelve digits,
// different for each project.
func fakeProjectNumber(project string) string {
	sum := sha256.Sum256([]byte(project))
	return fmt.Sprintf("%012d", binary.BigEndian.Uint64(sum[:8])%1e12)
}

func (r *recorder) RegisterResourceOutputs() (*emptypb.Empty, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outputsRegistered++
	return &emptypb.Empty{}, nil
}

// computed is what a real provider would return for a resource: its id, and
// its inputs plus the outputs the program reads.
func computed(typ, name string, inputs resource.PropertyMap) (string, resource.PropertyMap) {
	out := inputs.Copy()
	str := func(key string) string {
		if v, ok := inputs[resource.PropertyKey(key)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	id := name + "-id"
	switch typ {
	case "random:index/randomId:RandomId":
		out["hex"] = resource.NewProperty(fakeHex(name))
	case "gcp:serviceaccount/account:Account":
		email := fmt.Sprintf("%s@%s.iam.gserviceaccount.com", str("accountId"), str("project"))
		out["email"] = resource.NewProperty(email)
		out["name"] = resource.NewProperty(fmt.Sprintf("projects/%s/serviceAccounts/%s", str("project"), email))
		out["member"] = resource.NewProperty("serviceAccount:" + email)
		id = out["name"].StringValue()
	case "gcp:compute/network:Network":
		id = fmt.Sprintf("projects/%s/global/networks/%s", str("project"), str("name"))
	case "gcp:compute/subnetwork:Subnetwork":
		id = fmt.Sprintf("projects/%s/regions/%s/subnetworks/%s", str("project"), str("region"), str("name"))
	case "gcp:container/cluster:Cluster":
		out["endpoint"] = resource.NewProperty(fakeEndpoint)
		masterAuth := resource.PropertyMap{}
		if v, ok := inputs["masterAuth"]; ok && v.IsObject() {
			masterAuth = v.ObjectValue().Copy()
		}
		masterAuth["clusterCaCertificate"] = resource.NewProperty(fakeCA)
		out["masterAuth"] = resource.NewProperty(masterAuth)
		private := resource.PropertyMap{}
		if v, ok := inputs["privateClusterConfig"]; ok && v.IsObject() {
			private = v.ObjectValue().Copy()
		}
		private["peeringName"] = resource.NewProperty(fakePeeringName)
		out["privateClusterConfig"] = resource.NewProperty(private)
		id = fmt.Sprintf("projects/%s/locations/%s/clusters/%s", str("project"), str("location"), str("name"))
	}
	return id, out
}

// fakeHex is the random hex the mocks give the RandomId called name: four
// digits, different for each name, the same on every run.
func fakeHex(name string) string {
	sum := sha256.Sum256([]byte(name))
	return hex.EncodeToString(sum[:2])
}

// mockURN is the URN the mock monitor gives a resource.
func mockURN(stack, parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(stack), testProject, parentType, tokens.Type(typ), name))
}

func urnName(urn string) string {
	if urn == "" || !resource.URN(urn).IsValid() {
		return ""
	}
	return resource.URN(urn).Name()
}

// providerName is the name of the provider in a reference "URN::ID".
func providerName(ref string) string {
	if i := strings.LastIndex(ref, "::"); i >= 0 {
		return urnName(ref[:i])
	}
	return ""
}

// runSettings are what a run of the program is run with.
type runSettings struct {
	stack string
	world world
	// program replaces the gkewi program, which is stacks.DeployConfig with
	// its outputs exported and recorded.
	program pulumi.RunFunc
	// own gives the test a recording of its own, which it may change, rather
	// than one that other tests share.
	own bool
}

// runOption changes one of the runSettings.
type runOption func(*runSettings)

// inStack runs the program as stack name, which names its URNs.
func inStack(name string) runOption { return func(s *runSettings) { s.stack = name } }

// inWorld runs the program in w, where the invokes find what w holds.
func inWorld(w world) runOption { return func(s *runSettings) { s.world = w } }

// ownRecording gives the test a recording that no other test shares, so
// that it may change it.
func ownRecording() runOption { return func(s *runSettings) { s.own = true } }

// withProgram runs program, a test's own, instead of the gkewi program.
func withProgram(program pulumi.RunFunc) runOption {
	return func(s *runSettings) { s.program = program }
}

// recordRun runs the gkewi program under the recording mocks with config as
// its stack configuration, and returns the recording of what it registered
// and exported, and the program's error. config goes to the program as an
// argument, not through the environment, so that tests can run in parallel.
func recordRun(t testing.TB, config map[string]string, opts ...runOption) (*recorder, error) {
	t.Helper()
	settings := runSettings{stack: testStack}
	for _, opt := range opts {
		opt(&settings)
	}
	if settings.own || settings.program != nil || !reflect.ValueOf(settings.world).IsZero() {
		return run(settings, settings.program, config)
	}
	// Tests read their recordings, and those that change one ask for their
	// own, so the runs of the gkewi program in the default world are shared
	// between tests: most are of the same few fixtures.
	key := settings.stack + "\n" + configKey(config)
	recording, _ := recordings.LoadOrStore(key, &sharedRun{})
	shared := recording.(*sharedRun)
	shared.once.Do(func() {
		shared.rec, shared.err = run(settings, nil, config)
		shared.rec.shared = true
	})
	return shared.rec, shared.err
}

// recordings are the shared runs of the gkewi program, by stack and config.
var recordings sync.Map

type sharedRun struct {
	once sync.Once
	rec  *recorder
	err  error
}

// run runs program, or the gkewi program with config, under the recording
// mocks.
func run(settings runSettings, program pulumi.RunFunc, config map[string]string) (*recorder, error) {
	rec := &recorder{stack: settings.stack, world: settings.world, outputs: map[string]stackOutput{}}
	if program == nil {
		program = func(ctx *pulumi.Context) error { return rec.deploy(ctx, config) }
	}
	return rec, pulumi.RunErr(program, pulumi.WithMocks(testProject, settings.stack, rec))
}

// configKey is config as one string, the same for the same config.
func configKey(config map[string]string) string {
	var key strings.Builder
	for _, k := range slices.Sorted(maps.Keys(config)) {
		fmt.Fprintf(&key, "%q=%q\n", k, config[k])
	}
	return key.String()
}

// mustRecord is recordRun for a run that must succeed.
func mustRecord(t testing.TB, config map[string]string, opts ...runOption) *recorder {
	t.Helper()
	rec, err := recordRun(t, config, opts...)
	if err != nil {
		t.Fatalf("running the program: %v", err)
	}
	return rec
}

// stackOutput is one stack output as the program exports it.
type stackOutput struct {
	value  any
	secret bool
}

// deploy is the gkewi program, with every output it exports recorded.
func (r *recorder) deploy(ctx *pulumi.Context, config map[string]string) error {
	exports, err := stacks.DeployConfig(ctx, config)
	if err != nil {
		return err
	}
	for key, value := range exports {
		out := pulumi.ToOutput(value)
		secret := pulumi.IsSecret(out)
		// Exporting what the callback returns makes the run wait for it.
		ctx.Export(key, out.ApplyT(func(v any) any {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.outputs[key] = stackOutput{value: v, secret: secret}
			return v
		}))
	}
	return nil
}

// output is the value of a stack output.
func (r *recorder) output(key string) any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.outputs[key].value
}

// stackFiles are the stack configuration files by stack name: the project's
// own beside Pulumi.yaml, and the examples.
func stackFiles() map[string]string {
	files := map[string]string{}
	for _, pattern := range []string{"../Pulumi.*.yaml", "../examples/Pulumi.*.yaml"} {
		matches, _ := filepath.Glob(pattern)
		for _, f := range matches {
			files[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")] = f
		}
	}
	return files
}

// stackConfig reads the config of Pulumi.<stack>.yaml as `pulumi` hands it to
// the program: strings as they are, everything else as JSON.
func stackConfig(t *testing.T, stack string) map[string]string {
	t.Helper()
	config, err := readStackConfig(stack)
	if err != nil {
		t.Fatal(err)
	}
	return config
}

func readStackConfig(stack string) (map[string]string, error) {
	data, err := os.ReadFile(stackFiles()[stack])
	if err != nil {
		return nil, err
	}
	var file struct {
		Environment []string       `yaml:"environment"`
		Config      map[string]any `yaml:"config"`
	}
	if err := yaml.Unmarshal(data, &file); err != nil {
		return nil, err
	}
	config := map[string]string{}
	for _, env := range file.Environment {
		if err := addEnvironmentConfig(config, env); err != nil {
			return nil, err
		}
	}
	for key, value := range file.Config {
		if config[key], err = configString(value); err != nil {
			return nil, err
		}
	}
	return config, nil
}

// escValue stands for a value that Pulumi ESC computes when it opens an
// environment, such as gcp-login's access token.
const escValue = "[opened by ESC]"

// addEnvironmentConfig adds the pulumiConfig of the Pulumi ESC environment
// env, defined in docs/esc/<env>.yaml, as ESC hands it to a stack that
// imports it: below the stack's own config, which wins.
func addEnvironmentConfig(config map[string]string, env string) error {
	data, err := os.ReadFile(filepath.Join("..", "docs", "esc", env+".yaml"))
	if err != nil {
		return fmt.Errorf("the stack imports the ESC environment %s, which docs/esc does not define: %w", env, err)
	}
	var definition struct {
		Values struct {
			PulumiConfig map[string]any `yaml:"pulumiConfig"`
		} `yaml:"values"`
	}
	if err := yaml.Unmarshal(data, &definition); err != nil {
		return err
	}
	for key, value := range definition.Values.PulumiConfig {
		text, err := configString(value)
		if err != nil {
			return err
		}
		if strings.Contains(text, "${") {
			text = escValue
		}
		config[key] = text
	}
	return nil
}

func configString(value any) (string, error) {
	switch v := value.(type) {
	case string:
		return v, nil
	case bool, int, float64:
		return fmt.Sprint(v), nil
	default:
		data, err := json.Marshal(v)
		return string(data), err
	}
}

// unset, as a value given to withConfig, removes the key.
const unset = "\x00unset"

// withConfig returns a copy of config with the given keys set, or removed
// where the value is unset.
func withConfig(config map[string]string, changes map[string]string) map[string]string {
	out := maps.Clone(config)
	for k, v := range changes {
		if v == unset {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// urnOf is the URN of the resource called name, or "".
func (r *recorder) urnOf(name string) string {
	for _, reg := range r.resources {
		if reg.Name == name {
			return reg.URN
		}
	}
	return ""
}

// urnsOf are the URNs of the resources called names, sorted.
func (r *recorder) urnsOf(names []string) []string {
	urns := []string{}
	for _, name := range names {
		urns = append(urns, r.urnOf(name))
	}
	slices.Sort(urns)
	return urns
}

// byType returns the registrations of one type, in registration order.
func (r *recorder) byType(typ string) []registration {
	var out []registration
	for _, reg := range r.resources {
		if reg.Type == typ {
			out = append(out, reg)
		}
	}
	return out
}

// one returns the single registration of a type and name.
func (r *recorder) one(t *testing.T, typ, name string) registration {
	t.Helper()
	for _, reg := range r.resources {
		if reg.Type == typ && reg.Name == name {
			return reg
		}
	}
	t.Fatalf("no %s named %q was registered; registered: %v", typ, name, r.names())
	return registration{}
}

func (r *recorder) names() []string {
	var names []string
	for _, reg := range r.resources {
		names = append(names, reg.Type+" "+reg.Name)
	}
	slices.Sort(names)
	return names
}

// get returns the plain value at path in the inputs (or outputs), with
// secrets unwrapped; map keys are strings, list indexes ints.
func get(m resource.PropertyMap, path ...any) any {
	v := resource.NewProperty(m)
	for _, step := range path {
		v = unwrapSecret(v)
		switch s := step.(type) {
		case string:
			if !v.IsObject() {
				return nil
			}
			v = v.ObjectValue()[resource.PropertyKey(s)]
		case int:
			if !v.IsArray() || s >= len(v.ArrayValue()) {
				return nil
			}
			v = v.ArrayValue()[s]
		}
	}
	return plain(v)
}

// at is the path base followed by more, in a slice of its own.
func at(base []any, more ...any) []any {
	return slices.Concat(base, more)
}

func unwrapSecret(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

func plain(v resource.PropertyValue) any {
	v = unwrapSecret(v)
	switch {
	case v.IsObject():
		out := map[string]any{}
		for k, e := range v.ObjectValue() {
			out[string(k)] = plain(e)
		}
		return out
	case v.IsArray():
		var out []any
		for _, e := range v.ArrayValue() {
			out = append(out, plain(e))
		}
		return out
	case v.IsNull():
		return nil
	default:
		return v.V
	}
}
