#!/usr/bin/env bash
# Lints the Dockerfile with dockerfilelint (https://github.com/replicatedhq/dockerfilelint),
# pinned, fetched from the npm registry on first use. Needs Node.js/npx; not wired into the build
# (src/test/java/io/regcred/DockerfileTest.java checks the project's own rules offline).
#   hack/lint-dockerfile.sh [Dockerfile]
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKERFILELINT_VERSION=1.8.0
exec npx --yes "dockerfilelint@${DOCKERFILELINT_VERSION}" "${1:-Dockerfile}"
