package gcp

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// The VPC's resources and functions, of the SDK's compute package.

// Tokens, as pulumi-gcp v7.38.0 names them.
const (
	networkToken       = "gcp:compute/network:Network"
	subnetworkToken    = "gcp:compute/subnetwork:Subnetwork"
	routerToken        = "gcp:compute/router:Router"
	routerNatToken     = "gcp:compute/routerNat:RouterNat"
	peeringRoutesToken = "gcp:compute/networkPeeringRoutesConfig:NetworkPeeringRoutesConfig"
	getNetworkToken    = "gcp:compute/getNetwork:getNetwork"
	getSubnetworkToken = "gcp:compute/getSubnetwork:getSubnetwork"
)

// Network is a VPC: its ID and name are what the subnetwork and the cluster
// name it by.
type Network struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// Subnetwork is a VPC's subnetwork.
type Subnetwork struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// Router is a Cloud Router, which a Cloud NAT names.
type Router struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// NewNetwork registers a gcp.compute.Network.
func NewNetwork(ctx *pulumi.Context, name string, inputs Inputs, opts ...pulumi.ResourceOption) (*Network, error) {
	var network Network
	return &network, register(ctx, networkToken, name, inputs, &network, opts)
}

// NewSubnetwork registers a gcp.compute.Subnetwork.
func NewSubnetwork(ctx *pulumi.Context, name string, inputs Inputs, opts ...pulumi.ResourceOption) (*Subnetwork, error) {
	var subnetwork Subnetwork
	return &subnetwork, register(ctx, subnetworkToken, name, inputs, &subnetwork, opts)
}

// NewRouter registers a gcp.compute.Router.
func NewRouter(ctx *pulumi.Context, name string, inputs Inputs, opts ...pulumi.ResourceOption) (*Router, error) {
	var router Router
	return &router, register(ctx, routerToken, name, inputs, &router, opts)
}

// NewRouterNat registers a gcp.compute.RouterNat.
func NewRouterNat(ctx *pulumi.Context, name string, inputs Inputs, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	return NewResource(ctx, routerNatToken, name, inputs, opts...)
}

// NewNetworkPeeringRoutesConfig registers a
// gcp.compute.NetworkPeeringRoutesConfig.
func NewNetworkPeeringRoutesConfig(ctx *pulumi.Context, name string, inputs Inputs, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	return NewResource(ctx, peeringRoutesToken, name, inputs, opts...)
}

// LookupNetworkArgs name a VPC.
type LookupNetworkArgs struct {
	Name    string `pulumi:"name"`
	Project string `pulumi:"project"`
}

// LookupNetwork reads a VPC; it fails when the VPC cannot be read, and
// gkewi needs nothing of what it returns.
func LookupNetwork(ctx *pulumi.Context, args LookupNetworkArgs, opts ...pulumi.InvokeOption) error {
	var discarded struct{}
	return Call(ctx, getNetworkToken, args, &discarded, opts...)
}

// LookupSubnetworkArgs name a subnetwork.
type LookupSubnetworkArgs struct {
	Name    string `pulumi:"name"`
	Region  string `pulumi:"region"`
	Project string `pulumi:"project"`
}

// SubnetworkResult is what gkewi reads of an existing subnetwork.
type SubnetworkResult struct {
	CIDR                string           `pulumi:"ipCidrRange"`
	Network             string           `pulumi:"network"`
	PrivateGoogleAccess bool             `pulumi:"privateIpGoogleAccess"`
	SecondaryRanges     []SecondaryRange `pulumi:"secondaryIpRanges"`
}

// SecondaryRange is one of a subnetwork's secondary ranges.
type SecondaryRange struct {
	Name string `pulumi:"rangeName"`
	CIDR string `pulumi:"ipCidrRange"`
}

// LookupSubnetwork reads a subnetwork.
func LookupSubnetwork(ctx *pulumi.Context, args LookupSubnetworkArgs, opts ...pulumi.InvokeOption) (*SubnetworkResult, error) {
	var subnetwork SubnetworkResult
	if err := Call(ctx, getSubnetworkToken, args, &subnetwork, opts...); err != nil {
		return nil, err
	}
	return &subnetwork, nil
}
