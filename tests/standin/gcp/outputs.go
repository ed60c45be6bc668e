package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
	"path"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// inputs reads a resource's inputs, with the provider's project where the
// resource names none, as the real provider defaults it.
type inputs struct {
	resource.PropertyMap
	project string
}

func (in inputs) str(key string) string {
	v := in.PropertyMap[resource.PropertyKey(key)]
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func (in inputs) projectOr() string {
	if p := in.str("project"); p != "" {
		return p
	}
	return in.project
}

// object is the input object at key, copied, or an empty one.
func (in inputs) object(key string) resource.PropertyMap {
	if v := in.PropertyMap[resource.PropertyKey(key)]; v.IsObject() {
		return v.ObjectValue().Copy()
	}
	return resource.PropertyMap{}
}

// computedOutputs are what the real provider computes for a resource of
// type typ, and its id: the values that gkewi reads (emails, members, the
// endpoint and CA, the peering's name) and the ids and links GCP gives.
// cluster is where a cluster's control plane answers.
func computedOutputs(typ string, in inputs, cluster controlPlane) (string, resource.PropertyMap) {
	p := in.projectOr()
	out := resource.PropertyMap{}
	set := func(key string, v any) { out[resource.PropertyKey(key)] = resource.NewPropertyValue(v) }
	set("project", p)
	compute := "https://www.googleapis.com/compute/v1/"
	switch typ {
	case "gcp:projects/service:Service":
		return p + "/" + in.str("service"), out
	case "gcp:projects/iAMMember:IAMMember":
		set("etag", etag(in.str("member")+in.str("role")))
		return fmt.Sprintf("%s/%s/%s", p, in.str("role"), in.str("member")), out
	case "gcp:serviceaccount/iAMMember:IAMMember", "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember":
		delete(out, "project")
		set("etag", etag(in.str("member")+in.str("role")))
		target := in.str("serviceAccountId") + in.str("cryptoKeyId")
		return fmt.Sprintf("%s/%s/%s", target, in.str("role"), in.str("member")), out
	case "gcp:storage/bucketIAMMember:BucketIAMMember":
		// No project: a bucket's name is global (tpgiamresource ids, as
		// research on v5.42.0's iam_storage_bucket.go: b/BUCKET).
		delete(out, "project")
		set("etag", etag(in.str("member")+in.str("role")))
		return fmt.Sprintf("b/%s/%s/%s", in.str("bucket"), in.str("role"), in.str("member")), out
	case "gcp:secretmanager/secretIamMember:SecretIamMember", "gcp:pubsub/topicIAMMember:TopicIAMMember",
		"gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember":
		set("etag", etag(in.str("member")+in.str("role")))
		return fmt.Sprintf("%s/%s/%s", memberParent(typ, in), in.str("role"), in.str("member")), out
	case "gcp:bigquery/datasetAccess:DatasetAccess":
		// Every entry of one dataset has the dataset's id.
		set("apiUpdatedMember", false)
		return fmt.Sprintf("projects/%s/datasets/%s", p, in.str("datasetId")), out
	case "gcp:projects/serviceIdentity:ServiceIdentity":
		agent, _, _ := strings.Cut(in.str("service"), ".")
		email := fmt.Sprintf("service-%s@gcp-sa-%s.iam.gserviceaccount.com", projectNumber(p), agent)
		set("email", email)
		set("member", "serviceAccount:"+email)
		return fmt.Sprintf("projects/%s/services/%s", p, in.str("service")), out
	case "gcp:serviceaccount/account:Account":
		email := fmt.Sprintf("%s@%s.iam.gserviceaccount.com", in.str("accountId"), p)
		set("email", email)
		set("member", "serviceAccount:"+email)
		set("name", fmt.Sprintf("projects/%s/serviceAccounts/%s", p, email))
		set("uniqueId", digits(email, 21))
		return out["name"].StringValue(), out
	case "gcp:compute/network:Network":
		id := fmt.Sprintf("projects/%s/global/networks/%s", p, in.str("name"))
		set("selfLink", compute+id)
		set("numericId", digits(id, 19))
		return id, out
	case "gcp:compute/subnetwork:Subnetwork":
		id := fmt.Sprintf("projects/%s/regions/%s/subnetworks/%s", p, in.str("region"), in.str("name"))
		set("selfLink", compute+id)
		set("gatewayAddress", gateway(in.str("ipCidrRange")))
		set("fingerprint", etag(id))
		return id, out
	case "gcp:compute/router:Router":
		id := fmt.Sprintf("projects/%s/regions/%s/routers/%s", p, in.str("region"), in.str("name"))
		set("selfLink", compute+id)
		return id, out
	case "gcp:compute/routerNat:RouterNat":
		return fmt.Sprintf("%s/%s/%s/%s", p, in.str("region"), path.Base(in.str("router")), in.str("name")), out
	case "gcp:compute/networkPeeringRoutesConfig:NetworkPeeringRoutesConfig":
		return fmt.Sprintf("projects/%s/global/networks/%s/networkPeerings/%s", p, path.Base(in.str("network")), in.str("peering")), out
	case "gcp:dns/managedZone:ManagedZone":
		set("managedZoneId", digits(in.str("name"), 16))
		set("nameServers", []any{"ns-gcp-private.googledomains.com."})
		return fmt.Sprintf("projects/%s/managedZones/%s", p, in.str("name")), out
	case "gcp:dns/recordSet:RecordSet":
		return fmt.Sprintf("projects/%s/managedZones/%s/rrsets/%s/%s", p, path.Base(in.str("managedZone")), in.str("name"), in.str("type")), out
	case "gcp:container/cluster:Cluster":
		return clusterOutputs(in, p, cluster, out)
	case "gcp:container/nodePool:NodePool":
		cluster := path.Base(in.str("cluster"))
		id := fmt.Sprintf("projects/%s/locations/%s/clusters/%s/nodePools/%s", p, in.str("location"), cluster, in.str("name"))
		group := fmt.Sprintf("%sprojects/%s/zones/%s/instanceGroupManagers/gke-%s-%s-grp", compute, p, in.str("location"), cluster, in.str("name"))
		set("instanceGroupUrls", []any{group})
		set("managedInstanceGroupUrls", []any{strings.Replace(group, "instanceGroupManagers", "instanceGroups", 1)})
		set("version", masterVersion)
		return id, out
	}
	return "", out
}

// memberParent is the resource that a secret's, topic's or subscription's
// IAM member is on, as its id begins.
func memberParent(typ string, in inputs) string {
	kind, name := "secrets", in.str("secretId")
	switch typ {
	case "gcp:pubsub/topicIAMMember:TopicIAMMember":
		kind, name = "topics", in.str("topic")
	case "gcp:pubsub/subscriptionIAMMember:SubscriptionIAMMember":
		kind, name = "subscriptions", in.str("subscription")
	}
	return fmt.Sprintf("projects/%s/%s/%s", in.projectOr(), kind, path.Base(name))
}

// masterVersion is the GKE version the stand-in's clusters run.
const masterVersion = "1.34.2-gke.1000000"

// controlPlane is the API server that every cluster of the stand-in is:
// the node tier's.
type controlPlane struct{ endpoint, ca string }

func clusterOutputs(in inputs, p string, cluster controlPlane, out resource.PropertyMap) (string, resource.PropertyMap) {
	id := fmt.Sprintf("projects/%s/locations/%s/clusters/%s", p, in.str("location"), in.str("name"))
	out["endpoint"] = resource.NewProperty(cluster.endpoint)
	masterAuth := in.object("masterAuth")
	masterAuth["clusterCaCertificate"] = resource.NewProperty(cluster.ca)
	out["masterAuth"] = resource.NewProperty(masterAuth)
	private := in.object("privateClusterConfig")
	private["peeringName"] = resource.NewProperty(fmt.Sprintf("gke-n%s-%s-peer", etag(id)[:16], digits(id, 4)))
	private["privateEndpoint"] = resource.NewProperty(cluster.endpoint)
	private["publicEndpoint"] = resource.NewProperty(cluster.endpoint)
	out["privateClusterConfig"] = resource.NewProperty(private)
	out["selfLink"] = resource.NewProperty("https://container.googleapis.com/v1/" + id)
	out["masterVersion"] = resource.NewProperty(masterVersion)
	return id, out
}

// projectNumber is a project's number in the stand-in: twelve digits, one
// per project.
func projectNumber(project string) string { return digits(project, 12) }

// digits are n decimal digits that s always gives.
func digits(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	out := fmt.Sprint(binary.BigEndian.Uint64(sum[:8])) + fmt.Sprint(binary.BigEndian.Uint64(sum[8:16]))
	out = strings.Repeat("1", max(0, n-len(out))) + out
	return out[:n]
}

func etag(s string) string {
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", sum[:10])
}

// gateway is a subnetwork's gateway: the first address of its range.
func gateway(cidr string) string {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return ""
	}
	return prefix.Masked().Addr().Next().String()
}
