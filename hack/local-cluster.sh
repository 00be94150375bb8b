#!/usr/bin/env bash
# A real Kubernetes control plane on loopback: etcd + kube-apiserver + kube-controller-manager
# (garbage collection, namespace deletion), with token authentication and RBAC, on free ports, and
# with --node one node that runs pods (hack/local-node.sh: kubelet, containerd, kube-proxy and
# kube-scheduler). The binaries come from hack/kube-control-plane.sh (built once, cached).
#
#   hack/local-cluster.sh up DIR [--node]
#                                    start; writes DIR/cluster.env and one kubeconfig per user:
#                                    DIR/admin.kubeconfig (system:masters), DIR/<user>.kubeconfig
#                                    for each name in $CLUSTER_USERS (no rights until RBAC grants)
#   hack/local-cluster.sh down DIR   stop everything started by `up DIR`
#
# Without --node: run as root or not; nothing outside DIR is touched. With --node: root; the API
# server then also listens on the host's address (pods reach it through the `kubernetes` Service)
# and authorises the node's kubelet with the Node authorizer; see hack/local-node.sh for what the
# node touches outside DIR.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
node=${3:-}
[[ -n $cmd && -n $dir && ( -z $node || $node == --node ) ]] || {
  echo "usage: $0 up DIR [--node] | down DIR" >&2
  exit 2
}
root="$(cd "$(dirname "$0")/.." && pwd)"

stop() {
  if [[ -f "$dir/node.env" ]]; then
    bash "$root/hack/local-node.sh" down "$dir"
  fi
  for c in kube-controller-manager kube-apiserver etcd; do
    if [[ -f "$dir/$c.pid" ]]; then
      kill "$(cat "$dir/$c.pid")" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$(cat "$dir/$c.pid")" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$(cat "$dir/$c.pid")" 2>/dev/null || true
      rm -f "$dir/$c.pid"
    fi
  done
}

if [[ $cmd == down ]]; then
  stop
  exit 0
fi
[[ $cmd == up ]] || { echo "usage: $0 up|down DIR" >&2; exit 2; }

bash "$root/hack/kube-control-plane.sh" build >/dev/null
bin="$(bash "$root/hack/kube-control-plane.sh" path)"
command -v etcd >/dev/null || { echo "needs etcd (apt-get install etcd-server)" >&2; exit 1; }
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
stop

# Ports below the kernel's ephemeral range: a port in it that is free now may be taken as the source
# port of an outgoing connection (the API server's own to etcd) before the server binds it, which
# failed a CI run with "bind: address already in use".
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() {
  local p
  while :; do
    if ((ephemeral_low > 21000)); then
      p=$(shuf -i "20000-$((ephemeral_low - 1))" -n 1)
    else
      p=$(shuf -i 20000-60000 -n 1)
    fi
    (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

# With a node, the API server must be reachable from pods: on the host's address (the source
# address of the default route), which kube-proxy's `kubernetes` Service leads to.
host_ip=
bind=127.0.0.1
authz=RBAC
controllers=namespace,garbagecollector,serviceaccount,serviceaccount-token
if [[ -n $node ]]; then
  host_ip=$(ip -4 route get 1.1.1.1 2>/dev/null | sed -n 's/.* src \([0-9.]*\).*/\1/p')
  [[ -n $host_ip ]] || { echo "local-cluster: --node needs a non-loopback IPv4 address" >&2; exit 1; }
  bind=0.0.0.0
  authz=Node,RBAC
  # Deployments, ReplicaSets, DaemonSets, Endpoints and the node's lifecycle besides.
  controllers='*'
  rm -f "$dir/pki/apiserver.crt" # its names depend on the host's address
fi

# PKI: a CA for serving and client certificates, the API server's certificate, the service
# account signing key.
pki="$dir/pki"
mkdir -p "$pki"
if [[ ! -f "$pki/apiserver.crt" || ! -f "$pki/kubelet-client.crt" ]]; then
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 \
      -subj /CN=sifkube-local-ca 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr \
      -subj /CN=kube-apiserver 2>/dev/null
    # 10.96.0.1: the `kubernetes` Service, through which pods reach the API server.
    printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes.default.svc%s\n' \
      "${host_ip:+,IP:$host_ip}" >san.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -out apiserver.crt -days 30 -extfile san.ext 2>/dev/null
    # The API server's client certificate for kubelets (logs, exec), which trust this CA.
    openssl req -newkey rsa:2048 -nodes -keyout kubelet-client.key -out kubelet-client.csr \
      -subj /CN=kube-apiserver-kubelet-client/O=system:masters 2>/dev/null
    openssl x509 -req -in kubelet-client.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
      -out kubelet-client.crt -days 30 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
fi

# Static tokens: admin in system:masters; the others only what RBAC gives them.
# The node's kubelet is system:node:NAME in system:nodes, which the Node authorizer serves.
users=(admin ${CLUSTER_USERS:-})
node_name=$(hostname | tr '[:upper:]' '[:lower:]')
[[ -z $node ]] || users+=("system:node:$node_name")
: >"$dir/tokens.csv"
for u in "${users[@]}"; do
  t=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  if [[ $u == admin ]]; then
    echo "$t,admin,admin,system:masters" >>"$dir/tokens.csv"
  elif [[ $u == system:node:* ]]; then
    echo "$t,$u,$u,system:nodes" >>"$dir/tokens.csv"
  else
    echo "$t,$u,$u" >>"$dir/tokens.csv"
  fi
done

# An audit log of every request's metadata (who, verb, resource, when): tests count the requests
# each component makes, which the API server's metrics cannot attribute to a client.
cat >"$dir/audit-policy.yaml" <<'POLICY'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
POLICY

etcd_port=$(free_port)
peer_port=$(free_port)
api_port=$(free_port)

setsid etcd --name local --data-dir "$dir/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
  --initial-cluster "local=http://127.0.0.1:$peer_port" >"$dir/etcd.log" 2>&1 &
echo $! >"$dir/etcd.pid"

setsid "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address "$bind" --advertise-address "${host_ip:-127.0.0.1}" --secure-port "$api_port" \
  --insecure-port 0 \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" --token-auth-file "$dir/tokens.csv" --anonymous-auth=false \
  --authorization-mode "$authz" --enable-admission-plugins NodeRestriction \
  --kubelet-client-certificate "$pki/kubelet-client.crt" --kubelet-client-key "$pki/kubelet-client.key" \
  --allow-privileged=true \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-account-issuer https://kubernetes.default.svc --service-cluster-ip-range 10.96.0.0/24 \
  --audit-policy-file "$dir/audit-policy.yaml" --audit-log-path "$dir/audit.log" \
  --audit-log-format json --audit-log-maxsize 200 --audit-log-maxbackup 1 \
  >"$dir/kube-apiserver.log" 2>&1 &
echo $! >"$dir/kube-apiserver.pid"

kubeconfig() { # USER TOKEN FILE
  cat >"$3" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority: $pki/ca.crt
users:
- name: $1
  user:
    token: $2
contexts:
- name: $1@local
  context:
    cluster: local
    user: $1
current-context: $1@local
EOF
  chmod 600 "$3"
}
while IFS=, read -r token user _; do
  if [[ $user == system:node:* ]]; then
    kubeconfig "$user" "$token" "$dir/node.kubeconfig"
  else
    kubeconfig "$user" "$token" "$dir/$user.kubeconfig"
  fi
done <"$dir/tokens.csv"

admin_token=$(grep ',admin,' "$dir/tokens.csv" | cut -d, -f1)
ready=
for _ in $(seq 600); do
  if curl -fsk -H "Authorization: Bearer $admin_token" "https://127.0.0.1:$api_port/readyz" >/dev/null 2>&1; then
    ready=yes
    break
  fi
  kill -0 "$(cat "$dir/kube-apiserver.pid")" 2>/dev/null || break
  sleep 0.1
done
if [[ -z $ready ]]; then
  echo "local-cluster: kube-apiserver did not become ready; last lines of $dir/kube-apiserver.log:" >&2
  tail -20 "$dir/kube-apiserver.log" >&2
  stop
  exit 1
fi

setsid "$bin/kube-controller-manager" --kubeconfig "$dir/admin.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port 0 --port 0 --leader-elect=false \
  --controllers "$controllers" \
  --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
  >"$dir/kube-controller-manager.log" 2>&1 &
echo $! >"$dir/kube-controller-manager.pid"

cat >"$dir/cluster.env" <<EOF
API_SERVER=https://127.0.0.1:$api_port
KUBECONFIG=$dir/admin.kubeconfig
KUBECTL=$bin/kubectl
ETCD_PORT=$etcd_port
EOF
if [[ -n $node ]]; then
  echo "HOST_IP=$host_ip" >>"$dir/cluster.env"
  echo "NODE_NAME=$node_name" >>"$dir/cluster.env"
  if ! bash "$root/hack/local-node.sh" up "$dir"; then
    stop
    exit 1
  fi
fi
echo "local-cluster: up at https://127.0.0.1:$api_port (KUBECONFIG=$dir/admin.kubeconfig, kubectl: $bin/kubectl)"
