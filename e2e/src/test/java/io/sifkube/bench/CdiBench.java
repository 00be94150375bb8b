package io.sifkube.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sifkube.cdi.CdiRegistry;
import io.sifkube.cdi.HostNodes;
import io.sifkube.cdi.Injection;
import io.sifkube.cdi.SpecEditor;
import io.sifkube.json.Json;
import io.sifkube.siflet.devices.DeviceInventory;
import io.sifkube.spec.RunOptions;
import io.sifkube.spec.RuntimeSpec;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * What CDI costs siflet per container create, as it does it: resolving the names against the live
 * inventory (nothing changed, so no file is read) and applying the edits to the runtime spec
 * RuntimeSpec builds. Also the scans: the first of every file (a new siflet), a rescan with nothing
 * changed (the safety net), and a rescan after one file changed (an inotify event). Prints one line
 * per measurement for e2e/bench/cdi-bench.sh; times in microseconds.
 *
 * <p>Usage: CdiBench DIR[,DIR...] ITERATIONS NAME...
 */
public final class CdiBench {

  public static void main(String[] args) throws Exception {
    List<Path> dirs = Arrays.stream(args[0].split(",")).map(Path::of).toList();
    int n = Integer.parseInt(args[1]);
    List<String> names = List.of(Arrays.copyOfRange(args, 2, args.length));

    long t0 = System.nanoTime();
    CdiRegistry cold = new CdiRegistry(dirs);
    int files = cold.scan().specs().size();
    long coldScan = System.nanoTime() - t0;
    System.out.printf("files %d%n", files);
    System.out.printf("scan.cold %.0f%n", coldScan / 1e3);

    JsonNode image = Json.read("{\"config\":{\"Cmd\":[\"/bin/true\"],\"Env\":[\"PATH=/bin\"]}}");
    RunOptions opts = RunOptions.of(true, List.of("/bin/true"));
    ObjectNode base = RuntimeSpec.build(image, opts, "root:x:0:0::/root:/bin/sh\n", "");

    try (DeviceInventory inv = new DeviceInventory(dirs, m -> {})) {
      inv.rescan();
      long[] create = new long[n];
      long[] baseline = new long[n];
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      for (int round = 0; round < 2; round++) { // the first round warms the JIT up
        long cpu0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
          long a = System.nanoTime();
          ObjectNode spec = base.deepCopy();
          long b = System.nanoTime();
          Injection injection = inv.resolve(names);
          SpecEditor.apply(spec, injection, false);
          long c = System.nanoTime();
          baseline[i] = b - a;
          create[i] = c - b;
          if (spec.path("linux").path("devices").size() < names.size()) {
            throw new IllegalStateException("devices not injected: " + spec);
          }
        }
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        if (round == 1) {
          Arrays.sort(create);
          System.out.printf("create.p50 %.1f%n", create[n / 2] / 1e3);
          System.out.printf("create.p99 %.1f%n", create[n * 99 / 100] / 1e3);
          System.out.printf("create.mean %.1f%n", Arrays.stream(create).average().orElse(0) / 1e3);
          System.out.printf("create.cpu %.1f%n", cpu / 1e3 / n);
          Arrays.sort(baseline);
          System.out.printf("copy.p50 %.1f%n", baseline[n / 2] / 1e3);
        }
      }
      long r0 = System.nanoTime();
      int rescans = 200;
      for (int i = 0; i < rescans; i++) {
        inv.rescan();
      }
      System.out.printf("scan.unchanged %.0f%n", (System.nanoTime() - r0) / 1e3 / rescans);
      Path one;
      try (var s = Files.list(dirs.get(dirs.size() - 1))) {
        one = s.filter(p -> p.toString().endsWith(".yaml")).sorted().findFirst().orElseThrow();
      }
      String text = Files.readString(one);
      long changed = 0;
      for (int i = 0; i < 50; i++) {
        Files.writeString(one, text + "# " + i + "\n");
        long a = System.nanoTime();
        inv.rescan();
        changed += System.nanoTime() - a;
      }
      Files.writeString(one, text);
      System.out.printf("scan.one-changed %.0f%n", changed / 1e3 / 50);
      System.out.printf(
          "resolve.check %d%n", inv.current().resolve(names, HostNodes.SYSTEM).devices().size());
    }
  }
}
