package io.sifkube.image.pull;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.sifkube.image.ImageException;
import io.sifkube.testing.Fixtures;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * http(s):// SIF downloads against a stand-in server: redirects, refusals, nothing half-written.
 */
class HttpSifDownloaderTest {

  @TempDir Path tmp;

  private HttpServer server;
  private byte[] sif;
  private final List<String> info = new ArrayList<>();
  private final PullListener listener = info::add;

  @BeforeEach
  void start() throws IOException {
    sif = Files.readAllBytes(Fixtures.referenceSifs().get(0));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          String path = ex.getRequestURI().getPath();
          switch (path) {
            case "/image.sif" -> {
              ex.sendResponseHeaders(200, sif.length);
              ex.getResponseBody().write(sif);
            }
            case "/hop1" -> {
              ex.getResponseHeaders().add("Location", "/hop2");
              ex.sendResponseHeaders(302, -1);
            }
            case "/hop2" -> {
              ex.getResponseHeaders().add("Location", base() + "/image.sif");
              ex.sendResponseHeaders(307, -1);
            }
            case "/loop" -> {
              ex.getResponseHeaders().add("Location", "/loop");
              ex.sendResponseHeaders(302, -1);
            }
            case "/away" -> {
              ex.getResponseHeaders().add("Location", "http://192.0.2.1/image.sif");
              ex.sendResponseHeaders(302, -1);
            }
            case "/junk.sif" -> {
              byte[] b = "<html>no</html>".getBytes();
              ex.sendResponseHeaders(200, b.length);
              ex.getResponseBody().write(b);
            }
            default -> ex.sendResponseHeaders(404, -1);
          }
          ex.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private Path download(String path) throws IOException {
    Path out = tmp.resolve("got.sif");
    new HttpSifDownloader(false, listener).download(URI.create(base() + path), out);
    return out;
  }

  @Test
  void redirectsAreFollowedToTheFile() throws Exception {
    Path out = download("/hop1");
    assertThat(Files.readAllBytes(out)).isEqualTo(sif);
    assertThat(info).anySatisfy(l -> assertThat(l).startsWith("Downloading " + base() + "/hop1"));
  }

  @Test
  void refusalsNameTheUrlAndLeaveNothingBehind() throws Exception {
    assertThatThrownBy(() -> download("/missing.sif"))
        .isInstanceOf(ImageException.class)
        .hasMessage(base() + "/missing.sif: HTTP 404");
    assertThatThrownBy(() -> download("/loop")).hasMessageContaining("more than 5 redirects");
    assertThatThrownBy(() -> download("/away"))
        .hasMessage(base() + "/away: refusing the redirect to http://192.0.2.1");
    assertThatThrownBy(() -> download("/junk.sif"))
        .hasMessageContaining(base() + "/junk.sif: the download is not a valid SIF");
    assertThatThrownBy(
            () ->
                new HttpSifDownloader(false, listener)
                    .download(URI.create("http://192.0.2.1/x.sif"), tmp.resolve("x.sif")))
        .hasMessageContaining("plain HTTP is allowed only for loopback hosts or with --insecure");
    try (Stream<Path> left = Files.list(tmp)) {
      assertThat(left).isEmpty();
    }
  }
}
