//go:build tools

// Package tools pins the helm command that lints and renders the chart and installs it on the
// single-node cluster.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
