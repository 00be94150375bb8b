package io.sifkube.operator.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SignaturePoliciesTest {

  private static final byte[] PEM =
      "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n"
          .getBytes(StandardCharsets.US_ASCII);

  @Test
  void pemEntriesArePublicKeysAndAscGpgPgpEntriesAreKeyringsTheRestIsIgnored() {
    var p =
        SignaturePolicies.fromEntries(
            Map.of(
                "a.pem", PEM,
                "ring.asc", new byte[] {1},
                "ring.gpg", new byte[] {2},
                "README", new byte[] {3}),
            "Secret keys");
    assertThat(p.getPublicKeysPemList())
        .containsExactly(new String(PEM, StandardCharsets.US_ASCII));
    assertThat(p.getPgpKeyringsCount()).isEqualTo(2);
  }

  @Test
  void aStoreWithoutKeysOrWithAPrivateKeyIsRefusedNamingIt() {
    assertThatThrownBy(() -> SignaturePolicies.fromEntries(Map.of("x.txt", PEM), "ConfigMap k"))
        .hasMessageStartingWith("ConfigMap k holds no key");
    byte[] priv = "-----BEGIN PRIVATE KEY-----\n".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> SignaturePolicies.fromEntries(Map.of("k.pem", priv), "Secret s"))
        .hasMessage("Secret s: k.pem is not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  }
}
