package tests

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rhysd/actionlint"
)

// TestWorkflowsPassActionlint lints .github/workflows with actionlint, and
// their shell steps with shellcheck where it is installed (.ci/run installs it).
func TestWorkflowsPassActionlint(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../.github/workflows/*.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows found: %v", err)
	}
	shellcheck, _ := exec.LookPath("shellcheck")
	if shellcheck == "" {
		t.Log("shellcheck is not installed; the workflows' shell steps are not checked")
	}
	var out bytes.Buffer
	linter, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{Shellcheck: shellcheck})
	if err != nil {
		t.Fatal(err)
	}
	problems, err := linter.LintFiles(files, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Errorf("actionlint found %d problems:\n%s", len(problems), out.String())
	}
}
