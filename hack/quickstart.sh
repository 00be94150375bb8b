#!/usr/bin/env bash
# Quickstart: build Sifkube, pack a small root file system (busybox) from a local folder into an
# OCI-SIF with `sifctl build`, show it with `sifctl sif header` and `sifctl sif list`, and run it
# with `sifctl run` (through runc, or crun where the host allows).
# Run as root on Debian 12; the image is left in $QUICKSTART_DIR (default /tmp/sifkube-quickstart).
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/install-deps.sh
mvn -B -q package -DskipTests

out=${QUICKSTART_DIR:-/tmp/sifkube-quickstart}
rootfs="$out/rootfs"
rm -rf "$rootfs"
mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp"
cp /bin/busybox "$rootfs/bin/busybox"
for cmd in sh echo cat ls uname; do ln -sf busybox "$rootfs/bin/$cmd"; done
echo "Hello from an OCI-SIF built by Sifkube" >"$rootfs/etc/motd"

bin/sifctl build --cmd /bin/cat,/etc/motd "$out/hello.oci.sif" "$rootfs"
echo
bin/sifctl sif header "$out/hello.oci.sif"
echo
bin/sifctl sif list "$out/hello.oci.sif"
echo
bin/sifctl run "$out/hello.oci.sif"
bin/sifctl exec "$out/hello.oci.sif" /bin/sh -c 'echo "running as uid $(id -u) on $(uname -s); / holds:" $(ls /)'
echo
echo "Image: $out/hello.oci.sif  (inspect an object with: bin/sifctl sif info ID $out/hello.oci.sif)"
