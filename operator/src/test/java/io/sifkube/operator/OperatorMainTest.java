package io.sifkube.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
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
}
