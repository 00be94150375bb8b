package io.sifkube.image.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Sha256Test {

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void givesTheStandardsExampleHashes() {
    // FIPS 180-4 examples (NIST's SHA256.pdf and the long-message vector).
    assertThat(hex(Sha256.digest(new byte[0])))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(hex(Sha256.digest(ascii("abc"))))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(
            hex(Sha256.digest(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))))
        .isEqualTo("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    assertThat(hex(Sha256.digest(ascii("a".repeat(1_000_000)))))
        .isEqualTo("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }

  @Test
  void agreesWithMessageDigestAtEveryLengthAroundTheBlockBoundaries() throws Exception {
    Random random = new Random(42);
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (int length = 0; length <= 1100; length++) {
      byte[] data = new byte[length];
      random.nextBytes(data);
      assertThat(hex(Sha256.digest(data))).as("length %d", length).isEqualTo(hex(md.digest(data)));
    }
  }

  @Test
  void digestHashesSmallAndLargeDataAlike() throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (int length : new int[] {Digest.SMALL - 1, Digest.SMALL, Digest.SMALL + 1, 3 << 20}) {
      byte[] data = new byte[length];
      new Random(length).nextBytes(data);
      assertThat(Digest.sha256(data).hex()).isEqualTo(hex(md.digest(data)));
    }
  }
}
