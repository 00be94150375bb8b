package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.junit.jupiter.api.Test;

class ApiTimesTest {

  @Test
  void readsTheApiServersTimestampsAsInstantParseDoes() {
    for (String ts :
        new String[] {
          "2026-12-08T02:12:25Z",
          "1970-01-01T00:00:00Z",
          "2024-02-29T23:59:59Z",
          "1999-12-31T00:00:01Z",
          "2026-12-08T02:12:25.123Z", // other forms go to Instant.parse
          "2026-12-08T02:12:25+01:00",
          "2026-12-08T24:00:00Z", // the end of the day and a leap second, as Instant.parse has them
          "2016-12-31T23:59:60Z"
        }) {
      assertThat(ApiTimes.parse(ts)).as(ts).isEqualTo(Instant.parse(ts));
    }
    for (String bad :
        new String[] {
          "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-08T25:00:00Z",
          "abcd-12-08T02:12:25Z", "2026-12-08 02:12:25Z", "2026-1-08T02:12:25Z"
        }) {
      assertThatThrownBy(() -> ApiTimes.parse(bad))
          .as(bad)
          .isInstanceOf(DateTimeParseException.class);
    }
  }
}
