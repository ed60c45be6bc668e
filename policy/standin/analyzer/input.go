package main

import (
	"maps"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
)

// This file copies upstream's analyzer.go input builders: buildOPAInput,
// buildStackOPAInput, buildOptionsMap and buildProviderMap (at commit 255aef11).

// buildOPAInput is a resource rule's input: the metadata (type, urn, name,
// options, provider, and the properties as "properties" and "props"), then
// the properties overlaid at the top, where a property wins over the
// metadata of its name, then the __-prefixed metadata, which nothing
// overrides.
//
// Each properties map is Mappable's, which leaves an unknown as the
// resource.Computed, an output value as the resource.Output and a secret as
// the *resource.Secret; OPA takes them in through JSON, as
// {"Element": {"V": v}}, the shape that the pack's unknowns.rego reads.
func buildOPAInput(r plugin.AnalyzerResource) map[string]any {
	obj := map[string]any{
		"type":   string(r.Type),
		"urn":    string(r.URN),
		"name":   r.Name,
		"__name": r.Name,
	}
	opts := buildOptionsMap(r)
	obj["options"] = opts
	providerInfo := buildProviderMap(r)
	obj["provider"] = providerInfo

	// "props" aliases "properties" (upstream's changelog, after v1.1.0).
	propsBag := r.Properties.Mappable()
	obj["properties"] = propsBag
	obj["props"] = propsBag
	maps.Copy(obj, propsBag)

	obj["__type"] = string(r.Type)
	obj["__urn"] = string(r.URN)
	obj["__name"] = r.Name
	obj["__options"] = opts
	obj["__properties"] = r.Properties.Mappable()
	obj["__props"] = r.Properties.Mappable()
	obj["__provider"] = providerInfo
	return obj
}

// buildStackOPAInput is a stack rule's input: {"resources": [...]}, each
// resource as buildOPAInput makes it, with its parent in options.parent and
// its dependencies and propertyDependencies when the engine sends them.
func buildStackOPAInput(resources []plugin.AnalyzerStackResource) map[string]any {
	resourceList := make([]map[string]any, 0, len(resources))
	for _, sr := range resources {
		obj := buildOPAInput(sr.AnalyzerResource)
		if sr.Parent != "" {
			obj["options"].(map[string]any)["parent"] = string(sr.Parent)
		}
		if sr.Dependencies != nil {
			obj["dependencies"] = urnStrings(sr.Dependencies)
		}
		if sr.PropertyDependencies != nil {
			propDeps := make(map[string][]string, len(sr.PropertyDependencies))
			for k, urns := range sr.PropertyDependencies {
				propDeps[string(k)] = urnStrings(urns)
			}
			obj["propertyDependencies"] = propDeps
		}
		resourceList = append(resourceList, obj)
	}
	return map[string]any{"resources": resourceList}
}

func buildOptionsMap(r plugin.AnalyzerResource) map[string]any {
	return map[string]any{
		"protect":                 r.Options.Protect,
		"ignoreChanges":           r.Options.IgnoreChanges,
		"deleteBeforeReplace":     r.Options.DeleteBeforeReplace,
		"additionalSecretOutputs": propertyKeyStrings(r.Options.AdditionalSecretOutputs),
		"aliasURNs":               urnStrings(r.Options.AliasURNs),
		"aliases":                 aliasMaps(r.Options.Aliases),
		"customTimeouts": map[string]any{
			"create": r.Options.CustomTimeouts.Create,
			"update": r.Options.CustomTimeouts.Update,
			"delete": r.Options.CustomTimeouts.Delete,
		},
		"parent": string(r.Options.Parent),
	}
}

// buildProviderMap is the resource's provider; an empty object, never
// undefined, when the engine sends none.
func buildProviderMap(r plugin.AnalyzerResource) map[string]any {
	if r.Provider == nil {
		return map[string]any{}
	}
	return map[string]any{
		"type":       string(r.Provider.Type),
		"name":       r.Provider.Name,
		"urn":        string(r.Provider.URN),
		"properties": r.Provider.Properties.Mappable(),
	}
}

func propertyKeyStrings(keys []resource.PropertyKey) []string {
	if keys == nil {
		return nil
	}
	strs := make([]string, len(keys))
	for i, k := range keys {
		strs[i] = string(k)
	}
	return strs
}

func urnStrings(urns []resource.URN) []string {
	if urns == nil {
		return nil
	}
	strs := make([]string, len(urns))
	for i, u := range urns {
		strs[i] = string(u)
	}
	return strs
}

func aliasMaps(aliases []resource.Alias) []map[string]any {
	if aliases == nil {
		return nil
	}
	result := make([]map[string]any, len(aliases))
	for i, a := range aliases {
		result[i] = map[string]any{
			"urn":      string(a.URN),
			"name":     a.Name,
			"type":     a.Type,
			"project":  a.Project,
			"stack":    a.Stack,
			"parent":   string(a.Parent),
			"noParent": a.NoParent,
		}
	}
	return result
}
