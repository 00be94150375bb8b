package io.sifkube.runtime;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * One container driven through the OCI runtime's command line: {@code run} in the foreground with
 * our standard streams, signals forwarded with {@code kill}, and {@code delete --force} for
 * leftovers.
 */
final class RuntimeProcess {

  private static final List<String> FORWARDED =
      List.of("INT", "TERM", "HUP", "QUIT", "USR1", "USR2");

  private final OciRuntime runtime;
  private final String id;
  private final Path bundle;

  RuntimeProcess(OciRuntime runtime, String id, Path bundle) {
    this.runtime = runtime;
    this.id = id;
    this.bundle = bundle;
  }

  private List<String> command(String... args) {
    List<String> cmd =
        new ArrayList<>(List.of(runtime.binary().toString(), "--root", runtime.root().toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** The runtime's command line that runs the container in the foreground. */
  List<String> runCommand() {
    return command("run", "--bundle", bundle.toString(), id);
  }

  /** Runs the container; returns its exit status. */
  int runForeground() throws ContainerException {
    Process p;
    try {
      p = new ProcessBuilder(runCommand()).inheritIO().start();
    } catch (IOException e) {
      throw new ContainerException("cannot start " + runtime.name() + ": " + e.getMessage(), e);
    }
    // The runtime is our child: signals sent to sifctl are passed on to the container.
    for (String sig : FORWARDED) {
      try {
        Signal.handle(new Signal(sig), s -> kill(s.getName()));
      } catch (IllegalArgumentException ignored) {
        // the JVM reserves this one (e.g. QUIT for thread dumps): leave it alone
      }
    }
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill("KILL");
      throw new ContainerException("interrupted while waiting for the container", e);
    }
  }

  /**
   * Runs the container with our standard streams and no signal forwarding (the caller stops it);
   * returns its exit status.
   */
  int runChild() throws ContainerException {
    try {
      return new ProcessBuilder(runCommand()).inheritIO().start().waitFor();
    } catch (IOException e) {
      throw new ContainerException("cannot start " + runtime.name() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill("KILL");
      throw new ContainerException("interrupted while waiting for the container", e);
    }
  }

  private void kill(String signal) {
    try {
      new ProcessBuilder(command("kill", id, signal))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      // the container may be gone already
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Removes the runtime's record of the container, stopping it if it still runs. */
  void forceDelete() {
    try {
      new ProcessBuilder(command("delete", "--force", id))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      // nothing to delete
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
