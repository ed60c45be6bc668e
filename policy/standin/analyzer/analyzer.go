package main

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/blang/semver"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
)

// This file follows upstream's analyzer.go (the analyzer type). Departures:
// the methods take the context that the plugin.Analyzer interface of
// sdk v3.274.1 passes (upstream builds against an older sdk, whose methods
// take none), and the one-time missing-config warning is guarded by a
// sync.Once instead of a bool, since the engine may analyze concurrently.

// VersionString is the upstream release whose code this stand-in follows;
// upstream sets it with -ldflags "-X main.VersionString=..." from
// scripts/get-version. The CLI shows PulumiPolicy.yaml's version instead
// (pulumi/pulumi sdk analyzer_plugin.go, NewPolicyAnalyzer), so this one
// appears only in the plugin's info and in each diagnostic.
var VersionString = "1.1.0"

// analyzer is the policy analyzer that the engine calls through gRPC.
type analyzer struct {
	pack         *policyPack
	e            *evaler
	policyConfig map[string]plugin.AnalyzerPolicyConfig // set by Configure
	configWarned sync.Once
}

func NewAnalyzer(pack *policyPack, e *evaler) plugin.Analyzer {
	return &analyzer{pack: pack, e: e}
}

func (a *analyzer) Name() tokens.QName { return tokens.QName(a.pack.Name) }

// Analyze runs the resource rules on one resource. Each message is
// reported on the resource's URN, under its rule's name.
func (a *analyzer) Analyze(ctx context.Context, r plugin.AnalyzerResource) (plugin.AnalyzeResponse, error) {
	a.warnMissingConfig()
	results, err := a.e.evalPolicyPack(ctx, a.pack, buildOPAInput(r), resourceScope, a.policyConfig)
	if err != nil {
		return plugin.AnalyzeResponse{}, err
	}
	return plugin.AnalyzeResponse{Diagnostics: buildDiagnostics(results, r.URN, a.policyConfig)}, nil
}

// AnalyzeStack runs the stack rules once on every resource. Their messages
// are reported on the stack's root URN, made from the first resource's.
func (a *analyzer) AnalyzeStack(ctx context.Context, resources []plugin.AnalyzerStackResource) (plugin.AnalyzeResponse, error) {
	a.warnMissingConfig()
	if !a.hasStackRules() {
		return plugin.AnalyzeResponse{}, nil
	}
	results, err := a.e.evalPolicyPack(ctx, a.pack, buildStackOPAInput(resources), stackScope, a.policyConfig)
	if err != nil {
		return plugin.AnalyzeResponse{}, err
	}
	var stackURN resource.URN
	if len(resources) > 0 {
		urn := resources[0].URN
		stackURN = resource.DefaultRootStackURN(urn.Stack(), urn.Project())
	}
	return plugin.AnalyzeResponse{Diagnostics: buildDiagnostics(results, stackURN, a.policyConfig)}, nil
}

func (a *analyzer) hasStackRules() bool {
	for _, policy := range a.pack.Policies {
		if policy.Scope == stackScope {
			return true
		}
	}
	return false
}

// Remediate changes nothing: OPA rules cannot remediate.
func (a *analyzer) Remediate(context.Context, plugin.AnalyzerResource) (plugin.RemediateResponse, error) {
	return plugin.RemediateResponse{}, nil
}

// GetAnalyzerInfo lists the pack's rules: each rule's level comes from its
// name's prefix, its display name, description and message from its
// # METADATA, its type (resource or stack) from the stack_ prefix, which is
// how the engine knows to send it to Analyze or to AnalyzeStack.
func (a *analyzer) GetAnalyzerInfo(context.Context) (plugin.AnalyzerInfo, error) {
	var policies []plugin.AnalyzerPolicyInfo
	for _, policy := range a.pack.Policies {
		policyType := plugin.AnalyzerPolicyTypeResource
		if policy.Scope == stackScope {
			policyType = plugin.AnalyzerPolicyTypeStack
		}
		policies = append(policies, plugin.AnalyzerPolicyInfo{
			Name:             policy.Name,
			DisplayName:      policy.DisplayName,
			Description:      policy.Description,
			Message:          policy.Message,
			EnforcementLevel: enforcementLevelToAPI(policy.Level),
			Type:             policyType,
			ConfigSchema:     policy.ConfigSchema,
		})
	}
	return plugin.AnalyzerInfo{
		Name:           a.pack.Name,
		DisplayName:    a.pack.DisplayName,
		Policies:       policies,
		SupportsConfig: true,
	}, nil
}

func (a *analyzer) GetPluginInfo(context.Context) (plugin.PluginInfo, error) {
	version, err := semver.Parse(VersionString)
	if err != nil {
		return plugin.PluginInfo{}, err
	}
	return plugin.PluginInfo{Version: &version}, nil
}

// Configure keeps the configuration, which the engine reconciles from the
// schemas, their defaults and --policy-pack-config, after refusing a level
// that upstream does not know.
func (a *analyzer) Configure(_ context.Context, policyConfig map[string]plugin.AnalyzerPolicyConfig) error {
	for name, cfg := range policyConfig {
		switch cfg.EnforcementLevel {
		case "", apitype.Advisory, apitype.Mandatory, apitype.Disabled:
		default:
			return fmt.Errorf("invalid enforcement level %q for policy %q", cfg.EnforcementLevel, name)
		}
	}
	a.policyConfig = policyConfig
	return nil
}

// warnMissingConfig warns once of each rule that has a config schema but
// no configured properties, so that data.config.<rule> is undefined.
func (a *analyzer) warnMissingConfig() {
	a.configWarned.Do(func() {
		for _, policy := range a.pack.Policies {
			if policy.ConfigSchema != nil && len(a.policyConfig[policy.Name].Properties) == 0 {
				fmt.Fprintf(os.Stderr, "warning[opa/missing-config]: policy %q declares a config schema but no configuration was provided, so rules referencing data.config will not fire\n", policy.Name)
			}
		}
	})
}

func (a *analyzer) Cancel(context.Context) error { return nil }

func (a *analyzer) Close() error { return nil }

// buildDiagnostics reports each message on urn, at its rule's level unless
// the configuration sets another; a disabled rule reports nothing.
func buildDiagnostics(results []evalPolicyResult, urn resource.URN, policyConfig map[string]plugin.AnalyzerPolicyConfig) []plugin.AnalyzeDiagnostic {
	var diagnostics []plugin.AnalyzeDiagnostic
	for _, result := range results {
		level := enforcementLevelToAPI(result.level)
		if override := configuredEnforcementLevel(policyConfig, result.rule); override != "" {
			level = override
		}
		if level == apitype.Disabled {
			continue
		}
		diagnostics = append(diagnostics, plugin.AnalyzeDiagnostic{
			PolicyName:        result.rule,
			PolicyPackName:    result.pack,
			PolicyPackVersion: VersionString,
			Message:           result.msg,
			URN:               urn,
			EnforcementLevel:  level,
		})
	}
	return diagnostics
}

func enforcementLevelToAPI(level enforcementLevel) apitype.EnforcementLevel {
	switch level {
	case advisoryRule:
		return apitype.Advisory
	case disabledRule:
		return apitype.Disabled
	default:
		return apitype.Mandatory
	}
}
