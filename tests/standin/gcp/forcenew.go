package main

// forceNewInputs are, for each type, the inputs gkewi sets whose change
// makes the real provider replace the resource (Terraform's ForceNew).
// pulumi-gcp v7.38.0 bridges terraform-provider-google-beta v5.42.0 (its
// `upstream` submodule at a78523434d61), and neither its patches nor its
// provider/resources.go change a ForceNew; the lines below are in that
// commit, under google-beta/services/. A dotted path is a nested field; a
// block such as nodeConfig is ForceNew only when it is added or removed,
// so only its ForceNew fields are listed. The IAM members have no update at
// all (tpgiamresource/resource_iam_member.go L48-87).
var forceNewInputs = map[string][]string{
	// resourcemanager/resource_google_project_service.go L104-127
	"gcp:projects/service:Service": {"project", "service"},
	// resourcemanager/iam_project.go L17-22
	"gcp:projects/iAMMember:IAMMember": {"project", "role", "member", "condition"},
	// resourcemanager/resource_project_service_identity.go L35-45
	"gcp:projects/serviceIdentity:ServiceIdentity": {"project", "service"},
	// resourcemanager/resource_google_service_account.go L51-56, L76-81
	"gcp:serviceaccount/account:Account": {"accountId", "project"},
	// resourcemanager/iam_service_account.go L19-25
	"gcp:serviceaccount/iAMMember:IAMMember": {"serviceAccountId", "role", "member", "condition"},
	// kms/iam_kms_crypto_key.go L18-23
	"gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": {"cryptoKeyId", "role", "member", "condition"},
	// compute/resource_compute_network.go L62, L75, L161
	"gcp:compute/network:Network": {"name", "project", "autoCreateSubnetworks"},
	// compute/resource_compute_subnetwork.go L126, L139, L270, L369; a range
	// that does not contain the old one also replaces it (L108, L39-55):
	// subnetworkShrinks.
	"gcp:compute/subnetwork:Subnetwork": {"name", "project", "region", "network"},
	// compute/resource_compute_router.go L77-214
	"gcp:compute/router:Router": {"name", "project", "region", "network"},
	// compute/resource_compute_router_nat.go L220, L228, L362, L423
	"gcp:compute/routerNat:RouterNat": {"name", "router", "region", "project"},
	// compute/resource_compute_network_peering_routes_config.go L81: only
	// project; network (L66) and peering (L72) update in place.
	"gcp:compute/networkPeeringRoutesConfig:NetworkPeeringRoutesConfig": {"project"},
	// dns/resource_dns_managed_zone.go L65, L71, L332, L382
	"gcp:dns/managedZone:ManagedZone": {"name", "project", "dnsName", "visibility"},
	// dns/resource_dns_record_set.go L107, L115, L237
	"gcp:dns/recordSet:RecordSet": {"name", "project", "managedZone"},
	// The resource-level IAM members, as the others; and DatasetAccess,
	// which has no update either (bigquery/resource_bigquery_dataset_access.go:
	// every argument ForceNew).
	"gcp:storage/bucketIAMMember:BucketIAMMember":            {"bucket", "role", "member", "condition"},
	"gcp:secretmanager/secretIamMember:SecretIamMember":      {"secretId", "project", "role", "member", "condition"},
	"gcp:pubsub/topicIAMMember:TopicIAMMember":               {"topic", "project", "role", "member", "condition"},
	"gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember": {"subscription", "project", "role", "member", "condition"},
	"gcp:bigquery/datasetAccess:DatasetAccess":               {"datasetId", "project", "role", "userByEmail", "iamMember"},
	// container/resource_container_cluster.go L236-239, L269-273,
	// L1013-1016, L1370-1383, L1434-1438, L1557-1569, L1598-1647,
	// L1694-1698, L1731, L1739, L1987-1990; node_config.go L354-469 for the
	// node config, whose labels and workloadMetadataConfig the cluster also
	// forces (clusterSchemaNodeConfig L103-136); and enable_autopilot
	// (L982-987 at the v5.41.0 tag).
	"gcp:container/cluster:Cluster": {
		"name", "project", "location", "network", "subnetwork", "networkingMode", "datapathProvider",
		"initialNodeCount", "ipAllocationPolicy.clusterSecondaryRangeName",
		"ipAllocationPolicy.servicesSecondaryRangeName", "privateClusterConfig.enablePrivateNodes",
		"privateClusterConfig.masterIpv4CidrBlock", "masterAuth.clientCertificateConfig",
		"nodeConfig.metadata", "nodeConfig.oauthScopes", "nodeConfig.serviceAccount", "nodeConfig.preemptible",
		"nodeConfig.spot", "nodeConfig.shieldedInstanceConfig", "nodeConfig.labels",
		"nodeConfig.workloadMetadataConfig", "enableAutopilot",
	},
	// container/resource_container_node_pool.go L58-75; node_config.go as
	// above. machineType, diskSizeGb and diskType update in place since
	// v5.10.0 (L1449-1451): gkewi's pool changes its name with them, so
	// that a new pool is created before the old one goes.
	"gcp:container/nodePool:NodePool": {
		"name", "project", "location", "cluster", "nodeConfig.preemptible", "nodeConfig.spot",
		"nodeConfig.serviceAccount", "nodeConfig.oauthScopes", "nodeConfig.metadata",
		"nodeConfig.shieldedInstanceConfig",
	},
}
