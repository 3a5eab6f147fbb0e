#!/usr/bin/env bash
# Installs the machine packages the tests, the demo and the single-node cluster (hack/node.sh)
# use, only those that are missing: Debian's docker-registry (CNCF distribution), skopeo, htpasswd
# and openssl; for the node containerd, runc, the CNI plugins, and busybox-static with umoci to
# build its images without a network; buildah and mmdebstrap to build the operator's image
# (hack/image.sh).
set -euo pipefail

missing=()
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v skopeo >/dev/null || missing+=(skopeo)
command -v htpasswd >/dev/null || missing+=(apache2-utils)
command -v openssl >/dev/null || missing+=(openssl)
command -v containerd >/dev/null || missing+=(containerd)
command -v runc >/dev/null || missing+=(runc)
[[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
[[ -x /bin/busybox ]] || missing+=(busybox-static)
command -v umoci >/dev/null || missing+=(umoci)
command -v ip >/dev/null || missing+=(iproute2)
command -v curl >/dev/null || missing+=(curl)
command -v buildah >/dev/null || missing+=(buildah)
command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
command -v kubectl >/dev/null || { echo "kubectl is required on PATH" >&2; exit 1; }
command -v go >/dev/null || { echo "Go is required to build the test control plane" >&2; exit 1; }

if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "installing: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
