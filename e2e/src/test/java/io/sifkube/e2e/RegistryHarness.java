package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
    return start(dir, List.of());
  }

  /**
   * A registry that speaks TLS with a certificate for 127.0.0.1 signed by a fresh CA ({@link
   * #caCert}) and wants HTTP basic auth from {@code user}/{@code password} (bcrypt htpasswd).
   */
  static RegistryHarness startSecure(Path dir, String user, String password) throws Exception {
    Files.createDirectories(dir);
    sh(
        dir,
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj '/CN=sifkube test CA'");
    sh(
        dir,
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1");
    Files.writeString(
        dir.resolve("ext.cnf"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
    sh(
        dir,
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile ext.cnf");
    Launcher.Result h = Launcher.exec(List.of("htpasswd", "-Bbn", user, password)).ok();
    Files.writeString(dir.resolve("htpasswd"), h.out());
    return start(
        dir,
        List.of(
            "  tls:",
            "    certificate: " + dir.resolve("server.crt"),
            "    key: " + dir.resolve("server.key"),
            "auth:",
            "  htpasswd:",
            "    realm: sifkube-test",
            "    path: " + dir.resolve("htpasswd")));
  }

  private static void sh(Path dir, String command) throws Exception {
    Launcher.exec(List.of("sh", "-c", "cd '" + dir + "' && " + command + " 2>&1")).ok();
  }

  Path caCert() {
    return dir.resolve("ca.crt");
  }

  /**
   * Starts the registry at a port that was free a moment ago. Another process can take it in
   * between (an outgoing connection's source port, as a CI run's API server once did), so a
   * registry that exits because the address is in use is started again at another port.
   */
  private static RegistryHarness start(Path dir, List<String> extraHttpConfig) throws Exception {
    Files.createDirectories(dir);
    for (int tries = 1; ; tries++) {
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path config = dir.resolve("config.yml");
      List<String> lines =
          new ArrayList<>(
              List.of(
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
                  "  addr: 127.0.0.1:" + port));
      lines.addAll(extraHttpConfig);
      lines.add("");
      Files.writeString(config, String.join("\n", lines));
      Process p =
          new ProcessBuilder("docker-registry", "serve", config.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("registry.log").toFile())
              .start();
      RegistryHarness h = new RegistryHarness(dir, p, port);
      if (h.awaitReady()) {
        return h;
      }
      assertThat(tries)
          .as("docker-registry found its port taken %d times: %s", tries, h.log())
          .isLessThan(5);
    }
  }

  /**
   * Waits for the registry to take connections: true once it does, false when it exited because its
   * port was taken; fails on any other exit or after 20 s.
   */
  private boolean awaitReady() throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive() && log().contains("address already in use")) {
        return false;
      }
      assertThat(process.isAlive()).as("docker-registry is running; log: %s", log()).isTrue();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        // its own line, not merely someone at the port: distribution logs it once bound
        if (log().contains("listening on 127.0.0.1:" + port)) {
          return true;
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

  /** Where the registry stores the bytes of blob {@code sha256:HEX} (for damaging them). */
  Path blobData(String hex) {
    return storage()
        .resolve("docker/registry/v2/blobs/sha256/" + hex.substring(0, 2) + "/" + hex + "/data");
  }

  String log() throws IOException {
    Path f = dir.resolve("registry.log");
    return Files.exists(f) ? Files.readString(f) : "";
  }

  /** How many requests of any kind the registry has logged so far. */
  long requests() throws IOException {
    return log().lines().filter(l -> l.contains("\"GET /v2/") || l.contains("\"HEAD /v2/")).count();
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
