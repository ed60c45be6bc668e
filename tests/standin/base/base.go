// Package base holds what the engine tier's stand-in provider plugins
// answer alike: their version, and a configuration that they take as it
// comes.
package base

import (
	"context"

	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Provider is the part of a stand-in that reports its version and takes its
// configuration as it comes; a stand-in embeds it and adds its resources.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer
	// Version is the SDK's version that the program pins, which the stand-in
	// reports as the real plugin would.
	Version string
}

func (b *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: b.Version}, nil
}

func (*Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

// DiffConfig leaves the comparison to the engine (DIFF_UNKNOWN).
func (*Provider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{}, nil
}

func (*Provider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return Configured(), nil
}

// Configured is what a stand-in answers Configure with: it takes secrets,
// unknowns in a preview, and resource references, as the real plugins do.
func Configured() *pulumirpc.ConfigureResponse {
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: true, AcceptResources: true}
}

// DiffInputs are a Diff's old and new inputs, unknowns and secrets kept.
func DiffInputs(req *pulumirpc.DiffRequest) (olds, news resource.PropertyMap, err error) {
	options := plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, KeepResources: true}
	if olds, err = plugin.UnmarshalProperties(req.GetOldInputs(), options); err != nil {
		return nil, nil, err
	}
	news, err = plugin.UnmarshalProperties(req.GetNews(), options)
	return olds, news, err
}
