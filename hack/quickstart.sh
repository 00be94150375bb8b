#!/usr/bin/env bash
# Quickstart, the main job on one machine: install the dependencies, build Sifkube, start a local
# Kubernetes control plane (etcd + kube-apiserver + kube-controller-manager, built once from
# Debian's source package), a local registry holding a sample image, Sifkube, then
# `kubectl apply -f examples/hello-sifrun.yaml` and show the SifRun reaching Succeeded with its
# output. Everything is left running; the last line says how to stop it. Run as root on Debian 12.
#
#   hack/quickstart.sh          Sifkube as host processes: a siflet (registering SifNode
#                               "local-node") and the operator, beside a control plane without
#                               nodes. Quick (no images to build); works wherever crun or runc
#                               does, including hosts where kubelet cannot run.
#   hack/quickstart.sh --helm   as a platform team installs it: the control plane gains a node
#                               (kubelet, containerd, kube-proxy, kube-scheduler; hack/local-node.sh),
#                               the operator and siflet images are built (hack/images.sh) and pushed
#                               to the local registry, and `helm install charts/sifkube` runs them:
#                               the operator Deployment (2 replicas) and the siflet DaemonSet, which
#                               runs SifRuns with crun on the host. A few minutes more the first time.
#   hack/quickstart.sh stop     stop everything the quickstart started
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${QUICKSTART_DIR:-/var/tmp/sifkube-quickstart}
port=${QUICKSTART_REGISTRY_PORT:-15000} # examples/hello-sifrun.yaml pulls from 127.0.0.1:15000
mode=host
[[ ${1:-} == --helm ]] && mode=helm

stop() {
  if [[ -f "$work/helm-mode" && -f "$work/cluster/cluster.env" ]]; then
    # helm uninstall cleans the node up (its pre-delete hook stops siflet, which removes the
    # containers, mounts and state); then the node and control plane go.
    KUBECONFIG="$work/cluster/admin.kubeconfig" bash hack/helm.sh uninstall sifkube -n sifkube-system \
      >/dev/null 2>&1 || true
  fi
  for p in operator siflet registry; do
    if [[ -f "$work/$p.pid" ]]; then
      kill "$(cat "$work/$p.pid")" 2>/dev/null || true
      rm -f "$work/$p.pid"
    fi
  done
  sleep 1
  # siflet leaves containers running by design; the quickstart's own go with it.
  if [[ -d "$work/siflet/state" ]]; then
    for id in $(ls "$work/siflet/state/records" 2>/dev/null | sed 's/\.json$//'); do
      crun --root "$work/siflet/run/runtime/crun" delete --force "$id" 2>/dev/null || true
      runc --root "$work/siflet/run/runtime/runc" delete --force "$id" 2>/dev/null || true
    done
    grep -o "$work/siflet/run/[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  fi
  bash hack/local-cluster.sh down "$work/cluster" 2>/dev/null || true
}

if [[ ${1:-} == stop ]]; then
  stop
  echo "quickstart: stopped (state left in $work)"
  exit 0
fi

bash hack/install-deps.sh
if [[ -z ${QUICKSTART_SKIP_BUILD:-} ]]; then
  echo "== building Sifkube"
  mvn -B -q package -DskipTests
fi
echo "== building the local control plane's binaries (once; cached in /var/cache/sifkube)"
bash hack/kube-control-plane.sh build
stop
rm -rf "$work"
mkdir -p "$work"
if [[ $mode == helm ]]; then
  echo "== building the operator and siflet images (hack/images.sh; the Debian base is cached)"
  bash hack/images.sh "$work/images"
  touch "$work/helm-mode"
  echo "== starting the control plane and its node (kubelet, containerd, kube-proxy, kube-scheduler)"
  bash hack/local-cluster.sh up "$work/cluster" --node
else
  echo "== starting the control plane"
  CLUSTER_USERS="sifkube-operator siflet-local" bash hack/local-cluster.sh up "$work/cluster"
fi
# shellcheck disable=SC1091
source "$work/cluster/cluster.env"
export KUBECONFIG
kubectl=$KUBECTL
if [[ $mode == host ]]; then
  $kubectl apply -f crds/ >/dev/null
  $kubectl apply -f deploy/rbac.yaml >/dev/null
  $kubectl create namespace sifkube-system >/dev/null
  $kubectl create clusterrolebinding sifkube-operator --clusterrole=sifkube-operator --user=sifkube-operator >/dev/null
  $kubectl create clusterrolebinding sifkube-siflet --clusterrole=sifkube-siflet --user=siflet-local >/dev/null
  $kubectl wait --for condition=established --timeout 60s crd/sifruns.sifkube.io >/dev/null
fi

echo "== starting a registry on 127.0.0.1:$port with the sample image"
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
  "$work/registry" "$port" >"$work/registry.yml"
setsid docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
echo $! >"$work/registry.pid"
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
rootfs="$work/rootfs"
mkdir -p "$rootfs/bin" "$rootfs/etc"
cp /bin/busybox "$rootfs/bin/busybox"
for c in sh echo cat uname hostname; do ln -sf busybox "$rootfs/bin/$c"; done
# What ran it is the node's choice (crun where it can run, else runc): the message names no runtime.
echo "Hello from a SifRun: an OCI-SIF pulled and run by siflet with the node's OCI runtime (kubectl get sifnodes -o wide shows which)" >"$rootfs/etc/motd"
umoci init --layout "$work/layout" && umoci new --image "$work/layout:1"
# (umoci insert of a whole tree at / writes a truncated layer; unpack + repack does not)
umoci unpack --image "$work/layout:1" "$work/bundle" >/dev/null
cp -a "$rootfs/." "$work/bundle/rootfs/"
umoci repack --image "$work/layout:1" "$work/bundle"
umoci config --image "$work/layout:1" --config.cmd /bin/cat --config.cmd /etc/motd
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:1" "docker://127.0.0.1:$port/sifkube/hello:1"

pki="$work/pki"
mkdir -p "$pki"
(
  cd "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
    -subj /CN=sifkube-quickstart-ca -days 30 2>/dev/null
  # Distinct certificates, each for its role only: siflet's serves, the operator's is a client's
  # (and its name, sifkube-operator, is the one siflet's --allowed-clients lets call).
  # 127.0.0.1 for the host siflet; siflet.sifkube.internal, the chart's operator.sifletServerName,
  # for the DaemonSet's (one certificate for every node).
  printf 'subjectAltName=IP:127.0.0.1,DNS:siflet.sifkube.internal\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n' >siflet.ext
  printf 'subjectAltName=DNS:sifkube-operator\nextendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n' >operator.ext
  for n in siflet operator; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key -out $n.csr -subj /CN=$n 2>/dev/null
    openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $n.crt -days 30 -extfile $n.ext 2>/dev/null
  done
)

if [[ $mode == helm ]]; then
  version=$(sed -n 's/^version=//p' node-runtime/target/classes/io/sifkube/version.properties)
  echo "== pushing the images to 127.0.0.1:$port and installing the chart (helm install)"
  for n in operator siflet; do
    skopeo copy -q --dest-tls-verify=false "oci:$work/images/$n:$version" \
      "docker://127.0.0.1:$port/sifkube/$n:$version"
  done
  bash hack/local-node.sh registry "$work/cluster" "127.0.0.1:$port"
  # crun 1.8 refuses hybrid-cgroup hosts whose v2 hierarchy holds hugetlb; give it a v1 one.
  if [[ -s /sys/fs/cgroup/unified/cgroup.controllers ]]; then
    for c in $(cat /sys/fs/cgroup/unified/cgroup.controllers); do
      mkdir -p "/sys/fs/cgroup/$c" && mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
    done
  fi
  $kubectl create namespace sifkube-system >/dev/null
  for n in operator siflet; do
    $kubectl -n sifkube-system create secret generic "sifkube-$n-tls" --type kubernetes.io/tls \
      --from-file=tls.crt="$pki/$n.crt" --from-file=tls.key="$pki/$n.key" --from-file=ca.crt="$pki/ca.crt" >/dev/null
  done
  bash hack/helm.sh install sifkube charts/sifkube -n sifkube-system --wait --timeout 300 \
    --set operator.image.repository="127.0.0.1:$port/sifkube/operator" --set operator.image.tag="$version" \
    --set siflet.image.repository="127.0.0.1:$port/sifkube/siflet" --set siflet.image.tag="$version" \
    --set siflet.stateDir="$work/node/state" --set siflet.runDir=/run/sifkube/quickstart \
    --set siflet.socketDir="$work/node"
  $kubectl -n sifkube-system get deploy,ds,pods -o wide
  node=$NODE_NAME
else
echo "== starting siflet and the operator"
mkdir -p "$work/siflet"
setsid bin/siflet --state-dir "$work/siflet/state" --run-dir "$work/siflet/run" --socket "$work/siflet/siflet.sock" \
  --listen 127.0.0.1:0 --tls-ca "$pki/ca.crt" --tls-cert "$pki/siflet.crt" --tls-key "$pki/siflet.key" \
  --allowed-clients sifkube-operator \
  --kubeconfig "$work/cluster/siflet-local.kubeconfig" --node-name local-node \
  >"$work/siflet.log" 2>&1 &
echo $! >"$work/siflet.pid"
setsid bin/sifkube-operator --kubeconfig "$work/cluster/sifkube-operator.kubeconfig" \
  --tls-ca "$pki/ca.crt" --tls-cert "$pki/operator.crt" --tls-key "$pki/operator.key" \
  >"$work/operator.log" 2>&1 &
echo $! >"$work/operator.pid"
node=local-node
fi
for _ in $(seq 300); do
  [[ $($kubectl get sifnode "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]] && break
  sleep 0.2
done
$kubectl get sifnodes

echo "== kubectl apply -f examples/hello-sifrun.yaml"
$kubectl apply -f examples/hello-sifrun.yaml
phase=
for _ in $(seq 600); do
  phase=$($kubectl get sifrun hello -o jsonpath='{.status.phase}')
  [[ $phase == Succeeded || $phase == Failed ]] && break
  sleep 0.2
done
$kubectl get sifruns
echo "-- output (status.outputTail):"
$kubectl get sifrun hello -o jsonpath='{.status.outputTail}'
echo
if [[ $mode == helm ]]; then
  [[ $phase == Succeeded ]] || {
    echo "quickstart: the run did not succeed; see kubectl -n sifkube-system logs deploy/sifkube-operator and ds/sifkube-siflet" >&2
    exit 1
  }
  echo "Running: control plane and node, registry, and Sifkube installed by Helm (release sifkube in sifkube-system)."
  echo "Try: KUBECONFIG=$KUBECONFIG $kubectl -n sifkube-system get pods; $kubectl get sifruns,sifnodes   Stop everything: hack/quickstart.sh stop"
  exit 0
fi
[[ $phase == Succeeded ]] || { echo "quickstart: the run did not succeed; see $work/operator.log and $work/siflet.log" >&2; exit 1; }
echo "Running: control plane, registry, siflet and operator (logs in $work)."
echo "Try: KUBECONFIG=$KUBECONFIG $kubectl get sifruns,sifnodes   Stop everything: hack/quickstart.sh stop"
