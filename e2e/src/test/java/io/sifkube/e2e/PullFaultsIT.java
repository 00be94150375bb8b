package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sifkube.e2e.TestImages.Layer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken connections during blob downloads: one that drops half-way (the pull resumes with a {@code
 * Range} request) and one that stalls until the pull is killed (nothing partial is left that a
 * later pull would trust).
 */
class PullFaultsIT {

  @TempDir static Path shared;
  private static RegistryHarness registry;
  private static String layerHex;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    registry = RegistryHarness.start(shared.resolve("registry"));
    byte[] data = new byte[4 << 20];
    new Random(9).nextBytes(data); // incompressible, so the blob is big
    Path layout =
        TestImages.layout(
            shared.resolve("layout"), "v1", "amd64", List.of(new Layer().file("big", data, 0644)));
    registry.push(layout, "v1", "test/big:v1");
    String manifest;
    try (Stream<Path> blobs = Files.list(layout.resolve("blobs/sha256"))) {
      manifest =
          blobs
              .map(PullFaultsIT::read)
              .filter(s -> s.contains("\"layers\""))
              .findFirst()
              .orElseThrow();
    }
    int at =
        manifest.indexOf("tar+gzip\",\"digest\":\"sha256:")
            + "tar+gzip\",\"digest\":\"sha256:".length();
    layerHex = manifest.substring(at, at + 64);
  }

  @AfterAll
  static void stop() throws Exception {
    if (registry != null) {
      registry.close();
    }
  }

  private static String read(Path p) {
    try {
      return Files.size(p) < 65536 ? Files.readString(p, StandardCharsets.ISO_8859_1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aDroppedBlobDownloadResumesWithRange() throws Exception {
    try (BlobProxy proxy = new BlobProxy(registry.host(), Mode.DROP_ONCE)) {
      Path out = tmp.resolve("big.oci.sif");
      Launcher.sifctl(
              "pull",
              "--cache-dir",
              tmp.resolve("cache").toString(),
              "docker://" + proxy.host() + "/test/big:v1",
              out.toString())
          .ok();
      assertThat(proxy.ranges)
          .as("Range headers of the layer requests")
          .anyMatch(r -> r.startsWith("bytes=") && !r.equals("bytes=0-"));
      assertThat(Files.readAllBytes(PullIT.unsquash(out, tmp.resolve("r")).resolve("big")))
          .hasSize(4 << 20);
    }
  }

  @Test
  void aPullKilledMidDownloadLeavesNothingALaterPullTrusts() throws Exception {
    Path cache = tmp.resolve("cache");
    try (BlobProxy proxy = new BlobProxy(registry.host(), Mode.STALL)) {
      List<String> cmd = new ArrayList<>();
      cmd.add(Launcher.repoRoot().resolve("bin/sifctl").toString());
      cmd.addAll(
          List.of(
              "pull",
              "--cache-dir",
              cache.toString(),
              "docker://" + proxy.host() + "/test/big:v1",
              tmp.resolve("k.oci.sif").toString()));
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("killed.log").toFile())
              .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!proxy.stalled.get() && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(proxy.stalled.get()).as("the download reached the stall").isTrue();
      Thread.sleep(300);
      p.destroyForcibly().waitFor(); // SIGKILL: no chance to clean up
    }
    assertThat(cache.resolve("blobs/sha256/" + layerHex)).doesNotExist();
    assertThat(cache.resolve("oci-sif"))
        .satisfiesAnyOf(d -> assertThat(d).doesNotExist(), d -> assertThat(d).isEmptyDirectory());
    assertThat(tmp.resolve("k.oci.sif")).doesNotExist();

    Launcher.sifctl(
            "pull",
            "--cache-dir",
            cache.toString(),
            "docker://" + registry.host() + "/test/big:v1",
            tmp.resolve("k.oci.sif").toString())
        .ok();
    assertThat(cache.resolve("blobs/sha256/" + layerHex)).isRegularFile();
    Launcher.sifctl("cache", "clean", "--cache-dir", cache.toString()).ok();
    try (Stream<Path> left = Files.list(cache)) {
      assertThat(left.map(f -> f.getFileName().toString()))
          .doesNotContain("blobs", "oci-sif", "tmp");
    }
  }

  enum Mode {
    DROP_ONCE,
    STALL
  }

  /** Forwards to the registry, but breaks the first download of the big layer. */
  static final class BlobProxy implements AutoCloseable {
    private final String upstream;
    private final Mode mode;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicBoolean broken = new AtomicBoolean();
    final AtomicBoolean stalled = new AtomicBoolean();
    final ConcurrentLinkedQueue<String> ranges = new ConcurrentLinkedQueue<>();

    BlobProxy(String upstream, Mode mode) throws IOException {
      this.upstream = upstream;
      this.mode = mode;
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", this::handle);
      server.setExecutor(
          Executors.newCachedThreadPool(
              r -> {
                Thread t = new Thread(r, "blob-proxy");
                t.setDaemon(true); // a stalled handler must not keep the test JVM alive
                return t;
              }));
      server.start();
    }

    String host() {
      return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
      try (InputStream in = ex.getRequestBody()) {
        in.readAllBytes();
      }
      String path = ex.getRequestURI().getPath();
      boolean bigLayer = path.endsWith("/blobs/sha256:" + layerHex);
      String range = ex.getRequestHeaders().getFirst("Range");
      if (bigLayer) {
        ranges.add(range == null ? "none" : range);
      }
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + upstream + path));
      for (String h : List.of("Accept", "Range")) {
        String v = ex.getRequestHeaders().getFirst(h);
        if (v != null) {
          b.header(h, v);
        }
      }
      HttpResponse<byte[]> r;
      try {
        r =
            HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build()
                .send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      for (String h : List.of("Content-Type", "Content-Range", "Docker-Content-Digest")) {
        r.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().add(h, v));
      }
      byte[] body = r.body();
      ex.sendResponseHeaders(r.statusCode(), body.length == 0 ? -1 : body.length);
      if (body.length == 0) {
        ex.close();
        return;
      }
      OutputStream out = ex.getResponseBody();
      if (bigLayer && broken.compareAndSet(false, true)) {
        out.write(body, 0, body.length / 2);
        out.flush();
        if (mode == Mode.STALL) {
          stalled.set(true);
          try {
            Thread.sleep(120_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        // Drop the connection with half the promised bytes sent.
        ex.close();
        return;
      }
      out.write(body);
      out.close();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
