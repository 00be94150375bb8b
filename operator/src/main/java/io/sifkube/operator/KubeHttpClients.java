package io.sifkube.operator;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * fabric8's OkHttp client for the API server, offering {@link ApiServerTls}'s cipher suites first.
 *
 * <p>OkHttp rather than the JDK's {@code java.net.http} client: the JDK client's own machinery (its
 * HTTP/2 framing, chains of reactive subscribers and {@code CompletableFuture} stages, its selector
 * thread) was about a quarter of the operator's CPU samples under C1 (JFR, 2026-12-08). In
 * alternating runs of {@code BURSTS=2 e2e/bench/operator-bench.sh 300 10 1000} the operator's CPU
 * per run, as a share of the API server's (whose work per run is the same), was 14 % lower with
 * OkHttp in the warm burst and 13 % in the first (medians of 3 and 2 runs, docs/benchmarks.md).
 *
 * <p>The TLS context is the one fabric8 builds from the same config (its key and trust managers,
 * its protocol); only the order of the suites on each socket differs. OkHttp keeps a socket's order
 * when it narrows the suites to its own modern set.
 */
public final class KubeHttpClients extends OkHttpClientFactory {

  private final Config config;

  /** For the API server {@code config} names, with its credentials. */
  public KubeHttpClients(Config config) {
    this.config = config;
  }

  @Override
  protected void additionalConfig(OkHttpClient.Builder builder) {
    KeyManager[] keys;
    TrustManager[] trust;
    try {
      keys = SSLUtils.keyManagers(config);
      trust = SSLUtils.trustManagers(config);
    } catch (Exception e) {
      throw KubernetesClientException.launderThrowable(e);
    }
    // fabric8 hands OkHttp the trust manager only when there is exactly one; so do we, and
    // otherwise leave fabric8's socket factory as it is.
    if (trust != null && trust.length == 1 && trust[0] instanceof X509TrustManager t) {
      SSLContext tls = SSLUtils.sslContext(keys, trust);
      builder.sslSocketFactory(ApiServerTls.socketFactory(tls.getSocketFactory()), t);
    }
  }
}
