// Package gcp registers the pulumi-gcp v7 resources, and calls the
// functions, that gkewi uses of the SDK packages it needs only a few flat
// ones of, by their tokens, with the same inputs and provider version as
// the SDK's own constructors: the VPC's (compute), named in vpc.go, and the
// grants' (storage, secretmanager, pubsub, bigquery), which the component's
// GrantKinds names. The cluster's, deep and many, stay the SDK's
// (container), as do those of the packages that cost a link little.
//
// It is a package of its own for the link. Each of those SDK packages
// registers every one of its types' outputs in its init, so all of them are
// linked, whatever gkewi uses: compute alone is 405 MB of compiled code,
// the four the grants use 139 MB, together 31% of what the program's link
// loaded (1.76 GB, now 1.22 GB), in every test binary and every `pulumi
// preview` build, for ten resource types and seven functions (README,
// "Performance"). What the SDK would check stays checked:
//   - each input and argument the program gives is one that the SDK's own
//     Args struct of the type tags, read from its source
//     (TestWhatIsRegisteredByTokenIsWhatTheSDKTakes); the engine tier's GCP
//     stand-in checks nested ones too, against the compiled types
//     (tests/standin/gcp, wire.go);
//   - the plans in tests/testdata/plans did not change when these left the
//     SDK's constructors (TestPlansAreCurrent);
//   - each registration asks for the provider version that go.mod pins, as
//     the SDK's do (TestEveryGoogleResourceAsksForThePinnedProvider); a call
//     does too, through Call, which the mocks cannot see.
package gcp

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// SDKVersion is the pulumi-gcp version that go.mod pins, which the SDK's
// own constructors ask the engine for, so that these resources share their
// default provider. (A test binary's build information lists no modules, so
// it cannot be read at run time; TestEveryGoogleResourceAsksForThePinnedProvider
// fails when it and go.mod differ.)
const SDKVersion = "7.38.0"

// Inputs are a resource's inputs by their wire names, as the SDK's Args
// types tag them; nested objects and lists are pulumi.Map and pulumi.Array.
type Inputs = pulumi.Map

// resource is a registration whose outputs nothing reads.
type resource struct {
	pulumi.CustomResourceState
}

// NewResource registers a resource of type token whose outputs gkewi reads
// none of.
func NewResource(ctx *pulumi.Context, token, name string, inputs Inputs, opts ...pulumi.ResourceOption) (pulumi.Resource, error) {
	var res resource
	return &res, register(ctx, token, name, inputs, &res, opts)
}

func register(ctx *pulumi.Context, token, name string, inputs Inputs, res pulumi.CustomResource, opts []pulumi.ResourceOption) error {
	return ctx.RegisterResource(token, name, inputs, res, append([]pulumi.ResourceOption{pulumi.Version(SDKVersion)}, opts...)...)
}

// Call calls the function token with args, by their wire names (a map, or
// a struct tagged with them), and decodes what it returns into result, a
// struct tagged so; it fails when the function does, as a lookup of a
// resource that cannot be read does.
func Call(ctx *pulumi.Context, token string, args, result any, opts ...pulumi.InvokeOption) error {
	return ctx.Invoke(token, args, result, append([]pulumi.InvokeOption{pulumi.Version(SDKVersion)}, opts...)...)
}
