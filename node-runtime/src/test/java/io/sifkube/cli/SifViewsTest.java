package io.sifkube.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SifViewsTest {

  @ParameterizedTest(name = "{0} bytes → {1}")
  @CsvSource({
    "0, 0 B",
    "1023, 1023 B",
    "1024, 1 KiB",
    "1535, 1 KiB",
    // Go's math.Round rounds halves away from zero.
    "1536, 2 KiB",
    "2560, 3 KiB",
    "28080, 27 KiB",
    "1048575, 1024 KiB",
    "1048576, 1 MiB",
    "1073741824, 1 GiB",
    "9223372036854775807, 8 EiB"
  })
  void readableSizeRoundsLikeSiftool(long size, String expected) {
    assertThat(SifViews.readableSize(size)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource({
    "0, 1970-01-01 00:00:00 +0000 UTC",
    "1590175859, 2020-05-22 19:30:59 +0000 UTC",
    "9223372036854775807, 9223372036854775807 (Unix seconds)"
  })
  void timesPrintLikeGo(long seconds, String expected) {
    assertThat(SifViews.time(seconds)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "padding {0}")
  @CsvSource({"1", "2"})
  void tabWriterPadsEachColumnToItsWidestCell(int pad) {
    String text = new TabWriter(pad).line("a:\t1").line("long key:\tx\ty").line("tail").toString();
    String gap = " ".repeat(pad);
    assertThat(text)
        .isEqualTo("a:       " + gap + "1\n" + "long key:" + gap + "x" + gap + "y\n" + "tail\n");
  }
}
