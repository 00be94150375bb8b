#!/usr/bin/env bash
# Benchmark (issue #6): the operator and two siflets on the local control plane, image cached on
# both nodes.
#   1. RUNS SifRuns of `true` created at once: time until all Succeeded, runs/s, operator heap.
#   2. create → Running latency of single runs on an idle system, p50/p99 over LATENCY runs.
#   3. operator heap with OBJECTS SifRun objects present (suspended, so no containers).
# Heap is the used Java heap after a full GC (jcmd GC.run; jstat). Run as root.
#
# Usage: e2e/bench/operator-bench.sh [RUNS=500] [LATENCY=20] [OBJECTS=10000]
set -euo pipefail
runs=${1:-500}
latency=${2:-20}
objects=${3:-10000}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=${BENCH_DIR:-/var/tmp/sifkube-operator-bench}
cd "$root"

# shellcheck source=e2e/bench/lib/two-nodes.sh
source "$root/e2e/bench/lib/two-nodes.sh"

heap_mib() { # used heap after a full GC
  jcmd "$operator" GC.run >/dev/null
  jstat -gc "$operator" | awk 'NR==2 {printf "%.0f", ($3+$4+$6+$8)/1024}'
}
# Runs name the SifImage: they pull its resolved digest, which both nodes cached.
bench_run() { java -cp "$classpath" io.sifkube.bench.OperatorBench "$1" "$work/cluster/admin.kubeconfig" sifimage:busybox "$2"; }

cpu_ticks() { # user+system clock ticks a process has used
  awk '{print $14 + $15}' "/proc/$1/stat"
}
busy_ticks() { # all CPUs, everything but idle and iowait
  awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat
}
declare -A who=([operator]=$operator [siflet-a]=${pids[1]} [siflet-b]=${pids[2]}
  [kube-apiserver]=$(cat "$work/cluster/kube-apiserver.pid") [etcd]=$(cat "$work/cluster/etcd.pid"))

idle_heap=$(heap_mib)
lat=$(bench_run latency "$latency")
declare -A before
for w in "${!who[@]}"; do before[$w]=$(cpu_ticks "${who[$w]}"); done
busy_before=$(busy_ticks)
burst=$(bench_run burst "$runs")
busy=$(($(busy_ticks) - busy_before))
cpu_line="CPU seconds during the burst: machine $(awk -v t="$busy" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz}')"
for w in operator siflet-a siflet-b kube-apiserver etcd; do
  cpu_line+=", $w $(awk -v t="$(($(cpu_ticks "${who[$w]}") - before[$w]))" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz}')"
done
burst_heap=$(heap_mib)
$k delete sifruns --all >/dev/null
bench_run objects "$objects" >/dev/null
sleep 10
objects_heap=$(heap_mib)

echo
echo "operator benchmark (2 siflets on this machine, image cached on both)"
echo "  $burst"
echo "  $lat"
echo "  $cpu_line (the rest: conmon, crun, the client)"
printf '  operator heap after GC: idle %s MiB, after the burst %s MiB, with %s SifRuns present %s MiB\n' \
  "$idle_heap" "$burst_heap" "$objects" "$objects_heap"
