package io.sifkube.image.registry;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The credentials of one pull, handed out per registry host and never attached to a request for any
 * other host: a fixed login for one host (siflet's {@code AuthConfig}), or a docker configuration
 * read by {@link DockerConfig}.
 */
public final class Credentials {

  /**
   * A login for one registry: a user name and password (or access token), and an identity token (an
   * OAuth2 refresh token that docker login stores for the registry's token service), either part
   * possibly empty.
   */
  public record Login(String user, String password, String identityToken) {
    public Login(String user, String password) {
      this(user, password, "");
    }

    /** The {@code Authorization} header value for basic auth. */
    public String basicHeader() {
      String up = user + ":" + password;
      return "Basic " + Base64.getEncoder().encodeToString(up.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether there is a user name or password to send (not only an identity token). */
    public boolean hasPassword() {
      return !user.isEmpty() || !password.isEmpty();
    }

    @Override
    public String toString() {
      return "Login[user=" + user + "]";
    }
  }

  /** Looks a host up. */
  private interface Lookup {
    Optional<Login> forHost(String host) throws IOException;
  }

  private final Lookup lookup;

  private Credentials(Lookup lookup) {
    this.lookup = lookup;
  }

  public static Credentials none() {
    return new Credentials(h -> Optional.empty());
  }

  /** {@code login} for {@code host} (Docker Hub by any of its names), nothing for other hosts. */
  public static Credentials of(String host, Login login) {
    String h = DockerConfig.hostOf(host);
    return new Credentials(
        x -> {
          String y = DockerConfig.hostOf(x);
          boolean hub = DockerConfig.DOCKER_HUB.contains(h) && DockerConfig.DOCKER_HUB.contains(y);
          return h.equals(y) || hub ? Optional.of(login) : Optional.empty();
        });
  }

  /** What {@code config} gives for each host, running helpers through {@code helpers}. */
  public static Credentials of(DockerConfig config, DockerConfig.Helpers helpers) {
    return new Credentials(h -> config.loginFor(h, helpers));
  }

  /**
   * The credentials of {@code --authfile}, or else of {@code ~/.singularity/docker-config.json}
   * (SingularityCE's) or {@code ~/.docker/config.json} (docker's) when one exists, with the
   * credential helpers they name run from PATH.
   */
  public static Credentials load(Path authfile) throws IOException {
    Path file = authfile;
    if (file == null) {
      String home = System.getProperty("user.home");
      for (Path p :
          List.of(
              Path.of(home, ".singularity", "docker-config.json"),
              Path.of(home, ".docker", "config.json"))) {
        if (Files.isRegularFile(p)) {
          file = p;
          break;
        }
      }
      if (file == null) {
        return none();
      }
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ImageException(
          Reason.INVALID, file + ": cannot read credentials: " + e.getMessage(), e);
    }
    return of(
        DockerConfig.parse(bytes, file.toString()), DockerConfig.onPath(System.getenv("PATH")));
  }

  /** The login for registry {@code host} ({@code host[:port]}), if any. */
  public Optional<Login> forHost(String host) throws IOException {
    return lookup.forHost(host);
  }
}
