// Command bench is `make bench`: the loops a maintainer feels, measured side
// by side in one run. Each round makes a one-line edit and times the build
// that follows, for gkewi's program (in components/) and for the bare
// program in floor/ (an edit in its own main package), both linked as the
// Makefile links; then an edit in components/ and the test run that
// follows, as `make test` runs it; and `go test -count=1 ./...` with nothing
// edited, the test loop as the issue that asked for this bench measured it.
// It prints the medians.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	if *rounds < 1 {
		log.Fatalf("-rounds %d: a median needs at least one round", *rounds)
	}
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
	goflags, err := makefileGOFLAGS(filepath.Join(root, "Makefile"))
	if err != nil {
		return nil, err
	}
	floor := filepath.Join(root, "hack", "bench", "floor")
	if err := sameSDKPackages(root, floor); err != nil {
		return nil, err
	}
	out, err := os.MkdirTemp("", "gkewi-bench-")
	if err != nil {
		return nil, err
	}
	return &bench{root: root, floor: floor, out: out, goflags: goflags}, nil
}

// sdkPackage matches the provider SDKs' packages, less their internals,
// and the Pulumi SDK's own.
var sdkPackage = regexp.MustCompile(`^github\.com/pulumi/(pulumi-(gcp|kubernetes|random)/sdk/v\d+/go/[^ ]*|pulumi/sdk/v3/go/pulumi)$`)

// sameSDKPackages refuses a floor that does not link the provider SDK
// packages that the program links, and the Pulumi SDK, at the same
// versions, no more and no fewer: it would weigh the program against
// another program.
func sameSDKPackages(program, floor string) error {
	want, err := sdkPackages(program)
	if err != nil {
		return err
	}
	got, err := sdkPackages(floor)
	if err != nil {
		return err
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("the floor links the SDK packages %v, and the program %v: make floor/ import what the program does", got, want)
	}
	return nil
}

func sdkPackages(dir string) ([]string, error) {
	list := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}{{with .Module}}@{{.Version}}{{end}}", ".")
	list.Dir = dir
	out, err := list.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps in %s: %w", dir, err)
	}
	var packages []string
	for _, pkg := range strings.Fields(string(out)) {
		if path, _, _ := strings.Cut(pkg, "@"); sdkPackage.MatchString(path) && !strings.Contains(path, "/internal") {
			packages = append(packages, pkg)
		}
	}
	slices.Sort(packages)
	return packages, nil
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

// timed runs a go command in dir with GOFLAGS, after an edit of editDir
// (none when editDir is empty).
func (b *bench) timed(editDir, pkg, dir, goflags string, args ...string) (float64, error) {
	if editDir != "" {
		if err := b.edit(editDir, pkg); err != nil {
			return 0, err
		}
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

// loop is one of the measured loops: a timed command, and the seconds of
// each of its rounds.
type loop struct {
	run    func() (float64, error)
	rounds []float64
}

func (b *bench) run(rounds int) error {
	components := filepath.Join(b.root, "components")
	program := &loop{run: func() (float64, error) {
		return b.timed(components, "components", b.root, b.goflags, "build", "-o", filepath.Join(b.out, "gkewi"), ".")
	}}
	floor := &loop{run: func() (float64, error) {
		return b.timed(b.floor, "main", b.floor, b.goflags, "build", "-o", filepath.Join(b.out, "floor"), ".")
	}}
	edited := &loop{run: func() (float64, error) {
		return b.timed(components, "components", b.root, b.goflags, "test", "./...")
	}}
	// The test loop: nothing edited since the run before it, every
	// test run again.
	warm := &loop{run: func() (float64, error) {
		return b.timed("", "", b.root, b.goflags, "test", "-count=1", "./...")
	}}
	loops := []*loop{program, floor, edited, warm}
	// Unmeasured: fills the build cache for all of them.
	for _, l := range loops {
		if _, err := l.run(); err != nil {
			return err
		}
	}
	for range rounds {
		for _, l := range loops {
			seconds, err := l.run()
			if err != nil {
				return err
			}
			l.rounds = append(l.rounds, seconds)
		}
	}
	p, f, w, e := median(program.rounds), median(floor.rounds), median(warm.rounds), median(edited.rounds)
	fmt.Printf(`gkewi bench: median of %d rounds (%d cores, %s, GOFLAGS=%s, the Makefile's)
| loop | gkewi | floor | ratio | goal |
|---|---|---|---|---|
| one-line edit in components/ → go build | %.2f s | %.2f s | %.2f× | ≤ %.2f× %s |
| go test -count=1 ./..., nothing edited | %.2f s | | | ≤ %.1f s %s |
| one-line edit in components/ → go test ./... | %.2f s | | | |
rounds: build %s; floor %s; warm test %s; edit → test %s
`, rounds, runtime.NumCPU(), runtime.Version(), b.goflags,
		p, f, p/f, buildGoal, mark(p/f <= buildGoal), w, testGoal, mark(w <= testGoal), e,
		list(program.rounds), list(floor.rounds), list(warm.rounds), list(edited.rounds))
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
