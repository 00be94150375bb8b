package io.sifkube.siflet.containers;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogReaderTest {

  @TempDir Path dir;

  @Test
  void readsConmonsK8sFileFormatIncrementally() throws Exception {
    Path log = dir.resolve("c.log");
    Files.writeString(
        log,
        "2026-11-27T23:40:01.123456789+00:00 stdout F hello world\n"
            + "2026-11-27T23:40:02.000000000+00:00 stderr P part\n"
            + "not a log line\n"
            + "2026-11-27T23:40:03.000000000+00:00 stdout F \n"
            + "2026-11-27T23:40:04.000000000+00:00 stdout F unfinished",
        StandardCharsets.UTF_8);
    LogReader.Chunk c = LogReader.read(log, 0, null, 0);
    assertThat(c.lines()).hasSize(3);
    LogReader.Line first = c.lines().get(0);
    assertThat(first.time()).isEqualTo(Instant.parse("2026-11-27T23:40:01.123456789Z"));
    assertThat(new String(first.text(), StandardCharsets.UTF_8)).isEqualTo("hello world");
    assertThat(c.lines().get(1).stderr()).isTrue();
    assertThat(c.lines().get(1).partial()).isTrue();
    assertThat(c.lines().get(2).text()).isEmpty();

    // The unfinished last line is read once its newline arrives.
    Files.writeString(
        log, " now\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
    LogReader.Chunk next = LogReader.read(log, c.next(), null, 0);
    assertThat(next.lines()).hasSize(1);
    assertThat(new String(next.lines().get(0).text(), StandardCharsets.UTF_8))
        .isEqualTo("unfinished now");
    assertThat(next.next()).isEqualTo(Files.size(log));
    assertThat(LogReader.read(log, 0, null, 1).lines()).hasSize(1);
    assertThat(LogReader.read(log, 0, Instant.parse("2026-11-27T23:40:02Z"), 0).lines()).hasSize(3);
  }
}
