package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sifkube.api.v1alpha1.SifNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signature policy on a real control plane: a SifImage whose {@code spec.verify} names a Secret of
 * public keys is verified by siflet after each pull (the SifImage's Verified condition and
 * signers); runs of an image whose required signature does not verify fail with VerificationFailed,
 * a Warning Event, and no container on the node. The signed OCI-SIF is signed by {@code sifctl
 * sign} and pushed by {@code sifctl push oras://}.
 */
class SignaturePolicyIT {

  @TempDir static Path dir;
  private static KubeCluster cluster;
  private static RegistryHarness registry;
  private static SifletDaemon node;
  private static Process operator;
  private static KubernetesClient kube;

  @BeforeAll
  static void setUp() throws Exception {
    assertThat(Launcher.isRoot()).as("siflet runs containers as root").isTrue();
    Launcher.letCrunRun();
    Path pki =
        new TestPki(dir.resolve("pki"))
            .ca("ca")
            .server("siflet", "ca", "IP:127.0.0.1")
            .client("operator", "ca", "DNS:sifkube-operator")
            .dir();
    cluster = KubeCluster.up(dir.resolve("cluster"), "sifkube-operator", "siflet-a");
    cluster.installSifkube("siflet-a");
    kube = cluster.client("admin");

    // one OCI-SIF, pushed signed (ECDSA) and unsigned
    registry = RegistryHarness.start(Files.createDirectories(dir.resolve("registry")));
    Path layout = RunIT.busyboxLayout(dir.resolve("image"));
    Path unsigned = dir.resolve("busybox.oci.sif");
    Launcher.sifctl(
            "pull",
            "--cache-dir",
            dir.resolve("cache").toString(),
            "oci:" + layout + ":v1",
            unsigned.toString())
        .ok();
    Path signed = dir.resolve("busybox-signed.oci.sif");
    Files.copy(unsigned, signed);
    Path keys = Launcher.sifReference().resolve("keys");
    Launcher.sifctl(
            "sign", "--key", keys.resolve("ecdsa-private.pem").toString(), signed.toString())
        .ok();
    Launcher.sifctl("push", signed.toString(), "oras://" + registry.host() + "/sif/busybox:signed")
        .ok();
    Launcher.sifctl(
            "push", unsigned.toString(), "oras://" + registry.host() + "/sif/busybox:unsigned")
        .ok();
    cluster
        .kubectl(
            "admin",
            "create",
            "secret",
            "generic",
            "image-keys",
            "--from-file=ecdsa.pem=" + keys.resolve("ecdsa-public.pem"))
        .ok();

    node =
        new SifletDaemon(
                Files.createDirectories(dir.resolve("node-a")),
                "--listen",
                "127.0.0.1:0",
                "--tls-ca",
                pki.resolve("ca.crt").toString(),
                "--tls-cert",
                pki.resolve("siflet.crt").toString(),
                "--tls-key",
                pki.resolve("siflet.key").toString(),
                "--allowed-clients",
                "sifkube-operator",
                "--kubeconfig",
                cluster.kubeconfig("siflet-a").toString(),
                "--node-name",
                "node-a",
                "--lease-namespace",
                "sifkube-system")
            .start();
    operator =
        new ProcessBuilder(
                Launcher.repoRoot().resolve("bin/sifkube-operator").toString(),
                "--kubeconfig",
                cluster.kubeconfig("sifkube-operator").toString(),
                "--tls-ca",
                pki.resolve("ca.crt").toString(),
                "--tls-cert",
                pki.resolve("operator.crt").toString(),
                "--tls-key",
                pki.resolve("operator.key").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("operator.log").toFile())
            .start();
    await(
        "SifNode node-a Ready",
        () ->
            kube.resources(SifNode.class).list().getItems().stream()
                .anyMatch(io.sifkube.operator.run.Scheduler::isReady));
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (operator != null) {
      operator.destroy();
      operator.waitFor(30, TimeUnit.SECONDS);
    }
    if (node != null) {
      SifletIT.removeAll(node);
      node.close();
    }
    if (kube != null) {
      kube.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static void await(String what, OperatorIT.Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            what
                + " within 120 s; operator log:\n"
                + Files.readString(dir.resolve("operator.log"))
                + "\nsiflet log:\n"
                + node.logText()
                + "\nobjects:\n"
                + cluster.kubectl("admin", "get", "sifimages,sifruns", "-A", "-o", "yaml").out());
      }
      Thread.sleep(200);
    }
  }

  private static void apply(String yaml) throws Exception {
    cluster.kubectlStdin(yaml, "apply").ok();
  }

  private static void image(String name, String tag, boolean required) throws Exception {
    apply(
        "apiVersion: sifkube.io/v1alpha1\nkind: SifImage\nmetadata: {name: "
            + name
            + ", namespace: default}\nspec:\n  source: oras://"
            + registry.host()
            + "/sif/busybox:"
            + tag
            + "\n  verify:\n    required: "
            + required
            + "\n    keysFrom: {kind: Secret, name: image-keys}\n");
  }

  private static void run(String name, String image) throws Exception {
    apply(
        "apiVersion: sifkube.io/v1alpha1\nkind: SifRun\nmetadata: {name: "
            + name
            + ", namespace: default}\nspec:\n  image: "
            + image
            + "\n  command: [/bin/sh, -c, 'echo ran "
            + name
            + "']\n  backoffLimit: 2\n");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(String kind, String name) {
    GenericKubernetesResource r =
        kube.genericKubernetesResources("sifkube.io/v1alpha1", kind)
            .inNamespace("default")
            .withName(name)
            .get();
    Object s = r == null ? null : r.getAdditionalProperties().get("status");
    return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> condition(String kind, String name, String type) {
    Object cs = status(kind, name).get("conditions");
    if (!(cs instanceof List<?> list)) {
      return Map.of();
    }
    return list.stream()
        .map(c -> (Map<String, Object>) c)
        .filter(c -> type.equals(c.get("type")))
        .findFirst()
        .orElse(Map.of());
  }

  @Test
  void aSignedImageVerifiesAndRunsAndAnUnsignedOneIsRefusedEverywhere() throws Exception {
    image("signed", "signed", true);
    image("unsigned", "unsigned", true);
    await(
        "SifImage signed Verified",
        () -> "True".equals(condition("SifImage", "signed", "Verified").get("status")));
    assertThat(status("SifImage", "signed").get("signers").toString())
        .contains("kind=DSSE")
        .contains("SHA256:");
    await(
        "SifImage unsigned not Verified",
        () -> "False".equals(condition("SifImage", "unsigned", "Verified").get("status")));
    assertThat(condition("SifImage", "unsigned", "Verified").get("message").toString())
        .contains("signature not found for object group 1")
        .contains("carries no SIF signature");
    assertThat(condition("SifImage", "unsigned", "Ready").get("reason"))
        .isEqualTo("VerificationFailed");

    run("good", "signed");
    run("bad", "unsigned");
    await("run good Succeeded", () -> "Succeeded".equals(status("SifRun", "good").get("phase")));
    assertThat(status("SifRun", "good").get("outputTail").toString()).contains("ran good");
    await("run bad Failed", () -> "Failed".equals(status("SifRun", "bad").get("phase")));
    assertThat(status("SifRun", "bad").get("reason")).isEqualTo("VerificationFailed");
    assertThat(status("SifRun", "bad").get("message").toString())
        .contains("SifImage unsigned")
        .contains("failed signature verification on node-a");
    assertThat(status("SifRun", "bad").get("attempts")).as("no attempt was made").isNull();
    await(
        "a Warning Event VerificationFailed",
        () ->
            kube.v1().events().inNamespace("default").list().getItems().stream()
                .anyMatch(
                    e ->
                        "VerificationFailed".equals(e.getReason())
                            && "Warning".equals(e.getType())
                            && "bad".equals(e.getInvolvedObject().getName())));
    // no container of the refused run exists on the node
    Launcher.Result ps = Launcher.sifctl("--siflet", node.socket.toString(), "ps", "-a");
    assertThat(ps.out()).doesNotContain("run-bad").doesNotContain("/bad");
    // the keys reached siflet and the operator but none of their logs
    assertThat(Files.readString(dir.resolve("operator.log"))).doesNotContain("BEGIN PUBLIC KEY");
    assertThat(node.logText()).doesNotContain("BEGIN PUBLIC KEY");
  }

  @Test
  void verificationThatIsNotRequiredOnlyReports() throws Exception {
    image("reported", "unsigned", false);
    await(
        "SifImage reported checked",
        () -> "False".equals(condition("SifImage", "reported", "Verified").get("status")));
    run("allowed", "reported");
    await(
        "run allowed Succeeded",
        () -> "Succeeded".equals(status("SifRun", "allowed").get("phase")));
  }
}
