#!/usr/bin/env bash
# make demo / make demo-down. A single-node cluster (hack/node.sh: etcd, kube-apiserver,
# controller-manager, scheduler, kubelet, containerd, a private docker-registry), the operator run
# the way production runs it (its own process, the shipped RBAC, its ServiceAccount's token), a
# sample ClusterRegistryCredential, and the proof: a Pod naming no pull Secret runs from the private image
# in a selected namespace, the kubelet is refused (401) outside the selection, and after the robot
# account's password is rotated at the registry and in the source Secret, a new Pod pulls with the
# new password while the old one is refused. Everything stays up for kubectl until `make demo-down`.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
state=$repo/.demo
node_dir=${REGCRED_NODE_DIR:-$repo/.node}
registry=127.0.0.1:${REGCRED_NODE_REGISTRY_PORT:-15000}
image=$registry/regcred/busybox:1
ns=regcred-system

step() { printf '\n==> %s\n' "$*"; }
fail() {
  echo "DEMO FAILED: $*" >&2
  [[ -f $state/operator.log ]] && tail -20 "$state/operator.log" >&2
  exit 1
}
k() { kubectl --kubeconfig "$node_dir/admin.kubeconfig" "$@"; }

stop_operator() {
  if [[ -f $state/operator.pid ]] && kill -0 "$(cat "$state/operator.pid")" 2>/dev/null; then
    kill "$(cat "$state/operator.pid")"
    for _ in $(seq 50); do kill -0 "$(cat "$state/operator.pid")" 2>/dev/null || break; sleep 0.2; done
  fi
}

down() {
  stop_operator
  if [[ -s $node_dir/registry/users/demo-robot ]]; then hack/node.sh user demo-robot --delete; fi
  hack/node.sh down >/dev/null
  rm -rf "$state"
  echo "demo stopped"
}

# A kubeconfig for the operator: the API server and CA of the node, the identity of the
# ServiceAccount the shipped RBAC binds, nothing more.
operator_kubeconfig() {
  local server ca token
  server=$(k config view --minify -o jsonpath='{.clusters[0].cluster.server}')
  ca=$(k config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority}')
  token=$(k -n "$ns" create token regcred-operator --duration=24h)
  (umask 077 && cat >"$state/operator.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: node
  cluster: {server: "$server", certificate-authority: "$ca"}
users:
- name: regcred-operator
  user: {token: "$token"}
contexts:
- name: operator
  context: {cluster: node, user: regcred-operator}
current-context: operator
EOF
  )
}

pod() { # namespace [name]: a Pod from the private image that names no pull Secret
  k -n "$1" apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: ${2:-hello}}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - {name: hello, image: $image, imagePullPolicy: Always}
EOF
}

wait_running() { # namespace name
  k -n "$1" wait --for=condition=Ready "pod/$2" --timeout=90s >/dev/null ||
    fail "the Pod $1/$2 did not start: $(k -n "$1" get events --field-selector involvedObject.name="$2" -o jsonpath='{.items[*].message}')"
}

# The robot account's current password, in the source Secret the credential reads.
robot_secret() {
  k -n "$ns" create secret generic demo-robot --type=kubernetes.io/basic-auth \
    --from-literal=username=demo-robot --from-file=password="$robot_password" \
    --dry-run=client -o yaml | k apply -f - >/dev/null
}

registry_answers() { # password-file: the registry's HTTP status for the robot with that password
  # The password goes to curl on its standard input, not on its command line.
  printf 'user = "demo-robot:%s"\n' "$(cat "$1")" |
    curl -s -K - -o /dev/null -w '%{http_code}' --cacert "$node_dir/pki/ca.crt" "https://$registry/v2/"
}

content_hash() { # namespace: what the credential's Secret there holds, as the operator hashed it
  k -n "$1" get secret regcred -o jsonpath='{.metadata.annotations.regcred\.io/content-hash}'
}

namespace() { # name [label]: created, or kept as it is
  k create namespace "$1" --dry-run=client -o yaml | k apply -f - >/dev/null
  if [[ $# -gt 1 ]]; then k label namespace "$1" "$2" --overwrite >/dev/null; fi
}

wait_default_sa() { # namespace
  for _ in $(seq 100); do
    k -n "$1" get serviceaccount default >/dev/null 2>&1 && return
    sleep 0.1
  done
  fail "no default ServiceAccount in $1"
}

up() {
  stop_operator
  rm -rf "$state"
  mkdir -p "$state"

  step "building the operator's runtime payload (hack/payload.sh: a jlink-trimmed JRE and the jars, as the image ships them)"
  ./mvnw -B -q package -DskipTests
  hack/payload.sh "$state/payload"

  step "starting a single-node cluster on 127.0.0.1 (hack/node.sh up)"
  hack/node.sh up >/dev/null
  cp "$node_dir/admin.kubeconfig" "$state/kubeconfig"

  step "installing the CRD and the operator's RBAC (crds/, config/rbac)"
  k apply -k crds >/dev/null
  k create namespace "$ns" --dry-run=client -o yaml | k apply -f - >/dev/null
  k apply -k config/rbac >/dev/null
  k wait --for=condition=Established crd/clusterregistrycredentials.regcred.io \
    crd/registrycredentials.regcred.io --timeout=30s >/dev/null

  step "starting regcred-operator as its own process, with its ServiceAccount's token (not admin)"
  operator_kubeconfig
  # The node's registry is on 127.0.0.1: namespaced credentials are verified against it only
  # because it is listed (tenants' registries must otherwise be at public addresses).
  env -i PATH="$PATH" HOME="$HOME" KUBECONFIG="$state/operator.kubeconfig" \
    REGCRED_NAMESPACE="$ns" REGCRED_LEADER_IDENTITY=demo REGCRED_HTTP_PORT=0 \
    REGCRED_TENANT_VERIFY_ALLOWED="$registry" \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError" \
    nohup "$state/payload/bin/regcred-operator" >"$state/operator.log" 2>&1 &
  echo $! >"$state/operator.pid"

  step "the source Secret: a robot account of the registry (demo-robot), in $ns"
  robot_password=$(hack/node.sh user demo-robot)
  robot_secret

  step "team namespaces: two by name, one by label; sandbox is labelled but excluded; outside is not selected"
  namespace team-a
  namespace team-b
  namespace team-c regcred.io/pull=true
  namespace sandbox regcred.io/pull=true
  namespace outside
  for team in team-a team-b team-c sandbox outside; do wait_default_sa "$team"; done
  echo "their default ServiceAccounts come from the controller-manager"

  cat >"$state/clusterregistrycredential.yaml" <<EOF
apiVersion: regcred.io/v1alpha1
kind: ClusterRegistryCredential
metadata: {name: demo}
spec:
  source:
    static: {secretRef: {name: demo-robot}, server: "$registry"}
  target:
    secretName: regcred
    namespaces:
      names: [team-a, team-b]
      selector: {matchLabels: {regcred.io/pull: "true"}}
      exclude: [sandbox]
  verification:            # the registry's certificate comes from the node's private CA
    caBundle: |
$(sed 's/^/      /' "$node_dir/pki/ca.crt")
EOF
  step "kubectl apply -f .demo/clusterregistrycredential.yaml"
  cat "$state/clusterregistrycredential.yaml"
  k apply -f "$state/clusterregistrycredential.yaml" >/dev/null
  k wait --for=condition=Ready cregcred/demo --timeout=90s >/dev/null ||
    fail "the ClusterRegistryCredential did not become Ready"
  k wait --for=condition=Verified cregcred/demo --timeout=60s >/dev/null ||
    fail "the registry did not accept the credential (condition Verified)"

  step "kubectl get cregcred"
  k get cregcred
  step "kubectl get secrets -A -l app.kubernetes.io/managed-by=regcred-operator"
  k get secrets -A -l app.kubernetes.io/managed-by=regcred-operator
  step "ServiceAccount imagePullSecrets"
  k get serviceaccounts -A --field-selector metadata.name=default \
    -o custom-columns='NAMESPACE:.metadata.namespace,NAME:.metadata.name,PULL-SECRETS:.imagePullSecrets[*].name'

  step "a Pod in team-a from $image, with no imagePullSecrets in its spec"
  pod team-a
  wait_running team-a hello
  k -n team-a get pod hello -o wide

  step "the same Pod in namespace outside, which the credential does not select"
  pod outside
  local refused=""
  for _ in $(seq 120); do
    refused=$(k -n outside get events --field-selector involvedObject.name=hello,reason=Failed \
      -o jsonpath='{.items[*].message}' 2>/dev/null)
    [[ $refused == *401* || $refused == *nauthorized* ]] && break
    sleep 0.5
  done
  [[ $refused == *401* || $refused == *nauthorized* ]] || fail "no 401 from the kubelet in outside"
  echo "kubelet: ${refused:0:300}"
  k -n outside get pod hello
  step "the operator explains the refused pull on the credential (status.pullFailures)"
  local explained=""
  for _ in $(seq 60); do
    explained=$(k get cregcred demo -o jsonpath='{.status.pullFailures[?(@.pod=="hello")].cause}')
    [[ -n $explained ]] && break
    sleep 0.5
  done
  [[ $explained == NamespaceNotTargeted ]] || fail "no pull-failure report for outside/hello"
  k get cregcred demo -o jsonpath='{range .status.pullFailures[*]}{.namespace}/{.pod}: {.cause}{"\n"}  {.message}{"\n"}{end}'

  step "rotation: a new password for demo-robot at the registry, then in the source Secret"
  (umask 077 && cp "$robot_password" "$state/old-password")
  hack/node.sh user demo-robot >/dev/null
  local old_answer new_answer
  old_answer=$(registry_answers "$state/old-password")
  new_answer=$(registry_answers "$robot_password")
  rm -f "$state/old-password"
  echo "the registry now answers the old password with $old_answer, the new one with $new_answer"
  [[ $old_answer == 401 && $new_answer == 200 ]] || fail "the registry did not take the new password"
  local before uid
  before=$(content_hash team-a)
  uid=$(k -n team-a get secret regcred -o jsonpath='{.metadata.uid}')
  robot_secret
  for _ in $(seq 150); do
    [[ $(content_hash team-a) != "$before" ]] && break
    sleep 0.2
  done
  [[ $(content_hash team-a) != "$before" ]] || fail "the Secret in team-a still holds the old password"
  [[ $(k -n team-a get secret regcred -o jsonpath='{.metadata.uid}') == "$uid" ]] ||
    fail "the Secret in team-a was replaced, not updated in place"
  echo "the operator rewrote its Secrets in place (same UID):"
  k get events -A --field-selector involvedObject.name=demo,reason=Rotated -o custom-columns='REASON:.reason,MESSAGE:.message'
  step "a new Pod in team-a pulls with the new password (imagePullPolicy: Always asks the registry)"
  pod team-a hello-rotated
  wait_running team-a hello-rotated
  k -n team-a get pod hello-rotated -o wide

  step "tenant self-service: carol edits namespace team-self (the built-in role edit, nothing more)"
  namespace team-self
  wait_default_sa team-self
  k -n team-self create rolebinding carol-edit --clusterrole=edit --user=carol@example.test \
    --dry-run=client -o yaml | k apply -f - >/dev/null
  local as_carol=(--as=carol@example.test)
  for _ in $(seq 100); do # the controller-manager aggregates the shipped rules into edit
    [[ $(k -n team-self auth can-i create registrycredentials.regcred.io "${as_carol[@]}") == yes ]] && break
    sleep 0.2
  done
  echo "carol may create a RegistryCredential in team-self: $(k -n team-self auth can-i create registrycredentials.regcred.io "${as_carol[@]}")"
  echo "in team-a: $(k -n team-a auth can-i create registrycredentials.regcred.io "${as_carol[@]}" || true)"
  echo "a ClusterRegistryCredential: $(k auth can-i create clusterregistrycredentials.regcred.io "${as_carol[@]}" 2>/dev/null || true)"
  k -n team-self create secret generic team-login --type=kubernetes.io/basic-auth \
    --from-literal=username=demo-robot --from-file=password="$robot_password" \
    --dry-run=client -o yaml | k apply "${as_carol[@]}" -f - >/dev/null
  cat >"$state/registrycredential.yaml" <<EOF
apiVersion: regcred.io/v1alpha1
kind: RegistryCredential
metadata: {name: team-pull, namespace: team-self}
spec:
  source:                  # only Secrets and ServiceAccounts of team-self can be named
    static: {secretRef: {name: team-login}, server: "$registry"}
  verification:
    caBundle: |
$(sed 's/^/      /' "$node_dir/pki/ca.crt")
EOF
  step "kubectl apply --as=carol@example.test -f .demo/registrycredential.yaml"
  cat "$state/registrycredential.yaml" | sed '/caBundle/,$d'
  k apply "${as_carol[@]}" -f "$state/registrycredential.yaml" >/dev/null
  k -n team-self wait --for=condition=Ready regcred/team-pull --timeout=90s >/dev/null ||
    fail "the namespaced RegistryCredential did not become Ready"
  k -n team-self wait --for=condition=Verified regcred/team-pull --timeout=60s >/dev/null ||
    fail "the registry did not accept the team's credential (condition Verified; the node's registry is on REGCRED_TENANT_VERIFY_ALLOWED)"
  k -n team-self get regcred "${as_carol[@]}"
  step "a Pod in team-self pulls with the team's own credential"
  pod team-self
  wait_running team-self hello
  k -n team-self get pod hello -o wide

  touch "$state/ready"
  step "demo is running. Try:
  export KUBECONFIG=$state/kubeconfig
  kubectl get cregcred
  kubectl get regcred -A                           # the namespaced ones
  kubectl create namespace team-d && kubectl label namespace team-d regcred.io/pull=true
  kubectl get sa default -n team-d -o yaml        # imagePullSecrets: regcred
  kubectl get secret regcred -n team-d
  kubectl label namespace sandbox regcred.io/pull-   # nothing happens: sandbox is excluded
  tail -f .demo/operator.log                       # the operator's own log
Stop it with: make demo-down"
}

case "${1:-up}" in
  down) down ;;
  up) up ;;
  *) echo "usage: $0 [up|down]" >&2; exit 2 ;;
esac
