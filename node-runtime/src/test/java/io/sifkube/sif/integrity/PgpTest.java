package io.sifkube.sif.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifFile;
import io.sifkube.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The reference's PGP-signed test images and its test keyring. */
class PgpTest {

  private static final Path REF = Fixtures.sifReference();

  private static byte[] signatureData(SifFile sif) throws Exception {
    SifDescriptor d =
        sif.descriptors().stream()
            .filter(x -> x.dataType() == SifCodes.DATA_SIGNATURE)
            .findFirst()
            .orElseThrow();
    return sif.readObject(d, 1 << 20);
  }

  @Test
  void theReferenceClearSignedMetadataVerifiesWithItsKeyring() throws Exception {
    Pgp.Keyring ring = Pgp.read(REF.resolve("keys/private.asc"));
    assertThat(ring.secret()).isNotEmpty();
    try (SifFile sif = SifFile.open(REF.resolve("one-group-signed-pgp.sif"))) {
      Pgp.ClearSigned c = Pgp.parse(signatureData(sif));
      assertThat(new String(Pgp.plainText(c), StandardCharsets.UTF_8))
          .startsWith("{\"version\":1,");
      var key = Pgp.verify(c, ring.publicKeys());
      assertThat(key).isNotNull();
      assertThat(HexFormat.of().withUpperCase().formatHex(Pgp.fingerprint(key)))
          .isEqualTo("12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84");
      // one flipped byte of the cleartext: no key verifies it
      byte[] t = c.text().clone();
      t[20] ^= 1;
      assertThat(Pgp.verify(new Pgp.ClearSigned(t, c.signature()), ring.publicKeys())).isNull();
    }
    try (SifFile sif = SifFile.open(REF.resolve("one-group-signed-legacy.sif"))) {
      Pgp.ClearSigned c = Pgp.parse(signatureData(sif));
      assertThat(new String(Pgp.plainText(c), StandardCharsets.UTF_8)).startsWith("SIFHASH:\n");
      assertThat(Pgp.verify(c, ring.publicKeys())).isNotNull();
    }
  }

  @Test
  void whatWeClearSignVerifiesAndReadsBackAsTheSameText() throws Exception {
    Pgp.Keyring ring = Pgp.read(REF.resolve("keys/private.asc"));
    byte[] text =
        "{\"version\":1,\"header\":{\"digest\":\"sha256:00\"},\"objects\":[]}"
            .getBytes(StandardCharsets.UTF_8);
    byte[] msg = Pgp.clearSign(text, ring.secret().get(0), new char[0]);
    Pgp.ClearSigned c = Pgp.parse(msg);
    assertThat(Pgp.plainText(c)).isEqualTo(text);
    assertThat(Pgp.verify(c, ring.publicKeys())).isNotNull();
  }
}
