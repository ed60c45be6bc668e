//go:build node

package tests

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// GKE Warden's mutations on Autopilot, as the engine tier meets them: a
// mutating webhook, served by the test, that changes the Jobs and CronJobs
// of a namespace as Autopilot does its workloads ("Autopilot updated Job
// ...: defaulted unspecified 'cpu' resource for containers", with the
// autopilot.gke.io/resource-adjustment and autopilot.gke.io/warden-version
// annotations on the Job itself; cloud.google.com/kubernetes-engine/docs/concepts/autopilot-resource-requests):
// requests a container lacks get Autopilot's defaults, requests below its
// minimums are raised, a pod that selects Spot nodes gets their
// toleration, and the pod gets the RuntimeDefault seccomp profile.

// wardenDefaults and wardenMinimums are Autopilot's, for the general-purpose
// class on a cluster that supports bursting.
var (
	wardenDefaults = map[string]string{"cpu": "500m", "memory": "2Gi", "ephemeral-storage": "1Gi"}
	wardenMinimums = map[string]string{"cpu": "50m", "memory": "52Mi", "ephemeral-storage": "10Mi"}
)

// warden serves the mutating webhook for the Jobs and CronJobs of
// namespace until the test ends.
func (c *nodeCluster) warden(t *testing.T, namespace string) {
	t.Helper()
	cert, caPEM := selfSignedLoopback(t)
	listener, err := c.host.listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := &http.Server{Handler: http.HandlerFunc(serveWarden), ReadHeaderTimeout: 5 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
	go server.ServeTLS(listener, "", "") //nolint:errcheck // ServeTLS returns when the test closes the server.
	t.Cleanup(func() { server.Close() })
	url := fmt.Sprintf("https://%s/warden", listener.Addr())
	none, fail, never := admissionregistrationv1.SideEffectClassNone, admissionregistrationv1.Fail, admissionregistrationv1.NeverReinvocationPolicy
	name := "warden-" + namespace
	config := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:                    "warden.autopilot.gke.io",
			ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caPEM},
			AdmissionReviewVersions: []string{"v1"},
			SideEffects:             &none,
			FailurePolicy:           &fail,
			ReinvocationPolicy:      &never,
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": namespace}},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{"batch"}, APIVersions: []string{"v1"}, Resources: []string{"jobs", "cronjobs"}},
			}},
		}},
	}
	webhooks := c.typed.AdmissionregistrationV1().MutatingWebhookConfigurations()
	if _, err := webhooks.Create(context.Background(), config, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = webhooks.Delete(context.Background(), name, metav1.DeleteOptions{}) })
}

// serveWarden answers an AdmissionReview with the patch that Warden would
// make.
func serveWarden(w http.ResponseWriter, r *http.Request) {
	var review admissionv1.AdmissionReview
	if err := json.NewDecoder(r.Body).Decode(&review); err != nil || review.Request == nil {
		http.Error(w, "not an AdmissionReview", http.StatusBadRequest)
		return
	}
	response := &admissionv1.AdmissionResponse{UID: review.Request.UID, Allowed: true}
	if patch, err := wardenPatch(review.Request.Object.Raw); err != nil {
		response.Allowed = false
		response.Result = &metav1.Status{Message: err.Error()}
	} else if patch != nil {
		patchType := admissionv1.PatchTypeJSONPatch
		response.Patch, response.PatchType = patch, &patchType
	}
	review.Response = response
	review.Request = nil
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(review)
}

// wardenPatch is the JSON patch that mutates a Job or CronJob as Warden
// does, or nil when there is nothing to change.
func wardenPatch(raw []byte) ([]byte, error) {
	var obj unstructured.Unstructured
	if err := obj.UnmarshalJSON(raw); err != nil {
		return nil, err
	}
	path := []string{"spec", "template", "spec"}
	if obj.GetKind() == "CronJob" {
		path = []string{"spec", "jobTemplate", "spec", "template", "spec"}
	}
	pod, found, err := unstructured.NestedMap(obj.Object, path...)
	if err != nil || !found {
		return nil, err
	}
	adjusted := wardenPod(pod)
	if err := unstructured.SetNestedMap(obj.Object, pod, path...); err != nil {
		return nil, err
	}
	if len(adjusted) == 0 {
		return nil, nil
	}
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	adjustment, err := json.Marshal(map[string]any{"output": map[string]any{"modified": adjusted}, "modified": true})
	if err != nil {
		return nil, err
	}
	annotations["autopilot.gke.io/resource-adjustment"] = string(adjustment)
	annotations["autopilot.gke.io/warden-version"] = "3.1.0"
	return json.Marshal([]map[string]any{
		{"op": "replace", "path": "/spec", "value": obj.Object["spec"]},
		{"op": "add", "path": "/metadata/annotations", "value": annotations},
	})
}

// wardenPod changes a pod spec in place as Warden would, and says what it
// changed.
func wardenPod(pod map[string]any) []string {
	var adjusted []string
	for _, list := range []string{"initContainers", "containers"} {
		containers, _ := pod[list].([]any)
		for _, c := range containers {
			container, _ := c.(map[string]any)
			adjusted = append(adjusted, wardenRequests(container)...)
		}
	}
	selector, _ := pod["nodeSelector"].(map[string]any)
	tolerations, _ := pod["tolerations"].([]any)
	spot := map[string]any{"key": "cloud.google.com/gke-spot", "operator": "Equal", "value": "true", "effect": "NoSchedule"}
	if selector["cloud.google.com/gke-spot"] == "true" && !slices.ContainsFunc(tolerations, func(t any) bool { return fmt.Sprint(t) == fmt.Sprint(spot) }) {
		pod["tolerations"] = append(tolerations, spot)
		adjusted = append(adjusted, "tolerations")
	}
	security, _ := pod["securityContext"].(map[string]any)
	if security == nil {
		security = map[string]any{}
		pod["securityContext"] = security
	}
	if _, ok := security["seccompProfile"]; !ok {
		security["seccompProfile"] = map[string]any{"type": "RuntimeDefault"}
		adjusted = append(adjusted, "seccompProfile")
	}
	return adjusted
}

// wardenRequests fills in and raises a container's requests.
func wardenRequests(container map[string]any) []string {
	resources, _ := container["resources"].(map[string]any)
	if resources == nil {
		resources = map[string]any{}
		container["resources"] = resources
	}
	requests, _ := resources["requests"].(map[string]any)
	if requests == nil {
		requests = map[string]any{}
		resources["requests"] = requests
	}
	var adjusted []string
	for name, fallback := range wardenDefaults {
		value, ok := requests[name].(string)
		switch {
		case !ok:
			requests[name] = fallback
		case below(value, wardenMinimums[name]):
			requests[name] = wardenMinimums[name]
		default:
			continue
		}
		adjusted = append(adjusted, fmt.Sprintf("%s %s", container["name"], name))
	}
	return adjusted
}

// below tells whether the quantity value is less than minimum.
func below(value, minimum string) bool {
	v, m := resource.MustParse(value), resource.MustParse(minimum)
	return v.Cmp(m) < 0
}

// selfSignedLoopback is a serving certificate for 127.0.0.1, and its PEM,
// which is its own CA.
func selfSignedLoopback(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "warden"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
