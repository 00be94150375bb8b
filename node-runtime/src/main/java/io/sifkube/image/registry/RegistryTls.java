package io.sifkube.image.registry;

import io.sifkube.image.ImageException;
import io.sifkube.image.ImageException.Reason;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS trust for one registry: the system's CAs plus any {@code *.crt} in {@code
 * CERTS_DIR/HOST[:PORT]/}, the layout docker and podman use ({@code /etc/docker/certs.d}). The
 * directory is {@code /etc/sifkube/certs.d} unless {@code SIFKUBE_CERTS_DIR} says otherwise. With
 * {@code --insecure} nothing is verified.
 */
final class RegistryTls {

  static final Path DEFAULT_CERTS_DIR = Path.of("/etc/sifkube/certs.d");

  private RegistryTls() {}

  static Path certsDir() {
    String env = System.getenv("SIFKUBE_CERTS_DIR");
    return env == null || env.isEmpty() ? DEFAULT_CERTS_DIR : Path.of(env);
  }

  /** The SSL context for {@code host} ({@code host[:port]}). */
  static SSLContext contextFor(String host, boolean insecure) throws IOException {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      if (insecure) {
        ctx.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
        return ctx;
      }
      Path dir = certsDir().resolve(host);
      if (!Files.isDirectory(dir)) {
        return SSLContext.getDefault(); // no extra CA for this registry: the JVM's own trust
      }
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      // Start from the JVM's own CAs, then add the registry's.
      TrustManagerFactory system =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      system.init((KeyStore) null);
      int n = 0;
      for (TrustManager tm : system.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          for (X509Certificate c : x.getAcceptedIssuers()) {
            ks.setCertificateEntry("system-" + n++, c);
          }
        }
      }
      {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        try (DirectoryStream<Path> crts = Files.newDirectoryStream(dir, "*.crt")) {
          for (Path crt : crts) {
            try (InputStream in = Files.newInputStream(crt)) {
              for (Certificate c : cf.generateCertificates(in)) {
                ks.setCertificateEntry("registry-" + n++, c);
              }
            } catch (GeneralSecurityException e) {
              throw new ImageException(
                  Reason.INVALID, crt + ": not a PEM certificate: " + e.getMessage(), e);
            }
          }
        }
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new ImageException(
          Reason.IO, "cannot set up TLS for " + host + ": " + e.getMessage(), e);
    }
  }

  /** For --insecure only: accepts any certificate. */
  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
