package components

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/dns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// googleAPIsEndpoints are the addresses of the endpoints that Private Google
// Access serves for all of Google's APIs (private.googleapis.com) or for
// those that VPC Service Controls supports (restricted.googleapis.com):
// https://cloud.google.com/vpc/docs/configure-private-google-access#config-options
var googleAPIsEndpoints = map[string]struct {
	host  string
	cidr  string
	addrs []string
}{
	PrivateGoogleAPIs: {"private.googleapis.com.", "199.36.153.8/30",
		[]string{"199.36.153.8", "199.36.153.9", "199.36.153.10", "199.36.153.11"}},
	RestrictedGoogleAPIs: {"restricted.googleapis.com.", "199.36.153.4/30",
		[]string{"199.36.153.4", "199.36.153.5", "199.36.153.6", "199.36.153.7"}},
}

// flowLogs samples half of the subnetwork's flows every 5 seconds, with
// their metadata, as Google's examples do.
func flowLogs(on bool) *compute.SubnetworkLogConfigArgs {
	if !on {
		return nil
	}
	return &compute.SubnetworkLogConfigArgs{
		AggregationInterval: pulumi.String("INTERVAL_5_SEC"),
		FlowSampling:        pulumi.Float64(0.5),
		Metadata:            pulumi.String("INCLUDE_ALL_METADATA"),
	}
}

// newGoogleAPIsZone makes *.googleapis.com resolve, inside the VPC, to the
// private or restricted endpoints, the only Google addresses that the job's
// egress NetworkPolicy lets it reach.
func newGoogleAPIsZone(ctx *pulumi.Context, name string, args networkArgs, networkID pulumi.StringOutput,
	opts ...pulumi.ResourceOption,
) error {
	endpoint := googleAPIsEndpoints[args.RestrictEgress]
	zone, err := dns.NewManagedZone(ctx, name+"-googleapis-zone", &dns.ManagedZoneArgs{
		Project:     pulumi.String(args.Project),
		Name:        pulumi.String(networkChildName(args.Network, "-googleapis")),
		DnsName:     pulumi.String("googleapis.com."),
		Description: pulumi.Sprintf("gkewi: googleapis.com through %s", endpoint.host),
		Visibility:  pulumi.String("private"),
		PrivateVisibilityConfig: &dns.ManagedZonePrivateVisibilityConfigArgs{
			Networks: dns.ManagedZonePrivateVisibilityConfigNetworkArray{
				dns.ManagedZonePrivateVisibilityConfigNetworkArgs{NetworkUrl: networkID},
			},
		},
	}, opts...)
	if err != nil {
		return fmt.Errorf("creating the googleapis.com zone: %w", err)
	}
	records := []struct {
		suffix, name, kind string
		data               []string
	}{
		{"-googleapis-a", endpoint.host, "A", endpoint.addrs},
		{"-googleapis-cname", "*.googleapis.com.", "CNAME", []string{endpoint.host}},
	}
	for _, r := range records {
		_, err := dns.NewRecordSet(ctx, name+r.suffix, &dns.RecordSetArgs{
			Project:     pulumi.String(args.Project),
			ManagedZone: zone.Name,
			Name:        pulumi.String(r.name),
			Type:        pulumi.String(r.kind),
			Ttl:         pulumi.Int(300),
			Rrdatas:     pulumi.ToStringArray(r.data),
		}, opts...)
		if err != nil {
			return fmt.Errorf("creating the googleapis.com %s record: %w", r.kind, err)
		}
	}
	return nil
}
