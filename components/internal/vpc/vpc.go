// Package vpc registers the five Compute Engine resources and the two
// lookups of pulumi-gcp v7 that gkewi uses, by their tokens, with the same
// inputs and provider version as the SDK's own constructors.
//
// It stands in for the SDK's compute package for the link. That package
// holds some 500 resources and functions, whose output types its init
// registers, so every one of them is linked: 405 MB of compiled code, a
// quarter of what every test binary and every `pulumi preview` build loads,
// and about 1 s of each link on 2 cores, for five types and two lookups
// (README, "Performance"). What the SDK would check stays checked:
//   - every plan in tests/testdata/plans, made with the SDK's constructors,
//     is unchanged, inputs and all (TestPlansAreCurrent);
//   - the engine tier's GCP stand-in refuses any input or lookup argument
//     that the SDK's own types lack (tests/standin/gcp, wire.go);
//   - each registration names the provider version that go.mod pins, as the
//     SDK's do (TestEveryGoogleResourceAsksForThePinnedProvider).
package vpc

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SDKVersion is the pulumi-gcp version that go.mod pins, which the SDK's
// own constructors ask the engine for, so that these resources share their
// default provider. (A test binary's build information lists no modules, so
// it cannot be read at run time; TestEveryGoogleResourceAsksForThePinnedProvider
// fails when it and go.mod differ.)
const SDKVersion = "7.38.0"

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

// resource is a registration whose outputs nothing reads.
type resource struct {
	pulumi.CustomResourceState
}

// Inputs are a resource's inputs by their wire names, as the SDK's Args
// types tag them; nested objects and lists are pulumi.Map and pulumi.Array.
type Inputs = pulumi.Map

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
	var nat resource
	return &nat, register(ctx, routerNatToken, name, inputs, &nat, opts)
}

// NewNetworkPeeringRoutesConfig registers a
// gcp.compute.NetworkPeeringRoutesConfig.
func NewNetworkPeeringRoutesConfig(ctx *pulumi.Context, name string, inputs Inputs, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	var routes resource
	return &routes, register(ctx, peeringRoutesToken, name, inputs, &routes, opts)
}

func register(ctx *pulumi.Context, token, name string, inputs Inputs, res pulumi.CustomResource, opts []pulumi.ResourceOption) error {
	return ctx.RegisterResource(token, name, inputs, res, append([]pulumi.ResourceOption{pulumi.Version(SDKVersion)}, opts...)...)
}

// LookupNetworkArgs name a VPC.
type LookupNetworkArgs struct {
	Name    string `pulumi:"name"`
	Project string `pulumi:"project"`
}

// LookupNetwork reads a VPC; it fails when the VPC cannot be read.
func LookupNetwork(ctx *pulumi.Context, args LookupNetworkArgs, opts ...pulumi.InvokeOption) error {
	var network struct {
		Name string `pulumi:"name"`
	}
	return invoke(ctx, getNetworkToken, args, &network, opts)
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
	if err := invoke(ctx, getSubnetworkToken, args, &subnetwork, opts); err != nil {
		return nil, err
	}
	return &subnetwork, nil
}

func invoke(ctx *pulumi.Context, token string, args, result any, opts []pulumi.InvokeOption) error {
	return ctx.Invoke(token, args, result, append([]pulumi.InvokeOption{pulumi.Version(SDKVersion)}, opts...)...)
}
