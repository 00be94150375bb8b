package io.sifkube.runtime;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Where a run's time goes (JVM start, image, mount, spec, runtime, teardown), reported when {@code
 * SIFKUBE_TIMINGS=1}, so that benchmarks can show the breakdown.
 */
final class Timings {

  private final Map<String, Long> phases = new LinkedHashMap<>();
  private long last = System.nanoTime();

  Timings() {
    // JVM start: the JVM's uptime when the launcher begins (boot, class loading, CLI parsing).
    phases.put("jvm start", ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000);
  }

  void mark(String phase) {
    long now = System.nanoTime();
    phases.merge(phase, now - last, Long::sum);
    last = now;
  }

  void report(Consumer<String> out) {
    if (!"1".equals(System.getenv("SIFKUBE_TIMINGS"))) {
      return;
    }
    StringBuilder s = new StringBuilder("timings (ms):");
    phases.forEach((k, v) -> s.append(String.format(Locale.ROOT, " %s=%.1f", k, v / 1e6)));
    out.accept(s.toString());
  }
}
