package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
)

// gcpKeys are the component arguments that come from the gcp provider's own
// configuration; every other argument is a key in the gkewi namespace.
var gcpKeys = map[string]bool{"project": true, "region": true, "zone": true}

// configKey is the stack configuration key of a component argument key such
// as "roles[0]".
func configKey(argKey string) string {
	name, _, _ := strings.Cut(argKey, "[")
	if gcpKeys[name] {
		return "gcp:" + argKey
	}
	return "gkewi:" + argKey
}

// LoadArgs reads the stack configuration into the arguments of the component
// called name, and validates them. Its error lists every problem, one a line,
// by configuration key.
func LoadArgs(ctx *pulumi.Context, name string) (*components.WorkloadIdentityCronJobArgs, error) {
	l := loader{get: ctx.GetConfig}
	args := &components.WorkloadIdentityCronJobArgs{}
	l.string("project", &args.Project)
	l.string("region", &args.Region)
	l.string("zone", &args.Zone)
	l.string("serviceAccountId", &args.ServiceAccountID)
	l.list("roles", &args.Roles)
	l.string("network", &args.Network)
	l.string("subnetwork", &args.Subnetwork)
	l.string("subnetCidr", &args.SubnetCIDR)
	l.string("podsCidr", &args.PodsCIDR)
	l.string("servicesCidr", &args.ServicesCIDR)
	l.string("clusterName", &args.ClusterName)
	l.string("masterCidr", &args.MasterCIDR)
	l.list("authorizedNetworks", &args.AuthorizedNetworks)
	l.bool("deletionProtection", &args.DeletionProtection)
	l.string("nodePoolName", &args.NodePoolName)
	l.string("machineType", &args.MachineType)
	l.int("nodeCount", &args.NodeCount)
	l.int("diskSizeGb", &args.DiskSizeGB)
	l.string("diskType", &args.DiskType)
	l.bool("preemptible", &args.Preemptible)
	l.string("namespace", &args.Namespace)
	l.string("kubernetesServiceAccount", &args.KubernetesServiceAccount)
	l.string("cronJobName", &args.CronJobName)
	l.string("schedule", &args.Schedule)
	l.string("image", &args.Image)
	l.list("command", &args.Command)

	var invalid *components.ValidationError
	if err := args.Validate(name); errors.As(err, &invalid) {
		l.problems = append(l.problems, invalid.Problems...)
	} else if err != nil {
		return nil, err
	}
	if len(l.problems) > 0 {
		return nil, configError(l.problems)
	}
	return args, nil
}

func configError(problems []components.Problem) error {
	lines := make([]string, len(problems))
	for i, p := range problems {
		p.Key = configKey(p.Key)
		lines[i] = p.String()
	}
	return fmt.Errorf("invalid stack configuration:\n%s", strings.Join(lines, "\n"))
}

// loader reads configuration values by argument key and keeps a problem for
// each value it cannot parse.
type loader struct {
	get      func(key string) (string, bool)
	problems []components.Problem
}

func (l *loader) raw(key string) (string, bool) {
	return l.get(configKey(key))
}

func (l *loader) fail(key, value, message string) {
	l.problems = append(l.problems, components.Problem{Key: key, Value: value, Message: message})
}

func (l *loader) string(key string, dst *string) {
	*dst, _ = l.raw(key)
}

func (l *loader) int(key string, dst **int) {
	value, ok := l.raw(key)
	if !ok {
		return
	}
	n, err := strconv.Atoi(value)
	if err != nil {
		l.fail(key, value, "is not a whole number")
		return
	}
	*dst = &n
}

func (l *loader) bool(key string, dst **bool) {
	value, ok := l.raw(key)
	if !ok {
		return
	}
	b, err := strconv.ParseBool(value)
	if err != nil {
		l.fail(key, value, "is not a boolean; allowed: true or false")
		return
	}
	*dst = &b
}

func (l *loader) list(key string, dst *[]string) {
	value, ok := l.raw(key)
	if !ok {
		return
	}
	if err := json.Unmarshal([]byte(value), dst); err != nil {
		l.fail(key, value, "is not a list of strings; allowed: a YAML list such as [\"a\", \"b\"]")
	}
}
