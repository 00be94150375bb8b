#!/usr/bin/env bash
# Benchmark: stream a large object into a SIF (heap capped at 64 MiB) against `cp` of the same
# file on the same disk. Every contender ends with the data on disk: cp is followed by
# `sync FILE`, and sifctl/SifWriter fsync before they return. The source is read from the page
# cache by all of them.
#
# Rows: cp + sync; the sifctl CLI (JVM start-up included) adding a partition (4096-aligned), a
# Generic object and an OCI.Blob (packed, SHA-256 hashed while written); and the library's
# SifWriter.add (timing only the add call, not JVM start-up) for the same three types.
#
# Usage: e2e/bench/sif-add-bench.sh [SIZE_MIB] [ROUNDS]    (default 1024 MiB, 5 rounds)
# Env:   BENCH_DIR (default /var/tmp/sifkube-bench), HEAP (default 64m)
set -euo pipefail

size_mib=${1:-1024}
rounds=${2:-5}
heap=${HEAP:-64m}
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir=${BENCH_DIR:-/var/tmp/sifkube-bench}
mkdir -p "$dir"
trap 'rm -f "$dir"/src.bin "$dir"/copy.bin "$dir"/bench.sif "$dir"/inproc.sif "$dir"/time.txt' EXIT

command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
command -v bc >/dev/null || { echo "needs bc (apt-get install bc)" >&2; exit 1; }
(cd "$root" && mvn -B -q package -DskipTests)
classpath="$root/node-runtime/target/sifkube-node-runtime.jar:$root/node-runtime/target/lib/*:$root/e2e/target/test-classes"

echo "preparing ${size_mib} MiB of random data in $dir ..."
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$dir/src.bin"
cat "$dir/src.bin" >/dev/null # warm the page cache for every contender

# measure CMD... : runs CMD, prints "seconds max_rss_kib"
measure() {
  /usr/bin/time -o "$dir/time.txt" -f "%e %M" "$@" >/dev/null
  tail -n 1 "$dir/time.txt"
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

declare -A runs rss_max
java_opts="-Xmx$heap -XX:+UseSerialGC"
# siftool datatype numbers: 4 = partition (4096-aligned, like a native SIF's squashfs),
# 7 = Generic (packed right after the descriptors), 11 = OCI.Blob (packed and SHA-256 hashed,
# the layer of an OCI-SIF).
types=(4 7 11)
type_args() {
  case $1 in
    4) echo "--datatype 4 --parttype 3 --partfs 4 --partarch 2" ;;
    *) echo "--datatype $1" ;;
  esac
}
# Every contender starts from the same state: no outputs on disk, dirty pages flushed.
settle() {
  rm -f "$dir/copy.bin" "$dir/bench.sif" "$dir/inproc.sif"
  sync
  sleep 1
}
record() { # key seconds rss_kib
  runs[$1]="${runs[$1]:-} $2"
  ((${3:-0} > ${rss_max[$1]:-0})) && rss_max[$1]=$3
  return 0
}
for ((r = 1; r <= rounds; r++)); do
  settle
  read -r s rss < <(measure sh -c "cp '$dir/src.bin' '$dir/copy.bin' && sync '$dir/copy.bin'")
  record cp "$s" "$rss"

  for type in "${types[@]}"; do
    settle
    SIFKUBE_JAVA_OPTS="$java_opts" "$root/bin/sifctl" sif new "$dir/bench.sif"
    # shellcheck disable=SC2046
    read -r s rss < <(measure env SIFKUBE_JAVA_OPTS="$java_opts" \
      "$root/bin/sifctl" sif add $(type_args "$type") "$dir/bench.sif" "$dir/src.bin")
    record "cli$type" "$s" "$rss"
    if ((type == 11 && r == 1)); then
      # The OCI.Blob object must hold the data and record its true digest.
      want=$(sha256sum "$dir/src.bin" | cut -d' ' -f1)
      got=$("$root/bin/sifctl" sif dump 1 "$dir/bench.sif" | sha256sum | cut -d' ' -f1)
      [[ "$want" == "$got" ]] || { echo "FAIL: stored object differs from the source" >&2; exit 1; }
      "$root/bin/sifctl" sif info 1 "$dir/bench.sif" | grep -q "sha256:$want" ||
        { echo "FAIL: recorded digest is not the source's sha256" >&2; exit 1; }
    fi

    settle
    # shellcheck disable=SC2086
    s=$(java $java_opts -cp "$classpath" io.sifkube.bench.SifAddBench "$dir/src.bin" "$dir" 1 "$type")
    record "lib$type" "$s"
  done
done
rm -f "$dir/bench.sif"

# shellcheck disable=SC2086
cp_med=$(median ${runs[cp]})
row() { # label key
  local med mibs ratio rss
  # shellcheck disable=SC2086
  med=$(median ${runs[$2]})
  mibs=$(echo "$size_mib / $med" | bc -l)
  ratio=$(echo "$cp_med / $med" | bc -l)
  rss=${rss_max[$2]:-}
  if [[ -z $rss ]]; then rss="-"; else rss=$(printf '%.1f' "$(echo "$rss / 1024" | bc -l)"); fi
  printf '%-50s %8.2f %8.0f %8.2f %12s\n' "$1" "$med" "$mibs" "$ratio" "$rss"
}
printf '\n%-50s %8s %8s %8s %12s\n' "${size_mib} MiB, median of $rounds" "seconds" "MiB/s" "x cp" "max RSS MiB"
row "cp + sync" cp
row "sifctl sif add, partition (CLI, -Xmx$heap)" cli4
row "sifctl sif add, Generic (CLI)" cli7
row "sifctl sif add, OCI.Blob + SHA-256 (CLI)" cli11
row "SifWriter.add, partition (no JVM start, -Xmx$heap)" lib4
row "SifWriter.add, Generic (no JVM start)" lib7
row "SifWriter.add, OCI.Blob + SHA-256 (no JVM start)" lib11
echo
echo "goal: >= 0.80 x cp. All runs (seconds):"
for k in cp cli4 cli7 cli11 lib4 lib7 lib11; do printf '  %-6s%s\n' "$k" "${runs[$k]}"; done
