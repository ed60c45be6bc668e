package workload

import (
	"fmt"

	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	networkingv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/networking/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The GKE metadata server, which a pod calls at 169.254.169.254:80. GKE's
// Workload Identity concepts page
// (cloud.google.com/kubernetes-engine/docs/concepts/workload-identity) says
// "Allow egress to 169.254.169.252/32 on port 988. For clusters running GKE
// Dataplane V2, ensure that you allowed egress to 169.254.169.254/32 on port
// 80": gkewi's clusters run Dataplane V2, so it allows those two and no
// other port. 127.0.0.1/32 on port 988 served only clusters older than
// 1.21.0-gke.1000, which the REGULAR channel no longer creates. Private
// Google Access's page recommends allowing 34.126.0.0/18, where Google's
// APIs answer gRPC's direct connectivity, with the API endpoints.
const (
	metadataServerCIDR        = "169.254.169.254/32"
	metadataServerPort        = 80
	metadataServerBackendCIDR = "169.254.169.252/32"
	metadataServerBackendPort = 988
	directConnectivityCIDR    = "34.126.0.0/18"
	// nodeLocalDNSCIDR is where NodeLocal DNSCache listens on every node
	// (cloud.google.com/kubernetes-engine/docs/how-to/nodelocal-dns-cache).
	nodeLocalDNSCIDR = "169.254.20.10/32"
	googleAPIsPort   = 443
)

// newNetworkPolicies admits no traffic to the job's pods, which serve
// nothing, and, when asked, lets them reach only DNS, the GKE metadata
// server and Google's APIs. They select the job's pods alone, so that a
// namespace that other workloads share keeps its own rules.
func newNetworkPolicies(ctx *pulumi.Context, name string, args Args, namespace pulumi.StringOutput,
	labels pulumi.StringMap, opts ...pulumi.ResourceOption,
) ([]pulumi.Resource, error) {
	type wanted struct {
		suffix, policyType string
		egress             networkingv1.NetworkPolicyEgressRuleArray
	}
	var specs []wanted
	if args.DenyIngress {
		specs = append(specs, wanted{"-deny-ingress", "Ingress", nil})
	}
	if args.RestrictEgress != "" {
		specs = append(specs, wanted{"-restrict-egress", "Egress", egressRules(args.APIsCIDR, args.Placement.Autopilot)})
	}
	var policies []pulumi.Resource
	for _, spec := range specs {
		policy, err := networkingv1.NewNetworkPolicy(ctx, name+spec.suffix, &networkingv1.NetworkPolicyArgs{
			Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(args.CronJobName + spec.suffix), Namespace: namespace, Labels: labels},
			Spec: &networkingv1.NetworkPolicySpecArgs{
				PodSelector: &metav1.LabelSelectorArgs{MatchLabels: labels},
				PolicyTypes: pulumi.ToStringArray([]string{spec.policyType}),
				Egress:      spec.egress,
			},
		}, opts...)
		if err != nil {
			return nil, fmt.Errorf("creating the %s NetworkPolicy: %w", spec.policyType, err)
		}
		policies = append(policies, policy)
	}
	return policies, nil
}

// egressRules allow DNS through kube-dns, the GKE metadata server, and the
// endpoints of Google's APIs in apisCIDR, over HTTPS. An Autopilot cluster
// resolves through Cloud DNS, which a pod asks at the metadata server's
// address: "New Autopilot clusters use Cloud DNS, and you can't change the
// DNS provider" (cloud.google.com/kubernetes-engine/docs/concepts/service-discovery),
// and a pod selector never matches that address; and its NodeLocal
// DNSCache, always on there, answers at 169.254.20.10 and from its own
// pods. Where a pod sends DNS on Autopilot is not checked here, so every
// one of those is allowed.
func egressRules(apisCIDR string, autopilot bool) networkingv1.NetworkPolicyEgressRuleArray {
	port := func(protocol string, number int) networkingv1.NetworkPolicyPortArgs {
		return networkingv1.NetworkPolicyPortArgs{Protocol: pulumi.String(protocol), Port: pulumi.Int(number)}
	}
	toBlock := func(cidr string, ports ...networkingv1.NetworkPolicyPortInput) networkingv1.NetworkPolicyEgressRuleArgs {
		return networkingv1.NetworkPolicyEgressRuleArgs{
			To:    networkingv1.NetworkPolicyPeerArray{networkingv1.NetworkPolicyPeerArgs{IpBlock: &networkingv1.IPBlockArgs{Cidr: pulumi.String(cidr)}}},
			Ports: networkingv1.NetworkPolicyPortArray(ports),
		}
	}
	dnsPods := func(app string) networkingv1.NetworkPolicyPeerArgs {
		return networkingv1.NetworkPolicyPeerArgs{
			NamespaceSelector: &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"kubernetes.io/metadata.name": pulumi.String("kube-system")}},
			PodSelector:       &metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{"k8s-app": pulumi.String(app)}},
		}
	}
	dnsPorts := []networkingv1.NetworkPolicyPortInput{port("UDP", 53), port("TCP", 53)}
	dns := networkingv1.NetworkPolicyEgressRuleArgs{
		To:    networkingv1.NetworkPolicyPeerArray{dnsPods("kube-dns")},
		Ports: networkingv1.NetworkPolicyPortArray(dnsPorts),
	}
	metadataServer := toBlock(metadataServerCIDR, port("TCP", metadataServerPort))
	rules := networkingv1.NetworkPolicyEgressRuleArray{dns}
	if autopilot {
		dns.To = networkingv1.NetworkPolicyPeerArray{dnsPods("kube-dns"), dnsPods("node-local-dns")}
		metadataServer = toBlock(metadataServerCIDR, append([]networkingv1.NetworkPolicyPortInput{port("TCP", metadataServerPort)}, dnsPorts...)...)
		rules = networkingv1.NetworkPolicyEgressRuleArray{dns, toBlock(nodeLocalDNSCIDR, dnsPorts...)}
	}
	return append(rules,
		metadataServer,
		toBlock(metadataServerBackendCIDR, port("TCP", metadataServerBackendPort)),
		toBlock(apisCIDR, port("TCP", googleAPIsPort)),
		toBlock(directConnectivityCIDR, port("TCP", googleAPIsPort)),
	)
}
