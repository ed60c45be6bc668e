package pulumicli_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"mvdan.cc/sh/v3/syntax"

	"github.com/pulumi/pulumi/pkg/v3/cmd/pulumi/auth"
	"github.com/pulumi/pulumi/pkg/v3/cmd/pulumi/backend"
	"github.com/pulumi/pulumi/pkg/v3/cmd/pulumi/operations"
	"github.com/pulumi/pulumi/pkg/v3/cmd/pulumi/stack"
	pkgWorkspace "github.com/pulumi/pulumi/pkg/v3/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/common/env"
)

// The README's path from a laptop to a team is a list of commands that a
// user types once, when nothing may go wrong. This module already depends
// on the Pulumi CLI's packages at the version CI installs (v3.274.1), so it
// checks each `pulumi` command against the CLI's own command definitions,
// and each `make` command with `make -n`.
const teamSection = "## From a laptop to a team"

func TestREADMETeamPathCommandsParse(t *testing.T) {
	t.Parallel()
	commands := sectionCommands(t, "../../../README.md", teamSection)
	if len(commands) < 7 {
		t.Fatalf("found %d commands in %q; the section moved or lost its code blocks", len(commands), teamSection)
	}
	for _, args := range commands {
		t.Log(strings.Join(args, " "))
		switch args[0] {
		case "pulumi":
			if err := parsePulumi(args[1:]); err != nil {
				t.Errorf("%s: %v", strings.Join(args, " "), err)
			}
		case "make":
			checkMake(t, args)
		default:
			t.Errorf("%s: the test cannot check %s; keep the section to pulumi, make and export (a declaration, not a command)", strings.Join(args, " "), args[0])
		}
	}
}

// checkMake runs make -n for a make command, which fails for a target that
// does not exist, and checks the pulumi commands that the target would run.
func checkMake(t *testing.T, args []string) {
	t.Helper()
	out, err := exec.Command("make", append([]string{"-n", "-s", "-C", "../../.."}, args[1:]...)...).CombinedOutput()
	if err != nil {
		t.Errorf("%s: %v\n%s", strings.Join(args, " "), err, out)
		return
	}
	for _, recipe := range shellCommands(t, string(out)) {
		if recipe[0] == "pulumi" {
			if err := parsePulumi(recipe[1:]); err != nil {
				t.Errorf("%s runs %s: %v", strings.Join(args, " "), strings.Join(recipe, " "), err)
			}
		}
	}
}

// parsePulumi finds the command that the CLI would run for args and parses
// its flags and arguments as the CLI does.
func parsePulumi(args []string) error {
	root := &cobra.Command{Use: "pulumi"}
	// The root's persistent flags that the README uses (pkg/cmd/pulumi/pulumi.go).
	root.PersistentFlags().StringP("cwd", "C", "", "")
	root.PersistentFlags().Bool("non-interactive", false, "")
	root.AddCommand(stack.NewStackCmd(), operations.NewPreviewCmd(), operations.NewUpCmd(),
		operations.NewRefreshCmd(), operations.NewDestroyCmd(),
		auth.NewLoginCmd(pkgWorkspace.Instance, backend.DefaultLoginManager, env.Global()))
	cmd, rest, err := root.Find(args)
	if err != nil {
		return err
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return err
	}
	return cmd.ValidateArgs(cmd.Flags().Args())
}

// sectionCommands reads the commands of the fenced code blocks in the
// section of a Markdown file that starts with heading, each as its words,
// without the variable assignments in front of it.
func sectionCommands(t *testing.T, path, heading string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "\n"+heading+"\n")
	if start < 0 {
		t.Fatalf("%s has no section %q", path, heading)
	}
	section := text[start+len(heading)+2:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var commands [][]string
	for _, block := range codeBlocks(section) {
		commands = append(commands, shellCommands(t, block)...)
	}
	return commands
}

// shellCommands parses script as shell and returns its commands, each as its
// words, without the variable assignments in front of it.
func shellCommands(t *testing.T, script string) [][]string {
	t.Helper()
	file, err := syntax.NewParser().Parse(strings.NewReader(script), "")
	if err != nil {
		t.Errorf("not valid shell: %v\n%s", err, script)
		return nil
	}
	var commands [][]string
	syntax.Walk(file, func(node syntax.Node) bool {
		call, ok := node.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		var words []string
		for _, word := range call.Args {
			words = append(words, wordText(word))
		}
		commands = append(commands, words)
		return true
	})
	return commands
}

// codeBlocks returns the text of the fenced code blocks in markdown.
func codeBlocks(markdown string) []string {
	var blocks []string
	var block []string
	inside := false
	for line := range strings.Lines(markdown) {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```") && !inside:
			inside, block = true, nil
		case strings.HasPrefix(trimmed, "```"):
			inside = false
			blocks = append(blocks, strings.Join(block, ""))
		case inside:
			block = append(block, line)
		}
	}
	return blocks
}

// wordText is a shell word with its quotes taken off; a variable stands as
// $NAME, which is a valid argument wherever the README uses one.
func wordText(word *syntax.Word) string {
	var b strings.Builder
	for _, part := range word.Parts {
		switch p := part.(type) {
		case *syntax.Lit:
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, inner := range p.Parts {
				if lit, ok := inner.(*syntax.Lit); ok {
					b.WriteString(lit.Value)
				} else {
					b.WriteString("$VALUE")
				}
			}
		default:
			b.WriteString("$VALUE")
		}
	}
	return b.String()
}
