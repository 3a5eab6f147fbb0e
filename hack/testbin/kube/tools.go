//go:build tools

// Package tools pins the Kubernetes API server and controller manager builds used by the
// integration tests.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
