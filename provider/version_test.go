package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
)

// newestRelease is the heading of CHANGELOG.md's newest release:
// "## [0.1.0] - 2026-11-29".
var newestRelease = regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+[^\]]*)\]`)

// TestReleaseVersionIsOneValue holds every copy of gkewi's release version
// to the newest release of CHANGELOG.md: the plugin's (main.go's release),
// the committed schema's, the policy pack's (read as the Pulumi CLI reads
// PulumiPolicy.yaml, with workspace.LoadPolicyPack), the README's policy
// output, and, when HEAD carries a release tag, the tag.
func TestReleaseVersionIsOneValue(t *testing.T) {
	changelog, err := os.ReadFile(filepath.Join("..", "CHANGELOG.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := newestRelease.FindSubmatch(changelog)
	if m == nil {
		t.Fatal("CHANGELOG.md has no release heading such as ## [0.1.0] - 2026-11-29")
	}
	want := string(m[1])
	if _, err := semver.Parse(want); err != nil {
		t.Fatalf("CHANGELOG.md's newest release %q is not a semantic version: %v", want, err)
	}
	t.Logf("the release: %s", want)

	if release != want {
		t.Errorf("provider/main.go's release is %s; CHANGELOG.md's newest release is %s", release, want)
	}

	pack, err := workspace.LoadPolicyPack(filepath.Join("..", "policy", "PulumiPolicy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if pack.Version != want {
		t.Errorf("policy/PulumiPolicy.yaml's version is %q; CHANGELOG.md's newest release is %s", pack.Version, want)
	}

	var spec struct{ Version string }
	data, err := os.ReadFile("schema.json")
	if err == nil {
		err = json.Unmarshal(data, &spec)
	}
	if err != nil {
		t.Fatal(err)
	}
	if spec.Version != want {
		t.Errorf("schema.json's version is %q; CHANGELOG.md's newest release is %s (run `make schema`)", spec.Version, want)
	}

	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	shown := regexp.MustCompile(`gkewi@v(\S+) \(local: \./policy\)`).FindAllSubmatch(readme, -1)
	if len(shown) == 0 {
		t.Error("README.md shows no `gkewi@v<version> (local: ./policy)` line of policy output")
	}
	for _, s := range shown {
		if string(s[1]) != want {
			t.Errorf("README.md shows the pack as gkewi@v%s; CHANGELOG.md's newest release is %s", s[1], want)
		}
	}

	out, err := exec.Command("git", "tag", "--points-at", "HEAD", "--list", "v[0-9]*").Output()
	if err != nil {
		t.Logf("no git tags to compare: %v", err)
		return
	}
	for _, tag := range strings.Fields(string(out)) {
		if tag != "v"+want {
			t.Errorf("HEAD is tagged %s; CHANGELOG.md's newest release is %s", tag, want)
		}
	}
}

// TestBuiltPluginReportsItsVersion builds the plugin twice and asks each
// binary, over gRPC as the engine does, for its version (GetPluginInfo) and
// its schema's: once with the command Pulumi's Go language host runs for a
// `runtime: go` plugin (`pulumi package add` and `pulumi install`, from a
// local path or a git tag), which must report the release; once as a build
// that sets the version (`make plugin VERSION=...`).
func TestBuiltPluginReportsItsVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin twice")
	}
	const given = "9.8.7-test.1"
	for _, build := range []struct {
		name, ldflags, want string
	}{
		// pulumi/pulumi sdk/go/pulumi-language-go/main.go, compileProgram:
		// `go build -buildvcs=false -o OUT -trimpath -ldflags "-w -s"`. Here
		// without -trimpath, which would compile every dependency again
		// (minutes) and changes nothing of the version.
		{"as Pulumi builds it", "-w -s", release},
		{"with a version set", "-w -s -X main.version=" + given, given},
	} {
		t.Run(build.name, func(t *testing.T) {
			binary := filepath.Join(t.TempDir(), "pulumi-resource-gkewi")
			started := time.Now()
			goBuild := exec.Command("go", "build", "-buildvcs=false", "-o", binary, "-ldflags", build.ldflags, ".")
			if out, err := goBuild.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			t.Logf("go build -ldflags %q took %s", build.ldflags, time.Since(started).Round(time.Second))
			pluginVersion, schemaVersion := askVersions(t, binary)
			if pluginVersion != build.want || schemaVersion != build.want {
				t.Errorf("GetPluginInfo says %q and GetSchema %q; want %q", pluginVersion, schemaVersion, build.want)
			}
		})
	}
}

// askVersions starts a plugin binary as the engine does, without an engine
// address (it then prints the port it serves on), and asks it for its
// version and its schema's.
func askVersions(t *testing.T, binary string) (pluginVersion, schemaVersion string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	plugin := exec.CommandContext(ctx, binary)
	plugin.Stderr = os.Stderr
	stdout, err := plugin.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := plugin.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = plugin.Process.Signal(os.Interrupt)
		_ = plugin.Wait()
	}()
	port, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the plugin's port: %v", err)
	}
	conn, err := grpc.NewClient(fmt.Sprintf("127.0.0.1:%s", strings.TrimSpace(port)),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := pulumirpc.NewResourceProviderClient(conn)
	info, err := client.GetPluginInfo(ctx, &emptypb.Empty{})
	if err != nil {
		t.Fatalf("GetPluginInfo: %v", err)
	}
	resp, err := client.GetSchema(ctx, &pulumirpc.GetSchemaRequest{})
	if err != nil {
		t.Fatalf("GetSchema: %v", err)
	}
	var spec struct{ Version string }
	if err := json.Unmarshal([]byte(resp.GetSchema()), &spec); err != nil {
		t.Fatal(err)
	}
	return info.GetVersion(), spec.Version
}
