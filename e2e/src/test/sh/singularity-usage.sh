#!/usr/bin/env bash
# sifctl invoked the way SingularityCE's documentation and users' scripts invoke `singularity
# exec|run|shell --oci`, each line with the outcome SingularityCE gives. Prints "ok NAME" or
# "FAIL NAME: what happened" per check and exits 1 if any failed. Run as root by SingularityUsageIT.
#
# Usage: singularity-usage.sh SIFCTL IMAGE.oci.sif WORKDIR
set -uo pipefail
sifctl=$1 img=$2 work=$3
failed=0
check() { # NAME EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then echo "ok $1"; else echo "FAIL $1: expected [$2], got [$3]"; failed=1; fi
}
refused() { # NAME EXPECTED_MESSAGE_PART CMD...
  local name=$1 want=$2 out
  shift 2
  if out=$("$@" 2>&1); then echo "FAIL $name: it ran"; failed=1
  elif [[ $out == *"$want"* ]]; then echo "ok $name"; else echo "FAIL $name: [$out]"; failed=1; fi
}
mkdir -p "$work/data" "$work/w" && echo hello >"$work/data/file"
export HOSTVAR=from-host

# singularity exec --cleanenv / -e: nothing of the host's environment
check cleanenv "" "$("$sifctl" exec -e "$img" sh -c 'echo $HOSTVAR')"
# --env KEY=VALUE and --env-file
printf 'A=from-file\nB=also\n' >"$work/env"
check env "from-file also cli" "$("$sifctl" exec --env-file "$work/env" --env C=cli "$img" sh -c 'echo $A $B $C')"
# -B src:dst, and --contain still binds what was asked for
check bind "hello" "$("$sifctl" exec -c -B "$work/data:/data" "$img" cat /data/file)"
# --containall: PID 1 is the payload
check containall "1" "$("$sifctl" exec -C "$img" sh -c 'echo $$')"
# --pwd
check pwd "/tmp" "$("$sifctl" exec --pwd /tmp "$img" pwd)"
# run: the image's entrypoint and command
check run "default bar" "$("$sifctl" run "$img")"
# -H DIR: an empty home there, HOME=DIR
check home "/myhome" "$("$sifctl" exec -H /myhome "$img" sh -c 'echo $HOME')"
# -W DIR: /tmp lives on the host under DIR/tmp
"$sifctl" exec -W "$work/w" "$img" touch /tmp/made-here
check workdir "yes" "$([[ -f $work/w/tmp/made-here ]] && echo yes || echo no)"
# -n/--net: only loopback
check net "lo" "$("$sifctl" exec -n "$img" sh -c "cat /proc/net/dev | busybox tail -n +3 | busybox cut -d: -f1 | tr -d ' '")"
# --no-compat is read-only; --writable-tmpfs makes it writable for the run
refused no-compat-read-only "Read-only file system" "$sifctl" exec --no-compat "$img" touch /work/made
check writable-tmpfs "made" "$("$sifctl" exec --no-compat --writable-tmpfs "$img" sh -c 'touch /work/made && echo made')"
# -w/--writable: an OCI-SIF has no writable partition
refused writable "--writable-tmpfs" "$sifctl" exec -w "$img" true
# -u/--userns, -p/--pid, -i/--ipc, --compat: accepted
check userns-pid-ipc "ok" "$("$sifctl" exec -u -p -i --compat "$img" echo ok)"
# --fakeroot: root inside
check fakeroot "0" "$("$sifctl" exec -f "$img" id -u)"
# --apply-cgroups with SingularityCE's TOML
printf '[pids]\n  limit = 20\n[memory]\n  limit = 268435456\n' >"$work/cgroups.toml"
check apply-cgroups "ok" "$("$sifctl" exec --apply-cgroups "$work/cgroups.toml" "$img" echo ok)"
refused apply-cgroups-and-flags "cannot be combined with --memory" \
  "$sifctl" exec --apply-cgroups "$work/cgroups.toml" --memory 1g "$img" true
# --security seccomp: a profile, and unconfined
printf '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}' >"$work/no-mkdir.json"
refused seccomp-profile "Operation not permitted" "$sifctl" exec --security "seccomp:$work/no-mkdir.json" "$img" busybox mkdir /tmp/x
check seccomp-unconfined "0" "$("$sifctl" exec --security seccomp:unconfined "$img" sh -c 'grep Seccomp: /proc/self/status | tr -dc 0-9')"
refused security-apparmor "only seccomp" "$sifctl" exec --security apparmor:unconfined "$img" true
# an option SingularityCE has that sifctl does not: refused by name
refused unknown-option "--no-pid" "$sifctl" exec --no-pid "$img" true
exit $failed
