#!/usr/bin/env bash
# Benchmark: Create + Start + wait for exit + Remove of /bin/true through siflet over gRPC (Unix
# socket, cached OCI-SIF; StartContainer as its own call and as CreateContainer's start, run by run),
# sequential p50/p99 over RUNS, and throughput with 2 and 8 concurrent
# clients — interleaved run by run with containerd's `ctr run --rm` of the same image (containerd
# started here with its own root, state and socket, the image imported from the same root fs) and
# bare `crun run` of a pre-extracted bundle (the floor) — plus siflet's and containerd's own CPU
# per run and siflet's resident memory. Run as root.
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
for tool in crun conmon jq containerd ctr umoci skopeo; do
  command -v "$tool" >/dev/null || { echo "needs $tool (hack/install-deps.sh)" >&2; exit 1; }
done
(cd "$root" && mvn -B -q install -DskipTests && mvn -B -q test-compile -pl e2e)
# crun 1.8 refuses a hybrid cgroup v2 hierarchy holding hugetlb; the tests do the same
if [[ -d /sys/fs/cgroup/unified ]] && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
  mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || true
fi
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

# The peer: containerd 1.6 with the same root fs, as an OCI archive imported into its own store.
umoci init --layout "$work/layout" && umoci new --image "$work/layout:v1"
umoci insert --image "$work/layout:v1" "$work/rootfs" / >/dev/null
skopeo copy -q "oci:$work/layout:v1" "oci-archive:$work/img.tar:docker.io/bench/busybox:v1"
containerd --root "$work/containerd" --state "$run/containerd" --address "$work/containerd.sock" \
  >"$work/containerd.log" 2>&1 &
ctrd=$!
for _ in $(seq 100); do ctr -a "$work/containerd.sock" version >/dev/null 2>&1 && break; sleep 0.1; done
ctr -a "$work/containerd.sock" images import "$work/img.tar" >/dev/null

if [[ -n ${SIFLET_JFR:-} ]]; then
  export SIFLET_JAVA_OPTS="-XX:+UseSerialGC -Xms16m -Xmx384m -XX:MaxMetaspaceSize=128m -Xss512k
    -XX:StartFlightRecording=delay=${SIFLET_JFR_DELAY:-30s},settings=profile"
fi
"$root/bin/siflet" --state-dir "$work/state" --run-dir "$run/siflet" --socket "$work/siflet.sock" >"$work/siflet.log" 2>&1 &
siflet=$!
trap 'kill $siflet $ctrd 2>/dev/null || true' EXIT
for _ in $(seq 200); do grep -q "siflet: ready" "$work/siflet.log" && break; sleep 0.1; done
sleep 2
rss_idle=$(awk '/VmRSS/ {print $2}' "/proc/$siflet/status")

out=$(java -XX:+UseSerialGC -cp "$classpath" -Dsiflet.pid="$siflet" -Dwarmup="${WARMUP:-200}" \
  -Dpeer.1.name=ctr -Dpeer.1.pid="$ctrd" \
  -Dpeer.1.cmd="ctr -a $work/containerd.sock run --rm docker.io/bench/busybox:v1 bench-{i} /bin/true" \
  -Dpeer.2.name=crun -Dpeer.2.cmd="crun --root $run/crun-state run -b $work/bundle floor-{i}" \
  io.sifkube.bench.SifletBench "$work/siflet.sock" "$work/img.oci.sif" "$runs" 2 8)
rss_after=$(awk '/VmRSS/ {print $2}' "/proc/$siflet/status")
# A profile of the measured cycles: SIFLET_JFR=FILE starts siflet with a JFR recording (after the
# warm-up) and dumps it here.
if [[ -n ${SIFLET_JFR:-} ]]; then
  jcmd "$siflet" JFR.dump filename="$SIFLET_JFR" >/dev/null
fi
sleep 5
rss_settled=$(awk '/VmRSS/ {print $2}' "/proc/$siflet/status")
series() { grep "^sequential mode=$1 " <<<"$out" | grep -o "$2=[0-9.-]*" | cut -d= -f2; }
peer() { grep "peer name=$1 " <<<"$out" | grep -o "$2=[0-9.-]*" | cut -d= -f2; }
ctr50=$(peer ctr p50_ms) ctr99=$(peer ctr p99_ms)
floor50=$(peer crun p50_ms) floor99=$(peer crun p99_ms)
runtime=$(grep -o 'ready ([a-z]*' "$work/siflet.log" | cut -d'(' -f2)
printf '\nCreate+Start+exit+Remove of /bin/true, %s sequential runs, interleaved (ms)\n' "$runs"
printf '%-62s %8s %8s %12s\n' "" p50 p99 "own CPU/run"
for mode in create_then_start create_with_start; do
  label="siflet over gRPC ($runtime), CreateContainer + StartContainer"
  [[ $mode == create_with_start ]] && label="siflet over gRPC ($runtime), CreateContainer{start}"
  printf '%-62s %8s %8s %12s\n' "$label" "$(series "$mode" p50_ms)" "$(series "$mode" p99_ms)" \
    "$(series "$mode" siflet_cpu_ms_per_cycle)"
  printf '%-62s %8s %8s %12s\n' "  of which in the kernel (siflet's stime)" "" "" "$(series "$mode" of_which_kernel)"
done
printf '%-62s %8s %8s %12s\n' "containerd 1.6: ctr run --rm (peer)" "$ctr50" "$ctr99" "$(peer ctr daemon_cpu_ms_per_run)"
printf '%-62s %8s %8s %12s\n' "crun run of an extracted bundle (floor)" "$floor50" "$floor99" "-"
for mode in create_then_start create_with_start; do
  p50=$(series "$mode" p50_ms)
  printf '%-62s %8s\n' "ratio siflet/ctr, $mode (p50; goal <= 0.2)" "$(awk -v a="$p50" -v b="$ctr50" 'BEGIN {printf "%.2f", a/b}')"
  printf '%-62s %8s\n' "ratio siflet/crun, $mode (p50; goal <= 2.2)" "$(awk -v a="$p50" -v b="$floor50" 'BEGIN {printf "%.2f", a/b}')"
done
printf '%-62s %8s\n' "warm-up cycles before measuring" "$(grep -o 'warmup=[0-9]*' <<<"$out" | head -1 | cut -d= -f2)"
echo
grep concurrent <<<"$out" | sed 's/^/siflet (CreateContainer{start}) /'
printf '\nsiflet RSS: idle %d MiB, after the runs %d MiB, 5 s later %d MiB\n' \
  $((rss_idle / 1024)) $((rss_after / 1024)) $((rss_settled / 1024))
