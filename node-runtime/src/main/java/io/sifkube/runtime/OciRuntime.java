package io.sifkube.runtime;

import io.sifkube.sys.SealedExecutable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The OCI runtime binary to drive — crun by default, runc when asked for, when crun is missing, or
 * when crun would refuse this host — and its state directory.
 *
 * @param name "crun" or "runc"
 * @param binary the executable (the installed one, or a sealed copy of it: {@link #sealed})
 * @param root the runtime's state directory ({@code --root})
 */
public record OciRuntime(String name, Path binary, Path root) {

  /** Where our runtimes keep their state when running as root. */
  static final Path STATE = Path.of("/run/sifkube/runtime");

  /**
   * Chooses the runtime. {@code requested} is "crun", "runc" or null (choose).
   *
   * @param warn hears why crun was passed over
   * @throws ContainerException when the requested runtime is missing or cannot work here
   */
  public static OciRuntime choose(String requested, Consumer<String> warn)
      throws ContainerException {
    return choose(requested, warn, STATE);
  }

  /** As {@link #choose(String, Consumer)}, keeping the runtime's state under {@code stateRoot}. */
  public static OciRuntime choose(String requested, Consumer<String> warn, Path stateRoot)
      throws ContainerException {
    if (requested != null && !List.of("crun", "runc").contains(requested)) {
      throw new ContainerException("--runtime must be crun or runc, not \"" + requested + "\"");
    }
    String whyNotCrun = null;
    if (!"runc".equals(requested)) {
      Optional<Path> crun = Executables.find("crun");
      Optional<String> crunProblem = crun.isPresent() ? crunHostProblem() : Optional.empty();
      if (crun.isPresent() && crunProblem.isEmpty()) {
        return new OciRuntime("crun", crun.get(), stateRoot.resolve("crun"));
      }
      whyNotCrun = crun.isEmpty() ? "crun is not installed" : crunProblem.get();
      if ("crun".equals(requested)) {
        throw new ContainerException("cannot use crun: " + whyNotCrun);
      }
    }
    // runc is looked up only now: a one-shot run pays for every lookup it makes
    Optional<Path> runc = Executables.find("runc");
    if (runc.isEmpty()) {
      throw new ContainerException(
          whyNotCrun != null
              ? "cannot use crun: " + whyNotCrun
              : "runc is not installed (apt-get install runc)");
    }
    if (whyNotCrun != null) {
      warn.accept(whyNotCrun + "; using runc");
    }
    return new OciRuntime("runc", runc.get(), stateRoot.resolve("runc"));
  }

  /**
   * This runtime run from a sealed in-memory copy of its binary, made once for this process, so
   * that each invocation need not protect the host binary by copying or bind-mounting itself and
   * executing again (see {@link SealedExecutable}). Where no copy can be made, {@code note} hears
   * why and the installed binary is used as before.
   */
  public OciRuntime sealed(Consumer<String> note) {
    try {
      return new OciRuntime(name, SealedExecutable.of(binary), root);
    } catch (IOException e) {
      note.accept(
          "running " + name + " from " + binary + " (no sealed copy: " + e.getMessage() + ")");
      return this;
    }
  }

  /**
   * Why crun would refuse this host, if it would: crun 1.8 refuses hybrid cgroup hosts where a
   * cgroup v2 hierarchy beside the v1 ones still holds controllers.
   */
  static Optional<String> crunHostProblem() {
    try {
      return crunHostProblem(
          Files.readAllLines(Path.of("/proc/self/mountinfo")),
          p -> {
            try {
              return Files.exists(p) ? Files.readString(p) : "";
            } catch (IOException e) {
              return "";
            }
          });
    } catch (IOException e) {
      return Optional.empty(); // cannot tell: let crun speak for itself
    }
  }

  /** As {@link #crunHostProblem()}, from a mountinfo listing and a file reader (for tests). */
  static Optional<String> crunHostProblem(List<String> mountinfo, Function<Path, String> read) {
    for (String line : mountinfo) {
      if (!line.contains(" - cgroup2 ")) {
        continue; // most lines: split only the few that can matter (mountinfo escapes spaces)
      }
      String[] f = line.split(" ");
      int dash = List.of(f).indexOf("-");
      if (dash < 0 || dash + 1 >= f.length || !f[dash + 1].equals("cgroup2")) {
        continue;
      }
      Path mount = Path.of(f[4]);
      if (mount.equals(Path.of("/sys/fs/cgroup"))) {
        return Optional.empty(); // unified mode: fine
      }
      String c = read.apply(mount.resolve("cgroup.controllers")).trim();
      if (!c.isEmpty()) {
        String first = c.split("\\s+")[0].toLowerCase(Locale.ROOT);
        return Optional.of(
            "crun refuses this host: cgroups are in hybrid mode and the cgroup v2 hierarchy at "
                + mount
                + " holds controllers ("
                + c
                + "); attach them to v1 hierarchies (e.g. mkdir -p /sys/fs/cgroup/"
                + first
                + " && mount -t cgroup -o "
                + first
                + " cgroup /sys/fs/cgroup/"
                + first
                + ")");
      }
    }
    return Optional.empty();
  }
}
