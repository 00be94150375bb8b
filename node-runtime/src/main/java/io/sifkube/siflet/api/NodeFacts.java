package io.sifkube.siflet.api;

import io.sifkube.cdi.Inventory;
import io.sifkube.image.oci.Platform;
import io.sifkube.node.v1.CdiDevice;
import io.sifkube.node.v1.CdiSpecError;
import io.sifkube.node.v1.NodeInfoResponse;
import io.sifkube.node.v1.VersionResponse;
import io.sifkube.runtime.OciRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What Version and NodeInfo report: read from the host once, at start, but for the CDI devices,
 * which are the live inventory.
 */
public final class NodeFacts {

  /** The API version this siflet speaks. */
  public static final String API_VERSION = "v1";

  private final VersionResponse version;
  private final NodeInfoResponse info;
  private final Supplier<Inventory> devices;

  public NodeFacts(OciRuntime runtime, String sifletVersion, Supplier<Inventory> devices)
      throws IOException {
    this.devices = devices;
    Map<String, String> runtimes = new LinkedHashMap<>();
    for (String name : new String[] {"crun", "runc"}) {
      String v = versionLine(name);
      if (!v.isEmpty()) {
        runtimes.put(name, v);
      }
    }
    this.version =
        VersionResponse.newBuilder()
            .setApiVersion(API_VERSION)
            .setSifletVersion(sifletVersion)
            .setRuntimeName(runtime.name())
            .setRuntimeVersion(runtimes.getOrDefault(runtime.name(), ""))
            .putAllRuntimes(runtimes)
            .build();
    this.info =
        NodeInfoResponse.newBuilder()
            .setHostname(read("/proc/sys/kernel/hostname"))
            .setArch(Platform.host().architecture())
            .setCpus(Runtime.getRuntime().availableProcessors())
            .setMemoryBytes(memTotal())
            .addAllRuntimes(runtimes.keySet())
            .setKernel(read("/proc/sys/kernel/osrelease"))
            .build();
  }

  public VersionResponse version() {
    return version;
  }

  public NodeInfoResponse info() {
    return withDevices(info, devices.get());
  }

  /** {@code base} with the devices of {@code inv} and its spec files' errors. */
  static NodeInfoResponse withDevices(NodeInfoResponse base, Inventory inv) {
    NodeInfoResponse.Builder b = base.toBuilder().clearDevices().clearDeviceDetails();
    for (Inventory.Entry e : inv.devices().values()) {
      b.addDevices(e.name());
      b.addDeviceDetails(
          CdiDevice.newBuilder()
              .setName(e.name())
              .setSpecPath(e.spec().path())
              .setSpecSha256(e.spec().sha256())
              .setCdiVersion(e.spec().version())
              .putAllAnnotations(e.device().annotations()));
    }
    for (Inventory.SpecError e : inv.errors()) {
      b.addCdiErrors(CdiSpecError.newBuilder().setPath(e.path()).setMessage(e.message()));
    }
    return b.build();
  }

  private static String read(String file) throws IOException {
    return Files.readString(Path.of(file)).strip();
  }

  private static long memTotal() throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (l.startsWith("MemTotal:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return 0;
  }

  /** The first line of {@code tool --version}, or "" when it is not installed. */
  private static String versionLine(String tool) {
    try {
      Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      return p.exitValue() == 0 ? out.lines().findFirst().orElse("").strip() : "";
    } catch (IOException | IllegalThreadStateException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
