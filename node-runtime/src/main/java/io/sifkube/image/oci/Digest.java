package io.sifkube.image.oci;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A validated OCI content digest, {@code sha256:<64 lowercase hex>} or {@code sha512:<128 hex>}.
 * Digests from the outside world are parsed here before they are used in a path or a lookup.
 *
 * @param algorithm "sha256" or "sha512"
 * @param hex the lowercase hex encoding of the hash
 */
public record Digest(String algorithm, String hex) {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern SHA512 = Pattern.compile("[0-9a-f]{128}");

  public Digest {
    boolean ok =
        switch (algorithm) {
          case "sha256" -> SHA256.matcher(hex).matches();
          case "sha512" -> SHA512.matcher(hex).matches();
          default -> false;
        };
    if (!ok) {
      throw new IllegalArgumentException(
          "invalid digest \"" + algorithm + ":" + abbreviate(hex) + "\"");
    }
  }

  /**
   * Parses {@code algo:hex}.
   *
   * @throws IllegalArgumentException naming the bad value, when it is not a valid digest
   */
  public static Digest parse(String text) {
    int colon = text.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("invalid digest \"" + abbreviate(text) + "\"");
    }
    return new Digest(text.substring(0, colon), text.substring(colon + 1));
  }

  /** Up to this size {@link #sha256(byte[])} hashes in plain Java, without the JCA's start-up. */
  static final int SMALL = 64 << 10;

  /** The SHA-256 digest of {@code data}. */
  public static Digest sha256(byte[] data) {
    byte[] hash = data.length <= SMALL ? Sha256.digest(data) : newSha256().digest(data);
    return new Digest("sha256", HexFormat.of().formatHex(hash));
  }

  /** The digest a finished {@link MessageDigest} of this algorithm computed. */
  public static Digest of(MessageDigest md) {
    String algo = md.getAlgorithm().replace("-", "").toLowerCase(Locale.ROOT);
    return new Digest(algo, HexFormat.of().formatHex(md.digest()));
  }

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime provides SHA-256", e);
    }
  }

  /** The first 12 hex digits, as container tools abbreviate digests in progress output. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return algorithm + ":" + hex;
  }

  // Written out rather than generated: a record's generated equals and hashCode are bootstrapped
  // through method handles at their first call, some 10 ms of a one-shot sifctl exec, which
  // compares three digests.
  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && algorithm.equals(d.algorithm) && hex.equals(d.hex);
  }

  @Override
  public int hashCode() {
    return 31 * algorithm.hashCode() + hex.hashCode();
  }

  private static String abbreviate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "…" : s;
  }
}
