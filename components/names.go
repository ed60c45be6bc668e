package components

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi-random/sdk/v4/go/random"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// projectPrefix starts the names of a project's resources: <name>- for the
// main project, whose names stay short and stable, <name>-<project>- for others.
func projectPrefix(name, project, mainProject string) string {
	if project == mainProject {
		return name + "-"
	}
	return name + "-" + project + "-"
}

// workloadPool is the Workload Identity pool of a project's clusters.
func workloadPool(project string) string {
	return project + ".svc.id.goog"
}

// maxDisplayNameLength is IAM's limit on a service account's display name.
const maxDisplayNameLength = 100

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// networkChildName names a resource of the network (a router, a NAT, a DNS
// zone) after it, within the same length limit.
func networkChildName(network, suffix string) string {
	return truncate(network, maxNetworkNameLength-len(suffix)) + suffix
}

// maxAccountIDLength is IAM's limit on an account id.
const maxAccountIDLength = 30

var notAccountIDChars = regexp.MustCompile(`[^a-z0-9]+`)

// derivedAccountID builds a valid account id from any component name, a
// middle part (may be empty) and a random suffix: lowercase letters, digits
// and dashes, starting with a letter, at most 30 characters. The name is cut
// to fit; the suffix keeps two stacks in one project apart.
func derivedAccountID(name, middle string, suffix pulumi.StringOutput) pulumi.StringOutput {
	prefix := strings.Trim(notAccountIDChars.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if prefix == "" || prefix[0] < 'a' || prefix[0] > 'z' {
		prefix = "wi-" + prefix
	}
	tail := middle + "-"
	if room := maxAccountIDLength - len(tail) - randomSuffixLength; len(prefix) > room {
		prefix = prefix[:room]
	}
	return pulumi.Sprintf("%s%s%s", strings.TrimRight(prefix, "-"), tail, suffix)
}

// randomSuffixLength is the length of a randomSuffix's hex.
const randomSuffixLength = 4

// randomSuffix is four random hex digits, fixed for the life of the stack
// or until one of keepers changes.
func randomSuffix(ctx *pulumi.Context, name string, keepers pulumi.StringMap, opts ...pulumi.ResourceOption,
) (pulumi.StringOutput, error) {
	suffix, err := random.NewRandomId(ctx, name, &random.RandomIdArgs{
		ByteLength: pulumi.Int(randomSuffixLength / 2),
		Keepers:    keepers,
	}, opts...)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("creating random suffix %s: %w", name, err)
	}
	return suffix.Hex, nil
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
