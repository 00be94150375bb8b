package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus;
import io.sifkube.node.v1.ListContainersRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The operator and two siflets on a real control plane, each under its own RBAC role (not
 * cluster-admin), siflets reached over mutual TLS, images from the local registry: what the
 * operator's ITs share, with the helpers to apply a SifRun and wait for it.
 */
final class OperatorHarness implements AutoCloseable {

  final Path dir;
  final KubeCluster cluster;
  final RegistryHarness registry;
  final SifletDaemon nodeA;
  final SifletDaemon nodeB;

  /** busybox in the local registry. */
  final String source;

  Process operator;

  private OperatorHarness(
      Path dir,
      KubeCluster cluster,
      RegistryHarness registry,
      SifletDaemon nodeA,
      SifletDaemon nodeB,
      String source) {
    this.dir = dir;
    this.cluster = cluster;
    this.registry = registry;
    this.nodeA = nodeA;
    this.nodeB = nodeB;
    this.source = source;
  }

  static OperatorHarness up(Path dir) throws Exception {
    assertThat(Launcher.isRoot()).as("siflet runs containers as root").isTrue();
    Launcher.letCrunRun();
    Path pki =
        new TestPki(dir.resolve("pki"))
            .ca("ca")
            .server("siflet", "ca", "IP:127.0.0.1")
            .client("operator", "ca", "DNS:sifkube-operator")
            .dir();
    KubeCluster cluster =
        KubeCluster.up(dir.resolve("cluster"), "sifkube-operator", "siflet-a", "siflet-b");
    cluster.installSifkube("siflet-a", "siflet-b");

    RegistryHarness registry =
        RegistryHarness.start(Files.createDirectories(dir.resolve("registry")));
    registry.push(RunIT.busyboxLayout(dir.resolve("image")), "v1", "tools/busybox:1");
    String source = "docker://" + registry.host() + "/tools/busybox:1";

    OperatorHarness h =
        new OperatorHarness(
            dir,
            cluster,
            registry,
            siflet(dir, cluster, "a", pki),
            siflet(dir, cluster, "b", pki),
            source);
    h.operator = h.startOperator();
    try (KubernetesClient k = cluster.client("admin")) {
      h.await(
          "both SifNodes Ready",
          () ->
              k.resources(SifNode.class).list().getItems().stream()
                      .filter(io.sifkube.operator.run.Scheduler::isReady)
                      .count()
                  == 2);
    }
    return h;
  }

  /** The operator's {@code --node-lost-grace} in these tests. */
  static final long NODE_LOST_GRACE_SECONDS = 30;

  Process startOperator() throws Exception {
    Path pki = dir.resolve("pki");
    return new ProcessBuilder(
            Launcher.repoRoot().resolve("bin/sifkube-operator").toString(),
            "--kubeconfig",
            cluster.kubeconfig("sifkube-operator").toString(),
            "--tls-ca",
            pki.resolve("ca.crt").toString(),
            "--tls-cert",
            pki.resolve("operator.crt").toString(),
            "--tls-key",
            pki.resolve("operator.key").toString(),
            "--metrics-listen",
            "127.0.0.1:0",
            // the siflets and their ranks run on this host
            "--pmi-address",
            "127.0.0.1",
            // a node lost for good is given up after its 8 s Lease and this; a siflet restarted
            // within it keeps its runs (OperatorIT)
            "--node-lost-grace",
            Long.toString(NODE_LOST_GRACE_SECONDS))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("operator.log").toFile()))
        .start();
  }

  private static SifletDaemon siflet(Path dir, KubeCluster cluster, String n, Path pki)
      throws Exception {
    // As on a host, the spec directories exist when siflet starts (one made later is watched
    // from the next periodic scan).
    Files.createDirectories(cdiDir(dir, n, "etc"));
    Files.createDirectories(cdiDir(dir, n, "run"));
    return new SifletDaemon(
            Files.createDirectories(dir.resolve("node-" + n)),
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
            cluster.kubeconfig("siflet-" + n).toString(),
            "--node-name",
            "node-" + n,
            "--node-labels",
            "zone=" + n,
            "--lease-namespace",
            "sifkube-system",
            "--lease-seconds",
            "8",
            "--metrics-listen",
            "127.0.0.1:0",
            "--cdi-dirs",
            cdiDir(dir, n, "etc") + "," + cdiDir(dir, n, "run"))
        .start();
  }

  /** Node {@code n}'s CDI spec directory {@code which} (etc or run), as its siflet reads them. */
  static Path cdiDir(Path dir, String n, String which) {
    return dir.resolve("node-" + n).resolve("cdi-" + which);
  }

  @Override
  public void close() throws Exception {
    if (operator != null) {
      operator.destroy();
      assertThat(operator.waitFor(30, TimeUnit.SECONDS))
          .as("the operator stops on SIGTERM")
          .isTrue();
    }
    for (SifletDaemon d : new SifletDaemon[] {nodeA, nodeB}) {
      if (d != null) {
        SifletIT.removeAll(d);
        d.close();
      }
    }
    registry.close();
    cluster.close();
  }

  /** As {@link OperatorIT#await(String, OperatorIT.Check)}, with the operator's log on failure. */
  void await(String what, OperatorIT.Check check) throws Exception {
    await(() -> what, check);
  }

  void await(Supplier<String> what, OperatorIT.Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what.get() + " within 120 s; operator log:\n" + operatorLog());
      }
      Thread.sleep(200);
    }
  }

  String operatorLog() throws Exception {
    Path log = dir.resolve("operator.log");
    if (!Files.exists(log)) {
      return "";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /** Applies SifRun {@code name} with the given spec lines (indented two spaces). */
  SifRun apply(String name, String specYaml) throws Exception {
    cluster
        .kubectlStdin(
            "apiVersion: sifkube.io/v1alpha1\nkind: SifRun\nmetadata: {name: "
                + name
                + "}\nspec:\n"
                + specYaml,
            "apply")
        .ok();
    return get(name);
  }

  SifRun get(String name) throws Exception {
    try (KubernetesClient k = cluster.client("admin")) {
      return k.resources(SifRun.class).inNamespace("default").withName(name).get();
    }
  }

  SifRun awaitRun(String name, Predicate<SifRun> done, String what) throws Exception {
    try (KubernetesClient k = cluster.client("admin")) {
      SifRun[] last = new SifRun[1];
      await(
          () ->
              name
                  + " "
                  + what
                  + " (last status: "
                  + (last[0] == null ? "none" : Serialization.asJson(last[0].getStatus()))
                  + ")",
          () -> {
            last[0] = k.resources(SifRun.class).inNamespace("default").withName(name).get();
            return last[0] != null && last[0].getStatus() != null && done.test(last[0]);
          });
      return last[0];
    }
  }

  /** Waits until the run has a Scheduled condition, and checks that it is still Pending. */
  SifRun awaitUnscheduled(String name) throws Exception {
    SifRun r =
        awaitRun(
            name,
            x -> x.getStatus().conditions.stream().anyMatch(c -> c.getType().equals("Scheduled")),
            "has a Scheduled condition");
    assertThat(r.getStatus().phase).as(name).isEqualTo(SifRunStatus.Phase.Pending);
    return r;
  }

  /** How many containers of the run {@code node} holds. */
  static int containersOf(SifletDaemon node, String runUid) {
    return node.runtime()
        .listContainers(
            ListContainersRequest.newBuilder()
                .putLabelSelector("sifkube.io/run-uid", runUid)
                .build())
        .getContainersCount();
  }

  int containersOf(String runUid) {
    return containersOf(nodeA, runUid) + containersOf(nodeB, runUid);
  }

  void patchSpec(String name, String json) throws Exception {
    cluster.kubectl("admin", "patch", "sifrun", name, "--type=merge", "-p", json).ok();
  }

  void delete(String name) throws Exception {
    cluster.kubectl("admin", "delete", "sifrun", name, "--timeout=90s").ok();
  }
}
