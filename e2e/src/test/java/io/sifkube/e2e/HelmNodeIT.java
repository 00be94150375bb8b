package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart on a real node, as a platform team installs it: {@code hack/quickstart.sh --helm}
 * builds the images, starts the control plane with a node (kubelet, containerd, kube-proxy,
 * kube-scheduler), pushes the images to a local registry, runs {@code helm install} and the example
 * SifRun. Then {@code helm upgrade} to a new image tag while a SifRun runs, and {@code helm
 * uninstall} while another runs: the node is left clean.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmNodeIT {

  private static final String NS = "sifkube-system";
  private static final Path RUN_DIR = Path.of("/run/sifkube/quickstart");

  @TempDir static Path dir;
  private static Path work;
  private static final Properties env = new Properties();
  private static KubernetesClient kube;
  private static String version;

  @BeforeAll
  static void quickstart() throws Exception {
    Launcher.letCrunRun();
    work = dir.resolve("qs");
    Launcher.Result r =
        Launcher.exec(
            List.of(Launcher.repoRoot().resolve("hack/quickstart.sh").toString(), "--helm"),
            Map.of("QUICKSTART_DIR", work.toString(), "QUICKSTART_SKIP_BUILD", "1"));
    assertThat(r.status()).as("quickstart --helm: %s %s", r.out(), r.err()).isZero();
    assertThat(r.out())
        .contains("helm: release sifkube deployed, revision 1")
        .contains("Hello from a SifRun");
    try (var in = Files.newInputStream(work.resolve("cluster/cluster.env"))) {
      env.load(in);
    }
    kube = cluster().client("admin");
    version =
        Files.readAllLines(
                Launcher.repoRoot()
                    .resolve("node-runtime/target/classes/io/sifkube/version.properties"))
            .stream()
            .filter(l -> l.startsWith("version="))
            .findFirst()
            .orElseThrow()
            .substring("version=".length());
  }

  @AfterAll
  static void stop() throws Exception {
    if (kube != null) {
      kube.close();
    }
    Launcher.exec(
        List.of(Launcher.repoRoot().resolve("hack/quickstart.sh").toString(), "stop"),
        Map.of("QUICKSTART_DIR", work.toString()));
    // the DaemonSet's hostPath, left empty by the uninstall
    Files.deleteIfExists(RUN_DIR);
  }

  private static KubeCluster cluster() throws java.io.IOException {
    return KubeCluster.attach(work.resolve("cluster"));
  }

  /** kubectl as admin on the quickstart's cluster. */
  private static Launcher.Result kubectl(String... args) throws Exception {
    return cluster().kubectl("admin", args);
  }

  private static void await(String what, Duration limit, Supplier<Boolean> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!done.get()) {
      assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
      Thread.sleep(250);
    }
  }

  private static List<Pod> pods(String component) {
    return kube
        .pods()
        .inNamespace(NS)
        .withLabel("app.kubernetes.io/component", component)
        .list()
        .getItems()
        .stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  private static GenericKubernetesResource sifRun(String name) {
    return kube.genericKubernetesResources("sifkube.io/v1alpha1", "SifRun")
        .inNamespace("default")
        .withName(name)
        .get();
  }

  @SuppressWarnings("unchecked")
  private static String status(String run, String field) {
    GenericKubernetesResource r = sifRun(run);
    if (r == null) {
      return null;
    }
    Object s = r.getAdditionalProperties().get("status");
    return s instanceof Map<?, ?> m && m.get(field) != null ? m.get(field).toString() : null;
  }

  /**
   * What happened to a run, for a failure message: its events, then the lines of the chart's pods'
   * logs (current and previous containers) that name it.
   */
  private static String story(String run) {
    StringBuilder b = new StringBuilder();
    try {
      b.append(kubectl("get", "events", "--field-selector", "involvedObject.name=" + run).out());
      b.append(
          kubectl(
                  "get",
                  "sifnodes",
                  "-o",
                  "jsonpath={range .items[*]}{.metadata.name}: {.status.conditions}{\"\\n\"}{end}")
              .out());
      for (Pod p : kube.pods().inNamespace(NS).list().getItems()) {
        String name = p.getMetadata().getName();
        for (boolean previous : List.of(true, false)) {
          List<String> args = new java.util.ArrayList<>(List.of("-n", NS, "logs", name));
          if (previous) {
            args.add("--previous");
          }
          kubectl(args.toArray(String[]::new))
              .out()
              .lines()
              .filter(l -> l.contains(run) || l.contains("NotReady") || l.contains("Lease"))
              .forEach(
                  l ->
                      b.append(name)
                          .append(previous ? " (previous): " : ": ")
                          .append(l)
                          .append('\n'));
        }
      }
    } catch (Exception e) {
      b.append("(no more: ").append(e.getMessage()).append(')');
    }
    return b.toString();
  }

  private static void applySleeper(String name, int seconds) throws Exception {
    Path f = dir.resolve(name + ".yaml");
    Files.writeString(
        f,
        "apiVersion: sifkube.io/v1alpha1\nkind: SifRun\nmetadata: {name: "
            + name
            + "}\nspec:\n  source: docker://127.0.0.1:15000/sifkube/hello:1\n"
            + "  command: [/bin/sh, -c, 'sleep "
            + seconds
            + "; echo slept "
            + name
            + "']\n");
    kubectl("apply", "-f", f.toString()).ok();
    await(
        "SifRun " + name + " Running",
        Duration.ofSeconds(60),
        () -> "Running".equals(status(name, "phase")));
  }

  /** The host pid of a SifRun's container, from crun's state under the DaemonSet's run dir. */
  private static long containerPid(String run) throws Exception {
    String id = status(run, "containerID");
    assertThat(id).as("containerID of " + run).isNotBlank();
    id = id.replaceFirst("^[a-z]+://", "");
    Launcher.Result st =
        Launcher.exec(
                List.of("crun", "--root", RUN_DIR.resolve("runtime/crun").toString(), "state", id))
            .ok();
    return new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(st.out())
        .path("pid")
        .asLong();
  }

  @Test
  @Order(1)
  void theChartsPodsRunOnTheNodeAndItsSifletRegistersTheSifNode() throws Exception {
    assertThat(pods("operator"))
        .hasSize(2)
        .allMatch(p -> "Running".equals(p.getStatus().getPhase()));
    assertThat(pods("siflet")).hasSize(1);
    Pod siflet = pods("siflet").get(0);
    assertThat(siflet.getSpec().getNodeName()).isEqualTo(env.getProperty("NODE_NAME"));
    // leader election: one of the two replicas holds the Lease
    String holder =
        kube.leases()
            .inNamespace(NS)
            .withName("sifkube-operator")
            .get()
            .getSpec()
            .getHolderIdentity();
    assertThat(pods("operator").stream().map(p -> p.getMetadata().getName()))
        .anyMatch(holder::startsWith);
    GenericKubernetesResource node =
        kube.genericKubernetesResources("sifkube.io/v1alpha1", "SifNode")
            .withName(env.getProperty("NODE_NAME"))
            .get();
    assertThat(node).as("the DaemonSet's siflet registered its SifNode").isNotNull();
    assertThat(node.get("spec", "address").toString())
        .isEqualTo(env.getProperty("HOST_IP") + ":7443");
    assertThat(kubectl("get", "sifnodes", "-o", "wide").out()).contains("crun");
    assertThat(status("hello", "phase")).isEqualTo("Succeeded");
    assertThat(status("hello", "outputTail")).contains("Hello from a SifRun");
  }

  @Test
  @Order(2)
  void helmUpgradeToANewTagRollsBothWhileASifRunKeepsRunning() throws Exception {
    applySleeper("through-upgrade", 40);
    long pid = containerPid("through-upgrade");
    Set<String> before =
        Stream.concat(pods("operator").stream(), pods("siflet").stream())
            .map(p -> p.getMetadata().getName())
            .collect(Collectors.toSet());
    for (String n : List.of("operator", "siflet")) {
      Launcher.exec(
              List.of(
                  "skopeo",
                  "copy",
                  "-q",
                  "--dest-tls-verify=false",
                  "oci:" + work.resolve("images/" + n) + ":" + version,
                  "docker://127.0.0.1:15000/sifkube/" + n + ":upgraded"))
          .ok();
    }
    var release =
        new Helm(Launcher.repoRoot().resolve("charts/sifkube"))
            .upgrade()
            .withName("sifkube")
            .withNamespace(NS)
            .withKubeConfig(work.resolve("cluster/admin.kubeconfig"))
            .reuseValues()
            .set("operator.image.tag", "upgraded")
            .set("siflet.image.tag", "upgraded")
            .waitReady()
            .withTimeout(300)
            .call();
    assertThat(release.getRevision()).isEqualTo("2");
    List<Pod> now = Stream.concat(pods("operator").stream(), pods("siflet").stream()).toList();
    assertThat(now).hasSize(3);
    for (Pod p : now) {
      assertThat(before).as("rolled").doesNotContain(p.getMetadata().getName());
      assertThat(p.getSpec().getContainers().get(0).getImage()).endsWith(":upgraded");
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive))
        .as("the SifRun's container went on through the upgrade")
        .contains(true);
    await(
        "the run to finish under the new pods",
        Duration.ofSeconds(90),
        () -> "Succeeded".equals(status("through-upgrade", "phase")));
    assertThat(status("through-upgrade", "outputTail")).contains("slept through-upgrade");
    assertThat(status("through-upgrade", "attempts"))
        .as(() -> "attempts of a run the upgrade must not disturb:\n" + story("through-upgrade"))
        .isEqualTo("1");
  }

  @Test
  @Order(3)
  void helmUninstallStopsTheRunsAndLeavesTheNodeClean() throws Exception {
    applySleeper("at-uninstall", 600);
    long pid = containerPid("at-uninstall");
    Path state = work.resolve("node/state");
    assertThat(state.resolve("logs")).isDirectory();

    Helm.uninstall("sifkube")
        .withNamespace(NS)
        .withKubeConfig(work.resolve("cluster/admin.kubeconfig"))
        .call();

    await(
        "the chart's pods to go",
        Duration.ofSeconds(120),
        () -> kube.pods().inNamespace(NS).list().getItems().isEmpty());
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        .as("the SifRun's container was stopped")
        .isFalse();
    assertThat(
            kube.genericKubernetesResources("sifkube.io/v1alpha1", "SifNode")
                .withName(env.getProperty("NODE_NAME"))
                .get())
        .as("SifNode")
        .isNull();
    assertThat(
            kube.leases().inNamespace(NS).withName("sifnode-" + env.getProperty("NODE_NAME")).get())
        .as("node Lease")
        .isNull();
    // everything the chart made is gone (the CRDs stay, as Helm keeps a chart's crds/)
    assertThat(
            kubectl(
                    "-n",
                    NS,
                    "get",
                    "all,sa,secret,role,rolebinding,job",
                    "-l",
                    "app.kubernetes.io/instance=sifkube",
                    "-o",
                    "name")
                .out())
        .isBlank();
    assertThat(kubectl("get", "clusterrole,clusterrolebinding", "-o", "name").out())
        .doesNotContain("sifkube");
    // the node: no mounts under the run dir, no monitors, empty state and run dirs
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(RUN_DIR + "/");
    // no monitor left (each conmon names the run dir on its command line)
    try (Stream<ProcessHandle> all = ProcessHandle.allProcesses()) {
      assertThat(
              all.map(p -> p.info().commandLine().orElse(""))
                  .filter(c -> c.contains(RUN_DIR.toString()))
                  .toList())
          .isEmpty();
    }
    try (Stream<Path> s = Files.list(state)) {
      assertThat(s.toList()).as("state dir").isEmpty();
    }
    try (Stream<Path> s = Files.list(RUN_DIR)) {
      assertThat(s.toList()).as("run dir (crun's state included)").isEmpty();
    }
    // nor the monitors' cgroup, in any hierarchy
    try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
      assertThat(s.map(h -> h.resolve("sifkube-monitors")).filter(Files::exists).toList())
          .isEmpty();
    }
  }
}
