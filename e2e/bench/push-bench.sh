#!/usr/bin/env bash
# Benchmark (issue #17): `sifctl push` of an OCI-SIF against `skopeo copy` of the same image (its
# OCI layout, as pull-bench's registry image) to the same registry, each round to fresh repositories
# so that every blob is sent; and `sifctl verify` of a signed 1 GiB OCI-SIF against `sha256sum` of
# the same file (throughput). Interleaved rounds; wall time and each process's own CPU (user+sys).
#
# Usage: e2e/bench/push-bench.sh [ROUNDS]   (default 5; run as root)
# Env:   BENCH_ROOTFS (default: a debootstrap minbase bookworm tree in /var/tmp/sifkube-bench-rootfs)
#        BENCH_DIR    (default /var/tmp/sifkube-push-bench)
set -euo pipefail

rounds=${1:-5}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=${BENCH_DIR:-/var/tmp/sifkube-push-bench}
rootfs=${BENCH_ROOTFS:-/var/tmp/sifkube-bench-rootfs}
keys=$(bash "$root/hack/sif-reference.sh" path)/keys

for tool in docker-registry skopeo umoci sha256sum /usr/bin/time bc; do
  command -v "$tool" >/dev/null || { echo "needs $tool (hack/install-deps.sh)" >&2; exit 1; }
done
if [[ ! -d "$rootfs/usr" ]]; then
  command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
  echo "making a minbase Debian root fs in $rootfs (once) ..."
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
fi
(cd "$root" && mvn -B -q package -DskipTests)

rm -rf "$work"
mkdir -p "$work"
port=$(shuf -i 20000-60000 -n 1)
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
  "$work/registry" "$port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done

echo "building the image from $rootfs ($(du -sh "$rootfs" | cut -f1)) ..."
umoci init --layout "$work/src"
umoci new --image "$work/src:v1"
umoci insert --image "$work/src:v1" "$rootfs" / >/dev/null
"$root/bin/sifctl" pull --cache-dir "$work/cache" "oci:$work/src:v1" "$work/debian.oci.sif" 2>/dev/null

# 1 GiB of noise in one layer: squashfs keeps it whole, so the OCI-SIF is ~1 GiB
mkdir -p "$work/big/data"
head -c $((1024 * 1024 * 1024)) /dev/urandom >"$work/big/data/noise"
umoci init --layout "$work/bigsrc" && umoci new --image "$work/bigsrc:v1"
umoci insert --image "$work/bigsrc:v1" "$work/big/data" /data >/dev/null
rm -rf "$work/big"
"$root/bin/sifctl" pull --cache-dir "$work/cache" "oci:$work/bigsrc:v1" "$work/big.oci.sif" 2>/dev/null
rm -rf "$work/cache" "$work/bigsrc"
"$root/bin/sifctl" sign --key "$keys/ecdsa-private.pem" "$work/big.oci.sif" 2>/dev/null

measure() { # CMD... → "wall cpu"
  /usr/bin/time -o "$work/time.txt" -f "%e %U %S" "$@" >/dev/null 2>"$work/cmd.err" ||
    { cat "$work/cmd.err" >&2; exit 1; }
  awk '{print $1, $2 + $3}' "$work/time.txt" | tail -n 1
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

peer_s=() peer_c=() push_s=() push_c=() sum_s=() sum_c=() ver_s=() ver_c=()
for ((r = 1; r <= rounds; r++)); do
  # skopeo and sifctl remember which repositories hold a blob and would mount it from there
  # instead of sending it (skopeo's blob-info cache, sifctl's CACHE/blob-locations): each round
  # forgets, so that both send every byte
  rm -f /var/lib/containers/cache/blob-info-cache-v1.*
  rm -rf "$work/push-cache"
  read -r s c < <(measure skopeo copy -q --dest-tls-verify=false "oci:$work/src:v1" \
    "docker://127.0.0.1:$port/peer-$r/debian:v1")
  peer_s+=("$s"); peer_c+=("$c")
  read -r s c < <(measure env SIFKUBE_CACHEDIR="$work/push-cache" "$root/bin/sifctl" push "$work/debian.oci.sif" \
    "docker://127.0.0.1:$port/sifkube-$r/debian:v1")
  push_s+=("$s"); push_c+=("$c")
  sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
  read -r s c < <(measure sha256sum "$work/big.oci.sif")
  sum_s+=("$s"); sum_c+=("$c")
  sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
  read -r s c < <(measure "$root/bin/sifctl" verify --key "$keys/ecdsa-public.pem" "$work/big.oci.sif")
  ver_s+=("$s"); ver_c+=("$c")
done

peer=$(median "${peer_s[@]}"); push=$(median "${push_s[@]}")
sum=$(median "${sum_s[@]}"); ver=$(median "${ver_s[@]}")
mib=$(echo "$(stat -c %s "$work/big.oci.sif") / 1048576" | bc -l)
printf '\npush: OCI-SIF %s MiB (squashfs) vs the OCI layout %s (gzip tar); median of %s interleaved rounds\n' \
  "$(echo "$(stat -c %s "$work/debian.oci.sif") / 1048576" | bc)" "$(du -sh "$work/src" | cut -f1)" "$rounds"
printf '%-44s %9s %10s %10s\n' "command" "seconds" "x peer" "CPU s"
printf '%-44s %9.2f %10.2f %10.2f\n' "skopeo copy oci: docker:// (peer)" "$peer" 1 "$(median "${peer_c[@]}")"
printf '%-44s %9.2f %10.2f %10.2f\n' "sifctl push FILE docker://" "$push" "$(echo "$push / $peer" | bc -l)" "$(median "${push_c[@]}")"
printf '\nverify: signed OCI-SIF of %.0f MiB, page cache dropped before each\n' "$mib"
printf '%-44s %9s %10s %10s\n' "command" "seconds" "MiB/s" "CPU s"
printf '%-44s %9.2f %10.0f %10.2f\n' "sha256sum FILE (peer)" "$sum" "$(echo "$mib / $sum" | bc -l)" "$(median "${sum_c[@]}")"
printf '%-44s %9.2f %10.0f %10.2f\n' "sifctl verify --key PUB FILE" "$ver" "$(echo "$mib / $ver" | bc -l)" "$(median "${ver_c[@]}")"
printf '\npush / skopeo = %.2f (goal <= 1.0); verify throughput / sha256sum = %.2f (goal >= 0.8)\n' \
  "$(echo "$push / $peer" | bc -l)" "$(echo "$sum / $ver" | bc -l)"
echo "runs (s): peer ${peer_s[*]} | push ${push_s[*]} | sha256sum ${sum_s[*]} | verify ${ver_s[*]}"
