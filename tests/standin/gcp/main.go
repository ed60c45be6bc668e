// Command pulumi-resource-gcp is the engine tier's stand-in for the GCP
// provider, whose plugin is not served here, and GCP itself, which no
// machine here reaches. It answers the resource provider protocol for
// exactly the resource types and functions gkewi uses (types.go), as
// pulumi-gcp v7.38.0 does:
//   - Check refuses an input name that the v7.38.0 SDK lacks (wire.go);
//   - Diff replaces on the inputs the real provider replaces on (forcenew.go);
//   - Create computes what GCP computes, unknown in a preview; every
//     cluster's control plane is the node tier's API server;
//   - the lookups answer from what exists (world.go), so one stack finds
//     what another made;
//   - each create and delete takes GCP's typical time, scaled 1:60
//     (tests/standin/typical), and every call is logged with its times.
package main

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/gkewi/gkewi/tests/standin/base"
	"github.com/gkewi/gkewi/tests/standin/typical"
)

// version is the GCP SDK's, v7.38.0, which the program pins.
const version = "7.38.0"

// The environment the engine tier gives the stand-in.
const (
	// dirVariable names the folder that holds the stand-in's GCP.
	dirVariable = "GKEWI_GCP_DIR"
	// endpointVariable and caVariable are every cluster's control plane:
	// host:port, and the base64 PEM of its CA.
	endpointVariable = "GKEWI_GCP_ENDPOINT"
	caVariable       = "GKEWI_GCP_CA"
)

func main() {
	dir := os.Getenv(dirVariable)
	if dir == "" {
		fmt.Fprintf(os.Stderr, "the GCP stand-in keeps its GCP in the folder that %s names, and it is not set\n", dirVariable)
		os.Exit(1)
	}
	s := &standIn{Provider: base.Provider{Version: version}, world: world{dir: dir},
		cluster: controlPlane{endpoint: os.Getenv(endpointVariable), ca: os.Getenv(caVariable)}}
	err := provider.Main("gcp", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) { return s, nil })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type standIn struct {
	base.Provider
	world   world
	cluster controlPlane
	// project, region and zone are the provider's gcp:project, gcp:region
	// and gcp:zone, which a resource or lookup that names none gets.
	project, region, zone string
}

var options = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true}

func (s *standIn) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	config, err := plugin.UnmarshalProperties(req.GetArgs(), options)
	if err != nil {
		return nil, err
	}
	given := inputs{PropertyMap: config}
	s.project, s.region, s.zone = given.str("project"), given.str("region"), given.str("zone")
	return base.Configured(), nil
}

// served is the type's entry, or an error naming what the stand-in serves.
func served(typ string) (resourceType, error) {
	if t, ok := resourceTypes[typ]; ok {
		return t, nil
	}
	return resourceType{}, fmt.Errorf("the GCP stand-in serves only the types gkewi uses, not %s", typ)
}

func (s *standIn) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	typ, err := served(req.GetType())
	if err != nil {
		return nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetNews(), options)
	if err != nil {
		return nil, err
	}
	var failures []*pulumirpc.CheckFailure
	for _, name := range unknownNames(resource.NewProperty(news), typ.args.ElementType(), "") {
		failures = append(failures, &pulumirpc.CheckFailure{Property: name,
			Reason: fmt.Sprintf("%s has no input %s in pulumi-gcp v%s", req.GetType(), name, version)})
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

func (s *standIn) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	typ, err := served(req.GetType())
	if err != nil {
		return nil, err
	}
	olds, news, err := base.DiffInputs(req)
	if err != nil {
		return nil, err
	}
	changed := changedInputs(olds, news, req.GetIgnoreChanges())
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	var replaces []string
	for _, path := range typ.forceNew {
		if !valueAt(olds, path).DeepEquals(valueAt(news, path)) && !ignored(path, req.GetIgnoreChanges()) {
			replaces = append(replaces, path)
		}
	}
	if req.GetType() == "gcp:compute/subnetwork:Subnetwork" && subnetworkShrinks(olds, news) {
		replaces = append(replaces, "ipCidrRange")
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed, Replaces: replaces}, nil
}

// subnetworkShrinks tells whether a subnetwork's new range leaves out part
// of its old one, which GCP cannot do in place (IsShrinkageIpCidr in
// compute/resource_compute_subnetwork.go L39-55); growing it can.
func subnetworkShrinks(olds, news resource.PropertyMap) bool {
	was, wasErr := netip.ParsePrefix(inputs{PropertyMap: olds}.str("ipCidrRange"))
	is, isErr := netip.ParsePrefix(inputs{PropertyMap: news}.str("ipCidrRange"))
	if wasErr != nil || isErr != nil {
		return !valueAt(olds, "ipCidrRange").DeepEquals(valueAt(news, "ipCidrRange"))
	}
	return is.Bits() > was.Bits() || !is.Contains(was.Addr())
}

// changedInputs are the top-level inputs whose values differ, leaving out
// those the program ignores changes to.
func changedInputs(olds, news resource.PropertyMap, ignore []string) []string {
	keys := maps.Clone(olds)
	maps.Copy(keys, news)
	var changed []string
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		// A missing input reads as null, so null and missing are the same.
		if !olds[key].DeepEquals(news[key]) && !ignored(string(key), ignore) {
			changed = append(changed, string(key))
		}
	}
	return changed
}

func ignored(path string, ignore []string) bool {
	top, _, _ := strings.Cut(path, ".")
	return slices.Contains(ignore, path) || slices.Contains(ignore, top)
}

// valueAt is the value at a dotted path of objects, or null.
func valueAt(m resource.PropertyMap, path string) resource.PropertyValue {
	v := resource.NewProperty(m)
	for _, step := range strings.Split(path, ".") {
		for v.IsSecret() {
			v = v.SecretValue().Element
		}
		if !v.IsObject() {
			return resource.NewNullProperty()
		}
		v = v.ObjectValue()[resource.PropertyKey(step)]
	}
	return v
}

func (s *standIn) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	call := s.begin("Create", req.GetType(), req.GetUrn(), "", req.GetPreview())
	id, properties, err := s.create(req)
	call.ID = id
	s.end(call, err)
	return &pulumirpc.CreateResponse{Id: id, Properties: properties}, err
}

func (s *standIn) create(req *pulumirpc.CreateRequest) (string, *structpb.Struct, error) {
	if _, err := served(req.GetType()); err != nil {
		return "", nil, err
	}
	news, err := plugin.UnmarshalProperties(req.GetProperties(), options)
	if err != nil {
		return "", nil, err
	}
	id, outputs, err := s.outputs(req.GetType(), news, nil, req.GetPreview())
	if err != nil || req.GetPreview() {
		properties, merr := plugin.MarshalProperties(outputs, options)
		return id, properties, coalesce(err, merr)
	}
	delay(req.GetType())
	if err := s.store(req.GetType(), id, news, outputs); err != nil {
		return "", nil, err
	}
	properties, err := plugin.MarshalProperties(outputs, options)
	return id, properties, err
}

func coalesce(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// outputs are a resource's inputs and what GCP computes for them. In a
// preview, a computed value is unknown where no input gives it, nested ones
// included, as the real provider leaves it; an update's preview keeps what
// the resource computed before (olds), as a Terraform plan keeps prior
// computed attributes. olds is nil for a create.
func (s *standIn) outputs(typ string, news, olds resource.PropertyMap, preview bool) (string, resource.PropertyMap, error) {
	if typ == "gcp:container/cluster:Cluster" && !preview && (s.cluster.endpoint == "" || s.cluster.ca == "") {
		return "", nil, fmt.Errorf("the GCP stand-in's clusters are the node tier's API server: set %s and %s", endpointVariable, caVariable)
	}
	id, computed := computedOutputs(typ, inputs{PropertyMap: news, project: s.project}, s.cluster)
	if bad := unknownNames(resource.NewProperty(computed), resourceTypes[typ].state.ElementType(), ""); len(bad) > 0 {
		return "", nil, fmt.Errorf("the GCP stand-in computes %v for %s, which pulumi-gcp v%s's state lacks", bad, typ, version)
	}
	outputs := news.Copy()
	for key, v := range computed {
		switch {
		case preview && olds != nil:
			v = keptFrom(news[key], olds[key])
		case preview:
			v = unknownBeyond(news[key], v)
		}
		outputs[key] = v
	}
	if preview {
		id = ""
	}
	return id, outputs, nil
}

// unknown is a value not known until the resource exists.
var unknown = resource.MakeComputed(resource.NewProperty(""))

// unknownBeyond is computed with every part that given (the input) does not
// hold made unknown.
func unknownBeyond(given, computed resource.PropertyValue) resource.PropertyValue {
	switch {
	case given.IsComputed():
		return given
	case given.IsNull():
		return unknown
	case given.IsObject() && computed.IsObject():
		out := resource.PropertyMap{}
		for key, v := range computed.ObjectValue() {
			out[key] = unknownBeyond(given.ObjectValue()[key], v)
		}
		return resource.NewProperty(out)
	}
	return computed
}

// keptFrom is given (the input) with what old, the value before, held
// beyond it; unknown where neither holds anything.
func keptFrom(given, old resource.PropertyValue) resource.PropertyValue {
	switch {
	case given.IsComputed():
		return given
	case given.IsNull() && old.IsNull():
		return unknown
	case given.IsNull():
		return old
	case given.IsObject() && old.IsObject():
		out := old.ObjectValue().Copy()
		for key, v := range given.ObjectValue() {
			out[key] = keptFrom(v, old.ObjectValue()[key])
		}
		return resource.NewProperty(out)
	}
	return given
}

// store keeps what was made, and the APIs enabled, in the world.
func (s *standIn) store(typ, id string, news, outputs resource.PropertyMap) error {
	in, err := encode(news)
	if err != nil {
		return err
	}
	out, err := encode(outputs)
	if err != nil {
		return err
	}
	return s.world.update(func(things map[string]Stored) error {
		things[key(typ, id)] = Stored{Type: typ, ID: id, Inputs: in, Outputs: out}
		if typ == "gcp:projects/service:Service" {
			things[key(enabledAPI, id)] = Stored{Type: enabledAPI, ID: id, Outputs: out}
		}
		return nil
	})
}

// enabledAPI is an API enabled in a project, which outlives the Service
// resource that enabled it unless that one disables it on destroy.
const enabledAPI = "api"

func (s *standIn) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	call := s.begin("Read", req.GetType(), req.GetUrn(), req.GetId(), false)
	things, err := s.world.load()
	s.end(call, err)
	if err != nil {
		return nil, err
	}
	thing, ok := things[key(req.GetType(), req.GetId())]
	if !ok {
		return &pulumirpc.ReadResponse{}, nil
	}
	outputs, err := decode(thing.Outputs)
	if err != nil {
		return nil, err
	}
	in, err := decode(thing.Inputs)
	if err != nil {
		return nil, err
	}
	properties, err := plugin.MarshalProperties(outputs, options)
	if err != nil {
		return nil, err
	}
	inputs, err := plugin.MarshalProperties(in, options)
	return &pulumirpc.ReadResponse{Id: thing.ID, Properties: properties, Inputs: inputs}, err
}

func (s *standIn) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	call := s.begin("Update", req.GetType(), req.GetUrn(), req.GetId(), req.GetPreview())
	properties, err := s.update(req)
	s.end(call, err)
	return &pulumirpc.UpdateResponse{Properties: properties}, err
}

func (s *standIn) update(req *pulumirpc.UpdateRequest) (*structpb.Struct, error) {
	news, err := plugin.UnmarshalProperties(req.GetNews(), options)
	if err != nil {
		return nil, err
	}
	olds, err := plugin.UnmarshalProperties(req.GetOlds(), options)
	if err != nil {
		return nil, err
	}
	_, outputs, err := s.outputs(req.GetType(), news, olds, req.GetPreview())
	if err != nil {
		return nil, err
	}
	if !req.GetPreview() {
		if err := s.store(req.GetType(), req.GetId(), news, outputs); err != nil {
			return nil, err
		}
	}
	return plugin.MarshalProperties(outputs, options)
}

func (s *standIn) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	call := s.begin("Delete", req.GetType(), req.GetUrn(), req.GetId(), false)
	delay(req.GetType())
	err := s.world.update(func(things map[string]Stored) error {
		thing, ok := things[key(req.GetType(), req.GetId())]
		if !ok {
			return nil
		}
		outputs, err := decode(thing.Outputs)
		if err != nil {
			return err
		}
		// The provider's own check, from its state, deletion_protection
		// defaulting to true, in its words (terraform-provider-google-beta
		// v5.42.0, services/container/resource_container_cluster.go).
		if v := outputs["deletionProtection"]; req.GetType() == "gcp:container/cluster:Cluster" && (!v.IsBool() || v.BoolValue()) {
			return fmt.Errorf("cannot destroy cluster because deletion_protection is set to true. Set it to false to proceed with cluster deletion")
		}
		delete(things, key(req.GetType(), req.GetId()))
		// disable_on_destroy defaults to true (services/resourcemanager/
		// resource_google_project_service.go L104-127).
		if v := outputs["disableOnDestroy"]; req.GetType() == "gcp:projects/service:Service" && (!v.IsBool() || v.BoolValue()) {
			delete(things, key(enabledAPI, req.GetId()))
		}
		return nil
	})
	s.end(call, err)
	return &emptypb.Empty{}, err
}

// delay is the time GCP typically takes for a type, scaled down.
func delay(typ string) {
	time.Sleep(time.Duration(typical.Seconds[typ]) * time.Second / typical.Scale)
}

// begin starts a call's log entry; end writes it.
func (s *standIn) begin(method, typ, urn, id string, preview bool) Call {
	name := ""
	if urn != "" && resource.URN(urn).IsValid() {
		name = resource.URN(urn).Name()
	}
	return Call{Start: time.Now(), Method: method, Type: typ, Name: name, ID: id, Preview: preview}
}

func (s *standIn) end(call Call, err error) {
	call.End = time.Now()
	if err != nil {
		call.Error = err.Error()
	}
	s.world.log(call)
}
