package io.sifkube.image.registry;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A registry's answer: the status, the headers and the body, which the caller reads and closes
 * (closing it lets the connection be used again).
 *
 * @param headers by lower-case name
 */
public record HttpReply(int status, Map<String, List<String>> headers, InputStream body)
    implements Closeable {

  /** The first value of header {@code name} (any case). */
  public Optional<String> header(String name) {
    List<String> v = headers.get(name.toLowerCase(java.util.Locale.ROOT));
    return v == null || v.isEmpty() ? Optional.empty() : Optional.of(v.get(0));
  }

  /** The header as a number, when it is one. */
  public Optional<Long> longHeader(String name) {
    try {
      return header(name).map(v -> Long.parseLong(v.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    try {
      body.close();
    } catch (IOException ignored) {
      // nothing to keep: the connection is dropped instead of reused
    }
  }
}
