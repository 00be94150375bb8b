package io.sifkube.image.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against a fake daemon on a Unix socket that answers each connection with one canned
 * HTTP response; podman's real service is in DockerDaemonIT.
 */
class DockerEngineTest {

  @TempDir Path tmp;
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private ServerSocketChannel server;
  private Thread acceptor;

  private DockerHost serve(String... responses) throws IOException {
    Path sock = tmp.resolve("d.sock");
    server = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(sock));
    acceptor =
        new Thread(
            () -> {
              for (String response : responses) {
                try (SocketChannel c = server.accept()) {
                  requests.add(readHead(c));
                  // one response per connection, as the client is told: no reuse of a closed one
                  String closing = response.replaceFirst("\r\n", "\r\nConnection: close\r\n");
                  c.write(ByteBuffer.wrap(closing.getBytes(StandardCharsets.ISO_8859_1)));
                } catch (IOException e) {
                  return;
                }
              }
            });
    acceptor.setDaemon(true);
    acceptor.start();
    return DockerHost.parse("unix://" + sock, "--docker-host");
  }

  private static String readHead(SocketChannel c) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      one.clear();
      if (c.read(one) < 0) {
        break;
      }
      head.write(one.array()[0]);
    }
    return head.toString(StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
  }

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void inspectReadsTheImageAndAsksForThePathDockerDefines() throws Exception {
    String body = "{\"Id\":\"sha256:abc\",\"RepoTags\":[\"x:v1\"]}";
    DockerHost host =
        serve("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    try (DockerEngine engine = new DockerEngine(host)) {
      assertThat(engine.inspect("library/x:v1", "docker-daemon:x:v1").get("Id").asText())
          .isEqualTo("sha256:abc");
    }
    assertThat(requests).containsExactly("GET /images/library/x:v1/json HTTP/1.1");
  }

  @Test
  void aMissingImageIsNotFoundWithTheDaemonsMessage() throws Exception {
    String body = "{\"message\":\"No such image: x:v1\"}";
    DockerHost host =
        serve("HTTP/1.1 404 Not Found\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    try (DockerEngine engine = new DockerEngine(host)) {
      assertThatThrownBy(() -> engine.inspect("x:v1", "docker-daemon:x:v1"))
          .isInstanceOfSatisfying(
              ImageException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND))
          .hasMessage(
              "docker-daemon:x:v1: no such image in the daemon at "
                  + host
                  + " (HTTP 404: No such image: x:v1)");
    }
  }

  @Test
  void aChunkedSaveArrivesWholeAndABrokenOneLeavesNoFile() throws Exception {
    String chunked =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    String broken = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part";
    DockerHost host = serve(chunked, broken);
    Path out = tmp.resolve("saved.tar");
    try (DockerEngine engine = new DockerEngine(host)) {
      engine.save("x:v1", "docker-daemon:x:v1", out);
      assertThat(Files.readString(out)).isEqualTo("hello world");
      Files.delete(out);
      assertThatThrownBy(() -> engine.save("x:v1", "docker-daemon:x:v1", out))
          .isInstanceOfSatisfying(
              ImageException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE))
          .hasMessageStartingWith("docker-daemon:x:v1: the daemon at " + host + " broke off");
    }
    assertThat(out).doesNotExist();
    assertThat(out.resolveSibling("saved.tar.part")).doesNotExist();
    assertThat(requests)
        .containsExactly("GET /images/x:v1/get HTTP/1.1", "GET /images/x:v1/get HTTP/1.1");
  }

  @Test
  void namesThatCouldReachAnotherApiPathAreRefusedBeforeAnyRequest() {
    for (String bad :
        List.of("../containers/json", "x/../../y", "a b", "x?all=1", "/abs", "x//y")) {
      assertThatThrownBy(() -> DockerEngine.checkName(bad, "docker-daemon:" + bad))
          .as(bad)
          .hasMessageContaining("is not an image name");
    }
  }
}
