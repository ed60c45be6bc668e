// Command gensdk writes the component package's SDKs (`make sdk`): each
// language's into OUT/<language>, from the committed schema.
//
//	gensdk SCHEMA OUT
package main

import (
	"fmt"
	"os"

	"github.com/gkewi/gkewi/provider/internal/sdkgen"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gensdk SCHEMA OUT")
		os.Exit(2)
	}
	if err := sdkgen.Generate(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "gensdk: %v\n", err)
		os.Exit(1)
	}
}
