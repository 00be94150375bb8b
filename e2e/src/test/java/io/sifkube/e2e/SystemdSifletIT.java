package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.sifkube.api.v1alpha1.SifNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * siflet as a systemd service on a host outside Kubernetes, where this machine has no systemd to
 * run it: hack/install-siflet.sh installs into a staging root, systemd-analyze verifies the unit,
 * and the test runs the unit's own ExecStart (paths moved into the staging root) as systemd would,
 * stopping it as KillMode=process does: SIGTERM to siflet alone. The running SifRun container
 * survives the stop and the restarted siflet adopts it; the SifNode registers and its Lease is
 * renewed with a kubeconfig whose user may do only what ClusterRole sifkube-siflet allows.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SystemdSifletIT {

  @TempDir static Path dir;
  private static Path staging;
  private static List<String> execStart;
  private static String unit;
  private static KubeCluster cluster;
  private static Process siflet;

  @BeforeAll
  static void install() throws Exception {
    assertThat(Launcher.isRoot()).as("siflet runs containers as root").isTrue();
    Launcher.letCrunRun();
    staging = dir.resolve("root");
    Path root = Launcher.repoRoot();
    Launcher.exec(
            List.of(root.resolve("hack/install-siflet.sh").toString()),
            java.util.Map.of("DESTDIR", staging.toString()))
        .ok();
    unit =
        Files.readString(staging.resolve("etc/systemd/system/sifkube-siflet.service"))
            .replace("/opt/sifkube/", staging + "/opt/sifkube/")
            .replace("/etc/sifkube/", staging + "/etc/sifkube/");
    String exec = unit.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow();
    execStart = Arrays.asList(exec.substring("ExecStart=".length()).split(" "));
    cluster = KubeCluster.up(dir.resolve("cluster"), "siflet-hpc1");
    cluster.installCrds();
    cluster.kubectl("admin", "apply", "-f", root.resolve("deploy/rbac.yaml").toString()).ok();
    cluster.kubectl("admin", "create", "namespace", "sifkube-system").ok();
    cluster
        .kubectl(
            "admin",
            "create",
            "clusterrolebinding",
            "siflet-hpc1",
            "--clusterrole=sifkube-siflet",
            "--user=siflet-hpc1")
        .ok();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (siflet != null && siflet.isAlive()) {
      siflet.destroy();
      siflet.waitFor(30, TimeUnit.SECONDS);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String mode(Path p) throws Exception {
    return Launcher.exec(List.of("stat", "-c", "%a", p.toString())).ok().out().strip();
  }

  @Test
  @Order(1)
  void theUnitIsValidAndStopsSifletAloneAndTheInstallationIsPrivate() throws Exception {
    Path unitFile = dir.resolve("sifkube-siflet.service");
    Files.writeString(unitFile, unit);
    Launcher.Result verify =
        Launcher.exec(List.of("systemd-analyze", "verify", "--man=no", unitFile.toString()));
    assertThat(verify.status()).isZero();
    assertThat(verify.out() + verify.err()).as("systemd-analyze verify says nothing").isBlank();
    assertThat(unit)
        .contains("\nKillMode=process\n")
        .contains("\nRestart=on-failure\n")
        .contains("\nDelegate=yes\n");
    assertThat(mode(staging.resolve("var/lib/sifkube"))).isEqualTo("700");
    assertThat(mode(staging.resolve("etc/sifkube/tls"))).isEqualTo("700");
    assertThat(mode(staging.resolve("etc/sifkube/siflet.conf"))).isEqualTo("600");
    assertThat(Files.isExecutable(Path.of(execStart.get(0)))).isTrue();
  }

  @Test
  @Order(2)
  void aRestartKeepsTheRunningContainerAndTheNodeStaysRegistered() throws Exception {
    // The installed file with this test's directories, TLS material and kubeconfig.
    Path pki =
        new TestPki(dir.resolve("pki"))
            .ca("ca")
            .server("siflet", "ca", "IP:127.0.0.1")
            .client("operator", "ca", "DNS:sifkube-operator")
            .dir();
    Path conf = staging.resolve("etc/sifkube/siflet.conf");
    String text =
        Files.readString(conf)
                .replace("=/var/lib/sifkube", "=" + dir.resolve("state"))
                .replace("=/run/sifkube/siflet.sock", "=" + dir.resolve("siflet.sock"))
                .replace("listen=0.0.0.0:7443", "listen=127.0.0.1:0")
                .replace("=/etc/sifkube/tls/ca.crt", "=" + pki.resolve("ca.crt"))
                .replace("=/etc/sifkube/tls/siflet.crt", "=" + pki.resolve("siflet.crt"))
                .replace("=/etc/sifkube/tls/siflet.key", "=" + pki.resolve("siflet.key"))
                .replace("=/etc/sifkube/siflet.kubeconfig", "=" + cluster.kubeconfig("siflet-hpc1"))
                .replace("# advertise-address=HOST:7443", "advertise-address=127.0.0.1:7443")
                .replace("# node-labels=partition=gpu,site=hpc1", "node-labels=partition=gpu")
            + "run-dir="
            + dir.resolve("run")
            + "\nnode-name=hpc1\nlease-seconds=8\n";
    Files.writeString(conf, text);
    siflet = start();
    try (KubernetesClient k = cluster.client("admin")) {
      OperatorIT.await(
          "SifNode hpc1 Ready",
          () -> {
            SifNode n = k.resources(SifNode.class).withName("hpc1").get();
            return n != null && io.sifkube.operator.run.Scheduler.isReady(n);
          });
      assertThat(k.resources(SifNode.class).withName("hpc1").get().getMetadata().getLabels())
          .containsEntry("partition", "gpu");
    }
    // what the kubeconfig's user may do: its node and Lease, nothing of the runs
    assertThat(canI("get", "sifruns")).isEqualTo("no");
    assertThat(canI("list", "secrets")).isEqualTo("no");
    assertThat(canI("patch", "sifnodes/status")).isEqualTo("yes");

    String sock = dir.resolve("siflet.sock").toString();
    Path layout = RunIT.busyboxLayout(dir.resolve("image"));
    String id =
        Launcher.sifctl("--siflet", sock, "run", "-d", "oci:" + layout + ":v1", "sleep 600")
            .ok()
            .out()
            .strip();
    String conmon = conmonOf(id);
    assertThat(conmon).as("the container's monitor").isNotEmpty();

    // systemctl stop/restart with KillMode=process: SIGTERM to siflet only
    siflet.destroy();
    assertThat(siflet.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(alive(conmon)).as("conmon outlives siflet").isTrue();
    siflet = start();
    String ps = Launcher.sifctl("--siflet", sock, "ps").ok().out();
    assertThat(ps.lines().filter(l -> l.startsWith(id)).findFirst().orElseThrow())
        .as("the restarted siflet adopts the running container")
        .contains("running");
    try (KubernetesClient k = cluster.client("admin")) {
      Lease l = k.leases().inNamespace("sifkube-system").withName("sifnode-hpc1").get();
      java.time.Instant renewed = l.getSpec().getRenewTime().toInstant();
      OperatorIT.await(
          "the Lease renewed after the restart",
          () ->
              k.leases()
                  .inNamespace("sifkube-system")
                  .withName("sifnode-hpc1")
                  .get()
                  .getSpec()
                  .getRenewTime()
                  .toInstant()
                  .isAfter(renewed));
    }
    Launcher.sifctl("--siflet", sock, "stop", "-t", "1", id).ok();
    Launcher.sifctl("--siflet", sock, "rm", id).ok();
    OperatorIT.await("conmon gone with its container", () -> !alive(conmon));
  }

  private static Process start() throws Exception {
    Path log = dir.resolve("siflet.log");
    Process p =
        new ProcessBuilder(execStart)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (Files.readString(log).split("siflet: ready", -1).length < starts + 2) {
      assertThat(p.isAlive()).as("siflet runs; log:\n%s", Files.readString(log)).isTrue();
      assertThat(System.nanoTime()).as("siflet ready in 60 s").isLessThan(deadline);
      Thread.sleep(50);
    }
    starts++;
    return p;
  }

  private static int starts;

  /** Whether {@code pid} runs (a zombie waiting for a reaper that is not ours does not). */
  private static boolean alive(String pid) {
    try {
      String stat = Files.readString(Path.of("/proc", pid, "stat"));
      return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static String canI(String verb, String resource) throws Exception {
    return cluster
        .kubectl("admin", "auth", "can-i", verb, resource, "--as=siflet-hpc1")
        .out()
        .strip();
  }

  /** The pid of the conmon monitoring container {@code id}. */
  private static String conmonOf(String id) throws Exception {
    List<String> pids = new ArrayList<>();
    for (String line :
        Launcher.exec(List.of("pgrep", "-f", "conmon.*" + id)).out().strip().split("\n")) {
      if (!line.isBlank()) {
        pids.add(line.strip());
      }
    }
    return pids.isEmpty() ? "" : pids.get(0);
  }
}
