#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and kubectl 1.20.2 from Debian bookworm's
# `kubernetes` source package (the upstream tree with its vendored dependencies), once, and caches
# them; the tests' control plane (etcd + kube-apiserver + kube-controller-manager on loopback) runs
# them. kubectl is built too: a matching client, and Debian's kubernetes-client package conflicts
# with the kubectl other tools install. Run as root; idempotent.
#
# Usage: hack/kube-control-plane.sh [build|path]     (path: print the directory of the binaries)
set -euo pipefail

cache=${SIFKUBE_KUBE_CACHE:-/var/cache/sifkube/kubernetes-1.20.2}
bin="$cache/bin"
want=(kube-apiserver kube-controller-manager kubectl)

have_all() {
  for b in "${want[@]}"; do [[ -x "$bin/$b" ]] || return 1; done
}

if [[ ${1:-build} == path ]]; then
  echo "$bin"
  exit 0
fi
if have_all; then
  echo "kube-control-plane: cached in $bin"
  exit 0
fi

# Source packages need a deb-src entry; Debian's images ship only binary ones.
if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat >/etc/apt/sources.list.d/sifkube-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  golang-go rsync dpkg-dev make golang-github-modern-go-reflect2-dev >/dev/null

work="$cache/work"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
apt-get source --download-only kubernetes 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
dpkg-source -x --no-check ./kubernetes_*.dsc tree >/dev/null

# Kubernetes 1.20 builds in a GOPATH layout (k8s.io/kubernetes).
mkdir -p gopath/src/k8s.io
mv tree gopath/src/k8s.io/kubernetes
cd gopath/src/k8s.io/kubernetes
# reflect2 1.0.1 (vendored) makes binaries built by Go 1.18+ crash; Debian carries 1.0.2.
rm -rf vendor/github.com/modern-go/reflect2
cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 vendor/github.com/modern-go/reflect2
export GOPATH="$work/gopath" GO111MODULE=off CGO_ENABLED=0
make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kubectl" >"$work/build.log" 2>&1 || {
  tail -30 "$work/build.log" >&2
  exit 1
}
mkdir -p "$bin"
for b in "${want[@]}"; do
  cp "_output/local/bin/linux/$(go env GOARCH)/$b" "$bin/$b.tmp"
  mv "$bin/$b.tmp" "$bin/$b"
done
cd /
rm -rf "$work"
echo "kube-control-plane: built into $bin"
