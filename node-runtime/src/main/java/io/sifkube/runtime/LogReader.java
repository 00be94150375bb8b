package io.sifkube.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * Reads a container log in CRI's k8s-file format, which conmon writes: one record per line, {@code
 * TIME STREAM TAG TEXT}, TIME RFC 3339 with nanoseconds, STREAM stdout or stderr, TAG F (a full
 * line) or P (a partial one, continued by the next). The log is bytes: TEXT is the container's
 * output as it wrote it, binary or not, and positions are byte offsets, never counts of decoded
 * characters. The last lines are read from the end of the file, however large it is; a reader
 * follows the file from where it stopped, and on to the new file when the log is rotated (a new
 * file renamed over it, as conmon does, or the file truncated).
 */
public final class LogReader implements AutoCloseable {

  /** One record. */
  public record Line(Instant time, boolean stderr, boolean partial, byte[] text) {}

  /** The most read at once; a record longer than this (conmon's are 8 KiB at most) is skipped. */
  static final int CHUNK = 1 << 20;

  private final Path path;
  private final Instant since;
  private FileChannel channel;
  private Object fileKey;
  private long offset;

  private LogReader(Path path, Instant since) {
    this.path = path;
    this.since = since;
  }

  /**
   * A reader of {@code log} keeping only records at or after {@code since} (null: all); the file
   * need not exist yet.
   */
  public static LogReader open(Path log, Instant since) {
    return new LogReader(log, since);
  }

  /** Where the next record starts, in bytes of the current file. */
  public long offset() {
    return offset;
  }

  /**
   * The complete records in the file now: the last {@code tail} of them (all when {@code tail <=
   * 0}), read backwards from the end for a tail. Afterwards the reader stands after the last one.
   */
  public List<Line> existing(long tail) throws IOException {
    if (!reopen()) {
      return List.of();
    }
    if (tail <= 0) {
      return more();
    }
    long size = channel.size();
    long end = lastNewline(size); // the file's complete records end here
    if (end < 0) {
      offset = 0;
      return List.of();
    }
    Deque<Line> out = new ArrayDeque<>();
    long stop = end + 1; // the byte after the newline of the record being assembled
    long pos = stop;
    byte[] carry = new byte[0]; // the start of a record whose beginning is further back
    while (pos > 0 && out.size() < tail) {
      int n = (int) Math.min(CHUNK, pos);
      pos -= n;
      byte[] block = read(pos, n);
      byte[] buf = concat(block, carry);
      int lineEnd = buf.length; // exclusive; buf[lineEnd - 1] is '\n' for complete records
      for (int i = buf.length - 2; i >= -1 && out.size() < tail; i--) {
        if (i == -1 && pos > 0) {
          break; // the record starts before this block
        }
        if (i == -1 || buf[i] == '\n') {
          Line l = parse(buf, i + 1, lineEnd - 1);
          if (l != null && (since == null || !l.time().isBefore(since))) {
            out.addFirst(l);
          }
          lineEnd = i + 1;
        }
      }
      carry = Arrays.copyOfRange(buf, 0, lineEnd);
      if (carry.length > CHUNK) {
        carry = new byte[0]; // a record longer than any conmon writes: not a record
      }
    }
    offset = stop;
    return new ArrayList<>(out);
  }

  /**
   * The complete records written since the last call, in order; with a rotated log, the rest of the
   * old file, then the new one from its start.
   */
  public List<Line> more() throws IOException {
    List<Line> out = new ArrayList<>();
    if (channel == null && !reopen()) {
      return out;
    }
    readForward(out);
    Object now = currentKey();
    boolean replaced = now != null && !Objects.equals(now, fileKey);
    boolean truncated = now != null && !replaced && channel.size() < offset;
    if (replaced || truncated) {
      channel.close();
      channel = null;
      offset = 0;
      if (reopen()) {
        readForward(out);
      }
    }
    return out;
  }

  private void readForward(List<Line> out) throws IOException {
    while (true) {
      long size = channel.size();
      if (size <= offset) {
        return;
      }
      int n = (int) Math.min(CHUNK, size - offset);
      byte[] buf = read(offset, n);
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (buf[i] == '\n') {
          Line l = parse(buf, start, i);
          if (l != null && (since == null || !l.time().isBefore(since))) {
            out.add(l);
          }
          start = i + 1;
        }
      }
      if (start == 0) {
        if (n == CHUNK) {
          offset += n; // no newline in a whole chunk: not conmon's records; go past them
          continue;
        }
        return; // the last record is still being written
      }
      offset += start;
      if (n < CHUNK) {
        return;
      }
    }
  }

  /** Opens the file the path names now; false when there is none. */
  private boolean reopen() throws IOException {
    if (channel != null) {
      return true;
    }
    try {
      channel = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      return false;
    }
    fileKey = currentKey();
    return true;
  }

  private Object currentKey() throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  private long lastNewline(long size) throws IOException {
    long pos = size;
    while (pos > 0) {
      int n = (int) Math.min(64 << 10, pos);
      pos -= n;
      byte[] b = read(pos, n);
      for (int i = n - 1; i >= 0; i--) {
        if (b[i] == '\n') {
          return pos + i;
        }
      }
      if (size - pos > CHUNK) {
        return -1;
      }
    }
    return -1;
  }

  private byte[] read(long at, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (channel.read(b, at + b.position()) < 0) {
        break;
      }
    }
    return b.position() == n ? b.array() : Arrays.copyOf(b.array(), b.position());
  }

  private static byte[] concat(byte[] a, byte[] b) {
    if (b.length == 0) {
      return a;
    }
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The record in {@code buf[from, to)} (without its newline), or null when it is not one. */
  static Line parse(byte[] buf, int from, int to) {
    int s1 = indexOf(buf, from, to, (byte) ' ');
    int s2 = s1 < 0 ? -1 : indexOf(buf, s1 + 1, to, (byte) ' ');
    if (s2 < 0) {
      return null;
    }
    int s3 = indexOf(buf, s2 + 1, to, (byte) ' ');
    int tagEnd = s3 < 0 ? to : s3;
    Instant t;
    try {
      t =
          OffsetDateTime.parse(new String(buf, from, s1 - from, StandardCharsets.US_ASCII))
              .toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
    String stream = new String(buf, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII);
    boolean err = stream.equals("stderr");
    if (!err && !stream.equals("stdout")) {
      return null;
    }
    boolean partial = tagEnd - s2 - 1 == 1 && buf[s2 + 1] == 'P';
    byte[] text = s3 < 0 ? new byte[0] : Arrays.copyOfRange(buf, s3 + 1, to);
    return new Line(t, err, partial, text);
  }

  private static int indexOf(byte[] buf, int from, int to, byte b) {
    for (int i = from; i < to; i++) {
      if (buf[i] == b) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
      channel = null;
    }
  }
}
