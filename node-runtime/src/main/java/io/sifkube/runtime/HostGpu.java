package io.sifkube.runtime;

import io.sifkube.spec.GpuSupport;
import io.sifkube.spec.RunOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Finds the host's GPU driver pieces for {@code --nv} and {@code --rocm} (the I/O half). */
public final class HostGpu {

  private HostGpu() {}

  /**
   * What this host offers for the GPU kinds asked for ({@code --nv}, {@code --rocm}), merged.
   *
   * @param missing hears {@code true} (ROCm) or {@code false} (NVIDIA) for a kind asked for whose
   *     driver this host lacks
   */
  public static GpuSupport.Plan discover(boolean nv, boolean rocm, Consumer<Boolean> missing)
      throws IOException {
    List<String> libs = new ArrayList<>();
    List<String> bins = new ArrayList<>();
    List<RunOptions.Device> devices = new ArrayList<>();
    for (boolean amd : new boolean[] {false, true}) {
      if (amd ? !rocm : !nv) {
        continue;
      }
      GpuSupport.Plan plan = discover(amd);
      if (plan.isEmpty()) {
        missing.accept(amd);
      }
      libs.addAll(plan.libraries());
      bins.addAll(plan.binaries());
      devices.addAll(plan.devices());
    }
    return new GpuSupport.Plan(libs, bins, devices);
  }

  /** What this host offers for NVIDIA ({@code rocm} false) or ROCm. */
  public static GpuSupport.Plan discover(boolean rocm) throws IOException {
    return GpuSupport.plan(rocm, ldconfig(), binaries(), deviceNodes());
  }

  private static List<String> ldconfig() {
    for (String tool : List.of("/sbin/ldconfig", "/usr/sbin/ldconfig")) {
      if (Files.isExecutable(Path.of(tool))) {
        try {
          Process p = new ProcessBuilder(tool, "-p").redirectErrorStream(true).start();
          String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          p.waitFor();
          return out.lines().toList();
        } catch (IOException e) {
          return List.of();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return List.of();
        }
      }
    }
    return List.of();
  }

  private static List<String> binaries() {
    List<String> out = new ArrayList<>();
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      for (String name :
          List.of(
              "nvidia-smi",
              "nvidia-debugdump",
              "nvidia-persistenced",
              "nvidia-cuda-mps-control",
              "nvidia-cuda-mps-server",
              "rocm-smi",
              "rocminfo")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p) && out.stream().noneMatch(b -> b.endsWith("/" + name))) {
          out.add(p.toString());
        }
      }
    }
    return out;
  }

  private static List<RunOptions.Device> deviceNodes() throws IOException {
    List<Path> candidates = new ArrayList<>();
    try (Stream<Path> dev = Files.list(Path.of("/dev"))) {
      dev.filter(
              p ->
                  p.getFileName().toString().startsWith("nvidia")
                      || p.getFileName().toString().equals("kfd"))
          .forEach(candidates::add);
    }
    Path dri = Path.of("/dev/dri");
    if (Files.isDirectory(dri)) {
      try (Stream<Path> d = Files.list(dri)) {
        d.forEach(candidates::add);
      }
    }
    List<RunOptions.Device> out = new ArrayList<>();
    for (Path p : candidates) {
      Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
      int type = (Integer) a.get("mode") & 0170000;
      if (type != 020000 && type != 060000) {
        continue; // not a device node (e.g. a directory such as /dev/nvidia-caps)
      }
      long rdev = (Long) a.get("rdev");
      long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
      long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
      out.add(new RunOptions.Device(p.toString(), type == 020000 ? "c" : "b", major, minor));
    }
    return out;
  }
}
