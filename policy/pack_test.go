// Package policy_test holds the tests of gkewi's policy pack: the pack
// compiled and evaluated with OPA's own library, as pulumi-policy-opa's
// analyzer does, over what the program's tests record of every stack
// (testdata/stacks, written by `make plan`) and over a violation of each
// rule built on the project's fixture (testdata/fixture.json).
package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// packRule is one rule of the pack, named as the analyzer names them
// (cmd/pulumi-analyzer-policy-opa/policy.go at commit 0541594a): deny_ and
// violation_ rules are mandatory, warn_ rules advisory, and stack_ rules see
// every resource at once.
type packRule struct {
	name             string
	stack, mandatory bool
}

var (
	denyRule      = regexp.MustCompile(`^(deny|violation)(_[a-zA-Z0-9]+)*$`)
	warnRule      = regexp.MustCompile(`^warn(_[a-zA-Z0-9]+)*$`)
	stackDenyRule = regexp.MustCompile(`^stack_(deny|violation)(_[a-zA-Z0-9]+)*$`)
	stackWarnRule = regexp.MustCompile(`^stack_warn(_[a-zA-Z0-9]+)*$`)
)

// pack is the pack compiled as the analyzer compiles it: every .rego file of
// the folder, parsed as Rego v0 (the files import rego.v1).
type pack struct {
	name     string
	compiler *ast.Compiler
	rules    []packRule
}

var thePack = sync.OnceValues(func() (*pack, error) { return loadPack(".") })

func loadedPack(t testing.TB) *pack {
	t.Helper()
	p, err := thePack()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// loadPack compiles every .rego file under dir, as the analyzer's
// loadPolicyPack does (policy.go): it walks subfolders too.
func loadPack(dir string) (*pack, error) {
	modules := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, entry fs.DirEntry, err error) error {
		if err != nil || entry.IsDir() || filepath.Ext(path) != ".rego" {
			return err
		}
		data, err := os.ReadFile(path)
		modules[path] = string(data)
		return err
	})
	if err != nil {
		return nil, err
	}
	compiler, err := ast.CompileModulesWithOpt(modules, ast.CompileOpts{ParserOptions: ast.ParserOptions{RegoVersion: ast.RegoV0, ProcessAnnotation: true}})
	if err != nil {
		return nil, fmt.Errorf("compiling the policy pack: %w", err)
	}
	p := &pack{compiler: compiler}
	for _, module := range compiler.Modules {
		p.name = strings.TrimPrefix(module.Package.Path.String(), "data.")
		for _, rule := range module.Rules {
			if r, ok := classify(rule.Head.Name.String()); ok && !slices.Contains(p.rules, r) {
				p.rules = append(p.rules, r)
			}
		}
	}
	slices.SortFunc(p.rules, func(a, b packRule) int { return strings.Compare(a.name, b.name) })
	return p, nil
}

func classify(name string) (packRule, bool) {
	switch {
	case stackDenyRule.MatchString(name):
		return packRule{name: name, stack: true, mandatory: true}, true
	case stackWarnRule.MatchString(name):
		return packRule{name: name, stack: true}, true
	case denyRule.MatchString(name):
		return packRule{name: name, mandatory: true}, true
	case warnRule.MatchString(name):
		return packRule{name: name}, true
	}
	return packRule{}, false
}

// evaluate is the analyzer's evalPolicyPack for one rule: the rule's set of
// messages for input, with the pack's configuration under data.config.
func (p *pack) evaluate(t testing.TB, rule string, input any, config map[string]any) []string {
	t.Helper()
	opts := []func(*rego.Rego){
		rego.Query(fmt.Sprintf("data.%s.%s", p.name, rule)),
		rego.Compiler(p.compiler),
		rego.Input(input),
		rego.SetRegoVersion(ast.RegoV0),
	}
	if config != nil {
		opts = append(opts, rego.Store(inmem.NewFromObject(map[string]any{"config": config})))
	}
	results, err := rego.New(opts...).Eval(context.Background())
	if err != nil {
		t.Fatalf("evaluating %s: %v", rule, err)
	}
	var messages []string
	for _, result := range results {
		for _, expr := range result.Expressions {
			list, _ := expr.Value.([]any)
			for _, v := range list {
				messages = append(messages, fmt.Sprint(v))
			}
		}
	}
	return messages
}

// query is the value of expr, a Rego expression over the pack's package
// (such as a call of one of its functions), for input; nil when undefined.
func (p *pack) query(t testing.TB, expr string, input any) any {
	t.Helper()
	results, err := rego.New(
		rego.Query(fmt.Sprintf("x := data.%s.%s", p.name, expr)),
		rego.Compiler(p.compiler),
		rego.Input(input),
		rego.SetRegoVersion(ast.RegoV0),
	).Eval(context.Background())
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	if len(results) == 0 {
		return nil
	}
	return results[0].Bindings["x"]
}

// mandatory tells whether the pack's rule called name is mandatory.
func (p *pack) mandatory(name string) bool {
	i := slices.IndexFunc(p.rules, func(r packRule) bool { return r.name == name })
	return i >= 0 && p.rules[i].mandatory
}

// violations are the messages of every rule of the pack for a stack:
// resource rules for each resource, stack rules once for all of them.
func (p *pack) violations(t testing.TB, s stack, config map[string]any) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	for _, rule := range p.rules {
		if rule.stack {
			found[rule.name] = append(found[rule.name], p.evaluate(t, rule.name, s.stackInput(), config)...)
			continue
		}
		for _, r := range s.Resources {
			found[rule.name] = append(found[rule.name], p.evaluate(t, rule.name, r.input(), config)...)
		}
	}
	for rule, messages := range found {
		if len(messages) == 0 {
			delete(found, rule)
		}
	}
	return found
}

// stack is what the analyzer's stack rules see (README, "Stack Input
// Structure"; analyzer.go, buildStackOPAInput): every resource, with its
// dependencies.
type stack struct {
	Resources []stackResource `json:"resources"`
}

type stackResource map[string]any

func readStack(t testing.TB, path string) stack {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; run `make plan` to write it", err)
	}
	var s stack
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s
}

// input is a resource rule's input, as the analyzer builds it (README,
// "Resource Input Structure"; analyzer.go, buildOPAInput): the metadata,
// then the properties overlaid at the top, then the __-prefixed metadata.
func (r stackResource) input() map[string]any {
	properties, _ := r["properties"].(map[string]any)
	input := map[string]any{"type": r["type"], "urn": r["urn"], "name": r["name"], "__name": r["name"],
		"options": r["options"], "provider": r["provider"], "properties": properties}
	maps.Copy(input, properties)
	maps.Copy(input, map[string]any{"__type": r["type"], "__urn": r["urn"], "__name": r["name"],
		"__options": r["options"], "__properties": properties, "__provider": r["provider"]})
	return input
}

func (s stack) stackInput() map[string]any {
	var resources []any
	for _, r := range s.Resources {
		input := r.input()
		input["dependencies"] = r["dependencies"]
		input["propertyDependencies"] = r["propertyDependencies"]
		resources = append(resources, input)
	}
	return map[string]any{"resources": resources}
}
