package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// node24Majors are the majors of the actions the workflows use that run on
// Node 24 (runs.using in each action.yml at that tag), since GitHub's
// runners retire Node 20.
var node24Majors = map[string]string{
	"actions/checkout":                   "v6",
	"actions/setup-go":                   "v6",
	"actions/cache":                      "v5",
	"google-github-actions/auth":         "v3",
	"google-github-actions/setup-gcloud": "v3",
	"pulumi/actions":                     "v7",
}

type workflow struct {
	Jobs map[string]workflowJob `yaml:"jobs"`
}

type workflowJob struct {
	Env   map[string]string `yaml:"env"`
	Steps []workflowStep    `yaml:"steps"`
}

type workflowStep struct {
	If              string            `yaml:"if"`
	Uses            string            `yaml:"uses"`
	With            map[string]string `yaml:"with"`
	Env             map[string]string `yaml:"env"`
	ContinueOnError string            `yaml:"continue-on-error"`
}

// pulumiCommand is the command of a pulumi/actions step, or "".
func (s workflowStep) pulumiCommand() string {
	if !strings.HasPrefix(s.Uses, "pulumi/actions@") {
		return ""
	}
	return s.With["command"]
}

func readWorkflow(t *testing.T, name string) workflow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", ".github", "workflows", name))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return w
}

// pinnedVersion is the version, without its "v", at which go.mod requires
// module.
func pinnedVersion(t *testing.T, module string) string {
	t.Helper()
	goMod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(module) + ` v(\S+)`).FindSubmatch(goMod)
	if m == nil {
		t.Fatalf("go.mod does not require %s", module)
	}
	return string(m[1])
}

// TestWorkflowsUseNode24ActionsAndTheSDKsCLI keeps every action on its Node
// 24 major and every Pulumi CLI that the workflows install at the version
// of the Pulumi SDK in go.mod, which the program is built and tested with.
func TestWorkflowsUseNode24ActionsAndTheSDKsCLI(t *testing.T) {
	t.Parallel()
	sdk := pinnedVersion(t, "github.com/pulumi/pulumi/sdk/v3")
	files, _ := filepath.Glob("../.github/workflows/*.yml")
	installs := 0
	for _, file := range files {
		for name, job := range readWorkflow(t, filepath.Base(file)).Jobs {
			for _, step := range job.Steps {
				action, major, ok := strings.Cut(step.Uses, "@")
				if !ok {
					continue
				}
				if want := node24Majors[action]; want != major {
					t.Errorf("%s, job %s: %s; want a Node 24 major from the table (%q)", file, name, step.Uses, want)
				}
				if action == "pulumi/actions" {
					installs++
					if got := step.With["pulumi-version"]; got != sdk {
						t.Errorf("%s, job %s: pulumi-version %q; want %s, the SDK in go.mod", file, name, got, sdk)
					}
				}
			}
		}
	}
	if installs < 3 {
		t.Errorf("found %d pulumi/actions steps in the preview, deploy and drift workflows", installs)
	}
}

// TestDeployPreviewsWithThePolicyPackBeforeUp keeps a policy-checked preview
// in front of every deployment. pulumi/actions' `command: up` is the
// Automation API's Stack.up, which runs `pulumi up --yes --skip-preview`
// (@pulumi/pulumi 3.206.0, automation/stack.ts, the version in pulumi/actions
// v7.0.0's yarn.lock), and the pack's stack-wide rules run only once an
// update has made its changes (deploymentExecutor.Execute calls
// AnalyzeResources after the steps, pkg/resource/deploy in v3.274.1). So a
// preview with the same pack and configuration must run first, in the same
// job, and its failure must keep up from starting.
func TestDeployPreviewsWithThePolicyPackBeforeUp(t *testing.T) {
	t.Parallel()
	ups := 0
	for name, job := range readWorkflow(t, "deploy.yml").Jobs {
		preview := -1
		for i, step := range job.Steps {
			switch step.pulumiCommand() {
			case "preview":
				preview = i
			case "up", "update":
				ups++
				if preview < 0 {
					t.Errorf("deploy.yml, job %s: step %d runs up with no preview before it in the job", name, i)
					continue
				}
				assertGatingPreview(t, name, job.Steps[preview], step)
			}
		}
	}
	if ups == 0 {
		t.Error("deploy.yml runs no pulumi/actions up step")
	}
}

// assertGatingPreview checks that preview checks what up will apply, with
// the same pack, configuration and stack, and that up cannot run unless it
// passed.
func assertGatingPreview(t *testing.T, job string, preview, up workflowStep) {
	t.Helper()
	for _, key := range []string{"policyPacks", "policyPackConfigs", "stack-name", "cloud-url", "refresh"} {
		if preview.With[key] != up.With[key] {
			t.Errorf("deploy.yml, job %s: the preview's %s is %q, up's %q; want the same", job, key, preview.With[key], up.With[key])
		}
	}
	if preview.With["policyPacks"] != "./policy" {
		t.Errorf("deploy.yml, job %s: the preview's policyPacks is %q; want ./policy", job, preview.With["policyPacks"])
	}
	if !strings.Contains(preview.With["policyPackConfigs"], ".github/policy/{0}.json") {
		t.Errorf("deploy.yml, job %s: the preview does not pass the stack's .github/policy/<stack>.json: %q", job, preview.With["policyPackConfigs"])
	}
	if preview.If != "" || (preview.ContinueOnError != "" && preview.ContinueOnError != "false") {
		t.Errorf("deploy.yml, job %s: the preview has if %q and continue-on-error %q; a skipped or forgiven preview would let up run unchecked",
			job, preview.If, preview.ContinueOnError)
	}
	for _, status := range []string{"always()", "failure()", "cancelled()"} {
		if strings.Contains(up.If, status) {
			t.Errorf("deploy.yml, job %s: up runs if %q, which runs it after a failed preview too", job, up.If)
		}
	}
}

// TestRefreshesRunTheProgram keeps every refresh, destroy and refreshing
// preview or up of the workflows, the drift script and the Makefile on the
// Kubernetes provider's configuration as the program computes it now, not
// as the state holds it. pulumi/actions v7 has no input for it (6.4.0 added
// run-program, 6.5.0 removed it again); the CLI takes the variable
// PULUMI_RUN_PROGRAM as the flag's default (sdk/go/common/env/env.go,
// RunProgram, v3.274.1).
func TestRefreshesRunTheProgram(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../.github/workflows/*.yml")
	for _, file := range files {
		for name, job := range readWorkflow(t, filepath.Base(file)).Jobs {
			for i, step := range job.Steps {
				command := step.pulumiCommand()
				refreshes := command == "refresh" || command == "destroy" || (command != "" && step.With["refresh"] == "true")
				if refreshes && step.Env["PULUMI_RUN_PROGRAM"] != "true" && job.Env["PULUMI_RUN_PROGRAM"] != "true" {
					t.Errorf("%s, job %s, step %d: pulumi %s refreshes without PULUMI_RUN_PROGRAM=true", filepath.Base(file), name, i, command)
				}
			}
		}
	}
	script, err := os.ReadFile("../.github/scripts/drift.sh")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`pulumi preview [^\n]*--refresh [^\n]*--run-program`).Match(script) {
		t.Error("drift.sh runs pulumi preview --refresh without --run-program")
	}
	out, err := exec.Command("make", "-n", "-s", "-C", "..", "STACK=dev", "destroy", "refresh").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n destroy refresh: %v\n%s", err, out)
	}
	for _, want := range []string{"pulumi destroy --stack dev --run-program", "pulumi refresh --stack dev --run-program"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("make destroy refresh does not run %q:\n%s", want, out)
		}
	}
}
