package io.sifkube.cli;

import io.sifkube.image.oci.Digest;
import io.sifkube.image.pull.PullListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Pull progress on standard error: on a terminal one updating line per blob ({@code Copying blob
 * 445a6a12be2b 42.1 MiB / 80.0 MiB}), otherwise one plain line per blob; then SingularityCE's INFO
 * lines.
 */
final class ConsoleProgress implements PullListener {

  private final PrintStream err;
  private final boolean terminal;
  private long size;

  ConsoleProgress(PrintStream err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  static ConsoleProgress forStderr() {
    return new ConsoleProgress(System.err, System.console() != null);
  }

  @Override
  public void info(String message) {
    err.println("INFO:    " + message);
  }

  @Override
  public void blobStarted(Digest digest, long size) {
    this.size = size;
    if (terminal) {
      bar(digest, 0);
    } else {
      err.println("Copying blob " + digest.shortHex());
    }
  }

  @Override
  public void blobProgress(Digest digest, long bytes) {
    if (terminal) {
      bar(digest, bytes);
    }
  }

  @Override
  public void blobDone(Digest digest) {
    if (terminal) {
      bar(digest, size);
      err.println();
    }
  }

  private void bar(Digest digest, long bytes) {
    err.print("\rCopying blob " + digest.shortHex() + "  " + mib(bytes) + " / " + mib(size));
    err.flush();
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
  }
}
