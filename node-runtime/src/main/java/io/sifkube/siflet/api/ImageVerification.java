package io.sifkube.siflet.api;

import io.sifkube.node.v1.SignaturePolicy;
import io.sifkube.node.v1.Signer;
import io.sifkube.node.v1.Verification;
import io.sifkube.sif.SifException;
import io.sifkube.sif.SifFile;
import io.sifkube.sif.integrity.KeyPairs;
import io.sifkube.sif.integrity.Pgp;
import io.sifkube.sif.integrity.SifVerifier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.openpgp.PGPPublicKey;

/**
 * Checks a pulled image's SIF signatures against the keys a pull brought (the operator reads them
 * from the SifImage's Secret or ConfigMap); the keys are used for this check only and never logged.
 */
final class ImageVerification {

  private ImageVerification() {}

  static Verification check(Path sifFile, SignaturePolicy policy) {
    List<PublicKey> pubs = new ArrayList<>();
    Pgp.Keyring ring = null;
    try {
      for (int i = 0; i < policy.getPublicKeysPemCount(); i++) {
        pubs.add(KeyPairs.readPublic(policy.getPublicKeysPem(i), "public key " + (i + 1)));
      }
      List<PGPPublicKey> all = new ArrayList<>();
      java.util.Map<Long, PGPPublicKey> primaries = new java.util.HashMap<>();
      for (int i = 0; i < policy.getPgpKeyringsCount(); i++) {
        Pgp.Keyring r =
            Pgp.read(
                new ByteArrayInputStream(policy.getPgpKeyrings(i).toByteArray()),
                "keyring " + (i + 1));
        all.addAll(r.publicKeys());
        primaries.putAll(r.primaries());
      }
      if (!all.isEmpty()) {
        ring = new Pgp.Keyring(List.of(), all, primaries);
      }
    } catch (IOException e) {
      return Verification.newBuilder().setError("keys: " + e.getMessage()).build();
    }
    if (pubs.isEmpty() && ring == null) {
      return Verification.newBuilder().setError("no keys to verify with").build();
    }
    try (SifFile sif = SifFile.open(sifFile)) {
      SifVerifier.Report r =
          SifVerifier.verify(sif, new SifVerifier.Keys(pubs, ring), SifVerifier.Options.defaults());
      Verification.Builder b = Verification.newBuilder().setVerified(r.ok());
      for (SifVerifier.Outcome o : r.outcomes()) {
        if (o.ok()) {
          b.addSigners(
              Signer.newBuilder()
                  .setKind(o.kind())
                  .setId(o.signer())
                  .setName(o.signerName())
                  .setSignatureId(o.signatureId()));
        }
      }
      if (!r.ok()) {
        String first = r.firstError();
        b.setError(
            first.startsWith("signature not found") && !isSigned(sif)
                ? first
                    + ": the image carries no SIF signature (images converted from docker:// or"
                    + " a layout on the node never do; push the signed OCI-SIF with oras://)"
                : first);
      }
      return b.build();
    } catch (SifException e) {
      return Verification.newBuilder().setError(e.getMessage()).build();
    }
  }

  private static boolean isSigned(SifFile sif) {
    return sif.descriptors().stream()
        .anyMatch(d -> d.dataType() == io.sifkube.sif.SifCodes.DATA_SIGNATURE);
  }
}
