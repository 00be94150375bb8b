package io.sifkube.operator;

import static org.assertj.core.api.Assertions.assertThat;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;

class ApiServerTlsTest {

  @Test
  void chachaComesFirstAndNothingIsDropped() {
    String[] in = {
      "TLS_AES_256_GCM_SHA384",
      "TLS_AES_128_GCM_SHA256",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
    };
    assertThat(ApiServerTls.chachaFirst(in))
        .containsExactly(
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
  }

  @Test
  void everySocketOffersTheJdksSuitesChachaFirst() throws Exception {
    SSLSocketFactory jdk = SSLContext.getDefault().getSocketFactory();
    try (SSLSocket plain = (SSLSocket) jdk.createSocket();
        SSLSocket ordered = (SSLSocket) ApiServerTls.socketFactory(jdk).createSocket()) {
      assertThat(ordered.getEnabledCipherSuites())
          .containsExactly(ApiServerTls.chachaFirst(plain.getEnabledCipherSuites()));
      assertThat(ordered.getEnabledCipherSuites()[0]).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
    }
  }
}
