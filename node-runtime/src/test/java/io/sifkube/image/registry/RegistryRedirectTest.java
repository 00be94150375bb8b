package io.sifkube.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sifkube.image.ImageException;
import io.sifkube.image.ref.ImageReference;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A registry that asks for a login and then redirects a blob to another host (as registries
 * redirect to their storage): the login goes to the registry only, the rest of the request to both.
 */
class RegistryRedirectTest {

  private HttpServer registry;
  private HttpServer storage;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private volatile String location;

  @BeforeEach
  void start() throws IOException {
    storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    storage.createContext("/", ex -> answer(ex, "storage"));
    storage.start();
    registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    registry.createContext("/", ex -> answer(ex, "registry"));
    registry.start();
    location = "http://127.0.0.1:" + storage.getAddress().getPort() + "/bucket/blob";
  }

  @AfterEach
  void stop() {
    registry.stop(0);
    storage.stop(0);
  }

  private void answer(HttpExchange ex, String who) throws IOException {
    try (InputStream in = ex.getRequestBody()) {
      in.readAllBytes();
    }
    String path = ex.getRequestURI().getPath();
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    seen.add(
        who
            + " "
            + path
            + " auth="
            + auth
            + " range="
            + ex.getRequestHeaders().getFirst("Range")
            + " accept="
            + ex.getRequestHeaders().getFirst("Accept"));
    if (who.equals("storage")) {
      byte[] b = "blob".getBytes(StandardCharsets.US_ASCII);
      ex.sendResponseHeaders(206, b.length);
      ex.getResponseBody().write(b);
    } else if (path.equals("/v2/")) {
      ex.sendResponseHeaders(200, -1);
    } else if (auth == null) {
      ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"test\"");
      ex.sendResponseHeaders(401, -1);
    } else {
      ex.getResponseHeaders().add("Location", location);
      ex.sendResponseHeaders(307, -1);
    }
    ex.close();
  }

  private RegistryClient client() {
    String host = "127.0.0.1:" + registry.getAddress().getPort();
    return new RegistryClient(
        ImageReference.parse(host + "/team/app:v1"),
        "docker://" + host + "/team/app:v1",
        Credentials.of(host, new Credentials.Login("user", "secret", null)),
        false,
        new RetryPolicy(2, Duration.ofMillis(10), Duration.ofMillis(20)));
  }

  @Test
  void theLoginStaysWithTheRegistryWhileRangeAndAcceptFollowTheRedirect() throws Exception {
    try (RegistryClient c = client()) {
      RegistryClient.Response r = c.get("blobs/sha256:abc", "application/octet-stream", 7);
      try (InputStream body = r.body()) {
        assertThat(new String(body.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("blob");
      }
    }
    String blob = "/v2/team/app/blobs/sha256:abc";
    assertThat(seen)
        .filteredOn(s -> !s.startsWith("registry /v2/ "))
        .containsExactly(
            "registry " + blob + " auth=null range=bytes=7- accept=application/octet-stream",
            "registry "
                + blob
                + " auth=Basic dXNlcjpzZWNyZXQ= range=bytes=7- accept=application/octet-stream",
            "storage /bucket/blob auth=null range=bytes=7- accept=application/octet-stream");
  }

  @Test
  void aLocationThatIsNotAUriIsNamedNotAnInternalError() {
    location = "http://bad host/%%";
    try (RegistryClient c = client()) {
      assertThatThrownBy(() -> c.get("blobs/sha256:abc", null, 0))
          .isInstanceOf(ImageException.class)
          .hasMessageContaining("docker://127.0.0.1:")
          .hasMessageContaining("redirect to a Location that is not a URL: http://bad host/%%");
    }
  }
}
