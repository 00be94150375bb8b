package io.sifkube.image.squash;

/**
 * Bounds on what one layer may expand to, so that a decompression bomb or a layer of millions of
 * empty files ends in a clear refusal instead of a full disk.
 *
 * @param maxBytes the most uncompressed tar bytes per layer
 * @param maxEntries the most tar entries per layer
 */
public record LayerLimits(long maxBytes, long maxEntries) {

  /** 32 GiB and two million entries per layer: far above real images, far below a full disk. */
  public static final LayerLimits DEFAULT = new LayerLimits(32L << 30, 2_000_000);

  public LayerLimits {
    if (maxBytes <= 0 || maxEntries <= 0) {
      throw new IllegalArgumentException("layer limits must be positive");
    }
  }
}
