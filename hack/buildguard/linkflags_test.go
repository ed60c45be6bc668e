package buildguard_test

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// makefileGOFLAGS are the flags that the Makefile gives every test, plan and
// deployment build (`make up` is the README's deploy command).
func makefileGOFLAGS(t *testing.T) string {
	t.Helper()
	makefile, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^export GOFLAGS \?= (.+)$`).FindSubmatch(makefile)
	if m == nil {
		t.Fatal("the Makefile exports no GOFLAGS")
	}
	return string(m[1])
}

// TestAPanicStillNamesItsFunctionAndLine: the Makefile's flags drop the
// symbol table and DWARF (`go doc cmd/link`: -s "omit the symbol table and
// debug information", implying -w), which the link then does not write; a
// panic's trace comes from pclntab, which stays, so it still names the
// function and the line.
func TestAPanicStillNamesItsFunctionAndLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"go.mod":  "module panicker\n\ngo 1.26\n",
		"main.go": "package main\n\nfunc explode() { panic(\"boom\") }\n\nfunc main() { explode() }\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	binary := filepath.Join(dir, "panicker")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS="+makefileGOFLAGS(t), "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if symbols := sectionOf(t, binary, ".symtab"); symbols {
		t.Error("the binary has a symbol table: the Makefile's flags do not drop it")
	}
	var stderr bytes.Buffer
	run := exec.Command(binary)
	run.Stderr = &stderr
	if err := run.Run(); err == nil {
		t.Fatal("the program did not panic")
	}
	for _, want := range []string{"panic: boom", "main.explode(", "main.go:3"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the panic's trace lacks %q:\n%s", want, stderr.String())
		}
	}
}

func sectionOf(t *testing.T, binary, name string) bool {
	t.Helper()
	f, err := elf.Open(binary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return f.Section(name) != nil
}
