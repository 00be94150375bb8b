package io.sifkube.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.ref.ImageReference;
import io.sifkube.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * A client of one repository on an OCI distribution (v2) registry: GET requests (and, for a push,
 * any other method through {@link #exchange}) with the registry's auth dance (anonymous, basic, or
 * a bearer token from the {@code WWW-Authenticate} challenge), redirects followed by hand so
 * credentials never go to another host, and retries with backoff on connection errors, 429 and 5xx.
 */
public final class RegistryClient implements AutoCloseable {

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration TOKEN_TIMEOUT = Duration.ofSeconds(60);
  private static final int MAX_ERROR_BODY = 64 * 1024;
  private static final int MAX_TOKEN_BODY = 1 << 20;

  private final ImageReference ref;
  private final String image;
  private final Credentials credentials;
  private final boolean insecure;
  private final RetryPolicy retry;
  // Set by the first request and on a token refresh; volatile because layer downloads of one pull
  // run in parallel threads (a refresh by two of them writes two valid tokens).
  private volatile RegistryHttp http;
  private volatile String scheme;
  private volatile String authorization;
  private String lastRealm = "";

  /** The actions a bearer token is asked for when the challenge names no scope. */
  private String actions = "pull";

  /** A client for {@code ref}'s repository; nothing is set up until the first request. */
  public RegistryClient(
      ImageReference ref,
      String image,
      Credentials credentials,
      boolean insecure,
      RetryPolicy retry) {
    this.ref = ref;
    this.image = image;
    this.credentials = credentials;
    this.insecure = insecure;
    this.retry = retry;
  }

  /** This client will push too: tokens are asked for {@code pull,push}. */
  public RegistryClient forPush() {
    actions = "pull,push";
    return this;
  }

  /** The repository's host as the registry's API is reached ({@code host:port}). */
  public String apiHost() {
    return ref.apiHost();
  }

  /**
   * Sends one request with any method: {@code target} is a path under {@code /v2/REPO/} ({@code
   * blobs/uploads/}), an absolute path, or an absolute URL the registry gave (an upload's {@code
   * Location}). Answers one auth challenge and retries connection failures, 429 and 5xx with
   * backoff, as {@link #get} does; every other status is returned for the caller to judge (the body
   * is open). {@code body} (or null) is read afresh for each try.
   */
  public HttpReply exchange(
      String method, String target, Map<String, String> headers, RequestBody body, String what)
      throws IOException {
    boolean triedAuth = false;
    IOException lastFailure = null;
    for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
      URI uri =
          target.startsWith("http://") || target.startsWith("https://")
              ? URI.create(target)
              : uri(target.startsWith("/") ? target : "/v2/" + ref.repository() + "/" + target);
      Map<String, String> h = new HashMap<>(headers);
      if (authorization != null && sameHost(uri)) {
        h.put("Authorization", authorization);
      }
      HttpReply resp;
      try {
        resp = http().send(method, uri, h, body, RegistryHttp.READ_TIMEOUT);
      } catch (SSLHandshakeException e) {
        throw new ImageException(
            Reason.UNAUTHORIZED,
            image + ": TLS handshake with " + ref.apiHost() + " failed: " + e.getMessage(),
            e);
      } catch (ImageException e) {
        throw e;
      } catch (IOException e) {
        lastFailure = e;
        pause(attempt, null);
        continue;
      }
      int status = resp.status();
      if (status == 401 && !triedAuth) {
        triedAuth = true;
        String detail = errorDetail(resp);
        authenticate(resp.header("WWW-Authenticate").orElse(null), detail);
        attempt--;
        continue;
      }
      if (status == 401 || status == 403) {
        throw new ImageException(
            Reason.UNAUTHORIZED,
            image
                + ": "
                + status
                + " unauthorized"
                + (lastRealm.isEmpty() ? "" : " (realm " + lastRealm + ")")
                + " "
                + what
                + errorDetail(resp));
      }
      if (status == 429 || status >= 500) {
        lastFailure = new IOException("HTTP " + status + errorDetail(resp));
        pause(attempt, retryAfter(resp));
        continue;
      }
      return resp;
    }
    throw new ImageException(
        Reason.UNAVAILABLE,
        image
            + ": registry "
            + ref.registry()
            + " unavailable after "
            + retry.attempts()
            + " tries "
            + what
            + ": "
            + (lastFailure == null ? "" : lastFailure.getMessage()),
        lastFailure);
  }

  /** The registry's error text of a response the caller did not expect, for messages. */
  public static String detail(HttpReply resp) {
    return errorDetail(resp);
  }

  /** The transport, set up on first use: TLS set-up costs start-up time a cache hit avoids. */
  private RegistryHttp http() throws IOException {
    if (http == null) {
      http = new RegistryHttp(() -> RegistryTls.contextFor(ref.apiHost(), insecure), insecure);
    }
    return http;
  }

  /** Stops the PATCH client's thread, if a push started one (see {@link RegistryHttp#close}). */
  @Override
  public void close() {
    RegistryHttp h = http;
    if (h != null) {
      h.close();
    }
    http = null;
  }

  /** A response whose status is 200 or 206; the caller reads and closes the body. */
  public record Response(int status, String contentType, long length, InputStream body) {}

  /**
   * GETs {@code /v2/<repo>/<path>}.
   *
   * @param rangeStart a byte offset to resume from, or 0
   * @return the successful response
   * @throws ImageException NOT_FOUND for 404, UNAUTHORIZED for 401/403, UNAVAILABLE after the
   *     retries are used up
   */
  public Response get(String path, String accept, long rangeStart) throws IOException {
    String what = describe(path);
    boolean triedAuth = false;
    IOException lastFailure = null;
    for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
      HttpReply resp;
      try {
        resp = send(uri("/v2/" + ref.repository() + "/" + path), accept, rangeStart);
      } catch (ImageException e) {
        throw e;
      } catch (SSLHandshakeException e) {
        // A certificate problem does not pass with time: say what to do instead of retrying.
        throw new ImageException(
            Reason.UNAUTHORIZED,
            image
                + ": TLS handshake with "
                + ref.apiHost()
                + " failed: "
                + e.getMessage()
                + " (trust its CA in "
                + RegistryTls.certsDir().resolve(ref.apiHost())
                + "/ca.crt, or use --insecure)",
            e);
      } catch (IOException e) {
        lastFailure = e;
        pause(attempt, null);
        continue;
      }
      int status = resp.status();
      if (status == 416 && rangeStart > 0) {
        // Nothing left past rangeStart: the blob is shorter than its descriptor says. The caller
        // sees the end of the stream and reports the size mismatch.
        resp.close();
        return new Response(status, "", 0, InputStream.nullInputStream());
      }
      if (status == 200 || status == 206) {
        long len = resp.longHeader("Content-Length").orElse(-1L);
        return new Response(status, resp.header("Content-Type").orElse(""), len, resp.body());
      }
      String detail = errorDetail(resp);
      if (status == 401 && !triedAuth) {
        triedAuth = true;
        authenticate(resp.header("WWW-Authenticate").orElse(null), detail);
        attempt--; // answering a challenge is not a failure
        continue;
      }
      if (status == 401 || status == 403) {
        throw new ImageException(
            Reason.UNAUTHORIZED,
            image
                + ": "
                + status
                + " unauthorized"
                + (lastRealm.isEmpty() ? "" : " (realm " + lastRealm + ")")
                + " fetching "
                + what
                + detail);
      }
      if (status == 404) {
        throw new ImageException(Reason.NOT_FOUND, image + ": " + what + " not found" + detail);
      }
      if (status == 429 || status >= 500) {
        lastFailure = new IOException("HTTP " + status + detail);
        pause(attempt, retryAfter(resp));
        continue;
      }
      throw new ImageException(
          Reason.INVALID, image + ": unexpected HTTP " + status + " fetching " + what + detail);
    }
    throw new ImageException(
        Reason.UNAVAILABLE,
        image
            + ": registry "
            + ref.registry()
            + " unavailable after "
            + retry.attempts()
            + " tries fetching "
            + what
            + ": "
            + (lastFailure == null ? "" : lastFailure.getMessage()),
        lastFailure);
  }

  /** Sends one GET, following redirects; Authorization goes only to the registry's own host. */
  private HttpReply send(URI uri, String accept, long rangeStart) throws IOException {
    return http()
        .get(
            uri,
            target -> {
              Map<String, String> h = new HashMap<>();
              if (accept != null) {
                h.put("Accept", accept);
              }
              if (rangeStart > 0) {
                h.put("Range", "bytes=" + rangeStart + "-");
              }
              if (authorization != null && sameHost(target)) {
                h.put("Authorization", authorization);
              }
              return h;
            },
            insecure,
            image);
  }

  private void authenticate(String header, String detail) throws IOException {
    AuthChallenge c =
        AuthChallenge.parse(header)
            .orElseThrow(
                () ->
                    new ImageException(
                        Reason.UNAUTHORIZED,
                        image + ": 401 unauthorized without a challenge" + detail));
    Optional<Credentials.Login> login = credentials.forHost(ref.registry());
    if (c.scheme().equals("basic")) {
      lastRealm = c.param("realm");
      authorization =
          login
              .filter(Credentials.Login::hasPassword)
              .map(Credentials.Login::basicHeader)
              .orElseThrow(
                  () ->
                      new ImageException(
                          Reason.UNAUTHORIZED,
                          image
                              + ": 401 unauthorized (realm "
                              + lastRealm
                              + "): the registry wants a"
                              + " login and none is configured (use --authfile)"));
      return;
    }
    if (!c.scheme().equals("bearer")) {
      throw new ImageException(
          Reason.UNSUPPORTED, image + ": unsupported auth scheme " + c.scheme() + detail);
    }
    lastRealm = c.param("realm");
    URI realm;
    try {
      realm = URI.create(lastRealm);
    } catch (IllegalArgumentException e) {
      throw new ImageException(Reason.INVALID, image + ": bad token realm " + lastRealm);
    }
    if (realm.getScheme() == null
        || !(realm.getScheme().equals("https")
            || (realm.getScheme().equals("http") && plainAllowed(realm)))) {
      throw new ImageException(Reason.INVALID, image + ": refusing token realm " + lastRealm);
    }
    String scope =
        c.params().containsKey("scope")
            ? c.param("scope")
            : "repository:" + ref.repository() + ":" + actions;
    String query = "service=" + enc(c.param("service")) + "&scope=" + enc(scope);
    HttpReply resp;
    if (login.isPresent() && !login.get().identityToken().isEmpty()) {
      // An identity token is an OAuth2 refresh token: exchanged at the realm, as docker does.
      String form =
          "grant_type=refresh_token&client_id=sifkube&service="
              + enc(c.param("service"))
              + "&scope="
              + enc(scope)
              + "&refresh_token="
              + enc(login.get().identityToken());
      resp =
          http()
              .send(
                  "POST",
                  URI.create(lastRealm),
                  Map.of("Content-Type", "application/x-www-form-urlencoded"),
                  RequestBody.of(form.getBytes(StandardCharsets.UTF_8)),
                  TOKEN_TIMEOUT);
    } else {
      URI tokenUri = URI.create(lastRealm + (lastRealm.contains("?") ? "&" : "?") + query);
      // The realm is the auth service the registry itself names; docker sends the login there.
      Map<String, String> h =
          login
              .filter(Credentials.Login::hasPassword)
              .map(l -> Map.of("Authorization", l.basicHeader()))
              .orElse(Map.of());
      resp = http().send("GET", tokenUri, h, null, TOKEN_TIMEOUT);
    }
    byte[] body;
    try (InputStream in = resp.body()) {
      body = in.readNBytes(MAX_TOKEN_BODY);
    }
    if (resp.status() != 200) {
      throw new ImageException(
          Reason.UNAUTHORIZED,
          image
              + ": "
              + resp.status()
              + " from token realm "
              + lastRealm
              + (login.isPresent() ? " (login for " + ref.registry() + " refused)" : ""));
    }
    JsonNode tok = Json.read(body);
    String token = tok.path("token").asText(tok.path("access_token").asText(""));
    if (token.isEmpty()) {
      throw new ImageException(
          Reason.UNAUTHORIZED, image + ": token realm " + lastRealm + " gave no token");
    }
    authorization = "Bearer " + token;
  }

  private URI uri(String path) throws IOException {
    if (scheme == null) {
      scheme = chooseScheme();
    }
    return URI.create(scheme + "://" + ref.apiHost() + path);
  }

  /**
   * HTTPS, or plain HTTP for --insecure or loopback registries that do not speak TLS. A server that
   * completes a TLS handshake far enough to show a certificate speaks TLS, so a certificate problem
   * keeps HTTPS (and is reported by the real request) rather than falling back.
   */
  @SuppressWarnings("try") // the probe's answer only has to arrive
  private String chooseScheme() throws IOException {
    if (!insecure && !ref.isLoopback()) {
      return "https";
    }
    if (ref.isLoopback() && speaksPlainHttp()) {
      return "http";
    }
    URI probe = URI.create("https://" + ref.apiHost() + "/v2/");
    try (HttpReply r = http().send("GET", probe, Map.of(), null, PROBE_TIMEOUT)) {
      return "https";
    } catch (SSLHandshakeException e) {
      boolean certificateProblem =
          String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).matches(".*(certif|pkix|path).*");
      return certificateProblem ? "https" : "http";
    } catch (SSLException | SocketTimeoutException e) {
      // A plain HTTP server answers a TLS hello with garbage, or not at all.
      return "http";
    } catch (ConnectException e) {
      throw refused(e);
    } catch (IOException e) {
      if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("ssl")) {
        return "http";
      }
      throw new ImageException(
          Reason.UNAVAILABLE, image + ": cannot reach " + ref.apiHost() + ": " + e, e);
    }
  }

  /**
   * Whether a loopback registry answers {@code GET /v2/} in plain HTTP as a registry does (200, or
   * 401 asking for a login). A TLS port answers a plain request with 400 (Go's server, nginx) or
   * not at all, and is then probed with TLS. Asking plainly first spares a registry that speaks
   * HTTP the TLS set-up, the JDK's CA store and an ECDHE key pair, about 0.1 s of a short command's
   * CPU; the probe carries no credentials. Remote --insecure registries are asked in TLS first, as
   * docker does.
   */
  private boolean speaksPlainHttp() throws IOException {
    URI probe = URI.create("http://" + ref.apiHost() + "/v2/");
    try (HttpReply r = http().send("GET", probe, Map.of(), null, PROBE_TIMEOUT)) {
      return r.status() == 200 || r.status() == 401;
    } catch (ConnectException e) {
      throw refused(e);
    } catch (IOException e) {
      return false; // not HTTP: a TLS server that said nothing, or closed the connection
    }
  }

  private ImageException refused(ConnectException e) {
    return new ImageException(
        Reason.UNAVAILABLE,
        image + ": cannot connect to " + ref.apiHost() + ": connection refused",
        e);
  }

  private boolean sameHost(URI target) {
    String authority = target.getAuthority();
    return authority != null && authority.equalsIgnoreCase(ref.apiHost());
  }

  private boolean plainAllowed(URI target) {
    return RegistryHttp.plainAllowed(target, insecure);
  }

  private void pause(int attempt, Duration retryAfter) throws ImageException {
    if (attempt >= retry.attempts()) {
      return;
    }
    try {
      Thread.sleep(retry.backoff(attempt, retryAfter).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException(Reason.IO, image + ": interrupted", e);
    }
  }

  private static Duration retryAfter(HttpReply resp) {
    return resp.header("Retry-After")
        .flatMap(
            v -> {
              try {
                return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v.trim()))));
              } catch (NumberFormatException e) {
                return Optional.empty();
              }
            })
        .orElse(null);
  }

  /** The registry's own error text ({@code {"errors":[{"code","message"}]}}), if any. */
  private static String errorDetail(HttpReply resp) {
    try (InputStream in = resp.body()) {
      byte[] body = in.readNBytes(MAX_ERROR_BODY);
      JsonNode errors = Json.read(body).path("errors");
      if (errors.isArray() && errors.size() > 0) {
        JsonNode e = errors.get(0);
        return ": " + e.path("code").asText("") + " " + e.path("message").asText("");
      }
    } catch (IOException | RuntimeException ignored) {
      // not JSON: the status says enough
    }
    return "";
  }

  /** "tag v1", "manifest sha256:…" or "blob sha256:…", for messages. */
  private static String describe(String path) {
    if (path.startsWith("manifests/")) {
      String r = path.substring("manifests/".length());
      return r.contains(":") ? "manifest " + r : "tag " + r;
    }
    return "blob " + path.substring("blobs/".length());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Accept header for manifests: every manifest and index type we read. */
  static final String MANIFEST_ACCEPT =
      String.join(
          ", ",
          List.of(
              "application/vnd.oci.image.index.v1+json",
              "application/vnd.oci.image.manifest.v1+json",
              "application/vnd.docker.distribution.manifest.list.v2+json",
              "application/vnd.docker.distribution.manifest.v2+json"));
}
