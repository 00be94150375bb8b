package io.sifkube.operator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.http.TlsVersion;
import javax.net.ssl.SSLParameters;
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
  void theJdksSuitesAreOfferedWithTheConfiguredProtocols() {
    SSLParameters p =
        ApiServerTls.sslParameters(new TlsVersion[] {TlsVersion.TLS_1_3, TlsVersion.TLS_1_2});
    assertThat(p.getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
    assertThat(p.getCipherSuites()[0]).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
    assertThat(p.getCipherSuites()).contains("TLS_AES_128_GCM_SHA256");
    assertThat(ApiServerTls.sslParameters(null).getProtocols()).isNull();
  }
}
