package io.sifkube.cli;

import io.sifkube.sif.SifException;
import io.sifkube.sif.integrity.KeyPairs;
import io.sifkube.sif.integrity.Pgp;
import io.sifkube.sif.integrity.SifSigner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code sifctl sign}: adds signatures to a SIF or OCI-SIF as {@code singularity sign} does, in the
 * reference format (sylabs/sif v2): a DSSE envelope for PEM keys, an OpenPGP clear-signed message
 * for a keyring key. A {@link SignatureCommand}.
 */
final class SignCommand extends SignatureCommand {

  private static final OptionTable TABLE =
      standard(
          new OptionTable()
              .list(
                  "--key",
                  "PRIVATE.pem",
                  "PKCS#8 PEM private key (ECDSA, RSA, Ed25519): a DSSE signature; repeatable",
                  false)
              .value(
                  "--keyring",
                  "FILE",
                  "OpenPGP secret keyring (armored or binary); passphrase: $SIFKUBE_PGP_PASSPHRASE")
              .value("-k,--keyidx", "N", "which secret key of the keyring (default 0)")
              .list("-g,--group-id", "N", "sign only object group N; repeatable", false)
              .list(
                  "-i,--sif-id",
                  "N",
                  "sign only object N (with its group's header); repeatable",
                  false));

  private int keyIndex;

  SignCommand() {
    super(
        "sign",
        "Sign a SIF or OCI-SIF: one signature per object group (default), or for a group or object.",
        "the SIF to sign, in place",
        TABLE);
  }

  @Override
  void more(String option, String v) throws OptionTable.UsageException {
    switch (option) {
      case "--keyidx" -> keyIndex = OptionTable.parseInt(option, v);
      default -> throw new IllegalStateException("option " + option + " is in TABLE only");
    }
  }

  @Override
  int call() throws Exception {
    if (!Files.isRegularFile(file)) {
      throw new CliException(file + ": no such file");
    }
    if (keys.isEmpty() == (keyring == null)) {
      throw new CliException("give either --key PEM (one or more) or --keyring FILE");
    }
    SifSigner.Keys material;
    try {
      if (keyring != null) {
        Pgp.Keyring ring = Pgp.read(keyring);
        if (ring.secret().isEmpty()) {
          throw new CliException(keyring + ": holds no secret key to sign with");
        }
        if (keyIndex < 0 || keyIndex >= ring.secret().size()) {
          throw new CliException(
              "--keyidx "
                  + keyIndex
                  + ": "
                  + keyring
                  + " holds "
                  + ring.secret().size()
                  + " secret key(s)");
        }
        String pass = System.getenv("SIFKUBE_PGP_PASSPHRASE");
        material =
            SifSigner.Keys.pgp(
                ring.secret().get(keyIndex), pass == null ? new char[0] : pass.toCharArray());
      } else {
        List<PrivateKey> pks = new ArrayList<>();
        for (Path k : keys) {
          pks.add(KeyPairs.readPrivate(k));
        }
        material = SifSigner.Keys.dsse(pks);
      }
      for (SifSigner.Signed s : SifSigner.sign(file, material, groups, objects)) {
        Info.line(
            "Signature object "
                + s.signatureId()
                + " added: object group "
                + s.group()
                + ", objects "
                + s.objects());
      }
      Info.line("Signature created and applied to image '" + file + "'");
      return 0;
    } catch (SifException e) {
      throw new CliException(e.getMessage(), e);
    } catch (IOException e) {
      throw new CliException(file + ": signing failed: " + e.getMessage(), e);
    }
  }
}
