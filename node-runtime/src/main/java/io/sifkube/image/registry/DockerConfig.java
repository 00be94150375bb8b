package io.sifkube.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The one reader of docker's {@code config.json} credentials format, for sifctl's {@code
 * --authfile} and {@code ~/.docker/config.json}, siflet's pulls and the operator's pull secrets
 * ({@code kubernetes.io/dockerconfigjson}, which the operator hands to siflet as it is). Per
 * registry, as docker and podman look them up:
 *
 * <ol>
 *   <li>{@code credHelpers.HOST}: run {@code docker-credential-NAME get};
 *   <li>{@code auths.HOST}: {@code auth} (base64 of {@code user:password}), else {@code username}
 *       and {@code password}; {@code identitytoken} (an OAuth2 refresh token for the registry's
 *       token service) alongside;
 *   <li>{@code credsStore}: the default helper.
 * </ol>
 *
 * <p>Keys are registry hosts as docker writes them — a URL such as {@code
 * https://index.docker.io/v1/} reads as its host — and Docker Hub answers to all its names ({@code
 * docker.io}, {@code index.docker.io}, {@code registry-1.docker.io}). A helper is run only when the
 * caller allows it: a configuration sent over siflet's API never makes siflet run a program.
 */
public final class DockerConfig {

  /** Docker Hub's names; helpers are asked for it by this server URL, as docker does. */
  static final List<String> DOCKER_HUB =
      List.of("docker.io", "index.docker.io", "registry-1.docker.io");

  static final String DOCKER_HUB_SERVER = "https://index.docker.io/v1/";

  /** Runs a credential helper: {@code docker-credential-NAME get} with the server on stdin. */
  public interface Helpers {
    /**
     * The helper's answer, or empty when it has no credentials for {@code server}.
     *
     * @throws IOException when it cannot be run or fails otherwise
     */
    Optional<Credentials.Login> get(String helper, String server) throws IOException;
  }

  /** No helper may run. */
  public static final Helpers NO_HELPERS =
      (helper, server) -> {
        throw new ImageException(
            Reason.INVALID,
            "credential helper docker-credential-"
                + helper
                + " named for "
                + server
                + ": helpers are not run for a configuration sent to siflet");
      };

  /**
   * Helpers found on {@code path} (the process's PATH for sifctl), each run with a 30 s limit; a
   * helper that is not installed is an error naming it.
   */
  public static Helpers onPath(String path) {
    return (helper, server) -> {
      String exe = "docker-credential-" + helper;
      Path found = null;
      for (String dir : (path == null ? "" : path).split(":")) {
        Path p = dir.isEmpty() ? null : Path.of(dir, exe);
        if (p != null && Files.isExecutable(p)) {
          found = p;
          break;
        }
      }
      if (found == null) {
        throw new ImageException(
            Reason.INVALID, "credential helper " + exe + " (for " + server + ") is not on PATH");
      }
      Process p = new ProcessBuilder(found.toString(), "get").redirectErrorStream(true).start();
      try (var in = p.getOutputStream()) {
        in.write(server.getBytes(StandardCharsets.UTF_8));
      }
      byte[] out;
      try {
        out = p.getInputStream().readNBytes(1 << 20);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new ImageException(Reason.UNAVAILABLE, exe + " get: no answer in 30 s");
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new ImageException(Reason.IO, exe + " get: interrupted", e);
      }
      String text = new String(out, StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0) {
        if (text.toLowerCase(Locale.ROOT).contains("credentials not found")) {
          return Optional.empty();
        }
        throw new ImageException(
            Reason.UNAUTHORIZED,
            exe + " get " + server + " failed: " + text.lines().findFirst().orElse(""));
      }
      JsonNode answer;
      try {
        answer = Json.read(out);
      } catch (IOException e) {
        throw new ImageException(Reason.INVALID, exe + " get: not JSON: " + e.getMessage(), e);
      }
      String user = answer.path("Username").asText("");
      String secret = answer.path("Secret").asText("");
      // "<token>" as the user name means the secret is an identity token (docker's convention).
      return Optional.of(
          user.equals("<token>")
              ? new Credentials.Login("", "", secret)
              : new Credentials.Login(user, secret, ""));
    };
  }

  private final String source;
  private final Map<String, Credentials.Login> auths;
  private final Map<String, String> helpers;
  private final String store;

  private DockerConfig(
      String source,
      Map<String, Credentials.Login> auths,
      Map<String, String> helpers,
      String store) {
    this.source = source;
    this.auths = auths;
    this.helpers = helpers;
    this.store = store;
  }

  /** An empty configuration: no credentials anywhere. */
  public static DockerConfig empty(String source) {
    return new DockerConfig(source, Map.of(), Map.of(), null);
  }

  /**
   * Reads a configuration.
   *
   * @param source what it is, for messages (a file, "Secret NAME")
   * @throws ImageException (INVALID) naming the source and the key that is wrong
   */
  public static DockerConfig parse(byte[] json, String source) throws ImageException {
    JsonNode root;
    try {
      root = Json.read(json);
    } catch (IOException e) {
      throw new ImageException(Reason.INVALID, source + ": not valid JSON: " + e.getMessage(), e);
    }
    if (!root.isObject()) {
      throw new ImageException(Reason.INVALID, source + ": not a JSON object");
    }
    Map<String, Credentials.Login> auths = new LinkedHashMap<>();
    for (var e : root.path("auths").properties()) {
      String where = source + ": auths." + e.getKey();
      JsonNode a = e.getValue();
      String user = a.path("username").asText("");
      String password = a.path("password").asText("");
      String auth = a.path("auth").asText("");
      if (!auth.isEmpty()) {
        String decoded;
        try {
          decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException x) {
          throw new ImageException(Reason.INVALID, where + ".auth is not valid base64");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
          throw new ImageException(Reason.INVALID, where + ".auth is not user:password");
        }
        user = decoded.substring(0, colon);
        password = decoded.substring(colon + 1);
      }
      String identity = a.path("identitytoken").asText("");
      if (user.isEmpty() && password.isEmpty() && identity.isEmpty()) {
        continue; // an entry docker keeps for a helper's registry, or for the email only
      }
      auths.put(hostOf(e.getKey()), new Credentials.Login(user, password, identity));
    }
    Map<String, String> helpers = new LinkedHashMap<>();
    for (var e : root.path("credHelpers").properties()) {
      helpers.put(
          hostOf(e.getKey()), helperName(source, "credHelpers." + e.getKey(), e.getValue()));
    }
    String store =
        root.has("credsStore") ? helperName(source, "credsStore", root.get("credsStore")) : null;
    return new DockerConfig(source, auths, helpers, store);
  }

  private static String helperName(String source, String field, JsonNode v) throws ImageException {
    String name = v.asText("");
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new ImageException(
          Reason.INVALID, source + ": " + field + ": \"" + name + "\" is not a helper name");
    }
    return name;
  }

  /** Where it came from. */
  public String source() {
    return source;
  }

  /** The registries it holds credentials or helpers for, for messages. */
  public List<String> hosts() {
    LinkedHashMap<String, Boolean> all = new LinkedHashMap<>();
    auths.keySet().forEach(h -> all.put(h, true));
    helpers.keySet().forEach(h -> all.put(h, true));
    return List.copyOf(all.keySet());
  }

  /**
   * The login for registry {@code host} ({@code host[:port]}): a credential helper named for it,
   * else its {@code auths} entry, else the default helper.
   */
  public Optional<Credentials.Login> loginFor(String host, Helpers run) throws IOException {
    String h = hostOf(host);
    List<String> names = DOCKER_HUB.contains(h) ? DOCKER_HUB : List.of(h);
    String server = DOCKER_HUB.contains(h) ? DOCKER_HUB_SERVER : h;
    for (String n : names) {
      if (helpers.containsKey(n)) {
        return run.get(helpers.get(n), server);
      }
    }
    for (String n : names) {
      if (auths.containsKey(n)) {
        return Optional.of(auths.get(n));
      }
    }
    return store == null ? Optional.empty() : run.get(store, server);
  }

  /** {@code https://index.docker.io/v1/} → {@code index.docker.io}, as docker reads its keys. */
  static String hostOf(String key) {
    String k = key.strip().toLowerCase(Locale.ROOT).replaceFirst("^[a-z]+://", "");
    int slash = k.indexOf('/');
    return slash < 0 ? k : k.substring(0, slash);
  }
}
