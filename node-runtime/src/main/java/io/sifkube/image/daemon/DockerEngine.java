package io.sifkube.image.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.io.Transport;

/**
 * The two calls of the Docker Engine API that an image source needs: inspect an image and save it
 * as a {@code docker save} tar. Works with Docker and with podman's Docker-compatible service.
 * Jetty's client, because the JDK's cannot dial a Unix socket.
 */
public final class DockerEngine implements AutoCloseable {

  /** Image names and IDs as Docker prints them; anything else could reach another API path. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:@-]*");

  private static final long MAX_ERROR = 64 << 10;

  private final DockerHost host;
  private final HttpClient http;

  public DockerEngine(DockerHost host) throws ImageException {
    this.host = host;
    this.http = new HttpClient();
    http.setConnectTimeout(10_000);
    http.setFollowRedirects(false);
    http.setUserAgentField(null);
    try {
      http.start();
    } catch (Exception e) {
      throw new ImageException(Reason.IO, "cannot start an HTTP client: " + e.getMessage(), e);
    }
  }

  /** Refuses names that are not image names or IDs, before they become part of a URL path. */
  public static void checkName(String name, String source) throws ImageException {
    if (!NAME.matcher(name).matches() || name.contains("..") || name.contains("//")) {
      throw new ImageException(
          Reason.INVALID, source + ": \"" + name + "\" is not an image name, NAME:TAG or ID");
    }
  }

  /** {@code GET /images/NAME/json}: the daemon's description of the image. */
  public JsonNode inspect(String name, String source) throws ImageException {
    checkName(name, source);
    ContentResponse r;
    try {
      r = request("/images/" + name + "/json").timeout(2, TimeUnit.MINUTES).send();
    } catch (ExecutionException | TimeoutException e) {
      throw unreachable(source, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException(Reason.IO, source + ": interrupted");
    }
    if (r.getStatus() != 200) {
      throw refused(source, r.getStatus(), r.getContent());
    }
    try {
      return Json.read(r.getContent());
    } catch (IOException e) {
      throw new ImageException(
          Reason.INVALID, source + ": the daemon at " + host + " answered with invalid JSON");
    }
  }

  /**
   * {@code GET /images/NAME/get}: streams the image as a {@code docker save} tar into {@code to},
   * which is replaced only when the whole archive has arrived.
   */
  public void save(String name, String source, Path to) throws IOException {
    checkName(name, source);
    InputStreamResponseListener listener = new InputStreamResponseListener();
    // podman writes the whole archive before the first byte is sent: a large image may take
    // minutes to answer, so only silence on an open stream counts as failure.
    request("/images/" + name + "/get").idleTimeout(10, TimeUnit.MINUTES).send(listener);
    Response r;
    try {
      r = listener.get(60, TimeUnit.MINUTES);
    } catch (ExecutionException | TimeoutException e) {
      throw unreachable(source, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException(Reason.IO, source + ": interrupted");
    }
    Path part = to.resolveSibling(to.getFileName() + ".part");
    try (InputStream in = listener.getInputStream()) {
      if (r.getStatus() != 200) {
        throw refused(source, r.getStatus(), in.readNBytes((int) MAX_ERROR));
      }
      Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
      Files.move(part, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (ImageException e) {
      throw e;
    } catch (IOException e) {
      throw new ImageException(
          Reason.UNAVAILABLE,
          source + ": the daemon at " + host + " broke off the image: " + e.getMessage(),
          e);
    } finally {
      Files.deleteIfExists(part);
    }
  }

  private Request request(String path) {
    Request r = http.newRequest(host.httpBase() + path);
    if (host.socket() != null) {
      r.transport(new Transport.TCPUnix(host.socket()));
    }
    return r;
  }

  private ImageException unreachable(String source, Exception e) {
    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    String why = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    if (host.socket() != null && !Files.exists(host.socket())) {
      why = host.socket() + " does not exist";
    } else if (e instanceof TimeoutException) {
      why = "no answer in time";
    }
    return new ImageException(
        Reason.UNAVAILABLE,
        source
            + ": cannot reach the Docker daemon at "
            + host
            + ": "
            + why
            + " (set --docker-host or DOCKER_HOST; podman's is unix:///run/podman/podman.sock)",
        cause);
  }

  private ImageException refused(String source, int status, byte[] body) {
    String message =
        new String(body, 0, (int) Math.min(body.length, MAX_ERROR), StandardCharsets.UTF_8);
    try {
      JsonNode j = Json.read(body);
      if (j.hasNonNull("message")) {
        message = j.get("message").asText();
      }
    } catch (IOException | RuntimeException notJson) {
      // keep the raw text
    }
    Reason reason = status == 404 ? Reason.NOT_FOUND : Reason.UNAVAILABLE;
    String what = status == 404 ? "no such image in the daemon at " : "the daemon at ";
    return new ImageException(
        reason, source + ": " + what + host + " (HTTP " + status + ": " + message.strip() + ")");
  }

  @Override
  public void close() {
    try {
      http.stop();
    } catch (Exception e) {
      // nothing left to release that the process exit would not
    }
  }
}
