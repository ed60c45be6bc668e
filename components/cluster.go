package components

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NodeServiceAccountRole holds what GKE nodes need (logs, metrics, metadata)
// and nothing else, unlike the default compute service account's Editor.
const NodeServiceAccountRole = "roles/container.defaultNodeServiceAccount"

const (
	cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"
	// gkeMetadata makes pods see the GKE metadata server, which serves
	// Workload Identity tokens and hides the node's own credentials.
	gkeMetadata    = "GKE_METADATA"
	imageType      = "COS_CONTAINERD"
	releaseChannel = "REGULAR"
)

type clusterArgs struct {
	// Location is the zone of a Standard cluster, the region of an
	// Autopilot one.
	Project, Location, Name string
	Autopilot               bool
	// Auth and DeleteUnreachable configure the Kubernetes provider.
	Auth              string
	DeleteUnreachable *bool
	Network           *network
	MasterCIDR        string
	// AuthorizedNetworks given as an Output are checked once known, with
	// AllowAnywhere and PrivateEndpoint as the rules' context.
	AuthorizedNetworks                  pulumi.StringArrayInput
	AllowAnywhere                       bool
	DeletionProtection                  bool
	NodePoolName, MachineType, DiskType string
	NodeCount, DiskSizeGB               int
	Preemptible, Spot                   bool
	// RegistryProject holds the job's image, which the nodes must pull; ""
	// when the image needs no grant.
	RegistryProject string
	// The hardening beyond the defaults that every gkewi cluster has.
	DataplaneV2, PrivateEndpoint, BinaryAuthorization bool
	SecretsEncryptionKey, MaintenanceWindow           string
}

// clusterArgs is what this part takes from the component's arguments.
func (args WorkloadIdentityCronJobArgs) clusterArgs(net *network) clusterArgs {
	return clusterArgs{
		Project:              args.Project,
		Location:             args.clusterLocation(),
		Autopilot:            args.EnableAutopilot,
		Name:                 args.ClusterName,
		Auth:                 args.KubernetesAuth,
		DeleteUnreachable:    args.DeleteUnreachable,
		Network:              net,
		MasterCIDR:           args.MasterCIDR,
		AuthorizedNetworks:   args.AuthorizedNetworks,
		AllowAnywhere:        args.AllowControlPlaneFromAnywhere,
		DeletionProtection:   *args.DeletionProtection,
		NodePoolName:         args.NodePoolName,
		MachineType:          args.MachineType,
		NodeCount:            *args.NodeCount,
		DiskSizeGB:           *args.DiskSizeGB,
		DiskType:             args.DiskType,
		Preemptible:          *args.Preemptible,
		Spot:                 args.Spot,
		RegistryProject:      args.registryProject(),
		DataplaneV2:          *args.DataplaneV2,
		PrivateEndpoint:      args.PrivateEndpoint,
		BinaryAuthorization:  args.BinaryAuthorization,
		SecretsEncryptionKey: args.SecretsEncryptionKey,
		MaintenanceWindow:    args.MaintenanceWindow,
	}
}

type cluster struct {
	Name, Endpoint, WorkloadPool pulumi.StringOutput
	// Autopilot clusters refuse the metadata server's node selector.
	Autopilot           bool
	Network, Subnetwork pulumi.StringOutput
	// Kubeconfig is secret: it names the cluster's CA and endpoint.
	Kubeconfig         pulumi.StringOutput
	KubernetesProvider *kubernetes.Provider
	// NodesReady must exist before a pod can be scheduled, and ImagePullable
	// before the nodes can pull the job's image.
	NodesReady, ImagePullable []pulumi.Resource
}

type kubeconfigClusterArgs struct {
	// Kubeconfig (contents or a path) is used when Provider is nil.
	Kubeconfig pulumi.StringInput
	Provider   *kubernetes.Provider
	// Name is the cluster's name, if known; it only fills in outputs.
	Name, WorkloadPool string
	DeleteUnreachable  *bool
}

// kubeconfigClusterArgs is what this part takes from the component's arguments.
func (args WorkloadIdentityCronJobArgs) kubeconfigClusterArgs() kubeconfigClusterArgs {
	return kubeconfigClusterArgs{
		Kubeconfig:        args.Kubeconfig,
		Provider:          args.KubernetesProvider,
		Name:              args.ClusterName,
		WorkloadPool:      workloadPool(args.ClusterProject),
		DeleteUnreachable: args.DeleteUnreachable,
	}
}

// useKubeconfigCluster creates no cloud resource: it talks to a cluster that
// exists, through the given provider or one made from the kubeconfig, and
// checks nothing about it.
func useKubeconfigCluster(ctx *pulumi.Context, name string, args kubeconfigClusterArgs, parts partOptions,
) (*cluster, error) {
	opts := parts.local()
	none := pulumi.String("").ToStringOutput()
	kubeconfig := secretString(none)
	provider := args.Provider
	if provider == nil {
		kubeconfig = givenKubeconfig(name, args.Kubeconfig)
		var err error
		if provider, err = kubernetesProvider(ctx, name, kubeconfig, args.DeleteUnreachable, opts...); err != nil {
			return nil, err
		}
	}
	return &cluster{
		Name:               pulumi.String(args.Name).ToStringOutput(),
		Endpoint:           none,
		WorkloadPool:       pulumi.String(args.WorkloadPool).ToStringOutput(),
		Network:            none,
		Subnetwork:         none,
		Kubeconfig:         kubeconfig,
		KubernetesProvider: provider,
	}, nil
}

// givenKubeconfig is the kubeconfig given, as a secret whatever the caller
// gave, so that neither the provider's state nor the component's output
// shows it; one given as an Output is checked once known.
func givenKubeconfig(component string, kubeconfig pulumi.StringInput) pulumi.StringOutput {
	return secretString(onceKnown(component, kubeconfig.ToStringOutput(), (*validator).resolvedKubeconfig))
}

type namedClusterArgs struct {
	Live *liveCluster
	// Auth and DeleteUnreachable configure the Kubernetes provider.
	Auth              string
	DeleteUnreachable *bool
}

// namedClusterArgs is what this part takes from the component's arguments.
func (args WorkloadIdentityCronJobArgs) namedClusterArgs(live *liveCluster) namedClusterArgs {
	return namedClusterArgs{Live: live, Auth: args.KubernetesAuth, DeleteUnreachable: args.DeleteUnreachable}
}

// useNamedCluster creates no cloud resource: it talks to a cluster that the
// preflight looked up, the way it talks to one it creates.
func useNamedCluster(ctx *pulumi.Context, name string, args namedClusterArgs, parts partOptions) (*cluster, error) {
	live := args.Live
	// Nothing here calls a Google API: the preflight has looked the cluster up.
	local := partOptions{parent: parts.parent}
	kubeconfig, provider, err := gkeProvider(ctx, name, pulumi.ToOutput(live.access), args.Auth, args.DeleteUnreachable, local)
	if err != nil {
		return nil, err
	}
	return &cluster{
		Name:               pulumi.String(live.access.Name).ToStringOutput(),
		Autopilot:          live.autopilot,
		Endpoint:           pulumi.String(live.access.Endpoint).ToStringOutput(),
		WorkloadPool:       pulumi.String(live.workloadPool).ToStringOutput(),
		Network:            pulumi.String(live.network).ToStringOutput(),
		Subnetwork:         pulumi.String(live.subnetwork).ToStringOutput(),
		Kubeconfig:         kubeconfig,
		KubernetesProvider: provider,
	}, nil
}

// newCluster creates the nodes' own service account, a private, VPC-native,
// zonal cluster with Workload Identity and its node pool, or a regional
// Autopilot cluster, and a Kubernetes provider that talks to it.
func newCluster(ctx *pulumi.Context, name string, args clusterArgs, parts partOptions) (*cluster, error) {
	opts := parts.google()
	nodeSA, nodeGrant, err := newNodeServiceAccount(ctx, name, args, parts)
	if err != nil {
		return nil, err
	}
	keyGrant, err := grantSecretsEncryption(ctx, name, args, parts)
	if err != nil {
		return nil, err
	}
	clusterArgs := &container.ClusterArgs{
		Project:               pulumi.String(args.Project),
		Location:              pulumi.String(args.Location),
		Name:                  pulumi.String(args.Name),
		Network:               args.Network.NetworkID,
		Subnetwork:            args.Network.SubnetworkID,
		DeletionProtection:    pulumi.Bool(args.DeletionProtection),
		RemoveDefaultNodePool: pulumi.Bool(true),
		InitialNodeCount:      pulumi.Int(1),
		NodeConfig:            defaultPoolNodeConfig(nodeSA.Email),
		NetworkingMode:        pulumi.String("VPC_NATIVE"),
		IpAllocationPolicy:    ipAllocationPolicy(args.Network),
		WorkloadIdentityConfig: &container.ClusterWorkloadIdentityConfigArgs{
			WorkloadPool: pulumi.String(workloadPool(args.Project)),
		},
		PrivateClusterConfig: privateClusterConfig(args),
		MasterAuthorizedNetworksConfig: &container.ClusterMasterAuthorizedNetworksConfigArgs{
			CidrBlocks: authorizedNetworks(name, args),
		},
		MasterAuth: &container.ClusterMasterAuthArgs{
			ClientCertificateConfig: &container.ClusterMasterAuthClientCertificateConfigArgs{
				IssueClientCertificate: pulumi.Bool(false),
			},
		},
		EnableLegacyAbac:    pulumi.Bool(false),
		EnableShieldedNodes: pulumi.Bool(true),
		ReleaseChannel:      &container.ClusterReleaseChannelArgs{Channel: pulumi.String(releaseChannel)},
		DatapathProvider:    datapathProvider(args.DataplaneV2),
		MaintenancePolicy: &container.ClusterMaintenancePolicyArgs{
			DailyMaintenanceWindow: &container.ClusterMaintenancePolicyDailyMaintenanceWindowArgs{
				StartTime: pulumi.String(args.MaintenanceWindow),
			},
		},
		BinaryAuthorization: binaryAuthorization(args.BinaryAuthorization),
		DatabaseEncryption:  databaseEncryption(args.SecretsEncryptionKey),
	}
	if args.Autopilot {
		clusterArgs = autopilotCluster(clusterArgs, nodeSA.Email)
	}
	gke, err := container.NewCluster(ctx, name+"-cluster", clusterArgs, slices.Concat(opts, []pulumi.ResourceOption{
		pulumi.DependsOn(slices.Concat([]pulumi.Resource{nodeGrant}, keyGrant)),
		pulumi.Protect(args.DeletionProtection),
		// The default pool's node config only matters while GKE creates and
		// removes that pool; GKE reports it differently afterwards, and on
		// Autopilot reports its own.
		pulumi.IgnoreChanges([]string{"nodeConfig"}),
	})...)
	if err != nil {
		return nil, fmt.Errorf("creating cluster: %w", err)
	}
	// The Kubernetes objects wait for the route export: without it a client
	// over a VPN gets no answer from a private endpoint.
	routes, err := exportRoutesToControlPlane(ctx, name, args, gke, parts)
	if err != nil {
		return nil, err
	}
	nodesReady, err := newNodes(ctx, name, args, gke, nodeSA.Email, parts)
	if err != nil {
		return nil, err
	}
	pullable, err := grantImagePull(ctx, name, args.RegistryProject, nodeSA.Email, parts)
	if err != nil {
		return nil, err
	}
	access := pulumi.All(gke.Name, gke.Endpoint, gke.MasterAuth.ClusterCaCertificate().Elem()).ApplyT(
		func(v []any) any {
			return clusterAccess{Project: args.Project, Location: args.Location, Name: v[0].(string),
				Endpoint: v[1].(string), CACertificate: v[2].(string)}
		})
	kubeconfig, provider, err := gkeProvider(ctx, name, access, args.Auth, args.DeleteUnreachable, parts, routes...)
	if err != nil {
		return nil, err
	}
	return &cluster{
		Name:               gke.Name,
		Endpoint:           gke.Endpoint,
		WorkloadPool:       gke.WorkloadIdentityConfig.WorkloadPool().Elem(),
		Kubeconfig:         kubeconfig,
		KubernetesProvider: provider,
		NodesReady:         nodesReady,
		Autopilot:          args.Autopilot,
		ImagePullable:      pullable,
		Network:            args.Network.NetworkName,
		Subnetwork:         args.Network.SubnetworkName,
	}, nil
}

// newNodes creates the job's node pool; an Autopilot cluster has nodes as
// soon as it exists, and provisions more as pods ask for them.
func newNodes(ctx *pulumi.Context, name string, args clusterArgs, gke *container.Cluster, nodeSA pulumi.StringOutput,
	parts partOptions,
) ([]pulumi.Resource, error) {
	if args.Autopilot {
		return []pulumi.Resource{gke}, nil
	}
	pool, err := newNodePool(ctx, name, args, gke.Name, nodeSA, parts)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{pool}, nil
}

// newNodeServiceAccount gives the nodes an account of their own, so that they
// never run as the project's default compute service account.
func newNodeServiceAccount(ctx *pulumi.Context, name string, args clusterArgs, parts partOptions,
) (*serviceaccount.Account, pulumi.Resource, error) {
	opts := parts.google()
	suffix, err := randomSuffix(ctx, name+"-node-sa-suffix", nil, parts.local()...)
	if err != nil {
		return nil, nil, err
	}
	nodeSA, err := serviceaccount.NewAccount(ctx, name+"-node-sa", &serviceaccount.AccountArgs{
		Project:     pulumi.String(args.Project),
		AccountId:   derivedAccountID(name, "-nodes", suffix),
		DisplayName: pulumi.Sprintf("gkewi nodes of %s", args.Name),
	}, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("creating node service account: %w", err)
	}
	grant, err := projects.NewIAMMember(ctx, name+"-node-sa-role", &projects.IAMMemberArgs{
		Project: pulumi.String(args.Project),
		Role:    pulumi.String(NodeServiceAccountRole),
		Member:  pulumi.Sprintf("serviceAccount:%s", nodeSA.Email),
	}, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("granting the node service account its role: %w", err)
	}
	return nodeSA, grant, nil
}

// newNodePool creates the job's node pool. Its name ends in a random suffix
// that changes with every setting that forces a new pool, so that a change
// creates the new pool before it deletes the old one and the job always has
// a node, as terraform-google-kubernetes-engine's update-variant modules do
// with random_id keepers and create_before_destroy.
func newNodePool(ctx *pulumi.Context, name string, args clusterArgs, clusterName, nodeSA pulumi.StringOutput,
	parts partOptions,
) (*container.NodePool, error) {
	config := &container.NodePoolNodeConfigArgs{
		MachineType:    pulumi.String(args.MachineType),
		DiskSizeGb:     pulumi.Int(args.DiskSizeGB),
		DiskType:       pulumi.String(args.DiskType),
		ImageType:      pulumi.String(imageType),
		Preemptible:    pulumi.Bool(args.Preemptible),
		Spot:           pulumi.Bool(args.Spot),
		ServiceAccount: nodeSA,
		OauthScopes:    pulumi.StringArray{pulumi.String(cloudPlatformScope)},
		Metadata:       pulumi.StringMap{"disable-legacy-endpoints": pulumi.String("true")},
		WorkloadMetadataConfig: &container.NodePoolNodeConfigWorkloadMetadataConfigArgs{
			Mode: pulumi.String(gkeMetadata),
		},
		ShieldedInstanceConfig: &container.NodePoolNodeConfigShieldedInstanceConfigArgs{
			EnableSecureBoot:          pulumi.Bool(true),
			EnableIntegrityMonitoring: pulumi.Bool(true),
		},
	}
	suffix, err := randomSuffix(ctx, name+"-node-pool-suffix", pulumi.StringMap{
		"name":           pulumi.String(args.NodePoolName),
		"machineType":    pulumi.String(args.MachineType),
		"diskSizeGb":     pulumi.String(fmt.Sprint(args.DiskSizeGB)),
		"diskType":       pulumi.String(args.DiskType),
		"imageType":      pulumi.String(imageType),
		"preemptible":    pulumi.String(fmt.Sprint(args.Preemptible)),
		"spot":           pulumi.String(fmt.Sprint(args.Spot)),
		"serviceAccount": nodeSA,
	}, parts.local()...)
	if err != nil {
		return nil, err
	}
	pool, err := container.NewNodePool(ctx, name+"-node-pool", &container.NodePoolArgs{
		Project:    pulumi.String(args.Project),
		Location:   pulumi.String(args.Location),
		Cluster:    clusterName,
		Name:       pulumi.Sprintf("%s-%s", args.NodePoolName, suffix),
		NodeCount:  pulumi.Int(args.NodeCount),
		NodeConfig: config,
		Management: &container.NodePoolManagementArgs{
			AutoRepair:  pulumi.Bool(true),
			AutoUpgrade: pulumi.Bool(true),
		},
	}, parts.google()...)
	if err != nil {
		return nil, fmt.Errorf("creating node pool: %w", err)
	}
	return pool, nil
}

// grantImagePull lets the nodes pull from the registries of project, and of
// no other: gkewi's own pods use a public image.
func grantImagePull(ctx *pulumi.Context, name, project string, nodeSA pulumi.StringOutput, parts partOptions,
) ([]pulumi.Resource, error) {
	if project == "" {
		return nil, nil
	}
	grant, err := projects.NewIAMMember(ctx, name+"-node-sa-registry-reader", &projects.IAMMemberArgs{
		Project: pulumi.String(project),
		Role:    pulumi.String(ArtifactRegistryReaderRole),
		Member:  pulumi.Sprintf("serviceAccount:%s", nodeSA),
	}, parts.google()...)
	if err != nil {
		return nil, fmt.Errorf("letting the nodes pull from %s: %w", project, err)
	}
	return []pulumi.Resource{grant}, nil
}

// defaultPoolNodeConfig hardens the default pool that GKE creates and removes
// again, so that even its short-lived nodes never run as the default compute
// service account or expose the node's metadata.
func defaultPoolNodeConfig(nodeSA pulumi.StringOutput) *container.ClusterNodeConfigArgs {
	return &container.ClusterNodeConfigArgs{
		ServiceAccount: nodeSA,
		OauthScopes:    pulumi.StringArray{pulumi.String(cloudPlatformScope)},
		Metadata:       pulumi.StringMap{"disable-legacy-endpoints": pulumi.String("true")},
		WorkloadMetadataConfig: &container.ClusterNodeConfigWorkloadMetadataConfigArgs{
			Mode: pulumi.String(gkeMetadata),
		},
		ShieldedInstanceConfig: &container.ClusterNodeConfigShieldedInstanceConfigArgs{
			EnableSecureBoot:          pulumi.Bool(true),
			EnableIntegrityMonitoring: pulumi.Bool(true),
		},
	}
}

// authorizedNetworks are the control plane's CIDR blocks, from a list that
// Validate checked when it was plain and that is checked here once known
// when it is an Output, such as a CI runner's reserved address.
func authorizedNetworks(component string, args clusterArgs) container.ClusterMasterAuthorizedNetworksConfigCidrBlockArrayOutput {
	cidrs := onceKnown(component, args.AuthorizedNetworks.ToStringArrayOutput(), func(v *validator, cidrs []string) {
		v.authorizedNetworks(cidrs, args.AllowAnywhere, args.PrivateEndpoint)
	})
	return cidrs.ApplyT(func(cidrs []string) []container.ClusterMasterAuthorizedNetworksConfigCidrBlock {
		blocks := make([]container.ClusterMasterAuthorizedNetworksConfigCidrBlock, len(cidrs))
		for i, cidr := range cidrs {
			blocks[i] = container.ClusterMasterAuthorizedNetworksConfigCidrBlock{
				CidrBlock:   cidr,
				DisplayName: pulumi.StringRef(fmt.Sprintf("authorized-%d", i)),
			}
		}
		return blocks
	}).(container.ClusterMasterAuthorizedNetworksConfigCidrBlockArrayOutput)
}
