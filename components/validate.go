package components

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Problem is one bad argument: the argument's key (its `pulumi` tag, with an
// index for list items), the value given, and what is wrong with it.
type Problem struct {
	Key     string
	Value   string
	Message string
}

func (p Problem) String() string {
	return fmt.Sprintf("%s: %q %s", p.Key, p.Value, p.Message)
}

// ValidationError lists every problem found in one set of arguments.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "invalid arguments:\n" + strings.Join(lines, "\n")
}

// Limits that GCP and Kubernetes put on names and sizes.
const (
	maxClusterNameLength  = 40
	maxNodePoolNameLength = 40
	maxNetworkNameLength  = 63
	maxCronJobNameLength  = 52 // the CronJob controller appends 11 characters to name its Jobs
	minDiskSizeGB         = 10
	masterPrefixLength    = 28
)

var (
	accountIDPattern = regexp.MustCompile(`^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$`)
	gcpNamePattern   = regexp.MustCompile(`^[a-z](?:[-a-z0-9]*[a-z0-9])?$`)
	rolePattern      = regexp.MustCompile(`^(roles/[a-zA-Z0-9_.]+|(projects|organizations)/[^/]+/roles/[a-zA-Z0-9_.]+)$`)
	permissionLike   = regexp.MustCompile(`^[a-z]+(\.[a-zA-Z]+){2,}$`)
	diskTypes        = []string{"pd-standard", "pd-balanced", "pd-ssd", "pd-extreme", "hyperdisk-balanced"}
	privateRanges    = []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("100.64.0.0/10"),
	}
	cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
)

// Validate checks args as NewWorkloadIdentityCronJob would use them (defaults
// filled in for the component called name) and returns a *ValidationError
// listing every problem, or nil.
func (args *WorkloadIdentityCronJobArgs) Validate(name string) error {
	return args.withDefaults(name).validate()
}

func (a WorkloadIdentityCronJobArgs) validate() error {
	var v validator
	v.required("project", a.Project)
	v.required("region", a.Region)
	v.zone(a.Region, a.Zone)
	v.accountID(a.ServiceAccountID)
	v.roles(a.Roles)
	v.gcpName("network", a.Network, maxNetworkNameLength)
	v.gcpName("subnetwork", a.Subnetwork, maxNetworkNameLength)
	v.gcpName("clusterName", a.ClusterName, maxClusterNameLength)
	v.gcpName("nodePoolName", a.NodePoolName, maxNodePoolNameLength)
	v.ranges(a)
	v.nodePool(a)
	v.dnsLabel("namespace", a.Namespace)
	v.dnsLabel("kubernetesServiceAccount", a.KubernetesServiceAccount)
	v.cronJobName(a.CronJobName)
	v.schedule(a.Schedule)
	v.required("image", a.Image)
	v.command(a.Command)
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

type validator struct {
	problems []Problem
}

func (v *validator) add(key, value, format string, args ...any) {
	v.problems = append(v.problems, Problem{Key: key, Value: value, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) required(key, value string) bool {
	if value == "" {
		v.add(key, value, "is required")
		return false
	}
	return true
}

func (v *validator) zone(region, zone string) {
	if !v.required("zone", zone) || region == "" {
		return
	}
	if cut, ok := strings.CutPrefix(zone, region+"-"); !ok || len(cut) != 1 {
		v.add("zone", zone, "is not a zone of region %q; allowed: %s-a, %s-b, ...", region, region, region)
	}
}

func (v *validator) accountID(id string) {
	if id != "" && !accountIDPattern.MatchString(id) {
		v.add("serviceAccountId", id,
			"is not a valid account id; allowed: 6-30 characters, lowercase letters, digits and '-', starting with a letter and not ending with '-'")
	}
}

func (v *validator) roles(roles []string) {
	for i, role := range roles {
		key := fmt.Sprintf("roles[%d]", i)
		switch {
		case permissionLike.MatchString(role):
			v.add(key, role, "is a permission, not a role; grant a role that contains it, e.g. %q", DefaultRole)
		case !rolePattern.MatchString(role):
			v.add(key, role, "is not a role; allowed: roles/NAME, projects/PROJECT/roles/NAME or organizations/ORG/roles/NAME")
		case slices.Index(roles, role) < i:
			v.add(key, role, "is listed twice")
		}
	}
}

func (v *validator) gcpName(key, value string, maxLength int) {
	if !v.required(key, value) {
		return
	}
	if len(value) > maxLength || !gcpNamePattern.MatchString(value) {
		v.add(key, value, "is not a valid name; allowed: at most %d lowercase letters, digits and '-', starting with a letter and not ending with '-'", maxLength)
	}
}

func (v *validator) dnsLabel(key, value string) {
	v.kubernetesName(key, value, validation.IsDNS1123Label)
}

func (v *validator) cronJobName(value string) {
	if v.kubernetesName("cronJobName", value, validation.IsDNS1123Subdomain) && len(value) > maxCronJobNameLength {
		v.add("cronJobName", value, "is too long; allowed: at most %d characters", maxCronJobNameLength)
	}
}

func (v *validator) kubernetesName(key, value string, rule func(string) []string) bool {
	if !v.required(key, value) {
		return false
	}
	if errs := rule(value); len(errs) > 0 {
		v.add(key, value, "is not a valid Kubernetes name: %s", strings.Join(errs, "; "))
		return false
	}
	return true
}

func (v *validator) schedule(value string) {
	if !v.required("schedule", value) {
		return
	}
	if strings.Contains(value, "TZ=") {
		v.add("schedule", value, "sets a time zone inside the schedule, which Kubernetes refuses; give the schedule alone")
		return
	}
	if _, err := cronParser.Parse(value); err != nil {
		v.add("schedule", value, "is not a Kubernetes cron schedule (%v); allowed: 5 fields such as \"*/5 * * * *\", or @hourly, @daily, ...", err)
	}
}

func (v *validator) command(command []string) {
	for i, arg := range command {
		if arg == "" {
			v.add(fmt.Sprintf("command[%d]", i), arg, "is empty; allowed: a non-empty argument")
		}
	}
}

func (v *validator) nodePool(a WorkloadIdentityCronJobArgs) {
	v.required("machineType", a.MachineType)
	if *a.NodeCount < 1 {
		v.add("nodeCount", fmt.Sprint(*a.NodeCount), "is too small; allowed: at least 1")
	}
	if *a.DiskSizeGB < minDiskSizeGB {
		v.add("diskSizeGb", fmt.Sprint(*a.DiskSizeGB), "is too small; allowed: at least %d", minDiskSizeGB)
	}
	if !slices.Contains(diskTypes, a.DiskType) {
		v.add("diskType", a.DiskType, "is not a disk type; allowed: %s", strings.Join(diskTypes, ", "))
	}
}

// ranges checks the four ranges the cluster is built from, then that none of
// them overlaps another, and the authorized networks.
func (v *validator) ranges(a WorkloadIdentityCronJobArgs) {
	named := map[string]netip.Prefix{}
	for _, r := range []struct{ key, value string }{
		{"subnetCidr", a.SubnetCIDR},
		{"podsCidr", a.PodsCIDR},
		{"servicesCidr", a.ServicesCIDR},
		{"masterCidr", a.MasterCIDR},
	} {
		if p, ok := v.privateRange(r.key, r.value); ok {
			named[r.key] = p
		}
	}
	if p, ok := named["masterCidr"]; ok && p.Bits() != masterPrefixLength {
		v.add("masterCidr", a.MasterCIDR, "is a /%d; allowed: exactly a /%d", p.Bits(), masterPrefixLength)
	}
	keys := []string{"subnetCidr", "podsCidr", "servicesCidr", "masterCidr"}
	for i, k := range keys {
		for _, other := range keys[i+1:] {
			p, ok1 := named[k]
			q, ok2 := named[other]
			if ok1 && ok2 && p.Overlaps(q) {
				v.add(other, q.String(), "overlaps %s %s; allowed: a range disjoint from the others", k, p)
			}
		}
	}
	if len(a.AuthorizedNetworks) == 0 {
		v.add("authorizedNetworks", "", "is required; allowed: a list of CIDRs that includes the address of the machine running pulumi")
	}
	for i, cidr := range a.AuthorizedNetworks {
		v.cidr(fmt.Sprintf("authorizedNetworks[%d]", i), cidr)
	}
}

func (v *validator) privateRange(key, value string) (netip.Prefix, bool) {
	p, ok := v.cidr(key, value)
	if !ok {
		return p, false
	}
	if !slices.ContainsFunc(privateRanges, func(r netip.Prefix) bool { return r.Contains(p.Addr()) && r.Bits() <= p.Bits() }) {
		v.add(key, value, "is not a private range; allowed: inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10")
		return p, false
	}
	return p, true
}

func (v *validator) cidr(key, value string) (netip.Prefix, bool) {
	if !v.required(key, value) {
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(value)
	switch {
	case err != nil || !p.Addr().Is4():
		v.add(key, value, "is not an IPv4 CIDR; allowed: ADDRESS/BITS such as 10.0.0.0/24")
		return p, false
	case p.Masked() != p:
		v.add(key, value, "has host bits set; allowed: %s", p.Masked())
		return p, false
	}
	return p, true
}
