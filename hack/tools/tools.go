//go:build tools

// Package tools pins the Kubernetes binaries and etcd that the API-server
// and node test tiers run (`make tools` and `make node-tools` build them
// into bin/). It is a module of its own, so that the gkewi module never
// depends on k8s.io/kubernetes.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
