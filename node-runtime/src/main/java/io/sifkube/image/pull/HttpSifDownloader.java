package io.sifkube.image.pull;

import io.sifkube.files.Durable;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.sif.SifException;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.oci.OciSifReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code http(s)://URL} of a SIF or OCI-SIF file: downloaded under a temporary name next to the
 * destination, checked to be a valid SIF (and, when it claims to be one, a readable OCI-SIF),
 * synced and renamed into place. Such a file has no digest to verify against, so it is not cached;
 * plain HTTP is allowed only for loopback hosts or with {@code --insecure}.
 */
public final class HttpSifDownloader {

  private final boolean insecure;
  private final PullListener listener;

  public HttpSifDownloader(boolean insecure, PullListener listener) {
    this.insecure = insecure;
    this.listener = listener;
  }

  /**
   * The file name the URL's last path segment gives ({@code …/lolcow.sif} → {@code lolcow.sif}).
   */
  public static String defaultName(URI uri) {
    String p = uri.getPath() == null ? "" : uri.getPath();
    String last = p.substring(p.lastIndexOf('/') + 1);
    return last.isEmpty() ? "image.sif" : last;
  }

  public void download(URI uri, Path dest) throws IOException {
    String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
    String host = String.valueOf(uri.getHost());
    boolean loopback = host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    if (scheme.equals("http") && !insecure && !loopback) {
      throw new ImageException(
          Reason.INVALID,
          uri + ": plain HTTP is allowed only for loopback hosts or with --insecure");
    }
    HttpClient http =
        HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30))
            .build();
    Path dir = dest.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + dest.getFileName(), ".part");
    try {
      HttpResponse<InputStream> resp;
      try {
        resp =
            http.send(
                HttpRequest.newBuilder(uri).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ImageException(Reason.IO, uri + ": interrupted", e);
      } catch (IOException e) {
        throw new ImageException(Reason.UNAVAILABLE, uri + ": " + e.getMessage(), e);
      }
      if (resp.statusCode() != 200) {
        resp.body().close();
        throw new ImageException(
            resp.statusCode() == 404 ? Reason.NOT_FOUND : Reason.UNAVAILABLE,
            uri + ": HTTP " + resp.statusCode());
      }
      listener.info("Downloading " + uri);
      try (InputStream in = resp.body();
          OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE)) {
        in.transferTo(out);
      }
      check(uri, tmp);
      Durable.commit(tmp, dest);
    } finally {
      Files.deleteIfExists(tmp);
      // JDK 21+: stop the selector thread now; an idle one delays the JVM's exit by 0.3 s
      if (http instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          // nothing left to release that the process exit would not
        }
      }
    }
  }

  private void check(URI uri, Path file) throws ImageException {
    try (SifFile sif = SifFile.open(file)) {
      if (OciSifReader.isOciSif(sif)) {
        OciSifReader.read(sif);
      } else {
        listener.info("The downloaded image is a native SIF, not an OCI-SIF");
      }
    } catch (SifException e) {
      throw new ImageException(
          Reason.INVALID,
          uri + ": the download is not a valid SIF: " + e.getMessage().replace(file + ": ", ""),
          e);
    }
  }
}
