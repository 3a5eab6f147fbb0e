#!/usr/bin/env bash
# Assembles the operator's runtime payload: a JRE trimmed with jlink to the modules the jars use,
# plus the operator jar and its runtime libraries. The Dockerfile runs this same script in its
# build stage, so what the tests run here is what the image ships.
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
