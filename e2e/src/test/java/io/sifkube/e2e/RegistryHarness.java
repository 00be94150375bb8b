package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's {@code docker-registry} (distribution) on 127.0.0.1 at a free port, with its storage and
 * request log in a temporary directory. Plain HTTP; the registry is loopback-only.
 */
final class RegistryHarness implements AutoCloseable {

  private final Path dir;
  private final Process process;
  private final int port;

  private RegistryHarness(Path dir, Process process, int port) {
    this.dir = dir;
    this.process = process;
    this.port = port;
  }

  static RegistryHarness start(Path dir) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Files.createDirectories(dir);
    Path config = dir.resolve("config.yml");
    Files.writeString(
        config,
        String.join(
            "\n",
            "version: 0.1",
            "log:",
            "  level: info",
            "  accesslog:",
            "    disabled: false",
            "storage:",
            "  filesystem:",
            "    rootdirectory: " + dir.resolve("data"),
            "  delete:",
            "    enabled: true",
            "http:",
            "  addr: 127.0.0.1:" + port,
            ""));
    Process p =
        new ProcessBuilder("docker-registry", "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("registry.log").toFile())
            .start();
    RegistryHarness h = new RegistryHarness(dir, p, port);
    h.awaitReady();
    return h;
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      assertThat(process.isAlive()).as("docker-registry is running; log: %s", log()).isTrue();
      try {
        HttpURLConnection c =
            (HttpURLConnection) URI.create("http://" + host() + "/v2/").toURL().openConnection();
        c.setConnectTimeout(500);
        if (c.getResponseCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(100);
    }
    throw new AssertionError("docker-registry did not start: " + log());
  }

  String host() {
    return "127.0.0.1:" + port;
  }

  Path storage() {
    return dir.resolve("data");
  }

  String log() throws IOException {
    Path f = dir.resolve("registry.log");
    return Files.exists(f) ? Files.readString(f) : "";
  }

  /** How many blob GETs the registry has served so far. */
  long blobGets() throws IOException {
    return log().lines().filter(l -> l.contains("\"GET /v2/") && l.contains("/blobs/")).count();
  }

  /** Pushes an OCI layout image to this registry with skopeo. */
  void push(Path layout, String tag, String repoAndTag, String... extra) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("skopeo", "copy", "--quiet", "--dest-tls-verify=false"));
    cmd.addAll(List.of(extra));
    cmd.add("oci:" + layout + ":" + tag);
    cmd.add("docker://" + host() + "/" + repoAndTag);
    Launcher.exec(cmd).ok();
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    process.waitFor();
  }
}
