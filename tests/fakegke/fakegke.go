// Package fakegke is the GKE metadata server as a pod sees it, and the
// Google APIs that the verification asks which permissions its pod holds,
// as fakes that the tiers which run the pod scripts share: the image tier
// (components/scripts) on the host, and the node and engine tiers (tests) for the
// node's pods. It also builds the stub gcloud (tests/gcloudstub) that
// talks to them.
package fakegke

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Metadata is the GKE metadata server as a pod sees it, with the ways it
// can let a pod down. Like the real one, it answers only requests that
// carry Metadata-Flavor: Google, and marks its answers the same way. It
// serves the fake Google APIs too (googleapis.go).
type Metadata struct {
	// Addr is where Serve listens.
	Addr string

	mu      sync.Mutex
	account string
	// refuseTokens is how many token requests get HTTP 403 before one gets a
	// token, as while a binding propagates; -1 refuses them all.
	refuseTokens int
	// dropFirst is how many requests of any kind are cut off unanswered, as
	// in a pod's first moments.
	dropFirst     int
	tokenRequests int
	// held are the permissions that the fake Google APIs say the account
	// holds, by resource.
	held Held
}

// New is a metadata server that answers as account, with nothing held.
func New(account string) *Metadata {
	return &Metadata{account: account}
}

// NewHolding is a metadata server that answers as account, whose fake APIs
// answer from held, which it may share with others.
func NewHolding(account string, held Held) *Metadata {
	return &Metadata{account: account, held: held}
}

// Serve starts a metadata server for account on loopback, until the test
// ends.
func Serve(t testing.TB, account string) *Metadata {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := New(account)
	m.Addr = listener.Addr().String()
	server := &http.Server{Handler: m, ReadHeaderTimeout: 5 * time.Second}
	go server.Serve(listener) //nolint:errcheck // Serve returns when the test closes the server.
	t.Cleanup(func() { server.Close() })
	return m
}

// ServeHTTP answers as the metadata server, or as a Google API under
// GoogleAPIs.
func (m *Metadata) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if strings.HasPrefix(r.URL.Path, GoogleAPIs) {
		m.serveAPI(w, r)
		return
	}
	if m.dropFirst > 0 {
		m.dropFirst--
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	if r.Header.Get("Metadata-Flavor") != "Google" {
		http.Error(w, "Missing Metadata-Flavor:Google header.", http.StatusForbidden)
		return
	}
	w.Header().Set("Metadata-Flavor", "Google")
	switch r.URL.Path {
	case "/computeMetadata/v1/project/numeric-project-id":
		_, _ = w.Write([]byte("123456789012"))
	case "/computeMetadata/v1/instance/service-accounts/default/email":
		_, _ = w.Write([]byte(m.account))
	case "/computeMetadata/v1/instance/service-accounts/default/token":
		m.tokenRequests++
		if m.refuseTokens < 0 || m.tokenRequests <= m.refuseTokens {
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		writeJSON(w, map[string]any{"access_token": tokenOf(m.account), "expires_in": 3599, "token_type": "Bearer"})
	default:
		http.NotFound(w, r)
	}
}

// SetRefuseTokens refuses the next n token requests, or all with -1.
func (m *Metadata) SetRefuseTokens(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.refuseTokens = n
}

// DropFirst cuts off the next n requests unanswered.
func (m *Metadata) DropFirst(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dropFirst = n
}

// SetAccount makes the server answer as account from now on.
func (m *Metadata) SetAccount(account string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.account = account
}

// TokensAsked is how many tokens were asked for.
func (m *Metadata) TokensAsked() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tokenRequests
}
