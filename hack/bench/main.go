// Command bench is `make bench`: the loops a maintainer feels, measured side
// by side in one run. Each round makes a one-line edit and times the build
// that follows, for gkewi's program (in components/, linked as the Makefile
// links it) and for the bare program in floor/ (an edit in its own main
// package, default flags); then an edit in components/ and the test run that
// follows, as `make test` runs it. It prints the medians.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Goals, from the issue that asked for this benchmark.
const (
	buildGoal = 0.85 // the program's edit → build, against the floor's
	testGoal  = 5.0  // seconds, for the program module's warm test loop
)

func main() {
	root := flag.String("root", "../..", "gkewi's repository")
	rounds := flag.Int("rounds", 5, "edits per measurement")
	flag.Parse()
	log.SetFlags(0)
	b, err := newBench(*root)
	if err != nil {
		log.Fatal(err)
	}
	defer b.cleanup()
	if err := b.run(*rounds); err != nil {
		b.cleanup()
		log.Fatal(err)
	}
}

// bench edits one scratch file in each program, which it removes at the end.
type bench struct {
	root, floor, out string
	// goflags are the Makefile's, which its builds and tests use.
	goflags string
}

func newBench(root string) (*bench, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	out, err := os.MkdirTemp("", "gkewi-bench-")
	if err != nil {
		return nil, err
	}
	goflags, err := makefileGOFLAGS(filepath.Join(root, "Makefile"))
	if err != nil {
		return nil, err
	}
	return &bench{root: root, floor: filepath.Join(root, "hack", "bench", "floor"), out: out, goflags: goflags}, nil
}

// scratch is the file an edit writes, in a file of its own so that nothing
// of the sources changes for good.
func scratch(dir string) string { return filepath.Join(dir, "zz_bench_edit.go") }

// edit changes the package's code, as a one-line change in a function body
// does: a comment alone would compile to the same object, so that go would
// reuse the last link and the last test results.
func (b *bench) edit(dir, pkg string) error {
	text := fmt.Sprintf("package %s\n\nvar benchEdit = %d\n", pkg, time.Now().UnixNano())
	return os.WriteFile(scratch(dir), []byte(text), 0o644)
}

func (b *bench) cleanup() {
	os.Remove(scratch(filepath.Join(b.root, "components")))
	os.Remove(scratch(b.floor))
	os.RemoveAll(b.out)
}

// timed runs a go command in dir with GOFLAGS, after an edit of editDir.
func (b *bench) timed(editDir, pkg, dir, goflags string, args ...string) (float64, error) {
	if err := b.edit(editDir, pkg); err != nil {
		return 0, err
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS="+goflags)
	started := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return time.Since(started).Seconds(), nil
}

func (b *bench) run(rounds int) error {
	components := filepath.Join(b.root, "components")
	program := func() (float64, error) {
		return b.timed(components, "components", b.root, b.goflags, "build", "-o", filepath.Join(b.out, "gkewi"), ".")
	}
	floor := func() (float64, error) {
		return b.timed(b.floor, "main", b.floor, "", "build", "-o", filepath.Join(b.out, "floor"), ".")
	}
	tests := func() (float64, error) {
		return b.timed(components, "components", b.root, b.goflags, "test", "./...")
	}
	// Unmeasured: fills the build cache for all three.
	for _, warm := range []func() (float64, error){program, floor, tests} {
		if _, err := warm(); err != nil {
			return err
		}
	}
	var programs, floors, testRuns []float64
	for range rounds {
		p, err := program()
		if err != nil {
			return err
		}
		f, err := floor()
		if err != nil {
			return err
		}
		t, err := tests()
		if err != nil {
			return err
		}
		programs, floors, testRuns = append(programs, p), append(floors, f), append(testRuns, t)
	}
	p, f, t := median(programs), median(floors), median(testRuns)
	fmt.Printf(`gkewi bench: median of %d rounds (%d cores, %s, GOFLAGS=%s for gkewi)
| loop | gkewi | floor | ratio | goal |
|---|---|---|---|---|
| one-line edit in components/ → go build | %.2f s | %.2f s | %.2f× | ≤ %.2f× %s |
| one-line edit in components/ → go test ./... | %.2f s | | | ≤ %.1f s %s |
rounds: build %s; floor %s; test %s
`, rounds, runtime.NumCPU(), runtime.Version(), b.goflags,
		p, f, p/f, buildGoal, mark(p/f <= buildGoal), t, testGoal, mark(t <= testGoal),
		list(programs), list(floors), list(testRuns))
	return nil
}

// makefileGOFLAGS are the flags the Makefile exports to every build and test.
func makefileGOFLAGS(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if value, ok := strings.CutPrefix(line, "export GOFLAGS ?= "); ok {
			return value, nil
		}
	}
	return "", fmt.Errorf("%s exports no GOFLAGS", path)
}

func median(values []float64) float64 {
	sorted := slices.Sorted(slices.Values(values))
	return sorted[len(sorted)/2]
}

func list(values []float64) string {
	var out []string
	for _, v := range values {
		out = append(out, fmt.Sprintf("%.2f", v))
	}
	return strings.Join(out, " ")
}

func mark(met bool) string {
	if met {
		return "met"
	}
	return "NOT met"
}
