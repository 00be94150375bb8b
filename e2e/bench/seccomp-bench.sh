#!/usr/bin/env bash
# Benchmark (issue #18): what the default seccomp profile costs a container start. Interleaved:
#   crun run of a plain bundle: without a filter, with Sifkube's default profile as JSON (crun
#     compiles it with libseccomp at each start), and with the program sifctl compiled once and
#     hands over in the run.oci.seccomp_bpf_data annotation (what sifctl and siflet give crun)
#   sifctl exec IMAGE /bin/true, default profile and --no-seccomp (the same seen by a user, with the
#     spec built and written by sifctl)
# Medians of N runs each, and the difference. Run as root.
#
# Usage: e2e/bench/seccomp-bench.sh [RUNS]     (default 30)
set -euo pipefail

runs=${1:-30}
root="$(cd "$(dirname "$0")/../.." && pwd)"
work=${BENCH_DIR:-/var/tmp/sifkube-seccomp-bench}
for tool in crun jq; do
  command -v "$tool" >/dev/null || { echo "needs $tool (hack/install-deps.sh)" >&2; exit 1; }
done
(cd "$root" && mvn -B -q package -DskipTests)
# crun 1.8 refuses a hybrid cgroup v2 hierarchy holding hugetlb; the tests do the same
if [[ -d /sys/fs/cgroup/unified ]] && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
  mkdir -p /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || true
fi

rm -rf "$work"
mkdir -p "$work/rootfs/bin" "$work/rootfs/etc" "$work/rootfs/tmp" "$work/rootfs/proc" "$work/rootfs/sys" "$work/rootfs/dev"
cp /bin/busybox "$work/rootfs/bin/"
for c in sh true; do ln -s busybox "$work/rootfs/bin/$c"; done
echo "root:x:0:0:root:/root:/bin/sh" >"$work/rootfs/etc/passwd"
"$root/bin/sifctl" build --cmd /bin/true "$work/img.oci.sif" "$work/rootfs" 2>/dev/null

# The profile exactly as sifctl gives it to the runtime: from the bundle `sifctl oci mount` writes.
"$root/bin/sifctl" oci mount "$work/img.oci.sif" "$work/sifbundle" >/dev/null
jq '.linux.seccomp' "$work/sifbundle/config.json" >"$work/profile.json"
jq -r '.annotations["run.oci.seccomp_bpf_data"] // empty' "$work/sifbundle/config.json" >"$work/bpf.b64"
[[ -s $work/bpf.b64 ]] || { echo "sifctl gave crun no compiled filter" >&2; exit 1; }
"$root/bin/sifctl" oci umount "$work/sifbundle" >/dev/null
[[ $(jq -r .defaultAction "$work/profile.json") == SCMP_ACT_ERRNO ]] || { echo "no default profile in the spec" >&2; exit 1; }

for b in plain filtered compiled; do
  mkdir -p "$work/$b"
  cp -a "$work/rootfs" "$work/$b/rootfs"
  (cd "$work/$b" && crun spec)
done
jq '.process.terminal=false | .process.args=["/bin/true"] | del(.linux.seccomp)' "$work/plain/config.json" >"$work/c.json"
mv "$work/c.json" "$work/plain/config.json"
jq --slurpfile p "$work/profile.json" '.process.terminal=false | .process.args=["/bin/true"] | .linux.seccomp=$p[0]' \
  "$work/filtered/config.json" >"$work/c.json"
mv "$work/c.json" "$work/filtered/config.json"
jq --slurpfile p "$work/profile.json" --rawfile b "$work/bpf.b64" \
  '.process.terminal=false | .process.args=["/bin/true"] | .linux.seccomp=$p[0] | .annotations["run.oci.seccomp_bpf_data"]=($b|rtrimstr("\n"))' \
  "$work/compiled/config.json" >"$work/c.json"
mv "$work/c.json" "$work/compiled/config.json"

us() { echo $(( ($(date +%s%N) - $1) / 1000 )); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -a cp_us cf_us cc_us sd_us sn_us
for ((i = 1; i <= runs; i++)); do
  t=$(date +%s%N); crun --root "$work/state" run -b "$work/plain" "p-$i" </dev/null; cp_us+=("$(us "$t")")
  t=$(date +%s%N); crun --root "$work/state" run -b "$work/filtered" "f-$i" </dev/null; cf_us+=("$(us "$t")")
  t=$(date +%s%N); crun --root "$work/state" run -b "$work/compiled" "c-$i" </dev/null; cc_us+=("$(us "$t")")
  t=$(date +%s%N); "$root/bin/sifctl" exec "$work/img.oci.sif" /bin/true; sd_us+=("$(us "$t")")
  t=$(date +%s%N); "$root/bin/sifctl" exec --no-seccomp "$work/img.oci.sif" /bin/true; sn_us+=("$(us "$t")")
done
cp=$(median "${cp_us[@]}"); cf=$(median "${cf_us[@]}"); cc=$(median "${cc_us[@]}"); sd=$(median "${sd_us[@]}"); sn=$(median "${sn_us[@]}")
printf '\nseccomp: %s syscall rules in the default profile; median of %s interleaved runs (ms)\n' \
  "$(jq '[.syscalls[].names | length] | add' "$work/profile.json")" "$runs"
printf '%-46s %9s %9s %12s\n' "start of /bin/true" "no filter" "default" "cost (ms)"
printf '%-46s %9.1f %9.1f %12.2f\n' "crun run, profile as JSON" "$(echo "$cp/1000" | bc -l)" "$(echo "$cf/1000" | bc -l)" "$(echo "($cf-$cp)/1000" | bc -l)"
printf '%-46s %9.1f %9.1f %12.2f\n' "crun run, program compiled by sifctl" "$(echo "$cp/1000" | bc -l)" "$(echo "$cc/1000" | bc -l)" "$(echo "($cc-$cp)/1000" | bc -l)"
printf '%-46s %9.1f %9.1f %12.2f\n' "sifctl exec IMAGE (--no-seccomp vs default)" "$(echo "$sn/1000" | bc -l)" "$(echo "$sd/1000" | bc -l)" "$(echo "($sd-$sn)/1000" | bc -l)"
echo "goal: the default profile costs <= 2 ms per container start"
