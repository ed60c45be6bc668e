package components

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/util/validation"
)

func (v *validator) namespace(value string) {
	if !v.kubernetesName("namespace", value, validation.IsDNS1123Label) {
		return
	}
	if slices.Contains(reservedNamespaces, value) || strings.HasPrefix(value, "kube-") {
		v.add("namespace", value, "is reserved for Kubernetes (%s, kube-*); allowed: a namespace of your own", strings.Join(reservedNamespaces, ", "))
	}
}

func (v *validator) cronJobName(value string) {
	if v.kubernetesName("cronJobName", value, validation.IsDNS1123Subdomain) && len(value) > maxCronJobNameLength {
		v.add("cronJobName", value, "is %d characters long; allowed: at most %d", len(value), maxCronJobNameLength)
	}
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

// resolvedCommand checks a command given as an Output, once known: one that
// resolves to no list is empty, since the default needs a plain value.
func (v *validator) resolvedCommand(command []string) {
	if command == nil {
		command = []string{}
	}
	v.command(command)
}

// kubernetesObjects checks the namespace and the KSA, created or existing.
func (v *validator) kubernetesObjects(a WorkloadIdentityCronJobArgs) {
	if *a.CreateNamespace {
		v.namespace(a.Namespace)
	} else {
		v.kubernetesName("namespace", a.Namespace, validation.IsDNS1123Label)
	}
	v.kubernetesName("kubernetesServiceAccount", a.KubernetesServiceAccount, validation.IsDNS1123Label)
	if !*a.CreateKubernetesServiceAccount && *a.CreateNamespace {
		v.add("createKubernetesServiceAccount", "false", "needs an existing namespace, since a new one holds no KSA; set {createNamespace} to false")
	}
}
