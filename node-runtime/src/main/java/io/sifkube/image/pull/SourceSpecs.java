package io.sifkube.image.pull;

import java.util.List;

/**
 * Which strings name an image source rather than a file: the prefixes {@link ImageSources}
 * dispatches on. Kept apart from it and its transports, because {@code sifctl run|exec|shell} asks
 * this before it loads any pull code: bin/sifctl starts a command line without such an argument on
 * a class path without the pull libraries (RunPull), and its pattern must cover every prefix here
 * (SourceSpecsTest reads bin/sifctl).
 */
public final class SourceSpecs {

  /** Every prefix a source starts with; the {@code ://} ones are URL-like. */
  public static final List<String> PREFIXES =
      List.of(
          "docker://",
          "docker-daemon:",
          "oci:",
          "oci-archive:",
          "docker-archive:",
          "oras://",
          "library://",
          "shub://");

  /** The sources a user can pull from, for messages. */
  public static final String KINDS =
      "docker://REF, oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF] or"
          + " docker-daemon:IMAGE";

  private SourceSpecs() {}

  /** Whether {@code spec} starts with one of {@link #PREFIXES}. */
  public static boolean isSource(String spec) {
    for (String p : PREFIXES) {
      if (spec.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
