package io.sifkube.operator;

import io.fabric8.kubernetes.client.okhttp.OkHttpClientFactory;
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
 * OkHttp in the warm burst and 13.5 % in the first (medians of 3 and 2 runs, docs/benchmarks.md).
 *
 * <p>The TLS settings are those fabric8 gave the client (its key and trust managers, its protocol,
 * or the ones of another server fabric8 builds a client for, such as an OIDC provider's); only the
 * order of the suites on each socket differs. OkHttp keeps a socket's order when it narrows the
 * suites to its own modern set.
 */
public final class KubeHttpClients extends OkHttpClientFactory {

  /**
   * Called by fabric8 for each client it builds (for the API server, or another server such as an
   * OIDC provider's), once that client's TLS settings are on {@code builder}: the same socket
   * factory and trust manager, the factory's sockets ordered. Clients derived from one (watches,
   * informers) copy it; a client without TLS (a plain-HTTP proxy) has no trust manager.
   */
  @Override
  protected void additionalConfig(OkHttpClient.Builder builder) {
    OkHttpClient set = builder.build();
    X509TrustManager trust = set.x509TrustManager();
    if (trust != null) {
      builder.sslSocketFactory(ApiServerTls.socketFactory(set.sslSocketFactory()), trust);
    }
  }
}
