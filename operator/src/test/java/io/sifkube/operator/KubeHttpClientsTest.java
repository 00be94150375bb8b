package io.sifkube.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.okhttp.OkHttpClientImpl;
import java.security.KeyStore;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

class KubeHttpClientsTest {

  private static OkHttpClient ok(HttpClient client) {
    return ((OkHttpClientImpl) client).getOkHttpClient();
  }

  private static String firstSuite(OkHttpClient http) throws Exception {
    try (SSLSocket s = (SSLSocket) http.sslSocketFactory().createSocket()) {
      return s.getEnabledCipherSuites()[0];
    }
  }

  @Test
  void aClientFromTheConfigOffersChachaFirst() throws Exception {
    Config config =
        new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:6443").build();
    HttpClient.Builder builder = new KubeHttpClients().newBuilder(config);
    HttpClient http = builder.build();
    assertThat(firstSuite(ok(http))).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
    // a watch's client is derived from it and keeps its sockets
    HttpClient derived = http.newBuilder().authenticatorNone().build();
    assertThat(firstSuite(ok(derived))).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
  }

  /**
   * fabric8 also builds clients for other servers (an OIDC provider's token refresh, with its own
   * CA): those keep the trust they were given.
   */
  @Test
  void aClientForAnotherServerKeepsTheTrustItWasGiven() throws Exception {
    TrustManagerFactory f =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init((KeyStore) null);
    TrustManager[] own = f.getTrustManagers();
    HttpClient.Builder builder = new KubeHttpClients().newBuilder();
    OkHttpClient http = ok(builder.sslContext(null, own).build());
    assertThat(http.x509TrustManager()).isSameAs((X509TrustManager) own[0]);
    assertThat(firstSuite(http)).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
  }
}
