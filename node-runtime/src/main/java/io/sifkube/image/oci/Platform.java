package io.sifkube.image.oci;

import io.sifkube.sif.SifCodes;
import java.util.Locale;

/**
 * An image platform, {@code os/architecture[/variant]}.
 *
 * @param os the operating system ("linux")
 * @param architecture the Go architecture name ("amd64")
 * @param variant the variant ("v8"), or empty
 */
public record Platform(String os, String architecture, String variant) {

  /** This host: linux and the JVM's architecture. */
  public static Platform host() {
    return new Platform("linux", SifCodes.hostArch(), "");
  }

  /**
   * Parses {@code OS/ARCH[/VARIANT]}.
   *
   * @throws IllegalArgumentException naming the value when it has another shape
   */
  public static Platform parse(String text) {
    String[] p = text.toLowerCase(Locale.ROOT).split("/", -1);
    if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
      throw new IllegalArgumentException(
          "invalid platform \"" + text + "\" (expected OS/ARCH[/VARIANT], e.g. linux/amd64)");
    }
    return new Platform(p[0], p[1], p.length == 3 ? p[2] : "");
  }

  /** True when an index entry for {@code other} can run here; no variant asked matches any. */
  public boolean matches(Platform other) {
    return other != null
        && os.equals(other.os)
        && architecture.equals(other.architecture)
        && (variant.isEmpty() || variant.equals(other.variant));
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant.isEmpty() ? "" : "/" + variant);
  }
}
