package io.sifkube.siflet.containers;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Reads a container log in CRI's k8s-file format, which conmon writes: one line per chunk, {@code
 * TIME STREAM TAG TEXT}, where TIME is RFC 3339 with nanoseconds, STREAM is stdout or stderr and
 * TAG is F (a full line) or P (a partial one, continued by the next).
 */
public final class LogReader {

  /** One parsed log line. */
  public record Line(Instant time, boolean stderr, boolean partial, byte[] text) {}

  private LogReader() {}

  /** Parses one line; empty when it is not in the format. */
  public static Optional<Line> parse(String line) {
    String[] f = line.split(" ", 4);
    if (f.length < 3) {
      return Optional.empty();
    }
    Instant t;
    try {
      t = OffsetDateTime.parse(f[0]).toInstant();
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
    boolean err = f[1].equals("stderr");
    if (!err && !f[1].equals("stdout")) {
      return Optional.empty();
    }
    String text = f.length == 4 ? f[3] : "";
    return Optional.of(new Line(t, err, f[2].equals("P"), text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * The complete lines of {@code log} from byte {@code offset}, at or after {@code since}, at most
   * the last {@code tail} of them (all when {@code tail <= 0}).
   *
   * @return the lines and the offset after the last complete line read
   */
  public static Chunk read(Path log, long offset, Instant since, long tail) throws IOException {
    if (!Files.exists(log)) {
      return new Chunk(List.of(), offset);
    }
    byte[] bytes;
    try (RandomAccessFile f = new RandomAccessFile(log.toFile(), "r")) {
      long len = f.length();
      if (len <= offset) {
        return new Chunk(List.of(), offset);
      }
      bytes = new byte[(int) Math.min(len - offset, 64L << 20)];
      f.seek(offset);
      f.readFully(bytes);
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    int end = text.lastIndexOf('\n');
    if (end < 0) {
      return new Chunk(List.of(), offset);
    }
    Deque<Line> lines = new ArrayDeque<>();
    for (String l : text.substring(0, end).split("\n", -1)) {
      Optional<Line> p = parse(l);
      if (p.isPresent() && (since == null || !p.get().time().isBefore(since))) {
        lines.add(p.get());
        if (tail > 0 && lines.size() > tail) {
          lines.removeFirst();
        }
      }
    }
    long consumed = text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
    return new Chunk(new ArrayList<>(lines), offset + consumed);
  }

  /** Lines read and where to go on. */
  public record Chunk(List<Line> lines, long next) {}
}
