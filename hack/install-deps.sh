#!/usr/bin/env bash
# Installs every Debian package that Sifkube's build, quickstart and tests need.
# Idempotent: packages already present are left alone, so a second run is quick.
set -euo pipefail

PACKAGES=(
  # build
  openjdk-17-jdk-headless maven
  # SIF / OCI-SIF: squashfs layers are made and checked with the real tools
  squashfs-tools squashfs-tools-ng squashfuse fuse-overlayfs
  # ISA-L's igzip inflates gzip layers at three times zlib's speed (Gunzip; optional at run time)
  isal
  # unprivileged runs: fusermount3, and newuidmap/newgidmap for --fakeroot's subuid ranges
  fuse3 uidmap
  # OCI runtimes and the per-container monitor
  crun runc conmon
  # registries and image tools used by the pull tests and benchmarks
  docker-registry skopeo umoci
  # podman: its Docker-compatible API service is the daemon of docker-daemon: sources (DockerDaemonIT)
  podman
  # control plane for operator tests; go builds kube-apiserver from Debian's source package
  etcd-server golang-go rsync dpkg-dev make golang-github-modern-go-reflect2-dev
  # the local node (hack/local-node.sh): containerd's CRI, the CNI plugins, kube-proxy's tools
  containerd containernetworking-plugins iptables conntrack iproute2
  # a static shell for test images; gcc builds the stub driver libraries of GpuDriverIT
  busybox-static gcc
  # the OCI runtime-spec JSON schema, to validate generated config.json files
  golang-github-opencontainers-specs-dev
  # the reference CDI library (Go), which CdiReferenceIT builds a small injector against
  golang-github-container-orchestrated-devices-container-device-interface-dev
  # TLS and htpasswd for the authenticated test registry
  openssl apache2-utils
  # tools the scripts use
  ca-certificates curl jq util-linux coreutils bsdutils e2fsprogs
  # DurableWritesIT watches the system calls of sifctl and siflet
  strace
  # hack/images.sh builds the operator and siflet images (ImagesIT); hack/mpi-image.sh the MPI
  # test image (MpiRanksIT) with debootstrap
  mmdebstrap libfaketime debootstrap
  # SystemdSifletIT verifies the unit with systemd-analyze
  systemd
  # the Argo CD health check runs on real objects with Lua 5.1 (Argo CD's gopher-lua is 5.1)
  lua5.1 lua-cjson
  # benchmarks (e2e/bench)
  time bc python3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages: ${missing[*]}; run this script as root" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's docker-registry package starts a registry on :5000 at install time; our tests start
# their own on 127.0.0.1 with a private config, so the packaged service is not needed.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl stop docker-registry || true
fi
