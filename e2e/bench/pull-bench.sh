#!/usr/bin/env bash
# Benchmark: cold `sifctl pull docker://…` (gzip, and --squashfs-compression zstd and lz4) against
# the peer pipeline that produces the same squashfs from the same registry image — `skopeo copy` +
# `umoci unpack` + `mksquashfs` — and a warm pull of the cached digest. Everything runs on this machine: Debian's docker-registry on
# 127.0.0.1 serves an image built from a root file system directory.
#
# Usage: e2e/bench/pull-bench.sh [ROUNDS]         (default 3; run as root)
# Env:   BENCH_ROOTFS  root fs to pack (default: a debootstrap --variant=minbase bookworm tree,
#                      made once in /var/tmp/sifkube-bench-rootfs)
#        BENCH_DIR     work dir (default /var/tmp/sifkube-pull-bench), HEAP (default 256m)
set -euo pipefail

rounds=${1:-3}
heap=${HEAP:-256m}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=${BENCH_DIR:-/var/tmp/sifkube-pull-bench}
rootfs=${BENCH_ROOTFS:-/var/tmp/sifkube-bench-rootfs}

for tool in docker-registry skopeo umoci mksquashfs /usr/bin/time bc; do
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
cat >"$work/registry.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/registry
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done

echo "building the image from $rootfs ($(du -sh "$rootfs" | cut -f1)) ..."
umoci init --layout "$work/src"
umoci new --image "$work/src:v1"
umoci insert --image "$work/src:v1" "$rootfs" / >/dev/null
# A second, small layer the usual way (unpack, change, repack): it deletes and adds files.
umoci unpack --image "$work/src:v1" "$work/bundle" >/dev/null
rm -rf "$work/bundle/rootfs/usr/share/doc"
echo "benchmark image" >"$work/bundle/rootfs/etc/motd"
umoci repack --image "$work/src:v1" "$work/bundle" >/dev/null
rm -rf "$work/bundle"
skopeo copy -q --dest-tls-verify=false "oci:$work/src:v1" "docker://127.0.0.1:$port/bench/debian:v1"
ref="docker://127.0.0.1:$port/bench/debian:v1"
compressed=$(du -sh "$work/registry" | cut -f1)

# SIFKUBE_JAVA_OPTS replaces the launcher's options: these are the ones it gives a pull (serial GC,
# no perf data) plus the heap cap. With -Xmx alone the JVM picks G1 on this machine, which cost
# cold pulls about 0.08 s (3 %) that users do not pay.
jvm="-XX:+UseSerialGC -XX:-UsePerfData -Xmx$heap"
measure() { # CMD... → "seconds max_rss_kib"
  /usr/bin/time -o "$work/time.txt" -f "%e %M" "$@" >/dev/null 2>"$work/cmd.err" ||
    { cat "$work/cmd.err" >&2; exit 1; }
  tail -n 1 "$work/time.txt"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
settle() { rm -rf "$work/peer" "$work/cache" "$work"/*.oci.sif; mkdir -p "$work/peer"; sync; sleep 1; }

peer_s=() peer6_s=() cold_s=() warm_s=() pin_s=() cold_rss=0 warm_rss=0
declare -A codec_s=() codec_rss=() codec_size=()
peer_cpu() { # the peer pipeline; $1: extra mksquashfs options
  skopeo copy -q --src-tls-verify=false "$ref" "oci:$work/peer/layout:v1"
  umoci unpack --image "$work/peer/layout:v1" "$work/peer/bundle" >/dev/null
  mksquashfs "$work/peer/bundle/rootfs" "$work/peer/rootfs.sqfs" -comp gzip -noappend -quiet -no-progress $1
}
export -f peer_cpu; export ref work
for ((r = 1; r <= rounds; r++)); do
  settle
  read -r s _ < <(measure bash -c 'peer_cpu ""')
  peer_s+=("$s")
  sqfs_peer=$(stat -c %s "$work/peer/rootfs.sqfs")
  # Context: the same peer with mksquashfs at the gzip level sifctl uses (6; its default is 9).
  settle
  read -r s _ < <(measure bash -c 'peer_cpu "-Xcompression-level 6"')
  peer6_s+=("$s")
  for codec in zstd lz4; do
    settle
    read -r s rss < <(measure env SIFKUBE_JAVA_OPTS="$jvm" "$root/bin/sifctl" pull \
      --squashfs-compression "$codec" --cache-dir "$work/cache" "$ref" "$work/$codec.oci.sif")
    codec_s[$codec]+="$s "
    ((rss > ${codec_rss[$codec]:-0})) && codec_rss[$codec]=$rss
    codec_size[$codec]=$(stat -c %s "$work/$codec.oci.sif")
  done

  settle
  read -r s rss < <(measure env SIFKUBE_JAVA_OPTS="$jvm" "$root/bin/sifctl" pull \
    --cache-dir "$work/cache" "$ref" "$work/cold.oci.sif")
  cold_s+=("$s"); ((rss > cold_rss)) && cold_rss=$rss
  read -r s rss < <(measure env SIFKUBE_JAVA_OPTS="$jvm" "$root/bin/sifctl" pull -F \
    --cache-dir "$work/cache" "$ref" "$work/warm.oci.sif")
  warm_s+=("$s"); ((rss > warm_rss)) && warm_rss=$rss
  digest=$(grep -o 'Image sha256:[0-9a-f]*' "$work/cmd.err" | cut -d' ' -f2)
  read -r s _ < <(measure env SIFKUBE_JAVA_OPTS="$jvm" "$root/bin/sifctl" pull -F \
    --cache-dir "$work/cache" "docker://127.0.0.1:$port/bench/debian@$digest" "$work/pinned.oci.sif")
  pin_s+=("$s")
done

peer=$(median "${peer_s[@]}")
peer6=$(median "${peer6_s[@]}")
cold=$(median "${cold_s[@]}")
warm=$(median "${warm_s[@]}")
pin=$(median "${pin_s[@]}")
sqfs_ours=$(stat -c %s "$work/cold.oci.sif")
printf '\nimage: %s root fs, %s in the registry (gzip layers); median of %s rounds\n' \
  "$(du -sh "$rootfs" | cut -f1)" "$compressed" "$rounds"
printf '%-52s %9s %10s %13s\n' "pipeline" "seconds" "x peer" "max RSS MiB"
printf '%-52s %9.2f %10.2f %13s\n' "skopeo copy + umoci unpack + mksquashfs (peer)" "$peer" 1 "-"
printf '%-52s %9.2f %10.2f %13.1f\n' "sifctl pull, cold cache (-Xmx$heap)" "$cold" "$(echo "$cold / $peer" | bc -l)" "$(echo "$cold_rss / 1024" | bc -l)"
printf '%-52s %9.2f %10.2f %13s\n' "  same peer, mksquashfs -Xcompression-level 6" "$peer6" "$(echo "$peer6 / $peer" | bc -l)" "-"
for codec in zstd lz4; do
  # shellcheck disable=SC2086
  c=$(median ${codec_s[$codec]})
  printf '%-52s %9.2f %10.2f %13.1f\n' "sifctl pull --squashfs-compression $codec, cold" "$c" "$(echo "$c / $peer" | bc -l)" "$(echo "${codec_rss[$codec]} / 1024" | bc -l)"
done
printf '%-52s %9.2f %10.2f %13.1f\n' "sifctl pull, cached (tag re-resolved)" "$warm" "$(echo "$warm / $peer" | bc -l)" "$(echo "$warm_rss / 1024" | bc -l)"
printf '%-52s %9.2f %10.2f %13s\n' "sifctl pull REF@DIGEST, cached" "$pin" "$(echo "$pin / $peer" | bc -l)" "-"
printf '\nwarm / cold: by tag %.1f %%, by digest %.1f %% (goal < 5 %%); cold / peer = %.2f (goal <= 1.0)\n' \
  "$(echo "100 * $warm / $cold" | bc -l)" "$(echo "100 * $pin / $cold" | bc -l)" "$(echo "$cold / $peer" | bc -l)"
printf 'output sizes: OCI-SIF gzip %s, zstd %s, lz4 %s bytes; peer squashfs (gzip 9) %s bytes\n' \
  "$sqfs_ours" "${codec_size[zstd]}" "${codec_size[lz4]}" "$sqfs_peer"
echo "runs (s): peer ${peer_s[*]} | peer gzip-6 ${peer6_s[*]} | cold ${cold_s[*]} | zstd ${codec_s[zstd]}| lz4 ${codec_s[lz4]}| warm ${warm_s[*]} | pinned ${pin_s[*]}"
