#!/usr/bin/env bash
# Builds the container images of the operator and of siflet from Debian packages and this
# checkout's build (run `mvn -B package -DskipTests` first), reproducibly: the same sources and the
# same base give the same digests. For each of operator and siflet, under OUT (default
# target/images):
#   NAME/            an OCI image layout, tag VERSION   (skopeo copy oci:OUT/NAME:VERSION docker://...)
#   NAME.tar         the same image as a docker archive (podman load, docker load)
#   NAME.digest      the manifest digest
# The base (layer 1) is a Debian bookworm root file system made by mmdebstrap with
# SOURCE_DATE_EPOCH, the JRE for both and, for siflet, crun, runc, conmon, squashfs-tools(-ng),
# squashfuse, fuse-overlayfs; it is cached in /var/cache/sifkube/images by the hash of its recipe
# (rebuild it with --rebuild-base to take Debian's updates). Java's cacerts is regenerated with
# the clock fixed: keytool writes each entry's creation time, the one thing that differed between
# two otherwise identical builds. Layer 2 holds /opt/sifkube (launcher and jars) and
# /usr/share/sifkube/packages.txt, the base's Debian packages and versions. Labels:
# org.opencontainers.image.{source,revision,version,created,title}. Run as root (mmdebstrap).
#
# Usage: hack/images.sh [--rebuild-base] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
rebuild=0
if [[ ${1:-} == --rebuild-base ]]; then
  rebuild=1
  shift
fi
out=$(realpath -m "${1:-target/images}")
cache=${SIFKUBE_IMAGE_CACHE:-/var/cache/sifkube/images}
mirror=${SIFKUBE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
props=node-runtime/target/classes/io/sifkube/version.properties
for f in $props operator/target/sifkube-operator.jar node-runtime/target/sifkube-node-runtime.jar; do
  [[ -f $f ]] || { echo "images: $f missing; run: mvn -B -q package -DskipTests" >&2; exit 1; }
done
version=$(sed -n 's/^version=//p' "$props")
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
# The commit's time: the same commit gives the same "created" and the same layer times.
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
source_url=https://github.com/sifkube/sifkube

# base NAME PACKAGES: prints the cached base tar for these packages, making it if needed.
base() {
  local name=$1 packages=$2
  local recipe="bookworm essential $packages cacerts-fixed-clock v1"
  local key
  key=$(printf '%s' "$recipe" | sha256sum | cut -c1-16)
  local tar="$cache/base-$name-$key.tar"
  if [[ $rebuild == 1 || ! -f $tar ]]; then
    mkdir -p "$cache"
    echo "images: making the $name base from Debian (about a minute)" >&2
    SOURCE_DATE_EPOCH=1764547200 mmdebstrap --quiet --variant=essential --mode=root --format=tar \
      --include="$packages,libfaketime" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' \
      --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
      --customize-hook='rm -f "$1/etc/ssl/certs/java/cacerts"; chroot "$1" sh -c "ls /etc/ssl/certs/*.pem | LC_ALL=C sort | sed s/^/+/ | env LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 FAKETIME=\"2025-12-01 00:00:00\" java -Xshare:off -cp /usr/share/ca-certificates-java/ca-certificates-java.jar org.debian.security.UpdateCertificates -storepass changeit >/dev/null"' \
      --customize-hook='chroot "$1" dpkg --purge libfaketime >/dev/null' \
      bookworm "$tar.part" "$mirror" >&2
    mv "$tar.part" "$tar"
  fi
  echo "$tar"
}

# blob FILE MEDIATYPE: stores FILE in the layout's blobs, prints its descriptor as JSON.
blob() {
  local f=$1 type=$2 d
  d=$(sha256sum "$f" | cut -d' ' -f1)
  cp "$f" "$layout/blobs/sha256/$d"
  jq -cn --arg t "$type" --arg d "sha256:$d" --argjson s "$(stat -c %s "$f")" \
    '{mediaType: $t, digest: $d, size: $s}'
}

# image NAME BASE_TAR USER ENTRYPOINT JAVA_OPTS_VAR JAVA_OPTS STAGE
image() {
  local name=$1 base_tar=$2 user=$3 entrypoint=$4 opts_var=$5 opts=$6 stage=$7
  layout="$out/$name"
  rm -rf "$layout" "$out/$name.tar" "$work/l"
  mkdir -p "$layout/blobs/sha256" "$work/l"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  # the Debian packages of the base, for whoever audits the image
  mkdir -p "$stage/usr/share/sifkube"
  tar -xOf "$base_tar" ./var/lib/dpkg/status |
    awk '/^Package:/ {p=$2} /^Version:/ {print p, $2}' | LC_ALL=C sort >"$stage/usr/share/sifkube/packages.txt"
  tar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner --format=gnu \
    -C "$stage" -cf "$work/l/app.tar" .
  local diffs=() layers=()
  for t in "$base_tar" "$work/l/app.tar"; do
    diffs+=("sha256:$(sha256sum "$t" | cut -d' ' -f1)")
    gzip -n -6 -c "$t" >"$work/l/layer.gz"
    layers+=("$(blob "$work/l/layer.gz" application/vnd.oci.image.layer.v1.tar+gzip)")
  done
  local labels
  labels=$(jq -cn --arg v "$version" --arg r "$revision" --arg c "$created" --arg s "$source_url" \
    --arg n "sifkube-$name" \
    '{"org.opencontainers.image.source": $s, "org.opencontainers.image.revision": $r,
      "org.opencontainers.image.version": $v, "org.opencontainers.image.created": $c,
      "org.opencontainers.image.title": $n}')
  jq -cn --arg c "$created" --arg u "$user" --arg e "$entrypoint" --arg ov "$opts_var=$opts" \
    --argjson l "$labels" --arg d0 "${diffs[0]}" --arg d1 "${diffs[1]}" \
    '{architecture: "amd64", os: "linux", created: $c,
      config: {User: $u, Entrypoint: [$e], WorkingDir: "/",
               Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", $ov],
               Labels: $l},
      rootfs: {type: "layers", diff_ids: [$d0, $d1]},
      history: [{created: $c, created_by: "mmdebstrap (hack/images.sh)"},
                {created: $c, created_by: "hack/images.sh: /opt/sifkube"}]}' >"$work/l/config.json"
  local config
  config=$(blob "$work/l/config.json" application/vnd.oci.image.config.v1+json)
  jq -cn --argjson c "$config" --argjson l0 "${layers[0]}" --argjson l1 "${layers[1]}" \
    --argjson a "$labels" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: $c, layers: [$l0, $l1], annotations: $a}' >"$work/l/manifest.json"
  local manifest
  manifest=$(blob "$work/l/manifest.json" application/vnd.oci.image.manifest.v1+json)
  jq -cn --argjson m "$manifest" --arg v "$version" \
    '{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [$m + {annotations: {"org.opencontainers.image.ref.name": $v}}]}' \
    >"$layout/index.json"
  jq -r .digest <<<"$manifest" >"$out/$name.digest"
  skopeo copy --quiet "oci:$layout:$version" "docker-archive:$out/$name.tar:sifkube/$name:$version"
  echo "images: sifkube/$name:$version $(cat "$out/$name.digest") in $layout" >&2
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
jre=openjdk-17-jre-headless,ca-certificates
operator_base=$(base operator "$jre")
siflet_base=$(base siflet "$jre,crun,runc,conmon,squashfs-tools,squashfs-tools-ng,squashfuse,fuse-overlayfs,fuse3,util-linux,mount")

# The launchers find their jars relative to themselves, as in a checkout.
s="$work/operator-stage/opt/sifkube"
mkdir -p "$s/bin" "$s/operator/target"
cp bin/sifkube-operator "$s/bin/"
cp -r operator/target/sifkube-operator.jar operator/target/lib "$s/operator/target/"
# Non-root on a read-only root file system (the chart's securityContext): no hsperfdata in /tmp.
image operator "$operator_base" 65532:65532 /opt/sifkube/bin/sifkube-operator \
  SIFKUBE_OPERATOR_JAVA_OPTS "-XX:+UseSerialGC -Xmx256m -XX:TieredStopAtLevel=1 -XX:-UsePerfData" "$work/operator-stage"

s="$work/siflet-stage/opt/sifkube"
mkdir -p "$s/bin" "$s/lib/sifkube"
cp bin/siflet "$s/bin/"
cp -r node-runtime/target/sifkube-node-runtime.jar node-runtime/target/lib "$s/lib/sifkube/"
for d in jna jvm; do # JNA's native half, the JVM's compiler directives
  if [[ -d node-runtime/target/$d ]]; then
    cp -r "node-runtime/target/$d" "$s/lib/sifkube/"
  fi
done
image siflet "$siflet_base" 0:0 /opt/sifkube/bin/siflet \
  SIFLET_JAVA_OPTS "-XX:+UseSerialGC -Xms16m -Xmx384m -XX:MaxMetaspaceSize=128m -Xss512k -XX:-UsePerfData" \
  "$work/siflet-stage"
