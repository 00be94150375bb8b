package io.sifkube.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conmon's k8s-file logs read as bytes: offsets, binary output, tails of large files, rotation. */
class LogReaderTest {

  @TempDir Path dir;

  private static byte[] record(int second, String stream, String tag, byte[] text) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    String head =
        "2026-11-27T23:40:"
            + String.format("%02d", second % 60)
            + ".123456789+00:00 "
            + stream
            + " "
            + tag
            + " ";
    b.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
    b.writeBytes(text);
    b.write('\n');
    return b.toByteArray();
  }

  private static byte[] record(int second, String text) {
    return record(second, "stdout", "F", text.getBytes(StandardCharsets.UTF_8));
  }

  private static void append(Path log, byte[]... records) throws Exception {
    try (OutputStream o =
        Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
      for (byte[] r : records) {
        o.write(r);
      }
    }
  }

  private static String text(LogReader.Line l) {
    return new String(l.text(), StandardCharsets.UTF_8);
  }

  @Test
  void readsConmonsFormatIncrementally() throws Exception {
    Path log = dir.resolve("c.log");
    Files.writeString(
        log,
        "2026-11-27T23:40:01.123456789+00:00 stdout F hello world\n"
            + "2026-11-27T23:40:02.000000000+00:00 stderr P part\n"
            + "not a log line\n"
            + "2026-11-27T23:40:03.000000000+00:00 stdout F \n"
            + "2026-11-27T23:40:04.000000000+00:00 stdout F unfinished",
        StandardCharsets.UTF_8);
    try (LogReader r = LogReader.open(log, null)) {
      List<LogReader.Line> lines = r.existing(0);
      assertThat(lines).hasSize(3);
      assertThat(lines.get(0).time()).isEqualTo(Instant.parse("2026-11-27T23:40:01.123456789Z"));
      assertThat(text(lines.get(0))).isEqualTo("hello world");
      assertThat(lines.get(1).stderr()).isTrue();
      assertThat(lines.get(1).partial()).isTrue();
      assertThat(lines.get(2).text()).isEmpty();
      // The unfinished last line is read once its newline arrives.
      Files.writeString(log, " now\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      List<LogReader.Line> next = r.more();
      assertThat(next).extracting(LogReaderTest::text).containsExactly("unfinished now");
      assertThat(r.offset()).isEqualTo(Files.size(log));
    }
    try (LogReader r = LogReader.open(log, Instant.parse("2026-11-27T23:40:02Z"))) {
      assertThat(r.existing(0)).hasSize(3);
    }
  }

  @Test
  void binaryAndInvalidUtf8OutputKeepsItsBytesAndTheOffsetsStayExact() throws Exception {
    Path log = dir.resolve("bin.log");
    byte[] binary = {0, 1, (byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28, (byte) 0xe2, (byte) 0x82};
    byte[] utf8 = "grüße, 世界".getBytes(StandardCharsets.UTF_8);
    append(log, record(1, "stdout", "F", binary), record(2, "stderr", "F", utf8));
    try (LogReader r = LogReader.open(log, null)) {
      List<LogReader.Line> lines = r.existing(0);
      assertThat(lines.get(0).text()).isEqualTo(binary);
      assertThat(lines.get(1).text()).isEqualTo(utf8);
      assertThat(r.offset()).isEqualTo(Files.size(log));
      append(log, record(3, "after"));
      assertThat(r.more()).extracting(LogReaderTest::text).containsExactly("after");
    }
    // the same from the end
    try (LogReader r = LogReader.open(log, null)) {
      List<LogReader.Line> last = r.existing(2);
      assertThat(last.get(0).text()).isEqualTo(utf8);
      assertThat(text(last.get(1))).isEqualTo("after");
      assertThat(r.offset()).isEqualTo(Files.size(log));
    }
  }

  @Test
  void theTailOfA200MiBLogIsItsLastLinesAndFollowGoesOnFromTheEnd() throws Exception {
    Path log = dir.resolve("big.log");
    byte[] filler = new byte[1000];
    java.util.Arrays.fill(filler, (byte) 'x');
    try (OutputStream o = new java.io.BufferedOutputStream(Files.newOutputStream(log), 1 << 20)) {
      for (int i = 0; i < 200 * 1024; i++) {
        o.write(record(i, "stdout", "F", filler));
      }
      for (int i = 0; i < 5; i++) {
        o.write(record(i, "line " + i));
      }
    }
    assertThat(Files.size(log)).isGreaterThan(200L << 20);
    try (LogReader r = LogReader.open(log, null)) {
      long t0 = System.nanoTime();
      List<LogReader.Line> tail = r.existing(3);
      assertThat(tail)
          .extracting(LogReaderTest::text)
          .containsExactly("line 2", "line 3", "line 4");
      assertThat(r.offset()).isEqualTo(Files.size(log));
      assertThat(System.nanoTime() - t0).as("read from the end").isLessThan(2_000_000_000L);
      assertThat(r.more()).as("nothing replayed").isEmpty();
      append(log, record(9, "new"));
      assertThat(r.more()).extracting(LogReaderTest::text).containsExactly("new");
    }
    // A record longer than the reader's chunk (none of conmon's is) is skipped, not a stall.
    Path odd = dir.resolve("odd.log");
    byte[] huge = new byte[LogReader.CHUNK + 10];
    java.util.Arrays.fill(huge, (byte) 'y');
    append(odd, record(1, "before"), huge, new byte[] {'\n'}, record(2, "after"));
    try (LogReader r = LogReader.open(odd, null)) {
      assertThat(r.existing(0)).extracting(LogReaderTest::text).containsExactly("before", "after");
    }
  }

  @Test
  void aLogRotatedWhileFollowedIsReadToItsEndThenTheNewOneFromItsStart() throws Exception {
    Path log = dir.resolve("rot.log");
    append(log, record(1, "one"));
    try (LogReader r = LogReader.open(log, null)) {
      assertThat(r.existing(0)).extracting(LogReaderTest::text).containsExactly("one");
      append(log, record(2, "two")); // written before the rotation, read after it
      // conmon rotates by renaming a new file over the log
      Path fresh = dir.resolve("rot.log.tmp");
      append(fresh, record(3, "three"));
      Files.move(fresh, log, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      assertThat(r.more()).extracting(LogReaderTest::text).containsExactly("two", "three");
      append(log, record(4, "four"));
      assertThat(r.more()).extracting(LogReaderTest::text).containsExactly("four");
      // and a log truncated in place starts over too
      Files.write(log, record(5, "five"));
      assertThat(r.more()).extracting(LogReaderTest::text).containsExactly("five");
    }
  }

  @Test
  void aLogThatDoesNotExistYetIsReadOnceItDoes() throws Exception {
    Path log = dir.resolve("later.log");
    try (LogReader r = LogReader.open(log, null)) {
      assertThat(r.existing(10)).isEmpty();
      assertThat(r.more()).isEmpty();
      append(log, record(1, "hi"));
      assertThat(r.more()).extracting(LogReaderTest::text).containsExactly("hi");
    }
  }
}
