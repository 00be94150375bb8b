#!/usr/bin/env bash
# Benchmark: CDI resolution and injection with 100 spec files in the spec directories (50 JSON in
# an "etc" directory, 49 YAML and one NVIDIA-like spec of 8 GPUs, 24 library mounts and 4 control
# nodes in a "run" directory), 4 devices asked for:
#   siflet's cost per container create (resolve against the live inventory + edit the spec, warm
#     JVM, in process) beside the reference Go library (Debian's 0.5.2) doing the same injection;
#   the scans: every file once (a new siflet), nothing changed (the safety net), one file changed;
#   sifctl exec --device (4 devices) against sifctl exec without, interleaved, medians.
# Run as root.
#
# Usage: e2e/bench/cdi-bench.sh [RUNS]     (default 20 sifctl runs of each kind)
set -euo pipefail

runs=${1:-20}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=${BENCH_DIR:-/var/tmp/sifkube-cdi-bench}
(cd "$root" && mvn -B -q install -DskipTests && mvn -B -q test-compile -pl e2e)
rm -rf "$work"
mkdir -p "$work/etc" "$work/run" "$work/driver/lib" "$work/rootfs/bin" "$work/rootfs/etc"

# The reference injector, built from Debian's package of the reference library.
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" \
  go build -o "$work/cdi-reference" "$root/e2e/src/test/go/cdi-reference/main.go"

# --- the spec files ---
{
  echo 'cdiVersion: "0.5.0"'
  echo 'kind: nvidia.com/gpu'
  echo 'containerEdits:'
  echo '  env: [NVIDIA_VISIBLE_DEVICES=void, NVIDIA_CTK_LIBCUDA_DIR=/usr/lib/x86_64-linux-gnu]'
  echo '  deviceNodes:'
  for n in nvidiactl nvidia-uvm nvidia-uvm-tools nvidia-modeset; do
    echo "  - {path: /dev/$n, hostPath: /dev/null}"
  done
  echo '  mounts:'
  for i in $(seq 1 24); do
    : >"$work/driver/lib/libnvidia-bench$i.so.555.42"
    echo "  - {hostPath: $work/driver/lib/libnvidia-bench$i.so.555.42, containerPath: /usr/lib/x86_64-linux-gnu/libnvidia-bench$i.so.555.42, options: [ro, nosuid, nodev, bind]}"
  done
  echo 'devices:'
  for g in 0 1 2 3 4 5 6 7; do
    echo "- name: \"$g\""
    echo "  containerEdits: {deviceNodes: [{path: /dev/nvidia$g, hostPath: /dev/zero}]}"
    echo "- name: GPU-0000000$g-bench"
    echo "  containerEdits: {deviceNodes: [{path: /dev/nvidia$g, hostPath: /dev/zero}]}"
  done
} >"$work/run/nvidia.yaml"
for i in $(seq 1 49); do
  cat >"$work/run/vendor$i.yaml" <<SPEC
cdiVersion: "0.6.0"
kind: vendor$i.example.com/accel
annotations: {driver: "$i.0"}
containerEdits:
  env: [VENDOR${i}_SDK=/opt/vendor$i]
  hooks:
  - {hookName: createContainer, path: /usr/bin/vendor$i-hook, args: [vendor$i-hook, ldcache]}
devices:
$(for d in 0 1 2 3; do printf -- '- name: dev%s\n  containerEdits:\n    deviceNodes: [{path: /dev/accel%s, hostPath: /dev/full, permissions: rw}]\n    mounts: [{hostPath: /opt/vendor%s/fw%s, containerPath: /lib/firmware/vendor%s/fw%s, options: [ro, bind]}]\n' "$d" "$d" "$i" "$d" "$i" "$d"; done)
SPEC
done
for i in $(seq 1 50); do
  printf '{"cdiVersion":"0.5.0","kind":"fabric%s.example.org/nic","containerEdits":{"env":["FABRIC%s=1"]},"devices":[' "$i" "$i" >"$work/etc/fabric$i.json"
  for d in 0 1 2 3; do
    [ "$d" = 0 ] || printf ',' >>"$work/etc/fabric$i.json"
    printf '{"name":"port%s","containerEdits":{"deviceNodes":[{"path":"/dev/infiniband/uverbs%s","hostPath":"/dev/null"}]}}' "$d" "$d" >>"$work/etc/fabric$i.json"
  done
  echo ']}' >>"$work/etc/fabric$i.json"
done
# Spec files are seldom minutes old; ones changed in the last 2 s are read again at every look.
find "$work/etc" "$work/run" -type f -exec touch -d '1 minute ago' {} +
dirs="$work/etc,$work/run"
devices=(nvidia.com/gpu=0 nvidia.com/gpu=1 nvidia.com/gpu=2 nvidia.com/gpu=3)
echo "spec files: $(ls "$work/etc" "$work/run" | grep -c -E '\.(json|yaml)$')"

# --- in process: siflet's path and the reference library ---
classpath="$root/node-runtime/target/sifkube-node-runtime.jar:$root/node-runtime/target/lib/*:$root/e2e/target/test-classes"
out=$(java -XX:+UseSerialGC -cp "$classpath" io.sifkube.bench.CdiBench "$dirs" 20000 "${devices[@]}")
val() { echo "$out" | awk -v k="$1" '$1 == k {print $2}'; }
echo '{"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},"env":["PATH=/bin"],"cwd":"/"},"root":{"path":"rootfs"},"mounts":[{"destination":"/proc","type":"proc","source":"proc"},{"destination":"/dev","type":"tmpfs","source":"tmpfs"}],"linux":{"resources":{"devices":[{"allow":false,"access":"rwm"}]}}}' >"$work/base.json"
ref_ns=$("$work/cdi-reference" -bench 20000 "$dirs" "$work/base.json" "${devices[@]}")
# CdiBench changed a file and put it back: date it back again, as the others.
find "$work/etc" "$work/run" -type f -exec touch -d '1 minute ago' {} +

# --- sifctl exec with and without the devices, interleaved ---
cp /bin/busybox "$work/rootfs/bin/"
for c in true sleep; do ln -s busybox "$work/rootfs/bin/$c"; done
echo "root:x:0:0:root:/root:/bin/sh" >"$work/rootfs/etc/passwd"
"$root/bin/sifctl" build --cmd /bin/true "$work/img.oci.sif" "$work/rootfs" 2>/dev/null
dev_args=()
for d in "${devices[@]}"; do dev_args+=(--device "$d"); done
"$root/bin/sifctl" exec --cdi-dirs "$dirs" "${dev_args[@]}" "$work/img.oci.sif" /bin/true # checks it runs
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -a with without
for ((i = 1; i <= runs; i++)); do
  if ((i % 2)); then
    t=$(date +%s%N); "$root/bin/sifctl" exec "$work/img.oci.sif" /bin/true; without+=("$(ms "$t")")
    t=$(date +%s%N); "$root/bin/sifctl" exec --cdi-dirs "$dirs" "${dev_args[@]}" "$work/img.oci.sif" /bin/true; with+=("$(ms "$t")")
  else
    t=$(date +%s%N); "$root/bin/sifctl" exec --cdi-dirs "$dirs" "${dev_args[@]}" "$work/img.oci.sif" /bin/true; with+=("$(ms "$t")")
    t=$(date +%s%N); "$root/bin/sifctl" exec "$work/img.oci.sif" /bin/true; without+=("$(ms "$t")")
  fi
done
mw=$(median "${with[@]}")
mo=$(median "${without[@]}")

# The runtime's own share: crun run of a directory bundle with the config.json sifctl wrote,
# with and without the devices (their 24 bind mounts, 8 nodes and cgroup rules cost crun
# whoever asks for them).
grab() { # grab OUT ARGS...: the config.json of a running sifctl exec
  local out=$1 p b
  shift
  "$root/bin/sifctl" exec "$@" "$work/img.oci.sif" /bin/sleep 3 &
  for _ in $(seq 50); do
    p=$(pgrep -f "run --bundle /run/sifkube/sifctl" | head -1) && break
    sleep 0.1
  done
  sleep 0.5
  b=$(tr '\0' '\n' <"/proc/$p/cmdline" | grep '^/run/sifkube/sifctl/')
  jq '.process.args=["/bin/true"] | .root.readonly=false' "/proc/$p/root$b/config.json" >"$out"
  wait
}
for v in plain cdi; do
  mkdir -p "$work/floor-$v"
  cp -a "$work/rootfs" "$work/floor-$v/rootfs"
done
grab "$work/floor-plain/config.json"
grab "$work/floor-cdi/config.json" --cdi-dirs "$dirs" "${dev_args[@]}"
declare -a fp fc
for ((i = 1; i <= runs; i++)); do
  t=$(date +%s%N); crun --root "$work/crun" run -b "$work/floor-plain" "p$i" </dev/null; fp+=("$(( ($(date +%s%N) - t) / 100000 ))")
  t=$(date +%s%N); crun --root "$work/crun" run -b "$work/floor-cdi" "c$i" </dev/null; fc+=("$(( ($(date +%s%N) - t) / 100000 ))")
done
crun_delta=$(echo "scale=1; ($(median "${fc[@]}") - $(median "${fp[@]}")) / 10" | bc)

printf '\n%d spec files, 4 devices (%s)\n' "$(val files)" "${devices[*]}"
printf '\nper container create, warm (µs)                        p50      p99     mean   CPU\n'
printf '%-50s %8s %8s %8s %5s\n' "siflet: resolve + edit the spec (in process)" "$(val create.p50)" "$(val create.p99)" "$(val create.mean)" "$(val create.cpu)"
printf '%-50s %8s %8s %8s\n' "reference library 0.5.2 (Go): InjectDevices" "" "" "$(awk -v n="$ref_ns" 'BEGIN {printf "%.1f", n / 1000}')"
printf '%-50s %8s\n' "(context: a copy of the base spec)" "$(val copy.p50)"
printf '\nscans of the spec directories (µs)\n'
printf '%-50s %8s\n' "every file, first time (cold JVM)" "$(val scan.cold)"
printf '%-50s %8s\n' "nothing changed (the 5 s safety net)" "$(val scan.unchanged)"
printf '%-50s %8s\n' "one file changed (an inotify event)" "$(val scan.one-changed)"
printf '\nsifctl exec of /bin/true, median of %s interleaved runs (ms)\n' "$runs"
printf '%-50s %8s\n' "without devices" "$mo"
printf '%-50s %8s\n' "--device x4 (--cdi-dirs with the 100 files)" "$mw"
printf '%-50s %8s\n' "ratio" "$(echo "scale=3; $mw / $mo" | bc)"
printf '%-50s %8s\n' "of which crun's own work for the devices (floor)" "$crun_delta"
printf '%-50s %8s\n' "ratio without crun's share" "$(echo "scale=3; ($mw - $crun_delta) / $mo" | bc)"
echo "runs (ms): with    ${with[*]}"
echo "           without ${without[*]}"
