#!/usr/bin/env bash
# Benchmark: start of a large application. A Debian image with Python 3, pandas and sympy (a few
# thousand modules, built here with debootstrap) runs `python3 -c 'import email, json, http.client, xml.dom'`:
#   sifctl exec of the OCI-SIF pulled with --squashfs-compression gzip | zstd | lz4
#   podman run --rm of the same image on podman's overlay store (files unpacked on disk)
# interleaved, median of N rounds, warm page cache (the image file or podman's store was read by the
# round before). A second table drops the page cache before every run (cold start). Run as root.
#
# Usage: e2e/bench/app-start-bench.sh [ROUNDS]     (default 9)
# Env:   BENCH_DIR work dir (default /var/tmp/sifkube-app-bench)
#        BENCH_PY_ROOTFS root fs (default /var/tmp/sifkube-bench-python, made once)
set -euo pipefail

rounds=${1:-9}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=${BENCH_DIR:-/var/tmp/sifkube-app-bench}
rootfs=${BENCH_PY_ROOTFS:-/var/tmp/sifkube-bench-python}
for tool in docker-registry skopeo umoci podman debootstrap; do
  command -v "$tool" >/dev/null || { echo "needs $tool (hack/install-deps.sh)" >&2; exit 1; }
done
if [[ ! -d "$rootfs/usr/lib/python3/dist-packages/sympy" ]]; then
  echo "making a minbase Debian root fs with python3, pandas and sympy in $rootfs (once) ..."
  rm -rf "$rootfs"
  debootstrap --variant=minbase --include=python3,python3-pandas,python3-sympy bookworm "$rootfs" \
    http://deb.debian.org/debian >/dev/null
fi
(cd "$root" && mvn -B -q package -DskipTests)
# crun 1.8 (podman's runtime and ours) refuses a hybrid cgroup v2 hierarchy holding hugetlb; the
# tests do the same
if [[ -d /sys/fs/cgroup/unified ]] && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
  mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || true
fi

rm -rf "$work"
mkdir -p "$work"
port=$(shuf -i 20000-60000 -n 1)
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
  "$work/registry" "$port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
reg=$!
podman_root=(--root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay)
trap 'kill $reg 2>/dev/null || true; podman "${podman_root[@]}" rm -af >/dev/null 2>&1 || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done

umoci init --layout "$work/layout" && umoci new --image "$work/layout:v1"
umoci insert --image "$work/layout:v1" "$rootfs" / >/dev/null
umoci config --image "$work/layout:v1" --config.env PATH=/usr/local/bin:/usr/bin:/bin >/dev/null
ref="127.0.0.1:$port/bench/python:v1"
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:v1" "docker://$ref"
modules=$(find "$rootfs/usr/lib/python3" "$rootfs/usr/lib/python3."* -name '*.py' | wc -l)

for codec in gzip zstd lz4; do
  "$root/bin/sifctl" pull --cache-dir "$work/cache" --squashfs-compression "$codec" \
    "docker://$ref" "$work/$codec.oci.sif" 2>/dev/null
done
podman "${podman_root[@]}" pull -q --tls-verify=false "$ref" >/dev/null

cmd=(python3 -c 'import email, json, http.client, xml.dom')
run_sifctl() { "$root/bin/sifctl" exec "$work/$1.oci.sif" "${cmd[@]}"; }
run_podman() {
  podman "${podman_root[@]}" run --rm --network host --ulimit nofile=1024:1024 \
    --ulimit nproc=1024:1024 "$ref" "${cmd[@]}"
}
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A warm=() cold=()
names=(gzip zstd lz4 podman)
one() { # NAME → milliseconds
  local t
  t=$(date +%s%N)
  if [[ $1 == podman ]]; then run_podman; else run_sifctl "$1"; fi
  ms "$t"
}
for n in "${names[@]}"; do one "$n" >/dev/null; done # warm-up
for ((r = 1; r <= rounds; r++)); do
  for n in "${names[@]}"; do warm[$n]+="$(one "$n") "; done
  for n in "${names[@]}"; do
    sync; echo 3 >/proc/sys/vm/drop_caches
    cold[$n]+="$(one "$n") "
  done
done

printf '\nimage: %s root fs, %s Python modules (.py); median of %s interleaved rounds, ms\n' \
  "$(du -sh "$rootfs" | cut -f1)" "$modules" "$rounds"
printf '%-48s %10s %10s %12s %12s\n' "python3 -c 'import email, json, http.client, xml.dom'" "warm" "x podman" "cold cache" "x podman"
# shellcheck disable=SC2086
pw=$(median ${warm[podman]}); pc=$(median ${cold[podman]})
for n in "${names[@]}"; do
  # shellcheck disable=SC2086
  w=$(median ${warm[$n]}); c=$(median ${cold[$n]})
  if [[ $n == podman ]]; then
    label="podman run --rm (overlay store)"
  else
    label="sifctl exec, $n OCI-SIF ($(du -m "$work/$n.oci.sif" | cut -f1) MiB)"
  fi
  printf '%-48s %10s %10.2f %12s %12.2f\n' "$label" "$w" "$(echo "$w / $pw" | bc -l)" "$c" "$(echo "$c / $pc" | bc -l)"
done
for n in "${names[@]}"; do echo "runs $n: warm ${warm[$n]}| cold ${cold[$n]}"; done
