#!/usr/bin/env bash
# Benchmark (issue #19): gang start latency. The operator and two siflets on the local control
# plane, the busybox image cached on both nodes; ROUNDS SifRuns of RANKS ranks (RANKS/2 per node)
# one after the other: create → all ranks Running (readyRanks RANKS/RANKS), p50/p99, and how far
# apart the ranks started (from the siflets' records), plus each component's own CPU per gang.
# Run as root.
#
# Usage: e2e/bench/gang-bench.sh [ROUNDS=20] [RANKS=16]   (GANG_DETAIL=1: each gang's starts by node)
set -euo pipefail
rounds=${1:-20}
ranks=${2:-16}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=${BENCH_DIR:-/var/tmp/sifkube-gang-bench}
cd "$root"
# shellcheck source=e2e/bench/lib/two-nodes.sh
source "$root/e2e/bench/lib/two-nodes.sh"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A who=([operator]=$operator [siflet-a]=${pids[1]} [siflet-b]=${pids[2]}
  [kube-apiserver]=$(cat "$work/cluster/kube-apiserver.pid") [etcd]=$(cat "$work/cluster/etcd.pid"))
declare -A before
for w in "${!who[@]}"; do before[$w]=$(cpu_ticks "${who[$w]}"); done
result=$(java -cp "$classpath" io.sifkube.bench.OperatorBench gang "$work/cluster/admin.kubeconfig" \
  sifimage:busybox "$rounds" "$ranks" "$work/node-a/state" "$work/node-b/state")
cpu_line="own CPU per gang (ms; start, watch and stop of all ranks):"
for w in operator siflet-a siflet-b kube-apiserver etcd; do
  cpu_line+=" $w $(awk -v t="$(($(cpu_ticks "${who[$w]}") - before[$w]))" -v hz="$(getconf CLK_TCK)" -v n="$rounds" \
    'BEGIN {printf "%.0f", t / hz * 1000 / n}')"
done
echo
echo "gang start benchmark (2 siflets on this machine, image cached on both, $ranks ranks per gang)"
echo "  $result"
echo "  $cpu_line"
