package io.sifkube.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Locates the shared reference fixtures (SIF files written by sylabs/sif and siftool's output). */
public final class Fixtures {

  private Fixtures() {}

  /** {@code ../shared/fixtures/sif-reference}, next to the repository. */
  public static Path sifReference() {
    String shared = System.getProperty("sifkube.shared", "../shared");
    Path dir = Path.of(shared, "fixtures", "sif-reference").normalize();
    assertThat(dir)
        .as("reference SIF fixtures (the shared/ folder beside the repository)")
        .isDirectory();
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
