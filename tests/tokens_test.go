//go:build apiserver || node

package tests

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
)

// userTokens is the API server's webhook token authenticator: it accepts
// the newest token it gave out and no other, as GKE accepts a Google access
// token only until it expires. The system's own components keep the static
// admin token.
type userTokens struct {
	mu      sync.Mutex
	current string
	issued  int
}

// startUserTokens serves the authenticator on host and writes the
// kubeconfig by which the API server reaches it into path.
func startUserTokens(t *testing.T, host processHost, path string) *userTokens {
	t.Helper()
	tokens := &userTokens{}
	tokens.rotate()
	listener, err := host.listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := &http.Server{Handler: tokens, ReadHeaderTimeout: 5 * time.Second}
	go server.Serve(listener) //nolint:errcheck // Serve returns when the test closes the server.
	t.Cleanup(func() { server.Close() })
	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: user-tokens
  cluster: {server: "http://%s/"}
users:
- name: kube-apiserver
contexts:
- name: webhook
  context: {cluster: user-tokens, user: kube-apiserver}
current-context: webhook
`, listener.Addr())
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	return tokens
}

// token is the one token the server accepts now.
func (u *userTokens) token() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.current
}

// rotate gives out a new token; from now on the server refuses the old one.
func (u *userTokens) rotate() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.issued++
	u.current = fmt.Sprintf("gkewi-test-user-token-%d", u.issued)
	return u.current
}

// ServeHTTP answers a TokenReview (authentication.k8s.io/v1).
func (u *userTokens) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var review authenticationv1.TokenReview
	if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	review.Status = authenticationv1.TokenReviewStatus{}
	if review.Spec.Token == u.token() {
		review.Status.Authenticated = true
		review.Status.User = authenticationv1.UserInfo{Username: "gkewi-user", Groups: []string{"system:masters"}}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(review)
}
