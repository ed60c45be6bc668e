package components

import (
	"fmt"
	"slices"

	"github.com/gkewi/gkewi/components/internal/gcp"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/kms"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	// advancedDatapath is GKE Dataplane V2, which enforces NetworkPolicy
	// with eBPF.
	advancedDatapath = "ADVANCED_DATAPATH"
	// projectPolicyEnforce enforces the project's Binary Authorization policy.
	projectPolicyEnforce = "PROJECT_SINGLETON_POLICY_ENFORCE"
	// KMSKeyUserRole lets GKE's service agent encrypt and decrypt with a key.
	KMSKeyUserRole = "roles/cloudkms.cryptoKeyEncrypterDecrypter"
)

// datapathProvider is unset without Dataplane V2, as before gkewi turned it
// on: the field forces a new cluster, and a cluster made without it reads
// back as unspecified, so any value would replace it.
func datapathProvider(dataplaneV2 bool) pulumi.StringPtrInput {
	if !dataplaneV2 {
		return nil
	}
	return pulumi.String(advancedDatapath)
}

// privateClusterConfig keeps the nodes private always, and the control
// plane's endpoint too when asked, reachable then from every region of the
// VPC (global access), since a CI runner or VPN may sit in another region.
func privateClusterConfig(args clusterArgs) *container.ClusterPrivateClusterConfigArgs {
	config := &container.ClusterPrivateClusterConfigArgs{
		EnablePrivateNodes:    pulumi.Bool(true),
		EnablePrivateEndpoint: pulumi.Bool(args.PrivateEndpoint),
		MasterIpv4CidrBlock:   pulumi.String(args.MasterCIDR),
	}
	if args.PrivateEndpoint {
		config.MasterGlobalAccessConfig = &container.ClusterPrivateClusterConfigMasterGlobalAccessConfigArgs{
			Enabled: pulumi.Bool(true),
		}
	}
	return config
}

// ipAllocationPolicy makes the cluster VPC-native, with the pods and
// services in the subnetwork's secondary ranges, or in ranges that GKE adds
// to a subnetwork gkewi does not own.
func ipAllocationPolicy(net *network) *container.ClusterIpAllocationPolicyArgs {
	if net.PodsRangeName == "" {
		return &container.ClusterIpAllocationPolicyArgs{
			ClusterIpv4CidrBlock:  pulumi.String(net.PodsCIDR),
			ServicesIpv4CidrBlock: pulumi.String(net.ServicesCIDR),
		}
	}
	return &container.ClusterIpAllocationPolicyArgs{
		ClusterSecondaryRangeName:  pulumi.String(net.PodsRangeName),
		ServicesSecondaryRangeName: pulumi.String(net.ServicesRangeName),
	}
}

// exportRoutesToControlPlane exports the VPC's custom routes, among them the
// dynamic routes that a Cloud Router learns from a VPN or Interconnect, over
// the peering with the control plane's network, so that the private
// endpoint's answers find their way back to clients beyond the VPC: Google's
// "GKE private clusters with network proxies" says to "enable route export
// from your VPC network to the Google-owned VPC network"; pulumi-gcp v7.38.0
// documents this resource on privateClusterConfig.peeringName ("Network
// Peering Routes Config Gke"). Nothing is imported from the control plane.
func exportRoutesToControlPlane(ctx *pulumi.Context, name string, args clusterArgs, gke *container.Cluster,
	parts partOptions,
) ([]pulumi.Resource, error) {
	if !args.PrivateEndpoint {
		return nil, nil
	}
	routes, err := gcp.NewNetworkPeeringRoutesConfig(ctx, name+"-control-plane-routes", gcp.Inputs{
		"project":            pulumi.String(args.Project),
		"network":            args.Network.NetworkName,
		"peering":            gke.PrivateClusterConfig.PeeringName().Elem(),
		"exportCustomRoutes": pulumi.Bool(true),
		"importCustomRoutes": pulumi.Bool(false),
	}, parts.google()...)
	if err != nil {
		return nil, fmt.Errorf("exporting the VPC's routes to the control plane: %w", err)
	}
	return []pulumi.Resource{routes}, nil
}

func binaryAuthorization(enforce bool) *container.ClusterBinaryAuthorizationArgs {
	if !enforce {
		return nil
	}
	return &container.ClusterBinaryAuthorizationArgs{EvaluationMode: pulumi.String(projectPolicyEnforce)}
}

func databaseEncryption(key string) *container.ClusterDatabaseEncryptionArgs {
	if key == "" {
		return nil
	}
	return &container.ClusterDatabaseEncryptionArgs{State: pulumi.String("ENCRYPTED"), KeyName: pulumi.String(key)}
}

// grantSecretsEncryption lets GKE's service agent of the project use the
// key that encrypts the cluster's Secrets, before the cluster needs it.
func grantSecretsEncryption(ctx *pulumi.Context, name string, args clusterArgs, parts partOptions,
) ([]pulumi.Resource, error) {
	if args.SecretsEncryptionKey == "" {
		return nil, nil
	}
	agent, err := newGKEServiceAgent(ctx, name, args.Project, parts)
	if err != nil {
		return nil, err
	}
	grant, err := kms.NewCryptoKeyIAMMember(ctx, name+"-secrets-key-user", &kms.CryptoKeyIAMMemberArgs{
		CryptoKeyId: pulumi.String(args.SecretsEncryptionKey),
		Role:        pulumi.String(KMSKeyUserRole),
		Member:      pulumi.Sprintf("serviceAccount:service-%s@container-engine-robot.iam.gserviceaccount.com", lookupProjectNumber(ctx, args.Project, parts)),
	}, slices.Concat(parts.google(), []pulumi.ResourceOption{pulumi.DependsOn([]pulumi.Resource{agent})})...)
	if err != nil {
		return nil, fmt.Errorf("letting GKE use the Secrets encryption key: %w", err)
	}
	return []pulumi.Resource{grant}, nil
}

// newGKEServiceAgent makes Google create GKE's service agent in the project
// now: in a project where GKE has never run, the agent does not exist yet
// when the key is granted to it, and IAM refuses a member that does not
// exist. Google's service agents page (https://cloud.google.com/iam/docs/service-agents)
// says to create an agent before granting it roles, and that agents' creation
// time is not fixed. The member is still built from the project's number,
// known during preview, rather than read from this resource, whose email the
// generateServiceIdentity API does not return for every service; the
// resource only orders the grant. Deleting it is a no-op
// (pulumi-gcp v7.38.0, projects.ServiceIdentity), so a destroy never removes
// the agent that other clusters of the project use.
func newGKEServiceAgent(ctx *pulumi.Context, name, project string, parts partOptions) (pulumi.Resource, error) {
	agent, err := projects.NewServiceIdentity(ctx, name+"-gke-service-agent", &projects.ServiceIdentityArgs{
		Project: pulumi.String(project),
		Service: pulumi.String("container.googleapis.com"),
	}, parts.google()...)
	if err != nil {
		return nil, fmt.Errorf("creating GKE's service agent: %w", err)
	}
	return agent, nil
}
