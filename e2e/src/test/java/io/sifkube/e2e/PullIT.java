package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.sifkube.e2e.TestImages.Layer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sifctl pull} against Debian's docker-registry on 127.0.0.1, with images pushed by skopeo,
 * checked against {@code umoci unpack} of the same image. Needs root (umoci and unsquashfs keep
 * owners and device nodes only as root).
 */
class PullIT {

  @TempDir static Path shared;
  private static RegistryHarness registry;

  @TempDir Path tmp;

  @BeforeAll
  static void startRegistry() throws Exception {
    assertThat(Launcher.isRoot()).as("PullIT compares owners and devices and needs root").isTrue();
    registry = RegistryHarness.start(shared.resolve("registry"));
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (registry != null) {
      registry.close();
    }
  }

  /** Whiteouts, an opaque directory, hard links within and across layers, modes, owners, xattrs. */
  static List<Layer> richLayers() throws Exception {
    TarArchiveEntry dev = new TarArchiveEntry("dev/null", TarConstants.LF_CHR);
    dev.setDevMajor(1);
    dev.setDevMinor(3);
    dev.setMode(020666);
    TarArchiveEntry fifo = new TarArchiveEntry("run/fifo", TarConstants.LF_FIFO);
    fifo.setMode(010644);
    TarArchiveEntry attr = new TarArchiveEntry("etc/cap");
    attr.setMode(0100644);
    attr.addPaxHeader("SCHILY.xattr.user.note", "hello");
    Layer base =
        new Layer()
            .dir("bin", 0755, 0, 0)
            .dir("etc", 0755, 0, 0)
            .dir("dev", 0755, 0, 0)
            .dir("run", 0755, 0, 0)
            .dir("tmp", 01777, 0, 0)
            .dir("home", 0755, 0, 0)
            .dir("home/u", 0700, 1000, 1000)
            .dir("usr", 0755, 0, 0)
            .dir("usr/bin", 0755, 0, 0)
            .dir("lib", 0755, 0, 0)
            .dir("data", 0755, 0, 0)
            .dir("data/old", 0750, 0, 0)
            .file("usr/bin/su", "su", 04755)
            .file("usr/bin/sg", "sg", 02755)
            .file("home/u/notes", "mine", 0600)
            .file("etc/gone", "bye", 0644)
            .file("data/old/a", "a", 0644)
            .file("data/old/b", "b", 0644)
            .file("lib/libx.so.1", "v1", 0755)
            .symlink("lib/libx.so", "libx.so.1")
            .file("bin/tool", "tool", 0755)
            .hardlink("bin/alias", "bin/tool")
            .add(dev, null)
            .add(fifo, null)
            .add(attr, "cap".getBytes());
    Layer top =
        new Layer()
            .dir("etc", 0755, 0, 0)
            .file("etc/.wh.gone", "", 0644)
            .file("etc/motd", "welcome", 0644)
            .dir("data/old", 0755, 0, 0)
            .file("data/old/.wh..wh..opq", "", 0644)
            .file("data/old/c", "c", 0644)
            .dir("bin", 0755, 0, 0)
            .hardlink("bin/alias2", "bin/tool")
            .dir("lib", 0755, 0, 0)
            .file("lib/libx.so.1", "v2", 0755);
    return TestImages.layers(base, top);
  }

  @Test
  void pulledRootfsEqualsUmociUnpackAndASecondPullIsCached() throws Exception {
    Path layout = TestImages.layout(tmp.resolve("layout"), "v1", "amd64", richLayers());
    registry.push(layout, "v1", "test/rich:v1");
    Path cache = tmp.resolve("cache");
    Path sif = tmp.resolve("rich.oci.sif");

    Launcher.Result first = pull(cache, "docker://" + registry.host() + "/test/rich:v1", sif).ok();
    assertThat(first.err())
        .contains("INFO:    Converting OCI image to OCI-SIF format")
        .contains("INFO:    Squashing image to single layer")
        .contains("INFO:    Writing OCI-SIF image")
        .contains("Copying blob ");

    Path ours = unsquash(sif, tmp.resolve("ours"));
    Path bundle = tmp.resolve("bundle");
    Launcher.exec(List.of("umoci", "unpack", "--image", layout + ":v1", bundle.toString())).ok();
    var snapshot = Trees.snapshot(ours);
    assertThat(snapshot).isEqualTo(Trees.snapshot(bundle.resolve("rootfs")));
    // Guard against a vacuous comparison: the features under test are really there.
    assertThat(snapshot.get("usr/bin/su")).startsWith("mode=104755 uid=0 gid=0");
    assertThat(snapshot.get("usr/bin/sg")).startsWith("mode=102755");
    assertThat(snapshot.get("tmp")).startsWith("mode=41777");
    assertThat(snapshot.get("home/u")).startsWith("mode=40700 uid=1000 gid=1000");
    assertThat(snapshot.get("etc/cap")).endsWith("user.note=hello");
    assertThat(snapshot.get("dev/null")).startsWith("mode=20666").contains("rdev=259");
    assertThat(snapshot.get("run/fifo")).startsWith("mode=10644");
    assertThat(snapshot.get("bin/alias2")).contains("nlink=3");
    assertThat(snapshot.get("lib/libx.so")).endsWith("-> libx.so.1");
    assertThat(snapshot).containsKeys("data/old/c", "etc/motd").doesNotContainKeys("data/old/b");
    assertThat(Files.exists(ours.resolve("etc/gone"))).isFalse();
    assertThat(Files.exists(ours.resolve("data/old/a"))).isFalse();
    assertThat(Files.readString(ours.resolve("lib/libx.so.1"))).isEqualTo("v2");

    long blobGets = registry.blobGets();
    Path again = tmp.resolve("again.oci.sif");
    Launcher.Result second =
        pull(cache, "docker://" + registry.host() + "/test/rich:v1", again).ok();
    assertThat(second.err())
        .contains("INFO:    Using cached OCI-SIF image")
        .doesNotContain("Copying blob");
    assertThat(registry.blobGets()).as("blob requests for a cached image").isEqualTo(blobGets);
    assertThat(Files.mismatch(sif, again)).isEqualTo(-1L);

    // The same image from the OCI layout, through a fresh cache, gives the same bytes.
    Path fromLayout = tmp.resolve("layout.oci.sif");
    pull(tmp.resolve("cache2"), "oci:" + layout + ":v1", fromLayout).ok();
    assertThat(Files.mismatch(sif, fromLayout)).isEqualTo(-1L);

    // Pinned by digest, a cached image needs no request at all: not even the manifest.
    Matcher id = Pattern.compile("Image (sha256:[0-9a-f]{64}) written").matcher(first.err());
    assertThat(id.find()).isTrue();
    long requests = registry.requests();
    assertThat(requests).as("the registry logs requests").isPositive();
    Launcher.Result pinned =
        pull(
                cache,
                "docker://" + registry.host() + "/test/rich@" + id.group(1),
                tmp.resolve("pinned.oci.sif"))
            .ok();
    assertThat(pinned.err()).contains("Using cached OCI-SIF image");
    assertThat(registry.requests())
        .as("registry requests for a cached, pinned digest")
        .isEqualTo(requests);
    assertThat(Files.mismatch(sif, tmp.resolve("pinned.oci.sif"))).isEqualTo(-1L);

    String list = Launcher.sifctl("cache", "list", "--cache-dir", cache.toString()).ok().out();
    assertThat(list.lines().filter(l -> l.startsWith("sha256:"))).hasSize(1);
  }

  @Test
  void multiArchIndexPicksTheHostOrTheRequestedPlatform() throws Exception {
    Layer amd = new Layer().file("arch", "amd64", 0644);
    Layer arm = new Layer().file("arch", "arm64", 0644);
    Path layout =
        TestImages.multiArch(
            tmp.resolve("multi"),
            "v1",
            List.of("amd64", "arm64"),
            List.of(List.of(amd), List.of(arm)));
    registry.push(layout, "v1", "test/multi:v1", "--all");
    String ref = "docker://" + registry.host() + "/test/multi:v1";
    Path cache = tmp.resolve("cache");
    Path host = tmp.resolve("host.oci.sif");
    Path other = tmp.resolve("arm.oci.sif");
    pull(cache, ref, host).ok();
    pull(cache, ref, other, "--platform", "linux/arm64").ok();
    assertThat(Files.readString(unsquash(host, tmp.resolve("h")).resolve("arch")))
        .isEqualTo("amd64");
    assertThat(Files.readString(unsquash(other, tmp.resolve("a")).resolve("arch")))
        .isEqualTo("arm64");
    Launcher.Result none = pull(cache, ref, tmp.resolve("x.oci.sif"), "--platform", "linux/s390x");
    assertThat(none.status()).isEqualTo(1);
    assertThat(none.err())
        .contains("no image for platform linux/s390x")
        .contains("linux/amd64, linux/arm64");
  }

  @Test
  void dockerSchema2ImagesPullToo() throws Exception {
    Path layout = TestImages.layout(tmp.resolve("layout"), "v1", "amd64", richLayers());
    registry.push(layout, "v1", "test/docker:v1", "--format", "v2s2");
    Path sif = tmp.resolve("d.oci.sif");
    pull(tmp.resolve("c"), "docker://" + registry.host() + "/test/docker:v1", sif).ok();
    Path root = unsquash(sif, tmp.resolve("d"));
    Path bundle = tmp.resolve("bundle");
    Launcher.exec(List.of("umoci", "unpack", "--image", layout + ":v1", bundle.toString())).ok();
    assertThat(Trees.snapshot(root)).isEqualTo(Trees.snapshot(bundle.resolve("rootfs")));
    assertThat(Launcher.sifctl("sif", "dump", "3", sif.toString()).ok().out())
        .contains("application/vnd.docker.distribution.manifest.v2+json");
  }

  @Test
  void hostileLayersAreRefusedAndLeaveNoCacheEntry() throws Exception {
    record Case(String name, Layer layer, String expected) {}
    List<Case> cases =
        List.of(
            new Case(
                "traversal",
                new Layer().file("../../etc/evil", "x", 0644),
                "entry ../../etc/evil refused"),
            new Case(
                "symlink",
                new Layer().symlink("etc", "/").file("etc/passwd", "x", 0644),
                "entry etc/passwd refused: it lies below the symbolic link etc"),
            new Case(
                "hardlink",
                new Layer().hardlink("x", "../../etc/shadow"),
                "entry x refused: hard link out of the root"));
    for (Case c : cases) {
      Path layout = TestImages.layout(tmp.resolve(c.name), "v1", "amd64", List.of(c.layer));
      registry.push(layout, "v1", "hostile/" + c.name + ":v1");
      Path cache = tmp.resolve("cache-" + c.name);
      Launcher.Result r =
          pull(
              cache,
              "docker://" + registry.host() + "/hostile/" + c.name + ":v1",
              tmp.resolve(c.name + ".oci.sif"));
      assertThat(r.status()).as(c.name).isEqualTo(1);
      assertThat(r.err())
          .as(c.name)
          .contains(c.expected)
          .contains("docker://" + registry.host() + "/hostile/" + c.name);
      assertNoImageCached(cache);
      assertThat(tmp.resolve(c.name + ".oci.sif")).doesNotExist();
    }
  }

  @Test
  void aDecompressionBombBeyondTheLimitIsRefused() throws Exception {
    Layer bomb = new Layer().file("zeros", new byte[4 << 20], 0644);
    Path layout = TestImages.layout(tmp.resolve("bomb"), "v1", "amd64", List.of(bomb));
    registry.push(layout, "v1", "hostile/bomb:v1");
    Path cache = tmp.resolve("cache");
    Launcher.Result r =
        pull(
            cache,
            "docker://" + registry.host() + "/hostile/bomb:v1",
            tmp.resolve("b.oci.sif"),
            "--max-layer-bytes",
            "1048576");
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("expands to more than 1048576 bytes");
    assertNoImageCached(cache);
  }

  @Test
  void aCorruptedBlobInTheRegistryIsADigestMismatch() throws Exception {
    Layer l = new Layer().file("f", "original content", 0644);
    Path layout = TestImages.layout(tmp.resolve("c"), "v1", "amd64", List.of(l));
    registry.push(layout, "v1", "hostile/corrupt:v1");
    String layerHex = layerDigestHex(layout);
    Path data = registry.blobData(layerHex);
    byte[] bytes = Files.readAllBytes(data);
    bytes[bytes.length / 2] ^= 0x55;
    Files.write(data, bytes);
    Path cache = tmp.resolve("cache");
    Launcher.Result r =
        pull(
            cache, "docker://" + registry.host() + "/hostile/corrupt:v1", tmp.resolve("x.oci.sif"));
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("digest mismatch: expected sha256:" + layerHex + ", got sha256:");
    assertNoImageCached(cache);
    try (Stream<Path> blobs = Files.list(cache.resolve("blobs/sha256"))) {
      assertThat(blobs.map(p -> p.getFileName().toString())).doesNotContain(layerHex);
    }
  }

  /**
   * A layer whose uncompressed tar is not the one the config's rootfs.diff_ids names (a registry or
   * mirror that swapped layer and manifest consistently, but not the config) is refused.
   */
  @Test
  void aLayerThatIsNotTheConfigsDiffIdIsRefused() throws Exception {
    Path layout =
        TestImages.layout(
            tmp.resolve("d"), "v1", "amd64", List.of(new Layer().file("f", "real", 0644)));
    ObjectMapper json = new ObjectMapper();
    Path blobs = layout.resolve("blobs/sha256");
    ObjectNode index = (ObjectNode) json.readTree(layout.resolve("index.json").toFile());
    ObjectNode mDesc = (ObjectNode) index.path("manifests").get(0);
    ObjectNode manifest =
        (ObjectNode)
            json.readTree(blobs.resolve(mDesc.get("digest").asText().substring(7)).toFile());
    ObjectNode cDesc = (ObjectNode) manifest.get("config");
    ObjectNode config =
        (ObjectNode)
            json.readTree(blobs.resolve(cDesc.get("digest").asText().substring(7)).toFile());
    String forged = "sha256:" + "ab".repeat(32);
    ((com.fasterxml.jackson.databind.node.ArrayNode) config.path("rootfs").path("diff_ids"))
        .set(0, forged);
    byte[] cBytes = json.writeValueAsBytes(config);
    String cHex = io.sifkube.image.oci.Digest.sha256(cBytes).hex();
    Files.write(blobs.resolve(cHex), cBytes);
    cDesc.put("digest", "sha256:" + cHex).put("size", cBytes.length);
    byte[] mBytes = json.writeValueAsBytes(manifest);
    String mHex = io.sifkube.image.oci.Digest.sha256(mBytes).hex();
    Files.write(blobs.resolve(mHex), mBytes);
    mDesc.put("digest", "sha256:" + mHex).put("size", mBytes.length);
    json.writeValue(layout.resolve("index.json").toFile(), index);
    registry.push(layout, "v1", "hostile/diffid:v1");
    Path cache = tmp.resolve("cache-diffid");
    Launcher.Result r =
        pull(cache, "docker://" + registry.host() + "/hostile/diffid:v1", tmp.resolve("d.oci.sif"));
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .contains("layer sha256:" + layerDigestHex(layout) + " uncompresses to sha256:")
        .contains("not to the config's rootfs.diff_ids entry " + forged);
    assertNoImageCached(cache);
  }

  @Test
  void concurrentPullsOfOneImageDownloadAndConvertOnce() throws Exception {
    Random rnd = new Random(5);
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      byte[] data = new byte[3 << 20];
      rnd.nextBytes(data);
      layers.add(new Layer().file("blob" + i, data, 0644));
    }
    Path layout = TestImages.layout(tmp.resolve("conc"), "v1", "amd64", layers);
    registry.push(layout, "v1", "test/concurrent:v1");
    Path cache = tmp.resolve("cache");
    long before = registry.blobGets();
    List<CompletableFuture<Launcher.Result>> runs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String out = tmp.resolve("c" + i + ".oci.sif").toString();
      runs.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return Launcher.sifctl(
                      "pull",
                      "--cache-dir",
                      cache.toString(),
                      "docker://" + registry.host() + "/test/concurrent:v1",
                      out);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    int converted = 0;
    for (var run : runs) {
      Launcher.Result r = run.join().ok();
      if (r.err().contains("Squashing image to single layer")) {
        converted++;
      }
    }
    assertThat(converted).as("processes that converted the image").isEqualTo(1);
    assertThat(registry.blobGets() - before)
        .as("blob requests: 3 layers + config, once")
        .isEqualTo(4);
    assertThat(Files.mismatch(tmp.resolve("c0.oci.sif"), tmp.resolve("c1.oci.sif"))).isEqualTo(-1L);
    assertThat(Files.mismatch(tmp.resolve("c0.oci.sif"), tmp.resolve("c2.oci.sif"))).isEqualTo(-1L);
  }

  @Test
  void archivesMadeBySkopeoPullToTheSameImage() throws Exception {
    Path layout = TestImages.layout(tmp.resolve("layout"), "v1", "amd64", richLayers());
    registry.push(layout, "v1", "test/archives:v1");
    String ref = "docker://" + registry.host() + "/test/archives:v1";
    Path fromRegistry = tmp.resolve("reg.oci.sif");
    pull(tmp.resolve("c1"), ref, fromRegistry).ok();

    Path ociArchive = tmp.resolve("img-oci.tar");
    Path dockerArchive = tmp.resolve("img-docker.tar");
    Launcher.exec(
            List.of(
                "skopeo",
                "copy",
                "--quiet",
                "--src-tls-verify=false",
                ref,
                "oci-archive:" + ociArchive + ":v1"))
        .ok();
    Launcher.exec(
            List.of(
                "skopeo",
                "copy",
                "--quiet",
                "--src-tls-verify=false",
                ref,
                "docker-archive:" + dockerArchive + ":test/archives:v1"))
        .ok();

    Path fromOci = tmp.resolve("oa.oci.sif");
    Path fromDocker = tmp.resolve("da.oci.sif");
    Path cache = tmp.resolve("c2");
    pull(cache, "oci-archive:" + ociArchive, fromOci).ok();
    pull(cache, "docker-archive:" + dockerArchive, fromDocker).ok();

    // The OCI archive carries the registry's manifest: the very same file.
    assertThat(Files.mismatch(fromRegistry, fromOci)).isEqualTo(-1L);
    // A docker archive stores layers uncompressed, so its manifest differs; the rootfs does not.
    assertThat(layerDigest(fromDocker)).isEqualTo(layerDigest(fromRegistry));
    assertThat(Trees.snapshot(unsquash(fromDocker, tmp.resolve("d"))))
        .isEqualTo(Trees.snapshot(unsquash(fromRegistry, tmp.resolve("r"))));
    try (Stream<Path> left = Files.list(cache.resolve("tmp"))) {
      assertThat(left).as("unpacked archives are removed").isEmpty();
    }
  }

  private static String readSmall(Path f) {
    try {
      return Files.size(f) < 65536 ? Files.readString(f, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String layerDigest(Path sif) throws Exception {
    Matcher m =
        Pattern.compile("Digest: +(sha256:[0-9a-f]{64})")
            .matcher(Launcher.sifctl("sif", "info", "1", sif.toString()).ok().out());
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  @Test
  void zstdLayersGiveTheSameRootfsAsGzip() throws Exception {
    Path gz = TestImages.layout(tmp.resolve("gz"), "v1", "amd64", richLayers(), false);
    Path zst = TestImages.layout(tmp.resolve("zst"), "v1", "amd64", richLayers(), true);
    registry.push(gz, "v1", "test/gz:v1");
    registry.push(zst, "v1", "test/zst:v1");
    Path a = tmp.resolve("gz.oci.sif");
    Path b = tmp.resolve("zst.oci.sif");
    Path cache = tmp.resolve("c");
    pull(cache, "docker://" + registry.host() + "/test/gz:v1", a).ok();
    pull(cache, "docker://" + registry.host() + "/test/zst:v1", b).ok();
    try (Stream<Path> blobs = Files.list(zst.resolve("blobs/sha256"))) {
      assertThat(blobs.filter(f -> readSmall(f).contains("tar+zstd")))
          .as("the pushed manifest really has zstd layers")
          .hasSize(1);
    }
    assertThat(layerDigest(b)).isEqualTo(layerDigest(a));
  }

  @Test
  void httpUrlsOfSifFilesAreDownloadedAndChecked() throws Exception {
    Path rootfs = Files.createDirectories(tmp.resolve("rootfs/etc"));
    Files.writeString(rootfs.resolve("motd"), "hi");
    Path image = tmp.resolve("served.oci.sif");
    Launcher.sifctl("build", image.toString(), tmp.resolve("rootfs").toString()).ok();
    Path junk = tmp.resolve("junk.sif");
    Files.writeString(junk, "<html>not found</html>");
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          Path f = ex.getRequestURI().getPath().endsWith("junk.sif") ? junk : image;
          byte[] body = Files.readAllBytes(f);
          ex.sendResponseHeaders(200, body.length);
          try (var out = ex.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      Path out = Files.createDirectories(tmp.resolve("out"));
      Launcher.sifctl("pull", base + "/served.oci.sif", out.resolve("got.oci.sif").toString()).ok();
      assertThat(Files.mismatch(image, out.resolve("got.oci.sif"))).isEqualTo(-1L);
      Launcher.Result bad =
          Launcher.sifctl("pull", base + "/junk.sif", out.resolve("junk.sif").toString());
      assertThat(bad.status()).isEqualTo(1);
      assertThat(bad.err()).contains(base + "/junk.sif: the download is not a valid SIF");
      try (Stream<Path> left = Files.list(out)) {
        assertThat(left.map(p -> p.getFileName().toString())).containsExactly("got.oci.sif");
      }
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aTruncatedBlobIsRefusedNamingBothSizes() throws Exception {
    Layer l = new Layer().file("f", "some content that will be cut", 0644);
    Path layout = TestImages.layout(tmp.resolve("t"), "v1", "amd64", List.of(l));
    registry.push(layout, "v1", "hostile/truncated:v1");
    String layerHex = layerDigestHex(layout);
    Path data = registry.blobData(layerHex);
    byte[] bytes = Files.readAllBytes(data);
    Files.write(data, Arrays.copyOf(bytes, bytes.length - 10));
    Path cache = tmp.resolve("cache");
    Launcher.Result r =
        pull(
            cache,
            "docker://" + registry.host() + "/hostile/truncated:v1",
            tmp.resolve("x.oci.sif"));
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .contains("blob sha256:" + layerHex)
        .contains("got " + (bytes.length - 10) + " bytes, expected " + bytes.length);
    assertNoImageCached(cache);
  }

  @Test
  void missingTagsAreNamed() throws Exception {
    Launcher.Result r =
        pull(
            tmp.resolve("c"),
            "docker://" + registry.host() + "/test/nothing:nope",
            tmp.resolve("n.oci.sif"));
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .contains("docker://" + registry.host() + "/test/nothing:nope: tag nope not found");
  }

  /** {@code sifctl pull --cache-dir CACHE [OPTIONS] SOURCE OUT}. */
  private static Launcher.Result pull(Path cache, String source, Path out, String... options)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("pull", "--cache-dir", cache.toString()));
    args.addAll(List.of(options));
    args.add(source);
    args.add(out.toString());
    return Launcher.sifctl(args.toArray(String[]::new));
  }

  private static String layerDigestHex(Path layout) throws Exception {
    String index = Files.readString(layout.resolve("index.json"));
    Matcher m = Pattern.compile("sha256:([0-9a-f]{64})").matcher(index);
    assertThat(m.find()).isTrue();
    String manifest = Files.readString(layout.resolve("blobs/sha256/" + m.group(1)));
    Matcher layers =
        Pattern.compile("\"layers\":\\[\\{[^}]*\"digest\":\"sha256:([0-9a-f]{64})\"")
            .matcher(manifest);
    assertThat(layers.find()).as(manifest).isTrue();
    return layers.group(1);
  }

  private static void assertNoImageCached(Path cache) throws Exception {
    Path sifs = cache.resolve("oci-sif/sha256");
    if (Files.isDirectory(sifs)) {
      try (Stream<Path> s = Files.list(sifs)) {
        assertThat(s.filter(p -> p.toString().endsWith(".oci.sif"))).isEmpty();
      }
    }
  }

  /** Extracts the OCI-SIF's squashfs layer (object 1) with unsquashfs, as root. */
  static Path unsquash(Path sif, Path dest) throws Exception {
    String info = Launcher.sifctl("sif", "info", "1", sif.toString()).ok().out();
    Matcher m = Pattern.compile("Offset: +(\\d+)").matcher(info);
    assertThat(m.find()).isTrue();
    Launcher.exec(
            List.of(
                "unsquashfs", "-q", "-n", "-o", m.group(1), "-d", dest.toString(), sif.toString()))
        .ok();
    return dest;
  }
}
