#!/usr/bin/env bash
# A real single-node Kubernetes cluster on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, containerd + runc, a kubelet, the CNI bridge, and a private docker-registry (TLS +
# htpasswd) holding a tiny image built here without a network.
#
#   hack/node.sh up       start what is not running yet; wait for the Node Ready and the default
#                         ServiceAccount; print the KUBECONFIG to use and write it, the registry,
#                         its user and password file and the image to $REGCRED_NODE_DIR/env
#   hack/node.sh down     stop everything; leave no process, mount, shim, bridge, cgroup or
#                         directory outside the state directory behind (certificates, the image and
#                         the registry's data stay for the next up)
#   hack/node.sh down --purge   the same, then delete the state directory too
#   hack/node.sh status   what runs
#   hack/node.sh user NAME          give the registry user NAME a new random password (a robot
#                                   account to rotate); print the file that holds it
#   hack/node.sh user NAME --delete remove the user from the registry
#
# Needs root, cgroup v1 or v2 mounted read-write, hack/deps.sh and hack/testbin.sh.
# All state lives under REGCRED_NODE_DIR (default .node/ in the repository).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
dir=${REGCRED_NODE_DIR:-$repo/.node}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

etcd_port=${REGCRED_NODE_ETCD_PORT:-12379}
etcd_peer_port=${REGCRED_NODE_ETCD_PEER_PORT:-12380}
apiserver_port=${REGCRED_NODE_APISERVER_PORT:-16443}
registry_port=${REGCRED_NODE_REGISTRY_PORT:-15000}
kubelet_port=${REGCRED_NODE_KUBELET_PORT:-10250}
kubelet_healthz_port=${REGCRED_NODE_KUBELET_HEALTHZ_PORT:-10248}
bridge=${REGCRED_NODE_BRIDGE:-regcred0}
pod_subnet=${REGCRED_NODE_POD_SUBNET:-10.244.0.0/24}
registry_user=regcred
image_repository=regcred/busybox
image_tag=1
sandbox_image=registry.k8s.io/pause:3.10

pki=$dir/pki
logs=$dir/logs
pids=$dir/pids
run=$dir/run # what down deletes: etcd data, containerd and kubelet state, CNI state
socket=$run/containerd/containerd.sock
admin_kubeconfig=$dir/admin.kubeconfig
# Directories the kubelet, containerd and the CNI plugins create at fixed places; down removes those
# that did not exist before up.
system_dirs=(/var/lib/kubelet /var/log/containers /var/log/pods /run/containerd /var/lib/cni /opt/containerd)

# The chains the kubelet adds to iptables (the canaries it watches for a flush, the hint for
# kube-proxy, and KUBE-FIREWALL against martian traffic to 127.0.0.0/8), and ours (the kubernetes
# Service, below); down removes those that did not exist before up.
services_chain=REGCRED-NODE-SERVICES
firewall_chain=REGCRED-NODE-FIREWALL
kubelet_chains=(mangle:KUBE-IPTABLES-HINT mangle:KUBE-KUBELET-CANARY nat:KUBE-KUBELET-CANARY
  filter:KUBE-KUBELET-CANARY filter:KUBE-FIREWALL nat:$services_chain filter:$firewall_chain)
# The kubernetes Service's cluster IP (the first of the service range) and port, as the kubelet
# tells every Pod in KUBERNETES_SERVICE_HOST/PORT.
service_cidr=10.0.0.0/24
kubernetes_service_ip=10.0.0.1
# The bridge's own address on the Pod network: the Pods' gateway to the service range.
pod_gateway=${pod_subnet%.*}.1
# Kernel settings the kubelet changes at start (it sets what it needs for overcommit and panics);
# up records them on a fresh run and down puts them back.
kubelet_sysctls=(vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops
  kernel.keys.root_maxkeys kernel.keys.root_maxbytes)

log() { echo "node: $*" >&2; }

bin_dir() {
  local root
  root=$("$here/testbin.sh")
  local version
  version=$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" {print substr($3, 2)}' "$here/testbin/kube/go.mod")
  echo "$root/k8s/${version}-linux-amd64"
}

kubectl_admin() { kubectl --kubeconfig "$admin_kubeconfig" "$@"; }

# ---------------------------------------------------------------------------------------------
# certificates and kubeconfigs (written once, kept across down/up so KUBECONFIG stays valid)

cert() { # name subject sans(comma list or "") kind(server|client|both)
  local name=$1 subject=$2 sans=$3 kind=$4
  [[ -s $pki/$name.crt ]] && return
  local usage=clientAuth
  [[ $kind == server ]] && usage=serverAuth
  [[ $kind == both ]] && usage=serverAuth,clientAuth
  local ext=$pki/$name.ext
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$usage"
    [[ -n $sans ]] && echo "subjectAltName=$sans"
  } >"$ext"
  openssl req -new -newkey rsa:2048 -nodes -subj "$subject" -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 365 -extfile "$ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$ext"
}

kubeconfig() { # file cert-name
  local file=$1 name=$2
  [[ -s $file ]] && return
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: regcred-node
  cluster:
    server: https://127.0.0.1:$apiserver_port
    certificate-authority: $pki/ca.crt
users:
- name: $name
  user:
    client-certificate: $pki/$name.crt
    client-key: $pki/$name.key
contexts:
- name: regcred-node
  context: {cluster: regcred-node, user: $name, namespace: default}
current-context: regcred-node
EOF
}

write_pki() {
  mkdir -p "$pki"
  chmod 700 "$pki"
  if [[ ! -s $pki/ca.crt ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=regcred-node-ca" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  fi
  if [[ ! -s $pki/sa.key ]]; then
    openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
  fi
  cert apiserver "/CN=kube-apiserver" \
    "IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc" server
  cert kubelet-serving "/CN=localhost" "IP:127.0.0.1,DNS:localhost" server
  cert registry "/CN=127.0.0.1" "IP:127.0.0.1,DNS:localhost" server
  cert etcd "/CN=etcd" "IP:127.0.0.1,DNS:localhost" both
  cert apiserver-etcd-client "/CN=kube-apiserver-etcd-client" "" client
  cert admin "/O=system:masters/CN=regcred-node-admin" "" client
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "" client
  cert controller-manager "/CN=system:kube-controller-manager" "" client
  cert scheduler "/CN=system:kube-scheduler" "" client
  cert kubelet "/O=system:nodes/CN=system:node:localhost" "" client
  kubeconfig "$admin_kubeconfig" admin
  kubeconfig "$dir/controller-manager.kubeconfig" controller-manager
  kubeconfig "$dir/scheduler.kubeconfig" scheduler
  kubeconfig "$dir/kubelet.kubeconfig" kubelet
}

# ---------------------------------------------------------------------------------------------
# processes: one pid file each, started in their own session so they outlive this script

# A process that has exited but whose parent (init, for these) has not reaped it yet counts as gone.
running() { # pid
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

alive() { # name
  local pid
  pid=$(cat "$pids/$1.pid" 2>/dev/null) || return 1
  [[ -n $pid ]] && running "$pid"
}

start() { # name command...
  local name=$1
  shift
  if alive "$name"; then
    return
  fi
  setsid "$@" >>"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$pids/$name.pid"
}

# Stops processes together: SIGTERM, then SIGKILL after a grace period. down discards their state
# anyway, so a short grace only spares the logs a crash.
stop() { # grace-seconds name...
  local grace=$1 name pid
  shift
  local pending=()
  for name; do
    pid=$(cat "$pids/$name.pid" 2>/dev/null) || continue
    if [[ -n $pid ]] && running "$pid"; then
      kill "$pid" 2>/dev/null || true
      pending+=("$pid")
    fi
  done
  for ((i = 0; i < grace * 10; i++)); do
    local left=0
    for pid in "${pending[@]}"; do running "$pid" && left=1; done
    ((left)) || break
    sleep 0.1
  done
  for pid in "${pending[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for name; do rm -f "$pids/$name.pid"; done
}

wait_for() { # description seconds command...
  local what=$1 seconds=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "timed out waiting for $what; logs in $logs"
      return 1
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------
# configuration files

# Writes stdin to a file only if it changes it, in one rename: containerd watches the CNI
# directory and would read a half-written file.
put() {
  local file=$1
  cat >"$file.new"
  if cmp -s "$file.new" "$file"; then rm -f "$file.new"; else mv "$file.new" "$file"; fi
}

write_configs() {
  mkdir -p "$run"/{containerd,kubelet,cni/net.d,cni/ipam,cni/cache,etcd,pod-logs}
  # The registry under both names its certificate holds: the kubelet picks pull credentials by
  # the name an image uses, and KubeletKeyringE2E pulls by each.
  local name
  for name in 127.0.0.1 localhost; do
    mkdir -p "$dir/certs.d/$name:$registry_port"
    put "$dir/certs.d/$name:$registry_port/hosts.toml" <<EOF
server = "https://$name:$registry_port"

[host."https://$name:$registry_port"]
  capabilities = ["pull", "resolve"]
  ca = "$pki/ca.crt"
EOF
  done
  put "$run/containerd/config.toml" <<EOF
version = 2
root = "$run/containerd/root"
state = "$run/containerd/state"

[grpc]
  address = "$socket"

[plugins."io.containerd.internal.v1.opt"]
  path = "$run/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$sandbox_image"
  # Root here lacks CAP_SYS_RESOURCE: without this every sandbox fails in runc create.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$run/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$run/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$dir/certs.d"
EOF
  # Pods route only the service range, through the bridge's own address (services() sets it; the
  # plugin is no gateway, so it leaves ip_forward alone): no default route, no masquerading. What
  # they may reach through it, the API server and nothing else, services() decides.
  put "$run/cni/net.d/10-regcred.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "regcred-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": false,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$pod_subnet", "gateway": "$pod_gateway"}]],
        "routes": [{"dst": "$service_cidr", "gw": "$pod_gateway"}],
        "dataDir": "$run/cni/ipam"
      }
    },
    {"type": "loopback"}
  ]
}
EOF
  # Pod Security "baseline" for every namespace unless it says otherwise: no privileged, hostPath
  # or host-network Pods, which would reach around every boundary of this node.
  put "$run/admission.yaml" <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults: {enforce: baseline, enforce-version: latest, warn: baseline, warn-version: latest}
    exemptions: {usernames: [], runtimeClasses: [], namespaces: []}
EOF
  put "$run/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $kubelet_port
healthzBindAddress: 127.0.0.1
healthzPort: $kubelet_healthz_port
readOnlyPort: 0
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$socket
podLogsDir: $run/pod-logs
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
maxPods: 30
serializeImagePulls: false
# Small disks: neither evict nor collect images.
evictionHard: {memory.available: "1Mi", nodefs.available: "1%", nodefs.inodesFree: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
# Without it a pod with no pull Secret runs an image another pod's Secret pulled onto the node.
featureGates: {KubeletEnsureSecretPulledImages: true}
EOF
}

# ---------------------------------------------------------------------------------------------
# the kubernetes Service, without kube-proxy

# Pods (the operator's own, installed from its manifests) reach the API server as in any cluster,
# at the kubernetes Service's cluster IP. The API server listens on 127.0.0.1 only, so the node
# translates that one address (DNAT) to loopback, as kube-proxy does for node ports on localhost;
# route_localnet on the bridge lets such packets in, and only on the bridge, which this script
# creates and down deletes. From the bridge the node then accepts the translated connections and
# replies to its own (the kubelet's probes) and drops everything else: a packet a Pod addresses to
# 127.0.0.1 itself (raw sockets; etcd and the kubelet listen there), to a service of the machine's
# bound to all addresses, or meant to be forwarded off the node. Rules are added only when missing,
# so a repeated up never opens a gap.
services() {
  if ! ip link show "$bridge" >/dev/null 2>&1; then
    ip link add "$bridge" type bridge
  fi
  ip addr replace "$pod_gateway/${pod_subnet#*/}" dev "$bridge"
  ip link set "$bridge" up
  sysctl -q -w "net.ipv4.conf.$bridge.route_localnet=1"
  rule nat "$services_chain" -i "$bridge" -d "$kubernetes_service_ip/32" -p tcp --dport 443 \
    -j DNAT --to-destination "127.0.0.1:$apiserver_port"
  rule nat PREROUTING -j "$services_chain"
  rule filter "$firewall_chain" -i "$bridge" -m conntrack --ctstate ESTABLISHED,RELATED,DNAT -j RETURN
  rule filter "$firewall_chain" -i "$bridge" -j DROP
  rule filter INPUT -j "$firewall_chain"
  rule filter FORWARD -j "$firewall_chain"
}

# table chain rule...: added unless it is there; to the end of a chain of ours (created if need
# be), to the front of a built-in one, ahead of whatever the machine's own firewall accepts.
rule() {
  local table=$1 chain=$2 add=-A
  shift 2
  if [[ $chain == REGCRED-* ]]; then
    iptables -w -t "$table" -N "$chain" 2>/dev/null || true
  else
    add="-I"
  fi
  iptables -w -t "$table" -C "$chain" "$@" 2>/dev/null || iptables -w -t "$table" "$add" "$chain" "$@"
}

# ---------------------------------------------------------------------------------------------
# the registry and its image

start_registry() {
  mkdir -p "$dir/registry/data"
  if [[ ! -s $dir/registry/password ]]; then
    (umask 077 && openssl rand -hex 16 >"$dir/registry/password")
    htpasswd -niB "$registry_user" <"$dir/registry/password" | sed '/^$/d' >"$dir/registry/htpasswd"
  fi
  put "$dir/registry/config.yml" <<EOF
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $dir/registry/data}}
http: {addr: 127.0.0.1:$registry_port, tls: {certificate: $pki/registry.crt, key: $pki/registry.key}}
auth: {htpasswd: {realm: regcred-node, path: $dir/registry/htpasswd}}
EOF
  start registry docker-registry serve "$dir/registry/config.yml"
}

registry_serving() {
  [[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.crt" "https://127.0.0.1:$registry_port/v2/") == 401 ]]
}

# One image from Debian's static busybox, as an OCI layout: a shell that sleeps until SIGTERM.
build_image() {
  local layout=$dir/image/oci
  [[ -s $dir/image/built ]] && return
  rm -rf "$dir/image"
  mkdir -p "$dir/image"
  umoci init --layout "$layout"
  umoci new --image "$layout:$image_tag"
  umoci unpack --image "$layout:$image_tag" "$dir/image/bundle" >/dev/null
  mkdir -p "$dir/image/bundle/rootfs/bin"
  cp /bin/busybox "$dir/image/bundle/rootfs/bin/busybox"
  for applet in sh sleep cat ls echo; do
    ln -s busybox "$dir/image/bundle/rootfs/bin/$applet"
  done
  umoci repack --image "$layout:$image_tag" "$dir/image/bundle"
  umoci config --image "$layout:$image_tag" --config.entrypoint /bin/sh \
    --config.cmd -c --config.cmd "trap 'exit 0' TERM INT; while :; do sleep 1 & wait \$!; done"
  umoci gc --layout "$layout"
  rm -rf "$dir/image/bundle"
  echo "$image_tag" >"$dir/image/built"
}

push_image() {
  [[ -s $dir/registry/pushed ]] && return
  mkdir -p "$dir/registry/client-certs"
  cp "$pki/ca.crt" "$dir/registry/client-certs/ca.crt"
  skopeo copy --quiet --dest-cert-dir "$dir/registry/client-certs" \
    --dest-creds "$registry_user:$(cat "$dir/registry/password")" \
    "oci:$dir/image/oci:$image_tag" "docker://127.0.0.1:$registry_port/$image_repository:$image_tag"
  echo pushed >"$dir/registry/pushed"
}

load_sandbox_image() {
  if ctr -a "$socket" -n k8s.io images ls -q | grep -qx "$sandbox_image"; then
    return
  fi
  if [[ ! -s $dir/image/sandbox.tar ]]; then
    skopeo copy --quiet "oci:$dir/image/oci:$image_tag" "docker-archive:$dir/image/sandbox.tar:$sandbox_image"
  fi
  ctr -a "$socket" -n k8s.io images import "$dir/image/sandbox.tar" >/dev/null
}

# Registry users besides the node's own: the registry re-reads its htpasswd file when it changes, so
# a new password takes effect at once and the old one is refused from then on.
user() { # name [--delete]
  local name=$1 action=${2:-}
  [[ $name =~ ^[a-z0-9][a-z0-9-]*$ && $name != "$registry_user" ]] || { log "bad user name: $name"; exit 2; }
  [[ -z $action || $action == --delete ]] || { log "unknown option: $action"; exit 2; }
  [[ -s $dir/registry/htpasswd ]] || { log "no registry here yet: hack/node.sh up"; exit 1; }
  local users=$dir/registry/users
  mkdir -p "$users"
  chmod 700 "$users"
  # One change at a time: the file is read, changed and replaced.
  exec 9>"$users/.lock"
  flock 9
  local lines
  lines=$(grep -v "^$name:" "$dir/registry/htpasswd" || true)
  if [[ $action == --delete ]]; then
    rm -f "$users/$name"
  else
    # No newline: the file holds exactly the password, for tools that read it whole.
    (umask 077 && openssl rand -hex 16 | tr -d '\n' >"$users/$name.new")
    lines+=$'\n'$(htpasswd -niB "$name" <"$users/$name.new" | sed '/^$/d')
    mv "$users/$name.new" "$users/$name"
  fi
  sed '/^$/d' <<<"$lines" | put "$dir/registry/htpasswd"
  [[ $action == --delete ]] || echo "$users/$name"
}

# ---------------------------------------------------------------------------------------------

# One node per machine: the kubelet and containerd use fixed directories and cgroups. Another
# node's processes (or anything else) on our ports would answer in our place.
ports_free() {
  local name port pid
  for name in etcd:$etcd_port etcd:$etcd_peer_port kube-apiserver:$apiserver_port \
    registry:$registry_port kubelet:$kubelet_port kubelet:$kubelet_healthz_port; do
    port=${name#*:} name=${name%%:*}
    alive "$name" && continue
    pid=$(ss -Hltnp "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
    if [[ -n $pid ]]; then
      log "port $port is taken by $(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-100)"
      log "another node? hack/node.sh down in its repository (REGCRED_NODE_DIR), or set REGCRED_NODE_* ports"
      return 1
    fi
  done
}

up() {
  local begin=$SECONDS bin
  [[ $(id -u) -eq 0 ]] || { log "needs root"; exit 1; }
  bin=$(bin_dir)
  mkdir -p "$logs" "$pids"
  ports_free || exit 1
  if [[ ! -e $run ]]; then
    # A fresh run: new logs; remember which machine directories and iptables chains exist now, so
    # down removes only ours.
    rm -f "$logs"/*.log
    mkdir -p "$run"
    for d in "${system_dirs[@]}"; do
      [[ -e $d ]] || echo "$d"
    done >"$run/created-dirs"
    for tool in iptables ip6tables; do
      command -v $tool >/dev/null || continue
      for chain in "${kubelet_chains[@]}"; do
        $tool -w -t "${chain%%:*}" -S "${chain#*:}" >/dev/null 2>&1 || echo "$tool $chain"
      done
    done >"$run/created-chains"
    for key in "${kubelet_sysctls[@]}"; do echo "$key=$(sysctl -n "$key")"; done >"$run/sysctls"
  fi
  write_pki
  write_configs
  services
  # etcd is the cluster: it answers only clients with a certificate of this node's CA (the API
  # server's), on both ports, so no other process of the machine can write around RBAC.
  start etcd "$bin/etcd" --name=node --data-dir="$run/etcd" \
    --listen-client-urls="https://127.0.0.1:$etcd_port" --advertise-client-urls="https://127.0.0.1:$etcd_port" \
    --listen-peer-urls="https://127.0.0.1:$etcd_peer_port" --initial-advertise-peer-urls="https://127.0.0.1:$etcd_peer_port" \
    --initial-cluster="node=https://127.0.0.1:$etcd_peer_port" \
    --cert-file="$pki/etcd.crt" --key-file="$pki/etcd.key" --client-cert-auth --trusted-ca-file="$pki/ca.crt" \
    --peer-cert-file="$pki/etcd.crt" --peer-key-file="$pki/etcd.key" --peer-client-cert-auth \
    --peer-trusted-ca-file="$pki/ca.crt" --unsafe-no-fsync --log-level=warn
  start_registry
  start containerd containerd --config "$run/containerd/config.toml"
  start kube-apiserver "$bin/kube-apiserver" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$apiserver_port" \
    --etcd-servers="https://127.0.0.1:$etcd_port" --etcd-cafile="$pki/ca.crt" \
    --etcd-certfile="$pki/apiserver-etcd-client.crt" --etcd-keyfile="$pki/apiserver-etcd-client.key" \
    --admission-control-config-file="$run/admission.yaml" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction,OwnerReferencesPermissionEnforcement \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-signing-key-file="$pki/sa.key" --service-account-key-file="$pki/sa.pub" \
    --service-cluster-ip-range="$service_cidr" --allow-privileged \
    --endpoint-reconciler-type=none \
    --kubelet-preferred-address-types=Hostname,InternalIP \
    --kubelet-certificate-authority="$pki/ca.crt" \
    --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$pki/apiserver-kubelet-client.key"
  start kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig="$dir/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false \
    --controllers='*' --use-service-account-credentials \
    --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
    --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key"
  start kube-scheduler "$bin/kube-scheduler" \
    --kubeconfig="$dir/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false
  build_image
  wait_for "containerd" 30 ctr -a "$socket" version
  load_sandbox_image
  start kubelet "$bin/kubelet" \
    --config="$run/kubelet/config.yaml" --kubeconfig="$dir/kubelet.kubeconfig" \
    --root-dir="$run/kubelet" --cert-dir="$run/kubelet/pki" --hostname-override=localhost
  wait_for "docker-registry" 30 registry_serving
  push_image
  wait_for "kube-apiserver" 90 kubectl_admin get --raw /readyz
  wait_for "Node localhost Ready" 90 kubectl_admin wait --for=condition=Ready node/localhost --timeout=1s
  wait_for "ServiceAccount default/default" 60 kubectl_admin -n default get serviceaccount default
  # What a program needs to use this node (the end-to-end tests read it): NAME=value lines.
  put "$dir/env" <<EOF
KUBECONFIG=$admin_kubeconfig
REGISTRY=127.0.0.1:$registry_port
REGISTRY_CA=$pki/ca.crt
REGISTRY_USER=$registry_user
REGISTRY_PASSWORD_FILE=$dir/registry/password
IMAGE=127.0.0.1:$registry_port/$image_repository:$image_tag
EOF
  log "up in $((SECONDS - begin)) s"
  log "registry 127.0.0.1:$registry_port, user $registry_user, password in $dir/registry/password"
  log "image 127.0.0.1:$registry_port/$image_repository:$image_tag"
  echo "export KUBECONFIG=$admin_kubeconfig"
}

# Processes in the kubelet's pod cgroups (the containers) and the shims of this containerd.
pod_processes() {
  local d
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d $d ]] && find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
  done | sort -u
}

processes_naming() { # pattern (extended regexp) over the command line
  local p
  for p in /proc/[0-9]*; do
    if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qE -- "$1"; then
      echo "${p#/proc/}"
    fi
  done
}

shim_processes() { processes_naming "containerd-shim.* -address $socket"; }

# What down must not leave: prints one line per leftover.
leftovers() {
  local pid cg line
  for pid in $(processes_naming "^[^ ]*(etcd|kube-[a-z-]+|kubelet|containerd[a-z-]*|docker-registry) .*$dir/"); do
    echo "process $pid: $({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | cut -c1-120)"
  done
  for pid in $(pod_processes); do echo "pod process $pid"; done
  our_mounts | sed 's/^/mount /'
  if ip link show "$bridge" >/dev/null 2>&1; then echo "bridge $bridge"; fi
  for cg in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d $cg ]] && echo "cgroup $cg"
  done
  if [[ -s $run/created-dirs ]]; then
    while read -r line; do [[ -e $line ]] && echo "directory $line"; done <"$run/created-dirs"
  fi
  if [[ -s $run/created-chains ]]; then
    while read -r tool line; do
      $tool -w -t "${line%%:*}" -S "${line#*:}" >/dev/null 2>&1 && echo "$tool chain $line"
    done <"$run/created-chains"
  fi
  if [[ -s $run/sysctls ]]; then
    while IFS== read -r key value; do
      [[ $(sysctl -n "$key") == "$value" ]] || echo "sysctl $key is $(sysctl -n "$key"), was $value"
    done <"$run/sysctls"
  fi
  return 0
}

our_mounts() { # deepest first
  awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r
}

down() {
  local begin=$SECONDS purge=${1:-}
  stop 3 kubelet kube-scheduler kube-controller-manager
  local pid
  for pid in $(pod_processes); do kill -9 "$pid" 2>/dev/null || true; done
  stop 3 containerd
  for pid in $(shim_processes); do kill -9 "$pid" 2>/dev/null || true; done
  # kube-apiserver before etcd, or it hangs waiting for etcd.
  stop 3 kube-apiserver registry
  stop 3 etcd
  local m
  for m in $(our_mounts); do umount "$m" 2>/dev/null || umount -l "$m" || true; done
  if ip link show "$bridge" >/dev/null 2>&1; then ip link delete "$bridge"; fi
  local cg
  for cg in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods; do
    [[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  if [[ -s $run/created-chains ]]; then
    local tool chain table
    while read -r tool chain; do
      table=${chain%%:*} chain=${chain#*:}
      for hook in INPUT OUTPUT PREROUTING POSTROUTING FORWARD; do
        while $tool -w -t "$table" -D "$hook" -j "$chain" 2>/dev/null; do :; done
      done
      $tool -w -t "$table" -F "$chain" 2>/dev/null || true
      $tool -w -t "$table" -X "$chain" 2>/dev/null || true
    done <"$run/created-chains"
  fi
  if [[ -s $run/created-dirs ]]; then
    while read -r d; do rm -rf --one-file-system "$d"; done <"$run/created-dirs"
  fi
  if [[ -s $run/sysctls ]]; then
    sysctl -q -p "$run/sysctls" >/dev/null
  fi
  local left
  left=$(leftovers)
  if [[ -n $left ]]; then
    log "left behind, $run kept:"
    echo "$left" >&2
    exit 1
  fi
  rm -rf --one-file-system "$run" "$pids"
  if [[ $purge == --purge ]]; then
    rm -rf --one-file-system "$dir"
  fi
  log "down in $((SECONDS - begin)) s"
}

status() {
  local name
  for name in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet registry; do
    if alive "$name"; then
      printf '%-24s running (pid %s)\n' "$name" "$(cat "$pids/$name.pid")"
    else
      printf '%-24s stopped\n' "$name"
    fi
  done
  printf '%-24s %s\n' "containerd shims" "$(shim_processes | wc -l)"
  printf '%-24s %s\n' "pod processes" "$(pod_processes | wc -l)"
  printf '%-24s %s\n' "mounts under $(basename "$dir")" "$(our_mounts | wc -l)"
  if ip link show "$bridge" >/dev/null 2>&1; then printf '%-24s present\n' "bridge $bridge"; fi
  if ! alive kube-apiserver; then
    local left
    left=$(leftovers)
    echo "left over: ${left:-nothing}"
  fi
  if alive kube-apiserver && [[ -s $admin_kubeconfig ]]; then
    kubectl_admin get nodes 2>/dev/null || true
    echo "export KUBECONFIG=$admin_kubeconfig"
  fi
}

case ${1:-} in
  up) up ;;
  down) down "${2:-}" ;;
  status) status ;;
  user) user "${2:?usage: $0 user NAME [--delete]}" "${3:-}" ;;
  *)
    echo "usage: $0 up|down [--purge]|status|user NAME [--delete]" >&2
    exit 2
    ;;
esac
