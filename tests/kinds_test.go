package tests

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/gkewi/gkewi/tests/standin/typical"
)

// The resource types the program registers, and what the tests know of each.
const (
	componentType           = "gkewi:index:WorkloadIdentityCronJob"
	serviceType             = "gcp:projects/service:Service"
	accountType             = "gcp:serviceaccount/account:Account"
	projectMemberType       = "gcp:projects/iAMMember:IAMMember"
	accountMemberType       = "gcp:serviceaccount/iAMMember:IAMMember"
	networkType             = "gcp:compute/network:Network"
	subnetworkType          = "gcp:compute/subnetwork:Subnetwork"
	routerType              = "gcp:compute/router:Router"
	routerNatType           = "gcp:compute/routerNat:RouterNat"
	clusterType             = "gcp:container/cluster:Cluster"
	nodePoolType            = "gcp:container/nodePool:NodePool"
	randomIDType            = "random:index/randomId:RandomId"
	kubernetesProvider      = "pulumi:providers:kubernetes"
	namespaceType           = "kubernetes:core/v1:Namespace"
	ksaType                 = "kubernetes:core/v1:ServiceAccount"
	serviceAccountPatchType = "kubernetes:core/v1:ServiceAccountPatch"
	cronJobType             = "kubernetes:batch/v1:CronJob"
	jobType                 = "kubernetes:batch/v1:Job"
	networkPolicyType       = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
	dnsZoneType             = "gcp:dns/managedZone:ManagedZone"
	dnsRecordType           = "gcp:dns/recordSet:RecordSet"
	kmsKeyMemberType        = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
	serviceIdentityType     = "gcp:projects/serviceIdentity:ServiceIdentity"
	peeringRoutesType       = "gcp:compute/networkPeeringRoutesConfig:NetworkPeeringRoutesConfig"
	bucketMemberType        = "gcp:storage/bucketIAMMember:BucketIAMMember"
	secretMemberType        = "gcp:secretmanager/secretIamMember:SecretIamMember"
	topicMemberType         = "gcp:pubsub/topicIAMMember:TopicIAMMember"
	subscriptionMemberType  = "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember"
	datasetAccessType       = "gcp:bigquery/datasetAccess:DatasetAccess"
	// The resources that grants name, which gkewi only looks up.
	bucketType       = "gcp:storage/bucket:Bucket"
	secretType       = "gcp:secretmanager/secret:Secret"
	topicType        = "gcp:pubsub/topic:Topic"
	subscriptionType = "gcp:pubsub/subscription:Subscription"
	datasetType      = "gcp:bigquery/dataset:Dataset"
)

// kind is what the tests know of a resource type.
type kind struct {
	// seconds is its typical creation time, from GKE and GCP documentation
	// and experience, which weighs the critical path.
	seconds int
	// applyRank orders the Kubernetes kinds as the API-server and node tiers
	// apply them: namespaces, then service accounts, then workloads.
	applyRank int
}

// kinds are every type the program registers; GCP's take their seconds
// from the table that the engine tier's GCP stand-in also delays by.
var kinds = func() map[string]kind {
	k := map[string]kind{
		componentType:           {},
		randomIDType:            {}, // local
		kubernetesProvider:      {}, // local
		namespaceType:           {seconds: 2, applyRank: 1},
		ksaType:                 {seconds: 2, applyRank: 2},
		serviceAccountPatchType: {seconds: 2, applyRank: 2},
		cronJobType:             {seconds: 2, applyRank: 3},
		jobType:                 {seconds: 90, applyRank: 3}, // pulls google-cloud-cli on a fresh node, then runs the check
		networkPolicyType:       {seconds: 2, applyRank: 2},
	}
	for typ, seconds := range typical.Seconds {
		k[typ] = kind{seconds: seconds}
	}
	return k
}()

// applyOrder are the Kubernetes kinds in the order they are applied.
var applyOrder = func() []string {
	var order []string
	for typ, k := range kinds {
		if k.applyRank > 0 {
			order = append(order, typ)
		}
	}
	slices.SortFunc(order, func(a, b string) int {
		return cmp.Or(cmp.Compare(kinds[a].applyRank, kinds[b].applyRank), strings.Compare(a, b))
	})
	return order
}()

// everyRecording runs every committed stack and every fixture.
func everyRecording(t *testing.T, check func(name string, rec *recorder)) {
	t.Helper()
	for _, stack := range slices.Sorted(maps.Keys(stackFiles())) {
		check(stack, mustRecord(t, stackConfig(t, stack), inStack(stack)))
	}
	for _, name := range slices.Sorted(maps.Keys(fixtures)) {
		check(name, mustRecord(t, fixtures[name](), inStack(name)))
	}
}

func TestEveryRegisteredTypeIsAKnownKind(t *testing.T) {
	t.Parallel()
	everyRecording(t, func(name string, rec *recorder) {
		for _, reg := range rec.resources {
			k, ok := kinds[reg.Type]
			switch {
			case !ok:
				t.Errorf("%s registers %s, which the kinds table lacks: the critical path would ignore it", name, reg.Type)
			case strings.HasPrefix(reg.Type, "kubernetes:") && k.applyRank == 0:
				t.Errorf("%s registers %s, which the API-server and node tiers would never apply", name, reg.Type)
			}
		}
	})
}
