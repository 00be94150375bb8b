package io.sifkube.image.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sifkube.image.ImageException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transport against a stand-in HTTP server: what goes out, and what comes back. */
class RegistryHttpTest {

  @TempDir Path tmp;

  private HttpServer server;
  private RegistryHttp http;
  private final List<String> seen = new CopyOnWriteArrayList<>();

  /** What the request carried, as the server saw it. */
  private volatile byte[] lastBody = new byte[0];

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
    http =
        new RegistryHttp(
            () -> {
              try {
                return SSLContext.getDefault();
              } catch (java.security.GeneralSecurityException e) {
                throw new IOException(e);
              }
            },
            false);
  }

  @AfterEach
  void stop() {
    http.close();
    server.stop(0);
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    try (InputStream in = ex.getRequestBody()) {
      lastBody = in.readAllBytes();
    }
    seen.add(
        ex.getRequestMethod()
            + " "
            + path
            + " len="
            + ex.getRequestHeaders().getFirst("Content-Length")
            + " range="
            + ex.getRequestHeaders().getFirst("Content-Range")
            + " auth="
            + ex.getRequestHeaders().getFirst("Authorization"));
    switch (path) {
      case "/blob" -> {
        byte[] b = "0123456789".getBytes(StandardCharsets.US_ASCII);
        ex.getResponseHeaders().add("Docker-Content-Digest", "sha256:abc");
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
      }
      case "/missing" -> {
        byte[] b = "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(404, b.length);
        ex.getResponseBody().write(b);
      }
      case "/moved" -> {
        ex.getResponseHeaders().add("Location", "https://elsewhere.example/blob");
        ex.sendResponseHeaders(307, -1);
      }
      case "/hop" -> {
        ex.getResponseHeaders().add("Location", "/blob");
        ex.sendResponseHeaders(302, -1);
      }
      case "/loop" -> {
        ex.getResponseHeaders().add("Location", "/loop");
        ex.sendResponseHeaders(301, -1);
      }
      case "/to-plain" -> {
        ex.getResponseHeaders().add("Location", "http://192.0.2.1/blob");
        ex.sendResponseHeaders(307, -1);
      }
      case "/no-location" -> ex.sendResponseHeaders(303, -1);
      case "/login" -> {
        ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"r\"");
        ex.sendResponseHeaders(401, -1);
      }
      case "/stall" -> {
        ex.sendResponseHeaders(200, 100);
        ex.getResponseBody().write(new byte[10]);
        ex.getResponseBody().flush();
        try {
          Thread.sleep(3000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      default -> {
        ex.getResponseHeaders().add("Location", "/v2/next");
        ex.sendResponseHeaders(202, -1);
      }
    }
    ex.close();
  }

  @Test
  void getHandsBackStatusHeadersInAnyCaseAndTheBody() throws Exception {
    try (HttpReply r =
        http.send(
            "GET",
            uri("/blob"),
            Map.of("Authorization", "Bearer t"),
            null,
            Duration.ofSeconds(5))) {
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("docker-content-digest")).contains("sha256:abc");
      assertThat(r.header("DOCKER-CONTENT-DIGEST")).contains("sha256:abc");
      assertThat(r.longHeader("Content-Length")).contains(10L);
      assertThat(new String(r.body().readAllBytes(), StandardCharsets.US_ASCII))
          .isEqualTo("0123456789");
    }
    assertThat(seen).containsExactly("GET /blob len=null range=null auth=Bearer t");
  }

  @Test
  void anErrorStatusIsAnAnswerWithItsBody() throws Exception {
    try (HttpReply r = http.send("GET", uri("/missing"), Map.of(), null, Duration.ofSeconds(5))) {
      assertThat(r.status()).isEqualTo(404);
      assertThat(new String(r.body().readAllBytes(), StandardCharsets.UTF_8))
          .contains("BLOB_UNKNOWN");
    }
  }

  @Test
  void redirectsAreHandedBackNotFollowed() throws Exception {
    try (HttpReply r = http.send("GET", uri("/moved"), Map.of(), null, Duration.ofSeconds(5))) {
      assertThat(r.status()).isEqualTo(307);
      assertThat(r.header("Location")).contains("https://elsewhere.example/blob");
    }
    assertThat(seen).hasSize(1);
  }

  /** Hops that give the first URL (only) a credential. */
  private RegistryHttp.Hops credentialsFor(URI first) {
    return target -> target.equals(first) ? Map.of("Authorization", "Bearer t") : Map.of();
  }

  @Test
  void getFollowsRedirectsAskingEachHopForItsHeaders() throws Exception {
    URI first = uri("/hop");
    try (HttpReply r = http.get(first, credentialsFor(first), false, "img")) {
      assertThat(r.status()).isEqualTo(200);
      assertThat(new String(r.body().readAllBytes(), StandardCharsets.US_ASCII))
          .isEqualTo("0123456789");
    }
    assertThat(seen)
        .containsExactly(
            "GET /hop len=null range=null auth=Bearer t",
            "GET /blob len=null range=null auth=null");
  }

  @Test
  void getRefusesPlainHttpElsewhereAMissingLocationAndEndlessRedirects() {
    URI plain = uri("/to-plain");
    assertThatThrownBy(() -> http.get(plain, credentialsFor(plain), false, "img"))
        .isInstanceOf(ImageException.class)
        .hasMessage("img: refusing the redirect to http://192.0.2.1");
    URI none = uri("/no-location");
    assertThatThrownBy(() -> http.get(none, credentialsFor(none), false, "img"))
        .hasMessage("img: HTTP 303 redirect without a Location");
    seen.clear();
    URI loop = uri("/loop");
    assertThatThrownBy(() -> http.get(loop, credentialsFor(loop), false, "img"))
        .hasMessage("img: more than 5 redirects");
    assertThat(seen).hasSize(RegistryHttp.MAX_REDIRECTS + 1);
  }

  @Test
  void putSendsExactlyTheFileRangeAndPostWithoutBodySendsNone() throws Exception {
    Path f = tmp.resolve("blob");
    Files.writeString(f, "headerPAYLOADtrailer");
    try (HttpReply r =
        http.send(
            "PUT",
            uri("/upload"),
            Map.of("Content-Type", "application/octet-stream"),
            RequestBody.ofFile(f, 6, 7),
            Duration.ofSeconds(5))) {
      assertThat(r.status()).isEqualTo(202);
      assertThat(r.header("location")).contains("/v2/next");
    }
    assertThat(new String(lastBody, StandardCharsets.US_ASCII)).isEqualTo("PAYLOAD");
    try (HttpReply r = http.send("POST", uri("/start"), Map.of(), null, Duration.ofSeconds(5))) {
      assertThat(r.status()).isEqualTo(202);
    }
    assertThat(lastBody).isEmpty();
    assertThat(seen)
        .containsExactly(
            "PUT /upload len=7 range=null auth=null", "POST /start len=0 range=null auth=null");
  }

  @Test
  void patchGoesOutWithItsBodyAndHeaders() throws Exception {
    byte[] chunk = new byte[3 << 20]; // more than one of the 1 MiB arrays handed over
    chunk[chunk.length - 1] = 7;
    Path f = tmp.resolve("big");
    Files.write(f, chunk);
    try (HttpReply r =
        http.send(
            "PATCH",
            uri("/chunk"),
            Map.of("Content-Range", "0-" + (chunk.length - 1)),
            RequestBody.ofFile(f, 0, chunk.length),
            Duration.ofSeconds(30))) {
      assertThat(r.status()).isEqualTo(202);
      assertThat(r.header("Location")).contains("/v2/next");
    }
    assertThat(lastBody).isEqualTo(chunk);
    assertThat(seen)
        .containsExactly(
            "PATCH /chunk len=" + chunk.length + " range=0-" + (chunk.length - 1) + " auth=null");
  }

  @Test
  void aChallengeToAStreamedBodyStillShowsItsHeader() throws Exception {
    try (HttpReply r =
        http.send(
            "PUT",
            uri("/login"),
            Map.of(),
            RequestBody.of("x".getBytes(StandardCharsets.US_ASCII)),
            Duration.ofSeconds(5))) {
      assertThat(r.status()).isEqualTo(401);
      assertThat(r.header("WWW-Authenticate")).contains("Basic realm=\"r\"");
    }
  }

  @Test
  void aServerThatStallsMidBodyFailsTheReadInsteadOfHanging() throws Exception {
    HttpReply r = http.send("GET", uri("/stall"), Map.of(), null, Duration.ofMillis(300));
    long t = System.nanoTime();
    assertThatThrownBy(() -> r.body().readAllBytes()).isInstanceOf(SocketTimeoutException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - t)).isLessThan(Duration.ofMillis(2500));
    r.close();
  }

  @Test
  void aFileShorterThanItsRangeFailsTheSendNamingTheFile() throws Exception {
    Path f = tmp.resolve("short");
    Files.writeString(f, "abc");
    assertThatThrownBy(
            () ->
                http.send(
                    "PUT",
                    uri("/upload"),
                    Map.of(),
                    RequestBody.ofFile(f, 0, 10),
                    Duration.ofSeconds(5)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(f.toString());
  }
}
