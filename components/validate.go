package components

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	// Time zones must load the same on every machine, whatever it has installed.
	_ "time/tzdata"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/robfig/cron/v3"
)

// Problem is one bad argument: the argument's key (its `pulumi` tag, with an
// index for list items), the value given, and what is wrong with it. Message
// names other arguments as {key}, so that each caller can spell keys its way.
type Problem struct {
	Key     string
	Value   string
	Message string
}

var keyReference = regexp.MustCompile(`\{([a-zA-Z][a-zA-Z0-9]*)\}`)

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
	v.grants(a, given)
	if a.existingCluster() {
		v.clusterToUse(given)
	} else {
		v.clusterToCreate(a, given)
	}
	v.kubernetesObjects(a)
	v.cronJobName(a.CronJobName)
	v.schedule(a.Schedule)
	v.timeZone(a.TimeZone)
	v.jobLimits(a)
	v.requests(a)
	v.image(a.Image)
	// The default command is built from the project, which has its own rule.
	// A command given as an Output is checked once known, by jobCommand.
	if command, ok := plainStrings(given.Command); ok {
		v.command(command)
	}
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

func (v *validator) gcpName(key, value string, maxLength int) {
	if !v.required(key, value) {
		return
	}
	if len(value) > maxLength || !gcpNamePattern.MatchString(value) {
		v.add(key, value, "is not a valid name; allowed: at most %d lowercase letters, digits and '-', starting with a letter and not ending with '-'", maxLength)
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

func (v *validator) atLeast(key string, value, minimum int) {
	if value < minimum {
		v.add(key, fmt.Sprint(value), "is too small; allowed: at least %d", minimum)
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

// display shows an argument's value as the user gave it.
func display(value any) string {
	switch x := value.(type) {
	case *bool:
		return fmt.Sprint(*x)
	case *int:
		return fmt.Sprint(*x)
	case pulumi.StringArrayInput:
		if values, ok := plainStrings(x); ok {
			return fmt.Sprintf("%q", values)
		}
		return "(an Output)"
	}
	return fmt.Sprint(value)
}

// onceKnown is value, an argument given as an Output, which Validate could
// not see: it fails once known if check finds a problem with it, with the
// error that Validate gives for a plain value. A resource that takes it as
// an input is then never registered.
func onceKnown[T any](component string, value pulumi.Output, check func(*validator, T)) pulumi.Output {
	return value.ApplyT(func(known T) (T, error) {
		var v validator
		check(&v, known)
		if len(v.problems) > 0 {
			return known, fmt.Errorf("WorkloadIdentityCronJob %q: %w", component, &ValidationError{Problems: v.problems})
		}
		return known, nil
	})
}
