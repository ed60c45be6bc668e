package components

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	// Time zones must load the same on every machine, whatever it has installed.
	_ "time/tzdata"

	"github.com/distribution/reference"
	"github.com/robfig/cron/v3"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Problem is one bad argument: the argument's key (its `pulumi` tag, with an
// index for list items), the value given, and what is wrong with it. Message
// names other arguments as {key}, so that each caller can spell keys its way.
type Problem struct {
	Key     string
	Value   string
	Message string
}

var keyReference = regexp.MustCompile(`\{([a-zA-Z]+)\}`)

// Format renders the problem as one line, with every key spelled by keyName.
func (p Problem) Format(keyName func(string) string) string {
	message := keyReference.ReplaceAllStringFunc(p.Message, func(ref string) string {
		return keyName(strings.Trim(ref, "{}"))
	})
	return oneLine(fmt.Sprintf("%s: %q %s", keyName(p.Key), p.Value, message))
}

// oneLine escapes control characters, which a key or a parser's message may
// carry from the value, so that each problem stays on its own line.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

func (p Problem) String() string {
	return p.Format(func(key string) string { return key })
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
	maxNodePoolNameLength = 40 - 1 - randomSuffixLength // GKE's 40, less the random suffix
	maxNetworkNameLength  = 63                          // and of most other Compute Engine names
	maxCronJobNameLength  = 52                          // the CronJob controller appends 11 characters to name its Jobs
	minDiskSizeGB         = 10
	masterPrefixLength    = 28
)

var (
	accountIDPattern = regexp.MustCompile(`^[a-z](?:[-a-z0-9]{4,28}[a-z0-9])$`)
	gcpNamePattern   = regexp.MustCompile(`^[a-z](?:[-a-z0-9]*[a-z0-9])?$`)
	rolePattern      = regexp.MustCompile(`^(roles|(projects|organizations)/[^/]+/roles)/[a-zA-Z0-9_.]+$`)
	// permissionLike is SERVICE.RESOURCE.VERB. Some predefined roles have two
	// dots too (roles/cloudbuild.builds.editor), so behind roles/ it is a
	// permission only when it ends in a verb.
	permissionLike   = regexp.MustCompile(`^[a-z]+(\.[a-zA-Z]+){2,}$`)
	permissionVerbs  = regexp.MustCompile(`\.(get|list|create|delete|update|use|getData|publish|consume|access|connect|patch|actAs|getIamPolicy|setIamPolicy|getAccessToken|invoke|run|read|write)$`)
	projectNumber    = regexp.MustCompile(`^[0-9]+$`)
	regionPattern    = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+$`)
	zonePattern      = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+-[a-z]$`)
	basicRoles       = []string{"roles/owner", "roles/editor"}
	projectIDPattern = regexp.MustCompile(`^[a-z][-a-z0-9]{4,28}[a-z0-9]$`)
	diskTypes        = []string{"pd-standard", "pd-balanced", "pd-ssd", "hyperdisk-balanced"}
	// reservedNamespaces belong to Kubernetes itself; gkewi must not take
	// one over, label it restricted, or delete it on destroy.
	reservedNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}
	privateRanges      = []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("100.64.0.0/10"),
	}
	// cronParser accepts what Kubernetes accepts: it is the parser the CronJob
	// controller uses, with the same options.
	cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
)

// Validate checks args as NewWorkloadIdentityCronJob would use them (defaults
// filled in for the component called name) and returns a *ValidationError
// listing every problem, or nil.
func (args *WorkloadIdentityCronJobArgs) Validate(name string) error {
	return args.withDefaults(name).validate(name, *args)
}

// validate checks a, the args with defaults filled in; given are the args as
// the caller gave them, to tell what was set on purpose.
func (a WorkloadIdentityCronJobArgs) validate(name string, given WorkloadIdentityCronJobArgs) error {
	var v validator
	if name == "" || !utf8.ValidString(name) {
		v.add("name", name, "is not a component name; allowed: a non-empty UTF-8 string")
	}
	v.projectID("project", a.Project)
	v.identity(a, given)
	v.roles("roles", a.Roles, a)
	v.additionalProjectRoles(a)
	if a.existingCluster() {
		v.existingCluster(given)
	} else {
		v.newCluster(a)
	}
	v.kubernetesObjects(a)
	v.cronJobName(a.CronJobName)
	v.schedule(a.Schedule)
	v.timeZone(a.TimeZone)
	v.jobLimits(a)
	v.image(a.Image)
	// The default command is built from the project, which has its own rule.
	v.command(given.Command)
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

func (v *validator) projectID(key, value string) {
	switch {
	case !v.required(key, value):
	case projectNumber.MatchString(value):
		v.add(key, value, "is a project number; allowed: the project id, which `gcloud projects describe %s --format='value(projectId)'` prints", value)
	case !projectIDPattern.MatchString(value):
		v.add(key, value, "is not a project id; allowed: 6-30 lowercase letters, digits and '-', starting with a letter and not ending with '-'")
	}
}

func (v *validator) namespace(value string) {
	if !v.kubernetesName("namespace", value, validation.IsDNS1123Label) {
		return
	}
	if slices.Contains(reservedNamespaces, value) || strings.HasPrefix(value, "kube-") {
		v.add("namespace", value, "is reserved for Kubernetes (%s, kube-*); allowed: a namespace of your own", strings.Join(reservedNamespaces, ", "))
	}
}

func (v *validator) zone(region, zone string) {
	regionOK := v.required("region", region)
	if regionOK && !regionPattern.MatchString(region) {
		v.add("region", region, "is not a region; allowed: a region such as asia-northeast1")
		regionOK = false
	}
	if !v.required("zone", zone) {
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

func (v *validator) accountID(id string) {
	if id != "" && !accountIDPattern.MatchString(id) {
		v.add("serviceAccountId", id,
			"is not a valid account id; allowed: 6-30 characters, lowercase letters, digits and '-', starting with a letter and not ending with '-'")
	}
}

func (v *validator) roles(listKey string, roles []string, a WorkloadIdentityCronJobArgs) {
	for i, role := range roles {
		key := fmt.Sprintf("%s[%d]", listKey, i)
		switch {
		case isPermission(role):
			v.add(key, role, "is a permission, not a role; %s", roleHint(strings.TrimPrefix(role, "roles/")))
		case !rolePattern.MatchString(role):
			v.add(key, role, "is not a role; allowed: roles/NAME, projects/PROJECT/roles/NAME or organizations/ORG/roles/NAME")
		case slices.Contains(basicRoles, role) && !a.AllowBasicRoles:
			v.add(key, role, "is a basic role that can change almost anything in the project; grant a narrower role, or set {allowBasicRoles} to true")
		case EscalationRoles[role] != "" && !a.AllowEscalationRoles:
			v.add(key, role, "lets the job act as other identities or change IAM: it %s; grant a narrower role, or set {allowEscalationRoles} to true", EscalationRoles[role])
		case slices.Index(roles, role) < i:
			v.add(key, role, "is listed twice; allowed: each role once")
		}
	}
}

// isPermission tells whether role is a permission given where a role belongs:
// bare, or behind roles/ with a verb at its end.
func isPermission(role string) bool {
	permission, prefixed := strings.CutPrefix(role, "roles/")
	return permissionLike.MatchString(permission) && (!prefixed || permissionVerbs.MatchString(permission))
}

// EscalationRoles are the predefined roles that would let the job act as
// other identities or change who may do what, each with why. Roles and
// AdditionalProjectRoles refuse them unless AllowEscalationRoles is set.
var EscalationRoles = map[string]string{
	WorkloadIdentityUserRole:                     "can act as any service account of the project through Workload Identity",
	"roles/iam.serviceAccountTokenCreator":       "can mint access tokens for any service account of the project",
	"roles/iam.serviceAccountOpenIdTokenCreator": "can mint identity tokens for any service account of the project",
	"roles/iam.serviceAccountUser":               "can run resources as any service account of the project",
	"roles/iam.serviceAccountKeyAdmin":           "can create key files for any service account of the project, the very keys gkewi exists to avoid",
	"roles/iam.serviceAccountAdmin":              "can change who may act as any service account of the project, its own included",
	"roles/resourcemanager.projectIamAdmin":      "can change the project's IAM policy, and so grant itself any role",
	"roles/iam.securityAdmin":                    "can change the IAM policies of the project and of its resources",
	"roles/container.admin":                      "has full control of the project's GKE clusters, every workload's identity included",
}

// smallestRoles are common permissions a job needs, each with the smallest
// predefined role that holds it.
var smallestRoles = map[string]string{
	"resourcemanager.projects.get":  DefaultRole,
	"storage.objects.get":           "roles/storage.objectViewer",
	"storage.objects.list":          "roles/storage.objectViewer",
	"storage.objects.create":        "roles/storage.objectCreator",
	"bigquery.jobs.create":          "roles/bigquery.jobUser",
	"bigquery.tables.getData":       "roles/bigquery.dataViewer",
	"pubsub.topics.publish":         "roles/pubsub.publisher",
	"pubsub.subscriptions.consume":  "roles/pubsub.subscriber",
	"secretmanager.versions.access": "roles/secretmanager.secretAccessor",
	"logging.logEntries.create":     "roles/logging.logWriter",
	"logging.logEntries.list":       "roles/logging.viewer",
	"monitoring.timeSeries.create":  "roles/monitoring.metricWriter",
	"cloudsql.instances.connect":    "roles/cloudsql.client",
	"cloudtrace.traces.patch":       "roles/cloudtrace.agent",
}

// roleHint says which role to grant instead of a permission: the smallest
// one where gkewi knows it, otherwise where to look it up.
func roleHint(permission string) string {
	if role, ok := smallestRoles[permission]; ok {
		return fmt.Sprintf("grant the smallest role that holds it, %q", role)
	}
	return "grant a role that holds it; https://cloud.google.com/iam/docs/permissions-reference lists the roles of each permission"
}

func (v *validator) gcpName(key, value string, maxLength int) {
	if !v.required(key, value) {
		return
	}
	if len(value) > maxLength || !gcpNamePattern.MatchString(value) {
		v.add(key, value, "is not a valid name; allowed: at most %d lowercase letters, digits and '-', starting with a letter and not ending with '-'", maxLength)
	}
}

func (v *validator) cronJobName(value string) {
	if v.kubernetesName("cronJobName", value, validation.IsDNS1123Subdomain) && len(value) > maxCronJobNameLength {
		v.add("cronJobName", value, "is %d characters long; allowed: at most %d", len(value), maxCronJobNameLength)
	}
}

func (v *validator) kubernetesName(key, value string, rule func(string) []string) bool {
	if !v.required(key, value) {
		return false
	}
	if errs := rule(value); len(errs) > 0 {
		v.add(key, value, "is not a valid Kubernetes name; allowed: %s", strings.Join(errs, "; "))
		return false
	}
	return true
}

func (v *validator) schedule(value string) {
	if !v.required("schedule", value) {
		return
	}
	if strings.Contains(value, "TZ=") {
		v.add("schedule", value, "sets a time zone inside the schedule, which Kubernetes refuses; give the schedule alone and set {timeZone}")
		return
	}
	if _, err := cronParser.Parse(value); err != nil {
		v.add("schedule", value, "is not a cron schedule (%v); allowed: 5 fields such as \"*/5 * * * *\", or @hourly, @daily, @weekly, @monthly, @yearly", err)
	}
}

// minStartingDeadlineSeconds is the shortest deadline the CronJob controller,
// which checks every 10 seconds, can reliably meet.
const minStartingDeadlineSeconds = 10

var concurrencyPolicies = []string{"Allow", "Forbid", "Replace"}

func (v *validator) jobLimits(a WorkloadIdentityCronJobArgs) {
	if !slices.Contains(concurrencyPolicies, a.ConcurrencyPolicy) {
		v.add("concurrencyPolicy", a.ConcurrencyPolicy, "is not a concurrency policy; allowed: %s", strings.Join(concurrencyPolicies, ", "))
	}
	v.atLeast("startingDeadlineSeconds", *a.StartingDeadlineSeconds, minStartingDeadlineSeconds)
	v.atLeast("backoffLimit", *a.BackoffLimit, 0)
	v.atLeast("activeDeadlineSeconds", *a.ActiveDeadlineSeconds, 1)
}

func (v *validator) atLeast(key string, value, minimum int) {
	if value < minimum {
		v.add(key, fmt.Sprint(value), "is too small; allowed: at least %d", minimum)
	}
}

func (v *validator) timeZone(value string) {
	if value == "" {
		return
	}
	if _, err := time.LoadLocation(value); err != nil || strings.EqualFold(value, "Local") {
		v.add("timeZone", value, "is not a time zone; allowed: an IANA name such as Asia/Tokyo or Etc/UTC")
	}
}

func (v *validator) image(value string) {
	if !v.required("image", value) {
		return
	}
	if _, err := reference.ParseNormalizedNamed(value); err != nil {
		v.add("image", value, "is not an image reference (%v); allowed: REGISTRY/REPOSITORY[:TAG][@DIGEST]", err)
	}
}

func (v *validator) command(command []string) {
	if command != nil && len(command) == 0 {
		v.add("command", "[]", "is empty; allowed: a command and its arguments, or no key for the default")
	}
	for i, arg := range command {
		if arg == "" {
			v.add(fmt.Sprintf("command[%d]", i), arg, "is empty; allowed: a non-empty argument")
		}
	}
}

func (v *validator) nodePool(a WorkloadIdentityCronJobArgs) {
	v.required("machineType", a.MachineType)
	v.atLeast("nodeCount", *a.NodeCount, 1)
	v.atLeast("diskSizeGb", *a.DiskSizeGB, minDiskSizeGB)
	if !slices.Contains(diskTypes, a.DiskType) {
		v.add("diskType", a.DiskType, "is not a GKE node disk type; allowed: %s", strings.Join(diskTypes, ", "))
	} else if strings.HasPrefix(a.DiskType, "hyperdisk-") && strings.HasPrefix(a.MachineType, "n1-") {
		v.add("diskType", a.DiskType, "does not work with {machineType} %s; allowed: a pd-* disk type, or a machine type that supports Hyperdisk such as c3-standard-4", a.MachineType)
	}
	if *a.Preemptible && a.Spot {
		v.add("spot", "true", "is set together with {preemptible}; allowed: at most one of them (spot is the newer kind)")
	}
}

// ranges checks the four ranges the cluster is built from, then that none of
// them overlaps another.
func (v *validator) ranges(a WorkloadIdentityCronJobArgs) {
	keys := []string{"subnetCidr", "podsCidr", "servicesCidr", "masterCidr"}
	values := []string{a.SubnetCIDR, a.PodsCIDR, a.ServicesCIDR, a.MasterCIDR}
	prefixes := make([]netip.Prefix, len(keys))
	valid := make([]bool, len(keys))
	for i, key := range keys {
		prefixes[i], valid[i] = v.privateRange(key, values[i])
	}
	if master := prefixes[3]; valid[3] && master.Bits() != masterPrefixLength {
		v.add("masterCidr", a.MasterCIDR, "is a /%d; allowed: exactly a /%d", master.Bits(), masterPrefixLength)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if valid[i] && valid[j] && prefixes[i].Overlaps(prefixes[j]) {
				v.add(keys[j], values[j], "overlaps {%s} %s; allowed: a range disjoint from the other ranges", keys[i], values[i])
			}
		}
	}
}

func (v *validator) privateRange(key, value string) (netip.Prefix, bool) {
	p, ok := v.cidr(key, value)
	if !ok {
		return p, false
	}
	if !slices.ContainsFunc(privateRanges, func(r netip.Prefix) bool { return r.Bits() <= p.Bits() && r.Contains(p.Addr()) }) {
		v.add(key, value, "is not a private range; allowed: inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10")
		return p, false
	}
	return p, true
}

func (v *validator) authorizedNetworks(cidrs []string, allowAnywhere bool) {
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
