package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code helm install} of the chart on a real kube-apiserver: the release deploys, the CRDs are
 * served, and the ServiceAccounts it binds may do what the operator and siflet do, and no more.
 */
class ChartIT {

  @TempDir static Path dir;
  private static KubeCluster cluster;
  private static Release release;

  @BeforeAll
  static void install() throws Exception {
    cluster = KubeCluster.up(dir.resolve("cluster"), "nobody");
    release =
        new Helm(Launcher.repoRoot().resolve("charts/sifkube"))
            .install()
            .withName("sifkube")
            .withNamespace("sifkube-system")
            .createNamespace()
            .withKubeConfig(cluster.kubeconfig("admin"))
            .call();
  }

  @AfterAll
  static void down() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** {@code kubectl auth can-i} as the component's ServiceAccount; "res/sub" is a subresource. */
  private static boolean can(String component, String verb, String resource) throws Exception {
    String[] rs = resource.split("/");
    Launcher.Result r =
        cluster.kubectl(
            "admin",
            "auth",
            "can-i",
            "--as=system:serviceaccount:sifkube-system:sifkube-" + component,
            "--subresource=" + (rs.length > 1 ? rs[1] : ""),
            verb,
            rs[0]);
    return r.out().strip().equals("yes");
  }

  @Test
  void theReleaseIsDeployedWithItsCrdsServed() throws Exception {
    assertThat(release.getStatus()).isEqualTo("deployed");
    cluster.awaitCrds();
    assertThat(cluster.kubectl("admin", "-n", "sifkube-system", "get", "deploy,ds,sa").ok().out())
        .contains("deployment.apps/sifkube-operator")
        .contains("daemonset.apps/sifkube-siflet")
        .contains("serviceaccount/sifkube-siflet");
  }

  @Test
  void theOperatorsAccountMayDoWhatItDoesAndNoMore() throws Exception {
    assertThat(can("operator", "patch", "sifruns/status")).isTrue();
    assertThat(can("operator", "patch", "sifnodes/status")).isTrue();
    assertThat(can("operator", "patch", "sifnodes")).as("patch a SifNode's spec").isFalse();
    assertThat(can("operator", "watch", "sifnodes")).isTrue();
    assertThat(can("operator", "create", "leases")).isTrue();
    assertThat(can("operator", "get", "secrets")).isTrue();
    assertThat(can("operator", "list", "secrets")).as("list secrets").isFalse();
    assertThat(can("operator", "delete", "sifnodes")).isFalse();
    assertThat(can("operator", "create", "pods")).isFalse();
    assertThat(can("operator", "create", "sifruns")).isFalse();
  }

  @Test
  void theSifletsAccountMayKeepItsNodeAndNothingElse() throws Exception {
    assertThat(can("siflet", "create", "sifnodes")).isTrue();
    assertThat(can("siflet", "patch", "sifnodes")).isTrue();
    assertThat(can("siflet", "patch", "sifnodes/status")).isTrue();
    assertThat(can("siflet", "update", "leases")).isTrue();
    assertThat(can("siflet", "get", "sifruns")).isFalse();
    assertThat(can("siflet", "patch", "sifruns/status")).isFalse();
    assertThat(can("siflet", "delete", "sifnodes")).isFalse();
    assertThat(can("siflet", "get", "secrets")).isFalse();
  }
}
