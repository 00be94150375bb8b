#!/usr/bin/env bash
# One Kubernetes node for the local control plane (hack/local-cluster.sh up DIR --node calls this):
# Debian's containerd 1.6 with its CRI plugin, Debian's containernetworking-plugins (bridge +
# host-local + loopback), and kubelet, kube-proxy and kube-scheduler 1.20.2 built from Debian's
# `kubernetes` source package (hack/kube-control-plane.sh). The pod sandbox image is made here
# from the `pause` program compiled from the same source, so no image comes from a registry
# outside this machine.
#
# kube-proxy is needed: the chart's pods reach the API server through the `kubernetes` Service
# (10.96.0.1), as they would on any cluster. CoreDNS is not: nothing in the chart resolves a
# Service name (the operator dials each siflet at the address its SifNode advertises).
#
#   hack/local-node.sh up DIR     DIR holds a running control plane (DIR/cluster.env)
#   hack/local-node.sh down DIR   stops the node, its pods and containers; unmounts what they mounted
#
# Outside DIR the node makes `/` a shared mount (as systemd does on every host, and as kubelet
# needs for Bidirectional mount propagation), a bridge `sifkube-br0` for the pods (10.244.0.0/24),
# kube-proxy's and kubelet's iptables chains (KUBE-*), and containerd's shim sockets in
# /run/containerd/s; `down` removes the bridge and the chains. Images, containers, pod volumes and
# the kubelet's state live in DIR. Root only.
#
# Registries: containerd reads DIR/containerd/certs.d/HOST:PORT/hosts.toml at each pull, so a test
# can add its local registry (plain HTTP on 127.0.0.1) after the node is up:
#   hack/local-node.sh registry DIR 127.0.0.1:5000
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[[ -n $cmd && -n $dir ]] || { echo "usage: $0 up|down DIR | registry DIR HOST:PORT" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(cd "$dir" && pwd)"
bin="$(bash "$root/hack/kube-control-plane.sh" path)"
ctrd="$dir/containerd"
sock="$ctrd/containerd.sock"
bridge=sifkube-br0
pod_cidr=10.244.0.0/24
pause_image=sifkube.local/pause:3.4.1

stop_pid() { # NAME
  local f="$dir/$1.pid"
  [[ -f $f ]] || return 0
  kill "$(cat "$f")" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$(cat "$f")" 2>/dev/null || true
  rm -f "$f"
}

down() {
  stop_pid kube-scheduler
  stop_pid kubelet
  stop_pid kube-proxy
  # The pods' containers: killed through containerd, which then removes them.
  if [[ -S $sock ]]; then
    local ctr=(ctr --address "$sock" --namespace k8s.io)
    for t in $("${ctr[@]}" tasks list -q 2>/dev/null); do
      "${ctr[@]}" tasks kill --signal SIGKILL "$t" >/dev/null 2>&1 || true
    done
    for _ in $(seq 50); do
      "${ctr[@]}" tasks list 2>/dev/null | grep -q RUNNING || break
      sleep 0.1
    done
    for t in $("${ctr[@]}" tasks list -q 2>/dev/null); do
      "${ctr[@]}" tasks delete --force "$t" >/dev/null 2>&1 || true
    done
    for c in $("${ctr[@]}" containers list -q 2>/dev/null); do
      "${ctr[@]}" containers delete "$c" >/dev/null 2>&1 || true
    done
  fi
  stop_pid containerd
  # Pod volumes, sandbox network namespaces and /dev/shm, image snapshots: all under DIR.
  { findmnt -rn -o TARGET | grep -F "$dir/" || true; } | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
  if [[ -x $bin/kube-proxy ]]; then
    "$bin/kube-proxy" --cleanup >/dev/null 2>&1 || true
  fi
  # kubelet's own chains (KUBE-FIREWALL, KUBE-MARK-*), which kube-proxy --cleanup leaves.
  for t in filter nat mangle; do
    if iptables-save -t "$t" 2>/dev/null | grep -q KUBE-; then
      iptables-save -t "$t" | grep -v KUBE- | iptables-restore -T "$t" 2>/dev/null || true
    fi
  done
  rm -f "$dir/node.env"
}

registry() { # HOST:PORT, plain HTTP
  mkdir -p "$ctrd/certs.d/$1"
  cat >"$ctrd/certs.d/$1/hosts.toml" <<EOF
server = "http://$1"
[host."http://$1"]
  capabilities = ["pull", "resolve"]
EOF
}

case $cmd in
  down) down; exit 0 ;;
  registry) registry "${3:?HOST:PORT}"; exit 0 ;;
  up) ;;
  *) echo "usage: $0 up|down DIR | registry DIR HOST:PORT" >&2; exit 2 ;;
esac

[[ $(id -u) == 0 ]] || { echo "local-node: run as root" >&2; exit 1; }
# shellcheck disable=SC1091
source "$dir/cluster.env"
for b in kubelet kube-proxy kube-scheduler pause; do
  [[ -x $bin/$b ]] || { echo "local-node: $bin/$b missing; run hack/kube-control-plane.sh" >&2; exit 1; }
done
for t in containerd ctr iptables conntrack skopeo jq /usr/lib/cni/bridge; do
  command -v "$t" >/dev/null || {
    echo "local-node: needs $t (hack/install-deps.sh installs it)" >&2
    exit 1
  }
done
down
mount --make-rshared /

# Pod sandboxes failed in `runc create` with "can't get final child's PID from pipe: EOF": runc's
# debug log shows nsexec dying on "failed to update /proc/self/oom_score_adj: Permission denied".
# CRI asks for -998 for the sandbox (-997 for Guaranteed pods), and lowering oom_score_adj below
# the current value needs CAP_SYS_RESOURCE, which some hosts take from the bounding set of every
# process (this machine's CapBnd is 000001fffeffffff: bit 24, CAP_SYS_RESOURCE, is missing, so
# not even root can write -1). containerd's restrict_oom_score_adj exists for such hosts: the score
# becomes max(requested, containerd's own); kubelet, likewise, cannot take -999 for itself and says
# so in its log. Where the capability is there, the scores are Kubernetes' usual ones.
restrict_oom=false
if (( (0x$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status) >> 24 & 1) == 0 )); then
  restrict_oom=true
  echo "local-node: no CAP_SYS_RESOURCE on this host: containers keep oom_score_adj >= containerd's" >&2
fi

# containerd, private to DIR: its own root, state and socket; the CRI plugin on.
mkdir -p "$ctrd" "$dir/cni/net.d" "$dir/cni/ipam" "$dir/kubelet"
cat >"$ctrd/config.toml" <<EOF
version = 2
root = "$ctrd/root"
state = "$ctrd/state"
[grpc]
  address = "$sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  netns_mounts_under_state_dir = true
  restrict_oom_score_adj = $restrict_oom
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$ctrd/certs.d"
EOF
cat >"$dir/cni/net.d/10-sifkube.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "sifkube-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$pod_cidr"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$dir/cni/ipam"
      }
    }
  ]
}
EOF
setsid containerd --config "$ctrd/config.toml" >"$dir/containerd.log" 2>&1 &
echo $! >"$dir/containerd.pid"
for _ in $(seq 100); do
  ctr --address "$sock" version >/dev/null 2>&1 && break
  sleep 0.1
done
ctr --address "$sock" version >/dev/null 2>&1 || {
  echo "local-node: containerd did not start; see $dir/containerd.log" >&2
  tail -5 "$dir/containerd.log" >&2
  exit 1
}

# The sandbox image: one layer holding the static `pause`, loaded straight into containerd.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/rootfs" "$work/layout/blobs/sha256"
cp "$bin/pause" "$work/rootfs/pause"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/rootfs" -cf "$work/layer.tar" pause
blob() { # FILE MEDIATYPE -> descriptor
  local d
  d=$(sha256sum "$1" | cut -d' ' -f1)
  cp "$1" "$work/layout/blobs/sha256/$d"
  jq -cn --arg t "$2" --arg d "sha256:$d" --argjson s "$(stat -c %s "$1")" '{mediaType: $t, digest: $d, size: $s}'
}
layer=$(blob "$work/layer.tar" application/vnd.oci.image.layer.v1.tar)
jq -cn --arg d "$(jq -r .digest <<<"$layer")" \
  '{architecture: "amd64", os: "linux", config: {Entrypoint: ["/pause"], User: "65535:65535"},
    rootfs: {type: "layers", diff_ids: [$d]}}' >"$work/config.json"
config=$(blob "$work/config.json" application/vnd.oci.image.config.v1+json)
jq -cn --argjson c "$config" --argjson l "$layer" \
  '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: $c, layers: [$l]}' \
  >"$work/manifest.json"
manifest=$(blob "$work/manifest.json" application/vnd.oci.image.manifest.v1+json)
jq -cn --argjson m "$manifest" '{schemaVersion: 2, manifests: [$m + {annotations: {"org.opencontainers.image.ref.name": "3.4.1"}}]}' \
  >"$work/layout/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' >"$work/layout/oci-layout"
skopeo copy --quiet "oci:$work/layout:3.4.1" "docker-archive:$work/pause.tar:$pause_image"
ctr --address "$sock" --namespace k8s.io images import "$work/pause.tar" >/dev/null

# kubelet: cgroupfs, no QoS cgroup tree and no allocatable enforcement (the host's cgroups are
# shared with everything else this machine runs), no swap check, its state in DIR. Its API
# (logs, exec) takes only clients certified by the cluster's CA: the API server.
setsid "$bin/kubelet" --kubeconfig "$dir/node.kubeconfig" \
  --container-runtime remote --container-runtime-endpoint "unix://$sock" \
  --cgroup-driver cgroupfs --cgroups-per-qos=false --enforce-node-allocatable="" --fail-swap-on=false \
  --root-dir "$dir/kubelet" --cert-dir "$dir/kubelet/pki" --volume-plugin-dir "$dir/kubelet/plugins-exec" \
  --hostname-override "$NODE_NAME" --node-ip "$HOST_IP" \
  --client-ca-file "$dir/pki/ca.crt" --anonymous-auth=false --authorization-mode AlwaysAllow \
  --read-only-port 0 --healthz-port 0 \
  --image-gc-high-threshold 100 --image-gc-low-threshold 99 \
  --eviction-hard 'memory.available<100Mi,nodefs.available<1%,imagefs.available<1%' \
  --resolv-conf /etc/resolv.conf --v 2 >"$dir/kubelet.log" 2>&1 &
echo $! >"$dir/kubelet.pid"

setsid "$bin/kube-proxy" --kubeconfig "$dir/admin.kubeconfig" --hostname-override "$NODE_NAME" \
  --proxy-mode iptables --cluster-cidr "$pod_cidr" \
  --conntrack-max-per-core 0 --conntrack-tcp-timeout-established 0 --conntrack-tcp-timeout-close-wait 0 \
  --healthz-bind-address 127.0.0.1:10256 --metrics-bind-address 127.0.0.1:10249 >"$dir/kube-proxy.log" 2>&1 &
echo $! >"$dir/kube-proxy.pid"

setsid "$bin/kube-scheduler" --kubeconfig "$dir/admin.kubeconfig" --leader-elect=false \
  --port 0 --secure-port 0 >"$dir/kube-scheduler.log" 2>&1 &
echo $! >"$dir/kube-scheduler.pid"

echo "NODE_PIDS=kubelet,kube-proxy,kube-scheduler,containerd" >"$dir/node.env"
ready=
for _ in $(seq 600); do
  s=$("$bin/kubectl" --kubeconfig "$dir/admin.kubeconfig" get node "$NODE_NAME" \
    -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null || true)
  if [[ $s == True ]]; then
    ready=yes
    break
  fi
  for c in containerd kubelet kube-proxy kube-scheduler; do
    kill -0 "$(cat "$dir/$c.pid")" 2>/dev/null || {
      echo "local-node: $c exited; from $dir/$c.log:" >&2
      grep -m5 '^F[0-9]' "$dir/$c.log" >&2 || tail -20 "$dir/$c.log" >&2
      exit 1
    }
  done
  sleep 0.2
done
[[ -n $ready ]] || {
  echo "local-node: node $NODE_NAME not Ready after 120 s; see $dir/kubelet.log" >&2
  exit 1
}
echo "local-node: node $NODE_NAME Ready (pods on $bridge $pod_cidr, containerd at $sock)"
