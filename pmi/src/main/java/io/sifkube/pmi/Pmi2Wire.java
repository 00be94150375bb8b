package io.sifkube.pmi;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PMI-2's framing, as MPICH's client ({@code simple2pmi.c}) and Slurm's server write it: a 6-byte
 * ASCII length (decimal, left-aligned, space-padded), then {@code cmd=NAME;key=value;...;} of that
 * length, where a {@code ;} inside a value is doubled. Commands are at most 64 KiB.
 */
final class Pmi2Wire {

  static final int HEADER = 6;
  static final int MAX = 64 * 1024;

  private Pmi2Wire() {}

  /** One command's body, or null at the end of the stream. */
  static String read(InputStream in) throws IOException, PmiException {
    byte[] h = in.readNBytes(HEADER);
    if (h.length == 0) {
      return null;
    }
    String header = new String(h, StandardCharsets.US_ASCII).trim();
    int n;
    try {
      n = Integer.parseInt(header);
    } catch (NumberFormatException e) {
      throw new PmiException("a PMI-2 client sent a bad length field '" + header + "'");
    }
    if (h.length < HEADER || n < 0 || n > MAX) {
      throw new PmiException("a PMI-2 client sent a command of length " + header);
    }
    byte[] body = in.readNBytes(n);
    if (body.length < n) {
      return null; // cut off: the connection ended
    }
    return new String(body, StandardCharsets.US_ASCII);
  }

  /** {@code body} with its length field, ready to send. */
  static String frame(String body) {
    String len = Integer.toString(body.length());
    return len + " ".repeat(HEADER - len.length()) + body;
  }

  /** A command: {@code cmd=NAME;} then each key and value, values escaped. */
  static String command(String name, String... keysAndValues) {
    StringBuilder b = new StringBuilder("cmd=").append(name).append(';');
    for (int i = 0; i < keysAndValues.length; i += 2) {
      b.append(keysAndValues[i]).append('=');
      b.append(keysAndValues[i + 1].replace(";", ";;")).append(';');
    }
    return b.toString();
  }

  /** The pairs of a body, in order; {@code ;;} in a value is one {@code ;}. */
  static Map<String, String> parse(String body) throws PmiException {
    Map<String, String> kv = new LinkedHashMap<>();
    int i = 0;
    while (i < body.length()) {
      int eq = body.indexOf('=', i);
      if (eq <= i) {
        throw new PmiException("malformed PMI-2 command (no key=value at " + i + "): " + body);
      }
      String key = body.substring(i, eq);
      ByteArrayOutputStream v = new ByteArrayOutputStream();
      int j = eq + 1;
      while (j < body.length()) {
        char c = body.charAt(j);
        if (c == ';') {
          if (j + 1 < body.length() && body.charAt(j + 1) == ';') {
            v.write(';');
            j += 2;
            continue;
          }
          break;
        }
        v.write(c);
        j++;
      }
      kv.put(key, v.toString(StandardCharsets.US_ASCII));
      i = j + 1;
    }
    return kv;
  }
}
