# Shared by the operator benchmarks: the local control plane, a registry holding a busybox image,
# two siflets and the operator on this machine, the image cached on both nodes (SifImage busybox).
# Sourced from the checkout's root with root and work (a scratch directory) set; builds the
# checkout and sets classpath (the e2e test classes, for io.sifkube.bench), k (kubectl), source,
# operator (its PID), pids (every process started; pids[1] and pids[2] are the siflets) and
# runs_tmp, and cleans all of it up on exit. OPERATOR_ARGS adds operator flags.

mvn -B -q install -DskipTests && mvn -B -q test-compile -pl e2e
bash hack/kube-control-plane.sh build >/dev/null
classpath="$root/e2e/target/test-classes:$(cd e2e && mvn -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout)"
# The siflets' run directories go to a tmpfs, as /run is on a systemd host (not on this machine).
runs_tmp="${RUN_BASE:-/dev/shm}/sifkube-operator-bench-run"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 2
  for n in a b; do
    for id in $(ls "$work/node-$n/state/records" 2>/dev/null | sed 's/\.json$//'); do
      crun --root "$runs_tmp/node-$n/runtime/crun" delete --force "$id" 2>/dev/null || true
    done
  done
  grep -o "$runs_tmp/node-[ab]/[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  bash hack/local-cluster.sh down "$work/cluster" 2>/dev/null || true
}
trap cleanup EXIT
rm -rf "$work" "$runs_tmp"
mkdir -p "$work"
CLUSTER_USERS="sifkube-operator siflet-a siflet-b" bash hack/local-cluster.sh up "$work/cluster" >/dev/null
# shellcheck disable=SC1091
source "$work/cluster/cluster.env"
export KUBECONFIG
k=$KUBECTL
$k apply -f crds/ >/dev/null && $k apply -f deploy/rbac.yaml >/dev/null
$k create namespace sifkube-system >/dev/null
$k create clusterrolebinding sifkube-operator --clusterrole=sifkube-operator --user=sifkube-operator >/dev/null
$k create clusterrolebinding sifkube-siflet --clusterrole=sifkube-siflet --user=siflet-a --user=siflet-b >/dev/null
$k wait --for condition=established --timeout 60s crd/sifruns.sifkube.io >/dev/null

port=$(shuf -i 20000-60000 -n 1)
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
  "$work/registry" "$port" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/" && for c in sh true sleep; do ln -s busybox "$work/rootfs/bin/$c"; done
umoci init --layout "$work/layout" && umoci new --image "$work/layout:1"
umoci unpack --image "$work/layout:1" "$work/bundle" >/dev/null
cp -a "$work/rootfs/." "$work/bundle/rootfs/" && umoci repack --image "$work/layout:1" "$work/bundle"
umoci config --image "$work/layout:1" --config.entrypoint /bin/sh --config.entrypoint -c
skopeo copy -q --dest-tls-verify=false "oci:$work/layout:1" "docker://127.0.0.1:$port/bench/busybox:1"
source="docker://127.0.0.1:$port/bench/busybox:1"

pki="$work/pki"
mkdir -p "$pki"
(
  cd "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -subj /CN=ca -days 2 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
  for n in siflet operator; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key -out $n.csr -subj /CN=$n 2>/dev/null
    openssl x509 -req -in $n.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $n.crt -days 2 -extfile san.ext 2>/dev/null
  done
)
for n in a b; do
  mkdir -p "$work/node-$n"
  bin/siflet --state-dir "$work/node-$n/state" --run-dir "$runs_tmp/node-$n" --socket "$work/node-$n/siflet.sock" --listen 127.0.0.1:0 \
    --tls-ca "$pki/ca.crt" --tls-cert "$pki/siflet.crt" --tls-key "$pki/siflet.key" --allowed-clients operator \
    --kubeconfig "$work/cluster/siflet-$n.kubeconfig" --node-name "node-$n" --lease-namespace sifkube-system \
    >"$work/siflet-$n.log" 2>&1 &
  pids+=($!)
done
bin/sifkube-operator --kubeconfig "$work/cluster/sifkube-operator.kubeconfig" \
  --tls-ca "$pki/ca.crt" --tls-cert "$pki/operator.crt" --tls-key "$pki/operator.key" ${OPERATOR_ARGS:-} >"$work/operator.log" 2>&1 &
operator=$!
pids+=($operator)
for _ in $(seq 300); do
  [[ $($k get sifnodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True) == 2 ]] && break
  sleep 0.2
done
# Cache the image on both nodes.
printf 'apiVersion: sifkube.io/v1alpha1\nkind: SifImage\nmetadata: {name: busybox}\nspec: {source: "%s", prePull: {}}\n' "$source" | $k apply -f - >/dev/null
for _ in $(seq 300); do
  [[ $($k get sifimage busybox -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') == True ]] && break
  sleep 0.2
done

