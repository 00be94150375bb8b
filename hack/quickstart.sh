#!/usr/bin/env bash
# Quickstart, the main job on one machine: install the dependencies, build Sifkube, start a local
# Kubernetes control plane (etcd + kube-apiserver + kube-controller-manager, built once from
# Debian's source package), a local registry holding a sample image, a siflet (registering SifNode
# "local-node") and the operator, then `kubectl apply -f examples/hello-sifrun.yaml` and show the
# SifRun reaching Succeeded with its output. Everything is left running; the last line says how to
# stop it. Run as root on Debian 12.
#
#   hack/quickstart.sh          start (or restart) everything and run the example
#   hack/quickstart.sh stop     stop everything the quickstart started
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=${QUICKSTART_DIR:-/var/tmp/sifkube-quickstart}
port=${QUICKSTART_REGISTRY_PORT:-15000} # examples/hello-sifrun.yaml pulls from 127.0.0.1:15000

stop() {
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
echo "== building Sifkube"
mvn -B -q package -DskipTests
echo "== building the local control plane's binaries (once; cached in /var/cache/sifkube)"
bash hack/kube-control-plane.sh build
stop
rm -rf "$work"
mkdir -p "$work"

echo "== starting the control plane"
CLUSTER_USERS="sifkube-operator siflet-local" bash hack/local-cluster.sh up "$work/cluster"
# shellcheck disable=SC1091
source "$work/cluster/cluster.env"
export KUBECONFIG
kubectl=$KUBECTL
$kubectl apply -f crds/ >/dev/null
$kubectl apply -f deploy/rbac.yaml >/dev/null
$kubectl create namespace sifkube-system >/dev/null
$kubectl create clusterrolebinding sifkube-operator --clusterrole=sifkube-operator --user=sifkube-operator >/dev/null
$kubectl create clusterrolebinding sifkube-siflet --clusterrole=sifkube-siflet --user=siflet-local >/dev/null
$kubectl wait --for condition=established --timeout 60s crd/sifruns.sifkube.io >/dev/null

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

echo "== starting siflet and the operator"
pki="$work/pki"
mkdir -p "$pki"
(
  cd "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
    -subj /CN=sifkube-quickstart-ca -days 30 2>/dev/null
  # Distinct certificates, each for its role only: siflet's serves, the operator's is a client's
  # (and its name, sifkube-operator, is the one siflet's --allowed-clients lets call).
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n' >siflet.ext
  printf 'subjectAltName=DNS:sifkube-operator\nextendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n' >operator.ext
  for n in siflet operator; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key -out $n.csr -subj /CN=$n 2>/dev/null
    openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $n.crt -days 30 -extfile $n.ext 2>/dev/null
  done
)
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
for _ in $(seq 300); do
  [[ $($kubectl get sifnode local-node -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]] && break
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
[[ $phase == Succeeded ]] || { echo "quickstart: the run did not succeed; see $work/operator.log and $work/siflet.log" >&2; exit 1; }
echo "Running: control plane, registry, siflet and operator (logs in $work)."
echo "Try: KUBECONFIG=$KUBECONFIG $kubectl get sifruns,sifnodes   Stop everything: hack/quickstart.sh stop"
