package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers start quietly on the newest JDK here: no JDK 22+ native-access warnings (JNA,
 * Netty) and no JDK 24+ {@code sun.misc.Unsafe} warnings (protobuf, Netty) from siflet, the
 * operator or {@code sifctl --siflet}.
 */
class QuietStartIT {

  @TempDir static Path dir;
  private static Path javaBin;

  /** The newest JDK under /usr/lib/jvm, else the one on PATH. */
  @BeforeAll
  static void newestJdk() throws Exception {
    int best = 0;
    Path found = null;
    try (Stream<Path> jvms = Files.list(Path.of("/usr/lib/jvm"))) {
      for (Path j : jvms.toList()) {
        Path release = j.resolve("release");
        if (!Files.isRegularFile(release) || !Files.isExecutable(j.resolve("bin/java"))) {
          continue;
        }
        String v =
            Files.readAllLines(release).stream()
                .filter(l -> l.startsWith("JAVA_VERSION="))
                .findFirst()
                .orElse("JAVA_VERSION=\"0")
                .replaceAll("^JAVA_VERSION=\"([0-9]+).*$", "$1");
        if (Integer.parseInt(v) > best) {
          best = Integer.parseInt(v);
          found = j.resolve("bin");
        }
      }
    }
    javaBin = found;
    assertThat(javaBin).as("a JDK under /usr/lib/jvm").isNotNull();
  }

  private static Map<String, String> env() {
    return Map.of("PATH", javaBin + ":" + System.getenv("PATH"), "SIFKUBE_JAVA", javaBin + "/java");
  }

  private static List<String> warnings(String text) {
    List<String> out = new ArrayList<>();
    text.lines().filter(l -> l.startsWith("WARNING: ")).forEach(out::add);
    return out;
  }

  @Test
  void sifletAndTheSifletClient() throws Exception {
    Path d = Files.createDirectories(dir.resolve("siflet"));
    ProcessBuilder pb =
        new ProcessBuilder(
                Launcher.repoRoot().resolve("bin/siflet").toString(),
                "--state-dir",
                d.resolve("state").toString(),
                "--run-dir",
                d.resolve("run").toString(),
                "--socket",
                d.resolve("s.sock").toString(),
                "--cdi-dirs",
                d.resolve("cdi").toString())
            .redirectErrorStream(true)
            .redirectOutput(d.resolve("log").toFile());
    pb.environment().putAll(env());
    Process siflet = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.readString(d.resolve("log")).contains("siflet: ready")) {
        assertThat(siflet.isAlive()).as(Files.readString(d.resolve("log"))).isTrue();
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(50);
      }
      Launcher.Result ps =
          Launcher.exec(
              List.of(
                  Launcher.repoRoot().resolve("bin/sifctl").toString(),
                  "--siflet",
                  d.resolve("s.sock").toString(),
                  "ps"),
              env());
      assertThat(ps.status()).as(ps.err()).isZero();
      assertThat(ps.err()).as("sifctl --siflet's stderr on %s", javaBin).isEmpty();
    } finally {
      siflet.destroy();
      siflet.waitFor(30, TimeUnit.SECONDS);
    }
    assertThat(warnings(Files.readString(d.resolve("log")))).as("siflet on %s", javaBin).isEmpty();
  }

  @Test
  void theOperator() throws Exception {
    Path pki =
        new TestPki(dir.resolve("pki")).ca("ca").cert("operator", "ca", "IP:127.0.0.1").dir();
    Path kubeconfig =
        Files.writeString(
            dir.resolve("kubeconfig"),
            "apiVersion: v1\nkind: Config\n"
                + "clusters: [{name: c, cluster: {server: \"https://127.0.0.1:1\"}}]\n"
                + "users: [{name: u, user: {token: x}}]\n"
                + "contexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n");
    ProcessBuilder pb =
        new ProcessBuilder(
                Launcher.repoRoot().resolve("bin/sifkube-operator").toString(),
                "--kubeconfig",
                kubeconfig.toString(),
                "--tls-ca",
                pki.resolve("ca.crt").toString(),
                "--tls-cert",
                pki.resolve("operator.crt").toString(),
                "--tls-key",
                pki.resolve("operator.key").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("operator.log").toFile());
    pb.environment().putAll(env());
    Process op = pb.start();
    // Far enough to have built its gRPC channels and its client (it cannot reach the cluster).
    Thread.sleep(8000);
    op.destroy();
    op.waitFor(30, TimeUnit.SECONDS);
    String log = Files.readString(dir.resolve("operator.log"));
    assertThat(log).contains("Operator SDK");
    assertThat(warnings(log)).as("the operator on %s", javaBin).isEmpty();
  }
}
