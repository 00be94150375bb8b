package io.sifkube.siflet.server;

import io.sifkube.siflet.containers.ContainerRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * siflet's Prometheus metrics, in the text exposition format: pulls, pulled bytes, pull and start
 * durations, and containers by state. A handful of counters needs no metrics library.
 */
public final class Metrics {

  private final AtomicLong pulls = new AtomicLong();
  private final AtomicLong pullErrors = new AtomicLong();
  private final AtomicLong pullBytes = new AtomicLong();
  private final AtomicLong pullNanos = new AtomicLong();
  private final AtomicLong starts = new AtomicLong();
  private final AtomicLong startNanos = new AtomicLong();
  private final Supplier<List<ContainerRecord>> containers;

  public Metrics(Supplier<List<ContainerRecord>> containers) {
    this.containers = containers;
  }

  public void pulled(long bytes, long nanos) {
    pulls.incrementAndGet();
    pullBytes.addAndGet(bytes);
    pullNanos.addAndGet(nanos);
  }

  public void pullFailed() {
    pullErrors.incrementAndGet();
  }

  public void started(long nanos) {
    starts.incrementAndGet();
    startNanos.addAndGet(nanos);
  }

  /** The exposition text. */
  public String render() {
    StringBuilder b = new StringBuilder();
    b.append("# HELP sifkube_siflet_pulls_total Image pulls, by result.\n");
    b.append("# TYPE sifkube_siflet_pulls_total counter\n");
    b.append("sifkube_siflet_pulls_total{result=\"ok\"} ").append(pulls.get()).append('\n');
    b.append("sifkube_siflet_pulls_total{result=\"error\"} ").append(pullErrors.get()).append('\n');
    b.append("# HELP sifkube_siflet_pull_bytes_total Size of the OCI-SIF files pulled.\n");
    b.append("# TYPE sifkube_siflet_pull_bytes_total counter\n");
    b.append("sifkube_siflet_pull_bytes_total ").append(pullBytes.get()).append('\n');
    summary(b, "sifkube_siflet_pull_duration_seconds", "Time to pull an image.", pulls, pullNanos);
    summary(
        b,
        "sifkube_siflet_container_start_duration_seconds",
        "Time for StartContainer.",
        starts,
        startNanos);
    Map<String, Integer> byState = new TreeMap<>();
    for (String s :
        List.of(
            ContainerRecord.CREATED,
            ContainerRecord.RUNNING,
            ContainerRecord.EXITED,
            ContainerRecord.UNKNOWN)) {
      byState.put(s, 0);
    }
    for (ContainerRecord r : containers.get()) {
      byState.merge(r.state(), 1, Integer::sum);
    }
    b.append("# HELP sifkube_siflet_containers Containers, by state.\n");
    b.append("# TYPE sifkube_siflet_containers gauge\n");
    byState.forEach(
        (s, n) ->
            b.append("sifkube_siflet_containers{state=\"")
                .append(s.toLowerCase())
                .append("\"} ")
                .append(n)
                .append('\n'));
    return b.toString();
  }

  private static void summary(
      StringBuilder b, String name, String help, AtomicLong count, AtomicLong nanos) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" summary\n");
    b.append(name).append("_sum ").append(nanos.get() / 1e9).append('\n');
    b.append(name).append("_count ").append(count.get()).append('\n');
  }
}
