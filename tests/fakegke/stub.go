package fakegke

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// stubPackage is the stub gcloud, which asks the fake metadata server and
// calls the fake APIs as gcloud does.
const stubPackage = "github.com/gkewi/gkewi/tests/gcloudstub"

// buildStub builds the stub once per test binary.
var buildStub = sync.OnceValues(func() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	path := filepath.Join(root, "bin", "test", "gcloud")
	build := exec.Command("go", "build", "-o", path, stubPackage)
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the gcloud stub: %w\n%s", err, out)
	}
	return path, nil
})

// GcloudStub is the stub gcloud, built statically, so that it needs nothing
// from the PATH it runs on. It builds into the checkout's bin/test, where
// go finds it up to date and links nothing on the next run.
func GcloudStub(t testing.TB) string {
	t.Helper()
	path, err := buildStub()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// moduleRoot is the checkout: the nearest directory above the test's own
// that holds the program's go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory")
		}
		dir = parent
	}
}
