package tests

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// cheapPackageLimit is well above what stacks compiles to (4 MB) and well
// below what it compiled to while the arguments led to pulumi.AnyOutput
// (31 MB, with about 25,000 instantiations of pulumix.Output).
const cheapPackageLimit = 10 << 20

// TestNamingTheArgumentsStaysCheap: every edit in components recompiles
// stacks, which names WorkloadIdentityCronJobArgs. Naming a type reads the
// types in its methods' signatures; once they reach pulumi.AnyOutput (as
// corev1.ContainerArgs does, through its probes' ports), the package
// compiles every builtin output type's pulumix.Output again: 3 s of each
// edit → build on 2 cores, and 27 MB more for every link to read.
func TestNamingTheArgumentsStaysCheap(t *testing.T) {
	t.Parallel()
	// The same flags as this test's own build, so that go finds the
	// compiled package in its cache instead of compiling it again.
	list := exec.Command("go", "list", "-export", "-f", "{{.Export}}", "github.com/gkewi/gkewi/stacks")
	list.Env = append(os.Environ(), "GOFLAGS="+makefileGOFLAGS(t))
	out, err := list.Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	info, err := os.Stat(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() > cheapPackageLimit {
		t.Errorf("stacks compiles to %d MB, over %d MB: a method of WorkloadIdentityCronJobArgs (or a type it names) now names a type that leads to pulumi.AnyOutput; make it a function", info.Size()>>20, cheapPackageLimit>>20)
	}
}
