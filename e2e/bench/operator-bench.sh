#!/usr/bin/env bash
# Benchmark (issue #6): the operator and two siflets on the local control plane, image cached on
# both nodes.
#   1. RUNS SifRuns of `true` created at once: time until all Succeeded, runs/s, operator heap.
#   2. create → Running latency of single runs on an idle system, p50/p99 over LATENCY runs.
#   3. operator heap with OBJECTS SifRun objects present (suspended, so no containers).
# Heap is the used Java heap after a full GC (jcmd GC.run; jstat). Each component's own CPU during
# the burst comes from /proc; the API requests of the burst from the API server's metrics
# (apiserver_request_total, every client) and, per client, from its audit log. Run as root.
# OPERATOR_JFR=FILE records a JFR profile of the operator (dumped when it stops), with the settings
# OPERATOR_JFR_SETTINGS names: default profile; an absolute path to a .jfc file (the operator's JVM
# reads it) with a 1 ms method-sampling period gave about three times the samples.
#
# Usage: e2e/bench/operator-bench.sh [RUNS=500] [LATENCY=50] [OBJECTS=10000]
# BURSTS=1 measures only the first burst (default 2: a second, warm burst and latency after it).
set -euo pipefail
runs=${1:-500}
latency=${2:-50}
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
# apiserver_request_total summed by verb, resource and subresource ("VERB resource[/sub] N")
api_requests() {
  $k get --raw /metrics | awk '/^apiserver_request_total\{/ {
      match($0, /resource="[^"]*"/); r = substr($0, RSTART + 10, RLENGTH - 11)
      match($0, /subresource="[^"]*"/); sub_ = substr($0, RSTART + 13, RLENGTH - 14)
      match($0, /verb="[^"]*"/); v = substr($0, RSTART + 6, RLENGTH - 7)
      if (r == "") next
      n[v " " r (sub_ == "" ? "" : "/" sub_)] += $NF
    } END {for (key in n) print key, n[key]}' | sort
}
bench_run() { java -cp "$classpath" io.sifkube.bench.OperatorBench "$1" "$work/cluster/admin.kubeconfig" sifimage:busybox "$2"; }

cpu_ticks() { # user+system clock ticks a process has used
  awk '{print $14 + $15}' "/proc/$1/stat"
}
thread_ticks() { # the operator's CPU ticks by kind of thread: "jit N", "vm N" (GC, safepoints), "java N"
  for t in /proc/"$1"/task/*; do
    printf '%s %s\n' "$(cat "$t/comm")" "$(awk '{print $14 + $15}' "$t/stat")"
  done 2>/dev/null | awk '{n = $NF; $NF = ""; k = ($0 ~ /^C[12] Compiler/) ? "jit" : ($0 ~ /^(VM Thread|GC |VM Periodic)/) ? "vm" : "java"; a[k] += n}
    END {printf "jit %d\nvm %d\njava %d\n", a["jit"], a["vm"], a["java"]}'
}
busy_ticks() { # all CPUs, everything but idle and iowait
  awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat
}
declare -A who=([operator]=$operator [siflet-a]=${pids[1]} [siflet-b]=${pids[2]}
  [kube-apiserver]=$(cat "$work/cluster/kube-apiserver.pid") [etcd]=$(cat "$work/cluster/etcd.pid"))

idle_heap=$(heap_mib)
lat=$(bench_run latency "$latency")
# One burst of RUNS runs, measured; prints its block of the report.
measure_burst() {
  local label=$1 burst busy api_before api_after audit_from cpu_line op_ticks op_split threads_before api_table audit_table w
  local -A before
  for w in "${!who[@]}"; do before[$w]=$(cpu_ticks "${who[$w]}"); done
  if [[ -n ${OPERATOR_JFR:-} ]]; then
    jcmd "$operator" JFR.start name=burst "settings=${OPERATOR_JFR_SETTINGS:-profile}" >/dev/null
  fi
  busy_before=$(busy_ticks)
  threads_before=$(thread_ticks "$operator")
  api_before=$(api_requests)
  audit_from=$(wc -l <"$work/cluster/audit.log")
  burst=$(bench_run burst "$runs")
  busy=$(($(busy_ticks) - busy_before))
  api_after=$(api_requests)
  cpu_line="CPU seconds during the burst: machine $(awk -v t="$busy" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz}')"
  for w in operator siflet-a siflet-b kube-apiserver etcd; do
    cpu_line+=", $w $(awk -v t="$(($(cpu_ticks "${who[$w]}") - before[$w]))" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz}')"
  done
  op_ticks=$(($(cpu_ticks "$operator") - before[operator]))
  # Where the operator's CPU went: JIT compiler threads, the VM thread (serial GC, safepoints), live
  # Java threads, and threads that ended during the burst (the process total less the live ones).
  op_split=$(join <(echo "$threads_before") <(thread_ticks "$operator") |
    awk -v tot="$op_ticks" -v hz="$(getconf CLK_TCK)" -v n="$runs" '{d = $3 - $2; live += d; printf "%s %.1f, ", $1, d / hz * 1000 / n}
      END {printf "ended threads %.1f", (tot - live) / hz * 1000 / n}')
  if [[ -n ${OPERATOR_JFR:-} ]]; then
    jcmd "$operator" JFR.stop name=burst filename="$OPERATOR_JFR" >/dev/null
  fi
  sleep 2 # the audit log is written after the response
  # Requests per run during the burst: every client's from the metrics, then each client's from the
  # audit log (a watch counts when it starts; the benchmark client creates the runs and lists them
  # every 0.5 s until all have succeeded).
  api_table=$(awk -v runs="$runs" 'NR == FNR {b[$1 " " $2] = $3; next} {d = $3 - b[$1 " " $2]; if (d > 0) {printf "    %-34s %8d %8.2f\n", $1 " " $2, d, d / runs; t += d}} END {printf "    %-34s %8d %8.2f\n", "all", t, t / runs}' \
    <(echo "$api_before") <(echo "$api_after"))
  audit_table=$(tail -n +"$((audit_from + 1))" "$work/cluster/audit.log" | jq -r '
      select(.objectRef) | select((.verb == "watch" and .stage == "ResponseStarted") or (.verb != "watch" and .stage == "ResponseComplete"))
      | "\(.user.username) \(.verb) \(.objectRef.resource)\(if .objectRef.subresource then "/" + .objectRef.subresource else "" end)"' |
    sort | uniq -c | awk -v runs="$runs" '{printf "    %-50s %8d %8.2f\n", $2 " " $3 " " $4, $1, $1 / runs}')
  echo "  $label: $burst"
  echo "    $cpu_line (the rest: conmon, crun, the client)"
  printf '    operator CPU per run: %s ms; of which (ms per run) %s\n' \
    "$(awk -v t="$op_ticks" -v hz="$(getconf CLK_TCK)" -v n="$runs" 'BEGIN {printf "%.1f", t / hz * 1000 / n}')" "$op_split"
  printf '    API requests, all clients (apiserver_request_total):             count  per run\n%s\n' "$api_table"
  printf '    API requests by client (audit log):                              count  per run\n%s\n' "$audit_table"
}

report=$(measure_burst "first burst (the operator's JIT still compiling)")
burst_heap=$(heap_mib)
$k delete sifruns --all >/dev/null
if ((${BURSTS:-2} > 1)); then
  # A node daemon and an operator run for weeks: the second burst shows the compiled steady state.
  report+=$'\n'$(OPERATOR_JFR=${OPERATOR_JFR:+${OPERATOR_JFR%.jfr}-2.jfr} measure_burst "second burst (warm)")
  $k delete sifruns --all >/dev/null
  lat_warm=$(bench_run latency "$latency")
fi
bench_run objects "$objects" >/dev/null
sleep 10
objects_heap=$(heap_mib)

echo
echo "operator benchmark (2 siflets on this machine, image cached on both)"
echo "  latency after start: $lat"
echo "  latency after the bursts: ${lat_warm:-not measured (BURSTS=1)}"
echo "$report"
printf '  operator heap after GC: idle %s MiB, after the burst %s MiB, with %s SifRuns present %s MiB\n' \
  "$idle_heap" "$burst_heap" "$objects" "$objects_heap"
