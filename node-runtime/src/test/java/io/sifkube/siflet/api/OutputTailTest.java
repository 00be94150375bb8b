package io.sifkube.siflet.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.runtime.LogReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputTailTest {

  private static LogReader.Line line(String text, boolean partial) {
    return new LogReader.Line(Instant.EPOCH, false, partial, text.getBytes(StandardCharsets.UTF_8));
  }

  private static String cut(int max, LogReader.Line... lines) {
    return new String(OutputTail.cut(List.of(lines), max), StandardCharsets.UTF_8);
  }

  @Test
  void wholeLinesEndInNewlinesAndPartialOnesJoinTheNext() {
    assertThat(cut(100, line("one", false), line("tw", true), line("o", false), line("x", true)))
        .isEqualTo("one\ntwo\nx");
  }

  @Test
  void aLongTailIsCutAtALineStart() {
    // Of "alpha\nbeta\ngamma\n" (17 bytes), the last 12 start at alpha's newline and the last
    // 11 at beta: both keep "beta\ngamma\n"; the last 10 start inside beta and keep gamma.
    LogReader.Line[] three = {line("alpha", false), line("beta", false), line("gamma", false)};
    assertThat(cut(12, three)).isEqualTo("beta\ngamma\n");
    assertThat(cut(11, three)).isEqualTo("beta\ngamma\n");
    assertThat(cut(10, three)).isEqualTo("gamma\n");
  }

  @Test
  void oneLineLongerThanTheLimitKeepsItsEnd() {
    assertThat(cut(4, line("abcdefgh", false))).isEqualTo("fgh\n");
    assertThat(cut(10, line("", false))).isEqualTo("\n");
  }
}
