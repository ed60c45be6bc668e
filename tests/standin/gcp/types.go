package main

import (
	"reflect"

	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/bigquery"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/compute"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/container"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/dns"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/kms"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/organizations"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/projects"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/pubsub"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/secretmanager"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/serviceaccount"
	"github.com/pulumi/pulumi-gcp/sdk/v7/go/gcp/storage"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// resourceType is what the stand-in knows of one resource type of
// pulumi-gcp v7.38.0: its wire shapes, read from the SDK, and how the real
// provider treats it.
type resourceType struct {
	// args and state are the SDK's input and output types, whose
	// ElementType is a struct tagged with the wire names.
	args, state pulumi.Input
	// forceNew are the inputs, among those gkewi sets, that the real
	// provider replaces the resource on (forcenew.go cites each).
	forceNew []string
}

// invokeType is one function of pulumi-gcp v7.38.0: its argument and result
// structs, tagged with the wire names.
type invokeType struct {
	args, result reflect.Type
}

// The types and functions gkewi uses, and no others: the plans in
// tests/testdata/plans name every one.
var (
	resourceTypes = map[string]resourceType{
		"gcp:projects/service:Service":                                      {args: projects.ServiceArgs{}, state: projects.ServiceState{}},
		"gcp:projects/iAMMember:IAMMember":                                  {args: projects.IAMMemberArgs{}, state: projects.IAMMemberState{}},
		"gcp:projects/serviceIdentity:ServiceIdentity":                      {args: projects.ServiceIdentityArgs{}, state: projects.ServiceIdentityState{}},
		"gcp:serviceaccount/account:Account":                                {args: serviceaccount.AccountArgs{}, state: serviceaccount.AccountState{}},
		"gcp:serviceaccount/iAMMember:IAMMember":                            {args: serviceaccount.IAMMemberArgs{}, state: serviceaccount.IAMMemberState{}},
		"gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember":                     {args: kms.CryptoKeyIAMMemberArgs{}, state: kms.CryptoKeyIAMMemberState{}},
		"gcp:compute/network:Network":                                       {args: compute.NetworkArgs{}, state: compute.NetworkState{}},
		"gcp:compute/subnetwork:Subnetwork":                                 {args: compute.SubnetworkArgs{}, state: compute.SubnetworkState{}},
		"gcp:compute/router:Router":                                         {args: compute.RouterArgs{}, state: compute.RouterState{}},
		"gcp:compute/routerNat:RouterNat":                                   {args: compute.RouterNatArgs{}, state: compute.RouterNatState{}},
		"gcp:compute/networkPeeringRoutesConfig:NetworkPeeringRoutesConfig": {args: compute.NetworkPeeringRoutesConfigArgs{}, state: compute.NetworkPeeringRoutesConfigState{}},
		"gcp:dns/managedZone:ManagedZone":                                   {args: dns.ManagedZoneArgs{}, state: dns.ManagedZoneState{}},
		"gcp:dns/recordSet:RecordSet":                                       {args: dns.RecordSetArgs{}, state: dns.RecordSetState{}},
		"gcp:container/cluster:Cluster":                                     {args: container.ClusterArgs{}, state: container.ClusterState{}},
		"gcp:container/nodePool:NodePool":                                   {args: container.NodePoolArgs{}, state: container.NodePoolState{}},
		"gcp:storage/bucketIAMMember:BucketIAMMember":                       {args: storage.BucketIAMMemberArgs{}, state: storage.BucketIAMMemberState{}},
		"gcp:secretmanager/secretIamMember:SecretIamMember":                 {args: secretmanager.SecretIamMemberArgs{}, state: secretmanager.SecretIamMemberState{}},
		"gcp:pubsub/topicIAMMember:TopicIAMMember":                          {args: pubsub.TopicIAMMemberArgs{}, state: pubsub.TopicIAMMemberState{}},
		"gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember":            {args: pubsub.SubscriptionIAMMemberArgs{}, state: pubsub.SubscriptionIAMMemberState{}},
		"gcp:bigquery/datasetAccess:DatasetAccess":                          {args: bigquery.DatasetAccessArgs{}, state: bigquery.DatasetAccessState{}},
	}
	invokeTypes = map[string]invokeType{
		"gcp:organizations/getProject:getProject":    {reflect.TypeFor[organizations.LookupProjectArgs](), reflect.TypeFor[organizations.LookupProjectResult]()},
		"gcp:serviceaccount/getAccount:getAccount":   {reflect.TypeFor[serviceaccount.LookupAccountArgs](), reflect.TypeFor[serviceaccount.LookupAccountResult]()},
		"gcp:container/getCluster:getCluster":        {reflect.TypeFor[container.LookupClusterArgs](), reflect.TypeFor[container.LookupClusterResult]()},
		"gcp:compute/getNetwork:getNetwork":          {reflect.TypeFor[compute.LookupNetworkArgs](), reflect.TypeFor[compute.LookupNetworkResult]()},
		"gcp:compute/getSubnetwork:getSubnetwork":    {reflect.TypeFor[compute.LookupSubnetworkArgs](), reflect.TypeFor[compute.LookupSubnetworkResult]()},
		"gcp:storage/getBucket:getBucket":            {reflect.TypeFor[storage.LookupBucketArgs](), reflect.TypeFor[storage.LookupBucketResult]()},
		"gcp:secretmanager/getSecret:getSecret":      {reflect.TypeFor[secretmanager.LookupSecretArgs](), reflect.TypeFor[secretmanager.LookupSecretResult]()},
		"gcp:pubsub/getTopic:getTopic":               {reflect.TypeFor[pubsub.LookupTopicArgs](), reflect.TypeFor[pubsub.LookupTopicResult]()},
		"gcp:pubsub/getSubscription:getSubscription": {reflect.TypeFor[pubsub.LookupSubscriptionArgs](), reflect.TypeFor[pubsub.LookupSubscriptionResult]()},
		"gcp:bigquery/getDataset:getDataset":         {reflect.TypeFor[bigquery.LookupDatasetArgs](), reflect.TypeFor[bigquery.LookupDatasetResult]()},
	}
)

func init() {
	for token, forceNew := range forceNewInputs {
		typ := resourceTypes[token]
		typ.forceNew = forceNew
		resourceTypes[token] = typ
	}
}
