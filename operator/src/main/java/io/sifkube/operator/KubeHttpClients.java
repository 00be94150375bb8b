package io.sifkube.operator;

import io.fabric8.kubernetes.client.http.TlsVersion;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.net.http.HttpClient;
import javax.net.ssl.SSLParameters;

/** fabric8's JDK HTTP client for the API server, with {@link ApiServerTls}'s cipher suites. */
final class KubeHttpClients extends JdkHttpClientFactory {

  private final SSLParameters params;

  /**
   * @param protocols the TLS versions the client config allows (its tlsVersions)
   */
  KubeHttpClients(TlsVersion[] protocols) {
    this.params = ApiServerTls.sslParameters(protocols);
  }

  @Override
  protected void additionalConfig(HttpClient.Builder builder) {
    builder.sslParameters(params);
  }
}
