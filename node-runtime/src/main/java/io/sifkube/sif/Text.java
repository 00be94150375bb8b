package io.sifkube.sif;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Fixed-size, NUL-padded text fields as SIF stores them. */
final class Text {

  private Text() {}

  /** The bytes up to the first NUL, as UTF-8. */
  static String cString(byte[] field) {
    int end = 0;
    while (end < field.length && field[end] != 0) {
      end++;
    }
    return new String(field, 0, end, StandardCharsets.UTF_8);
  }

  /** The bytes with trailing NULs removed, as UTF-8 (how the reference reads names). */
  static String trimNuls(byte[] field) {
    int end = field.length;
    while (end > 0 && field[end - 1] == 0) {
      end--;
    }
    return new String(field, 0, end, StandardCharsets.UTF_8);
  }

  /** {@code text} as UTF-8 in a zero-padded field of {@code size} bytes; it must fit. */
  static byte[] fixed(String text, int size) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    if (b.length > size) {
      throw new IllegalArgumentException(
          "text of " + b.length + " bytes does not fit a " + size + "-byte field");
    }
    return Arrays.copyOf(b, size);
  }
}
