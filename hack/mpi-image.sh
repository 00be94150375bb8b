#!/usr/bin/env bash
# Builds the MPI test image of issue #19, once, cached: a debootstrap minbase bookworm tree with
# Debian's MPICH (4.0.2, ch4:ucx, PMI-1 "simple" client) and gcc, holding e2e/src/test/c/mpi-hello.c
# compiled with mpicc.mpich as /usr/local/bin/mpi-hello, packed by `sifctl build` into an OCI-SIF.
# The tree stays in the cache too: the MPI benchmark runs the same binary under Debian's own
# mpiexec in it (chroot), the peer it is compared with.
# The cache key is the digest of the recipe below and of the program; a build is atomic (made
# aside, then renamed), so an interrupted build leaves nothing that looks finished, and older
# images are removed once a new one is in place.
#
# Usage: hack/mpi-image.sh [build|path] [SUITE]   (root; path: print the directory, which holds
#        mpi.oci.sif and rootfs/). SUITE is bookworm (default: MPICH 4.0.2) or trixie (MPICH 4.2,
#        whose MPI_Finalize no longer deadlocks over TCP with 3 or more ranks: mpi-pmi.md §4.6).
set -euo pipefail
cd "$(dirname "$0")/.."

# What the image is made of: bump recipe when a change below changes the image.
recipe=1
packages="mpich libmpich-dev gcc libc6-dev"
suite=${2:-bookworm}
[[ $suite == bookworm || $suite == trixie ]] || { echo "mpi-image: unknown suite $suite" >&2; exit 2; }
# bookworm's key is what it was before suites existed, so its cached image stays valid
key=$( (echo "$recipe $packages${suite/bookworm/}"; cat e2e/src/test/c/mpi-hello.c) | sha256sum | cut -c1-16)
name=mpi-image-$([[ $suite == bookworm ]] || echo "$suite-")
cache=${SIFKUBE_MPI_IMAGE:-/var/cache/sifkube/$name$key}
if [[ ${1:-build} == path ]]; then
  echo "$cache"
  exit 0
fi
if [[ -f $cache/.complete ]]; then
  echo "mpi-image: cached in $cache"
  exit 0
fi
[[ -x bin/sifctl && -f node-runtime/target/sifkube-node-runtime.jar ]] ||
  { echo "mpi-image: build sifctl first (mvn -B -q package -DskipTests)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "mpi-image: needs debootstrap (hack/install-deps.sh)" >&2; exit 1; }

mirror=${SIFKUBE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
work="$cache.tmp.$$"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"
echo "mpi-image: debootstrap minbase, then mpich, into $work (a few minutes, once) ..."
# debootstrap's own --include cannot configure mpich's dependency chain (libltdl-dev fails in
# its second stage): apt in the finished tree can.
debootstrap --variant=minbase "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }
cp /etc/resolv.conf "$work/rootfs/etc/resolv.conf"
mount -t proc proc "$work/rootfs/proc"
trap 'umount "$work/rootfs/proc" 2>/dev/null; rm -rf "$work"' EXIT
chroot "$work/rootfs" env DEBIAN_FRONTEND=noninteractive apt-get -qq update >/dev/null
chroot "$work/rootfs" env DEBIAN_FRONTEND=noninteractive \
  apt-get -qq install -y --no-install-recommends $packages >"$work/apt.log" 2>&1 ||
  { tail -20 "$work/apt.log" >&2; exit 1; }
cp e2e/src/test/c/mpi-hello.c "$work/rootfs/tmp/mpi-hello.c"
# mpicc.mpich by name: openmpi-bin, when installed, takes over plain mpicc through alternatives
chroot "$work/rootfs" mpicc.mpich -O2 -o /usr/local/bin/mpi-hello /tmp/mpi-hello.c
rm -f "$work/rootfs/tmp/mpi-hello.c" "$work/rootfs"/var/cache/apt/archives/*.deb
rm -rf "$work/rootfs"/var/lib/apt/lists/*
umount "$work/rootfs/proc"
bin/sifctl build --cmd /usr/local/bin/mpi-hello "$work/mpi.oci.sif" "$work/rootfs"
touch "$work/.complete"
rm -rf "$cache"
mkdir -p "$(dirname "$cache")"
mv "$work" "$cache"
trap - EXIT
for old in "$(dirname "$cache")/$name"*; do # this suite's older images only
  [[ $old == "$cache" || $old == *.tmp.* || ($suite == bookworm && $old == */mpi-image-trixie-*) ]] ||
    rm -rf "$old"
done
echo "mpi-image: $cache/mpi.oci.sif ($(du -h "$cache/mpi.oci.sif" | cut -f1))"
