package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunSpec;
import io.sifkube.api.v1alpha1.SifRunStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generated CRDs on a real kube-apiserver: they install, `kubectl explain` describes every
 * field, the schema refuses invalid objects naming the field, printer columns and short names work,
 * and the status subresource is separate from the spec.
 */
class CrdsIT {

  @TempDir static Path dir;
  private static KubeCluster cluster;

  @BeforeAll
  static void setUp() throws Exception {
    cluster = KubeCluster.up(dir.resolve("cluster"), "nobody");
    cluster.installCrds();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void kubectlExplainDescribesTheFields() throws Exception {
    String spec = cluster.kubectl("admin", "explain", "sifrun.spec").ok().out();
    assertThat(spec)
        .contains("What the run executes and how")
        .contains("backoffLimit")
        .contains("Failed attempts to retry before the run is Failed");
    assertThat(cluster.kubectl("admin", "explain", "sifnode.status.conditions").ok().out())
        .contains("Ready, after Kubernetes conventions");
  }

  @Test
  void theSchemaRefusesInvalidObjectsNamingTheField() throws Exception {
    Launcher.Result neg =
        cluster.kubectlStdin(
            "apiVersion: sifkube.io/v1alpha1\nkind: SifRun\nmetadata: {name: neg}\n"
                + "spec: {source: 'docker://x/y:1', backoffLimit: -1}\n",
            "apply",
            "--validate=false"); // the API server's schema must refuse it, not only kubectl
    assertThat(neg.status()).isNotZero();
    assertThat(neg.err()).contains("spec.backoffLimit").contains("greater than or equal to 0");

    Launcher.Result scheme =
        cluster.kubectlStdin(
            "apiVersion: sifkube.io/v1alpha1\nkind: SifImage\nmetadata: {name: ftp}\n"
                + "spec: {source: 'ftp://host/x'}\n",
            "apply",
            "--validate=false");
    assertThat(scheme.status()).isNotZero();
    assertThat(scheme.err()).contains("spec.source");

    Launcher.Result missing =
        cluster.kubectlStdin(
            "apiVersion: sifkube.io/v1alpha1\nkind: SifNode\nmetadata: {name: node-x}\nspec: {}\n",
            "apply",
            "--validate=false");
    assertThat(missing.status()).isNotZero();
    assertThat(missing.err()).contains("spec.address").contains("Required value");
  }

  @Test
  void printerColumnsShortNamesAndTheStatusSubresource() throws Exception {
    cluster
        .kubectlStdin(
            "apiVersion: sifkube.io/v1alpha1\nkind: SifRun\nmetadata: {name: hello}\n"
                + "spec:\n  source: docker://registry.example/hello:1\n  args: [echo, hi]\n"
                + "  backoffLimit: 2\n",
            "apply")
        .ok();
    try (KubernetesClient k = cluster.client("admin")) {
      SifRun run = k.resources(SifRun.class).inNamespace("default").withName("hello").get();
      assertThat(run.getSpec().args).containsExactly("echo", "hi");
      run.setStatus(new SifRunStatus());
      run.getStatus().phase = SifRunStatus.Phase.Running;
      run.getStatus().node = "node-a";
      run.getStatus().attempts = 1;
      k.resources(SifRun.class).inNamespace("default").resource(run).updateStatus();

      // A spec update does not touch the status, and the status update did not touch the spec.
      SifRun again = k.resources(SifRun.class).inNamespace("default").withName("hello").get();
      assertThat(again.getStatus().phase).isEqualTo(SifRunStatus.Phase.Running);
      assertThat(again.getMetadata().getGeneration()).isEqualTo(1L);

      SifRun typed = new SifRun();
      typed.setMetadata(new ObjectMetaBuilder().withName("typed").build());
      typed.setSpec(new SifRunSpec());
      typed.getSpec().image = "hello-image";
      k.resources(SifRun.class).inNamespace("default").resource(typed).create();
    }
    String table = cluster.kubectl("admin", "get", "sr").ok().out();
    assertThat(table.lines().findFirst().orElseThrow().split("\\s+"))
        .containsExactly("NAME", "PHASE", "NODE", "EXIT", "ATTEMPTS", "AGE");
    assertThat(table).containsPattern("hello\\s+Running\\s+node-a\\s+1\\s+");
    assertThat(table).contains("typed");
  }

  @Test
  void rbacIsEnforced() throws Exception {
    Launcher.Result r = cluster.kubectl("nobody", "get", "sifruns");
    assertThat(r.status()).isNotZero();
    assertThat(r.err()).contains("forbidden");
  }
}
