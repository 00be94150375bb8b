package io.sifkube.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class OperatorMainTest {

  @Test
  void versionPrintsTheBuildsVersionAndExitsZero() {
    StringWriter out = new StringWriter();
    CommandLine cmd = new CommandLine(new OperatorMain()).setOut(new PrintWriter(out));
    assertThat(cmd.execute("--version")).isZero();
    assertThat(out.toString().strip()).matches("sifkube-operator \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
  }

  @Test
  void theUninstallHookCommandNeedsItsNamespaceAndDaemonSet() {
    StringWriter err = new StringWriter();
    CommandLine cmd = new CommandLine(new UninstallCommand()).setErr(new PrintWriter(err));
    assertThat(cmd.execute("--namespace=sifkube-system")).isEqualTo(2);
    assertThat(err.toString()).contains("Missing required option: '--daemonset=<daemonSet>'");
    StringWriter out = new StringWriter();
    assertThat(
            new CommandLine(new UninstallCommand()).setOut(new PrintWriter(out)).execute("--help"))
        .isZero();
    assertThat(out.toString()).contains("pre-delete hook");
  }

  @Test
  void aNegativeNodeLostGraceIsAUsageError() {
    StringWriter err = new StringWriter();
    CommandLine cmd = new CommandLine(new OperatorMain()).setErr(new PrintWriter(err));
    int status =
        cmd.execute(
            "--tls-ca=ca.crt", "--tls-cert=op.crt", "--tls-key=op.key", "--node-lost-grace=-1");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).contains("--node-lost-grace: -1 is negative");
  }

  /**
   * On a one-CPU JVM (a container limited to a core) CompletableFuture's async stages must run on
   * the common pool, not on a new thread each; checked in a fresh JVM, as the setting only works
   * before the pool exists.
   */
  @Test
  void asyncStagesUseThePoolEvenOnOneCpu() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-XX:ActiveProcessorCount=1",
                "-cp",
                System.getProperty("java.class.path"),
                Probe.class.getName())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).isEqualTo("parallelism=2 pooled=true");
  }

  /** Run by the test above in its own JVM. */
  static final class Probe {
    public static void main(String[] args) throws Exception {
      OperatorMain.usableCommonPool();
      boolean pooled =
          CompletableFuture.supplyAsync(
                  () -> Thread.currentThread().getName().startsWith("ForkJoinPool.commonPool"))
              .get();
      System.out.println(
          "parallelism=" + ForkJoinPool.getCommonPoolParallelism() + " pooled=" + pooled);
    }
  }
}
