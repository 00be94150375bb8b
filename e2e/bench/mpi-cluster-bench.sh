#!/usr/bin/env bash
# Benchmark (issue #19): MPI SifRuns against the same binary under Debian's own MPICH launcher on
# the host over the same transport, on the local control plane with two siflets on this machine.
#   two nodes (TCP): a SifRun of 2 ranks with `mpi: {implementation: PMI}` and `ranksPerNode: 1`,
#     each rank in its node's sandbox, so UCX connects them over TCP (tcp/lo and tcp/eth0 lanes,
#     as MpiGangIT checks); peer: `mpiexec.mpich -n 2` (hydra) in the image's own root file system
#     with UCX_TLS=tcp,self, which gives UCX the same TCP lanes;
#   one node (shared memory): the same SifRun with both ranks on node-a, in one sandbox (sysv/cma);
#     peer: the same mpiexec without UCX_TLS.
# Interleaved rounds;
# ping-pong half round-trip at 8 B and bandwidth at 64 KiB and 4 MiB (medians), plus the wall time
# from apply (or launch) to the end and, for Sifkube, the operator's and siflets' own CPU.
#
# Usage: e2e/bench/mpi-cluster-bench.sh [ROUNDS] [ROUND_TRIPS]   (default 5 and 20000; root)
set -euo pipefail
rounds=${1:-5}
trips=${2:-20000}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=${BENCH_DIR:-/var/tmp/sifkube-mpi-cluster-bench}
cd "$root"
OPERATOR_ARGS="--pmi-address 127.0.0.1"
# shellcheck source=e2e/bench/lib/two-nodes.sh
source "$root/e2e/bench/lib/two-nodes.sh"
bash hack/mpi-image.sh build >/dev/null
dir=$(bash hack/mpi-image.sh path)
rootfs=$dir/rootfs
# hydra in the tree wants /proc and a tmpfs /dev/shm, and UCX's TCP transport lists /sys/class/net
mount -t proc proc "$rootfs/proc"
mount -t tmpfs shm "$rootfs/dev/shm"
mount -t sysfs sys "$rootfs/sys"
trap 'umount "$rootfs/sys" "$rootfs/dev/shm" "$rootfs/proc" 2>/dev/null || true; cleanup' EXIT
mpi="docker://127.0.0.1:$port/hpc/mpi:1"
bin/sifctl push "$dir/mpi.oci.sif" "$mpi" 2>/dev/null
out="$work/out"
mkdir -p "$out"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
record() { # LABEL WALL FILE [CPU]
  awk -v l="$1" -v w="$2" -v c="${4:-0}" '
    /pingpong 8 B/ {lat = $5} /pingpong 65536 B/ {b64 = $7} /pingpong 4194304 B/ {b4m = $7}
    END {print l, w, c, lat, b64, b4m}' "$3" >>"$work/results"
}
: >"$work/results"
sifrun() { # LABEL NAME EXTRA-SPEC-LINE
  local label=$1 name=$2 extra=$3
  t0=$(date +%s.%N)
  c0=$(($(cpu_ticks "$operator") + $(cpu_ticks "${pids[1]}") + $(cpu_ticks "${pids[2]}")))
  $k apply -f - >/dev/null <<YAML
apiVersion: sifkube.io/v1alpha1
kind: SifRun
metadata: {name: $name}
spec:
  source: $mpi
  parallelism: 2
  mpi: {implementation: PMI}
  backoffLimit: 0
  binds: [{hostPath: '$out', mountPath: /out}]
  command: [sh, -c, 'exec mpi-hello $trips > /out/$name-\$SIFKUBE_RANK.txt 2>&1']
$extra
YAML
  # One watching kubectl, not a poll: a kubectl started every few ms would take a core from the
  # busy-polling ranks (it did: 1.4x the latency).
  $k wait --for=condition=Complete --timeout=600s "sifrun/$name" >/dev/null || true
  wall=$(echo "$(date +%s.%N) - $t0" | bc -l)
  cpu=$(echo "($(cpu_ticks "$operator") + $(cpu_ticks "${pids[1]}") + $(cpu_ticks "${pids[2]}") - $c0) / $(getconf CLK_TCK)" | bc -l)
  [[ $($k get sifrun "$name" -o jsonpath='{.status.phase}') == Succeeded ]] || { $k get sifrun "$name" -o yaml >&2; exit 1; }
  record "$label" "$wall" "$out/$name-0.txt" "$cpu"
}
# Round 0 warms up (the operator's and siflets' JIT compiles while its ranks run, taking CPU from
# the busy-polling ranks): recorded under other labels, left out of the medians.
for ((r = 0; r <= rounds; r++)); do
  w=$([[ $r == 0 ]] && echo warmup- || true)
  sifrun "${w}sifkube" "mpi-$r" "  ranksPerNode: 1"
  t0=$(date +%s.%N)
  chroot "$rootfs" mpiexec.mpich -n 2 -env UCX_TLS tcp,self mpi-hello "$trips" >"$work/hydra.out" 2>&1
  record "${w}hydra" "$(echo "$(date +%s.%N) - $t0" | bc -l)" "$work/hydra.out"
  sifrun "${w}onenode" "mpi-n$r" "  nodeName: node-a"
  t0=$(date +%s.%N)
  chroot "$rootfs" mpiexec.mpich -n 2 mpi-hello "$trips" >"$work/hydra.out" 2>&1
  record "${w}hydra-shm" "$(echo "$(date +%s.%N) - $t0" | bc -l)" "$work/hydra.out"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { awk -v l="$1" -v c="$2" '$1 == l {print $c}' "$work/results" | median; }
row() { # NAME LABEL CPU?
  printf '%-46s %8.2f %12.0f %12.0f %8.2f %12s\n' "$1" "$(col "$2" 4)" "$(col "$2" 5)" "$(col "$2" 6)" \
    "$(col "$2" 2)" "$([[ $3 == yes ]] && printf '%.2f' "$(col "$2" 3)" || echo -)"
}
ratio() { # SIFKUBE-LABEL PEER-LABEL
  printf 'sifkube / peer: 8 B latency %.2f, 64 KiB bandwidth %.2f, 4 MiB bandwidth %.2f (goal: within 5 %%)\n' \
    "$(echo "$(col "$1" 4) / $(col "$2" 4)" | bc -l)" "$(echo "$(col "$1" 5) / $(col "$2" 5)" | bc -l)" \
    "$(echo "$(col "$1" 6) / $(col "$2" 6)" | bc -l)"
}
printf '\n2 MPI ranks, %s round trips, median of %s interleaved rounds\n' "$trips" "$rounds"
printf '%-46s %8s %12s %12s %8s %12s\n' "launcher" "8 B us" "64 KiB MB/s" "4 MiB MB/s" "wall s" "Sifkube CPU s"
row "two nodes: mpiexec.mpich, UCX_TLS=tcp,self (peer)" hydra no
row "two nodes: SifRun, ranksPerNode 1" sifkube yes
row "one node: mpiexec.mpich (peer)" hydra-shm no
row "one node: SifRun, nodeName node-a" onenode yes
echo "two nodes (TCP):"; ratio sifkube hydra
echo "one node (shared memory):"; ratio onenode hydra-shm
echo "(Sifkube CPU: the operator's and both siflets' own CPU per run)"
echo "runs (label wall cpu 8B-us 64KiB-MB/s 4MiB-MB/s):"; cat "$work/results"
