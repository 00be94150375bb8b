#!/usr/bin/env bash
# Benchmark: warm start→exit of `true` from a cached image, median of N runs, side by side:
#   sifctl exec IMAGE /bin/true           (our path: JVM, loop mount, overlay, spec, runtime)
#   crun run of a pre-extracted bundle    (the floor: no image handling at all)
#   podman run --rm (Debian's podman; image pulled from a local registry)
# and the breakdown of sifctl's time (SIFKUBE_TIMINGS=1). Run as root.
#
# Usage: e2e/bench/run-bench.sh [RUNS]     (default 20)
set -euo pipefail

runs=${1:-20}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=${BENCH_DIR:-/var/tmp/sifkube-run-bench}
command -v podman >/dev/null || apt-get install -y -qq podman >/dev/null
for tool in crun umoci skopeo docker-registry jq; do
  command -v "$tool" >/dev/null || { echo "needs $tool (hack/install-deps.sh)" >&2; exit 1; }
done
(cd "$root" && mvn -B -q package -DskipTests)

rm -rf "$work"
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev"
cp /bin/busybox "$work/rootfs/bin/"
for c in sh true; do ln -s busybox "$work/rootfs/bin/$c"; done
echo "root:x:0:0:root:/root:/bin/sh" >"$work/rootfs/etc/passwd"

# Our image.
"$root/bin/sifctl" build --cmd /bin/true "$work/img.oci.sif" "$work/rootfs" 2>/dev/null

# The floor: crun on a plain directory bundle.
mkdir -p "$work/bundle"
cp -a "$work/rootfs" "$work/bundle/rootfs"
(cd "$work/bundle" && crun spec)
jq '.process.terminal=false | .process.args=["/bin/true"]' "$work/bundle/config.json" >"$work/bundle/c.json"
mv "$work/bundle/c.json" "$work/bundle/config.json"

# The peer: podman, with the same root fs pulled from a local registry.
port=$(shuf -i 20000-60000 -n 1)
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
  "$work/registry" "$port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
reg=$!
trap 'kill $reg 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.2; done
umoci init --layout "$work/layout" && umoci new --image "$work/layout:v1"
umoci insert --image "$work/layout:v1" "$work/rootfs" / >/dev/null
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:v1" "docker://127.0.0.1:$port/bench/busybox:v1"
podman pull -q --tls-verify=false "127.0.0.1:$port/bench/busybox:v1" >/dev/null
podman_img="127.0.0.1:$port/bench/busybox:v1"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -a s_ms c_ms p_ms
: >"$work/timings.txt"
for ((i = 1; i <= runs; i++)); do
  t=$(date +%s%N); "$root/bin/sifctl" exec "$work/img.oci.sif" /bin/true; s_ms+=("$(ms "$t")")
  t=$(date +%s%N); crun --root "$work/crun-state" run -b "$work/bundle" "floor-$i" </dev/null; c_ms+=("$(ms "$t")")
  t=$(date +%s%N); podman run --rm --network host --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
    "$podman_img" /bin/true; p_ms+=("$(ms "$t")")
done
# The breakdown comes from runs of their own: asking the JVM for its uptime costs time too.
for ((i = 1; i <= 5; i++)); do
  SIFKUBE_TIMINGS=1 "$root/bin/sifctl" exec "$work/img.oci.sif" /bin/true 2>>"$work/timings.txt"
done

phase() { grep -o " $1=[0-9.]*" "$work/timings.txt" | cut -d= -f2 | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
printf '\nwarm start→exit of /bin/true, median of %s runs (ms)\n' "$runs"
printf '%-44s %8s\n' "sifctl exec (OCI-SIF, crun)" "$(median "${s_ms[@]}")"
printf '%-44s %8s\n' "crun run of an extracted bundle (floor)" "$(median "${c_ms[@]}")"
printf '%-44s %8s\n' "podman run --rm --network host" "$(median "${p_ms[@]}")"
# As root sifctl then becomes the runtime (docs/run.md): crun's run and the kernel's release of
# the mounts are the rest of its time, and no teardown phase is reported.
printf '\nsifctl breakdown (median of 5 more runs, ms): JVM start %s | image %s | mount %s | spec %s | then exec of crun run\n' \
  "$(phase 'jvm start')" "$(phase image)" "$(phase mount)" "$(phase spec)"
echo "runs (ms): sifctl ${s_ms[*]}"
echo "           crun   ${c_ms[*]}"
echo "           podman ${p_ms[*]}"
