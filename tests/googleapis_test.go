package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The Google APIs that the verification asks which permissions its pod
// holds, as the gcloud stub calls them (gcloudstub/calls.go): each
// resource's testIamPermissions, and BigQuery's datasets.get. The fake
// metadata server serves them under googleAPIs, and answers each as its
// table of held permissions says.

// googleAPIs is the path under which the gcloud stub calls Google's APIs.
const googleAPIs = "/googleapis/"

// heldPermissions are an account's permissions on one resource. The first
// refusals asks are answered as if none were held yet, as while a new
// grant propagates.
type heldPermissions struct {
	permissions []string
	refusals    int
	asked       int
}

// tokenOf is the access token that the fake metadata server gives account:
// the fake APIs tell accounts apart by it.
func tokenOf(account string) string {
	return "ya29.fake-" + account
}

// hold makes the fake APIs answer that the account holds permissions on
// resource (b/BUCKET, or projects/P/secrets|topics|subscriptions|datasets/NAME)
// once refusals asks have gone unanswered.
func (m *fakeMetadata) hold(resource string, refusals int, permissions ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held == nil {
		m.held = map[string]*heldPermissions{}
	}
	m.held[resource] = &heldPermissions{permissions: permissions, refusals: refusals}
}

// asks is how often the fake APIs were asked about resource.
func (m *fakeMetadata) asks(resource string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h := m.held[resource]; h != nil {
		return h.asked
	}
	return 0
}

// heldOf answers which of permissions the caller holds on resource; m.mu is held.
func (m *fakeMetadata) heldOf(resource string, permissions []string) []string {
	h := m.held[resource]
	if h == nil {
		return nil
	}
	h.asked++
	if h.asked <= h.refusals {
		return nil
	}
	var out []string
	for _, p := range permissions {
		if slices.Contains(h.permissions, p) {
			out = append(out, p)
		}
	}
	return out
}

// serveAPI answers a Google API call; m.mu is held.
func (m *fakeMetadata) serveAPI(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+tokenOf(m.account) {
		apiError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
		return
	}
	host, path, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, googleAPIs), "/")
	switch {
	case host == "storage.googleapis.com" && r.Method == http.MethodGet && strings.HasSuffix(path, "/iam/testPermissions"):
		bucket := strings.TrimSuffix(strings.TrimPrefix(path, "storage/v1/"), "/iam/testPermissions")
		if m.held[bucket] == nil {
			apiError(w, http.StatusNotFound, "", "The specified bucket does not exist.")
			return
		}
		writeJSON(w, map[string]any{"kind": "storage#testIamPermissionsResponse", "permissions": m.heldOf(bucket, r.URL.Query()["permissions"])})
	case (host == "secretmanager.googleapis.com" || host == "pubsub.googleapis.com") && r.Method == http.MethodPost:
		resource, ok := strings.CutSuffix(strings.TrimPrefix(path, "v1/"), ":testIamPermissions")
		var body struct{ Permissions []string }
		if err := json.NewDecoder(r.Body).Decode(&body); !ok || err != nil {
			apiError(w, http.StatusBadRequest, "INVALID_ARGUMENT", fmt.Sprintf("not a testIamPermissions request: %s %v", path, err))
			return
		}
		// A missing resource answers an empty set, not NOT_FOUND.
		writeJSON(w, map[string]any{"permissions": m.heldOf(resource, body.Permissions)})
	case host == "bigquery.googleapis.com" && r.Method == http.MethodGet:
		m.getDataset(w, strings.TrimPrefix(path, "bigquery/v2/"), r.URL.Query().Get("datasetView"))
	default:
		apiError(w, http.StatusNotFound, "NOT_FOUND", "the fake Google APIs do not serve "+r.Method+" "+r.URL.Path)
	}
}

// getDataset is BigQuery's datasets.get, which with the METADATA view needs
// bigquery.datasets.get alone.
func (m *fakeMetadata) getDataset(w http.ResponseWriter, resource, view string) {
	project, dataset, _ := strings.Cut(strings.TrimPrefix(resource, "projects/"), "/datasets/")
	id := project + ":" + dataset
	switch {
	case view != "METADATA":
		apiError(w, http.StatusForbidden, "", "Access Denied: Dataset "+id+": Permission bigquery.datasets.getIamPolicy denied")
	case len(m.heldOf(resource, []string{"bigquery.datasets.get"})) == 0:
		apiError(w, http.StatusForbidden, "", "Access Denied: Dataset "+id+": Permission bigquery.datasets.get denied on dataset "+id+" (or it may not exist).")
	default:
		writeJSON(w, map[string]any{"kind": "bigquery#dataset", "id": id})
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, code int, status, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": message, "status": status}})
}

// heldFor holds every grant of a verification's GRANTS, lines of KIND
// PROJECT NAME ROLE PERMISSIONS, as a stack's grants that took effect.
func heldFor(grants string) map[string]*heldPermissions {
	held := map[string]*heldPermissions{}
	for line := range strings.Lines(grants) {
		fields := strings.Fields(line)
		if len(fields) != 5 {
			continue
		}
		kind, project, name, permissions := fields[0], fields[1], fields[2], strings.Split(fields[4], ",")
		resource := fmt.Sprintf("projects/%s/%ss/%s", project, kind, name)
		if kind == "bucket" {
			resource = "b/" + name
		}
		if h := held[resource]; h != nil {
			h.permissions = append(h.permissions, permissions...)
			continue
		}
		held[resource] = &heldPermissions{permissions: permissions}
	}
	return held
}

// holdGrants makes the fake APIs hold every grant of GRANTS.
func (m *fakeMetadata) holdGrants(grants string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.held = heldFor(grants)
}
