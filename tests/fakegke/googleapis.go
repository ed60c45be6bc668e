package fakegke

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The Google APIs that the verification asks which permissions its pod
// holds, as the gcloud stub calls them (tests/gcloudstub/calls.go): each
// resource's testIamPermissions, and BigQuery's datasets.get. The fake
// metadata server serves them under GoogleAPIs, and answers each as its
// table of held permissions says.

// GoogleAPIs is the path under which the gcloud stub calls Google's APIs.
const GoogleAPIs = "/googleapis/"

// Held are the permissions held on each resource: b/BUCKET, or
// projects/P/secrets|topics|subscriptions|datasets/NAME.
type Held map[string]*permissions

// permissions are an account's permissions on one resource. The first
// refusals asks are answered as if none were held yet, as while a new
// grant propagates.
type permissions struct {
	held     []string
	refusals int
	asked    int
}

// tokenOf is the access token that the fake metadata server gives account:
// the fake APIs tell accounts apart by it.
func tokenOf(account string) string {
	return "ya29.fake-" + account
}

// Asks is how often the fake APIs were asked about resource.
func (m *Metadata) Asks(resource string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h := m.held[resource]; h != nil {
		return h.asked
	}
	return 0
}

// HeldFor holds every grant of a verification's GRANTS, lines of KIND
// PROJECT NAME ROLE PERMISSIONS, as a stack's grants that took effect.
func HeldFor(grants string) Held {
	held := Held{}
	for line := range strings.Lines(grants) {
		fields := strings.Fields(line)
		if len(fields) != 5 {
			continue
		}
		kind, project, name, granted := fields[0], fields[1], fields[2], strings.Split(fields[4], ",")
		resource := fmt.Sprintf("projects/%s/%ss/%s", project, kind, name)
		if kind == "bucket" {
			resource = "b/" + name
		}
		if h := held[resource]; h != nil {
			h.held = append(h.held, granted...)
			continue
		}
		held[resource] = &permissions{held: granted}
	}
	return held
}

// HoldGrants makes the fake APIs hold every grant of GRANTS but the
// permissions in lacking, a secret's only once it has been asked lateSecret
// times, as while a new grant propagates.
func (m *Metadata) HoldGrants(grants string, lateSecret int, lacking ...string) {
	held := HeldFor(grants)
	for resource, h := range held {
		h.held = slices.DeleteFunc(h.held, func(p string) bool { return slices.Contains(lacking, p) })
		if strings.Contains(resource, "/secrets/") {
			h.refusals = lateSecret
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.held = held
}

// heldOf answers which of asked the caller holds on resource; m.mu is held.
func (m *Metadata) heldOf(resource string, asked []string) []string {
	h := m.held[resource]
	if h == nil {
		return nil
	}
	h.asked++
	if h.asked <= h.refusals {
		return nil
	}
	var out []string
	for _, p := range asked {
		if slices.Contains(h.held, p) {
			out = append(out, p)
		}
	}
	return out
}

// serveAPI answers a Google API call; m.mu is held.
func (m *Metadata) serveAPI(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+tokenOf(m.account) {
		apiError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
		return
	}
	host, path, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, GoogleAPIs), "/")
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
func (m *Metadata) getDataset(w http.ResponseWriter, resource, view string) {
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
