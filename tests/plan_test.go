package tests

import (
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/gkewi/gkewi/stacks"
)

var update = flag.Bool("update", false, "rewrite the plan files and docs/architecture.md from the program")

// plan is what a plan file holds.
type plan struct {
	Stack        string            `yaml:"stack"`
	Resources    []planResource    `yaml:"resources"`
	Outputs      map[string]any    `yaml:"outputs"`
	CriticalPath criticalPathEntry `yaml:"criticalPath"`
	// CheckedAgainst names the rules that the tests hold this stack to: every
	// rule of the policy pack (policy/rules_test.go evaluates them over the
	// stack's recording, and checks this list) and the restricted Pod
	// Security Standard (tests/policy_test.go).
	CheckedAgainst []string `yaml:"checkedAgainst"`
	// Warnings are what the component warns of in every preview.
	Warnings []string `yaml:"warnings,omitempty"`
}

type planResource struct {
	Name          string         `yaml:"name"`
	Type          string         `yaml:"type"`
	Parent        string         `yaml:"parent,omitempty"`
	Provider      string         `yaml:"provider,omitempty"`
	Protect       bool           `yaml:"protect,omitempty"`
	IgnoreChanges []string       `yaml:"ignoreChanges,omitempty"`
	DependsOn     []string       `yaml:"dependsOn,omitempty"`
	Inputs        map[string]any `yaml:"inputs,omitempty"`
}

type criticalPathEntry struct {
	Minutes float64 `yaml:"minutes"`
	// SequentialMinutes is the same resources created one after another, as
	// the manual recipe does.
	SequentialMinutes float64  `yaml:"sequentialMinutes"`
	Chain             []string `yaml:"chain"`
}

func buildPlan(t *testing.T, stack string, config map[string]string, rec *recorder) plan {
	args, err := stacks.Parse(config, testProject)
	if err != nil {
		t.Fatal(err)
	}
	p := plan{Stack: stack, Outputs: map[string]any{}, Warnings: args.GrantWarnings(testProject)}
	for _, reg := range rec.resources {
		deps := slices.Clone(reg.DependsOn)
		slices.Sort(deps)
		p.Resources = append(p.Resources, planResource{
			Name:          reg.Name,
			Type:          reg.Type,
			Parent:        reg.Parent,
			Provider:      reg.Provider,
			Protect:       reg.Protect,
			IgnoreChanges: reg.IgnoreChanges,
			DependsOn:     deps,
			Inputs:        renderMap(reg.Inputs),
		})
	}
	slices.SortFunc(p.Resources, func(a, b planResource) int {
		return strings.Compare(a.Name+" "+a.Type, b.Name+" "+b.Type)
	})
	for key, out := range rec.outputs {
		p.Outputs[key] = out.value
		if out.secret {
			p.Outputs[key] = "[secret]"
		}
	}
	chain, seconds := criticalPath(rec)
	p.CriticalPath = criticalPathEntry{
		Minutes:           minutes(seconds),
		SequentialMinutes: minutes(sequentialSeconds(rec)),
		Chain:             chain,
	}
	p.CheckedAgainst = append(policyRules(), podSecurityStandard)
	return p
}

const podSecurityStandard = "the restricted Pod Security Standard (Kubernetes' evaluator)"

// ruleLine is how a rule of the pack begins: `deny_x contains msg if {`.
var ruleLine = regexp.MustCompile(`(?m)^((?:stack_)?(?:deny|warn)_\w+) contains `)

// policyRules names the rules of the policy pack, as policy/<rule>, sorted.
// A plain scan is enough here: the pack's own tests compile it and check
// that each plan names exactly its rules.
func policyRules() []string {
	var rules []string
	files, _ := filepath.Glob(filepath.Join("..", "policy", "*.rego"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			panic(err)
		}
		for _, match := range ruleLine.FindAllStringSubmatch(string(data), -1) {
			rules = append(rules, "policy/"+match[1])
		}
	}
	slices.Sort(rules)
	return slices.Compact(rules)
}

func minutes(seconds int) float64 {
	return float64(seconds*10/60) / 10
}

// renderMap turns inputs into plain values, with secrets hidden.
func renderMap(m resource.PropertyMap) map[string]any {
	if len(m) == 0 {
		return nil
	}
	out := map[string]any{}
	for k, v := range m {
		out[string(k)] = render(v)
	}
	return out
}

func render(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return "[secret]"
	case v.IsComputed() || v.IsOutput() && !v.OutputValue().Known:
		return "[unknown]"
	case v.IsOutput():
		return render(v.OutputValue().Element)
	case v.IsObject():
		return renderMap(v.ObjectValue())
	case v.IsArray():
		out := []any{}
		for _, e := range v.ArrayValue() {
			out = append(out, render(e))
		}
		return out
	case v.IsNull():
		return nil
	default:
		return v.V
	}
}

// dependencies are what each resource waits for before it can be created:
// its recorded dependencies and its explicit provider.
func dependencies(rec *recorder) map[string][]string {
	deps := map[string][]string{}
	registered := map[string]bool{}
	for _, reg := range rec.resources {
		registered[reg.Name] = true
	}
	for _, reg := range rec.resources {
		deps[reg.Name] = slices.Clone(reg.DependsOn)
		if registered[reg.Provider] {
			deps[reg.Name] = append(deps[reg.Name], reg.Provider)
		}
	}
	return deps
}

// criticalPath is the chain of dependent resources with the longest total
// creation time, from the first resource created to the last.
func criticalPath(rec *recorder) ([]string, int) {
	return longestChain(rec, func(typ string) int { return kinds[typ].seconds })
}

// longestChain is the chain of dependent resources with the longest total
// of weigh's weights of their types, and that total.
func longestChain[W int | float64](rec *recorder, weigh func(typ string) W) ([]string, W) {
	deps := dependencies(rec)
	weight := map[string]W{}
	for _, reg := range rec.resources {
		weight[reg.Name] = weigh(reg.Type)
	}
	finish := map[string]W{}
	via := map[string]string{}
	var visit func(name string) W
	visit = func(name string) W {
		if f, ok := finish[name]; ok {
			return f
		}
		var longest W
		for _, dep := range slices.Sorted(slices.Values(deps[name])) {
			if f := visit(dep); f > longest {
				longest, via[name] = f, dep
			}
		}
		finish[name] = longest + weight[name]
		return finish[name]
	}
	last := ""
	for _, name := range slices.Sorted(maps.Keys(deps)) {
		if visit(name) > finish[last] || last == "" {
			last = name
		}
	}
	var chain []string
	for name := last; name != ""; name = via[name] {
		if weight[name] > 0 {
			chain = append([]string{name}, chain...)
		}
	}
	return chain, finish[last]
}

func sequentialSeconds(rec *recorder) int {
	total := 0
	for _, reg := range rec.resources {
		total += kinds[reg.Type].seconds
	}
	return total
}

func TestPlansAreCurrent(t *testing.T) {
	t.Parallel()
	for _, stack := range slices.Sorted(maps.Keys(stackFiles())) {
		t.Run(stack, func(t *testing.T) {
			config := stackConfig(t, stack)
			rec := mustRecord(t, config, inStack(stack))
			var data strings.Builder
			encoder := yaml.NewEncoder(&data)
			encoder.SetIndent(2)
			if err := encoder.Encode(buildPlan(t, stack, config, rec)); err != nil {
				t.Fatal(err)
			}
			header := fmt.Sprintf("# What `make up STACK=%s` creates, generated by `make plan` from Pulumi.%s.yaml.\n"+
				"# Values that a provider computes (account emails, the endpoint, the random suffix) are the\n"+
				"# test mocks' stand-ins. Review this file's diff like a `pulumi preview`.\n", stack, stack)
			golden(t, filepath.Join("testdata", "plans", stack+".yaml"), header+data.String())
		})
	}
}

func TestArchitectureDiagramIsCurrent(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, stackConfig(t, "dev"), inStack("dev"))
	golden(t, filepath.Join("..", "docs", "architecture.md"), architecture(rec))
}

func TestCriticalPathRunsParallelPartsSideBySide(t *testing.T) {
	t.Parallel()
	rec := mustRecord(t, devFixture())
	chain, _ := criticalPath(rec)
	for _, off := range []string{"gkewi-gsa", "gkewi-roles-browser", "gkewi-namespace", "gkewi-cronjob"} {
		if slices.Contains(chain, off) {
			t.Errorf("%s is on the critical path %v; it should not hold up the cluster", off, chain)
		}
	}
	deps := dependencies(rec)
	for _, name := range []string{"gkewi-gsa", "gkewi-roles-browser"} {
		if reaches(deps, name, "gkewi-network") {
			t.Errorf("%s waits for the network, but needs nothing from it", name)
		}
	}
	for _, name := range []string{"gkewi-namespace", "gkewi-ksa", "gkewi-cronjob"} {
		if reaches(deps, name, "gkewi-node-pool") {
			t.Errorf("%s waits for the node pool, but needs no node", name)
		}
	}
}

// reaches tells whether from waits, directly or not, for to.
func reaches(deps map[string][]string, from, to string) bool {
	for _, dep := range deps[from] {
		if dep == to || reaches(deps, dep, to) {
			return true
		}
	}
	return false
}

// golden compares got with the file at path, or rewrites the file with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run `make plan` to write it", err)
	}
	if diff := lineDiff(string(want), got); diff != "" {
		t.Errorf("%s is stale; run `make plan` and review the diff:\n%s", path, diff)
	}
}

// lineDiff lists the lines only in want (-) and only in got (+), in order,
// up to a screenful.
func lineDiff(want, got string) string {
	wantLines, gotLines := strings.Split(want, "\n"), strings.Split(got, "\n")
	var out []string
	i, j := 0, 0
	for (i < len(wantLines) || j < len(gotLines)) && len(out) < 40 {
		switch {
		case i < len(wantLines) && j < len(gotLines) && wantLines[i] == gotLines[j]:
			i++
			j++
		case i < len(wantLines) && !slices.Contains(gotLines[j:], wantLines[i]):
			out = append(out, fmt.Sprintf("-%d: %s", i+1, wantLines[i]))
			i++
		case j < len(gotLines):
			out = append(out, fmt.Sprintf("+%d: %s", j+1, gotLines[j]))
			j++
		default:
			out = append(out, fmt.Sprintf("-%d: %s", i+1, wantLines[i]))
			i++
		}
	}
	return strings.Join(out, "\n")
}
