package io.sifkube.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/sifctl starts the local commands with only the jars in target/sifctl.classpath (the build
 * writes it). jdeps finds every jar the code outside the daemon and the siflet client needs, with
 * what those jars need in turn; all of them must be on that list, or a command would fail with
 * NoClassDefFoundError on the first path that reaches a missing one.
 */
class SifctlClasspathIT {

  private static final Path TARGET = Path.of("target");

  @TempDir Path tmp;

  @Test
  void theLocalCommandsClassPathHoldsEveryJarTheirCodeNeeds() throws Exception {
    String list = Files.readString(TARGET.resolve("sifctl.classpath")).strip();
    Set<String> listed = new TreeSet<>();
    for (String entry : list.split(":")) {
      listed.add(Path.of(entry).getFileName().toString());
    }
    assertThat(listed)
        .contains("picocli-4.7.7.jar")
        .noneMatch(j -> j.matches("(grpc|netty|kube).*"));

    Path classes = tmp.resolve("local");
    copyLocalClasses(TARGET.resolve("classes"), classes);
    StringWriter out = new StringWriter();
    int rc =
        ToolProvider.findFirst("jdeps")
            .orElseThrow()
            .run(
                new PrintWriter(out),
                new PrintWriter(out),
                "--multi-release",
                "17",
                "-summary",
                "-R",
                "-cp",
                allJars(TARGET.resolve("lib")),
                classes.toString());
    assertThat(rc).as(out.toString()).isZero();

    Set<String> needed = new TreeSet<>();
    for (String line : out.toString().split("\n")) {
      String[] arrow = line.split(" -> ");
      if (arrow.length == 2 && arrow[1].strip().endsWith(".jar")) {
        needed.add(Path.of(arrow[1].strip()).getFileName().toString());
      }
    }
    assertThat(needed).as(out.toString()).contains("jna-5.18.1.jar", "jackson-databind-2.20.1.jar");
    assertThat(listed).containsAll(needed);
  }

  /** Every jar of the build, as a class path (jdeps run in process expands no wildcards). */
  private static String allJars(Path lib) throws IOException {
    try (Stream<Path> jars = Files.list(lib)) {
      return String.join(":", jars.map(Path::toString).sorted().toList());
    }
  }

  /** The classes of every package but the daemon's, and without the siflet client. */
  private static void copyLocalClasses(Path from, Path to) throws IOException {
    List<String> daemon = Arrays.asList("io/sifkube/siflet/", "io/sifkube/cli/SifletClient");
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String rel = from.relativize(f).toString();
        if (!Files.isRegularFile(f) || daemon.stream().anyMatch(rel::startsWith)) {
          continue;
        }
        Path dst = to.resolve(rel);
        Files.createDirectories(dst.getParent());
        Files.copy(f, dst);
      }
    }
  }
}
