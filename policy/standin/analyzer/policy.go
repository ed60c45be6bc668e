package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"gopkg.in/yaml.v3"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// This file follows upstream's policy.go (loadPolicyPack). Departures:
//   - modules are read in sorted order, so the policies, and the order in
//     which they are evaluated, do not depend on Go's map order;
//   - inputFormat kubernetes-admission is refused, since gkewi's pack does
//     not use it and the stand-in does not build that input;
//   - the authoring warnings (opa/unrecognized-rule, opa/zero-rules) are
//     left out; opa/duplicate-rule and opa/missing-config are kept.

// The rule names that upstream evaluates; every other rule is a helper.
// Stack prefixes are checked first, since stack_deny_x is no deny_x rule.
var (
	denyRulePrefix      = regexp.MustCompile("^(deny|violation)(_[a-zA-Z0-9]+)*$")
	warnRulePrefix      = regexp.MustCompile("^warn(_[a-zA-Z0-9]+)*$")
	stackDenyRulePrefix = regexp.MustCompile("^stack_(deny|violation)(_[a-zA-Z0-9]+)*$")
	stackWarnRulePrefix = regexp.MustCompile("^stack_warn(_[a-zA-Z0-9]+)*$")
)

type enforcementLevel int

const (
	advisoryRule enforcementLevel = iota
	mandatoryRule
	disabledRule
)

type policyScope int

const (
	resourceScope policyScope = iota
	stackScope
)

// policyPack is the pack's metadata: its Rego package and its rules.
type policyPack struct {
	Name        string
	DisplayName string
	Description string
	Policies    []*policyRule
}

// policyRule is one evaluated rule, with what its # METADATA says of it.
type policyRule struct {
	Name         string
	DisplayName  string
	Description  string
	Message      string
	Level        enforcementLevel
	Scope        policyScope
	ConfigSchema *plugin.AnalyzerPolicyConfigSchema
}

type policyPackManifest struct {
	Description string `yaml:"description"`
	Runtime     string `yaml:"runtime"`
	InputFormat string `yaml:"inputFormat"`
}

// loadPolicyPack compiles every .rego file under dir, in subfolders too, into
// one package, and lists its rules.
func loadPolicyPack(dir string) (*policyPack, *evaler, error) {
	manifest, err := readManifest(dir)
	if err != nil {
		return nil, nil, err
	}
	modules, err := readModules(dir)
	if err != nil {
		return nil, nil, err
	}
	// Parsed as Rego v0, as upstream does; gkewi's files import rego.v1,
	// which makes them parse the same either way.
	compiler, err := ast.CompileModulesWithOpt(modules, ast.CompileOpts{
		ParserOptions: ast.ParserOptions{RegoVersion: ast.RegoV0, ProcessAnnotation: true},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("policy compilation failed: %w", err)
	}
	pack := &policyPack{Description: manifest.Description}
	if err := collectRules(pack, compiler); err != nil {
		return nil, nil, err
	}
	attachConfigSchemas(pack, dir)
	return pack, &evaler{c: compiler}, nil
}

// readManifest reads PulumiPolicy.yaml, which is optional to upstream.
func readManifest(dir string) (policyPackManifest, error) {
	var manifest policyPackManifest
	path := filepath.Join(dir, "PulumiPolicy.yaml")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return manifest, nil
	} else if err != nil {
		return manifest, fmt.Errorf("reading %s: %w", path, err)
	}
	if err := yaml.Unmarshal(data, &manifest); err != nil {
		return manifest, fmt.Errorf("parsing %s: %w", path, err)
	}
	if manifest.InputFormat != "" {
		return manifest, fmt.Errorf("inputFormat %q in %s: the test stand-in builds only upstream's default input", manifest.InputFormat, path)
	}
	return manifest, nil
}

// readModules reads each .rego file under dir, named as upstream names it:
// its path relative to dir, without the extension ("gke", "sub/x").
func readModules(dir string) (map[string]string, error) {
	modules := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, entry fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("searching for policies in %s: %w", dir, err)
		}
		if entry.IsDir() || filepath.Ext(path) != ".rego" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("reading policy %s: %w", path, err)
		}
		name, err := filepath.Rel(dir, path)
		if err != nil {
			return fmt.Errorf("normalizing path (%s, %s): %w", dir, path, err)
		}
		modules[strings.TrimSuffix(name, ".rego")] = string(data)
		return nil
	})
	return modules, err
}

// collectRules fills in the pack's name, display name and rules. Every module
// must declare the same package, which names the pack and roots each query.
func collectRules(pack *policyPack, compiler *ast.Compiler) error {
	seen := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(compiler.Modules)) {
		module := compiler.Modules[name]
		pkg := strings.TrimPrefix(module.Package.String(), "package ")
		if pack.Name == "" {
			pack.Name = pkg
		} else if pkg != pack.Name {
			return fmt.Errorf("unexpected package name differences: got %s, expected %s", pkg, pack.Name)
		}
		if pack.DisplayName == "" {
			pack.DisplayName = packageTitle(module)
		}
		for _, rule := range module.Rules {
			policy, ok := classify(rule, name)
			if !ok {
				continue
			}
			if seen[policy.Name] {
				// OPA still merges every body of the rule; only its metadata
				// entry is listed once.
				fmt.Fprintf(os.Stderr, "warning[opa/duplicate-rule]: rule %q in module %q has the same name as an earlier rule\n", policy.Name, name)
				continue
			}
			seen[policy.Name] = true
			pack.Policies = append(pack.Policies, policy)
		}
	}
	return nil
}

// classify tells whether rule is one that upstream evaluates, and describes
// it from its first # METADATA block: title, description, custom.message.
// Without a title, upstream shows the module's name.
func classify(rule *ast.Rule, module string) (*policyRule, bool) {
	name := rule.Head.Name.String()
	policy := &policyRule{Name: name, DisplayName: module}
	switch {
	case stackDenyRulePrefix.MatchString(name):
		policy.Level, policy.Scope = mandatoryRule, stackScope
	case stackWarnRulePrefix.MatchString(name):
		policy.Level, policy.Scope = advisoryRule, stackScope
	case denyRulePrefix.MatchString(name):
		policy.Level, policy.Scope = mandatoryRule, resourceScope
	case warnRulePrefix.MatchString(name):
		policy.Level, policy.Scope = advisoryRule, resourceScope
	default:
		return nil, false
	}
	if len(rule.Annotations) > 0 {
		annotation := rule.Annotations[0]
		if annotation.Title != "" {
			policy.DisplayName = annotation.Title
		}
		policy.Description = annotation.Description
		policy.Message, _ = annotation.Custom["message"].(string)
	}
	return policy, true
}

// packageTitle is the title of a package-scoped # METADATA block, which
// upstream shows as the pack's display name.
func packageTitle(module *ast.Module) string {
	for _, annotation := range module.Annotations {
		if annotation.Scope == "package" && annotation.Title != "" {
			return annotation.Title
		}
	}
	return ""
}

// attachConfigSchemas reads config-schema.json, which maps a rule's name to
// the JSON schema of its configuration. Upstream ignores a missing or
// malformed file, and so does the stand-in.
func attachConfigSchemas(pack *policyPack, dir string) {
	data, err := os.ReadFile(filepath.Join(dir, "config-schema.json"))
	if err != nil {
		return
	}
	var schemas map[string]struct {
		Properties map[string]plugin.JSONSchema `json:"properties"`
		Required   []string                     `json:"required,omitempty"`
	}
	if json.Unmarshal(data, &schemas) != nil {
		return
	}
	for _, policy := range pack.Policies {
		if schema, ok := schemas[policy.Name]; ok {
			policy.ConfigSchema = &plugin.AnalyzerPolicyConfigSchema{Properties: schema.Properties, Required: schema.Required}
		}
	}
}
