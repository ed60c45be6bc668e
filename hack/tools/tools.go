//go:build tools

// Package tools pins the Kubernetes API server and etcd that the API-server
// test tier runs (`make tools` builds them into bin/). It is a module of its
// own, so that the gkewi module never depends on k8s.io/kubernetes.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
