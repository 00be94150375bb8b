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
}
