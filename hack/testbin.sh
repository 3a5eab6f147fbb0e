#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, etcd and helm from the
# published Go modules pinned in hack/testbin/{kube,etcd,helm}, once per version, into a cache
# outside the repository. Prints the directory that holds
# k8s/<version>-linux-amd64/{kube-apiserver,kube-controller-manager,kube-scheduler,kubelet,etcd,helm,kubectl}.
# The tests run kube-controller-manager only for single controllers (the ValidatingAdmissionPolicy
# status controller, which type-checks the shipped policy's CEL); kube-scheduler and kubelet serve
# the single-node cluster of hack/node.sh.
#   hack/testbin.sh --helm   builds only helm, and prints the path of the helm binary
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
kube_version=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print substr($3, 2)}' "$here/testbin/kube/go.mod")
etcd_version=$(awk '$1 == "require" && $2 == "go.etcd.io/etcd/server/v3" {print substr($3, 2)}' "$here/testbin/etcd/go.mod")
helm_version=$(awk '$1 == "require" && $2 == "helm.sh/helm/v3" {print substr($3, 2)}' "$here/testbin/helm/go.mod")
cache_root=${REGCRED_TESTBIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/regcred-operator/testbin}
bin_dir="$cache_root/k8s/${kube_version}-linux-amd64"

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0

build_kube() {
  local ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v${kube_version}"
  ldflags+=" -X k8s.io/component-base/version.gitMajor=${kube_version%%.*}"
  ldflags+=" -X k8s.io/component-base/version.gitMinor=$(cut -d. -f2 <<<"$kube_version")"
  ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
  (cd "$here/testbin/kube" && go build -trimpath -ldflags "$ldflags" -o "$bin_dir/$1.tmp" "k8s.io/kubernetes/cmd/$1")
  mv "$bin_dir/$1.tmp" "$bin_dir/$1"
}

build_etcd() {
  (cd "$here/testbin/etcd" && go build -trimpath -ldflags "-s -w" -o "$bin_dir/etcd.tmp" .)
  mv "$bin_dir/etcd.tmp" "$bin_dir/etcd"
}

# As helm's release build does: its version, and the Kubernetes version of its client libraries as
# what `helm template` and `helm lint` assume of the cluster (1.20 otherwise).
build_helm() {
  local k8s_minor ldflags pkg
  k8s_minor=$(awk '$1 == "k8s.io/client-go" {split($2, v, "."); print v[2]}' "$here/testbin/helm/go.mod")
  ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v${helm_version}"
  ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for pkg in chartutil lint/rules; do
    ldflags+=" -X helm.sh/helm/v3/pkg/$pkg.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/$pkg.k8sVersionMinor=$k8s_minor"
  done
  (cd "$here/testbin/helm" && go build -trimpath -ldflags "$ldflags" -o "$bin_dir/helm.tmp" helm.sh/helm/v3/cmd/helm)
  mv "$bin_dir/helm.tmp" "$bin_dir/helm"
}

ensure_helm() {
  local stamp="$bin_dir/.helm-version"
  if [[ ! -x "$bin_dir/helm" || "$(cat "$stamp" 2>/dev/null)" != "$helm_version" ]]; then
    echo "building helm v${helm_version} (first run on this machine only)" >&2
    build_helm
    echo "$helm_version" >"$stamp"
  fi
}

mkdir -p "$bin_dir"
if [[ ${1:-} == --helm ]]; then
  ensure_helm
  echo "$bin_dir/helm"
  exit 0
fi
stamp="$bin_dir/.etcd-version"
for component in kube-apiserver kube-controller-manager kube-scheduler kubelet; do
  if [[ ! -x "$bin_dir/$component" ]]; then
    echo "building $component v${kube_version} (first run on this machine only)" >&2
    build_kube "$component"
  fi
done
if [[ ! -x "$bin_dir/etcd" || "$(cat "$stamp" 2>/dev/null)" != "$etcd_version" ]]; then
  echo "building etcd v${etcd_version} (first run on this machine only)" >&2
  build_etcd
  echo "$etcd_version" >"$stamp"
fi
ensure_helm
if [[ ! -e "$bin_dir/kubectl" ]]; then
  ln -sf "$(command -v kubectl)" "$bin_dir/kubectl"
fi
echo "$cache_root"
