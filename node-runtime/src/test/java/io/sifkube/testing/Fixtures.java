package io.sifkube.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Locates the reference SIF data: the SIF files and test keys sylabs/sif ships (from Debian's
 * golang-github-sylabs-sif-dev) and what the reference siftool prints for each, made and cached by
 * {@code hack/sif-reference.sh} (which {@code hack/test.sh} runs).
 */
public final class Fixtures {

  private Fixtures() {}

  /** The cache directory {@code hack/sif-reference.sh} fills. */
  public static Path sifReference() {
    Path dir =
        Path.of(
            System.getProperty("sifkube.sif.reference", "/var/cache/sifkube/sif-reference-2.21.0"));
    assertThat(dir.resolve(".complete"))
        .as("reference SIF data in %s: run hack/sif-reference.sh (hack/test.sh does)", dir)
        .isRegularFile();
    return dir;
  }

  /** Every reference {@code .sif}, sorted by name. */
  public static List<Path> referenceSifs() {
    try (Stream<Path> s = Files.list(sifReference())) {
      List<Path> all = s.filter(p -> p.toString().endsWith(".sif")).sorted().toList();
      assertThat(all).as("reference SIF files").hasSizeGreaterThanOrEqualTo(20);
      return all;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The text file {@code NAME.KIND.txt} next to {@code NAME.sif}. */
  public static String expected(Path sif, String kind) {
    String name = sif.getFileName().toString().replaceFirst("\\.sif$", "");
    try {
      return Files.readString(sif.resolveSibling(name + "." + kind + ".txt"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
