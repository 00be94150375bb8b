package io.sifkube.sif.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifFile;
import io.sifkube.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Against the reference implementation's own signed test images and keys. */
class ImageMetadataTest {

  private static final Path REF = Fixtures.sifReference();

  private static List<SifDescriptor> group(SifFile sif, int g) {
    return sif.descriptors().stream()
        .filter(d -> d.dataType() != SifCodes.DATA_SIGNATURE && d.groupId() == g)
        .toList();
  }

  private static SifDescriptor signature(SifFile sif) {
    return sif.descriptors().stream()
        .filter(d -> d.dataType() == SifCodes.DATA_SIGNATURE)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void theMetadataWeComputeIsByteForByteWhatTheReferenceSigned() throws Exception {
    for (String name : List.of("one-group-signed-dsse.sif", "two-groups-signed-dsse.sif")) {
      try (SifFile sif = SifFile.open(REF.resolve(name))) {
        SifDescriptor sig = signature(sif);
        Dsse env = Dsse.parse(sif.readObject(sig, 1 << 20));
        assertThat(env.payloadType()).isEqualTo(Dsse.SIF_METADATA);
        byte[] ours = ImageMetadata.of(sif, group(sif, sig.linkedId())).toJson();
        assertThat(new String(ours, StandardCharsets.UTF_8))
            .as(name)
            .isEqualTo(new String(env.payload(), StandardCharsets.UTF_8));
        // and the envelope's own encoding round-trips
        assertThat(Dsse.parse(env.toJson())).usingRecursiveComparison().isEqualTo(env);
      }
    }
  }

  @Test
  void theReferenceEnvelopeVerifiesWithItsKeysAndTheKeyIdsAreTheirSshFingerprints()
      throws Exception {
    try (SifFile sif = SifFile.open(REF.resolve("one-group-signed-dsse.sif"))) {
      Dsse env = Dsse.parse(sif.readObject(signature(sif), 1 << 20));
      byte[] pae = Dsse.pae(env.payloadType(), env.payload());
      for (String k : List.of("ed25519", "rsa")) {
        PublicKey pub = KeyPairs.readPublic(REF.resolve("keys/" + k + "-public.pem"));
        String id = KeyPairs.keyId(pub);
        Dsse.Sig s =
            env.signatures().stream().filter(x -> x.keyId().equals(id)).findFirst().orElseThrow();
        assertThat(KeyPairs.verify(pub, pae, s.sig())).as(k).isTrue();
        byte[] tampered = pae.clone();
        tampered[tampered.length - 3] ^= 1;
        assertThat(KeyPairs.verify(pub, tampered, s.sig())).as(k + " tampered").isFalse();
        // the private key's public half has the same id
        assertThat(
                KeyPairs.keyId(
                    KeyPairs.publicOf(
                        KeyPairs.readPrivate(REF.resolve("keys/" + k + "-private.pem")))))
            .isEqualTo(id);
      }
      PublicKey ec = KeyPairs.readPublic(REF.resolve("keys/ecdsa-public.pem"));
      assertThat(
              KeyPairs.keyId(
                  KeyPairs.publicOf(KeyPairs.readPrivate(REF.resolve("keys/ecdsa-private.pem")))))
          .isEqualTo(KeyPairs.keyId(ec));
    }
  }
}
