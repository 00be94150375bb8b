package io.sifkube.image.daemon;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a Docker Engine API listens, as Docker's CLI and SingularityCE's {@code --docker-host} name
 * it: {@code unix:///PATH} or {@code tcp://HOST:PORT} (plain HTTP). TLS and ssh:// daemons are
 * refused rather than reached some other way than the user asked.
 *
 * @param uri the address as given, for messages
 * @param socket the Unix socket, or null for TCP
 * @param httpBase the scheme and authority requests are made to
 */
public record DockerHost(String uri, Path socket, String httpBase) {

  /** Docker's own default, which SingularityCE uses too. */
  public static final String DEFAULT = "unix:///var/run/docker.sock";

  /** The host from {@code --docker-host}, else {@code $DOCKER_HOST}, else {@link #DEFAULT}. */
  public static DockerHost choose(String flag, Map<String, String> env) throws ImageException {
    if (flag != null && !flag.isBlank()) {
      return parse(flag, "--docker-host");
    }
    String fromEnv = env.get("DOCKER_HOST");
    if (fromEnv != null && !fromEnv.isBlank()) {
      if (!"".equals(env.getOrDefault("DOCKER_TLS_VERIFY", ""))) {
        throw new ImageException(
            Reason.UNSUPPORTED,
            "DOCKER_TLS_VERIFY is set: TLS to a Docker daemon is not supported; use its Unix"
                + " socket (--docker-host unix:///PATH)");
      }
      return parse(fromEnv, "DOCKER_HOST");
    }
    return parse(DEFAULT, "the default Docker host");
  }

  /** Parses {@code unix:///PATH} or {@code tcp://HOST:PORT}; {@code what} names the setting. */
  public static DockerHost parse(String value, String what) throws ImageException {
    if (value.startsWith("unix://")) {
      String path = value.substring("unix://".length());
      if (!path.startsWith("/")) {
        throw invalid(what, value, "a Unix socket needs an absolute path (unix:///PATH)");
      }
      // The host name in the URL is only the Host header; the socket decides where it goes.
      return new DockerHost(value, Path.of(path), "http://docker");
    }
    if (value.startsWith("tcp://")) {
      URI u;
      try {
        u = URI.create("http://" + value.substring("tcp://".length()));
      } catch (IllegalArgumentException e) {
        throw invalid(what, value, "not HOST:PORT");
      }
      if (u.getHost() == null
          || u.getPort() < 0
          || !(u.getPath() == null || u.getPath().isEmpty() || u.getPath().equals("/"))) {
        throw invalid(what, value, "not tcp://HOST:PORT");
      }
      return new DockerHost(value, null, "http://" + u.getHost() + ":" + u.getPort());
    }
    throw invalid(what, value, "only unix:///PATH and tcp://HOST:PORT daemons are supported");
  }

  private static ImageException invalid(String what, String value, String why) {
    return new ImageException(Reason.INVALID, what + " " + value + ": " + why);
  }

  @Override
  public String toString() {
    return uri;
  }
}
