package tests

import (
	"os"
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
	Jobs map[string]struct {
		Steps []struct {
			Uses string            `yaml:"uses"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestWorkflowsUseNode24ActionsAndTheSDKsCLI keeps every action on its Node
// 24 major and every Pulumi CLI that the workflows install at the version
// of the Pulumi SDK in go.mod, which the program is built and tested with.
func TestWorkflowsUseNode24ActionsAndTheSDKsCLI(t *testing.T) {
	t.Parallel()
	goMod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	sdk := regexp.MustCompile(`github.com/pulumi/pulumi/sdk/v3 v(\S+)`).FindSubmatch(goMod)
	if sdk == nil {
		t.Fatal("go.mod does not require github.com/pulumi/pulumi/sdk/v3")
	}
	files, _ := filepath.Glob("../.github/workflows/*.yml")
	installs := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var w workflow
		if err := yaml.Unmarshal(data, &w); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for name, job := range w.Jobs {
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
					if got := step.With["pulumi-version"]; got != string(sdk[1]) {
						t.Errorf("%s, job %s: pulumi-version %q; want %s, the SDK in go.mod", file, name, got, sdk[1])
					}
				}
			}
		}
	}
	if installs < 3 {
		t.Errorf("found %d pulumi/actions steps in the preview, deploy and drift workflows", installs)
	}
}
