package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.mount.KernelMounter;
import io.sifkube.mount.Mounter;
import io.sifkube.squashfs.SquashfsCompression;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --squashfs-compression}: every compressor gives the same tree through the kernel's
 * squashfs and through squashfuse, the superblock names the compressor asked for, the cache keeps
 * one file per compressor, and runs of a pull source use it.
 */
class SquashfsCompressionIT {

  @TempDir static Path shared;
  private static RegistryHarness registry;
  private static String richRef;
  private static Map<String, String> expected;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    assertThat(Launcher.isRoot()).as("kernel squashfs mounts need root").isTrue();
    registry = RegistryHarness.start(shared.resolve("registry"));
    Path layout = TestImages.layout(shared.resolve("rich"), "v1", "amd64", PullIT.richLayers());
    registry.push(layout, "v1", "test/rich:v1");
    richRef = "docker://" + registry.host() + "/test/rich:v1";
    Path bundle = shared.resolve("bundle");
    Launcher.exec(List.of("umoci", "unpack", "--image", layout + ":v1", bundle.toString())).ok();
    expected = Trees.snapshot(bundle.resolve("rootfs"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (registry != null) {
      registry.close();
    }
  }

  private record Layer(long offset, long size) {}

  private static Layer layer(Path sif) throws Exception {
    String info = Launcher.sifctl("sif", "info", "1", sif.toString()).ok().out();
    Matcher off = Pattern.compile("Offset: +(\\d+)").matcher(info);
    Matcher size = Pattern.compile("Size: +(\\d+)").matcher(info);
    assertThat(off.find() && size.find()).as(info).isTrue();
    return new Layer(Long.parseLong(off.group(1)), Long.parseLong(size.group(1)));
  }

  /** The compressor id in the squashfs superblock (offset 20, little-endian u16). */
  private static int compressorId(Path sif, Layer l) throws Exception {
    try (FileChannel ch = FileChannel.open(sif)) {
      ByteBuffer b = ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(b, l.offset());
      assertThat(b.getInt(0)).as("squashfs magic hsqs").isEqualTo(0x73717368);
      return b.getShort(20) & 0xffff;
    }
  }

  private Map<String, String> mounted(Path sif, Layer l, Mounter m, String name) throws Exception {
    Path target = Files.createDirectories(tmp.resolve("mnt-" + name));
    m.squashfs(sif, l.offset(), l.size(), target);
    try {
      return Trees.snapshot(target);
    } finally {
      m.unmount(target);
    }
  }

  @Test
  void everyCompressorMountsThroughTheKernelAndSquashfuseAsTheSameTree() throws Exception {
    Path cache = tmp.resolve("cache");
    List<String> sizes = new ArrayList<>();
    for (SquashfsCompression c : SquashfsCompression.values()) {
      Path sif = tmp.resolve(c + ".oci.sif");
      Launcher.sifctl(
              "pull",
              "--cache-dir",
              cache.toString(),
              "--squashfs-compression",
              c.toolName(),
              richRef,
              sif.toString())
          .ok();
      Layer l = layer(sif);
      assertThat(compressorId(sif, l)).as(c + " superblock").isEqualTo(c.superblockId());

      KernelMounter kernel = new KernelMounter(false, msg -> {});
      assertThat(mounted(sif, l, kernel, c + "-kernel"))
          .as(c + " via the kernel")
          .isEqualTo(expected);
      assertThat(kernel.kernelMountsOnly()).as(c + ": the kernel mounted it, no fallback").isTrue();
      KernelMounter fuse = new KernelMounter(true, msg -> {});
      assertThat(mounted(sif, l, fuse, c + "-fuse")).as(c + " via squashfuse").isEqualTo(expected);
      sizes.add(c + "=" + l.size());
    }
    assertThat(sizes).hasSize(4);

    // One image, four cache entries, each named with its compressor.
    String list = Launcher.sifctl("cache", "list", "--cache-dir", cache.toString()).ok().out();
    List<String> rows = list.lines().filter(r -> r.startsWith("sha256:")).toList();
    assertThat(rows).hasSize(4);
    assertThat(rows.stream().map(r -> r.split(" +")[1]))
        .containsExactlyInAnyOrder("gzip", "lz4", "zstd", "xz");

    // The cache keys on the compressor: zstd again is the cached zstd file, not the gzip one.
    Path again = tmp.resolve("again.oci.sif");
    Launcher.Result r =
        Launcher.sifctl(
                "pull",
                "--cache-dir",
                cache.toString(),
                "--squashfs-compression",
                "zstd",
                richRef,
                again.toString())
            .ok();
    assertThat(r.err()).contains("Using cached OCI-SIF image");
    assertThat(Files.mismatch(again, tmp.resolve("zstd.oci.sif"))).isEqualTo(-1L);
  }

  @Test
  void runsOfAPullSourceAndBuildsUseTheCompressorAndBadNamesAreRefused() throws Exception {
    Path busybox = RunIT.busyboxLayout(tmp.resolve("busybox"));
    registry.push(busybox, "v1", "test/busybox:latest");
    Path cache = tmp.resolve("cache");
    String ref = "docker://" + registry.host() + "/test/busybox:latest";
    Launcher.Result run =
        Launcher.sifctl(
                "exec",
                "--cache-dir",
                cache.toString(),
                "--squashfs-compression",
                "lz4",
                ref,
                "/bin/busybox",
                "echo",
                "from lz4")
            .ok();
    assertThat(run.out()).contains("from lz4");
    Path[] cached;
    try (var s = Files.list(cache.resolve("oci-sif/sha256"))) {
      cached = s.toArray(Path[]::new);
    }
    assertThat(cached).hasSize(1);
    assertThat(cached[0].getFileName().toString()).endsWith(".lz4.oci.sif");
    assertThat(compressorId(cached[0], layer(cached[0])))
        .isEqualTo(SquashfsCompression.LZ4.superblockId());

    Path rootfs = Files.createDirectories(tmp.resolve("tree/etc"));
    Files.writeString(rootfs.resolve("motd"), "built");
    Path built = tmp.resolve("built.oci.sif");
    Launcher.sifctl(
            "build",
            "--squashfs-compression",
            "zstd",
            built.toString(),
            rootfs.getParent().toString())
        .ok();
    assertThat(compressorId(built, layer(built)))
        .isEqualTo(SquashfsCompression.ZSTD.superblockId());

    Launcher.Result bad =
        Launcher.sifctl("pull", "--squashfs-compression", "lzo", ref, tmp.resolve("x").toString());
    assertThat(bad.status()).isNotZero();
    assertThat(bad.err())
        .contains("unknown squashfs compression \"lzo\" (choose one of gzip, lz4, zstd, xz)")
        .doesNotContain("Exception");
    assertThat(tmp.resolve("x")).doesNotExist();
    Launcher.Result badRun =
        Launcher.sifctl("exec", "--squashfs-compression", "brotli", ref, "/bin/true");
    assertThat(badRun.status()).isNotZero();
    assertThat(badRun.err())
        .contains("--squashfs-compression")
        .contains("unknown squashfs compression \"brotli\"");
  }
}
