package tests

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDriftCheckReportsWhatChanged runs the drift workflow's script with a
// stand-in `pulumi` that prints what the CLI prints and exits as it does
// (exit_codes.go in pkg/cmd/pulumi/cmd, v3.274.1): 0 without changes, 7
// when --expect-no-changes finds some, 3 when the credentials are missing.
func TestDriftCheckReportsWhatChanged(t *testing.T) {
	t.Parallel()
	drift, err := os.ReadFile(filepath.Join("testdata", "drift", "authorized-network-widened.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, output string
		pulumiExit   int
		wantExit     int
		wantSummary  []string
	}{
		{"no drift", "Resources:\n    22 unchanged\n", 0, 0, []string{"### Stack dev: no drift"}},
		{"drift", string(drift), 7, 1, []string{
			"### Stack dev: drift: the live resources differ from the code",
			"```diff\n",
			`- cidrBlock  : "0.0.0.0/0"`,
			"error: no changes were expected for preview but changes were proposed",
		}},
		{"no credentials", "error: could not find default credentials\n", 3, 2, []string{"failed before it could compare (pulumi exited 3)"}},
		// A CLI from before the exit codes says so only in words.
		{"drift, older CLI", "error: no changes were expected but changes were proposed\n", 255, 1, []string{"### Stack dev: drift"}},
		{"drift, exit code alone", string(drift[:len(drift)/2]), 7, 1, []string{"### Stack dev: drift"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			summary, exit := runDriftScript(t, c.output, c.pulumiExit)
			if exit != c.wantExit {
				t.Errorf("drift.sh exited %d; want %d", exit, c.wantExit)
			}
			for _, want := range c.wantSummary {
				if !strings.Contains(summary, want) {
					t.Errorf("the run summary lacks %q:\n%s", want, summary)
				}
			}
		})
	}
}

// runDriftScript runs .github/scripts/drift.sh for the dev stack with a
// `pulumi` that prints output and exits with status, and returns the run
// summary it wrote and its own exit status.
func runDriftScript(t *testing.T, output string, status int) (string, int) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "output"), []byte(output), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := "#!/bin/sh\ncat \"$(dirname \"$0\")/output\"\nexit " + strconv.Itoa(status) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "pulumi"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(dir, "summary.md")
	cmd := exec.Command("sh", filepath.Join("..", ".github", "scripts", "drift.sh"), "dev")
	cmd.Env = append(os.Environ(), "PATH="+dir+":/usr/bin:/bin", "GITHUB_STEP_SUMMARY="+summary)
	err := cmd.Run()
	exit := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		exit = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	return string(data), exit
}
