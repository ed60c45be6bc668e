package components

import (
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/distribution/reference"
)

func (v *validator) zone(region, zone string, autopilot bool) {
	regionOK := v.required("region", region)
	if regionOK && !regionPattern.MatchString(region) {
		v.add("region", region, "is not a region; allowed: a region such as asia-northeast1")
		regionOK = false
	}
	// An Autopilot cluster is regional: a zone only sets the GCP
	// provider's default.
	if autopilot && zone == "" || !v.required("zone", zone) {
		return
	}
	if !zonePattern.MatchString(zone) {
		v.add("zone", zone, "is not a zone; allowed: a zone such as asia-northeast1-a")
		return
	}
	if regionOK && zone[:len(zone)-2] != region {
		v.add("zone", zone, "is not in region %q; allowed: %s-a, %s-b, ...", region, region, region)
	}
}

func (v *validator) nodePool(a WorkloadIdentityCronJobArgs) {
	v.gcpName("nodePoolName", a.NodePoolName, maxNodePoolNameLength)
	v.required("machineType", a.MachineType)
	v.atLeast("nodeCount", *a.NodeCount, 1)
	v.atLeast("diskSizeGb", *a.DiskSizeGB, minDiskSizeGB)
	if !slices.Contains(diskTypes, a.DiskType) {
		v.add("diskType", a.DiskType, "is not a GKE node disk type; allowed: %s", strings.Join(diskTypes, ", "))
	} else if strings.HasPrefix(a.DiskType, "hyperdisk-") && strings.HasPrefix(a.MachineType, "n1-") {
		v.add("diskType", a.DiskType, "does not work with {machineType} %s; allowed: a pd-* disk type, or a machine type that supports Hyperdisk such as c3-standard-4", a.MachineType)
	}
}

// ranges checks the ranges the cluster is built from (the subnetwork's
// primary range only when gkewi creates it: the preflight checks an existing
// one), then that none of them overlaps another.
func (v *validator) ranges(a WorkloadIdentityCronJobArgs) {
	keys := []string{"podsCidr", "servicesCidr", "masterCidr"}
	values := []string{a.PodsCIDR, a.ServicesCIDR, a.MasterCIDR}
	if a.ExistingNetwork == "" {
		keys, values = append([]string{"subnetCidr"}, keys...), append([]string{a.SubnetCIDR}, values...)
	}
	master := len(keys) - 1
	prefixes := make([]netip.Prefix, len(keys))
	valid := make([]bool, len(keys))
	for i, key := range keys {
		prefixes[i], valid[i] = v.privateRange(key, values[i])
	}
	if valid[master] && prefixes[master].Bits() != masterPrefixLength {
		v.add("masterCidr", a.MasterCIDR, "is a /%d; allowed: exactly a /%d", prefixes[master].Bits(), masterPrefixLength)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if valid[i] && valid[j] && prefixes[i].Overlaps(prefixes[j]) {
				v.add(keys[j], values[j], "overlaps {%s} %s; allowed: a range disjoint from the other ranges", keys[i], values[i])
			}
		}
	}
}

// isPrivate tells whether the range lies inside one of the private ranges.
func isPrivate(p netip.Prefix) bool {
	return slices.ContainsFunc(privateRanges, func(r netip.Prefix) bool { return r.Bits() <= p.Bits() && r.Contains(p.Addr()) })
}

func (v *validator) privateRange(key, value string) (netip.Prefix, bool) {
	p, ok := v.cidr(key, value)
	if !ok {
		return p, false
	}
	if !isPrivate(p) {
		v.add(key, value, "is not a private range; allowed: inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10")
		return p, false
	}
	return p, true
}

// authorizedNetworks applies every rule on the list: Validate to a plain
// one, newCluster to an Output once known.
func (v *validator) authorizedNetworks(cidrs []string, allowAnywhere, privateEndpoint bool) {
	if len(cidrs) == 0 {
		v.add("authorizedNetworks", "[]", "is required; allowed: a list of CIDRs that includes the address of the machine running pulumi")
	}
	for i, cidr := range cidrs {
		key := fmt.Sprintf("authorizedNetworks[%d]", i)
		if addr, err := netip.ParseAddr(cidr); err == nil && addr.Is4() {
			v.add(key, cidr, "is an address, not a range; allowed: %s/32 for that address alone", cidr)
			continue
		}
		if p, ok := v.cidr(key, cidr); ok && p.Bits() == 0 && !allowAnywhere {
			v.add(key, cidr, "opens the control plane to the whole internet; allowed: narrower CIDRs, or set {allowControlPlaneFromAnywhere} to true")
		}
	}
	if privateEndpoint {
		v.internalAuthorizedNetworks(cidrs)
	}
}

// clusterToUse checks how the cluster is named, and refuses every
// argument that only shapes a cluster gkewi creates: with an existing
// cluster, it would silently do nothing.
func (v *validator) clusterToUse(given WorkloadIdentityCronJobArgs) {
	v.clusterReference(given)
	fields := reflect.ValueOf(given)
	for _, field := range reflect.VisibleFields(fields.Type()) {
		if value := fields.FieldByIndex(field.Index); field.Tag.Get("gkewi") == newClusterOnly && !value.IsZero() {
			v.add(argKey(field), display(value.Interface()), "has no effect with an existing cluster; remove it")
		}
	}
}

// newClusterOnly, as a field's `gkewi` tag, marks an argument that only
// shapes a cluster gkewi creates, and so is refused with an existing one.
const newClusterOnly = "newCluster"

// argKey is an argument's key: the name in its field's `pulumi` tag.
func argKey(field reflect.StructField) string {
	key, _, _ := strings.Cut(field.Tag.Get("pulumi"), ",")
	return key
}

// clusterReference checks the one way the args name an existing cluster:
// ExistingCluster, Kubeconfig or KubernetesProvider.
func (v *validator) clusterReference(given WorkloadIdentityCronJobArgs) {
	switch named := given.ExistingCluster; {
	case named != nil && (isSet(given.Kubeconfig) || given.KubernetesProvider != nil):
		v.add("existingCluster", named.Name, "is set together with {kubeconfig} or a Kubernetes provider; allowed: one of them")
	case named != nil:
		v.namedCluster(*named, given)
	case isSet(given.Kubeconfig) && given.KubernetesProvider != nil:
		v.add("kubeconfig", "[secret]", "is set together with a Kubernetes provider; allowed: one of them")
	default:
		v.kubeconfigCluster(given)
	}
}

// resolvedKubeconfig checks a kubeconfig given as an Output, once known.
// A plain empty one is no kubeconfig, but an Output was taken for one, and
// an empty one would make the provider fall back to the deployer's own.
func (v *validator) resolvedKubeconfig(kubeconfig string) {
	if kubeconfig == "" {
		v.add("kubeconfig", kubeconfig, "is empty; allowed: a kubeconfig's contents or its path")
	}
}

func (v *validator) namedCluster(named ExistingCluster, given WorkloadIdentityCronJobArgs) {
	v.gcpName("existingCluster.name", named.Name, maxClusterNameLength)
	if v.required("existingCluster.location", named.Location) &&
		!zonePattern.MatchString(named.Location) && !regionPattern.MatchString(named.Location) {
		v.add("existingCluster.location", named.Location, "is not a zone or a region; allowed: a location such as asia-northeast1-a or asia-northeast1")
	}
	if named.Project != "" {
		v.projectID("existingCluster.project", named.Project)
	}
	for key, value := range map[string]string{"clusterProject": given.ClusterProject, "clusterName": given.ClusterName} {
		if value != "" {
			v.add(key, value, "has no effect with {existingCluster}, which names the cluster; remove it")
		}
	}
	v.kubernetesAuth(given.KubernetesAuth)
}

// kubeconfigCluster checks the cluster named by a kubeconfig or a provider,
// which carry their own credentials.
func (v *validator) kubeconfigCluster(given WorkloadIdentityCronJobArgs) {
	if given.ClusterProject != "" {
		v.projectID("clusterProject", given.ClusterProject)
	}
	if given.Zone != "" && !zonePattern.MatchString(given.Zone) {
		v.add("zone", given.Zone, "is not a zone; allowed: a zone such as asia-northeast1-a, or none")
	}
	if given.ClusterName != "" {
		v.gcpName("clusterName", given.ClusterName, maxClusterNameLength)
	}
	if given.KubernetesAuth != "" {
		v.add("kubernetesAuth", given.KubernetesAuth, "has no effect with {kubeconfig} or a Kubernetes provider, which carry their own credentials; remove it")
	}
	if given.DeleteUnreachable != nil && given.KubernetesProvider != nil {
		v.add("deleteUnreachable", display(given.DeleteUnreachable), "has no effect with a Kubernetes provider of your own; set it on that provider")
	}
}

var kubernetesAuths = []string{AuthPlugin, AccessToken}

func (v *validator) kubernetesAuth(value string) {
	if value != "" && !slices.Contains(kubernetesAuths, value) {
		v.add("kubernetesAuth", value, "is not a way to authenticate to GKE; allowed: %s", strings.Join(kubernetesAuths, ", "))
	}
}

// clusterToCreate checks what the network, the cluster and its nodes are built from.
func (v *validator) clusterToCreate(a, given WorkloadIdentityCronJobArgs) {
	if a.ClusterProject != a.Project {
		v.add("clusterProject", a.ClusterProject, "is only for a cluster named by {kubeconfig}; set {existingCluster} and its project, or remove it")
	}
	v.kubernetesAuth(a.KubernetesAuth)
	v.zone(a.Region, a.Zone, a.EnableAutopilot)
	v.network(a)
	v.gcpName("clusterName", a.ClusterName, maxClusterNameLength)
	v.ranges(a)
	if a.ImageRegistryProject != "" && a.ImageRegistryProject != noRegistryProject {
		v.projectID("imageRegistryProject", a.ImageRegistryProject)
	}
	// A list given as an Output is checked once known, by newCluster.
	if cidrs, ok := plainStrings(a.AuthorizedNetworks); ok {
		v.authorizedNetworks(cidrs, a.AllowControlPlaneFromAnywhere, a.PrivateEndpoint)
	}
	if a.EnableAutopilot {
		v.autopilot(given)
	} else {
		v.nodePool(a)
	}
	if *a.Preemptible && a.Spot {
		v.add("spot", "true", "is set together with {preemptible}; allowed: at most one of them (spot is the newer kind)")
	}
	v.hardening(a)
	if named, err := reference.ParseNormalizedNamed(a.Image); err == nil && !googleRegistry(reference.Domain(named)) && !a.CloudNAT {
		v.add("image", a.Image, "is outside Google's registries, which are all that private nodes reach without NAT (Docker Hub only through a partial mirror); set {cloudNat} to true, or use an image from gcr.io or *.pkg.dev")
	}
}

// network checks the VPC: one that gkewi creates, or one that exists, which
// a private endpoint needs (the preflight refuses one without it, once it
// knows whether the live cluster has it already). gkewi never changes an
// existing network's own settings, nor adds a NAT for all its subnetworks.
func (v *validator) network(a WorkloadIdentityCronJobArgs) {
	if a.ExistingNetwork == "" && a.ExistingSubnetwork == "" {
		v.gcpName("network", a.Network, maxNetworkNameLength)
		v.gcpName("subnetwork", a.Subnetwork, maxNetworkNameLength)
		return
	}
	v.gcpName("existingNetwork", a.ExistingNetwork, maxNetworkNameLength)
	v.gcpName("existingSubnetwork", a.ExistingSubnetwork, maxNetworkNameLength)
	for _, f := range []struct{ key, value string }{{"network", a.Network}, {"subnetwork", a.Subnetwork}, {"subnetCidr", a.SubnetCIDR}} {
		if f.value != "" {
			v.add(f.key, f.value, "has no effect with {existingNetwork}, whose network and subnetwork gkewi does not create; remove it")
		}
	}
	if a.FlowLogs {
		v.add("flowLogs", "true", "would change {existingSubnetwork}, which gkewi does not own; turn flow logs on where that subnetwork is managed, and remove flowLogs")
	}
	if a.CloudNAT {
		v.add("cloudNat", "true", "would add a Cloud NAT for every subnetwork of {existingNetwork}, which gkewi does not own; give that network its own NAT, and remove cloudNat")
	}
}

// googleRegistry tells whether private nodes reach a registry through
// Private Google Access.
func googleRegistry(domain string) bool {
	return domain == "gcr.io" || strings.HasSuffix(domain, ".gcr.io") || strings.HasSuffix(domain, ".pkg.dev")
}

var (
	maintenanceWindowPattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	kmsKeyPattern            = regexp.MustCompile(`^projects/([^/]+)/locations/([^/]+)/keyRings/[A-Za-z0-9_-]{1,63}/cryptoKeys/[A-Za-z0-9_-]{1,63}$`)
)

// Ways to restrict the job's egress to Google's APIs.
const (
	PrivateGoogleAPIs    = "private"
	RestrictedGoogleAPIs = "restricted"
)

var egressRestrictions = []string{PrivateGoogleAPIs, RestrictedGoogleAPIs}

// hardening checks the settings that harden a new cluster beyond its
// defaults, and that a NetworkPolicy gkewi creates has Dataplane V2 to
// enforce it.
func (v *validator) hardening(a WorkloadIdentityCronJobArgs) {
	if !maintenanceWindowPattern.MatchString(a.MaintenanceWindow) {
		v.add("maintenanceWindow", a.MaintenanceWindow, "is not a time of day; allowed: HH:MM in UTC, such as 05:00")
	}
	if a.RestrictEgress != "" && !slices.Contains(egressRestrictions, a.RestrictEgress) {
		v.add("restrictEgress", a.RestrictEgress, "is not a way to reach Google's APIs; allowed: %s, or no value for no restriction", strings.Join(egressRestrictions, ", "))
	}
	if !*a.DataplaneV2 {
		if a.RestrictEgress != "" {
			v.add("restrictEgress", a.RestrictEgress, "needs {dataplaneV2}, which enforces NetworkPolicy; set dataplaneV2 to true, or remove restrictEgress")
		}
		if *a.DenyIngress {
			v.add("denyIngress", "true", "needs {dataplaneV2}, which enforces NetworkPolicy; set dataplaneV2 to true, or denyIngress to false")
		}
	}
	if a.SecretsEncryptionKey != "" {
		v.secretsEncryptionKey(a.SecretsEncryptionKey, a.Region)
	}
}

// internalAuthorizedNetworks refuses public ranges with a private endpoint,
// which GKE rejects at creation ("is not a reserved network, which is
// required for private endpoints"), long after the preview.
func (v *validator) internalAuthorizedNetworks(cidrs []string) {
	for i, cidr := range cidrs {
		p, err := netip.ParsePrefix(cidr)
		if err == nil && !isPrivate(p) {
			v.add(fmt.Sprintf("authorizedNetworks[%d]", i), cidr, "is a public range, which a private endpoint never answers; allowed: ranges inside the VPC or reaching it by Cloud VPN or Interconnect, "+
				"in 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10, or set {privateEndpoint} to false")
		}
	}
}

// secretsEncryptionKey checks that the key is a Cloud KMS key in the
// cluster's region, the only place where GKE can use it.
func (v *validator) secretsEncryptionKey(key, region string) {
	m := kmsKeyPattern.FindStringSubmatch(key)
	switch {
	case m == nil:
		v.add("secretsEncryptionKey", key, "is not a Cloud KMS key; allowed: projects/PROJECT/locations/%s/keyRings/RING/cryptoKeys/KEY", region)
	case m[2] != region:
		v.add("secretsEncryptionKey", key, "is in %s, not in the cluster's region; allowed: a key in %s", m[2], region)
	}
}
