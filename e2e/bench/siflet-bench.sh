#!/usr/bin/env bash
# Benchmark: Create + Start + wait for exit + Remove of /bin/true through siflet over gRPC (Unix
# socket, cached OCI-SIF), sequential p50/p99 over RUNS, and throughput with 2 and 8 concurrent
# clients — beside bare `crun run` of a pre-extracted bundle (the floor) in the same run — and
# siflet's resident memory when idle. Run as root.
#
# Both JVMs are warmed with WARMUP cycles first (default 200; a node daemon serves thousands, and
# before the JIT has compiled its paths the compiler takes most of its CPU).
#
# siflet's run directory and the floor's runtime state go to a tmpfs (RUN_BASE, default /dev/shm),
# as /run is on a systemd host (it is not on this development machine).
#
# Usage: [WARMUP=N] [RUN_BASE=DIR] e2e/bench/siflet-bench.sh [RUNS]     (default 100)
set -euo pipefail

runs=${1:-100}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=${BENCH_DIR:-/var/tmp/sifkube-siflet-bench}
run="${RUN_BASE:-/dev/shm}/sifkube-siflet-bench-run"
for tool in crun conmon jq; do
  command -v "$tool" >/dev/null || { echo "needs $tool (hack/install-deps.sh)" >&2; exit 1; }
done
(cd "$root" && mvn -B -q install -DskipTests && mvn -B -q test-compile -pl e2e)
classpath="$root/node-runtime/target/sifkube-node-runtime.jar:$root/node-runtime/target/lib/*:$root/e2e/target/test-classes"

# Shared layer mounts of an earlier run's siflet may still be there (it unmounts them on SIGTERM).
for m in "$run"/siflet/layers/*/; do umount "$m" 2>/dev/null || true; done
rm -rf "$work" "$run"
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev"
cp /bin/busybox "$work/rootfs/bin/"
for c in sh true; do ln -s busybox "$work/rootfs/bin/$c"; done
echo "root:x:0:0:root:/root:/bin/sh" >"$work/rootfs/etc/passwd"
"$root/bin/sifctl" build --cmd /bin/true "$work/img.oci.sif" "$work/rootfs" 2>/dev/null

mkdir -p "$work/bundle"
cp -a "$work/rootfs" "$work/bundle/rootfs"
(cd "$work/bundle" && crun spec)
jq '.process.terminal=false | .process.args=["/bin/true"]' "$work/bundle/config.json" >"$work/bundle/c.json"
mv "$work/bundle/c.json" "$work/bundle/config.json"

"$root/bin/siflet" --state-dir "$work/state" --run-dir "$run/siflet" --socket "$work/siflet.sock" >"$work/siflet.log" 2>&1 &
siflet=$!
trap 'kill $siflet 2>/dev/null || true' EXIT
for _ in $(seq 200); do grep -q "siflet: ready" "$work/siflet.log" && break; sleep 0.1; done
sleep 2
rss_idle=$(awk '/VmRSS/ {print $2}' "/proc/$siflet/status")

# The floor, p50/p99 over the same number of runs.
declare -a c_ns
for ((i = 1; i <= runs; i++)); do
  t=$(date +%s%N); crun --root "$run/crun-state" run -b "$work/bundle" "floor-$i" </dev/null; c_ns+=($(( $(date +%s%N) - t )))
done
pct() { printf '%s\n' "${@:2}" | sort -n | awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if (i<1) i=1; printf "%.1f", a[i]/1e6}'; }
floor50=$(pct 50 "${c_ns[@]}")
floor99=$(pct 99 "${c_ns[@]}")

out=$(java -XX:+UseSerialGC -cp "$classpath" -Dsiflet.pid="$siflet" -Dwarmup="${WARMUP:-200}" \
  io.sifkube.bench.SifletBench "$work/siflet.sock" "$work/img.oci.sif" "$runs" 2 8)
rss_after=$(awk '/VmRSS/ {print $2}' "/proc/$siflet/status")
sleep 5
rss_settled=$(awk '/VmRSS/ {print $2}' "/proc/$siflet/status")
p50=$(grep -o 'sequential p50_ms=[0-9.]*' <<<"$out" | cut -d= -f2)
p99=$(grep -o 'p99_ms=[0-9.]*' <<<"$out" | cut -d= -f2)

printf '\nCreate+Start+exit+Remove of /bin/true, %s sequential runs (ms)\n' "$runs"
printf '%-46s %8s %8s\n' "" p50 p99
printf '%-46s %8s %8s\n' "siflet over gRPC ($(grep -o 'ready ([a-z]*' "$work/siflet.log" | cut -d'(' -f2))" "$p50" "$p99"
printf '%-46s %8s %8s\n' "crun run of an extracted bundle (floor)" "$floor50" "$floor99"
printf '%-46s %8s\n' "ratio siflet/crun (p50)" "$(awk -v a="$p50" -v b="$floor50" 'BEGIN {printf "%.2f", a/b}')"
printf '%-46s %8s\n' "siflet CPU per cycle, ms (its own threads)" "$(grep -o 'siflet_cpu_ms_per_cycle=[0-9.]*' <<<"$out" | cut -d= -f2)"
printf '%-46s %8s\n' "warm-up cycles before measuring" "$(grep -o 'warmup=[0-9]*' <<<"$out" | cut -d= -f2)"
echo
grep concurrent <<<"$out" | sed 's/^/siflet /'
printf '\nsiflet RSS: idle %d MiB, after the runs %d MiB, 5 s later %d MiB\n' \
  $((rss_idle / 1024)) $((rss_after / 1024)) $((rss_settled / 1024))
