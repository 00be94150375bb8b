#!/usr/bin/env bash
# Benchmark (issue #19): MPI through Sifkube against the same binary under Debian's own MPICH
# launcher on the host, same machine, same transport: 2 ranks on one node (shared memory).
# Sifkube: `sifctl exec --ranks 2 mpi.oci.sif mpi-hello N` (two crun containers sharing a sandbox,
# wired by sifctl's PMI-1 server). Peer: `mpiexec.mpich -n 2 mpi-hello N` (hydra) in the image's
# own root file system (chroot), i.e. the very same binary and libraries. Interleaved rounds;
# ping-pong half round-trip at 8 B, bandwidth at 64 KiB and 4 MiB (medians), the launch's wall
# time and the launcher's own CPU (sifctl's JVM, or hydra's mpiexec + proxy; the ranks excluded).
#
# Usage: e2e/bench/mpi-bench.sh [ROUNDS] [ROUND_TRIPS]   (default 5 and 20000; root)
set -euo pipefail

rounds=${1:-5}
trips=${2:-20000}
root="$(cd "$(dirname "$0")/../.." && pwd)"
(cd "$root" && mvn -B -q package -DskipTests -pl node-runtime)
bash "$root/hack/mpi-image.sh" build >/dev/null
dir=$(bash "$root/hack/mpi-image.sh" path)
image=$dir/mpi.oci.sif
rootfs=$dir/rootfs
work=$(mktemp -d)

# hydra in the tree wants /proc and a /dev/shm of tmpfs, as the containers get
mount -t proc proc "$rootfs/proc"
mount -t tmpfs shm "$rootfs/dev/shm"
cleanup() { umount "$rootfs/dev/shm" "$rootfs/proc" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# One launch: its wall time, the launcher's own CPU (the whole tree's, as `time` reports it for
# the waited-for children, minus what each rank reported for itself) and the ping-pong results.
measure() { # LABEL CMD...
  local label=$1
  shift
  /usr/bin/time -o "$work/time" -f "%e %U %S" "$@" >"$work/out" 2>"$work/err" ||
    { cat "$work/err" >&2; exit 1; }
  read -r wall u s <"$work/time"
  ranks_cpu=$(awk '/^rankcpu/ {c += $2 + $3} END {print c + 0}' "$work/err")
  lat=$(awk '/pingpong 8 B/ {print $5}' "$work/out")
  bw64=$(awk '/pingpong 65536 B/ {print $7}' "$work/out")
  bw4m=$(awk '/pingpong 4194304 B/ {print $7}' "$work/out")
  echo "$label $wall $(echo "$u + $s - $ranks_cpu" | bc -l) $lat $bw64 $bw4m" >>"$work/results"
}

# /usr/bin/time is not in the image: bash's `time` reports each rank's CPU on its stderr
wrapper='TIMEFORMAT="rankcpu %U %S"; time mpi-hello "$@"'
for ((r = 1; r <= rounds; r++)); do
  measure sifkube "$root/bin/sifctl" exec --ranks 2 "$image" bash -c "$wrapper" rank "$trips"
  measure hydra chroot "$rootfs" mpiexec.mpich -n 2 bash -c "$wrapper" rank "$trips"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
col() { awk -v l="$1" -v c="$2" '$1 == l {print $c}' "$work/results" | median; }
printf '\n2 ranks, one node (shared memory), %s round trips, median of %s interleaved rounds\n' "$trips" "$rounds"
printf '%-34s %10s %12s %12s %9s %14s\n' "launcher" "8 B us" "64 KiB MB/s" "4 MiB MB/s" "wall s" "launcher CPU s"
for l in hydra sifkube; do
  name=$([[ $l == hydra ]] && echo "mpiexec.mpich -n 2 (peer)" || echo "sifctl exec --ranks 2")
  printf '%-34s %10.2f %12.0f %12.0f %9.2f %14.2f\n' "$name" "$(col $l 4)" "$(col $l 5)" "$(col $l 6)" "$(col $l 2)" "$(col $l 3)"
done
printf '\nsifkube / peer: 8 B latency %.2f, 64 KiB bandwidth %.2f, 4 MiB bandwidth %.2f (goal: within 5 %%)\n' \
  "$(echo "$(col sifkube 4) / $(col hydra 4)" | bc -l)" "$(echo "$(col sifkube 5) / $(col hydra 5)" | bc -l)" \
  "$(echo "$(col sifkube 6) / $(col hydra 6)" | bc -l)"
echo "runs (label wall launcher-cpu 8B-us 64KiB-MB/s 4MiB-MB/s):"; cat "$work/results"
