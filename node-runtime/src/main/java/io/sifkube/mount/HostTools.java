package io.sifkube.mount;

import io.sifkube.runtime.ContainerException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host mount tool and turns its failure into an error that says what was being done. */
final class HostTools {

  private HostTools() {}

  static void run(String doing, String... cmd) throws IOException {
    Process p;
    try {
      p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new ContainerException(doing + ": cannot run " + cmd[0] + ": " + e.getMessage(), e);
    }
    // FUSE daemons detach with their standard streams on /dev/null, so this ends when they fork.
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new ContainerException(doing + ": " + cmd[0] + " did not finish in 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerException(doing + ": interrupted");
    }
    if (p.exitValue() != 0) {
      throw new ContainerException(
          doing
              + " failed: "
              + new String(out, StandardCharsets.UTF_8).strip()
              + " ("
              + String.join(" ", cmd)
              + ")");
    }
  }
}
