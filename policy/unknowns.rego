package gkewi

import rego.v1

# Values that are not known yet. On a stack's first preview, what a provider
# computes on create (the email of a new service account and the IAM members
# made from it, a generated name, an id, a cluster's endpoint) is unknown,
# and so is everything the program builds from it.
#
# pulumi-policy-opa gives the rules each value as Mappable makes it
# (cmd/pulumi-analyzer-policy-opa/analyzer.go at commit 0541594a,
# buildOPAInput, which calls r.Properties.Mappable()), and Mappable
# (pulumi/pulumi sdk/go/common/resource/properties.go,
# PropertyValue.MapRepl, v3.274.1) leaves an unknown as the
# resource.Computed itself (v.Input()), an output value as the
# resource.Output (v.OutputValue()) and a secret as the *resource.Secret
# (v.SecretValue()). OPA takes such a Go value into Rego through JSON
# (ast.InterfaceToValue, util.RoundTrip), so each of them arrives as
# {"Element": {"V": v}}. An unknown's v is the zero value of its type, as
# the analyzer's plugin server (serve.go, plugin.NewAnalyzerServer) decodes
# it (sdk/go/common/resource/plugin/rpc.go, unmarshalUnknownPropertyValue,
# with KeepUnknowns and KeepSecrets in analyzer_server.go): "" for a string,
# and for every unknown output value, which MarshalPropertyValue sends as an
# unknown string; false, 0, [] or {} for an unknown that a provider typed. A
# secret's v is its value, or such an unknown while the secret's value is
# one.
#
# A secret and an unknown thus share one shape: the pack takes a wrapper
# around a zero value for an unknown, so a secret false, 0 or "" reads as
# unknown too.
#
# A rule must not deny what it cannot know yet. A comparison with a value
# (role == "roles/owner") is false for an unknown, as it should be; a
# negation (not x == true, x != "GKE_METADATA", object.get's default when a
# value on the path is unknown) would deny it, so a rule that negates first
# checks that what it negates is not unknown_at its path. At `pulumi up` the
# program runs with every value known, and the rules judge all of it.

# wrapped tells whether x has the shape of Mappable's Computed, Output and
# Secret in Rego: {"Element": {"V": v}}.
wrapped(x) if {
	is_object(x)
	object.keys(x) == {"Element"}
	is_object(x.Element)
	object.keys(x.Element) == {"V"}
}

unknown_elements := {"", false, 0, null, [], {}}

# unknown tells whether x is a value that is not known yet, or a secret of one.
unknown(x) if {
	wrapped(x)
	x.Element.V in unknown_elements
}

unknown(x) if {
	wrapped(x)
	wrapped(x.Element.V)
	x.Element.V.Element.V in unknown_elements
}

# unknown_at tells whether the value at path in x, or one on the way to it,
# is unknown, so that what lies at path is not known yet.
unknown_at(x, path) if {
	some n in numbers.range(0, count(path))
	unknown(object.get(x, array.slice(path, 0, n), null))
}

# contains_unknown tells whether any value in x is unknown.
contains_unknown(x) if {
	walk(x, [_, value])
	unknown(value)
}

# known is x's value, a secret's unwrapped, and undefined while x is unknown.
known(x) := x if not wrapped(x)

known(x) := x.Element.V if {
	wrapped(x)
	not unknown(x)
}

# shown is x as a message shows it.
shown(x) := "(unknown until it is created)" if unknown(x)

shown(x) := x if not unknown(x)
