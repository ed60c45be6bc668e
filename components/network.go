package components

import (
	"fmt"

	"github.com/gkewi/gkewi/components/internal/gcp"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

type networkArgs struct {
	Project, Region string
	// Network and Subnetwork name the VPC and subnetwork to create, or those
	// that exist already when Existing is set.
	Network, Subnetwork                string
	Existing                           bool
	SubnetCIDR, PodsCIDR, ServicesCIDR string
	CloudNAT, FlowLogs                 bool
	// RestrictEgress names the Google API endpoints that the VPC resolves
	// *.googleapis.com to, or is "".
	RestrictEgress string
}

// networkArgs is what this part takes from the component's arguments.
func (args WorkloadIdentityCronJobArgs) networkArgs() networkArgs {
	return networkArgs{
		Project:        args.Project,
		Region:         args.Region,
		Network:        orDefault(args.ExistingNetwork, args.Network),
		Subnetwork:     orDefault(args.ExistingSubnetwork, args.Subnetwork),
		Existing:       args.ExistingNetwork != "",
		SubnetCIDR:     args.SubnetCIDR,
		PodsCIDR:       args.PodsCIDR,
		ServicesCIDR:   args.ServicesCIDR,
		CloudNAT:       args.CloudNAT,
		FlowLogs:       args.FlowLogs,
		RestrictEgress: args.RestrictEgress,
	}
}

type network struct {
	NetworkID, NetworkName       pulumi.StringOutput
	SubnetworkID, SubnetworkName pulumi.StringOutput
	// PodsRangeName and ServicesRangeName name the subnetwork's secondary
	// ranges for a VPC-native cluster; when they are empty, GKE adds ranges
	// of its own, PodsCIDR and ServicesCIDR, to a subnetwork gkewi does not own.
	PodsRangeName, ServicesRangeName string
	PodsCIDR, ServicesCIDR           string
}

// newNetwork creates the VPC or takes the existing one, and gives it what the
// options ask for: Cloud NAT, and the DNS zones of the private or restricted
// Google endpoints.
func newNetwork(ctx *pulumi.Context, name string, args networkArgs, parts partOptions) (*network, error) {
	var net *network
	if args.Existing {
		net = useExistingNetwork(args)
	} else {
		var err error
		if net, err = newVPC(ctx, name, args, parts); err != nil {
			return nil, err
		}
	}
	opts := parts.google()
	if args.CloudNAT {
		if err := newCloudNAT(ctx, name, args, net.NetworkID, opts...); err != nil {
			return nil, err
		}
	}
	if args.RestrictEgress != "" {
		if err := newGoogleAPIsZones(ctx, name, args, net.NetworkID, opts...); err != nil {
			return nil, err
		}
	}
	return net, nil
}

// useExistingNetwork names the VPC and subnetwork that the preflight found.
// GKE adds the pods' and services' ranges to the subnetwork from the CIDRs
// (GKE's "VPC-native clusters", secondary range assignment "Managed by
// GKE": cloud.google.com/kubernetes-engine/docs/concepts/alias-ips), so
// that gkewi changes nothing it does not own.
func useExistingNetwork(args networkArgs) *network {
	return &network{
		NetworkID:      pulumi.Sprintf("projects/%s/global/networks/%s", args.Project, args.Network),
		NetworkName:    pulumi.String(args.Network).ToStringOutput(),
		SubnetworkID:   pulumi.Sprintf("projects/%s/regions/%s/subnetworks/%s", args.Project, args.Region, args.Subnetwork),
		SubnetworkName: pulumi.String(args.Subnetwork).ToStringOutput(),
		PodsCIDR:       args.PodsCIDR,
		ServicesCIDR:   args.ServicesCIDR,
	}
}

// newVPC creates a custom-mode VPC and one subnetwork with Private Google
// Access, so that private nodes reach Google's APIs and registries without a
// public address, plus the secondary ranges a VPC-native cluster needs.
func newVPC(ctx *pulumi.Context, name string, args networkArgs, parts partOptions) (*network, error) {
	opts := parts.google()
	created, err := gcp.NewNetwork(ctx, name+"-network", gcp.Inputs{
		"project":               pulumi.String(args.Project),
		"name":                  pulumi.String(args.Network),
		"autoCreateSubnetworks": pulumi.Bool(false),
		"routingMode":           pulumi.String("REGIONAL"),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating network: %w", err)
	}
	const pods, services = "pods", "services"
	subnetInputs := gcp.Inputs{
		"project":               pulumi.String(args.Project),
		"region":                pulumi.String(args.Region),
		"name":                  pulumi.String(args.Subnetwork),
		"network":               created.ID(),
		"ipCidrRange":           pulumi.String(args.SubnetCIDR),
		"privateIpGoogleAccess": pulumi.Bool(true),
		"secondaryIpRanges": pulumi.Array{
			gcp.Inputs{"rangeName": pulumi.String(pods), "ipCidrRange": pulumi.String(args.PodsCIDR)},
			gcp.Inputs{"rangeName": pulumi.String(services), "ipCidrRange": pulumi.String(args.ServicesCIDR)},
		},
	}
	if args.FlowLogs {
		subnetInputs["logConfig"] = flowLogs()
	}
	subnet, err := gcp.NewSubnetwork(ctx, name+"-subnetwork", subnetInputs, opts...)
	if err != nil {
		return nil, fmt.Errorf("creating subnetwork: %w", err)
	}
	return &network{
		NetworkID:         created.ID().ToStringOutput(),
		NetworkName:       created.Name,
		SubnetworkID:      subnet.ID().ToStringOutput(),
		SubnetworkName:    subnet.Name,
		PodsRangeName:     pods,
		ServicesRangeName: services,
	}, nil
}

// newCloudNAT gives the private nodes a way out to the internet, for images
// outside Google's registries, through a Cloud Router in the subnetwork's
// region. Only errors are logged, to keep logging costs down.
func newCloudNAT(ctx *pulumi.Context, name string, args networkArgs, networkID pulumi.StringOutput,
	opts ...pulumi.ResourceOption,
) error {
	router, err := gcp.NewRouter(ctx, name+"-router", gcp.Inputs{
		"project": pulumi.String(args.Project),
		"region":  pulumi.String(args.Region),
		"name":    pulumi.String(networkChildName(args.Network, "-router")),
		"network": networkID,
	}, opts...)
	if err != nil {
		return fmt.Errorf("creating Cloud Router: %w", err)
	}
	_, err = gcp.NewRouterNat(ctx, name+"-nat", gcp.Inputs{
		"project":                       pulumi.String(args.Project),
		"region":                        pulumi.String(args.Region),
		"router":                        router.Name,
		"name":                          pulumi.String(networkChildName(args.Network, "-nat")),
		"natIpAllocateOption":           pulumi.String("AUTO_ONLY"),
		"sourceSubnetworkIpRangesToNat": pulumi.String("ALL_SUBNETWORKS_ALL_IP_RANGES"),
		"logConfig": gcp.Inputs{
			"enable": pulumi.Bool(true),
			"filter": pulumi.String("ERRORS_ONLY"),
		},
	}, opts...)
	if err != nil {
		return fmt.Errorf("creating Cloud NAT: %w", err)
	}
	return nil
}
