#!/usr/bin/env bash
# Runs every test: unit tests (*Test), integration tests (*IT, real tools; needs root) and the
# formatting check. Installs the Debian packages they need first (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/install-deps.sh
mvn -B verify "$@"
