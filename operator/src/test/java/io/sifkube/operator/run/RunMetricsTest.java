package io.sifkube.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;
import java.time.Instant;
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
}
