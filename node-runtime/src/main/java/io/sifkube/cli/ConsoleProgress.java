package io.sifkube.cli;

import io.sifkube.image.oci.Digest;
import io.sifkube.image.pull.PullListener;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Pull progress on standard error: on a terminal one updating line per blob ({@code Copying blob
 * 445a6a12be2b 42.1 MiB / 80.0 MiB}), otherwise one plain line per blob; then SingularityCE's INFO
 * lines.
 */
final class ConsoleProgress implements PullListener {

  private final PrintStream err;
  private final boolean terminal;

  /** Layers download in parallel: each blob's size, for its progress line. */
  private final Map<Digest, Long> sizes = new HashMap<>();

  ConsoleProgress(PrintStream err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  static ConsoleProgress forStderr() {
    return new ConsoleProgress(System.err, System.console() != null);
  }

  @Override
  public synchronized void info(String message) {
    err.println("INFO:    " + message);
  }

  @Override
  public synchronized void blobStarted(Digest digest, long size) {
    sizes.put(digest, size);
    if (terminal) {
      bar(digest, 0);
    } else {
      err.println("Copying blob " + digest.shortHex());
    }
  }

  @Override
  public synchronized void blobProgress(Digest digest, long bytes) {
    if (terminal) {
      bar(digest, bytes);
    }
  }

  @Override
  public synchronized void blobDone(Digest digest) {
    if (terminal) {
      bar(digest, sizes.getOrDefault(digest, 0L));
      err.println();
    }
  }

  private void bar(Digest digest, long bytes) {
    err.print(
        "\rCopying blob "
            + digest.shortHex()
            + "  "
            + mib(bytes)
            + " / "
            + mib(sizes.getOrDefault(digest, 0L)));
    err.flush();
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
