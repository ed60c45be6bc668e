// Command pulumi-resource-random is the engine tier's stand-in for the
// random provider, whose plugin is not served here: it answers the resource
// provider protocol for random:index/randomId:RandomId, the one type gkewi
// uses, and refuses every other. As terraform-provider-random's random_id
// does, every input forces a new id (keepers, byteLength and prefix are
// ForceNew), and a preview leaves the id unknown.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"

	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"github.com/gkewi/gkewi/tests/standin/base"
)

// version is the random SDK's, v4.21.2, which the program pins.
const version = "4.21.2"

const randomID = "random:index/randomId:RandomId"

// replacingInputs are RandomId's inputs, each of which forces a new id.
var replacingInputs = []resource.PropertyKey{"byteLength", "keepers", "prefix"}

func main() {
	err := provider.Main("random", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &standIn{Provider: base.Provider{Version: version}}, nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type standIn struct {
	base.Provider
}

var options = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true}

func (*standIn) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := known(req.GetType()); err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (*standIn) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, news, err := base.DiffInputs(req)
	if err != nil {
		return nil, err
	}
	var replaces []string
	for _, key := range replacingInputs {
		if !olds[key].DeepEquals(news[key]) {
			replaces = append(replaces, string(key))
		}
	}
	if len(replaces) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{
		Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: replaces, Replaces: replaces,
		DeleteBeforeReplace: false,
	}, nil
}

func (*standIn) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := known(req.GetType()); err != nil {
		return nil, err
	}
	inputs, err := plugin.UnmarshalProperties(req.GetProperties(), options)
	if err != nil {
		return nil, err
	}
	outputs, id, err := randomIDOutputs(inputs, req.GetPreview())
	if err != nil {
		return nil, err
	}
	properties, err := plugin.MarshalProperties(outputs, options)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: properties}, nil
}

func (*standIn) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: req.GetProperties(), Inputs: req.GetInputs()}, nil
}

func (*standIn) Delete(context.Context, *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func known(typ string) error {
	if typ != randomID {
		return fmt.Errorf("the random stand-in serves only %s, not %s", randomID, typ)
	}
	return nil
}

// randomIDOutputs are what random_id computes from byteLength random bytes:
// the id as base64url, and its hex, base64 and decimal forms, each after the
// prefix; in a preview, none is known yet.
func randomIDOutputs(inputs resource.PropertyMap, preview bool) (resource.PropertyMap, string, error) {
	outputs := inputs.Copy()
	forms := []resource.PropertyKey{"hex", "b64Std", "b64Url", "dec"}
	if preview {
		for _, key := range forms {
			outputs[key] = resource.MakeComputed(resource.NewProperty(""))
		}
		return outputs, "", nil
	}
	length := inputs["byteLength"]
	if !length.IsNumber() || length.NumberValue() < 1 {
		return nil, "", fmt.Errorf("byteLength is %v; want a number of at least 1", length)
	}
	bytes := make([]byte, int(length.NumberValue()))
	if _, err := rand.Read(bytes); err != nil {
		return nil, "", err
	}
	prefix := ""
	if p := inputs["prefix"]; p.IsString() {
		prefix = p.StringValue()
	}
	values := []string{
		prefix + hex.EncodeToString(bytes),
		prefix + base64.StdEncoding.EncodeToString(bytes),
		prefix + base64.RawURLEncoding.EncodeToString(bytes),
		prefix + new(big.Int).SetBytes(bytes).String(),
	}
	for i, key := range forms {
		outputs[key] = resource.NewProperty(values[i])
	}
	id := base64.RawURLEncoding.EncodeToString(bytes)
	return outputs, id, nil
}
