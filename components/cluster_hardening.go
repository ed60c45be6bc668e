package components

import (
	"fmt"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/kms"
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
	grant, err := kms.NewCryptoKeyIAMMember(ctx, name+"-secrets-key-user", &kms.CryptoKeyIAMMemberArgs{
		CryptoKeyId: pulumi.String(args.SecretsEncryptionKey),
		Role:        pulumi.String(KMSKeyUserRole),
		Member:      pulumi.Sprintf("serviceAccount:service-%s@container-engine-robot.iam.gserviceaccount.com", lookupProjectNumber(ctx, args.Project, parts)),
	}, parts.google()...)
	if err != nil {
		return nil, fmt.Errorf("letting GKE use the Secrets encryption key: %w", err)
	}
	return []pulumi.Resource{grant}, nil
}
