package io.sifkube.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.sifkube.e2e.TestImages.Layer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls that need trust and credentials: a TLS registry (certificate from a private CA) with
 * htpasswd basic auth; and, through a small proxy in front of a plain registry, a registry that
 * fails twice before answering and redirects blob downloads to another host.
 */
class SecurePullIT {

  private static final String USER = "alice";
  private static final String PASSWORD = "s3cret";

  @TempDir static Path shared;
  private static RegistryHarness secure;
  private static RegistryHarness plain;

  @TempDir Path tmp;

  @BeforeAll
  static void start() throws Exception {
    secure = RegistryHarness.startSecure(shared.resolve("secure"), USER, PASSWORD);
    plain = RegistryHarness.start(shared.resolve("plain"));
    Path layout =
        TestImages.layout(
            shared.resolve("layout"),
            "v1",
            "amd64",
            List.of(new Layer().file("hello", "world", 0644)));
    secure.push(layout, "v1", "private/app:v1", "--dest-creds", USER + ":" + PASSWORD);
    plain.push(layout, "v1", "test/app:v1");
  }

  @AfterAll
  static void stop() throws Exception {
    for (RegistryHarness r : new RegistryHarness[] {secure, plain}) {
      if (r != null) {
        r.close();
      }
    }
  }

  private Path authfile(String host, String user, String password) throws IOException {
    String auth =
        Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    Path f = tmp.resolve("auth-" + user + "-" + password.length() + ".json");
    Files.writeString(f, "{\"auths\":{\"" + host + "\":{\"auth\":\"" + auth + "\"}}}");
    return f;
  }

  private Map<String, String> trustingEnv() throws IOException {
    Path certs = tmp.resolve("certs.d");
    Path dir = Files.createDirectories(certs.resolve(secure.host()));
    Files.copy(secure.caCert(), dir.resolve("ca.crt"), StandardCopyOption.REPLACE_EXISTING);
    return Map.of("SIFKUBE_CERTS_DIR", certs.toString());
  }

  private Launcher.Result pull(Map<String, String> env, String... args) throws Exception {
    String[] all = new String[args.length + 3];
    all[0] = "pull";
    all[1] = "--cache-dir";
    all[2] = tmp.resolve("cache").toString();
    System.arraycopy(args, 0, all, 3, args.length);
    return Launcher.sifctlWithEnv(env, all);
  }

  @Test
  void pullsOverTlsWithBasicAuthFromTheAuthfile() throws Exception {
    Path out = tmp.resolve("app.oci.sif");
    pull(
            trustingEnv(),
            "--authfile",
            authfile(secure.host(), USER, PASSWORD).toString(),
            "docker://" + secure.host() + "/private/app:v1",
            out.toString())
        .ok();
    assertThat(Files.readString(PullIT.unsquash(out, tmp.resolve("root")).resolve("hello")))
        .isEqualTo("world");
  }

  @Test
  void missingOrWrongCredentialsAre401WithTheRealm() throws Exception {
    String ref = "docker://" + secure.host() + "/private/app:v1";
    Launcher.Result none = pull(trustingEnv(), ref, tmp.resolve("a.oci.sif").toString());
    assertThat(none.status()).isEqualTo(1);
    assertThat(none.err())
        .contains(ref + ": 401 unauthorized (realm sifkube-test)")
        .contains("--authfile");
    Launcher.Result wrong =
        pull(
            trustingEnv(),
            "--authfile",
            authfile(secure.host(), USER, "wrong").toString(),
            ref,
            tmp.resolve("b.oci.sif").toString());
    assertThat(wrong.status()).isEqualTo(1);
    assertThat(wrong.err()).contains(ref + ": 401 unauthorized (realm sifkube-test)");
  }

  @Test
  void anUntrustedCertificateFailsClearlyUnlessInsecure() throws Exception {
    String ref = "docker://" + secure.host() + "/private/app:v1";
    String auth = authfile(secure.host(), USER, PASSWORD).toString();
    Launcher.Result r =
        pull(
            Map.of("SIFKUBE_CERTS_DIR", tmp.toString()),
            "--authfile",
            auth,
            ref,
            tmp.resolve("x.oci.sif").toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .contains("TLS handshake with " + secure.host() + " failed")
        .contains("ca.crt");
    pull(
            Map.of("SIFKUBE_CERTS_DIR", tmp.toString()),
            "--insecure",
            "--authfile",
            auth,
            ref,
            tmp.resolve("y.oci.sif").toString())
        .ok();
  }

  @Test
  void recoversFromTwo500sAndSendsNoCredentialsToARedirectHost() throws Exception {
    try (FaultyProxy proxy = new FaultyProxy(plain.host(), 2)) {
      Path out = tmp.resolve("via-proxy.oci.sif");
      Launcher.Result r =
          pull(
              Map.of(),
              "--authfile",
              authfile(proxy.host(), USER, PASSWORD).toString(),
              "docker://" + proxy.host() + "/test/app:v1",
              out.toString());
      r.ok();
      assertThat(proxy.failuresServed.get()).isEqualTo(2);
      assertThat(proxy.blobRequestsAtRedirectHost).isNotEmpty();
      assertThat(proxy.blobRequestsAtRedirectHost)
          .as("Authorization headers seen at the redirect host")
          .containsOnly("none");
      assertThat(proxy.authorizedRequests.get())
          .as("requests to the proxy that carried the login")
          .isPositive();
      assertThat(Files.readString(PullIT.unsquash(out, tmp.resolve("r")).resolve("hello")))
          .isEqualTo("world");
    }
  }

  @Test
  void bearerTokensComeFromTheChallengedRealmWithTheLogin() throws Exception {
    try (TokenProxy proxy = new TokenProxy(plain.host())) {
      String ref = "docker://" + proxy.host() + "/test/app:v1";
      Path out = tmp.resolve("token.oci.sif");
      pull(
              Map.of(),
              "--authfile",
              authfile(proxy.host(), USER, PASSWORD).toString(),
              ref,
              out.toString())
          .ok();
      assertThat(proxy.tokenQueries).isNotEmpty();
      assertThat(proxy.tokenQueries.peek())
          .contains("service=sifkube-token-test")
          .contains("scope=repository%3Atest%2Fapp%3Apull");
      assertThat(Files.readString(PullIT.unsquash(out, tmp.resolve("t")).resolve("hello")))
          .isEqualTo("world");

      Launcher.Result anonymous = pull(Map.of(), ref, tmp.resolve("anon.oci.sif").toString());
      assertThat(anonymous.status()).isEqualTo(1);
      assertThat(anonymous.err())
          .contains("401 from token realm http://" + proxy.host() + "/token");
    }
  }

  /**
   * The forms of docker's config.json through sifctl: an identity token exchanged at the token
   * realm, a credential helper on PATH, and a key written as a URL (as `kubectl create secret
   * docker-registry` writes Docker Hub's).
   */
  @Test
  void identityTokensHelpersAndUrlKeys() throws Exception {
    try (TokenProxy proxy = new TokenProxy(plain.host())) {
      String ref = "docker://" + proxy.host() + "/test/app:v1";
      Path identity = tmp.resolve("identity.json");
      Files.writeString(
          identity,
          "{\"auths\":{\""
              + proxy.host()
              + "\":{\"identitytoken\":\""
              + TokenProxy.IDENTITY_TOKEN
              + "\"}}}");
      pull(Map.of(), "--authfile", identity.toString(), ref, tmp.resolve("i.oci.sif").toString())
          .ok();
      assertThat(proxy.tokenPosts).isNotEmpty();
      assertThat(proxy.tokenPosts.peek()).contains("service=sifkube-token-test");

      Path bin = Files.createDirectories(tmp.resolve("bin"));
      Path helper = bin.resolve("docker-credential-sifkubetest");
      Files.writeString(
          helper,
          "#!/bin/sh\nread -r server\necho \"$server\" >> "
              + tmp.resolve("helper.log")
              + "\necho '{\"ServerURL\":\"'$server'\",\"Username\":\""
              + USER
              + "\",\"Secret\":\""
              + PASSWORD
              + "\"}'\n");
      Files.setPosixFilePermissions(
          helper, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      Path store = tmp.resolve("store.json");
      Files.writeString(store, "{\"credsStore\":\"sifkubetest\"}");
      pull(
              Map.of("PATH", bin + ":" + System.getenv("PATH")),
              "--authfile",
              store.toString(),
              ref,
              tmp.resolve("h.oci.sif").toString())
          .ok();
      assertThat(Files.readString(tmp.resolve("helper.log"))).isEqualTo(proxy.host() + "\n");

      Path url = tmp.resolve("url.json");
      String auth =
          Base64.getEncoder()
              .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
      Files.writeString(
          url, "{\"auths\":{\"http://" + proxy.host() + "/v1/\":{\"auth\":\"" + auth + "\"}}}");
      pull(Map.of(), "--authfile", url.toString(), ref, tmp.resolve("u.oci.sif").toString()).ok();
    }
  }

  /**
   * siflet takes a pull secret's config as it is: the entry for the image's registry (a URL key
   * here), never a helper, and an INVALID_ARGUMENT naming the host when there is none.
   */
  @Test
  void sifletReadsAPullSecretsDockerConfig() throws Exception {
    try (TokenProxy proxy = new TokenProxy(plain.host());
        SifletDaemon d = new SifletDaemon(Files.createDirectories(tmp.resolve("siflet"))).start()) {
      String source = "docker://" + proxy.host() + "/test/app:v1";
      String auth =
          Base64.getEncoder()
              .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
      io.sifkube.node.v1.AuthConfig good =
          io.sifkube.node.v1.AuthConfig.newBuilder()
              .setDockerConfig(
                  com.google.protobuf.ByteString.copyFromUtf8(
                      "{\"auths\":{\"https://"
                          + proxy.host()
                          + "/v1/\":{\"auth\":\""
                          + auth
                          + "\"}}}"))
              .build();
      List<io.sifkube.node.v1.PullImageEvent> events = new java.util.ArrayList<>();
      d.images()
          .pullImage(
              io.sifkube.node.v1.PullImageRequest.newBuilder()
                  .setSource(source)
                  .setInsecure(true)
                  .setAuth(good)
                  .build())
          .forEachRemaining(events::add);
      assertThat(events.get(events.size() - 1).getImage().getManifestDigest())
          .startsWith("sha256:");
      for (String[] bad :
          new String[][] {
            {
              "{\"auths\":{\"other.example\":{\"auth\":\"" + auth + "\"}}}",
              "auth.docker_config: no credentials for " + proxy.host() + " (it has other.example)"
            },
            {
              "{\"credHelpers\":{\"" + proxy.host() + "\":\"evil\"}}",
              "helpers are not run for a configuration sent to siflet"
            }
          }) {
        io.grpc.StatusRuntimeException e =
            org.junit.jupiter.api.Assertions.assertThrows(
                io.grpc.StatusRuntimeException.class,
                () ->
                    d.images()
                        .pullImage(
                            io.sifkube.node.v1.PullImageRequest.newBuilder()
                                .setSource(source)
                                .setInsecure(true)
                                .setAuth(
                                    io.sifkube.node.v1.AuthConfig.newBuilder()
                                        .setDockerConfig(
                                            com.google.protobuf.ByteString.copyFromUtf8(bad[0])))
                                .build())
                        .forEachRemaining(x -> {}));
        assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).contains(bad[1]);
      }
    }
  }

  /** A registry front that wants a bearer token, and the token service that issues it. */
  static final class TokenProxy implements AutoCloseable {
    private static final String TOKEN = "tok-" + System.nanoTime();
    private final HttpServer server;
    private final FaultyProxy forwarder;
    final ConcurrentLinkedQueue<String> tokenQueries = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<String> tokenPosts = new ConcurrentLinkedQueue<>();
    static final String IDENTITY_TOKEN = "idt-" + System.nanoTime();

    TokenProxy(String upstream) throws IOException {
      forwarder = new FaultyProxy(upstream, 0);
      String login =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          "/token",
          ex -> {
            if (ex.getRequestMethod().equals("POST")) {
              // OAuth2: an identity token (docker's refresh token) exchanged for an access token
              String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
              tokenPosts.add(form);
              boolean ok =
                  form.contains("grant_type=refresh_token")
                      && form.contains("refresh_token=" + IDENTITY_TOKEN);
              FaultyProxy.reply(
                  ex,
                  ok ? 200 : 401,
                  ok
                      ? ("{\"access_token\":\"" + TOKEN + "\"}").getBytes(StandardCharsets.UTF_8)
                      : new byte[0]);
              return;
            }
            tokenQueries.add(ex.getRequestURI().getRawQuery());
            if (!login.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
              FaultyProxy.reply(ex, 401, new byte[0]);
              return;
            }
            FaultyProxy.reply(
                ex, 200, ("{\"token\":\"" + TOKEN + "\"}").getBytes(StandardCharsets.UTF_8));
          });
      server.createContext(
          "/v2/",
          ex -> {
            if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
              ex.getResponseHeaders()
                  .add(
                      "WWW-Authenticate",
                      "Bearer realm=\"http://"
                          + host()
                          + "/token\",service=\"sifkube-token-test\","
                          + "scope=\"repository:test/app:pull\"");
              FaultyProxy.reply(ex, 401, new byte[0]);
              return;
            }
            forwarder.forward(ex, ex.getRequestURI().getPath());
          });
      server.start();
    }

    String host() {
      return "127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
      forwarder.close();
    }
  }

  /**
   * A registry front on 127.0.0.1 that wants basic auth, answers the first {@code failures}
   * manifest requests with 500, and redirects every blob download to a second server reached as
   * {@code localhost} (another host name), which records whether credentials came along.
   */
  static final class FaultyProxy implements AutoCloseable {
    private final String upstream;
    private final HttpServer front;
    private final HttpServer blobs;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger failuresLeft;
    final AtomicInteger failuresServed = new AtomicInteger();
    final AtomicInteger authorizedRequests = new AtomicInteger();
    final ConcurrentLinkedQueue<String> blobRequestsAtRedirectHost = new ConcurrentLinkedQueue<>();

    FaultyProxy(String upstream, int failures) throws IOException {
      this.upstream = upstream;
      this.failuresLeft = new AtomicInteger(failures);
      String login =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
      blobs = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      blobs.createContext(
          "/",
          ex -> {
            blobRequestsAtRedirectHost.add(
                ex.getRequestHeaders().getFirst("Authorization") == null ? "none" : "present");
            forward(ex, ex.getRequestURI().getPath());
          });
      front = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      front.createContext(
          "/",
          ex -> {
            String path = ex.getRequestURI().getPath();
            if (!login.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
              ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"proxy\"");
              reply(ex, 401, new byte[0]);
              return;
            }
            authorizedRequests.incrementAndGet();
            if (path.contains("/manifests/") && failuresLeft.getAndDecrement() > 0) {
              failuresServed.incrementAndGet();
              ex.getResponseHeaders().add("Retry-After", "0");
              reply(
                  ex,
                  500,
                  "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"injected\"}]}".getBytes());
              return;
            }
            if (path.contains("/blobs/")) {
              ex.getResponseHeaders()
                  .add("Location", "http://localhost:" + blobs.getAddress().getPort() + path);
              reply(ex, 307, new byte[0]);
              return;
            }
            forward(ex, path);
          });
      blobs.start();
      front.start();
    }

    String host() {
      return "127.0.0.1:" + front.getAddress().getPort();
    }

    void forward(HttpExchange ex, String path) throws IOException {
      try {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + upstream + path));
        String accept = ex.getRequestHeaders().getFirst("Accept");
        if (accept != null) {
          b.header("Accept", accept);
        }
        HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        r.headers()
            .firstValue("Content-Type")
            .ifPresent(v -> ex.getResponseHeaders().add("Content-Type", v));
        reply(ex, r.statusCode(), r.body());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        reply(ex, 502, new byte[0]);
      }
    }

    static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
      try (InputStream in = ex.getRequestBody()) {
        in.readAllBytes();
      }
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        try (OutputStream out = ex.getResponseBody()) {
          out.write(body);
        }
      }
      ex.close();
    }

    @Override
    public void close() {
      front.stop(0);
      blobs.stop(0);
    }
  }
}
