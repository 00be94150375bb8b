package io.sifkube.image.pull;

import java.nio.file.Path;

/**
 * The {@code PATH[:TAG]} part of {@code oci:} and {@code oci-archive:} sources. A colon followed by
 * something without a slash starts the tag, so paths with colons in directory names still work.
 *
 * @param path the layout directory or archive file
 * @param tag the tag, or null for none
 */
record PathAndTag(Path path, String tag) {

  static PathAndTag parse(String spec) {
    int colon = spec.lastIndexOf(':');
    if (colon > 0 && !spec.substring(colon + 1).contains("/")) {
      return new PathAndTag(Path.of(spec.substring(0, colon)), spec.substring(colon + 1));
    }
    return new PathAndTag(Path.of(spec), null);
  }
}
