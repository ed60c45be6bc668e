package stacks

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/gkewi/gkewi/components"
)

const namespace = "gkewi:"

// gcpKeys are the component arguments that come from the gcp provider's own
// configuration; every other argument is a key in the gkewi namespace.
var gcpKeys = map[string]bool{"project": true, "region": true, "zone": true}

// ConfigKey is the stack configuration key of a component argument key such
// as "roles[0]".
func ConfigKey(argKey string) string {
	if strings.Contains(argKey, ":") {
		return argKey
	}
	name, _, _ := strings.Cut(argKey, "[")
	if gcpKeys[name] {
		return "gcp:" + argKey
	}
	return namespace + argKey
}

// StackConfig is the stack's configuration as the Pulumi engine hands it to
// the program: every key, including those the program does not know, from
// the environment that a language host sets. An inline program of the
// Automation API runs in its caller's process, where nothing sets that
// environment (sdk/go/auto/stack.go builds the program's RunInfo from the
// engine's request instead), so there the configuration is read key by key
// from ctx, and a key that gkewi does not know goes unnoticed.
func StackConfig(ctx *pulumi.Context) (map[string]string, error) {
	config := map[string]string{}
	raw := os.Getenv(pulumi.EnvConfig)
	if raw == "" {
		return knownConfig(ctx), nil
	}
	if err := json.Unmarshal([]byte(raw), &config); err != nil {
		return nil, fmt.Errorf("reading the stack configuration from %s: %w", pulumi.EnvConfig, err)
	}
	return config, nil
}

// knownConfig is the value of every key that an argument is read from.
func knownConfig(ctx *pulumi.Context) map[string]string {
	config := map[string]string{}
	for key := range arguments(reflect.TypeFor[components.WorkloadIdentityCronJobArgs]()) {
		if value, ok := ctx.GetConfig(ConfigKey(key)); ok {
			config[ConfigKey(key)] = value
		}
	}
	return config
}

// arguments are the component's arguments, by the key its field's `pulumi`
// tag names, so that the fields are the one list of keys.
func arguments(args reflect.Type) func(func(string, reflect.StructField) bool) {
	return func(yield func(string, reflect.StructField) bool) {
		for _, field := range reflect.VisibleFields(args) {
			key, _, _ := strings.Cut(field.Tag.Get("pulumi"), ",")
			if key == "" || key == "-" {
				continue
			}
			if !yield(key, field) {
				return
			}
		}
	}
}

// Parse turns a stack configuration into the arguments of the component
// called name, and validates them. Its error lists every problem, one a line,
// by configuration key: values that do not parse, unknown gkewi keys, and
// every rule of the component's own validation.
func Parse(config map[string]string, name string) (*components.WorkloadIdentityCronJobArgs, error) {
	l := loader{config: config, read: map[string]bool{}, unparsed: map[string]bool{}}
	args := &components.WorkloadIdentityCronJobArgs{}
	if err := l.readArgs(reflect.ValueOf(args).Elem()); err != nil {
		return nil, err
	}

	var invalid *components.ValidationError
	if err := args.Validate(name); errors.As(err, &invalid) {
		l.keepUnlessUnparsed(invalid.Problems)
	} else if err != nil {
		return nil, err
	}
	l.unknownKeys()
	if len(l.problems) > 0 {
		return nil, configError(l.problems)
	}
	return args, nil
}

func configError(problems []components.Problem) error {
	lines := make([]string, len(problems))
	for i, p := range problems {
		lines[i] = p.Format(ConfigKey)
	}
	return fmt.Errorf("invalid stack configuration (nothing was created):\n%s", strings.Join(lines, "\n"))
}

// readArgs reads every argument from its key.
func (l *loader) readArgs(args reflect.Value) error {
	for key, field := range arguments(args.Type()) {
		switch dst := args.FieldByIndex(field.Index).Addr().Interface().(type) {
		case *string:
			l.string(key, dst)
		case *bool:
			l.bool(key, dst)
		case **bool:
			l.optionalBool(key, dst)
		case **int:
			l.int(key, dst)
		case *[]string:
			l.list(key, dst)
		case *pulumi.StringArrayInput:
			l.inputList(key, dst)
		case *pulumi.StringInput:
			l.secret(key, dst)
		case *map[string][]string:
			l.rolesByProject(key, dst)
		case **components.ExistingCluster:
			l.existingCluster(key, dst)
		case *[]components.Grant:
			l.grants(key, dst)
		default:
			return fmt.Errorf("gkewi cannot read the argument %s (%s) from stack configuration", key, field.Type)
		}
	}
	return nil
}

// loader reads configuration values by argument key, remembers which keys it
// read, and keeps a problem for each value it cannot parse.
type loader struct {
	config   map[string]string
	read     map[string]bool
	unparsed map[string]bool
	problems []components.Problem
}

func (l *loader) raw(key string) (string, bool) {
	l.read[ConfigKey(key)] = true
	value, ok := l.config[ConfigKey(key)]
	return value, ok
}

func (l *loader) fail(key, value, message string) {
	l.unparsed[key] = true
	l.problems = append(l.problems, components.Problem{Key: key, Value: value, Message: message})
}

// keepUnlessUnparsed keeps the validation problems, except those about a key
// whose value did not parse: its own problem already says what is wrong.
func (l *loader) keepUnlessUnparsed(problems []components.Problem) {
	for _, p := range problems {
		if !l.unparsed[topKey(p.Key)] {
			l.problems = append(l.problems, p)
		}
	}
}

// topKey is the argument a key such as "roles[0]" or "additionalProjectRoles.p" is part of.
func topKey(key string) string {
	if end := strings.IndexAny(key, "[."); end >= 0 {
		return key[:end]
	}
	return key
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

func (l *loader) bool(key string, dst *bool) {
	var b *bool
	l.optionalBool(key, &b)
	if b != nil {
		*dst = *b
	}
}

func (l *loader) optionalBool(key string, dst **bool) {
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
	var list []string
	if err := json.Unmarshal([]byte(value), &list); err != nil || list == nil {
		l.fail(key, value, `is not a list of strings; allowed: a YAML list such as ["a", "b"]`)
		return
	}
	*dst = list
}

// inputList reads a list that the component also takes as an Output; from
// configuration it is plain, so that Validate checks it before anything is
// created.
func (l *loader) inputList(key string, dst *pulumi.StringArrayInput) {
	var list []string
	if l.list(key, &list); list != nil {
		*dst = pulumi.ToStringArray(list)
	}
}

// secret reads a string that the component takes as an Input, which is
// secret (kubeconfig, tagged `provider:"secret"`), as a secret whether or not
// the stack holds it as one; an empty value is no value, as for every other
// string.
func (l *loader) secret(key string, dst *pulumi.StringInput) {
	if value, _ := l.raw(key); value != "" {
		*dst = pulumi.ToSecret(pulumi.String(value)).(pulumi.StringOutput)
	}
}

func (l *loader) rolesByProject(key string, dst *map[string][]string) {
	value, ok := l.raw(key)
	if !ok {
		return
	}
	var roles map[string][]string
	if err := json.Unmarshal([]byte(value), &roles); err != nil || roles == nil {
		l.fail(key, value, `is not a map of project ids to lists of roles; allowed: {"other-project": ["roles/a", "roles/b"]}`)
		return
	}
	*dst = roles
}

func (l *loader) existingCluster(key string, dst **components.ExistingCluster) {
	value, ok := l.raw(key)
	if !ok {
		return
	}
	var named components.ExistingCluster
	decoder := json.NewDecoder(strings.NewReader(value))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&named); err != nil {
		l.fail(key, value, "is not a cluster; allowed: {name: NAME, location: ZONE_OR_REGION, project: PROJECT}, the project optional")
		return
	}
	*dst = &named
}

func (l *loader) grants(key string, dst *[]components.Grant) {
	value, ok := l.raw(key)
	if !ok {
		return
	}
	var grants []components.Grant
	decoder := json.NewDecoder(strings.NewReader(value))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&grants); err != nil || grants == nil {
		l.fail(key, value, "is not a list of grants; allowed: [{kind: KIND, name: NAME, role: ROLE, project: PROJECT}, ...], the project optional")
		return
	}
	*dst = grants
}

// unknownKeys refuses every gkewi key that no argument reads, so that a typo
// is not silently ignored.
func (l *loader) unknownKeys() {
	for _, key := range slices.Sorted(maps.Keys(l.config)) {
		if !strings.HasPrefix(key, namespace) || l.read[key] {
			continue
		}
		l.problems = append(l.problems, components.Problem{
			Key:     key,
			Value:   l.config[key],
			Message: fmt.Sprintf("is set under an unknown key; did you mean %s?", l.closestKey(key)),
		})
	}
}

func (l *loader) closestKey(key string) string {
	known := slices.Sorted(maps.Keys(l.read))
	return slices.MinFunc(known, func(a, b string) int {
		return levenshtein.Distance(key, a, nil) - levenshtein.Distance(key, b, nil)
	})
}
