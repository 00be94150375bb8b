package io.sifkube.sif.integrity;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifFile;
import io.sifkube.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outcomes the reference verifier gives on its own signed images (as its source reads), and our
 * signatures verified by our verifier, tampered byte by byte. The reference verifier's view of our
 * signatures is in SignatureInteropIT.
 */
class SifVerifierTest {

  private static final Path REF = Fixtures.sifReference();

  @TempDir Path tmp;

  private static PublicKey pub(String k) throws Exception {
    return KeyPairs.readPublic(REF.resolve("keys/" + k + "-public.pem"));
  }

  private static Pgp.Keyring ring() throws Exception {
    return Pgp.read(REF.resolve("keys/private.asc"));
  }

  private static SifVerifier.Report verify(Path f, SifVerifier.Keys keys, SifVerifier.Options o)
      throws Exception {
    try (SifFile sif = SifFile.open(f)) {
      return SifVerifier.verify(sif, keys, o);
    }
  }

  private static SifVerifier.Report verify(Path f, SifVerifier.Keys keys) throws Exception {
    return verify(f, keys, SifVerifier.Options.defaults());
  }

  private static String errors(SifVerifier.Report r) {
    StringBuilder b = new StringBuilder(String.join("; ", r.errors()));
    r.outcomes().stream().filter(o -> !o.ok()).forEach(o -> b.append("; ").append(o.error()));
    return b.toString();
  }

  /**
   * The check that keeps DSSE signatures away from {@link Pgp} agrees with {@link Pgp#parse} on
   * every signature the reference wrote (DSSE, PGP and legacy), with LF and CRLF line ends, and
   * refuses a header followed by anything but a line end, or by nothing more than one.
   */
  @Test
  void opensClearSignedAgreesWithThePgpParserOnTheReferencesSignatures() throws Exception {
    int clearSigned = 0;
    int other = 0;
    try (var files = Files.list(REF)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".sif")).sorted().toList()) {
        try (SifFile sif = SifFile.open(f)) {
          for (SifDescriptor d : sif.descriptors()) {
            if (d.signature().isEmpty()) {
              continue;
            }
            byte[] data = sif.readObject(d, 1 << 20);
            byte[] crlf = new String(data, UTF_8).replace("\n", "\r\n").getBytes(UTF_8);
            for (byte[] b : List.of(data, crlf)) {
              assertThat(SifVerifier.opensClearSigned(b))
                  .as(f.getFileName() + " object " + d.id())
                  .isEqualTo(parses(b));
            }
            if (SifVerifier.opensClearSigned(data)) {
              clearSigned++;
            } else {
              other++;
            }
          }
        }
      }
    }
    assertThat(clearSigned).as("clear-signed signatures among the references").isPositive();
    assertThat(other).as("DSSE signatures among the references").isPositive();
    assertThat(SifVerifier.opensClearSigned((Pgp.BEGIN + "Hash: SHA256\n").getBytes(UTF_8)))
        .isFalse();
    assertThat(SifVerifier.opensClearSigned((Pgp.BEGIN + "\rX").getBytes(UTF_8))).isFalse();
    assertThat(SifVerifier.opensClearSigned((Pgp.BEGIN + "\n").getBytes(UTF_8))).isFalse();
    assertThat(SifVerifier.opensClearSigned((Pgp.BEGIN + "\nX").getBytes(UTF_8))).isTrue();
  }

  private static boolean parses(byte[] data) {
    try {
      Pgp.parse(data);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  @Test
  void theReferencesDsseImagesVerifyWithEitherOfTheirKeysAndNotWithAnother() throws Exception {
    for (String img : List.of("one-group-signed-dsse.sif", "two-groups-signed-dsse.sif")) {
      for (String k : List.of("ed25519", "rsa")) {
        var r = verify(REF.resolve(img), new SifVerifier.Keys(List.of(pub(k)), null));
        assertThat(r.ok()).as(img + " " + k + ": " + errors(r)).isTrue();
        assertThat(r.outcomes()).allMatch(o -> o.kind().equals("DSSE"));
      }
    }
    var two =
        verify(
            REF.resolve("two-groups-signed-dsse.sif"),
            new SifVerifier.Keys(List.of(pub("rsa")), null));
    assertThat(two.outcomes())
        .extracting(SifVerifier.Outcome::objects)
        .containsExactly(List.of(1, 2), List.of(3));
    var ec =
        verify(
            REF.resolve("one-group-signed-dsse.sif"),
            new SifVerifier.Keys(List.of(pub("ecdsa")), null));
    assertThat(ec.ok()).isFalse();
    assertThat(errors(ec))
        .contains(
            "signature object 3 not valid: dsse: verify envelope failed: accepted signatures do not match threshold, Found: 0, Expected 1");
    var pgpOnly =
        verify(REF.resolve("one-group-signed-dsse.sif"), new SifVerifier.Keys(List.of(), ring()));
    assertThat(errors(pgpOnly)).contains("key material not provided for DSSE envelope signature");
  }

  @Test
  void theReferencesPgpImageVerifiesWithItsKeyring() throws Exception {
    var r =
        verify(REF.resolve("one-group-signed-pgp.sif"), new SifVerifier.Keys(List.of(), ring()));
    assertThat(r.ok()).as(errors(r)).isTrue();
    assertThat(r.outcomes().get(0).signer()).isEqualTo("12045C8C0B1004D058DE4BEDA20C27EE7FF7BA84");
    assertThat(r.outcomes().get(0).signerName()).contains("unit@test.com");
    var noKey =
        verify(
            REF.resolve("one-group-signed-pgp.sif"),
            new SifVerifier.Keys(List.of(pub("rsa")), null));
    assertThat(errors(noKey)).contains("key material not provided for PGP clear-sign signature");
  }

  @Test
  void legacySignaturesAreRecognisedAndCheckedOnlyInLegacyMode() throws Exception {
    SifVerifier.Keys keys = new SifVerifier.Keys(List.of(), ring());
    var plain = verify(REF.resolve("one-group-signed-legacy.sif"), keys);
    assertThat(plain.ok()).isFalse();
    assertThat(plain.legacySignatures()).containsExactly(3);
    assertThat(errors(plain))
        .contains("signature not found for object group 1")
        .contains("legacy signatures [3]")
        .contains("--legacy-insecure");
    var legacy =
        verify(
            REF.resolve("one-group-signed-legacy.sif"),
            keys,
            new SifVerifier.Options(List.of(), List.of(), true, false));
    assertThat(legacy.ok()).as(errors(legacy)).isTrue();
    assertThat(legacy.outcomes())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.kind()).isEqualTo("legacy");
              assertThat(o.objects()).containsExactly(2);
            });
    var group =
        verify(
            REF.resolve("one-group-signed-legacy-group.sif"),
            keys,
            new SifVerifier.Options(List.of(1), List.of(), true, false));
    assertThat(group.ok()).as(errors(group)).isTrue();
    var all =
        verify(
            REF.resolve("one-group-signed-legacy-all.sif"),
            keys,
            new SifVerifier.Options(List.of(), List.of(), true, true));
    assertThat(all.ok()).as(errors(all)).isTrue();
    var twoAll =
        verify(
            REF.resolve("two-groups-signed-legacy-all.sif"),
            keys,
            new SifVerifier.Options(List.of(), List.of(), true, true));
    assertThat(errors(twoAll)).contains("signature not found for object 3");
  }

  @Test
  void signingAnUnsignedReferenceImageWithItsKeysGivesTheReferencesSignedFile() throws Exception {
    // The reference signed its test images deterministically with ed25519 then rsa: both
    // algorithms are deterministic, so the same keys must give the same bytes.
    Path f = tmp.resolve("one-group.sif");
    Files.copy(REF.resolve("one-group.sif"), f);
    SifSigner.sign(
        f,
        SifSigner.Keys.dsse(
            List.of(
                KeyPairs.readPrivate(REF.resolve("keys/ed25519-private.pem")),
                KeyPairs.readPrivate(REF.resolve("keys/rsa-private.pem")))),
        List.of(),
        List.of());
    assertThat(Files.mismatch(f, REF.resolve("one-group-signed-dsse.sif"))).isEqualTo(-1L);
  }

  @Test
  void ourSignaturesVerifyAndAnyFlippedByteTheyCoverIsNamed() throws Exception {
    for (String k : List.of("ecdsa", "ed25519", "rsa", "pgp")) {
      Path f = tmp.resolve(k + ".sif");
      Files.copy(REF.resolve("two-groups.sif"), f);
      SifSigner.Keys keys =
          k.equals("pgp")
              ? SifSigner.Keys.pgp(ring().secret().get(0), new char[0])
              : SifSigner.Keys.dsse(
                  List.of(KeyPairs.readPrivate(REF.resolve("keys/" + k + "-private.pem"))));
      var signed = SifSigner.sign(f, keys, List.of(), List.of());
      assertThat(signed).extracting(SifSigner.Signed::group).containsExactly(1, 2);
      SifVerifier.Keys vk =
          k.equals("pgp")
              ? new SifVerifier.Keys(List.of(), ring())
              : new SifVerifier.Keys(List.of(pub(k)), null);
      var ok = verify(f, vk);
      assertThat(ok.ok()).as(k + ": " + errors(ok)).isTrue();
      assertThat(ok.outcomes())
          .extracting(SifVerifier.Outcome::kind)
          .containsOnly(k.equals("pgp") ? "PGP" : "DSSE");

      SifDescriptor obj1;
      SifDescriptor sig;
      long descOff;
      try (SifFile sif = SifFile.open(f)) {
        obj1 = sif.descriptor(1);
        sig = sif.descriptor(signed.get(0).signatureId());
        descOff = sif.header().descriptorsOffset();
      }
      assertThat(flip(f, obj1.offset() + 2, vk))
          .as(k)
          .contains("data object integrity compromised: 1");
      // the name field of descriptor 1 (offset 17 + 7*8 into it)
      assertThat(flip(f, descOff + 17 + 56 + 3, vk))
          .as(k)
          .contains("data object descriptor integrity compromised: 1");
      assertThat(flip(f, 5, vk)).as(k).contains("header integrity compromised");
      assertThat(flip(f, sig.offset() + sig.size() / 2, vk))
          .as(k)
          .containsPattern(
              "signature object "
                  + sig.id()
                  + " not valid|signature format not recognized|hash algorithm");
    }
  }

  /** Flips one byte of a copy of {@code f}, verifies it, returns the errors (none: fails). */
  private String flip(Path f, long at, SifVerifier.Keys keys) throws Exception {
    Path copy = tmp.resolve("flipped.sif");
    byte[] b = Files.readAllBytes(f);
    b[(int) at] ^= 0x20;
    Files.write(copy, b);
    var r = verify(copy, keys);
    assertThat(r.ok()).as("flipped byte " + at).isFalse();
    return errors(r);
  }
}
