#!/usr/bin/env bash
# `helm install|upgrade|uninstall` for the quickstart and for people following it: real Helm
# through helm-java from Maven Central (hack/Helm.java says why and how). Uses $KUBECONFIG.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cp_file="$root/e2e/target/helm.classpath"
if [[ ! -s $cp_file ]]; then
  (cd "$root" && mvn -B -q -pl e2e dependency:build-classpath -Dmdep.outputFile="$cp_file" \
    -DincludeGroupIds=com.marcnuri.helm-java,net.java.dev.jna -DincludeScope=test >&2)
fi
exec java --enable-native-access=ALL-UNNAMED -cp "$(cat "$cp_file")" "$root/hack/Helm.java" "$@" 2> >(grep -v '^WARNING: .*restricted method\|^WARNING: Use --enable-native-access' >&2)
