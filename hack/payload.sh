#!/usr/bin/env bash
# Assembles the operator's runtime payload: a JRE trimmed with jlink to the modules the jars use,
# the operator jar and its runtime libraries, and bin/regcred-operator, the launcher that holds the
# JVM's options. The Dockerfile runs this same script in its build stage and the image's entrypoint
# is that launcher, so what the tests and `make demo` run here is what the image ships.
#   hack/payload.sh [output-dir]     (default target/payload; needs `mvn package` first)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/payload}

[[ -f target/regcred-operator.jar && -d target/lib ]] || { echo "run ./mvnw package first" >&2; exit 1; }
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}
[[ -d $java_home/jmods ]] || { echo "no jmods under $java_home (Debian bookworm: openjdk-17-jdk-headless has them; later releases: openjdk-17-jmods)" >&2; exit 1; }

# Modules the jars need, plus those reached only by reflection or service loading:
# TLS cipher suites (jdk.crypto.ec), DNS (jdk.naming.dns), the health/metrics server (jdk.httpserver),
# JVM metrics (jdk.management), and flight recordings for a look inside a running operator
# (jdk.jfr: JAVA_TOOL_OPTIONS=-XX:StartFlightRecording=...).
modules=$("$java_home/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 \
  --class-path 'target/lib/*' target/regcred-operator.jar)
modules="$modules,jdk.crypto.ec,jdk.naming.dns,jdk.httpserver,jdk.management,jdk.jfr"

rm -rf "$out"
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out/jre"
mkdir -p "$out/app/lib"
cp target/regcred-operator.jar "$out/app/"
cp target/lib/*.jar "$out/app/lib/"
echo "$modules" >"$out/modules.txt"

# The launcher. The JVM's options, measured with `make bench` (docs/benchmarks.md says what each
# one moved):
# - SerialGC: the operator's heap is small and mostly long-lived caches; no GC threads of its own
#   and the least memory besides the heap (it is what the JVM picks itself in a container with
#   less than 2 CPUs or 1792 MiB).
# - TieredStopAtLevel=1: only the quick compiler. The operator waits on the API server, it does
#   not compute; the optimising compiler's threads cost more CPU than they ever save here.
# - Xms16m: the heap starts small and grows with what the caches hold, instead of starting at a
#   64th of the memory the JVM sees; MaxRAMPercentage=75 caps it at that share of the container's
#   memory.
# - SharedArchiveFile: class-data sharing, see below.
# - MALLOC_ARENA_MAX=2 (unless set): glibc gives each thread that allocates native memory an
#   arena of its own, up to eight per core, each holding on to what it once held; the JVM's
#   native allocations are few and small, and two arenas serve them.
# The launcher puts them in front of JAVA_TOOL_OPTIONS, so an option set there (the Deployment's
# `javaToolOptions`) comes later and wins. The class path is spelled out in a fixed order: the
# shared archive holds only for the class path it was made with.
mkdir -p "$out/bin"
classpath=$(cd "$out" && printf '%s' "\$home/app/regcred-operator.jar" && ls app/lib/*.jar | LC_ALL=C sort | sed 's|^|:$home/|' | tr -d '\n')
cat >"$out/bin/regcred-operator" <<LAUNCHER
#!/bin/sh
# Starts regcred-operator from its runtime payload (hack/payload.sh writes this file).
set -eu
home=\$(cd "\$(dirname "\$0")/.." && pwd -P)
JAVA_TOOL_OPTIONS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xms16m -XX:MaxRAMPercentage=75 -XX:SharedArchiveFile=\$home/app/regcred.jsa -Xshare:auto \${JAVA_TOOL_OPTIONS:-}"
export JAVA_TOOL_OPTIONS
MALLOC_ARENA_MAX=\${MALLOC_ARENA_MAX:-2}
export MALLOC_ARENA_MAX
exec "\$home/jre/bin/java" -cp "$classpath" io.regcred.OperatorMain "\$@"
LAUNCHER
chmod 755 "$out/bin/regcred-operator"

# Class-data sharing: the classes the operator loads at start, parsed and laid out once here
# instead of at every start. Which classes: those a start loads that gets as far as its first
# request (to an address where nothing listens; the process then exits). The archive names the
# payload's absolute paths, so it is made where the payload will run (the Dockerfile builds it at
# its final path); anywhere else the JVM ignores it and loads classes as usual.
# Lambda proxies are left out of the list: dumping them crashes OpenJDK 17.0.15's archiver.
# The start reads a kubeconfig, as it does outside a cluster: reading one loads the client's
# registry of every Kubernetes kind (some 600 classes), which a start without one never reaches.
training=$(mktemp -d)
trap 'rm -rf "$training"' EXIT
cat >"$training/kubeconfig" <<'KUBECONFIG'
apiVersion: v1
kind: Config
clusters:
- name: training
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
users:
- name: training
  user: {token: training}
contexts:
- name: training
  context: {cluster: training, user: training}
current-context: training
KUBECONFIG
env -i PATH="$PATH" KUBECONFIG="$training/kubeconfig" \
  KUBERNETES_REQUEST_RETRY_BACKOFFLIMIT=0 REGCRED_NAMESPACE=regcred-system REGCRED_HTTP_PORT=0 \
  JAVA_TOOL_OPTIONS="-Xshare:off -XX:DumpLoadedClassList=$training/classes" \
  timeout 120 "$out/bin/regcred-operator" >"$training/log" 2>&1 || true
grep -q 'ConnectException' "$training/log" || { cat "$training/log" >&2; echo "the training start did not reach its first request" >&2; exit 1; }
grep -v '^@' "$training/classes" >"$training/classes.plain"
home=$(cd "$out" && pwd -P)
"$out/jre/bin/java" -Xshare:dump -XX:+UseSerialGC -XX:SharedClassListFile="$training/classes.plain" \
  -XX:SharedArchiveFile="$out/app/regcred.jsa" -cp "$(eval "printf '%s' \"$classpath\"")" \
  >"$training/dump.log" 2>&1 || { cat "$training/dump.log" >&2; exit 1; }
