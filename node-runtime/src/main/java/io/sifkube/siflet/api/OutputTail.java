package io.sifkube.siflet.api;

import com.google.protobuf.ByteString;
import io.sifkube.runtime.LogReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The end of a container's output carried by its stop event, so that a client that records it (the
 * operator keeps it in the run's status) needs no ContainerLogs call after each exit.
 */
final class OutputTail {

  /** As many lines as the operator asked ContainerLogs for before events carried them. */
  static final int LINES = 100;

  private OutputTail() {}

  /** The tail of the log at {@code file}, or empty when it cannot be read. */
  static Optional<ByteString> read(Path file, int maxBytes) {
    try (LogReader log = LogReader.open(file, null)) {
      return Optional.of(ByteString.copyFrom(cut(log.existing(LINES), maxBytes)));
    } catch (IOException e) {
      return Optional.empty(); // the client falls back to ContainerLogs, which says why
    }
  }

  /**
   * The lines joined ('\n' after each whole line, none after a partial one), then at most {@code
   * maxBytes} from their end, starting at a line start where the cut leaves one.
   */
  static byte[] cut(List<LogReader.Line> lines, int maxBytes) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (LogReader.Line l : lines) {
      b.writeBytes(l.text());
      if (!l.partial()) {
        b.write('\n');
      }
    }
    byte[] all = b.toByteArray();
    if (all.length <= maxBytes) {
      return all;
    }
    int from = all.length - maxBytes;
    for (int i = from - 1;
        i < all.length - 1;
        i++) { // a newline at from - 1: from is a line start already
      if (all[i] == '\n') {
        from = i + 1;
        break;
      }
    }
    return Arrays.copyOfRange(all, from, all.length);
  }
}
