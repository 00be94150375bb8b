package io.sifkube.bench;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunSpec;
import io.sifkube.api.v1alpha1.SifRunStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Drives the operator through the API server for e2e/bench/operator-bench.sh and prints one line
 * per measurement. SOURCE is a pull source, or {@code sifimage:NAME} for runs naming a SifImage.
 *
 * <ul>
 *   <li>{@code burst KUBECONFIG SOURCE N}: N SifRuns of {@code true} created at once; seconds until
 *       all Succeeded and runs/s.
 *   <li>{@code latency KUBECONFIG SOURCE N}: N single runs of {@code sleep 30} one after the other;
 *       create to phase Running, p50/p99 ms.
 *   <li>{@code objects KUBECONFIG SOURCE N}: N suspended SifRuns (no containers), created and left.
 *   <li>{@code gang KUBECONFIG SOURCE N RANKS STATE_DIR...}: after one to warm up, N gang runs of
 *       RANKS ranks of {@code sleep 30} (RANKS/2 per node) one after the other; create to all ranks
 *       Running, p50/p99 ms, and how far apart the ranks started (the siflets' records in
 *       STATE_DIR/records).
 * </ul>
 */
public final class OperatorBench {

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Config config = Config.fromKubeconfig(Files.readString(Path.of(args[1])));
    String source = args[2];
    int n = Integer.parseInt(args[3]);
    try (KubernetesClient k = new KubernetesClientBuilder().withConfig(config).build()) {
      switch (mode) {
        case "burst" -> burst(k, source, n);
        case "latency" -> latency(k, source, n);
        case "objects" -> objects(k, source, n);
        case "gang" ->
            gang(
                k,
                source,
                n,
                Integer.parseInt(args[4]),
                Arrays.stream(args).skip(5).map(Path::of).toList());
        default -> throw new IllegalArgumentException(mode);
      }
    }
  }

  private static SifRun run(String name, String source, List<String> args, boolean suspend) {
    SifRun r = new SifRun();
    r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("default").build());
    r.setSpec(new SifRunSpec());
    if (source.startsWith("sifimage:")) {
      r.getSpec().image = source.substring("sifimage:".length()); // a SifImage in "default"
    } else {
      r.getSpec().source = source;
    }
    r.getSpec().args = args;
    r.getSpec().suspend = suspend ? true : null;
    return r;
  }

  private static void burst(KubernetesClient k, String source, int n) throws Exception {
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      k.resource(run("burst-" + i, source, List.of("true"), false)).create();
    }
    List<SifRun> done;
    while (true) {
      done =
          k.resources(SifRun.class).inNamespace("default").list().getItems().stream()
              .filter(r -> r.getMetadata().getName().startsWith("burst-"))
              .filter(
                  r -> r.getStatus() != null && r.getStatus().phase == SifRunStatus.Phase.Succeeded)
              .toList();
      if (done.size() == n) {
        break;
      }
      Thread.sleep(500);
    }
    double s = (System.nanoTime() - t0) / 1e9;
    // Every run should have succeeded at its first attempt: more would be work done twice.
    int attempts = done.stream().mapToInt(r -> r.getStatus().attempts).max().orElse(0);
    long perNode = done.stream().filter(r -> "node-a".equals(r.getStatus().node)).count();
    System.out.printf(
        "burst runs=%d seconds=%.1f per_second=%.1f max_attempts=%d on_node_a=%d%n",
        n, s, n / s, attempts, perNode);
  }

  private static void latency(KubernetesClient k, String source, int n) throws Exception {
    long[] ms = new long[n];
    for (int i = 0; i < n; i++) {
      String name = "latency-" + i;
      long t0 = System.nanoTime();
      k.resource(run(name, source, List.of("sleep 30"), false)).create();
      while (true) {
        SifRun r = k.resources(SifRun.class).inNamespace("default").withName(name).get();
        if (r.getStatus() != null && r.getStatus().phase == SifRunStatus.Phase.Running) {
          break;
        }
        Thread.sleep(10);
      }
      ms[i] = (System.nanoTime() - t0) / 1_000_000;
      k.resources(SifRun.class).inNamespace("default").withName(name).delete();
    }
    String inOrder = Arrays.toString(ms).replace(" ", "");
    Arrays.sort(ms);
    System.out.printf(
        "latency runs=%d p50_ms=%d p99_ms=%d in_order_ms=%s%n",
        n, ms[n / 2], ms[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)], inOrder);
  }

  private static void gang(
      KubernetesClient k, String source, int n, int ranks, List<Path> stateDirs) throws Exception {
    long[] ms = new long[n];
    long[] spread = new long[n];
    // gang -1 warms the JVMs up (the operator's and siflets' first gangs run while they compile)
    for (int i = -1; i < n; i++) {
      String name = "gang-" + (i + 1);
      SifRun g = run(name, source, List.of("sleep 30"), false);
      g.getSpec().parallelism = ranks;
      g.getSpec().ranksPerNode = (ranks + 1) / 2;
      long t0 = System.nanoTime();
      String uid = k.resource(g).create().getMetadata().getUid();
      String all = ranks + "/" + ranks;
      while (true) {
        SifRun r = k.resources(SifRun.class).inNamespace("default").withName(name).get();
        if (r.getStatus() != null && all.equals(r.getStatus().readyRanks)) {
          break;
        }
        Thread.sleep(10);
      }
      if (i >= 0) {
        ms[i] = (System.nanoTime() - t0) / 1_000_000;
        spread[i] = startSpreadMillis(stateDirs, uid, ranks);
      }
      k.resources(SifRun.class).inNamespace("default").withName(name).delete();
      // the next gang needs the room this one holds: wait until its ranks are gone
      while (k.resources(SifRun.class).inNamespace("default").withName(name).get() != null) {
        Thread.sleep(50);
      }
    }
    Arrays.sort(ms);
    Arrays.sort(spread);
    System.out.printf(
        "gang runs=%d ranks=%d p50_ms=%d p99_ms=%d start_spread_p50_ms=%d start_spread_max_ms=%d%n",
        n,
        ranks,
        ms[n / 2],
        ms[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)],
        spread[n / 2],
        spread[n - 1]);
  }

  /**
   * The time between the first and the last rank's start, from the siflets' records; with
   * GANG_DETAIL set, each gang's starts by node are printed too (relative to the first).
   */
  private static long startSpreadMillis(List<Path> stateDirs, String uid, int ranks)
      throws Exception {
    var json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<Long> starts = new java.util.ArrayList<>();
    List<List<Long>> byNode = new java.util.ArrayList<>();
    for (Path d : stateDirs) {
      List<Long> node = new java.util.ArrayList<>();
      try (var files = Files.list(d.resolve("records"))) {
        for (Path f : files.filter(p -> p.getFileName().toString().contains(uid)).toList()) {
          node.add(json.readTree(f.toFile()).path("startedAt").asLong());
        }
      }
      java.util.Collections.sort(node);
      starts.addAll(node);
      byNode.add(node);
    }
    if (starts.size() != ranks || starts.contains(0L)) {
      throw new IllegalStateException("found " + starts.size() + " started ranks of " + ranks);
    }
    long first = java.util.Collections.min(starts);
    if (System.getenv("GANG_DETAIL") != null) {
      System.err.println(
          "starts by node (ms after the first): "
              + byNode.stream().map(l -> l.stream().map(t -> t - first).toList()).toList());
    }
    return java.util.Collections.max(starts) - first;
  }

  private static void objects(KubernetesClient k, String source, int n) {
    for (int i = 0; i < n; i++) {
      k.resource(run("object-" + i, source, List.of("true"), true)).create();
    }
    System.out.printf("objects created=%d%n", n);
  }
}
