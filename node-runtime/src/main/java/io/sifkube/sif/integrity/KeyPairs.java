package io.sifkube.sif.integrity;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * PEM key pairs for DSSE signatures, as sylabs/sif signs with sigstore's signers: ECDSA (P-256,
 * P-384, P-521) with SHA-256 and ASN.1 signatures, RSA PKCS#1 v1.5 with SHA-256, Ed25519. Keys are
 * PKCS#8 ({@code PRIVATE KEY}) and X.509 SubjectPublicKeyInfo ({@code PUBLIC KEY}) PEM, read with
 * the JDK; the key id is the SSH fingerprint ({@code SHA256:} and the unpadded base64 of the
 * SHA-256 of the SSH wire encoding), as the reference writes it into envelopes.
 */
public final class KeyPairs {

  private static final List<String> ALGORITHMS = List.of("EC", "RSA", "Ed25519");

  private KeyPairs() {}

  public static PrivateKey readPrivate(Path pem) throws IOException {
    byte[] der =
        der(Files.readString(pem, StandardCharsets.US_ASCII), pem.toString(), "PRIVATE KEY");
    for (String alg : ALGORITHMS) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm
      }
    }
    throw new IOException(pem + ": not an ECDSA, RSA or Ed25519 PKCS#8 private key");
  }

  public static PublicKey readPublic(Path pem) throws IOException {
    return readPublic(Files.readString(pem, StandardCharsets.US_ASCII), pem.toString());
  }

  /** A public key from PEM text; {@code name} says where it came from, for messages. */
  public static PublicKey readPublic(String pemText, String name) throws IOException {
    byte[] der = der(pemText, name, "PUBLIC KEY");
    for (String alg : ALGORITHMS) {
      try {
        return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm
      }
    }
    throw new IOException(name + ": not an ECDSA, RSA or Ed25519 public key");
  }

  /** The public half of a private key (for the key id written into envelopes). */
  public static PublicKey publicOf(PrivateKey key) throws IOException {
    try {
      if (key instanceof java.security.interfaces.RSAPrivateCrtKey k) {
        return KeyFactory.getInstance("RSA")
            .generatePublic(
                new java.security.spec.RSAPublicKeySpec(k.getModulus(), k.getPublicExponent()));
      }
      if (key instanceof java.security.interfaces.ECPrivateKey k) {
        var bcSpec =
            org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util.convertSpec(k.getParams());
        var q = bcSpec.getG().multiply(k.getS()).normalize();
        var w =
            new java.security.spec.ECPoint(
                q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
        return KeyFactory.getInstance("EC")
            .generatePublic(new java.security.spec.ECPublicKeySpec(w, k.getParams()));
      }
      if (!key.getAlgorithm().equals("Ed25519") && !key.getAlgorithm().equals("EdDSA")) {
        throw new IOException("unsupported key type " + key.getAlgorithm());
      }
      // PKCS#8 Ed25519 is a fixed 16-byte prefix and the 32-byte seed; SPKI a 12-byte prefix
      byte[] seed = Arrays.copyOfRange(key.getEncoded(), 16, 48);
      byte[] pub =
          new org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters(seed)
              .generatePublicKey()
              .getEncoded();
      byte[] spki = java.util.HexFormat.of().parseHex("302a300506032b6570032100");
      byte[] all = Arrays.copyOf(spki, spki.length + 32);
      System.arraycopy(pub, 0, all, spki.length, 32);
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(all));
    } catch (GeneralSecurityException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private static String signatureAlgorithm(String keyAlgorithm) {
    return switch (keyAlgorithm) {
      case "EC" -> "SHA256withECDSA";
      case "RSA" -> "SHA256withRSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> throw new IllegalArgumentException("unsupported key type " + keyAlgorithm);
    };
  }

  public static byte[] sign(PrivateKey key, byte[] data) throws IOException {
    try {
      Signature s = Signature.getInstance(signatureAlgorithm(key.getAlgorithm()));
      s.initSign(key);
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IOException("signing with a " + key.getAlgorithm() + " key: " + e.getMessage(), e);
    }
  }

  public static boolean verify(PublicKey key, byte[] data, byte[] sig) {
    try {
      Signature s = Signature.getInstance(signatureAlgorithm(key.getAlgorithm()));
      s.initVerify(key);
      s.update(data);
      return s.verify(sig);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  /** {@code SHA256:…}, the key's SSH fingerprint. */
  public static String keyId(PublicKey key) throws IOException {
    try {
      byte[] wire = sshWire(key);
      byte[] h = MessageDigest.getInstance("SHA-256").digest(wire);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(h);
    } catch (GeneralSecurityException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private static byte[] sshWire(PublicKey key) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (key instanceof RSAPublicKey rsa) {
      string(out, "ssh-rsa".getBytes(StandardCharsets.US_ASCII));
      string(out, rsa.getPublicExponent().toByteArray());
      string(out, rsa.getModulus().toByteArray());
    } else if (key instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      String curve = "nistp" + (bits == 521 ? 521 : bits);
      string(out, ("ecdsa-sha2-" + curve).getBytes(StandardCharsets.US_ASCII));
      string(out, curve.getBytes(StandardCharsets.US_ASCII));
      int len = (bits + 7) / 8;
      byte[] point = new byte[1 + 2 * len];
      point[0] = 4;
      copyFixed(ec.getW().getAffineX(), point, 1, len);
      copyFixed(ec.getW().getAffineY(), point, 1 + len, len);
      string(out, point);
    } else {
      // Ed25519: the last 32 bytes of the SubjectPublicKeyInfo are the key
      byte[] spki = key.getEncoded();
      string(out, "ssh-ed25519".getBytes(StandardCharsets.US_ASCII));
      string(out, Arrays.copyOfRange(spki, spki.length - 32, spki.length));
    }
    return out.toByteArray();
  }

  private static void copyFixed(BigInteger v, byte[] into, int at, int len) {
    byte[] b = v.toByteArray();
    int skip = Math.max(0, b.length - len);
    System.arraycopy(b, skip, into, at + len - (b.length - skip), b.length - skip);
  }

  private static void string(ByteArrayOutputStream out, byte[] data) {
    int n = data.length;
    out.write(n >>> 24);
    out.write(n >>> 16);
    out.write(n >>> 8);
    out.write(n);
    out.writeBytes(data);
  }

  private static byte[] der(String text, String pem, String label) throws IOException {
    String begin = "-----BEGIN " + label + "-----";
    int a = text.indexOf(begin);
    int b = text.indexOf("-----END " + label + "-----");
    if (a < 0 || b < a) {
      throw new IOException(
          pem + ": no \"" + begin + "\" block (PKCS#8 / SubjectPublicKeyInfo PEM)");
    }
    try {
      return Base64.getMimeDecoder().decode(text.substring(a + begin.length(), b));
    } catch (IllegalArgumentException e) {
      throw new IOException(pem + ": bad base64 in the PEM block", e);
    }
  }
}
