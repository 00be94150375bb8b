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

# crun alone: wall and crun's own CPU, medians, rotating order (lib/crun-starts.py)
python3 "$root/e2e/bench/lib/crun-starts.py" "$work/state" "$runs" \
  "$work/plain" "$work/filtered" "$work/compiled" >"$work/crun.txt"
read -r _ cp_w cp_c < <(grep "/plain " "$work/crun.txt")
read -r _ cf_w cf_c < <(grep "/filtered " "$work/crun.txt")
read -r _ cc_w cc_c < <(grep "/compiled " "$work/crun.txt")

us() { echo $(( ($(date +%s%N) - $1) / 1000 )); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -a sd_us sn_us
for ((i = 1; i <= runs; i++)); do
  t=$(date +%s%N); "$root/bin/sifctl" exec "$work/img.oci.sif" /bin/true; sd_us+=("$(us "$t")")
  t=$(date +%s%N); "$root/bin/sifctl" exec --no-seccomp "$work/img.oci.sif" /bin/true; sn_us+=("$(us "$t")")
done
sd=$(median "${sd_us[@]}"); sn=$(median "${sn_us[@]}")
printf '\nseccomp: %s syscall rules in the default profile; medians of %s interleaved runs\n' \
  "$(jq '[.syscalls[].names | length] | add' "$work/profile.json")" "$runs"
printf '%-40s %10s %12s %14s %12s\n' "crun run of /bin/true" "wall ms" "crun CPU ms" "cost, CPU ms" "cost, wall"
printf '%-40s %10.2f %12.2f %14s %12s\n' "no filter" "$cp_w" "$cp_c" "-" "-"
printf '%-40s %10.2f %12.2f %14.2f %12.2f\n' "profile as JSON (crun compiles it)" "$cf_w" "$cf_c" "$(echo "$cf_c-$cp_c" | bc -l)" "$(echo "$cf_w-$cp_w" | bc -l)"
printf '%-40s %10.2f %12.2f %14.2f %12.2f\n' "program compiled once by sifctl" "$cc_w" "$cc_c" "$(echo "$cc_c-$cp_c" | bc -l)" "$(echo "$cc_w-$cp_w" | bc -l)"
printf '\nsifctl exec IMAGE /bin/true: default %.1f ms, --no-seccomp %.1f ms (wall, whole command)\n' \
  "$(echo "$sd/1000" | bc -l)" "$(echo "$sn/1000" | bc -l)"
echo "goal: the default profile costs <= 2 ms per container start"
