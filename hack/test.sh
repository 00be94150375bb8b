#!/usr/bin/env bash
# Runs every test: unit tests (*Test), integration tests (*IT, real tools; needs root) and the
# formatting check. Installs the Debian packages they need first, and builds the local Kubernetes
# control plane's binaries from Debian's source package once (both idempotent; the build takes
# about 5 minutes the first time, then comes from /var/cache/sifkube), and the reference SIF data
# (sylabs/sif's test images and keys from Debian, and its siftool's views of them, also cached).
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/install-deps.sh
bash hack/kube-control-plane.sh build
bash hack/sif-reference.sh build
mvn -B verify "$@"
