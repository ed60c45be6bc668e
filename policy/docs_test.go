package policy_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

var update = flag.Bool("update", false, "rewrite the tables of README.md from the pack")

// ruleDoc is what a rule's # METADATA says of it.
type ruleDoc struct {
	title, description, fix string
}

// ruleDocs reads the # METADATA of every rule of the pack.
func ruleDocs(t *testing.T) map[string]ruleDoc {
	t.Helper()
	docs := map[string]ruleDoc{}
	for _, module := range loadedPack(t).compiler.Modules {
		for _, a := range module.Annotations {
			if a.Scope != "rule" {
				continue
			}
			target := a.GetTargetPath()
			fix, _ := a.Custom["message"].(string)
			docs[string(target[len(target)-1].Value.(ast.String))] = ruleDoc{title: a.Title, description: a.Description, fix: fix}
		}
	}
	return docs
}

func TestEveryRuleSaysWhatItIsAndHowToFixIt(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	if p.name != "gkewi" || len(p.rules) < 20 {
		t.Fatalf("pack %q with %d rules", p.name, len(p.rules))
	}
	docs := ruleDocs(t)
	for _, rule := range p.rules {
		if doc := docs[rule.name]; doc.title == "" || doc.description == "" || doc.fix == "" {
			t.Errorf("rule %s has no # METADATA with a title, a description and custom.message", rule.name)
		}
	}
}

func TestREADMERuleTableIsCurrent(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	docs := ruleDocs(t)
	var table strings.Builder
	table.WriteString("| Rule | Level | What it checks | How to fix it |\n|---|---|---|---|\n")
	for _, rule := range p.rules {
		doc := docs[rule.name]
		fmt.Fprintf(&table, "| `%s`<br>%s | %s | %s | %s |\n", rule.name, doc.title, level(rule), doc.description, doc.fix)
	}
	goldenSection(t, "README.md", "<!-- BEGIN RULES", "<!-- END RULES -->", table.String())
}

func level(rule packRule) string {
	scope := "each resource"
	if rule.stack {
		scope = "the whole stack"
	}
	if rule.mandatory {
		return "mandatory, " + scope
	}
	return "advisory, " + scope
}

// configSchema is config-schema.json as the analyzer reads it (policy.go,
// loadConfigSchemas), which ignores the file silently when it is malformed.
type configSchema map[string]struct {
	Properties map[string]struct {
		Type        string `json:"type"`
		Description string `json:"description"`
		Default     any    `json:"default"`
	} `json:"properties"`
	Required []string `json:"required,omitempty"`
}

func readConfigSchema(t *testing.T) configSchema {
	t.Helper()
	data, err := os.ReadFile("config-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema configSchema
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("config-schema.json, which the analyzer would silently ignore: %v", err)
	}
	return schema
}

func TestTheConfigSchemaConfiguresRulesOfThePack(t *testing.T) {
	t.Parallel()
	p := loadedPack(t)
	for name, rule := range readConfigSchema(t) {
		if !slices.ContainsFunc(p.rules, func(r packRule) bool { return r.name == name }) {
			t.Errorf("config-schema.json configures %s, which the pack does not have", name)
		}
		for key, property := range rule.Properties {
			if property.Description == "" || property.Type == "" {
				t.Errorf("config-schema.json: %s.%s has no type or no description", name, key)
			}
		}
	}
}

func TestREADMEConfigTableIsCurrent(t *testing.T) {
	t.Parallel()
	var table strings.Builder
	table.WriteString("| Rule | Key | Type | Default | What it is |\n|---|---|---|---|---|\n")
	schema := readConfigSchema(t)
	for _, name := range slices.Sorted(maps.Keys(schema)) {
		for _, key := range slices.Sorted(maps.Keys(schema[name].Properties)) {
			property := schema[name].Properties[key]
			def, _ := json.Marshal(property.Default)
			fmt.Fprintf(&table, "| `%s` | `%s` | %s | `%s` | %s |\n", name, key, property.Type, def, property.Description)
		}
	}
	goldenSection(t, "README.md", "<!-- BEGIN CONFIGURATION", "<!-- END CONFIGURATION -->", table.String())
}

// goldenSection compares got with the part of the file at path between the
// line that starts with begin and the line end, or rewrites it with -update.
func goldenSection(t *testing.T, path, begin, end, got string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, begin)
	if i >= 0 {
		i += strings.Index(text[i:], "\n") + 1
	}
	j := strings.Index(text, end)
	if i <= 0 || j < i {
		t.Fatalf("%s lacks the markers %q and %q", path, begin, end)
	}
	if *update {
		if err := os.WriteFile(path, []byte(text[:i]+got+text[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if text[i:j] != got {
		t.Errorf("the table in %s after %q is stale; run `make plan` and review the diff", path, begin)
	}
}

// TestEveryPlanNamesTheRulesOfThePack keeps the checkedAgainst list of the
// plan files (tests/testdata/plans, which the program's tests write with a
// plain scan of the .rego files) equal to the rules that OPA compiles.
func TestEveryPlanNamesTheRulesOfThePack(t *testing.T) {
	t.Parallel()
	var want []string
	for _, rule := range loadedPack(t).rules {
		want = append(want, "policy/"+rule.name)
	}
	slices.Sort(want)
	plans, _ := filepath.Glob(filepath.Join("..", "tests", "testdata", "plans", "*.yaml"))
	if len(plans) == 0 {
		t.Fatal("no plan files in tests/testdata/plans")
	}
	for _, path := range plans {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := checkedAgainst(string(data)); !slices.Equal(got, want) {
			t.Errorf("%s is checked against %v; the pack has %v; run `make plan`", path, got, want)
		}
	}
}

// checkedAgainst reads the policy/ entries of a plan's checkedAgainst list.
func checkedAgainst(plan string) []string {
	_, list, _ := strings.Cut(plan, "\ncheckedAgainst:\n")
	var rules []string
	for line := range strings.Lines(list) {
		entry, ok := strings.CutPrefix(strings.TrimSpace(line), "- ")
		if !ok {
			break
		}
		if strings.HasPrefix(entry, "policy/") {
			rules = append(rules, entry)
		}
	}
	return rules
}
