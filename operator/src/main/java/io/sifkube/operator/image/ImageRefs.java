package io.sifkube.operator.image;

import io.sifkube.api.v1alpha1.SifImage;
import java.util.regex.Pattern;

/** Pure helpers on image sources. */
public final class ImageRefs {

  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  private ImageRefs() {}

  /**
   * The source a run naming {@code image} pulls: its resolved manifest digest when the SifImage has
   * one for its current spec, so that every attempt on every node runs the same image and a node
   * that cached it pulls nothing (no registry request); otherwise the source as written.
   */
  public static String forRun(SifImage image) {
    String source = image.getSpec().source;
    var s = image.getStatus();
    if (s == null
        || s.manifestDigest == null
        || s.observedGeneration == null
        || !s.observedGeneration.equals(image.getMetadata().getGeneration())) {
      return source;
    }
    return pinned(source, s.manifestDigest);
  }

  /**
   * {@code docker://host/repo[:tag][@digest]} with its tag or digest replaced by {@code digest};
   * other schemes (files, archives, layouts) are returned as they are.
   */
  static String pinned(String source, String digest) {
    if (!source.startsWith("docker://") || !DIGEST.matcher(digest).matches()) {
      return source;
    }
    String ref = source.substring("docker://".length());
    int at = ref.indexOf('@');
    if (at >= 0) {
      ref = ref.substring(0, at);
    }
    int slash = ref.lastIndexOf('/');
    int colon = ref.lastIndexOf(':');
    if (colon > slash) {
      ref = ref.substring(0, colon); // a tag, not a registry port
    }
    return "docker://" + ref + "@" + digest;
  }
}
