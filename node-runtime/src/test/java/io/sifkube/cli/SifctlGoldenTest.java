package io.sifkube.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifFile;
import io.sifkube.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reference SIF loads, and {@code sifctl sif header|list|info} print exactly what the
 * reference siftool printed for it.
 */
class SifctlGoldenTest {

  static Stream<Path> referenceSifs() {
    return Fixtures.referenceSifs().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("referenceSifs")
  void headerMatchesSiftool(Path sif) {
    assertThat(run("sif", "header", sif.toString())).isEqualTo(Fixtures.expected(sif, "header"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("referenceSifs")
  void listMatchesSiftool(Path sif) {
    assertThat(run("sif", "list", sif.toString())).isEqualTo(Fixtures.expected(sif, "list"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("referenceSifs")
  void infoOfEveryObjectMatchesSiftool(Path sif) throws Exception {
    StringBuilder all = new StringBuilder();
    try (SifFile f = SifFile.open(sif)) {
      for (SifDescriptor d : f.descriptors()) {
        all.append("== info ").append(d.id()).append('\n');
        all.append(run("sif", "info", Integer.toString(d.id()), sif.toString()));
      }
    }
    assertThat(all.toString()).isEqualTo(Fixtures.expected(sif, "info"));
  }

  private static String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Sifctl.run(args, new PrintWriter(out), new PrintWriter(err));
    assertThat(err.toString()).isEmpty();
    assertThat(status).isZero();
    return out.toString();
  }
}
