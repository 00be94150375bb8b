package io.sifkube.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds host programs on PATH, as a shell would. */
public final class Executables {

  private Executables() {}

  /**
   * Makes this JVM start child processes with vfork(2) + exec, unless the user chose otherwise
   * ({@code -Djdk.lang.Process.launchMechanism}). The JDK 17 default on Linux starts a helper
   * program that then executes the real one: two execs per process. siflet runs conmon and the
   * runtime several times per container, and that second exec was about a millisecond each here.
   * Call it first thing in {@code main}, before any process is started. Later JDKs deprecate vfork
   * and say so on standard error, so there the JDK's default stays.
   */
  public static void preferVfork() {
    if (Runtime.version().feature() < 22
        && System.getProperty("jdk.lang.Process.launchMechanism") == null) {
      System.setProperty("jdk.lang.Process.launchMechanism", "VFORK");
    }
  }

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
