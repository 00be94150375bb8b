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

  private static final boolean ENABLED = "1".equals(System.getenv("SIFKUBE_TIMINGS"));

  private final Map<String, Long> phases = new LinkedHashMap<>();
  private long last = System.nanoTime();

  Timings() {
    if (ENABLED) {
      // JVM start: the JVM's uptime when the launcher begins (boot, class loading, CLI parsing).
      // Only asked when reported: the management classes alone cost a short run 20-30 ms, which
      // the first phase must not be charged with, so the clock starts again after them.
      phases.put("jvm start", ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000);
      last = System.nanoTime();
    }
  }

  void mark(String phase) {
    if (!ENABLED) {
      return;
    }
    long now = System.nanoTime();
    phases.merge(phase, now - last, Long::sum);
    last = now;
  }

  void report(Consumer<String> out) {
    if (!ENABLED) {
      return;
    }
    StringBuilder s = new StringBuilder("timings (ms):");
    phases.forEach((k, v) -> s.append(String.format(Locale.ROOT, " %s=%.1f", k, v / 1e6)));
    out.accept(s.toString());
  }
}
