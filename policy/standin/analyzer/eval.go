package main

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"
	"github.com/open-policy-agent/opa/v1/storage/inmem"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// This file follows upstream's eval.go (evalPolicyPack), without the
// kubernetes-admission input.parameters.

// evaler evaluates the pack's rules with the compiler that loaded them.
type evaler struct {
	c *ast.Compiler
}

// evalPolicyResult is one message that one rule yields.
type evalPolicyResult struct {
	pack  string
	rule  string
	msg   string
	level enforcementLevel
}

// evalPolicyPack queries data.<pack>.<rule> for each rule of scope that the
// configuration does not disable, and returns each message that it yields.
// As upstream does, each rule is its own query, and the configuration's
// properties are the data under data.config.<rule>.
func (e *evaler) evalPolicyPack(
	ctx context.Context,
	pack *policyPack,
	input any,
	scope policyScope,
	policyConfig map[string]plugin.AnalyzerPolicyConfig,
) ([]evalPolicyResult, error) {
	store := buildConfigStore(policyConfig)
	var results []evalPolicyResult
	for _, rule := range pack.Policies {
		if rule.Scope != scope || configuredEnforcementLevel(policyConfig, rule.Name) == apitype.Disabled {
			continue
		}
		messages, err := e.evalRule(ctx, pack.Name, rule.Name, input, store)
		if err != nil {
			return nil, err
		}
		for _, msg := range messages {
			results = append(results, evalPolicyResult{pack: pack.Name, rule: rule.Name, msg: msg, level: rule.Level})
		}
	}
	return results, nil
}

// evalRule returns the messages of one rule. A rule is a set of messages,
// which OPA returns as a list; a rule that is not, such as a boolean, yields
// none, as upstream reads it.
func (e *evaler) evalRule(ctx context.Context, pkg, rule string, input any, store storage.Store) ([]string, error) {
	opts := []func(*rego.Rego){
		rego.Query(fmt.Sprintf("data.%s.%s", pkg, rule)),
		rego.Compiler(e.c),
		rego.Input(input),
		rego.SetRegoVersion(ast.RegoV0),
	}
	if store != nil {
		opts = append(opts, rego.Store(store))
	}
	resultSet, err := rego.New(opts...).Eval(ctx)
	if err != nil {
		return nil, fmt.Errorf("evaluating rule %s.%s: %w", pkg, rule, err)
	}
	var messages []string
	for _, result := range resultSet {
		for _, expr := range result.Expressions {
			values, _ := expr.Value.([]any)
			for _, v := range values {
				messages = append(messages, violationMessage(v))
			}
		}
	}
	return messages, nil
}

// violationMessage is a rule's message: a string, or the msg of a
// Gatekeeper-style {"msg": ...} value (upstream's extractViolationMessage).
func violationMessage(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if msg, ok := v["msg"].(string); ok {
			return msg
		}
	}
	return fmt.Sprintf("%v", v)
}

// buildConfigStore puts each rule's configured properties under
// data.config.<rule>; nil when no rule has any, as upstream does.
func buildConfigStore(policyConfig map[string]plugin.AnalyzerPolicyConfig) storage.Store {
	config := map[string]any{}
	for name, cfg := range policyConfig {
		if len(cfg.Properties) > 0 {
			config[name] = cfg.Properties
		}
	}
	if len(config) == 0 {
		return nil
	}
	return inmem.NewFromObject(map[string]any{"config": config})
}

// configuredEnforcementLevel is the level that the configuration sets for a
// rule: its own entry first, then "all"; "" when neither sets one.
func configuredEnforcementLevel(policyConfig map[string]plugin.AnalyzerPolicyConfig, rule string) apitype.EnforcementLevel {
	if cfg, ok := policyConfig[rule]; ok && cfg.EnforcementLevel != "" {
		return cfg.EnforcementLevel
	}
	if cfg, ok := policyConfig["all"]; ok && cfg.EnforcementLevel != "" {
		return cfg.EnforcementLevel
	}
	return ""
}
