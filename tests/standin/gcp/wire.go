package main

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The wire names of pulumi-gcp v7.38.0, read from its Go SDK: the
// ElementType of an Args or State value, and an invoke's argument and result
// types, are structs whose `pulumi:"…"` tags name each property as it
// travels, nested types included.

// wireName is the property name a struct field carries, or "".
func wireName(field reflect.StructField) string {
	name, _, _ := strings.Cut(field.Tag.Get("pulumi"), ",")
	return name
}

// fieldsOf are a struct type's fields by wire name.
func fieldsOf(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		if name := wireName(t.Field(i)); name != "" {
			fields[name] = t.Field(i).Type
		}
	}
	return fields
}

// strip takes pointers off t.
func strip(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// unknownNames are the paths in v that type t does not have, as a typo, or a
// field that v7.38.0 lacks, fails at GCP.
func unknownNames(v resource.PropertyValue, t reflect.Type, path string) []string {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	t = strip(t)
	switch {
	case v.IsComputed() || v.IsOutput() || v.IsNull():
		return nil
	case v.IsObject() && t.Kind() == reflect.Struct:
		fields := fieldsOf(t)
		var bad []string
		for _, key := range slices.Sorted(maps.Keys(v.ObjectValue())) {
			field, ok := fields[string(key)]
			if !ok {
				bad = append(bad, join(path, string(key)))
				continue
			}
			bad = append(bad, unknownNames(v.ObjectValue()[key], field, join(path, string(key)))...)
		}
		return bad
	case v.IsObject() && t.Kind() == reflect.Map:
		var bad []string
		for key, e := range v.ObjectValue() {
			bad = append(bad, unknownNames(e, t.Elem(), join(path, string(key)))...)
		}
		return bad
	case v.IsArray() && t.Kind() == reflect.Slice:
		var bad []string
		for i, e := range v.ArrayValue() {
			bad = append(bad, unknownNames(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return bad
	case v.IsObject() || v.IsArray():
		if t.Kind() != reflect.Interface {
			return []string{fmt.Sprintf("%s (a %s, where the SDK has a %s)", path, v.TypeString(), t)}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// shaped is v as type t has it: keys that t lacks dropped, and an object
// where t has a list of that object wrapped in a one-item list. A data
// source's result has the lists where the resource has single blocks (the
// cluster's masterAuth is getCluster's masterAuths), so a lookup can answer
// from a resource's state.
func shaped(v resource.PropertyValue, t reflect.Type) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	t = strip(t)
	switch {
	case t.Kind() == reflect.Struct && v.IsObject():
		out := resource.PropertyMap{}
		object := v.ObjectValue()
		for name, field := range fieldsOf(t) {
			if e, ok := object[resource.PropertyKey(name)]; ok {
				out[resource.PropertyKey(name)] = shaped(e, field)
			} else if e, ok := object[resource.PropertyKey(strings.TrimSuffix(name, "s"))]; ok && strip(field).Kind() == reflect.Slice {
				out[resource.PropertyKey(name)] = shaped(e, field)
			}
		}
		return resource.NewProperty(out)
	case t.Kind() == reflect.Slice && v.IsObject():
		return resource.NewProperty([]resource.PropertyValue{shaped(v, t.Elem())})
	case t.Kind() == reflect.Slice && v.IsArray():
		var out []resource.PropertyValue
		for _, e := range v.ArrayValue() {
			out = append(out, shaped(e, t.Elem()))
		}
		return resource.NewProperty(out)
	}
	return v
}
