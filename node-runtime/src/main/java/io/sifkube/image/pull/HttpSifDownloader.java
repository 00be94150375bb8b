package io.sifkube.image.pull;

import io.sifkube.files.Durable;
import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import io.sifkube.image.registry.HttpReply;
import io.sifkube.image.registry.RegistryHttp;
import io.sifkube.sif.SifException;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.oci.OciSifReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

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
    if (scheme.equals("http") && !plainAllowed(uri)) {
      throw new ImageException(
          Reason.INVALID,
          uri + ": plain HTTP is allowed only for loopback hosts or with --insecure");
    }
    Path dir = dest.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, "." + dest.getFileName(), ".part");
    // Certificates are checked even with --insecure, which only allows plain HTTP here.
    try (RegistryHttp http = new RegistryHttp(HttpSifDownloader::systemTls, false)) {
      HttpReply resp = get(http, uri);
      if (resp.status() != 200) {
        resp.close();
        throw new ImageException(
            resp.status() == 404 ? Reason.NOT_FOUND : Reason.UNAVAILABLE,
            uri + ": HTTP " + resp.status());
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
    }
  }

  /**
   * GETs {@code uri}, following redirects; a connection failure means the source is unavailable.
   */
  private HttpReply get(RegistryHttp http, URI uri) throws IOException {
    try {
      return http.get(uri, target -> Map.of(), insecure, uri.toString());
    } catch (ImageException e) {
      throw e;
    } catch (IOException e) {
      throw new ImageException(Reason.UNAVAILABLE, uri + ": " + e.getMessage(), e);
    }
  }

  private boolean plainAllowed(URI uri) {
    return RegistryHttp.plainAllowed(uri, insecure);
  }

  private static SSLContext systemTls() throws IOException {
    try {
      return SSLContext.getDefault();
    } catch (GeneralSecurityException e) {
      throw new IOException("no TLS: " + e.getMessage(), e);
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
