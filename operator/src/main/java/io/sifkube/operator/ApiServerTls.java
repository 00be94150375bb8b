package io.sifkube.operator;

import io.fabric8.kubernetes.client.http.TlsVersion;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * What the operator offers in TLS to the API server: the ChaCha20-Poly1305 cipher suites first. The
 * operator runs on C1 alone (bin/sifkube-operator), where the JDK has no AES-GCM intrinsic: on 16
 * KiB records AES-GCM encrypts at 40 MB/s and ChaCha20-Poly1305 at 103–139 MB/s here (JDK 17,
 * -XX:TieredStopAtLevel=1), and TLS to the API server was 11 % of the operator's CPU per run (JFR,
 * docs/benchmarks.md). An API server in Go takes ChaCha20 when the client's first choice is not
 * AES; every suite the JDK enables stays on offer, in the JDK's order after those.
 */
public final class ApiServerTls {

  private ApiServerTls() {}

  /** The cipher suites, and {@code protocols} (a client config's tlsVersions; null: the JDK's). */
  public static SSLParameters sslParameters(TlsVersion[] protocols) {
    String[] suites;
    try {
      suites = SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no default TLS context: " + e.getMessage(), e);
    }
    return new SSLParameters(
        chachaFirst(suites),
        protocols == null || protocols.length == 0
            ? null
            : Arrays.stream(protocols).map(TlsVersion::javaName).toArray(String[]::new));
  }

  /** The suites with the ChaCha20-Poly1305 ones first, each group in its given order. */
  static String[] chachaFirst(String[] suites) {
    List<String> first = new ArrayList<>();
    List<String> rest = new ArrayList<>();
    for (String s : suites) {
      (s.contains("CHACHA20") ? first : rest).add(s);
    }
    first.addAll(rest);
    return first.toArray(String[]::new);
  }
}
