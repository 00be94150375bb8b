package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.junit.jupiter.api.Test;

class RunMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RunMetrics metrics = new RunMetrics(registry);

  private static SifRun run(String uid) {
    SifRun r = new SifRun();
    r.setMetadata(
        new ObjectMetaBuilder()
            .withName(uid)
            .withUid(uid)
            .withCreationTimestamp(Instant.now().minusSeconds(1).toString())
            .build());
    return r;
  }

  private double count(Phase p) {
    var c = registry.find("sifkube.operator.run.phase").tag("phase", p.name()).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void eachPhaseCountsOncePerEntryEvenWhenReportedTwice() {
    SifRun a = run("a");
    // what one reconcile does: schedule() reports Scheduled, launch() Pulling, then Running;
    // the end of the reconcile reports the phase it ended in again
    metrics.entered(a, Phase.Scheduled);
    metrics.entered(a, Phase.Pulling);
    metrics.entered(a, Phase.Running);
    metrics.entered(a, Phase.Running);
    assertThat(count(Phase.Scheduled)).isEqualTo(1);
    assertThat(count(Phase.Pulling)).isEqualTo(1);
    assertThat(count(Phase.Running)).isEqualTo(1);
    assertThat(registry.find("sifkube.operator.scheduling.latency").timer().count()).isEqualTo(1);

    // a pull that backs off ends the reconcile in Pulling: still one
    SifRun b = run("b");
    metrics.entered(b, Phase.Scheduled);
    metrics.entered(b, Phase.Pulling);
    metrics.entered(b, Phase.Pulling);
    assertThat(count(Phase.Pulling)).isEqualTo(2);
    assertThat(count(Phase.Scheduled)).isEqualTo(2);

    // a retried attempt enters the phases again
    metrics.entered(a, Phase.Pending);
    metrics.entered(a, Phase.Scheduled);
    assertThat(count(Phase.Scheduled)).isEqualTo(3);
    metrics.forget(a);
    metrics.entered(a, Phase.Scheduled);
    assertThat(count(Phase.Scheduled)).isEqualTo(4);
  }

  @Test
  void everyPhaseIsExportedFromTheStart() {
    for (Phase p : Phase.values()) {
      assertThat(registry.find("sifkube.operator.run.phase").tag("phase", p.name()).counter())
          .as(p.name())
          .isNotNull();
    }
  }

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
      assertThat(RunMetrics.instant(ts)).as(ts).isEqualTo(Instant.parse(ts));
    }
    for (String bad :
        new String[] {
          "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-08T25:00:00Z",
          "abcd-12-08T02:12:25Z", "2026-12-08 02:12:25Z", "2026-1-08T02:12:25Z"
        }) {
      assertThatThrownBy(() -> RunMetrics.instant(bad))
          .as(bad)
          .isInstanceOf(DateTimeParseException.class);
    }
  }
}
