// Command pulumi-resource-kubernetes is the Kubernetes provider that the
// engine tier runs (make test-engine), built from source because the
// provider's release archives are not served here. The module proxy serves
// one version of its provider module, the code of the v4.25.0 tag, whose
// cmd/pulumi-resource-kubernetes embeds files that its `go generate` makes
// and its module does not ship (schema-embed.json and
// terraform-mapping-embed.json). This main serves the same provider with
// the two files that generate.go makes them from, copied next to it by
// `make bin/pulumi-resource-kubernetes`, and makes generate.go's only
// change itself: the schema's version.
package main

import (
	_ "embed"
	"encoding/json"
	"log"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
)

// version is the provider's: the v4.25.0 tag's code, under the SDK v4.32.0
// of the program.
const version = "4.25.0"

var (
	//go:embed schema.json
	schema []byte
	//go:embed terraform-mapping.json
	mapping []byte
)

func main() {
	versioned, err := withVersion(schema)
	if err != nil {
		log.Fatalf("reading the provider's schema: %v", err)
	}
	provider.Serve("kubernetes", version, versioned, mapping)
}

// withVersion sets the schema's version, as the provider's generate.go does.
func withVersion(schema []byte) ([]byte, error) {
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(schema, &spec); err != nil {
		return nil, err
	}
	spec["version"], _ = json.Marshal(version)
	return json.Marshal(spec)
}
