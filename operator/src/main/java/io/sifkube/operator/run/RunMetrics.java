package io.sifkube.operator.run;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunStatus.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The operator's own metrics beside JOSDK's reconcile metrics: runs entering each phase, and the
 * scheduling latency (creation to placement on a node). A run is counted once each time it enters a
 * phase: one reconcile may pass through several (Scheduled, Pulling, Running) and report a phase it
 * already reported, so the last phase counted for each run is remembered until it is deleted.
 */
public final class RunMetrics {

  private final MeterRegistry registry;
  private final Timer scheduling;
  private final Map<String, Phase> last = new ConcurrentHashMap<>();

  public RunMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.scheduling =
        Timer.builder("sifkube.operator.scheduling.latency")
            .description("Time from a SifRun's creation to its placement on a SifNode")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
  }

  /** A run is in {@code phase}; counted when that is not the phase it was last counted in. */
  void entered(SifRun run, Phase phase) {
    if (phase == null || last.put(run.getMetadata().getUid(), phase) == phase) {
      return;
    }
    Counter.builder("sifkube.operator.run.phase")
        .description("SifRuns entering each phase")
        .tag("phase", String.valueOf(phase))
        .register(registry)
        .increment();
    if (phase == Phase.Scheduled && run.getMetadata().getCreationTimestamp() != null) {
      Instant created = Instant.parse(run.getMetadata().getCreationTimestamp());
      scheduling.record(Duration.between(created, Instant.now()));
    }
  }

  /** The run is gone. */
  void forget(SifRun run) {
    last.remove(run.getMetadata().getUid());
  }
}
