package io.sifkube.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds host programs on PATH, as a shell would. */
public final class Executables {

  private Executables() {}

  /** The executable {@code tool} on PATH, if any. */
  public static Optional<Path> find(String tool) {
    for (String dir :
        System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
