#!/usr/bin/env bash
# Proves the single-node cluster of hack/node.sh (which must be up) pulls a private image the way
# users of the operator rely on: with a kubernetes.io/dockerconfigjson Secret that the namespace's
# default ServiceAccount lists in imagePullSecrets, the pod naming no Secret itself. A pod in a
# namespace without the Secret gets the registry's 401, although the image is on the node by then.
# Deletes its namespaces at the end.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${REGCRED_NODE_DIR:-$(dirname "$here")/.node}
registry=127.0.0.1:${REGCRED_NODE_REGISTRY_PORT:-15000}
image=$registry/regcred/busybox:1
export KUBECONFIG=$dir/admin.kubeconfig
allowed=regcred-smoke-allowed
denied=regcred-smoke-denied

log() { echo "smoke: $*" >&2; }
fail() {
  log "FAILED: $*"
  exit 1
}

cleanup() { kubectl delete namespace "$allowed" "$denied" --ignore-not-found --wait=false >/dev/null; }
trap cleanup EXIT
cleanup
kubectl wait --for=delete namespace/"$allowed" namespace/"$denied" --timeout=60s >/dev/null 2>&1 || true

pod() { # namespace
  kubectl -n "$1" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - {name: app, image: $image}
EOF
}

wait_sa() { # namespace: the controller-manager creates the default ServiceAccount
  for _ in $(seq 100); do
    kubectl -n "$1" get serviceaccount default >/dev/null 2>&1 && return
    sleep 0.1
  done
  fail "no default ServiceAccount in $1"
}

for ns in "$allowed" "$denied"; do
  kubectl create namespace "$ns" >/dev/null
  wait_sa "$ns"
done

kubectl -n "$allowed" create secret docker-registry registry-pull --docker-server="$registry" \
  --docker-username=regcred --docker-password="$(cat "$dir/registry/password")" >/dev/null
kubectl -n "$allowed" patch serviceaccount default --type=merge \
  -p '{"imagePullSecrets":[{"name":"registry-pull"}]}' >/dev/null

begin=$SECONDS
pod "$allowed"
kubectl -n "$allowed" wait --for=condition=Ready pod/app --timeout=60s >/dev/null ||
  fail "pod in $allowed not Ready: $(kubectl -n "$allowed" get events --field-selector involvedObject.name=app -o custom-columns=R:.reason,M:.message --no-headers)"
[[ $(kubectl -n "$allowed" get pod app -o jsonpath='{.spec.imagePullSecrets[*].name}') == registry-pull ]] ||
  fail "the pod did not get imagePullSecrets from its ServiceAccount"
log "ok: $allowed/app Running in $((SECONDS - begin)) s with the Secret from its ServiceAccount"
[[ $(kubectl -n "$allowed" exec app -- echo reached) == reached ]] || fail "kubectl exec through the kubelet"
log "ok: kubectl exec reaches the pod through the kubelet"

begin=$SECONDS
pod "$denied"
message=""
for _ in $(seq 300); do
  message=$(kubectl -n "$denied" get events --field-selector involvedObject.name=app,reason=Failed \
    -o jsonpath='{.items[*].message}')
  [[ -n $message ]] && break
  sleep 0.2
done
[[ $message == *"401 Unauthorized"* ]] || fail "expected a 401 pull failure in $denied, got: ${message:-nothing}"
[[ $(kubectl -n "$denied" get pod app -o jsonpath='{.status.phase}') == Pending ]] ||
  fail "the pod in $denied runs without a Secret"
reason=""
for _ in $(seq 100); do
  reason=$(kubectl -n "$denied" get pod app -o jsonpath='{.status.containerStatuses[0].state.waiting.reason}')
  [[ $reason == ErrImagePull || $reason == ImagePullBackOff ]] && break
  sleep 0.1
done
[[ $reason == ErrImagePull || $reason == ImagePullBackOff ]] || fail "pod in $denied waits for ${reason:-nothing}"
log "ok: $denied/app refused in $((SECONDS - begin)) s, $reason: ...${message: -120}"

# The namespace controller, the garbage collector and the kubelet end running pods.
begin=$SECONDS
kubectl delete namespace "$allowed" "$denied" --timeout=60s >/dev/null || fail "namespaces not deleted"
log "ok: namespaces with their pods deleted in $((SECONDS - begin)) s"
