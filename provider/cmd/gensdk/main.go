// Command gensdk writes the component package's SDKs (`make sdk`): each
// language's into OUT/<language>, from the committed schema. With -project,
// it writes one language's SDK into a project's sdks/gkewi, as `pulumi
// install` does, for a project such as examples/typescript without the
// Pulumi CLI.
//
//	gensdk SCHEMA OUT
//	gensdk -project LANGUAGE SCHEMA PROJECT
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gkewi/gkewi/provider/internal/sdkgen"
)

func main() {
	project := flag.String("project", "", "write this language's SDK into PROJECT/"+sdkgen.ProjectSDK)
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: gensdk SCHEMA OUT | gensdk -project LANGUAGE SCHEMA PROJECT")
		os.Exit(2)
	}
	var err error
	if *project == "" {
		err = sdkgen.Generate(flag.Arg(0), flag.Arg(1))
	} else {
		var files map[string][]byte
		files, err = sdkgen.ForProject(flag.Arg(0), *project)
		if err == nil {
			err = sdkgen.Write(filepath.Join(flag.Arg(1), filepath.FromSlash(sdkgen.ProjectSDK)), files)
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "gensdk: %v\n", err)
		os.Exit(1)
	}
}
