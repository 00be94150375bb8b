#!/usr/bin/env bash
# Builds Kubernetes 1.20.2 from Debian bookworm's `kubernetes` source package (the upstream tree
# with its vendored dependencies), once, and caches the binaries: kube-apiserver and
# kube-controller-manager for the tests' control plane (etcd + both on loopback); kubelet,
# kube-scheduler and kube-proxy for its node (hack/local-cluster.sh --node), plus the node's pod
# sandbox program `pause`, compiled from the same tree (build/pause) so that no image has to come
# from a registry outside this machine. kubectl is built too: a matching client, and Debian's
# kubernetes-client package conflicts with the kubectl other tools install. Only what is missing
# from the cache is built. Run as root; idempotent.
#
# Usage: hack/kube-control-plane.sh [build|path]     (path: print the directory of the binaries)
set -euo pipefail

cache=${SIFKUBE_KUBE_CACHE:-/var/cache/sifkube/kubernetes-1.20.2}
bin="$cache/bin"
want=(kube-apiserver kube-controller-manager kubectl kubelet kube-scheduler kube-proxy pause)

missing=()
for b in "${want[@]}"; do [[ -x "$bin/$b" ]] || missing+=("$b"); done

if [[ ${1:-build} == path ]]; then
  echo "$bin"
  exit 0
fi
if ((${#missing[@]} == 0)); then
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
  golang-go rsync dpkg-dev make golang-github-modern-go-reflect2-dev gcc libc6-dev >/dev/null

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
what=()
for b in "${missing[@]}"; do [[ $b == pause ]] || what+=("cmd/$b"); done
if ((${#what[@]} > 0)); then
  make WHAT="${what[*]}" >"$work/build.log" 2>&1 || {
    tail -30 "$work/build.log" >&2
    exit 1
  }
fi
mkdir -p "$bin"
for b in "${missing[@]}"; do
  if [[ $b == pause ]]; then
    # Static, as the upstream pause image's binary is: the sandbox image holds nothing else.
    gcc -Os -static -Wall -Werror -DVERSION=v3.4.1-debian -o "$bin/pause.tmp" build/pause/linux/pause.c
    strip "$bin/pause.tmp"
  else
    cp "_output/local/bin/linux/$(go env GOARCH)/$b" "$bin/$b.tmp"
  fi
  mv "$bin/$b.tmp" "$bin/$b"
done
cd /
rm -rf "$work"
echo "kube-control-plane: built ${missing[*]} into $bin"
