// Package typical holds how long GCP typically takes to create each resource
// type that gkewi uses, from GKE and GCP documentation and experience: the
// plans weigh their critical path with it, and the engine tier's GCP
// stand-in takes it, scaled down, for each create and delete.
package typical

// Scale is how much faster than GCP the stand-in works: GKE's six minutes
// for a cluster take six seconds.
const Scale = 60

// Seconds is a create's typical time at GCP, by resource type.
var Seconds = map[string]int{
	"gcp:projects/service:Service":                                      45, // enabling an API that is off
	"gcp:serviceaccount/account:Account":                                5,  // IAM
	"gcp:projects/iAMMember:IAMMember":                                  10, // IAM policy read-modify-write
	"gcp:serviceaccount/iAMMember:IAMMember":                            10, // IAM policy read-modify-write
	"gcp:compute/network:Network":                                       40, // under a minute
	"gcp:compute/subnetwork:Subnetwork":                                 30, // under a minute
	"gcp:compute/router:Router":                                         20,
	"gcp:compute/routerNat:RouterNat":                                   30,
	"gcp:container/cluster:Cluster":                                     360, // about 6 minutes
	"gcp:container/nodePool:NodePool":                                   180, // about 3 minutes
	"gcp:dns/managedZone:ManagedZone":                                   10,
	"gcp:dns/recordSet:RecordSet":                                       5,
	"gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember":                     10, // IAM policy read-modify-write
	"gcp:projects/serviceIdentity:ServiceIdentity":                      5,  // one API call; the agent may already exist
	"gcp:compute/networkPeeringRoutesConfig:NetworkPeeringRoutesConfig": 20, // a peering update
	"gcp:storage/bucketIAMMember:BucketIAMMember":                       10, // IAM policy read-modify-write
	"gcp:secretmanager/secretIamMember:SecretIamMember":                 10, // IAM policy read-modify-write
	"gcp:pubsub/topicIAMMember:TopicIAMMember":                          10, // IAM policy read-modify-write
	"gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember":            10, // IAM policy read-modify-write
	"gcp:bigquery/datasetAccess:DatasetAccess":                          10, // the dataset's access list read-modify-write
}
