#!/usr/bin/env bash
# Prepares the reference SIF data the tests compare against, from Debian, once, cached:
#  - the SIF images and test keys that the reference implementation (sylabs/sif v2.21.0) ships as
#    test data in Debian trixie's golang-github-sylabs-sif-dev (signed by its own test keys);
#  - the reference `siftool`, built from that same package with Go 1.23 from bookworm-backports
#    (the package needs Go >= 1.21; bookworm's own Go is 1.19) and node-runtime/src/test/go/siftool;
#  - `sifverify`, node-runtime/src/test/go/sifverify: signs and verifies with the reference's
#    pkg/integrity (DSSE through sigstore's signers, OpenPGP through ProtonMail's go-crypto, all
#    from trixie's packages), so that the tests check Sifkube's signatures with the reference;
#  - for each NAME.sif what that siftool prints: NAME.header.txt, NAME.list.txt and NAME.info.txt
#    (`siftool info ID` of every object, each after a line `== info ID`), in UTC.
# Packages are fetched as files (nothing is installed, no apt source is added) and each must have
# the SHA-256 pinned below: the pool never changes a published file, so a different digest is an
# error, not an update. Run as any user that can write the cache; idempotent.
#
# Usage: hack/sif-reference.sh [build|path]      (path: print the directory the tests read)
set -euo pipefail
cd "$(dirname "$0")/.."

version=2.21.0
cache=${SIFKUBE_SIF_REFERENCE:-/var/cache/sifkube/sif-reference-$version}
if [[ ${1:-build} == path ]]; then
  echo "$cache"
  exit 0
fi
if [[ -f $cache/.complete && -x $cache/bin/sifverify ]]; then
  echo "sif-reference: cached in $cache"
  exit 0
fi

mirror=${SIFKUBE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
debs=(
  "pool/main/g/golang-github-sylabs-sif/golang-github-sylabs-sif-dev_2.21.0-1_all.deb 3803e46f737d9739c53ea0744a4a53b646e9d4de4237ceb88a5a5708e13c48ed"
  "pool/main/g/go-containerregistry/golang-github-google-go-containerregistry-dev_0.20.1+ds1-1_all.deb 4b7649e6939647fb3c18b6cb2d99973d63926b4276d4f70264c2701bc73e431b"
  "pool/main/g/golang-github-spf13-cobra/golang-github-spf13-cobra-dev_1.8.1-1_all.deb 139ec86efbe938a99ae70a7d695334fdc7c691a617c5739f36932b0de4ecdfd9"
  "pool/main/g/golang-github-spf13-pflag/golang-github-spf13-pflag-dev_1.0.6~git20210604-d5e0c0615ace-1_all.deb bd1c3c2a3e47512a64da02ebea900eb5a3f3c5d386e559d5718a3a935c0ea570"
  "pool/main/g/golang-github-google-uuid/golang-github-google-uuid-dev_1.6.0-1_all.deb dac5a782fcd3baee1e74e6129977d5e6accffa1dcb83ded6de13cb4167b6171d"
  "pool/main/g/golang-1.23/golang-1.23-go_1.23.5-1~bpo12+1_amd64.deb 9469e6c2b37fed52b9dea80e5c614a5392790cfac99de4ca6242857a039097ee"
  "pool/main/g/golang-1.23/golang-1.23-src_1.23.5-1~bpo12+1_all.deb c425bc2e0bdd215e66c963072ceab22d93694a206a04e5a9a252bfc081dbac7b"
  # what pkg/integrity imports, for sifverify (digests checked against trixie's Packages too)
  "pool/main/g/golang-github-protonmail-go-crypto/golang-github-protonmail-go-crypto-dev_1.2.0-1_all.deb e99749ce67b5e8cbd577f48dd4bfb89c7846fb63d163a74a5faf1dfc48267adc"
  "pool/main/g/golang-github-secure-systems-lab-go-securesystemslib/golang-github-secure-systems-lab-go-securesystemslib-dev_0.9.0-1_all.deb a5ad7bd5266188f76ab600cf07be70a982db684632ac1cfaf7682ed85906c1a7"
  "pool/main/g/golang-github-sigstore-sigstore/golang-github-sigstore-sigstore-dev_1.9.3-2_all.deb f1f080b7302318a90e9dd05125ff4a42e90073444f71d4521efe643b5c44889b"
  "pool/main/g/golang-github-cloudflare-circl/golang-github-cloudflare-circl-dev_1.6.1-1_all.deb 61bee97099002c64d36b98f718dc6c4bc120ac81855a0f20f17125f6c2a2ce87"
  "pool/main/g/golang-github-opencontainers-go-digest/golang-github-opencontainers-go-digest-dev_1.0.0-2_all.deb 48c2c1640b2cd816452c8b39ce7f94e0b5043fae3d100876d64495681165413c"
  "pool/main/g/golang-github-sigstore-protobuf-specs/golang-github-sigstore-protobuf-specs-dev_0.4.1-2_all.deb 22050c772a921b1dfd0d640433167318d1202efea6b5beca18ffecec130b3613"
  "pool/main/g/golang-go.crypto/golang-golang-x-crypto-dev_0.25.0-1_all.deb c6ecd307e88b1d3af7ecfaee12b258c24aff3b16acbbc87acbe02079aabf5867"
  "pool/main/g/golang-golang-x-term/golang-golang-x-term-dev_0.22.0-1_all.deb d15765ee9f6ac468f75bc73da20fecb2f1dbc0c9bca394020ae42bef510935af"
  "pool/main/g/golang-golang-x-sys/golang-golang-x-sys-dev_0.22.0-1_all.deb 043942ee171abf52df6d43d1f56bc5aee4d9823e967fe38eee6236507b2e33fc"
  "pool/main/g/golang-google-genproto/golang-google-genproto-dev_0.0~git20210726.e7812ac-4_all.deb 22547f1657c5135316e390f942a0ae05992e503bb2f98deed16be6fd7b6f3cff"
  "pool/main/g/golang-google-protobuf/golang-google-protobuf-dev_1.36.5-1_all.deb 28914f483ac5e3a95c62fff519b82d8f6c4d9f40f7a9ca330a0841bdc79e867d"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$work/debs" "$root"
for entry in "${debs[@]}"; do
  read -r file sha <<<"$entry"
  deb="$work/debs/$(basename "$file")"
  curl -fsS --retry 3 -o "$deb" "$mirror/$file"
  got=$(sha256sum "$deb" | cut -d' ' -f1)
  if [[ $got != "$sha" ]]; then
    echo "sif-reference: $file: sha256 $got, pinned $sha" >&2
    exit 1
  fi
  dpkg-deb -x "$deb" "$root"
done

src="$root/usr/share/gocode/src"
sif="$src/github.com/sylabs/sif"
# Debian installs the module github.com/sylabs/sif/v2 at github.com/sylabs/sif (GOPATH layout).
ln -s . "$sif/v2"
mkdir -p "$work/main/src/siftool"
cp node-runtime/src/test/go/siftool/main.go "$work/main/src/siftool/"
(
  cd "$work/main/src/siftool"
  GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local GOPATH="$work/main:$root/usr/share/gocode" \
    GOROOT="$root/usr/lib/go-1.23" GOCACHE="$work/gocache" CGO_ENABLED=0 \
    "$root/usr/lib/go-1.23/bin/go" build -trimpath -o "$work/siftool" .
)
mkdir -p "$work/main/src/sifverify"
cp node-runtime/src/test/go/sifverify/main.go "$work/main/src/sifverify/"
(
  cd "$work/main/src/sifverify"
  GO111MODULE=off GOFLAGS= GOTOOLCHAIN=local GOPATH="$work/main:$root/usr/share/gocode" \
    GOROOT="$root/usr/lib/go-1.23" GOCACHE="$work/gocache" CGO_ENABLED=0 \
    "$root/usr/lib/go-1.23/bin/go" build -trimpath -o "$work/sifverify" .
)

out="$cache.tmp"
rm -rf "$out"
mkdir -p "$out/keys" "$out/bin"
cp "$sif"/test/images/*.sif "$out/"
cp "$sif"/test/keys/*.pem "$sif"/test/keys/*.asc "$out/keys/"
cp "$work/siftool" "$out/bin/siftool"
cp "$work/sifverify" "$out/bin/sifverify"
cp "$sif/LICENSE" "$out/LICENSE" 2>/dev/null || cp "$root/usr/share/doc/golang-github-sylabs-sif-dev/copyright" "$out/"
for img in "$out"/*.sif; do
  name=${img%.sif}
  TZ=UTC "$out/bin/siftool" header "$img" >"$name.header.txt"
  TZ=UTC "$out/bin/siftool" list "$img" >"$name.list.txt"
  : >"$name.info.txt"
  for id in $(awk -F'|' 'NR > 3 && $1 ~ /[0-9]/ {print $1 + 0}' "$name.list.txt"); do
    { echo "== info $id"; TZ=UTC "$out/bin/siftool" info "$id" "$img"; } >>"$name.info.txt"
  done
done
touch "$out/.complete"
rm -rf "$cache"
mv "$out" "$cache"
echo "sif-reference: $(ls "$cache"/*.sif | wc -l) reference SIFs and siftool's views in $cache"
