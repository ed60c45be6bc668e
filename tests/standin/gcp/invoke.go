package main

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"path"
	"slices"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Invoke answers the lookups gkewi makes from what exists in the stand-in's
// GCP, shaped as v7.38.0's results are, and fails as GCP does when the
// account, cluster or network is not there. Every project exists: its
// number is made from its id.
func (s *standIn) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	call := s.begin("Invoke", req.GetTok(), "", "", false)
	result, err := s.invoke(req)
	s.end(call, err)
	if err != nil {
		return nil, err
	}
	properties, err := plugin.MarshalProperties(result, options)
	return &pulumirpc.InvokeResponse{Return: properties}, err
}

func (s *standIn) invoke(req *pulumirpc.InvokeRequest) (resource.PropertyMap, error) {
	fn, ok := invokeTypes[req.GetTok()]
	if !ok {
		return nil, fmt.Errorf("the GCP stand-in serves only the functions gkewi uses, not %s", req.GetTok())
	}
	args, err := plugin.UnmarshalProperties(req.GetArgs(), options)
	if err != nil {
		return nil, err
	}
	if bad := unknownNames(resource.NewProperty(args), fn.args, ""); len(bad) > 0 {
		return nil, fmt.Errorf("%s has no argument %v in pulumi-gcp v%s", req.GetTok(), bad, version)
	}
	things, err := s.world.load()
	if err != nil {
		return nil, err
	}
	in := inputs{PropertyMap: args, project: s.project}
	found, err := s.lookUp(req.GetTok(), in, lookup{things: things})
	if err != nil {
		return nil, err
	}
	return shaped(resource.NewProperty(found), fn.result).ObjectValue(), nil
}

// lookup finds things in the world by their outputs.
type lookup struct{ things map[string]Stored }

// find is the first thing of type typ whose outputs have every value of
// want, with the outputs; nil when there is none.
func (l lookup) find(typ string, want map[string]string) (resource.PropertyMap, error) {
	for _, k := range slices.Sorted(maps.Keys(l.things)) {
		thing := l.things[k]
		if thing.Type != typ {
			continue
		}
		outputs, err := decode(thing.Outputs)
		if err != nil {
			return nil, err
		}
		if matches(outputs, want) {
			outputs["id"] = resource.NewProperty(thing.ID)
			return outputs, nil
		}
	}
	return nil, nil
}

// matches tells whether outputs hold every wanted value; an empty one, an
// argument the lookup was not given, matches anything.
func matches(outputs resource.PropertyMap, want map[string]string) bool {
	for key, value := range want {
		if value != "" && (inputs{PropertyMap: outputs}).str(key) != value {
			return false
		}
	}
	return true
}

func (s *standIn) lookUp(token string, in inputs, l lookup) (resource.PropertyMap, error) {
	p := in.projectOr()
	switch token {
	case "gcp:organizations/getProject:getProject":
		if id := in.str("projectId"); id != "" {
			p = id
		}
		return resource.PropertyMap{
			"projectId": resource.NewProperty(p), "number": resource.NewProperty(projectNumber(p)),
			"name": resource.NewProperty(p), "id": resource.NewProperty("projects/" + p),
		}, nil
	case "gcp:serviceaccount/getAccount:getAccount":
		return s.account(in, l)
	case "gcp:container/getCluster:getCluster":
		return s.clusterLookup(in, p, l)
	case "gcp:compute/getNetwork:getNetwork":
		network, err := l.find("gcp:compute/network:Network", map[string]string{"name": in.str("name"), "project": p})
		if network == nil && err == nil {
			err = notFound("Error 404: The resource 'projects/%s/global/networks/%s' was not found, notFound", p, in.str("name"))
		}
		return network, err
	case "gcp:compute/getSubnetwork:getSubnetwork":
		name, region := in.str("name"), cmp.Or(in.str("region"), s.region)
		subnetwork, err := l.find("gcp:compute/subnetwork:Subnetwork", map[string]string{"name": name, "region": region, "project": p})
		if subnetwork == nil && err == nil {
			err = notFound("Error 404: The resource 'projects/%s/regions/%s/subnetworks/%s' was not found, notFound", p, region, name)
		}
		return subnetwork, err
	case "gcp:storage/getBucket:getBucket":
		return bucketLookup(in, l)
	}
	if kind, ok := grantedResources[token]; ok {
		return grantedResource(kind, in, p, l)
	}
	return nil, fmt.Errorf("no lookup for %s", token)
}

// Types of the resources that grants name, which exist at GCP before a
// stack and which gkewi only looks up.
const (
	BucketType       = "gcp:storage/bucket:Bucket"
	SecretType       = "gcp:secretmanager/secret:Secret"
	TopicType        = "gcp:pubsub/topic:Topic"
	SubscriptionType = "gcp:pubsub/subscription:Subscription"
	DatasetType      = "gcp:bigquery/dataset:Dataset"
)

// grantedResources are the lookups of those that a project holds, with the
// name of the argument that names one.
var grantedResources = map[string]struct{ typ, name string }{
	"gcp:secretmanager/getSecret:getSecret":      {SecretType, "secretId"},
	"gcp:pubsub/getTopic:getTopic":               {TopicType, "name"},
	"gcp:pubsub/getSubscription:getSubscription": {SubscriptionType, "name"},
	"gcp:bigquery/getDataset:getDataset":         {DatasetType, "datasetId"},
}

// bucketLookup finds a bucket by its name alone, wherever it is: the real
// lookup reads the bucket and does not check the project it is given
// (pulumi-gcp v7.38.0, storage.LookupBucket, `project`).
func bucketLookup(in inputs, l lookup) (resource.PropertyMap, error) {
	bucket, err := l.find(BucketType, map[string]string{"name": in.str("name")})
	if bucket == nil && err == nil {
		err = notFound("Error 404: The specified bucket does not exist., notFound")
	}
	if err != nil {
		return nil, err
	}
	// The number of the project that holds the bucket, which the real
	// lookup reads from the bucket.
	number, err := strconv.ParseFloat(projectNumber((inputs{PropertyMap: bucket}).str("project")), 64)
	bucket["projectNumber"] = resource.NewProperty(number)
	return bucket, err
}

// grantedResource finds a secret, topic, subscription or dataset in the
// project; a missing one is "not found", as the newest upstream data
// sources say (data_source_pubsub_topic.go, data_source_google_bigquery_dataset.go).
func grantedResource(kind struct{ typ, name string }, in inputs, p string, l lookup) (resource.PropertyMap, error) {
	name := in.str(kind.name)
	found, err := l.find(kind.typ, map[string]string{kind.name: name, "project": p})
	if found == nil && err == nil {
		err = notFound("%s %s not found in project %s", kind.typ, name, p)
	}
	return found, err
}

// account finds a service account by email, or by id in the project.
func (s *standIn) account(in inputs, l lookup) (resource.PropertyMap, error) {
	id := in.str("accountId")
	account, err := l.find("gcp:serviceaccount/account:Account", map[string]string{"email": id})
	if account == nil && err == nil {
		account, err = l.find("gcp:serviceaccount/account:Account", map[string]string{"accountId": id, "project": in.projectOr()})
	}
	if account == nil && err == nil {
		err = notFound("Error 404: Not found; Gaia id not found for email %s, notFound", id)
	}
	return account, err
}

// clusterLookup is a cluster with its node pools, as getCluster answers.
func (s *standIn) clusterLookup(in inputs, p string, l lookup) (resource.PropertyMap, error) {
	name, location := in.str("name"), cmp.Or(in.str("location"), s.zone)
	cluster, err := l.find("gcp:container/cluster:Cluster", map[string]string{"name": name, "location": location, "project": p})
	if err != nil {
		return nil, err
	}
	if cluster == nil {
		return nil, notFound("Error 404: Not found: projects/%s/locations/%s/clusters/%s", p, location, name)
	}
	var pools []resource.PropertyValue
	for _, thing := range l.things {
		if thing.Type != "gcp:container/nodePool:NodePool" {
			continue
		}
		pool, err := decode(thing.Outputs)
		if err != nil {
			return nil, err
		}
		if path.Base((inputs{PropertyMap: pool}).str("cluster")) == name && (inputs{PropertyMap: pool}).str("location") == location {
			pools = append(pools, resource.NewProperty(pool))
		}
	}
	cluster["nodePools"] = resource.NewProperty(pools)
	return cluster, nil
}

// googleError is an error in GCP's own words, capitals included, which the
// program's preflight matches as it matches the real provider's.
type googleError string

func (e googleError) Error() string { return string(e) }

func notFound(format string, args ...any) error { return googleError(fmt.Sprintf(format, args...)) }
