package buildguard_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// cheapPackageLimit is well above what components (6 MB) and stacks (4 MB)
// compile to, and well below what each compiled to while it reached
// pulumi.AnyOutput (32 and 31 MB, with about 25,000 instantiations of
// pulumix.Output).
const cheapPackageLimit = 10 << 20

// TestEditingTheComponentStaysCheap: an edit in components recompiles
// components and stacks, which names its arguments. A package whose types,
// or the types in their methods' signatures, reach pulumi.AnyOutput (as
// every Kubernetes resource's arguments do, through their metadata)
// compiles every builtin output type's pulumix.Output again: 3 s of each
// edit → build on 2 cores, and 27 MB more for every link to read. So the
// Kubernetes objects are made in components/internal/workload, whose
// arguments hold no Kubernetes resource's arguments, and nothing else names
// AnyOutput.
func TestEditingTheComponentStaysCheap(t *testing.T) {
	t.Parallel()
	// The flags with which `make test` builds this test, so that go finds
	// the compiled packages in its cache instead of compiling them again.
	list := exec.Command("go", "list", "-export", "-f", "{{.ImportPath}} {{.Export}}",
		"github.com/gkewi/gkewi/components", "github.com/gkewi/gkewi/stacks")
	list.Env = append(os.Environ(), "GOFLAGS="+makefileGOFLAGS(t))
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, export, _ := strings.Cut(line, " ")
		info, err := os.Stat(export)
		if err != nil {
			t.Fatal(err)
		}
		if info.Size() > cheapPackageLimit {
			t.Errorf("%s compiles to %d MB, over %d MB: it now names a type that leads to pulumi.AnyOutput, such as a Kubernetes resource's arguments (make them in components/internal/workload) or a method of WorkloadIdentityCronJobArgs whose signature names one (make it a function)",
				pkg, info.Size()>>20, cheapPackageLimit>>20)
		}
	}
}
