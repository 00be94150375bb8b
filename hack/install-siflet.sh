#!/usr/bin/env bash
# Installs siflet on a host outside Kubernetes as a systemd service, from this checkout's build:
#   PREFIX/bin/siflet, PREFIX/lib/sifkube/ (the jar, its libraries, JNA's native part),
#   /etc/sifkube/siflet.conf (0600, kept if present), /etc/sifkube/tls/ (0700, for the TLS files),
#   /var/lib/sifkube (0700, siflet's state), /etc/systemd/system/sifkube-siflet.service.
# It enables nothing: edit siflet.conf, put the certificates and the kubeconfig in place, then
#   systemctl daemon-reload && systemctl enable --now sifkube-siflet
# DESTDIR installs into a staging root (packaging, tests). Needs Java 17+ on the host at run time.
#
# Usage: [DESTDIR=DIR] [PREFIX=/opt/sifkube] hack/install-siflet.sh
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/opt/sifkube}
root=${DESTDIR:-}
target=node-runtime/target
if [[ ! -f $target/sifkube-node-runtime.jar ]]; then
  echo "install-siflet: not built yet; run: mvn -B -q package -DskipTests" >&2
  exit 1
fi

install -d -m 0755 "$root$prefix/bin" "$root$prefix/lib/sifkube" "$root/etc/sifkube" \
  "$root/etc/systemd/system"
install -d -m 0700 "$root/etc/sifkube/tls" "$root/var/lib/sifkube"
install -m 0755 bin/siflet "$root$prefix/bin/siflet"
rm -rf "$root$prefix/lib/sifkube/"*
cp -r "$target/sifkube-node-runtime.jar" "$target/lib" "$root$prefix/lib/sifkube/"
for d in jna jvm; do # JNA's native half, the JVM's compiler directives
  if [[ -d $target/$d ]]; then
    cp -r "$target/$d" "$root$prefix/lib/sifkube/"
  fi
done
sed "s|/opt/sifkube/|$prefix/|" deploy/systemd/sifkube-siflet.service \
  >"$root/etc/systemd/system/sifkube-siflet.service"
chmod 0644 "$root/etc/systemd/system/sifkube-siflet.service"
if [[ ! -f $root/etc/sifkube/siflet.conf ]]; then
  install -m 0600 /dev/null "$root/etc/sifkube/siflet.conf"
  cat >"$root/etc/sifkube/siflet.conf" <<'CONF'
# siflet's configuration (keys: docs/siflet.md). The operator dials advertise-address over mutual
# TLS; only the clients named in allowed-clients may call.
state-dir=/var/lib/sifkube
socket=/run/sifkube/siflet.sock
listen=0.0.0.0:7443
tls-ca=/etc/sifkube/tls/ca.crt
tls-cert=/etc/sifkube/tls/siflet.crt
tls-key=/etc/sifkube/tls/siflet.key
allowed-clients=sifkube-operator
# The SifNode and its Lease: a kubeconfig that may do only that (ClusterRole sifkube-siflet).
kubeconfig=/etc/sifkube/siflet.kubeconfig
lease-namespace=sifkube-system
# advertise-address=HOST:7443
# node-labels=partition=gpu,site=hpc1
CONF
fi
echo "install-siflet: installed under ${root:-/} (prefix $prefix); edit /etc/sifkube/siflet.conf," \
  "then: systemctl daemon-reload && systemctl enable --now sifkube-siflet"
