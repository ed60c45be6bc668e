// Command gcloudstub stands in for gcloud in the tests that run gkewi's pod
// scripts with only what the google-cloud-cli image holds. It models what the
// scripts rely on in the real gcloud (googlecloudsdk/core/credentials,
// gce_read.py and gce_cache.py):
//   - the metadata server is GCE_METADATA_ROOT, or metadata.google.internal;
//   - gcloud decides that it runs on Google Cloud by reading
//     project/numeric-project-id, and remembers the answer for ten minutes in
//     the file "gce" of its configuration directory (CLOUDSDK_CONFIG);
//   - on Google Cloud, `auth list` shows the metadata server's default
//     account and `auth print-access-token` prints that account's token;
//   - off it, neither has an account;
//   - `meta apis methods call` asks a Google API as that account (calls.go).
//
// It does not model gcloud's retries of that first probe, so a test that
// passes here passes with fewer chances than the real gcloud gives.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// gceCacheAge is how long gcloud trusts its on-disk answer (_GCE_CACHE_MAX_AGE).
const gceCacheAge = 10 * time.Minute

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	command := strings.Join(positional(args), " ")
	switch {
	case command == "auth print-access-token":
		return printAccessToken(stdout, stderr)
	case command == "auth list":
		return authList(stdout, stderr)
	case strings.HasPrefix(command, "meta apis methods call"):
		return callMethod(args, stdout, stderr)
	case strings.HasPrefix(command, "projects describe "):
		return describeProject(strings.TrimPrefix(command, "projects describe "), stdout, stderr)
	}
	fmt.Fprintf(stderr, "ERROR: (gcloud) the test stub does not know %q\n", command)
	return 2
}

// positional drops the flags, which the stub's answers do not depend on.
func positional(args []string) []string {
	var out []string
	for _, arg := range args {
		if !strings.HasPrefix(arg, "-") {
			out = append(out, arg)
		}
	}
	return out
}

func printAccessToken(stdout, stderr io.Writer) int {
	token, code := accessToken("auth.print-access-token", stderr)
	if code == 0 {
		fmt.Fprintln(stdout, token)
	}
	return code
}

// accessToken is the account's token from the metadata server, or the
// error that the command names gcloud prints without one.
func accessToken(command string, stderr io.Writer) (string, int) {
	if !onGoogleCloud() {
		fmt.Fprintf(stderr, "ERROR: (gcloud.%s) You do not currently have an active account selected.\n", command)
		return "", 1
	}
	body, err := metadata("instance/service-accounts/default/token")
	var token struct {
		AccessToken string `json:"access_token"`
	}
	if err == nil {
		err = json.Unmarshal(body, &token)
	}
	if err != nil || token.AccessToken == "" {
		fmt.Fprintf(stderr, "ERROR: (gcloud.%s) There was a problem refreshing your current auth tokens: %v\n", command, err)
		return "", 1
	}
	return token.AccessToken, 0
}

func authList(stdout, stderr io.Writer) int {
	if !onGoogleCloud() {
		fmt.Fprintln(stderr, "No credentialed accounts.")
		return 0
	}
	email, err := metadata("instance/service-accounts/default/email")
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: gcloud crashed (MetadataServerException): %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, string(email))
	return 0
}

func describeProject(project string, stdout, stderr io.Writer) int {
	if code := printAccessToken(io.Discard, stderr); code != 0 {
		return code
	}
	fmt.Fprintf(stdout, "lifecycleState: ACTIVE\nprojectId: %s\n", project)
	return 0
}

// onGoogleCloud answers as gcloud's _OnGCECache does: from the file while it
// is fresh, otherwise from the metadata server, writing the answer down.
func onGoogleCloud() bool {
	cache := filepath.Join(configDir(), "gce")
	if info, err := os.Stat(cache); err == nil && time.Since(info.ModTime()) < gceCacheAge {
		data, _ := os.ReadFile(cache)
		return string(data) == "True"
	}
	number, err := metadata("project/numeric-project-id")
	on := err == nil && len(number) > 0 && strings.Trim(string(number), "0123456789") == ""
	if err := os.MkdirAll(filepath.Dir(cache), 0o700); err == nil {
		_ = os.WriteFile(cache, []byte(map[bool]string{true: "True", false: "False"}[on]), 0o600)
	}
	return on
}

func configDir() string {
	if dir := os.Getenv("CLOUDSDK_CONFIG"); dir != "" {
		return dir
	}
	return filepath.Join(os.Getenv("HOME"), ".config", "gcloud")
}

func metadataRoot() string {
	if root := os.Getenv("GCE_METADATA_ROOT"); root != "" {
		return root
	}
	return "metadata.google.internal"
}

func metadata(path string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+metadataRoot()+"/computeMetadata/v1/"+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Metadata-Flavor", "Google")
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP Error %d: %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	return body, nil
}
