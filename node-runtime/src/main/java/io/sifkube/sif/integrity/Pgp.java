package io.sifkube.sif.integrity;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.bcpg.ArmoredOutputStream;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPObjectFactory;
import org.bouncycastle.openpgp.PGPPrivateKey;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPSecretKey;
import org.bouncycastle.openpgp.PGPSecretKeyRing;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureGenerator;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.jcajce.JcaPGPObjectFactory;
import org.bouncycastle.openpgp.operator.jcajce.JcaKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentSignerBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentVerifierBuilderProvider;
import org.bouncycastle.openpgp.operator.jcajce.JcePBESecretKeyDecryptorBuilder;

/**
 * OpenPGP clear-signed messages, as sylabs/sif stores PGP signatures: the image metadata JSON as
 * the cleartext, signed with SHA-256 as a canonical text document, the signature armored after it.
 * Keys come from armored or binary keyrings (public or secret) through Bouncy Castle.
 */
public final class Pgp {

  /**
   * The first line of a clear-signed message; a constant, so naming it does not load this class.
   */
  static final String BEGIN = "-----BEGIN PGP SIGNED MESSAGE-----";

  private static final String SIG = "-----BEGIN PGP SIGNATURE-----";

  private Pgp() {}

  /**
   * Every key of a keyring file: secret keys (for signing), the public keys of all rings, and for
   * each key ID the fingerprint of its ring's primary key (what SIF descriptors record).
   */
  public record Keyring(
      List<PGPSecretKey> secret, List<PGPPublicKey> publicKeys, Map<Long, PGPPublicKey> primaries) {

    /** The primary key of the ring {@code key} belongs to. */
    public PGPPublicKey primaryOf(PGPPublicKey key) {
      return primaries.getOrDefault(key.getKeyID(), key);
    }
  }

  public static Keyring read(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, file.toString());
    }
  }

  /** A keyring from a stream; {@code name} says where it came from, for messages. */
  public static Keyring read(InputStream raw, String file) throws IOException {
    List<PGPSecretKey> secret = new ArrayList<>();
    List<PGPPublicKey> pub = new ArrayList<>();
    Map<Long, PGPPublicKey> primaries = new HashMap<>();
    try (InputStream in = PGPUtil.getDecoderStream(raw)) {
      PGPObjectFactory f = new PGPObjectFactory(in, new JcaKeyFingerprintCalculator());
      for (Object o; (o = f.nextObject()) != null; ) {
        if (o instanceof PGPSecretKeyRing r) {
          r.getSecretKeys().forEachRemaining(secret::add);
          r.getPublicKeys().forEachRemaining(pub::add);
          r.getPublicKeys().forEachRemaining(k -> primaries.put(k.getKeyID(), r.getPublicKey()));
        } else if (o instanceof PGPPublicKeyRing r) {
          r.getPublicKeys().forEachRemaining(pub::add);
          r.getPublicKeys().forEachRemaining(k -> primaries.put(k.getKeyID(), r.getPublicKey()));
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IOException(file + ": not an OpenPGP keyring: " + e.getMessage(), e);
    }
    if (pub.isEmpty()) {
      throw new IOException(file + ": holds no OpenPGP key");
    }
    return new Keyring(List.copyOf(secret), List.copyOf(pub), Map.copyOf(primaries));
  }

  /** The 20-byte fingerprint of a key. */
  public static byte[] fingerprint(PGPPublicKey key) {
    return key.getFingerprint();
  }

  /**
   * Clear-signs {@code text} (one line of JSON: no dash escaping or whitespace trimming needed)
   * with {@code key}, unlocked with {@code passphrase} (empty for none).
   */
  public static byte[] clearSign(byte[] text, PGPSecretKey key, char[] passphrase)
      throws IOException {
    try {
      PGPPrivateKey priv =
          key.extractPrivateKey(new JcePBESecretKeyDecryptorBuilder().build(passphrase));
      PGPSignatureGenerator gen =
          new PGPSignatureGenerator(
              new JcaPGPContentSignerBuilder(
                  key.getPublicKey().getAlgorithm(), HashAlgorithmTags.SHA256),
              key.getPublicKey());
      gen.init(PGPSignature.CANONICAL_TEXT_DOCUMENT, priv);
      gen.update(text);
      ByteArrayOutputStream armored = new ByteArrayOutputStream();
      try (ArmoredOutputStream a = ArmoredOutputStream.builder().clearHeaders().build(armored)) {
        gen.generate().encode(a);
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes((BEGIN + "\nHash: SHA256\n\n").getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(text);
      out.write('\n');
      out.writeBytes(armored.toByteArray());
      return out.toByteArray();
    } catch (PGPException e) {
      throw new IOException(
          "signing with key "
              + Long.toHexString(key.getKeyID()).toUpperCase()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** A clear-signed message taken apart. */
  public record ClearSigned(byte[] text, PGPSignature signature) {}

  public static ClearSigned parse(byte[] message) throws IOException {
    String m = new String(message, StandardCharsets.UTF_8).replace("\r\n", "\n");
    if (!m.startsWith(BEGIN + "\n")) {
      throw new IOException("not an OpenPGP clear-signed message");
    }
    int body = m.indexOf("\n\n");
    int sig = m.indexOf("\n" + SIG);
    if (body < 0 || sig < body) {
      throw new IOException("clear-signed message without a signature block");
    }
    // the cleartext: dash-escaped lines unescaped, the line break before the signature not in it
    List<String> lines = new ArrayList<>();
    for (String line : m.substring(body + 2, sig).split("\n", -1)) {
      lines.add(line.startsWith("- ") ? line.substring(2) : line);
    }
    byte[] text = String.join("\r\n", lines).getBytes(StandardCharsets.UTF_8);
    try (InputStream in =
        PGPUtil.getDecoderStream(
            new ByteArrayInputStream(m.substring(sig + 1).getBytes(StandardCharsets.US_ASCII)))) {
      Object o = new JcaPGPObjectFactory(in).nextObject();
      if (!(o instanceof PGPSignatureList list) || list.isEmpty()) {
        throw new IOException("the signature block holds no signature");
      }
      return new ClearSigned(text, list.get(0));
    }
  }

  /** The cleartext as the signer wrote it (line ends as in the message, LF). */
  public static byte[] plainText(ClearSigned c) {
    return new String(c.text(), StandardCharsets.UTF_8)
        .replace("\r\n", "\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** The key among {@code keys} that made the signature and verifies it, or null. */
  public static PGPPublicKey verify(ClearSigned c, List<PGPPublicKey> keys) {
    for (PGPPublicKey k : keys) {
      if (k.getKeyID() != c.signature().getKeyID()) {
        continue;
      }
      try {
        PGPSignature s = c.signature();
        s.init(new JcaPGPContentVerifierBuilderProvider(), k);
        s.update(canonical(c.text()));
        if (s.verify()) {
          return k;
        }
      } catch (PGPException e) {
        return null;
      }
    }
    return null;
  }

  /** RFC 4880 §7.1: trailing spaces and tabs of each line are not signed. */
  private static byte[] canonical(byte[] text) {
    String[] lines = new String(text, StandardCharsets.UTF_8).split("\r\n", -1);
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      out.add(l.replaceAll("[ \t]+$", ""));
    }
    return String.join("\r\n", out).getBytes(StandardCharsets.UTF_8);
  }

  /** For messages: the key id of the signature, in hex. */
  public static String keyIdHex(ClearSigned c) {
    return String.format("%016X", c.signature().getKeyID());
  }
}
