package io.sifkube.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Registry credentials from a docker {@code config.json}-format file ({@code auths.HOST.auth} =
 * base64 of {@code user:password}), keyed by registry host. They are handed out per host and are
 * never attached to a request for any other host.
 */
public final class Credentials {

  /** A user name and password for one registry. */
  public record Login(String user, String password) {
    /** The {@code Authorization} header value for basic auth. */
    public String basicHeader() {
      String up = user + ":" + password;
      return "Basic " + Base64.getEncoder().encodeToString(up.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
      return "Login[user=" + user + "]";
    }
  }

  private static final List<String> DOCKER_HUB_KEYS =
      List.of("docker.io", "index.docker.io", "registry-1.docker.io");

  private final Map<String, Login> byHost;

  private Credentials(Map<String, Login> byHost) {
    this.byHost = Map.copyOf(byHost);
  }

  public static Credentials none() {
    return new Credentials(Map.of());
  }

  public static Credentials of(String host, Login login) {
    return new Credentials(Map.of(normalize(host), login));
  }

  /**
   * The credentials of {@code --authfile}, or else of {@code ~/.singularity/docker-config.json}
   * when it exists, as SingularityCE reads them.
   */
  public static Credentials load(Path authfile) throws IOException {
    Path file = authfile;
    if (file == null) {
      file = Path.of(System.getProperty("user.home"), ".singularity", "docker-config.json");
      if (!Files.isRegularFile(file)) {
        return none();
      }
    }
    JsonNode auths;
    try {
      auths = new ObjectMapper().readTree(Files.readAllBytes(file)).path("auths");
    } catch (IOException e) {
      throw new ImageException(
          Reason.INVALID, file + ": cannot read credentials: " + e.getMessage(), e);
    }
    Map<String, Login> map = new HashMap<>();
    for (var f : auths.properties()) {
      String auth = f.getValue().path("auth").asText("");
      if (auth.isEmpty()) {
        continue;
      }
      String decoded;
      try {
        decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new ImageException(
            Reason.INVALID, file + ": auths." + f.getKey() + ".auth is not valid base64");
      }
      int colon = decoded.indexOf(':');
      if (colon < 0) {
        throw new ImageException(
            Reason.INVALID, file + ": auths." + f.getKey() + ".auth is not user:password");
      }
      map.put(
          normalize(f.getKey()),
          new Login(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }
    return new Credentials(map);
  }

  /** The login for registry {@code host} ({@code host[:port]}), if any. */
  public Optional<Login> forHost(String host) {
    String h = normalize(host);
    Login l = byHost.get(h);
    if (l == null && DOCKER_HUB_KEYS.contains(h)) {
      for (String k : DOCKER_HUB_KEYS) {
        if (byHost.containsKey(k)) {
          return Optional.of(byHost.get(k));
        }
      }
    }
    return Optional.ofNullable(l);
  }

  /** {@code https://index.docker.io/v1/} → {@code index.docker.io}. */
  static String normalize(String key) {
    String k = key.toLowerCase(Locale.ROOT).replaceFirst("^[a-z]+://", "");
    int slash = k.indexOf('/');
    return slash < 0 ? k : k.substring(0, slash);
  }
}
