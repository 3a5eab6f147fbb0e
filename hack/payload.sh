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
# TLS cipher suites (jdk.crypto.ec), DNS (jdk.naming.dns), the health/metrics server (jdk.httpserver).
modules=$("$java_home/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 \
  --class-path 'target/lib/*' target/regcred-operator.jar)
modules="$modules,jdk.crypto.ec,jdk.naming.dns,jdk.httpserver,jdk.management"

rm -rf "$out"
"$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out/jre"
mkdir -p "$out/app/lib"
cp target/regcred-operator.jar "$out/app/"
cp target/lib/*.jar "$out/app/lib/"
echo "$modules" >"$out/modules.txt"

# The JVM's options, measured with `make bench` (docs/benchmarks.md says what each one moved):
# - SerialGC: the operator's heap is small and mostly long-lived caches; no GC threads of its own
#   and the least memory besides the heap (it is what the JVM picks itself in a container with
#   less than 2 CPUs or 1792 MiB).
# - TieredStopAtLevel=1: only the quick compiler. The operator waits on the API server, it does
#   not compute; the optimising compiler's threads cost more CPU than they ever save here.
# Heap sizing is the deployment's: JAVA_TOOL_OPTIONS (read before these) sets the share of the
# container's memory.
mkdir -p "$out/bin"
cat >"$out/bin/regcred-operator" <<'LAUNCHER'
#!/bin/sh
# Starts regcred-operator from its runtime payload (hack/payload.sh writes this file).
set -eu
home=$(cd "$(dirname "$0")/.." && pwd -P)
exec "$home/jre/bin/java" \
  -XX:+UseSerialGC \
  -XX:TieredStopAtLevel=1 \
  -cp "$home/app/regcred-operator.jar:$home/app/lib/*" \
  io.regcred.OperatorMain "$@"
LAUNCHER
chmod 755 "$out/bin/regcred-operator"
