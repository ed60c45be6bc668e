package components

import (
	"fmt"
	"strings"

	"github.com/gkewi/gkewi/components/internal/gcp"
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
func flowLogs() gcp.Inputs {
	return gcp.Inputs{
		"aggregationInterval": pulumi.String("INTERVAL_5_SEC"),
		"flowSampling":        pulumi.Float64(0.5),
		"metadata":            pulumi.String("INCLUDE_ALL_METADATA"),
	}
}

// privateZone is a private Cloud DNS zone that sends a domain of Google's
// to the endpoints of its Private Google Access option.
type privateZone struct {
	// suffix names the zone's resources after the component and its Cloud
	// DNS zone after the network.
	suffix, domain string
	records        []dnsRecord
}

type dnsRecord struct {
	suffix, name, kind string
	data               []string
}

// privateZones are the zones of Google's recipes for both options: all of
// googleapis.com through the option's host, and the registries' domains,
// gcr.io and pkg.dev, whose images the nodes pull, straight to its
// addresses. Without the registries' zones the nodes pull from the public
// addresses, which a VPC Service Controls perimeter refuses:
// https://cloud.google.com/vpc-service-controls/docs/set-up-gke (restricted)
// and https://cloud.google.com/vpc/docs/configure-private-google-access#config-domain
// (private), as terraform-google-network's private-service-connect module
// (modules/private-service-connect/dns.tf) builds them.
func privateZones(option string) []privateZone {
	endpoint := googleAPIsEndpoints[option]
	registry := func(suffix, domain string) privateZone {
		return privateZone{suffix, domain, []dnsRecord{
			{"-a", domain, "A", endpoint.addrs},
			{"-cname", "*." + domain, "CNAME", []string{domain}},
		}}
	}
	return []privateZone{
		{"-googleapis", "googleapis.com.", []dnsRecord{
			{"-a", endpoint.host, "A", endpoint.addrs},
			{"-cname", "*.googleapis.com.", "CNAME", []string{endpoint.host}},
		}},
		registry("-gcr-io", "gcr.io."),
		registry("-pkg-dev", "pkg.dev."),
	}
}

// newGoogleAPIsZones make Google's APIs and registries resolve, inside the
// VPC, to the private or restricted endpoints, the only Google addresses that
// the job's egress NetworkPolicy lets it reach.
func newGoogleAPIsZones(ctx *pulumi.Context, name string, args networkArgs, networkID pulumi.StringOutput,
	opts ...pulumi.ResourceOption,
) error {
	endpoint := googleAPIsEndpoints[args.RestrictEgress]
	for _, z := range privateZones(args.RestrictEgress) {
		zone, err := dns.NewManagedZone(ctx, name+z.suffix+"-zone", &dns.ManagedZoneArgs{
			Project:     pulumi.String(args.Project),
			Name:        pulumi.String(networkChildName(args.Network, z.suffix)),
			DnsName:     pulumi.String(z.domain),
			Description: pulumi.Sprintf("gkewi: %s through %s", strings.TrimSuffix(z.domain, "."), endpoint.host),
			Visibility:  pulumi.String("private"),
			PrivateVisibilityConfig: &dns.ManagedZonePrivateVisibilityConfigArgs{
				Networks: dns.ManagedZonePrivateVisibilityConfigNetworkArray{
					dns.ManagedZonePrivateVisibilityConfigNetworkArgs{NetworkUrl: networkID},
				},
			},
		}, opts...)
		if err != nil {
			return fmt.Errorf("creating the %s zone: %w", z.domain, err)
		}
		for _, r := range z.records {
			_, err := dns.NewRecordSet(ctx, name+z.suffix+r.suffix, &dns.RecordSetArgs{
				Project:     pulumi.String(args.Project),
				ManagedZone: zone.Name,
				Name:        pulumi.String(r.name),
				Type:        pulumi.String(r.kind),
				Ttl:         pulumi.Int(300),
				Rrdatas:     pulumi.ToStringArray(r.data),
			}, opts...)
			if err != nil {
				return fmt.Errorf("creating the %s %s record: %w", z.domain, r.kind, err)
			}
		}
	}
	return nil
}
