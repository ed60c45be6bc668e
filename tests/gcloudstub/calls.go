package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// GoogleAPIs is where the stub sends the calls that gcloud would send to
// https://SERVICE.googleapis.com: the fake API that the tests serve beside
// the fake metadata server, as http://METADATA_ROOT/googleapis/SERVICE.googleapis.com/...
const GoogleAPIs = "/googleapis/"

// A method that `gcloud meta apis methods call` can call, with the flags
// that gcloud makes from its request message
// (googlecloudsdk/command_lib/util/apis/arg_marshalling.py: a positional
// resource for a method whose path matches its collection, the request
// body's fields as --request.FIELD, a repeated field as a comma list).
type method struct {
	// positional tells whether the resource is named by a positional
	// relative name rather than by flags.
	positional bool
	// request builds the HTTP request from the positional and the flags.
	request func(resource string, flags map[string]string) (verb, path string, body any)
}

var methods = map[string]method{
	// Storage's permissions is one string, not a list
	// (storage_v1_messages.py, StorageBucketsTestIamPermissionsRequest).
	"storage.buckets testIamPermissions": {request: func(_ string, f map[string]string) (string, string, any) {
		return http.MethodGet, "storage.googleapis.com/storage/v1/b/" + f["bucket"] + "/iam/testPermissions?permissions=" + url.QueryEscape(f["permissions"]), nil
	}},
	"secretmanager.projects.secrets testIamPermissions": {positional: true, request: testIamPermissions("secretmanager")},
	"pubsub.projects.topics testIamPermissions":         {positional: true, request: testIamPermissions("pubsub")},
	"pubsub.projects.subscriptions testIamPermissions":  {positional: true, request: testIamPermissions("pubsub")},
	"bigquery.datasets get": {request: func(_ string, f map[string]string) (string, string, any) {
		return http.MethodGet, "bigquery.googleapis.com/bigquery/v2/projects/" + f["projectId"] + "/datasets/" + f["datasetId"] +
			"?datasetView=" + strings.ToUpper(f["datasetView"]), nil
	}},
}

// testIamPermissions is the IAM v1 method: POST v1/RESOURCE:testIamPermissions.
func testIamPermissions(service string) func(string, map[string]string) (string, string, any) {
	return func(resource string, f map[string]string) (string, string, any) {
		return http.MethodPost, service + ".googleapis.com/v1/" + resource + ":testIamPermissions",
			map[string][]string{"permissions": strings.Split(f["request.permissions"], ",")}
	}
}

// callMethod models `gcloud meta apis methods call --collection=C METHOD
// [RESOURCE] --FLAG=VALUE... --format=value(FIELD)`.
func callMethod(args []string, stdout, stderr io.Writer) int {
	flags, words := parseCall(args)
	if len(words) == 0 || flags["collection"] == "" {
		// gcloud reads the collection when it parses the method
		// (googlecloudsdk/command_lib/meta/apis/flags.py).
		fmt.Fprintln(stderr, "ERROR: (gcloud.meta.apis.methods.call) The collection name must be specified before the API method.")
		return 2
	}
	m, known := methods[flags["collection"]+" "+words[0]]
	if !known || m.positional != (len(words) == 2) || len(words) > 2 {
		fmt.Fprintf(stderr, "ERROR: (gcloud.meta.apis.methods.call) the test stub does not know %q\n", strings.Join(args, " "))
		return 2
	}
	token, code := accessToken("meta.apis.methods.call", stderr)
	if code != 0 {
		return code
	}
	verb, path, body := m.request(strings.Join(words[1:], ""), flags)
	answer, err := callAPI(verb, path, token, body)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: (gcloud.meta.apis.methods.call) %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, formatValue(flags["format"], answer))
	return 0
}

// parseCall splits the arguments after `meta apis methods call` into
// --name=value flags and positional words, failing the way gcloud does when
// --collection comes after the method.
func parseCall(args []string) (map[string]string, []string) {
	flags := map[string]string{}
	var words []string
	for _, arg := range args[slices.Index(args, "call")+1:] {
		name, value, isFlag := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
		switch {
		case !strings.HasPrefix(arg, "--"):
			words = append(words, arg)
		case isFlag && (name != "collection" || len(words) == 0):
			flags[name] = value
		}
	}
	return flags, words
}

func callAPI(verb, path, token string, body any) (map[string]any, error) {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		reader = strings.NewReader(string(data))
	}
	req, err := http.NewRequest(verb, "http://"+metadataRoot()+GoogleAPIs+path, reader)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var answer map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return nil, fmt.Errorf("HTTPError %d: %v", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, apiError(resp.StatusCode, answer)
	}
	return answer, nil
}

// apiError is gcloud's message for an API's error: its status, else
// HTTPError CODE, then its message (googlecloudsdk/api_lib/util/exceptions.py).
func apiError(code int, answer map[string]any) error {
	e, _ := answer["error"].(map[string]any)
	status, _ := e["status"].(string)
	if status == "" {
		status = fmt.Sprintf("HTTPError %d", code)
	}
	return fmt.Errorf("%s: %v", status, e["message"])
}

// formatValue prints --format='value(FIELD)': a list joined with ';', a
// missing field as an empty line (googlecloudsdk/core/resource/csv_printer.py).
func formatValue(format string, answer map[string]any) string {
	field := strings.TrimSuffix(strings.TrimPrefix(format, "value("), ")")
	switch v := answer[field].(type) {
	case nil:
		return ""
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = fmt.Sprint(item)
		}
		return strings.Join(items, ";")
	default:
		return fmt.Sprint(v)
	}
}
